package main

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// runConfig runs linger in-process with a private config location and
// returns what it printed and its exit status.
func runConfig(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errOut bytes.Buffer
	app := newApp()
	app.Writer, app.ErrWriter = &out, &errOut
	err := app.Run(append([]string{"linger"}, args...))

	// exitCode prints the error on os.Stderr: capture it.
	f, ferr := os.CreateTemp(t.TempDir(), "stderr")
	if ferr != nil {
		t.Fatal(ferr)
	}
	saved := os.Stderr
	os.Stderr = f
	code = exitCode(err)
	os.Stderr = saved
	f.Seek(0, io.SeekStart)
	msg, _ := io.ReadAll(f)
	f.Close()
	return out.String(), errOut.String() + string(msg), code
}

// configEnv points the default config location at an empty directory and
// returns the path of the default config file.
func configEnv(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", dir)
	t.Setenv("LINGER_SOCKET", filepath.Join(dir, "none.sock")) // no server: the file is read
	t.Setenv("LINGER_CONFIG", "")
	os.Unsetenv("LINGER_CONFIG")
	return filepath.Join(dir, "linger", "config.toml")
}

func writeFile(t *testing.T, path, text string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
}

const validConfig = "config/testdata/valid.toml"
const badConfig = "config/testdata/problems.toml"

func TestConfigCheck(t *testing.T) {
	def := configEnv(t)
	missing := filepath.Join(t.TempDir(), "missing.toml")
	for _, tt := range []struct {
		name         string
		setup        func()
		args         []string
		stdout, errs string // errs: a substring of stderr
		code         int
	}{
		{name: "implicit default path missing", args: []string{"config", "check"},
			stdout: def + ": not found, built-in defaults are in use\n"},
		{name: "named file missing", args: []string{"config", "check", missing},
			errs: "linger: " + missing + ": not found\n", code: 1},
		{name: "-c file missing", args: []string{"-c", missing, "config", "check"},
			errs: `linger: config file "` + missing + `" not found`, code: 1},
		{name: "named file", args: []string{"config", "check", validConfig},
			stdout: validConfig + ": ok\n"},
		{name: "-c file", args: []string{"-c", validConfig, "config", "check"},
			stdout: validConfig + ": ok\n"},
		{name: "$LINGER_CONFIG", setup: func() { t.Setenv("LINGER_CONFIG", validConfig) },
			args: []string{"config", "check"}, stdout: validConfig + ": ok\n"},
		{name: "default path", setup: func() { os.Unsetenv("LINGER_CONFIG"); writeFile(t, def, "[server]\n") },
			args: []string{"config", "check"}, stdout: def + ": ok\n"},
		{name: "problems", args: []string{"config", "check", badConfig},
			errs: "linger: " + badConfig + ":3: server.default_configuration: no configuration named \"nope\"", code: 1},
		{name: "too many files", args: []string{"config", "check", "a", "b"},
			errs: "linger: config check takes at most one FILE", code: 2},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if tt.setup != nil {
				tt.setup()
			}
			stdout, stderr, code := runConfig(t, tt.args...)
			if stdout != tt.stdout || !strings.Contains(stderr, tt.errs) || code != tt.code {
				t.Errorf("linger %q:\nstdout %q (want %q)\nstderr %q (want %q in it)\nexit %d (want %d)",
					tt.args, stdout, tt.stdout, stderr, tt.errs, code, tt.code)
			}
		})
	}
}

// Every problem is printed, one per line, each as "linger: FILE:LINE: ...".
func TestConfigCheckListsEveryProblem(t *testing.T) {
	configEnv(t)
	_, stderr, code := runConfig(t, "config", "check", badConfig)
	lines := strings.Split(strings.TrimSuffix(stderr, "\n"), "\n")
	if code != 1 || len(lines) != 18 {
		t.Fatalf("exit %d, %d lines (want 1, 18):\n%s", code, len(lines), stderr)
	}
	for _, l := range lines {
		if !strings.HasPrefix(l, "linger: "+badConfig+":") {
			t.Errorf("line %q does not start with linger: FILE:", l)
		}
	}
}

func TestConfigList(t *testing.T) {
	configEnv(t)
	stdout, stderr, code := runConfig(t, "-c", validConfig, "config", "list")
	want := `NAME      COMMAND                                  CWD
bare      $SHELL -l                                $PWD
default   $SHELL -l                                /
with.dot  sh -c '  echo "hi" # not a comment\n  '  $PWD
work *    make -C '~/src' watch                    ~/src
`
	if stdout != want || code != 0 {
		t.Errorf("config list: exit %d, stderr %q, stdout:\n%s\nwant:\n%s", code, stderr, stdout, want)
	}

	stdout, _, code = runConfig(t, "config", "ls")
	want = "NAME       COMMAND    CWD\ndefault *  $SHELL -l  $PWD\n"
	if stdout != want || code != 0 {
		t.Errorf("config list without a file: exit %d, stdout:\n%s\nwant:\n%s", code, stdout, want)
	}

	_, stderr, code = runConfig(t, "-c", badConfig, "config", "list")
	if code != 1 || strings.Count(stderr, "\n") != 1 || !strings.Contains(stderr, "(and 17 more: run 'linger config check "+badConfig+"')") {
		t.Errorf("config list with a bad file: exit %d, stderr %q", code, stderr)
	}

	_, _, code = runConfig(t, "config", "list", "x")
	if code != 2 {
		t.Errorf("config list x: exit %d, want 2", code)
	}
}

func TestConfigShow(t *testing.T) {
	configEnv(t)
	for _, tt := range []struct {
		args         []string
		stdout, errs string
		code         int
	}{
		{args: []string{"config", "show"}, stdout: `[configurations.default]
command = [] # empty: $SHELL -l, else /bin/sh
cwd = "" # empty: the client's current directory
env = {}
output_buffering = "block"
buffer_size = "8MiB"
log_file = "" # empty: no log file
log_format = "raw"
idle_timeout = "none"
max_idle_timeout = "none"
restore = "lines"
scrollback_lines = 2000
`},
		{args: []string{"-c", validConfig, "config", "show"}, stdout: `[configurations.work]
command = ["make", "-C", "~/src", "watch"]
cwd = "~/src"
env = { GOFLAGS = "-race", "WITH SPACE" = "ok" }
output_buffering = "block"
buffer_size = "8MiB"
log_file = "" # empty: no log file
log_format = "raw"
idle_timeout = "none"
max_idle_timeout = "none"
restore = "lines"
scrollback_lines = 2000
`},
		{args: []string{"-c", validConfig, "config", "show", "default"}, stdout: `[configurations.default]
command = [] # empty: $SHELL -l, else /bin/sh
cwd = "/"
env = { LANG = "C.UTF-8" }
output_buffering = "block"
buffer_size = "8MiB"
log_file = "" # empty: no log file
log_format = "raw"
idle_timeout = "none"
max_idle_timeout = "none"
restore = "lines"
scrollback_lines = 2000
`},
		{args: []string{"-c", validConfig, "config", "show", "nope"},
			errs: "linger: no configuration named \"nope\" (expected: bare|default|with.dot|work)\n", code: 1},
		{args: []string{"config", "show", "a", "b"}, errs: "linger: config show takes at most one NAME", code: 2},
	} {
		stdout, stderr, code := runConfig(t, tt.args...)
		if stdout != tt.stdout || !strings.Contains(stderr, tt.errs) || code != tt.code {
			t.Errorf("linger %q:\nstdout %q (want %q)\nstderr %q (want %q in it)\nexit %d (want %d)",
				tt.args, stdout, tt.stdout, stderr, tt.errs, code, tt.code)
		}
	}
}
