package main

// End-to-end tests of configuration that takes effect: `linger server
// reload` and SIGHUP, what `config list` says the server has loaded, a
// client's -c that differs from the server's or does not exist, and the
// server's start and stop leaving nothing behind.

import (
	"encoding/json"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"

	"linger/socket"
)

// reloadConfig is a configuration whose default runs sleep SECS.
func reloadConfig(secs string) string {
	return "[configurations.default]\ncommand = [\"sleep\", \"" + secs + "\"]\n[configurations.other]\ncwd = \"/\"\n"
}

// sessionCommand is session name's command, from ls --json.
func sessionCommand(t *testing.T, e *env, name string) []string {
	t.Helper()
	s := naSession(naLsJSON(t, e), name)
	if s == nil {
		t.Fatalf("no session %q in ls --json", name)
	}
	return s.Command
}

// TestServerReload: `linger server reload` reads the file again; a new
// session uses the new configuration, the running one keeps its own, and
// config list says the file changed before the reload, not after.
func TestServerReload(t *testing.T) {
	e := newEnv(t)
	e.WriteConfig(reloadConfig("100"))
	if r := e.Run("new", "-d", "old"); r.Code != 0 {
		t.Fatalf("new -d old: %v", r)
	}
	r := e.Run("config", "list")
	if r.Code != 0 || !strings.Contains(r.Stdout, "default *  sleep 100") ||
		!strings.Contains(r.Stdout, "server on "+e.Sock+": "+e.Config+" (modified ") || strings.Contains(r.Stdout, "changed since") {
		t.Errorf("config list with a server: want its configurations and the file it loaded\n%v", r)
	}

	e.WriteConfig(reloadConfig("2000"))
	r = e.Run("config", "list")
	if r.Code != 0 || !strings.Contains(r.Stdout, "sleep 100") || !strings.Contains(r.Stdout, e.Config+" has changed since") ||
		!strings.Contains(r.Stdout, "linger server reload") {
		t.Errorf("config list after the file changed: want the server's (sleep 100) and that the file changed\n%v", r)
	}

	r = e.Run("server", "reload")
	if r.Code != 0 || !strings.Contains(r.Stdout, "reloaded "+e.Config) || !strings.Contains(r.Stdout, "1 running session keeps its own") {
		t.Fatalf("server reload: want it reloaded and the running session named as keeping its own\n%v", r)
	}
	if r := e.Run("new", "-d", "new"); r.Code != 0 {
		t.Fatalf("new -d new: %v", r)
	}
	if c := sessionCommand(t, e, "new"); !slices.Equal(c, []string{"sleep", "2000"}) {
		t.Errorf("new session after reload runs %q, want sleep 2000", c)
	}
	if c := sessionCommand(t, e, "old"); !slices.Equal(c, []string{"sleep", "100"}) {
		t.Errorf("old session runs %q, want sleep 100", c)
	}
	r = e.Run("config", "list")
	if r.Code != 0 || !strings.Contains(r.Stdout, "sleep 2000") || strings.Contains(r.Stdout, "changed since") {
		t.Errorf("config list after the reload\n%v", r)
	}
	if !strings.Contains(readFileString(serverLog(e)), "configuration reloaded from "+e.Config) {
		t.Errorf("the server's log does not say it reloaded:\n%s", readFileString(serverLog(e)))
	}

	// config list --json: the server's, every field present
	r = e.Run("config", "list", "--json")
	var list []map[string]any
	if err := json.Unmarshal([]byte(r.Stdout), &list); r.Code != 0 || err != nil || len(list) != 2 {
		t.Fatalf("config list --json: %v\n%v", err, r)
	}
	for _, k := range []string{"name", "default", "command", "cwd", "env", "output_buffering", "buffer_size", "log_file",
		"idle_timeout_seconds", "max_idle_timeout_seconds", "restore", "scrollback_lines"} {
		if _, ok := list[0][k]; !ok {
			t.Errorf("config list --json: no %q in %v", k, list[0])
		}
	}
	if list[0]["name"] != "default" || list[0]["default"] != true || list[1]["default"] != false {
		t.Errorf("config list --json: %v", list)
	}
}

// TestServerReloadSIGHUP: SIGHUP to the server reloads as `server reload`.
func TestServerReloadSIGHUP(t *testing.T) {
	e := newEnv(t)
	e.WriteConfig(reloadConfig("100"))
	if r := e.Run("new", "-d", "old"); r.Code != 0 {
		t.Fatalf("new -d old: %v", r)
	}
	srv := theServer(t, e)
	e.WriteConfig(reloadConfig("3000"))
	if err := syscall.Kill(srv, syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	poll(t, "the server to log the reload", harnessWait, func() bool {
		return strings.Contains(readFileString(serverLog(e)), "SIGHUP: configuration reloaded from "+e.Config)
	})
	if !procAlive(srv) {
		t.Fatalf("the server exited on SIGHUP")
	}
	if r := e.Run("new", "-d", "new"); r.Code != 0 {
		t.Fatalf("new -d new: %v", r)
	}
	if c := sessionCommand(t, e, "new"); !slices.Equal(c, []string{"sleep", "3000"}) {
		t.Errorf("new session after SIGHUP runs %q, want sleep 3000", c)
	}
	if c := sessionCommand(t, e, "old"); !slices.Equal(c, []string{"sleep", "100"}) {
		t.Errorf("old session runs %q, want sleep 100", c)
	}
}

// TestServerReloadBadFile: a file with problems is refused, each problem
// said as config check says it, and the server keeps what it had.
func TestServerReloadBadFile(t *testing.T) {
	e := newEnv(t)
	e.WriteConfig(reloadConfig("100"))
	if r := e.Run("new", "-d", "a"); r.Code != 0 {
		t.Fatalf("new -d a: %v", r)
	}
	e.WriteConfig("[configurations.default]\ncommand = 3\nbogus = 1\n")
	check := e.Run("config", "check")
	r := e.Run("server", "reload")
	lines := strings.Split(strings.TrimSuffix(r.Stderr, "\n"), "\n")
	if r.Code != 1 || r.Stdout != "" || len(lines) != 3 {
		t.Fatalf("server reload of a bad file: want exit 1 and 3 lines on stderr\n%v", r)
	}
	if strings.Join(lines[:2], "\n")+"\n" != check.Stderr {
		t.Errorf("reload's problems differ from config check's:\n%s\nconfig check:\n%s", r.Stderr, check.Stderr)
	}
	for i, want := range []string{e.Config + ":2: configurations.default.command:", e.Config + ":3: configurations.default: unknown key \"bogus\""} {
		if !strings.HasPrefix(lines[i], "linger: "+want) {
			t.Errorf("line %d: want %q, got %q", i+1, want, lines[i])
		}
	}
	if !strings.Contains(lines[2], "keeps "+e.Config) {
		t.Errorf("last line should say the server keeps its configuration: %q", lines[2])
	}
	if r := e.Run("new", "-d", "b"); r.Code != 0 {
		t.Fatalf("new -d b: %v", r)
	}
	if c := sessionCommand(t, e, "b"); !slices.Equal(c, []string{"sleep", "100"}) {
		t.Errorf("new session after a refused reload runs %q, want the old sleep 100", c)
	}
}

// TestConfigFlagDiffersFromServer: a client whose -c names another file
// than the running server loaded says so, once, in one line; the same
// file says nothing; -c then reload switches.
func TestConfigFlagDiffersFromServer(t *testing.T) {
	e := newEnv(t)
	e.WriteConfig(reloadConfig("100"))
	if r := e.Run("new", "-d", "a"); r.Code != 0 || r.Stderr != "" {
		t.Fatalf("new -d a: %v", r)
	}
	other := filepath.Join(e.Dir, "other.toml")
	writeFile(t, other, reloadConfig("4000"))
	for _, args := range [][]string{{"ls"}, {"new", "-d", "b"}, {"config", "list"}} {
		r := e.Run(append([]string{"-c", other}, args...)...)
		if r.Code != 0 || strings.Count(r.Stderr, "\n") != 1 || !strings.Contains(r.Stderr, "linger: warning: the server on "+e.Sock+" uses "+e.Config+", not "+other) ||
			!strings.Contains(r.Stderr, "linger -c "+other+" server reload") {
			t.Errorf("-c %s %q: want one warning line naming both files and how to reload\n%v", other, args, r)
		}
	}
	if c := sessionCommand(t, e, "b"); !slices.Equal(c, []string{"sleep", "100"}) {
		t.Errorf("new -c other ran %q: want the server's configuration (sleep 100)", c)
	}
	if r := e.Run("-c", e.Config, "ls"); r.Code != 0 || r.Stderr != "" {
		t.Errorf("-c the server's own file: want no warning\n%v", r)
	}
	if r := e.Run("-c", other, "server", "reload"); r.Code != 0 || r.Stderr != "" || !strings.Contains(r.Stdout, "reloaded "+other) {
		t.Fatalf("-c other server reload: %v", r)
	}
	if r := e.RunEnv([]string{"LINGER_CONFIG=" + other}, "new", "-d", "c"); r.Code != 0 || r.Stderr != "" {
		t.Errorf("new with the file the server now uses: %v", r)
	}
	if c := sessionCommand(t, e, "c"); !slices.Equal(c, []string{"sleep", "4000"}) {
		t.Errorf("new after reload -c other ran %q, want sleep 4000", c)
	}
}

// TestConfigFlagMissing: a -c FILE (or $LINGER_CONFIG) that does not exist
// is an error on every command path, with or without a server.
func TestConfigFlagMissing(t *testing.T) {
	e := newEnv(t)
	missing := filepath.Join(e.Dir, "missing.toml")
	cmds := [][]string{{"ls"}, {"ls", "--json"}, {"new", "-d", "x", "--", "sleep", "100"}, {"attach", "x"},
		{"kill", "x"}, {"detach", "x"}, {"receive", "x"}, {"wait", "x"}, {"capture", "x"},
		{"server", "stop"}, {"server", "reload"}, {"config", "list"}, {"config", "show"}, {"config", "check"}}
	try := func(when string) {
		for _, args := range cmds {
			r := e.Run(append([]string{"-c", missing}, args...)...)
			if r.Code != 1 || strings.Count(r.Stderr, "\n") != 1 || !strings.Contains(r.Stderr, `linger: config file "`+missing+`" not found`) {
				t.Errorf("%s: -c missing %q: want exit 1 and one line saying the file is not found\n%v", when, args, r)
			}
			r = e.RunEnv([]string{"LINGER_CONFIG=" + missing}, args...)
			if r.Code != 1 || !strings.Contains(r.Stderr, "not found") {
				t.Errorf("%s: LINGER_CONFIG missing %q: want exit 1 and not found\n%v", when, args, r)
			}
		}
	}
	try("no server")
	newDetached(t, e, "x", "sleep", "100")
	try("a server running")
	if names := sessionNames(t, e); !slices.Equal(names, []string{"x"}) {
		t.Errorf("sessions %q after the refused commands, want just x", names)
	}
}

// TestServerFailedStartLeavesNoLock: a server that cannot start (a bad
// configuration), on demand or by hand, leaves no <socket>.lock behind; a
// server that ran and exited neither.
func TestServerFailedStartLeavesNoLock(t *testing.T) {
	e := newEnv(t)
	lock := e.Sock + ".lock"
	e.WriteConfig("[server]\ndetach_key = \"bogus\"\n")
	if r := e.Run("new", "-d", "x", "--", "sleep", "100"); r.Code != 1 {
		t.Fatalf("new with a bad config: %v", r)
	}
	if fileExists(lock) {
		t.Errorf("%s left behind by a server started on demand that refused its config", lock)
	}
	if r := e.Run("server"); r.Code != 1 || !strings.Contains(r.Stderr, "detach_key") {
		t.Fatalf("linger server with a bad config: %v", r)
	}
	if fileExists(lock) {
		t.Errorf("%s left behind by linger server that refused its config", lock)
	}
	e.WriteConfig("")
	newDetached(t, e, "x", "sleep", "100")
	if r := e.Run("server", "stop"); r.Code != 0 {
		t.Fatalf("server stop: %v", r)
	}
	if fileExists(lock) {
		t.Errorf("%s left behind by a server that stopped", lock)
	}
}

// TestServerStopReturnsWhenExited: when server stop returns, the server
// process is gone and so is its socket.
func TestServerStopReturnsWhenExited(t *testing.T) {
	e := newEnv(t)
	// a program that takes its time to go: the server waits for it
	newDetached(t, e, "slow", "sh", "-c", "trap 'sleep 1; exit 0' HUP; while :; do sleep 0.1; done")
	srv := theServer(t, e)
	r := e.Run("server", "stop")
	if r.Code != 0 {
		t.Fatalf("server stop: %v", r)
	}
	if procAlive(srv) {
		t.Errorf("server %d still runs when server stop returned", srv)
	}
	if fileExists(e.Sock) {
		t.Errorf("socket still there when server stop returned")
	}
	if _, err := socket.Dial(e.Sock, "test"); err == nil {
		t.Errorf("a server answers after server stop returned")
	}
}
