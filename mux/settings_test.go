package mux

import (
	"slices"
	"strings"
	"testing"
	"time"

	"linger/config"
)

// TestSessionSettings: what a new session will be, from the request and
// its configuration, with each rule's precedence.
func TestSessionSettings(t *testing.T) {
	conf := config.Default().Configurations[config.DefaultConfigurationName]
	client := []string{"HOME=/home/u", "SHELL=/bin/zsh", "A=client", "TERM=dumb"}

	st, err := sessionSettings(7, "w", "/run/s.sock", conf, NewOptions{ClientEnv: client, ClientCwd: "/src"})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(st.argv, []string{"/bin/zsh", "-l"}) || st.cwd != "/src" || st.cols != 80 || st.rows != 24 {
		t.Errorf("defaults: argv %q cwd %q size %dx%d; want the client's $SHELL -l in its directory, 80x24", st.argv, st.cwd, st.cols, st.rows)
	}
	if st.dropMode || st.limit != config.DefaultBufferSize || st.idle != 0 || st.logPath != "" {
		t.Errorf("defaults: drop %v limit %d idle %v log %q", st.dropMode, st.limit, st.idle, st.logPath)
	}
	want := []string{"HOME=/home/u", "SHELL=/bin/zsh", "A=client", "TERM=xterm-256color",
		"LINGER_SESSION=w", "LINGER_SESSION_ID=7", "LINGER_SOCKET=/run/s.sock"}
	if !slices.Equal(st.env, want) {
		t.Errorf("env %q\nwant %q (the client's TERM is the request's, not its environment's)", st.env, want)
	}

	c := *conf
	c.Command, c.Cwd, c.Env = []string{"make"}, "~/proj", map[string]string{"A": "conf", "B": "conf"}
	c.OutputBuffering, c.BufferSize, c.MaxIdleTimeout = config.OutputDrop, 1<<20, time.Hour
	c.LogFile = "/logs/{name}-{id}.log"
	st, err = sessionSettings(8, "x", "/s", &c, NewOptions{ClientEnv: client, ClientCwd: "/src",
		SetEnv: []string{"B=flag"}, Term: "screen", Cols: 100, Rows: 30})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(st.argv, []string{"make"}) || st.cwd != "/home/u/proj" || st.cols != 100 || st.rows != 30 {
		t.Errorf("configuration: argv %q cwd %q size %dx%d", st.argv, st.cwd, st.cols, st.rows)
	}
	if !st.dropMode || st.limit != 1<<20 || st.idle != time.Hour || st.maxIdle != time.Hour {
		t.Errorf("configuration: drop %v limit %d idle %v max %v; want drop, 1MiB, the maximum for \"never\"", st.dropMode, st.limit, st.idle, st.maxIdle)
	}
	env := strings.Join(st.env, " ")
	if !strings.Contains(env, "A=conf") || !strings.Contains(env, "B=flag") || !strings.Contains(env, "TERM=screen") {
		t.Errorf("env %q: want the configuration over the client, -e over both, the request's TERM", env)
	}
	if st.logPath != "/logs/x-8.log" {
		t.Errorf("log path %q", st.logPath)
	}

	st, err = sessionSettings(9, "y", "/s", &c, NewOptions{Command: []string{"top"}, Cwd: "/tmp",
		OutputBuffering: config.OutputBlock, IdleTimeout: time.Minute, IdleTimeoutSet: true})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(st.argv, []string{"top"}) || st.cwd != "/tmp" || st.dropMode || st.idle != time.Minute {
		t.Errorf("request: argv %q cwd %q drop %v idle %v; the request wins", st.argv, st.cwd, st.dropMode, st.idle)
	}
	if _, err := sessionSettings(10, "z", "/s", &c, NewOptions{IdleTimeout: 2 * time.Hour, IdleTimeoutSet: true}); err == nil ||
		!strings.Contains(err.Error(), "max_idle_timeout") {
		t.Errorf("idle timeout above the maximum: %v", err)
	}
	if st, _ := sessionSettings(11, "v", "/s", conf, NewOptions{}); !slices.Equal(st.argv, []string{"/bin/sh"}) || st.cwd != "/" {
		t.Errorf("no SHELL, no directory: argv %q cwd %q; want /bin/sh in /", st.argv, st.cwd)
	}
	// a client on another host sends no directory: the session starts in $HOME
	if st, _ := sessionSettings(12, "h", "/s", conf, NewOptions{ClientEnv: []string{"HOME=/home/al"}}); st.cwd != "/home/al" {
		t.Errorf("no client directory: cwd %q, want $HOME /home/al", st.cwd)
	}
}
