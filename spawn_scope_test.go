package main

// How a server started on demand is spawned when a systemd user manager
// runs: in a scope of its own, through systemd-run (package daemon).

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestSpawnInSystemdScope: with a user manager's socket in
// $XDG_RUNTIME_DIR/systemd/private and systemd-run on PATH, a server
// started on demand runs as `systemd-run --user --scope --quiet --collect
// -- linger ... server --daemon ...`; when systemd-run fails, the server
// starts without it; without the socket, or when the command line has a
// '$' (systemd-run would expand it), systemd-run is not asked.
//
// CI has no systemd (no user manager runs in its containers), so the
// systemd-run here is a fake that records its arguments and execs the
// command after "--", as the real one does once the scope is made, and the
// manager's socket is a plain file (only its existence is looked at).
func TestSpawnInSystemdScope(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	bin := filepath.Join(e.Dir, "fakebin")
	if err := os.Mkdir(bin, 0o700); err != nil {
		t.Fatal(err)
	}
	record := filepath.Join(e.Dir, "systemd-run.args")
	fake := func(then string) {
		t.Helper()
		script := "#!/bin/sh\nprintf '%s\\n' \"$@\" > " + record + "\n" + then + "\n"
		if err := os.WriteFile(filepath.Join(bin, "systemd-run"), []byte(script), 0o755); err != nil {
			t.Fatal(err)
		}
		os.Remove(record)
	}
	for i, kv := range e.Env {
		if strings.HasPrefix(kv, "PATH=") {
			e.Env[i] = "PATH=" + bin + ":" + strings.TrimPrefix(kv, "PATH=")
		}
	}
	runDir := filepath.Join(e.Dir, "run")
	start := func(desc string) {
		t.Helper()
		if r := e.Run("new", "-d", "x", "--", "sleep", "100"); r.Code != 0 || r.Stderr != "" {
			t.Fatalf("%s: new -d: %v", desc, r)
		}
		if r := e.Run("server", "stop"); r.Code != 0 {
			t.Fatalf("%s: server stop: %v", desc, r)
		}
	}

	// no user manager: systemd-run is not asked
	fake(`while [ "$1" != "--" ]; do shift; done; shift; exec "$@"`)
	start("without a user manager")
	if _, err := os.Stat(record); err == nil {
		t.Errorf("systemd-run was run without a user manager's socket")
	}

	if err := os.MkdirAll(filepath.Join(runDir, "systemd"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(runDir, "systemd", "private"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	start("with a user manager")
	b, err := os.ReadFile(record)
	if err != nil {
		t.Fatalf("systemd-run was not run: %v", err)
	}
	want := []string{"--user", "--scope", "--quiet", "--collect", "--",
		lingerBin, "-S", e.Sock, "server", "--daemon", "--log", filepath.Join(e.Dir, "state", "linger", "s.log")}
	if got := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n"); !slices.Equal(got, want) {
		t.Errorf("systemd-run's arguments:\n got %q\nwant %q", got, want)
	}

	// a '$' in the command line, which systemd-run would expand: no scope
	fake(`while [ "$1" != "--" ]; do shift; done; shift; exec "$@"`)
	odd := filepath.Join(e.Dir, "a$HOME.sock")
	if r := e.Run("-S", odd, "new", "-d", "x", "--", "sleep", "100"); r.Code != 0 || r.Stderr != "" {
		t.Fatalf("new -d -S %s: %v", odd, r)
	}
	if r := e.Run("-S", odd, "server", "stop"); r.Code != 0 {
		t.Fatalf("server stop -S %s: %v", odd, r)
	}
	if _, err := os.Stat(record); err == nil {
		t.Errorf("systemd-run was run for a socket path with a '$'")
	}

	// systemd-run cannot make the scope: the server starts without it
	fake(`echo "Failed to connect to bus: No medium found" >&2; exit 1`)
	start("when systemd-run fails")
	if _, err := os.Stat(record); err != nil {
		t.Errorf("systemd-run was not tried: %v", err)
	}
}
