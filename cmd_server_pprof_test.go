package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestServerPprof: in a build with -tags linger_pprof (built here; the
// other tests use the build the README gives), with LINGER_PPROF=DIR a
// server started on demand profiles itself; SIGUSR2 writes snapshot 1 (CPU
// since start, heap, allocs, goroutines, threads) and exit writes the next
// one. Each file is a gzipped pprof profile.
func TestServerPprof(t *testing.T) {
	e := newEnv(t)
	e.Bin = filepath.Join(e.Dir, "pprof", "linger") // named linger, as theServer looks for
	if out, err := exec.Command("go", "build", "-tags", "urfave_cli_no_docs linger_pprof", "-o", e.Bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build -tags linger_pprof: %v\n%s", err, out)
	}
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

// TestServerPprofOff: the usual build has no profiler; LINGER_PPROF gets
// a line in the server's log saying how to build one, and nothing else.
func TestServerPprofOff(t *testing.T) {
	e := newEnv(t)
	dir := filepath.Join(e.Dir, "prof")
	e.Env = overlayEnv(e.Env, []string{"LINGER_PPROF=" + dir})
	if r := e.Run("new", "-d", "p", "--", "sleep", "100000"); r.Code != 0 {
		t.Fatalf("new: %v", r)
	}
	theServer(t, e)
	logs, _ := filepath.Glob(filepath.Join(e.Dir, "state", "linger", "*.log"))
	var log []byte
	poll(t, "the server's log to say it is not profiling", harnessWait, func() bool {
		for _, l := range logs {
			if b, err := os.ReadFile(l); err == nil && strings.Contains(string(b), "not profiling") {
				log = b
				return true
			}
		}
		logs, _ = filepath.Glob(filepath.Join(e.Dir, "state", "linger", "*.log"))
		return false
	})
	if !strings.Contains(string(log), "-tags 'urfave_cli_no_docs linger_pprof'") {
		t.Errorf("log does not say how to build with pprof:\n%s", log)
	}
	if _, err := os.Stat(dir); err == nil {
		t.Errorf("%s was made by a build without pprof", dir)
	}
}
