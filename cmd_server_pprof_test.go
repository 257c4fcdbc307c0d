package main

import (
	"bytes"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// TestServerPprof: with LINGER_PPROF=DIR, a server started on demand
// profiles itself; SIGUSR2 writes snapshot 1 (CPU since start, heap,
// allocs, goroutines, threads) and exit writes the next one. Each file is a
// gzipped pprof profile.
func TestServerPprof(t *testing.T) {
	e := newEnv(t)
	dir := filepath.Join(e.Dir, "prof")
	e.Env = overlayEnv(e.Env, []string{"LINGER_PPROF=" + dir})
	if r := e.Run("new", "-d", "p", "--", "sleep", "100000"); r.Code != 0 {
		t.Fatalf("new: %v", r)
	}
	pid := theServer(t, e)
	names := []string{"cpu", "heap", "allocs", "goroutine", "threadcreate"}
	written := func(n string) func() bool {
		return func() bool {
			for _, name := range names {
				b, err := os.ReadFile(filepath.Join(dir, name+"-"+n+".pprof"))
				if err != nil || !bytes.HasPrefix(b, []byte{0x1f, 0x8b}) {
					return false
				}
			}
			return true
		}
	}
	if written("1")() {
		t.Fatal("snapshot 1 written before SIGUSR2")
	}
	if err := syscall.Kill(pid, syscall.SIGUSR2); err != nil {
		t.Fatal(err)
	}
	poll(t, "snapshot 1 in "+dir, harnessWait, written("1"))
	if r := e.Run("server", "stop"); r.Code != 0 {
		t.Fatalf("server stop: %v", r)
	}
	poll(t, "snapshot 2 at exit in "+dir, harnessWait, written("2"))
	if r := e.Run("ls"); r.Code == 0 {
		t.Fatalf("server still answers after stop: %v", r)
	}
}
