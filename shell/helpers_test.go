package shell

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// testEnv is a minimal environment for children.
var testEnv = []string{"PATH=/usr/local/bin:/usr/bin:/bin", "LC_ALL=C", "TERM=dumb"}

// proc is a started Process plus its exit notifications.
type proc struct {
	*Process
	exits atomic.Int32
	exit  chan ExitStatus // receives the status once
	out   chan []byte     // output chunks (copies), closed at EOF/error
	err   error           // ReadSome's final error, valid after out is closed
	acc   []byte          // what the test consumed from out so far
}

// start starts opts and a goroutine reading its output. Cleanup kills
// the group, closes the master and waits for the reap.
func start(t *testing.T, opts Options) *proc {
	t.Helper()
	if opts.Env == nil {
		opts.Env = testEnv
	}
	pr := &proc{exit: make(chan ExitStatus, 1), out: make(chan []byte, 64)}
	p, err := Start(opts, func(st ExitStatus) {
		pr.exits.Add(1)
		pr.exit <- st
	})
	if err != nil {
		t.Fatalf("Start(%q): %v", opts.Argv, err)
	}
	pr.Process = p
	go func() {
		defer close(pr.out)
		for {
			b, err := p.ReadSome()
			if err != nil {
				pr.err = err
				return
			}
			pr.out <- append([]byte(nil), b...)
			Release(b)
		}
	}()
	t.Cleanup(func() {
		_ = p.Signal(syscall.SIGKILL)
		_ = p.Close()
		waitFor(t, 10*time.Second, "process reaped", func() bool { _, ok := p.Exited(); return ok })
	})
	return pr
}

// until reads output until it contains want and returns all output so far.
func (pr *proc) until(t *testing.T, want string, d time.Duration) string {
	t.Helper()
	timeout := time.After(d)
	for !strings.Contains(string(pr.acc), want) {
		select {
		case b, ok := <-pr.out:
			if !ok {
				t.Fatalf("output ended (%v) before %q; got %q", pr.err, want, pr.acc)
			}
			pr.acc = append(pr.acc, b...)
		case <-timeout:
			t.Fatalf("no %q within %v; got %q", want, d, pr.acc)
		}
	}
	return string(pr.acc)
}

// all reads output until EOF and returns all of it.
func (pr *proc) all(t *testing.T, d time.Duration) string {
	t.Helper()
	timeout := time.After(d)
	for {
		select {
		case b, ok := <-pr.out:
			if !ok {
				if pr.err != io.EOF {
					t.Fatalf("ReadSome ended with %v, want io.EOF", pr.err)
				}
				return string(pr.acc)
			}
			pr.acc = append(pr.acc, b...)
		case <-timeout:
			t.Fatalf("no EOF within %v; got %d bytes: %.200q", d, len(pr.acc), pr.acc)
		}
	}
}

// wait waits for onExit and checks it ran once and agrees with Exited.
func (pr *proc) wait(t *testing.T, d time.Duration) ExitStatus {
	t.Helper()
	select {
	case st := <-pr.exit:
		if n := pr.exits.Load(); n != 1 {
			t.Errorf("onExit ran %d times", n)
		}
		if got, ok := pr.Exited(); !ok || got != st {
			t.Errorf("Exited() = %v, %v; onExit got %v", got, ok, st)
		}
		return st
	case <-time.After(d):
		t.Fatalf("pid %d not reaped within %v", pr.Pid(), d)
	}
	panic("unreachable")
}

// waitFor polls cond every few ms until it holds or d passes.
func waitFor(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", d, what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// stat is part of /proc/PID/stat.
type stat struct {
	state                             byte
	ppid, pgrp, session, ttyNr, tpgid int
}

func procStat(pid int) (stat, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return stat{}, err
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return stat{}, errors.New("bad stat: " + s)
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 6 {
		return stat{}, errors.New("bad stat: " + s)
	}
	var st stat
	st.state = f[0][0]
	for j, dst := range []*int{&st.ppid, &st.pgrp, &st.session, &st.ttyNr, &st.tpgid} {
		if *dst, err = strconv.Atoi(f[j+1]); err != nil {
			return stat{}, err
		}
	}
	return st, nil
}

// children lists the pids whose parent is this test process.
func children(t *testing.T) []int {
	t.Helper()
	ents, err := os.ReadDir("/proc")
	if err != nil {
		t.Fatal(err)
	}
	var kids []int
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if st, err := procStat(pid); err == nil && st.ppid == os.Getpid() {
			kids = append(kids, pid)
		}
	}
	return kids
}

// openFDs lists this process's open descriptors with their targets.
func openFDs(t *testing.T) map[string]string {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	fds := map[string]string{}
	for _, e := range ents {
		target, _ := os.Readlink(filepath.Join("/proc/self/fd", e.Name()))
		fds[e.Name()] = target
	}
	return fds
}

func threads(t *testing.T) int {
	t.Helper()
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "Threads:"); ok {
			n, err := strconv.Atoi(strings.TrimSpace(v))
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
	}
	t.Fatal("no Threads in /proc/self/status")
	return 0
}

// groupAlive reports whether process group pgid has members that are not
// zombies (orphans are reaped by init, which may take a moment).
func groupAlive(pgid int) bool {
	if unix.Kill(-pgid, 0) != nil {
		return false
	}
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return true
	}
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if st, err := procStat(pid); err == nil && st.pgrp == pgid && st.state != 'Z' {
			return true
		}
	}
	return false
}
