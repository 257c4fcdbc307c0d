package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestServerNamedWithL: -L NAME runs an independent server on
// $XDG_RUNTIME_DIR/linger/NAME.sock, with its own sessions, and -S still
// wins over -L.
func TestServerNamedWithL(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	runtime := ""
	for _, kv := range e.Env {
		if v, ok := strings.CutPrefix(kv, "XDG_RUNTIME_DIR="); ok {
			runtime = v
		}
	}
	noSock := []string{"LINGER_SOCKET="} // let -L choose
	if r := e.RunEnv(noSock, "-L", "other", "new", "-d", "x", "--", "sleep", "100"); r.Code != 0 {
		t.Fatalf("-L other new: %v", r)
	}
	t.Cleanup(func() { e.RunEnv(noSock, "-L", "other", "server", "stop") })
	sock := filepath.Join(runtime, "linger", "other.sock")
	if fi, err := os.Stat(sock); err != nil || fi.Mode()&os.ModeSocket == 0 {
		t.Fatalf("no socket at %s: %v", sock, err)
	}
	if r := e.RunEnv(noSock, "-L", "other", "ls"); r.Code != 0 || !strings.Contains(r.Stdout, "sleep 100") {
		t.Errorf("-L other ls: %v", r)
	}
	// the default server is another one: it is not running
	if r := e.RunEnv(noSock, "ls"); r.Code != 1 || !strings.Contains(r.Stderr, "no server running on "+filepath.Join(runtime, "linger", "default.sock")) {
		t.Errorf("default server ls: want no server running on default.sock\n%v", r)
	}
	// -S beats -L
	if r := e.RunEnv(noSock, "-L", "nope", "-S", sock, "ls"); r.Code != 0 || !strings.Contains(r.Stdout, "sleep 100") {
		t.Errorf("-S should win over -L: %v", r)
	}
	if r := e.RunEnv(noSock, "-L", "a/b", "ls"); r.Code != 1 || !strings.Contains(r.Stderr, `invalid server name "a/b"`) {
		t.Errorf("-L a/b: %v", r)
	}
}
