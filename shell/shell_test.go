package shell

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

func TestEchoAndExitCode(t *testing.T) {
	p := start(t, Options{Argv: []string{"sh", "-c", "echo hello; exit 3"}})
	if out := p.all(t, 5*time.Second); out != "hello\r\n" {
		t.Errorf("output %q, want %q", out, "hello\r\n")
	}
	st := p.wait(t, 5*time.Second)
	if st != (ExitStatus{Code: 3}) || st.ShellCode() != 3 || st.String() != "status 3" {
		t.Errorf("status %+v (%v, shell code %d), want exit 3", st, st, st.ShellCode())
	}
	if b, err := p.ReadSome(); err != io.EOF {
		t.Errorf("ReadSome after EOF = %q, %v; want io.EOF (sticky)", b, err)
	}
}

func TestKilledBySignal(t *testing.T) {
	p := start(t, Options{Argv: []string{"sh", "-c", "kill -9 $$"}})
	p.all(t, 5*time.Second)
	st := p.wait(t, 5*time.Second)
	if st.Signal != syscall.SIGKILL || st.ShellCode() != 137 || st.String() != "killed" {
		t.Errorf("status %+v (%v, shell code %d), want signal 9 / 137", st, st, st.ShellCode())
	}
}

func TestExitStatusString(t *testing.T) {
	for _, c := range []struct {
		st   ExitStatus
		want string
		code int
	}{
		{ExitStatus{}, "status 0", 0},
		{ExitStatus{Code: 127}, "status 127", 127},
		{ExitStatus{Signal: syscall.SIGHUP}, "signal 1", 129},
		{ExitStatus{Signal: syscall.SIGKILL}, "killed", 137},
		{ExitStatus{Signal: syscall.SIGTERM}, "signal 15", 143},
		{ExitStatus{Signal: syscall.SIGSEGV, Core: true}, "signal 11, core dumped", 139},
		{ExitStatus{Signal: 40}, "signal 40", 168},
		{ExitStatus{Signal: 40, Core: true}, "signal 40, core dumped", 168},
	} {
		if got := c.st.String(); got != c.want {
			t.Errorf("%+v.String() = %q, want %q", c.st, got, c.want)
		}
		if got := c.st.ShellCode(); got != c.code {
			t.Errorf("%+v.ShellCode() = %d, want %d", c.st, got, c.code)
		}
	}
}

func TestEnvDirAndPathLookup(t *testing.T) {
	bin, work := t.TempDir(), t.TempDir()
	script := "#!/bin/sh\necho \"foo=$FOO pwd=$(pwd -P) path=$PATH\"\n"
	if err := os.WriteFile(filepath.Join(bin, "linger-test-cmd"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	// Only Env's PATH has it: the server's PATH must not matter.
	if _, err := lookPath("linger-test-cmd", os.Getenv("PATH"), ""); !errors.Is(err, ErrNotFound) {
		t.Fatalf("found in the test's own PATH (%v); test is meaningless", err)
	}
	path := bin + ":/usr/bin:/bin"
	p := start(t, Options{
		Argv: []string{"linger-test-cmd"},
		Env:  []string{"FOO=bar baz", "PATH=" + path},
		Dir:  work,
	})
	realWork, err := filepath.EvalSymlinks(work)
	if err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("foo=bar baz pwd=%s path=%s\r\n", realWork, path)
	if out := p.all(t, 5*time.Second); out != want {
		t.Errorf("output %q, want %q", out, want)
	}
	if st := p.wait(t, 5*time.Second); st.ShellCode() != 0 {
		t.Errorf("status %v", st)
	}

	// No PATH in Env: the default path is searched, and the child really
	// gets only Env.
	p = start(t, Options{Argv: []string{"sh", "-c", "echo \"[$PATH][$FOO]\""}, Env: []string{"FOO=1"}})
	if out := p.all(t, 5*time.Second); !strings.HasSuffix(out, "[1]\r\n") {
		t.Errorf("output %q, want FOO=1 and only Env", out)
	}
}

func TestStartErrors(t *testing.T) {
	dir := t.TempDir()
	garbage := filepath.Join(dir, "garbage")
	if err := os.WriteFile(garbage, []byte("\x00\x01\x02\x03not an executable"), 0o755); err != nil {
		t.Fatal(err)
	}
	// Prime the reaper and package state so they do not count as leaks.
	start(t, Options{Argv: []string{"true"}}).wait(t, 5*time.Second)

	fdsBefore, kidsBefore := openFDs(t), children(t)
	for _, c := range []struct {
		opts Options
		msg  string
		is   error
	}{
		{Options{Argv: []string{"nosuchcmd"}}, `cannot start "nosuchcmd": executable file not found in $PATH`, ErrNotFound},
		{Options{Argv: []string{"/etc/passwd"}}, `cannot start "/etc/passwd": permission denied`, fs.ErrPermission},
		{Options{Argv: []string{"ls"}, Dir: "/nope"}, `cannot start "ls": working directory "/nope": no such file or directory`, fs.ErrNotExist},
		{Options{Argv: []string{"ls"}, Dir: "/etc/passwd"}, `cannot start "ls": working directory "/etc/passwd": not a directory`, syscall.ENOTDIR},
		{Options{Argv: []string{"/no/such/cmd"}}, `cannot start "/no/such/cmd": no such file or directory`, fs.ErrNotExist},
		{Options{Argv: []string{"/tmp"}}, `cannot start "/tmp": is a directory`, syscall.EISDIR},
		{Options{Argv: []string{"sh"}, Env: []string{"PATH=" + dir}}, `cannot start "sh": executable file not found in $PATH`, ErrNotFound},
		{Options{Argv: []string{"ls"}, Cols: -1}, `cannot start "ls": invalid pty size -1x24`, nil},
		{Options{Argv: []string{}}, `cannot start: empty command`, nil},
		// Fails in the child's execve, after the pty was opened and forked.
		{Options{Argv: []string{garbage}}, fmt.Sprintf("cannot start %q: exec format error", garbage), syscall.ENOEXEC},
	} {
		if c.opts.Env == nil {
			c.opts.Env = testEnv
		}
		p, err := Start(c.opts, func(ExitStatus) { t.Errorf("onExit called for failed Start %q", c.opts.Argv) })
		if err == nil {
			p.Close()
			t.Errorf("Start(%q) succeeded", c.opts.Argv)
			continue
		}
		if err.Error() != c.msg {
			t.Errorf("Start(%q) error\n got %q\nwant %q", c.opts.Argv, err, c.msg)
		}
		if c.is != nil && !errors.Is(err, c.is) {
			t.Errorf("Start(%q) error %v is not %v", c.opts.Argv, err, c.is)
		}
	}
	fdsAfter, kidsAfter := openFDs(t), children(t)
	if fmt.Sprint(fdsAfter) != fmt.Sprint(fdsBefore) {
		t.Errorf("fds leaked: before %v\nafter %v", fdsBefore, fdsAfter)
	}
	if fmt.Sprint(kidsAfter) != fmt.Sprint(kidsBefore) {
		t.Errorf("children left behind: before %v after %v", kidsBefore, kidsAfter)
	}
}

func TestNoFDLeakAfterRun(t *testing.T) {
	start(t, Options{Argv: []string{"true"}}).wait(t, 5*time.Second) // warm up
	before := openFDs(t)
	p := start(t, Options{Argv: []string{"sh", "-c", "echo x"}})
	p.all(t, 5*time.Second)
	p.wait(t, 5*time.Second)
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if after := openFDs(t); fmt.Sprint(after) != fmt.Sprint(before) {
		t.Errorf("fds leaked: before %v\nafter %v", before, after)
	}
}

func TestResize(t *testing.T) {
	p := start(t, Options{
		Argv: []string{"sh", "-c", `stty size; read x; stty size; trap 'stty size; exit 0' WINCH; echo ready; while :; do sleep 1; done`},
		Cols: 100, Rows: 40,
	})
	p.until(t, "40 100\r\n", 5*time.Second)
	if c, r := p.Size(); c != 100 || r != 40 {
		t.Errorf("Size() = %d, %d; want 100, 40", c, r)
	}
	if err := p.Resize(120, 50); err != nil {
		t.Fatal(err)
	}
	if c, r := p.Size(); c != 120 || r != 50 {
		t.Errorf("Size() = %d, %d; want 120, 50", c, r)
	}
	if _, err := p.Write([]byte("\n")); err != nil {
		t.Fatal(err)
	}
	p.until(t, "50 120\r\nready\r\n", 5*time.Second)
	// A change of size signals SIGWINCH to the foreground group.
	if err := p.Resize(90, 30); err != nil {
		t.Fatal(err)
	}
	if out := p.all(t, 10*time.Second); !strings.HasSuffix(out, "ready\r\n30 90\r\n") {
		t.Errorf("output %q, want the WINCH trap's 30 90 at the end", out)
	}
	if err := p.Resize(0, 10); err == nil {
		t.Error("Resize(0, 10) succeeded")
	}
}

func TestWrite(t *testing.T) {
	p := start(t, Options{Argv: []string{"head", "-n1"}})
	if _, err := p.Write([]byte("hello world\n")); err != nil {
		t.Fatal(err)
	}
	// Echoed by the tty, then printed by head.
	if out := p.all(t, 5*time.Second); out != "hello world\r\nhello world\r\n" {
		t.Errorf("output %q", out)
	}
	if st := p.wait(t, 5*time.Second); st.ShellCode() != 0 {
		t.Errorf("status %v", st)
	}
}

// TestWriteLarge writes far more than the pty input queue holds, so Write
// must wait for the program through the poller.
func TestWriteLarge(t *testing.T) {
	p := start(t, Options{Argv: []string{"sh", "-c", "stty raw -echo; echo ready; head -c 300000 | wc -c"}})
	p.until(t, "ready", 5*time.Second)
	in := []byte(strings.Repeat("abcdefghi\n", 30000))
	done := make(chan error, 1)
	go func() {
		n, err := p.Write(in)
		if err == nil && n != len(in) {
			err = fmt.Errorf("short write %d", n)
		}
		done <- err
	}()
	out := p.all(t, 20*time.Second)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "300000") {
		t.Errorf("output %q, want wc to count 300000", out)
	}
}

func TestSessionLeaderAndControllingTTY(t *testing.T) {
	p := start(t, Options{Argv: []string{"sh", "-c", "echo ready; read x"}})
	p.until(t, "ready", 5*time.Second)
	st, err := procStat(p.Pid())
	if err != nil {
		t.Fatal(err)
	}
	var pts unix.Stat_t
	if err := unix.Stat(p.PtyName(), &pts); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(p.PtyName(), "/dev/pts/") {
		t.Errorf("PtyName() = %q", p.PtyName())
	}
	if st.session != p.Pid() || st.pgrp != p.Pid() {
		t.Errorf("session %d, pgrp %d; want both = pid %d", st.session, st.pgrp, p.Pid())
	}
	if st.ttyNr == 0 || uint64(st.ttyNr) != pts.Rdev {
		t.Errorf("tty_nr %#x, want the pty %s (%#x)", st.ttyNr, p.PtyName(), pts.Rdev)
	}
	if st.tpgid != p.Pid() {
		t.Errorf("foreground group %d, want %d", st.tpgid, p.Pid())
	}
	for _, fd := range []string{"0", "1", "2"} {
		if target, _ := os.Readlink("/proc/" + fmt.Sprint(p.Pid()) + "/fd/" + fd); target != p.PtyName() {
			t.Errorf("child fd %s is %q, want %s", fd, target, p.PtyName())
		}
	}
	// No other descriptor leaked into the child (all ours are close-on-exec).
	dir := "/proc/" + fmt.Sprint(p.Pid()) + "/fd"
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		target, _ := os.Readlink(filepath.Join(dir, e.Name()))
		if target == p.PtyName() {
			continue
		}
		// Descriptors the test binary itself inherited without
		// close-on-exec (from whoever ran it) pass through; nothing of ours may.
		ours, _ := os.Readlink(filepath.Join("/proc/self/fd", e.Name()))
		fd, _ := strconv.Atoi(e.Name())
		flags, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0)
		if target == "/dev/ptmx" || ours != target || err != nil || flags&unix.FD_CLOEXEC != 0 {
			t.Errorf("child fd %s is %q: leaked", e.Name(), target)
		}
	}
}

// TestSignalForegroundJob: a job-control shell puts its job in another
// process group and makes it the foreground; Signal must reach it.
func TestSignalForegroundJob(t *testing.T) {
	p := start(t, Options{Argv: []string{"sh", "-c", `trap 'echo trapped' USR1; set -m; sleep 100; echo "rc=$?"`}})
	var job int
	waitFor(t, 5*time.Second, "a foreground job", func() bool {
		st, err := procStat(p.Pid())
		job = st.tpgid
		return err == nil && job > 0 && job != p.Pid()
	})
	if err := p.Signal(syscall.SIGUSR1); err != nil {
		t.Fatal(err)
	}
	out := p.until(t, "rc=138", 5*time.Second)
	if !strings.Contains(out, "trapped") {
		t.Errorf("output %q: the leader's group did not get the signal", out)
	}
	p.all(t, 5*time.Second)
	if st := p.wait(t, 5*time.Second); st.ShellCode() != 0 {
		t.Errorf("status %v", st)
	}
	if err := p.Signal(syscall.SIGTERM); err != nil {
		t.Errorf("Signal after exit: %v, want nil (ESRCH is not an error)", err)
	}
}

func TestTerminateHangsUp(t *testing.T) {
	p := start(t, Options{Argv: []string{"sleep", "100"}})
	p.Terminate(30 * time.Second)
	st := p.wait(t, 10*time.Second) // long before the SIGKILL
	if st.Signal != syscall.SIGHUP {
		t.Errorf("status %v, want SIGHUP", st)
	}
	p.Terminate(time.Second) // after exit: harmless
	p.all(t, 5*time.Second)
}

func TestTerminateContinuesStopped(t *testing.T) {
	p := start(t, Options{Argv: []string{"sh", "-c", "kill -STOP $$; echo continued"}})
	waitFor(t, 5*time.Second, "stopped", func() bool {
		st, err := procStat(p.Pid())
		return err == nil && st.state == 'T'
	})
	p.Terminate(30 * time.Second)
	if st := p.wait(t, 10*time.Second); st.Signal != syscall.SIGHUP {
		t.Errorf("status %v, want SIGHUP", st)
	}
}

func TestTerminateKillsAfterGrace(t *testing.T) {
	p := start(t, Options{Argv: []string{"sh", "-c", `trap "" HUP; echo ready; sleep 100; echo survived`}})
	p.until(t, "ready", 5*time.Second)
	const grace = 300 * time.Millisecond
	t0 := time.Now()
	p.Terminate(grace)
	p.Terminate(grace) // again: must not reschedule or break anything
	st := p.wait(t, 10*time.Second)
	if st.Signal != syscall.SIGKILL {
		t.Errorf("status %v, want SIGKILL", st)
	}
	if d := time.Since(t0); d < grace {
		t.Errorf("killed after %v, before the grace %v", d, grace)
	}
	if out := p.all(t, 5*time.Second); strings.Contains(out, "survived") {
		t.Errorf("output %q", out)
	}
	waitFor(t, 5*time.Second, "process group gone", func() bool { return !groupAlive(p.Pid()) })
	p.Terminate(0)
}

func TestOutputAfterExit(t *testing.T) {
	p := start(t, Options{Argv: []string{"sh", "-c", `head -c 300000 /dev/zero | tr "\0" x; exit 0`}})
	// Let the program fill the pty and block before reading anything, so
	// much of the output is read after it could have exited.
	out := p.all(t, 30*time.Second)
	if n := strings.Count(out, "x"); n != 300000 || len(out) != 300000 {
		t.Errorf("got %d x's in %d bytes, want 300000", n, len(out))
	}
	if st := p.wait(t, 5*time.Second); st.ShellCode() != 0 {
		t.Errorf("status %v", st)
	}
}

func TestOutputAfterExitSlowReader(t *testing.T) {
	// Nothing reads until the process has been reaped.
	var exited atomic.Bool
	done := make(chan struct{})
	p, err := Start(Options{Argv: []string{"sh", "-c", `echo one; echo two`}, Env: testEnv},
		func(ExitStatus) { exited.Store(true); close(done) })
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("not reaped")
	}
	// Well past the drain deadline set at the exit: pending output must
	// still be there.
	past := time.Now().Add(2 * drainTimeout)
	waitFor(t, 5*time.Second, "drain deadline to pass", func() bool { return time.Now().After(past) })
	var out []byte
	for {
		b, err := p.ReadSome()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, b...)
		Release(b)
	}
	if string(out) != "one\r\ntwo\r\n" {
		t.Errorf("output %q", out)
	}
}

// TestDrainWithBackgroundJob: a job that ignores the hangup keeps the pty
// slave open after the leader exits, so EIO never comes; ReadSome must
// still end, but only once output stops flowing.
func TestDrainWithBackgroundJob(t *testing.T) {
	p := start(t, Options{Argv: []string{"sh", "-c",
		`trap "" HUP; (i=0; while [ $i -lt 5000 ]; do echo tick$i; i=$((i+1)); done; exec sleep 100) & exit 0`}})
	// The job writes through a full pty paced by our reads, long after
	// its leader exited.
	out := p.all(t, 10*time.Second)
	if n := strings.Count(out, "tick"); n != 5000 || !strings.HasSuffix(out, "tick4999\r\n") {
		t.Errorf("got %d ticks, ending %q; want all 5000 (output after the exit is still returned)", n, out[max(0, len(out)-20):])
	}
	if st := p.wait(t, 5*time.Second); st.ShellCode() != 0 {
		t.Errorf("status %v", st)
	}
	if !groupAlive(p.Pid()) {
		t.Fatal("background job gone; the test shows nothing")
	}
	// The group outlives its leader; Signal still reaches it while the
	// master is open.
	if err := p.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, "background job killed", func() bool { return !groupAlive(p.Pid()) })
}

// TestDrainParkedReader: a reader already parked when the leader exits,
// with a job holding the slave open but writing nothing, must be woken
// by the drain deadline the exit sets.
func TestDrainParkedReader(t *testing.T) {
	p := start(t, Options{Argv: []string{"sh", "-c",
		`stty -echo; trap "" HUP; sleep 100 & echo started; read x; exit 0`}})
	p.until(t, "started", 5*time.Second)
	waitFor(t, 5*time.Second, "reader parked", func() bool { return parkedReaders() >= 1 })
	if _, err := p.Write([]byte("\n")); err != nil {
		t.Fatal(err)
	}
	if out := p.all(t, 5*time.Second); out != "started\r\n" {
		t.Errorf("output %q", out)
	}
	if !groupAlive(p.Pid()) {
		t.Fatal("background job gone; the test shows nothing")
	}
}

func TestClose(t *testing.T) {
	p := start(t, Options{Argv: []string{"sleep", "100"}})
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	// The reader goroutine was parked in ReadSome: it must see io.EOF.
	p.all(t, 5*time.Second)
	if b, err := p.ReadSome(); err != io.EOF {
		t.Errorf("ReadSome after Close = %q, %v", b, err)
	}
	if err := p.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if _, err := p.Write([]byte("x")); err == nil {
		t.Error("Write after Close succeeded")
	}
	if err := p.Resize(10, 10); !errors.Is(err, os.ErrClosed) {
		t.Errorf("Resize after Close: %v", err)
	}
	// Closing the master hangs up the terminal.
	if st := p.wait(t, 5*time.Second); st.Signal != syscall.SIGHUP {
		t.Errorf("status %v, want SIGHUP from the hangup", st)
	}
	if err := p.Signal(syscall.SIGKILL); err != nil {
		t.Errorf("Signal after exit and Close: %v", err)
	}
}

// TestManyShortLived races exits against the fork+register in Start.
func TestManyShortLived(t *testing.T) {
	const n = 50
	var wg sync.WaitGroup
	var exits atomic.Int32
	errs := make(chan error, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			done := make(chan ExitStatus, 1)
			p, err := Start(Options{Argv: []string{"true"}, Env: testEnv}, func(st ExitStatus) { exits.Add(1); done <- st })
			if err != nil {
				errs <- err
				return
			}
			defer p.Close()
			select {
			case st := <-done:
				if st.ShellCode() != 0 {
					errs <- fmt.Errorf("status %v", st)
				}
			case <-time.After(10 * time.Second):
				errs <- fmt.Errorf("pid %d not reaped", p.Pid())
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if got := exits.Load(); got != n {
		t.Errorf("%d exits, want %d", got, n)
	}
}

// TestIdleProcessesHoldNoThreadOrBuffer: goroutines blocked in ReadSome
// on idle processes park on the poller ("IO wait"), not in a read syscall
// holding an OS thread, and hold no pooled buffer.
func TestIdleProcessesHoldNoThreadOrBuffer(t *testing.T) {
	const n = 200
	start(t, Options{Argv: []string{"true"}}).wait(t, 5*time.Second) // warm up
	thBefore, bufsBefore := threads(t), buffersOut.Load()

	var exits atomic.Int32
	var readers sync.WaitGroup
	procs := make([]*Process, 0, n)
	defer func() {
		for _, p := range procs {
			p.Terminate(0)
			p.Close()
		}
	}()
	for i := 0; i < n; i++ {
		p, err := Start(Options{Argv: []string{"sleep", "1000"}, Env: testEnv}, func(ExitStatus) { exits.Add(1) })
		if err != nil {
			t.Fatal(err)
		}
		procs = append(procs, p)
		readers.Add(1)
		go func() {
			defer readers.Done()
			for {
				b, err := p.ReadSome()
				if err != nil {
					return
				}
				Release(b)
			}
		}()
	}
	waitFor(t, 10*time.Second, fmt.Sprintf("%d readers parked in IO wait", n), func() bool { return parkedReaders() == n })
	thAfter := threads(t)
	t.Logf("threads: %d before, %d with %d idle readers", thBefore, thAfter, n)
	if thAfter-thBefore > 20 {
		t.Errorf("threads grew from %d to %d for %d idle processes", thBefore, thAfter, n)
	}
	if got := buffersOut.Load() - bufsBefore; got > 0 { // < 0: an earlier test released one meanwhile
		t.Errorf("%d read buffers held by idle processes", got)
	}

	for _, p := range procs {
		p.Terminate(5 * time.Second)
	}
	waitFor(t, 30*time.Second, "all exits", func() bool { return exits.Load() == n })
	for _, p := range procs {
		if st, ok := p.Exited(); !ok || st.Signal != syscall.SIGHUP {
			t.Errorf("pid %d: %v, %v; want SIGHUP", p.Pid(), st, ok)
		}
	}
	// EIO ends every reader once the leaders are gone.
	readersDone := make(chan struct{})
	go func() { readers.Wait(); close(readersDone) }()
	select {
	case <-readersDone:
	case <-time.After(10 * time.Second):
		t.Fatal("readers did not see EOF")
	}
}

func TestReleaseIgnoresForeignSlices(t *testing.T) {
	before := buffersOut.Load()
	Release(nil)
	Release(make([]byte, 10))
	b := getBuf()
	Release(b[1:]) // not the buffer's start: ignored
	Release(b)
	if got := buffersOut.Load(); got != before {
		t.Errorf("buffersOut %d, want %d", got, before)
	}
}

// parkedReaders counts goroutines parked on the poller inside ReadSome.
func parkedReaders() int {
	buf := make([]byte, 1<<22)
	stacks := string(buf[:runtime.Stack(buf, true)])
	parked := 0
	for _, g := range strings.Split(stacks, "\n\n") {
		if strings.Contains(g, "[IO wait") && strings.Contains(g, ".(*Process).ReadSome") {
			parked++
		}
	}
	return parked
}

// TestSignalSparesRecycledPid: once the leader is reaped, its pid may be
// given to a new process that leads a group of its own (pid_max is 32768
// here); signalling the session must not reach that group. The test makes
// the recycling happen: as root it sets the next pid
// (/proc/sys/kernel/ns_last_pid) and starts a group leader on the leader's
// old pid.
func TestSignalSparesRecycledPid(t *testing.T) {
	const lastPid = "/proc/sys/kernel/ns_last_pid"
	if os.Geteuid() != 0 {
		t.Skip("needs root to choose the next pid (" + lastPid + ")")
	}
	p := start(t, Options{Argv: []string{"true"}})
	p.wait(t, 10*time.Second) // reaped; the pty stays open (no Close)
	old := p.Pid()
	var victim *exec.Cmd
	for i := 0; i < 100 && victim == nil; i++ {
		if err := os.WriteFile(lastPid, []byte(strconv.Itoa(old-1)), 0); err != nil {
			t.Skipf("cannot set the next pid: %v", err)
		}
		c := exec.Command("sleep", "60")
		c.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		if err := c.Start(); err != nil {
			t.Fatal(err)
		}
		if c.Process.Pid == old {
			victim = c
			break
		}
		c.Process.Kill()
		c.Wait()
	}
	if victim == nil {
		t.Skipf("pid %d was never given out again in 100 tries (a busy machine)", old)
	}
	exited := make(chan struct{})
	go func() { victim.Wait(); close(exited) }()
	defer func() { victim.Process.Kill(); <-exited }()

	p.Signal(syscall.SIGKILL)
	p.Terminate(0)
	select {
	case <-exited:
		t.Fatalf("the process that got the reaped leader's pid %d was killed: %v", old, victim.ProcessState)
	case <-time.After(500 * time.Millisecond):
	}
}
