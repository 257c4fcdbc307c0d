package main

// End-to-end tests of how the server fails and recovers: SIGTERM and SIGKILL
// of the server, running out of file descriptors, the file-descriptor limit
// it runs with, and a command that cannot start.

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// lockPath is the start lock beside e's socket.
func lockPath(e *env) string { return e.Sock + ".lock" }

// prlimitServer starts `prlimit --nofile=LIMIT linger -S sock server` in the
// foreground with its stderr captured (prlimit execs linger: same pid).
func prlimitServer(t *testing.T, e *env, limit string) (c *exec.Cmd, stderr *syncBuffer, done chan struct{}) {
	t.Helper()
	prlimit, err := exec.LookPath("prlimit")
	if err != nil {
		t.Skip("prlimit (util-linux) not installed")
	}
	c, stderr, done = startServerCmd(t, e, []string{prlimit, "--nofile=" + limit, lingerBin, "-S", e.Sock, "server"})
	poll(t, "the server under prlimit to answer", harnessWait, func() bool {
		select {
		case <-done:
			t.Fatalf("server under prlimit %s exited: %v\n%s", limit, c.ProcessState, stderr.String())
		default:
		}
		return strings.Contains(stderr.String(), "listening on") && e.Run("ls", "--json").Stdout == "[]\n"
	})
	return c, stderr, done
}

// softNofile reads the soft "Max open files" of pid from /proc/PID/limits.
func softNofile(pid int) (soft, hard string) {
	for _, line := range strings.Split(readFileString("/proc/"+strconv.Itoa(pid)+"/limits"), "\n") {
		if rest, ok := strings.CutPrefix(line, "Max open files"); ok {
			if f := strings.Fields(rest); len(f) >= 2 {
				return f[0], f[1]
			}
		}
	}
	return "", ""
}

func noPanic(t *testing.T, what, log string) {
	t.Helper()
	if strings.Contains(log, "panic") || strings.Contains(log, "goroutine ") {
		t.Errorf("%s mentions a panic:\n%s", what, log)
	}
}

func TestFaultServerSIGTERM(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	newDetached(t, e, "hup", "sh", "-c", `trap "echo got-hup > $HOME/hup; exit 0" HUP; while :; do sleep 1; done`)
	newDetached(t, e, "plain", "sleep", "100")
	newDetached(t, e, "group", "sh", "-c", "sleep 100 & sleep 100; wait")
	srv := theServer(t, e)
	pids := map[string]int{}
	for _, n := range []string{"hup", "plain", "group"} {
		pids[n] = sessionPid(t, e, n)
	}
	if !fileExists(lockPath(e)) {
		t.Fatalf("no lock file %s while the server runs: the removal is not exercised", lockPath(e))
	}

	if err := syscall.Kill(srv, syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	marker := filepath.Join(e.Home, "hup")
	poll(t, "the HUP trap's marker "+marker, harnessWait, func() bool {
		return strings.TrimSpace(readFileString(marker)) == "got-hup"
	})
	for n, pid := range pids {
		poll(t, "session "+n+"'s process group to end", harnessWait, func() bool { return !groupAlive(pid) })
	}
	waitGone(t, srv, harnessWait, "the SIGTERMed server")
	if fileExists(e.Sock) {
		t.Errorf("socket %s left behind after SIGTERM", e.Sock)
	}
	if fileExists(lockPath(e)) {
		t.Errorf("lock file %s left behind after SIGTERM", lockPath(e))
	}
	logText := readFileString(serverLog(e))
	if !strings.Contains(logText, "terminated") {
		t.Errorf("log does not say the server got SIGTERM:\n%s", logText)
	}
	noPanic(t, "server log", logText)

	// Nothing stale stands in the way of the next server.
	newDetached(t, e, "x", "sleep", "100")
	if p := theServer(t, e); p == srv {
		t.Errorf("server pid %d unchanged: no fresh server", p)
	}
	if names := sessionNames(t, e); strings.Join(names, ",") != "x" {
		t.Errorf("sessions on the fresh server = %q, want [x]", names)
	}
}

// TestFaultServerSIGKILL (the stale-socket case) complements TestServerStaleSocket: the lock file is
// left too, `ls --json` copes, several clients racing on the stale socket end
// up with one server, and a clean stop afterwards removes both files.
func TestFaultServerSIGKILL(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	newDetached(t, e, "old", "sleep", "100")
	srv := theServer(t, e)
	old := sessionPid(t, e, "old")
	if err := syscall.Kill(srv, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	waitGone(t, srv, harnessWait, "the SIGKILLed server")
	waitGone(t, old, harnessWait, "the dead server's session")
	if !fileExists(e.Sock) {
		t.Fatalf("socket %s vanished with a SIGKILLed server: the stale case is not exercised", e.Sock)
	}
	if !fileExists(lockPath(e)) {
		t.Errorf("lock file %s vanished with a SIGKILLed server", lockPath(e))
	}
	if r := e.Run("ls"); r.Code != 0 || r.Stdout != "no sessions\n" {
		t.Errorf("ls on a stale socket: want exit 0 and \"no sessions\" (no server)\n%v", r)
	}
	if r := e.Run("ls", "--json"); r.Code != 0 || r.Stdout != "[]\n" {
		t.Errorf("ls --json on a stale socket: want exit 0 and []\n%v", r)
	}

	// Several clients race to replace the dead server.
	const n = 4
	var wg sync.WaitGroup
	results := make([]result, n)
	errs := make([]error, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			results[i], errs[i] = runBin(e.Env, e.Home, "new", "-d", "r"+strconv.Itoa(i), "--", "sleep", "100")
		}(i)
	}
	wg.Wait()
	for i := 0; i < n; i++ {
		if errs[i] != nil || results[i].Code != 0 || results[i].Stdout != "r"+strconv.Itoa(i)+"\n" {
			t.Errorf("client %d on the stale socket: %v\n%v", i, errs[i], results[i])
		}
	}
	fresh := theServer(t, e)
	if fresh == srv {
		t.Errorf("server pid unchanged")
	}
	if names := sessionNames(t, e); len(names) != n {
		t.Errorf("sessions on the fresh server = %q, want %d", names, n)
	}

	if r := e.Run("server", "stop"); r.Code != 0 {
		t.Fatalf("server stop\n%v", r)
	}
	waitGone(t, fresh, harnessWait, "the stopped server")
	poll(t, "socket and lock file to be removed", harnessWait, func() bool {
		return !fileExists(e.Sock) && !fileExists(lockPath(e))
	})
}

func TestFaultOutOfFDs(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	// Soft = hard: the server raises its soft limit to the hard one.
	c, stderr, done := prlimitServer(t, e, "40:40")
	pid := c.Process.Pid
	if soft, hard := softNofile(pid); soft != "40" || hard != "40" {
		t.Fatalf("server's open file limit %s:%s, want 40:40", soft, hard)
	}

	var made []string
	var fail result
	for i := 0; i < 60; i++ {
		name := "f" + strconv.Itoa(i)
		r := e.Run("new", "-d", name, "--", "sleep", "100")
		if r.Code != 0 {
			fail = r
			break
		}
		made = append(made, name)
	}
	if fail.Code == 0 {
		t.Fatalf("60 sessions under a limit of 40 open files: the limit is not reached")
	}
	if len(made) < 5 {
		t.Fatalf("only %d sessions before the first failure\n%v\n%s", len(made), fail, stderr.String())
	}
	t.Logf("%d sessions before running out: %q", len(made), fail.Stderr)
	want := regexp.MustCompile(`^linger: cannot start "sleep": out of file descriptors \(raise the limit with ulimit -n\)\n$`)
	if fail.Code != 1 || fail.Stdout != "" || !want.MatchString(fail.Stderr) {
		t.Errorf("new -d out of fds: want exit 1 and one line %q\n%v", want, fail)
	}

	// The server still serves, and the sessions are all there.
	list := lsJSON(t, e)
	if len(list) != len(made) {
		t.Errorf("ls --json lists %d sessions, want %d", len(list), len(made))
	}
	for _, name := range made {
		s := sessionByName(list, name)
		if s == nil || s["state"] != "Disconnected" {
			t.Errorf("session %s after running out of fds: %v", name, s)
		}
	}
	if r := e.Run("ls"); r.Code != 0 || len(tableRows(r.Stdout)) != len(made)+1 {
		t.Errorf("ls out of fds\n%v", r)
	}

	// Freeing a few sessions makes room again.
	for _, name := range made[:3] {
		p := sessionPid(t, e, name)
		if r := e.Run("kill", name); r.Code != 0 {
			t.Fatalf("kill %s\n%v", name, r)
		}
		waitGone(t, p, harnessWait, "killed session "+name)
	}
	var again result
	poll(t, "a new session once fds are free", harnessWait, func() bool {
		again = e.Run("new", "-d", "again", "--", "sleep", "100")
		return again.Code == 0
	})
	if again.Stdout != "again\n" {
		t.Errorf("new -d again\n%v", again)
	}
	if names := sessionNames(t, e); len(names) != len(made)-3+1 {
		t.Errorf("sessions after freeing 3 and adding 1: %q", names)
	}
	select {
	case <-done:
		t.Fatalf("the server exited\n%s", stderr.String())
	default:
	}
	noPanic(t, "server stderr", stderr.String())
}

func TestFaultFDLimitRaised(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c, stderr, _ := prlimitServer(t, e, "64:4096")
	// Go raises the soft limit to just under the hard one at start.
	if soft, hard := softNofile(c.Process.Pid); soft != "4095" || hard != "4096" {
		t.Errorf("server's open file limit %s:%s, want 4095:4096", soft, hard)
	}
	if n := strings.Count(stderr.String(), "open file limit 4095 (hard 4096)"); n != 1 {
		t.Errorf("stderr says \"open file limit 4095 (hard 4096)\" %d times, want once:\n%s", n, stderr.String())
	}
	// Sessions keep the limit the server was started with, so programs
	// using select() are not handed descriptors above 1023.
	newDetached(t, e, "lim", "sleep", "100")
	if soft, hard := softNofile(sessionPid(t, e, "lim")); soft != "64" || hard != "4096" {
		t.Errorf("a session's open file limit %s:%s, want the server's original 64:4096", soft, hard)
	}
}

func TestFaultMissingCommandNoHalfSession(t *testing.T) {
	t.Parallel()
	const want = "linger: cannot start \"/nonexistent/cmd\": no such file or directory\n"
	e := newEnv(t)

	// With no server: the one started for it exits again, leaving nothing.
	r := e.Run("new", "-d", "x", "--", "/nonexistent/cmd")
	if r.Code != 1 || r.Stdout != "" || r.Stderr != want {
		t.Errorf("new -d x -- /nonexistent/cmd (no server): want exit 1 and %q\n%v", want, r)
	}
	noServer(t, e.Sock)
	poll(t, "socket and lock file of the emptied server to go", harnessWait, func() bool {
		return !fileExists(e.Sock) && !fileExists(lockPath(e))
	})

	// With a server.
	newDetached(t, e, "keep", "sleep", "100")
	srv := theServer(t, e)
	r = e.Run("new", "-d", "x", "--", "/nonexistent/cmd")
	if r.Code != 1 || r.Stdout != "" || r.Stderr != want {
		t.Errorf("new -d x -- /nonexistent/cmd: want exit 1 and %q\n%v", want, r)
	}
	list := lsJSON(t, e)
	if sessionByName(list, "x") != nil || len(list) != 1 {
		t.Errorf("ls --json after the failed new: %v, want only keep", list)
	}
	// The name is free, the server the same.
	newDetached(t, e, "x", "sleep", "100")
	if p := theServer(t, e); p != srv {
		t.Errorf("server changed from %d to %d", srv, p)
	}
	logText := readFileString(serverLog(e))
	noPanic(t, "server log", logText)
	if n := strings.Count(logText, "session x ("); n != 1 {
		t.Errorf("log mentions session x %d times, want once (the one that started):\n%s", n, logText)
	}
}

// TestFaultOutOfPtys runs the server in a private mount namespace whose
// devpts instance allows 3 ptys (root only; nothing outside is affected).
func TestFaultOutOfPtys(t *testing.T) {
	t.Parallel()
	if os.Geteuid() != 0 {
		t.Skip("needs root for a private devpts instance (unshare --mount)")
	}
	unshare, err := exec.LookPath("unshare")
	if err != nil {
		t.Skip("unshare (util-linux) not installed")
	}
	e := newEnv(t)
	script := `mount -t devpts -o newinstance,ptmxmode=0666,max=3 devpts /dev/pts && mount --bind /dev/pts/ptmx /dev/ptmx || exit 77; exec "$0" -S "$1" server`
	c := exec.Command(unshare, "--mount", "--propagation", "private", "sh", "-c", script, lingerBin, e.Sock)
	c.Env, c.Dir = e.Env, e.Home
	stderr := &syncBuffer{}
	c.Stderr = stderr
	c.WaitDelay = 3 * time.Second
	if err := c.Start(); err != nil {
		t.Fatalf("start %q: %v", c.Args, err)
	}
	done := make(chan struct{})
	go func() { _ = c.Wait(); close(done) }()
	e.track(func() {
		select {
		case <-done:
		default:
			_ = c.Process.Kill()
			<-done
		}
	})
	for !strings.Contains(stderr.String(), "listening on") {
		select {
		case <-done:
			t.Skipf("no private devpts instance here (%v): %s", c.ProcessState, stderr.String())
		case <-time.After(harnessPollEvery):
		}
	}
	var made []string
	var fail result
	for i := 0; i < 10; i++ {
		name := "p" + strconv.Itoa(i)
		if r := e.Run("new", "-d", name, "--", "sleep", "100"); r.Code != 0 {
			fail = r
			break
		}
		made = append(made, name)
	}
	if len(made) != 3 {
		t.Fatalf("%d sessions on 3 ptys, want 3\n%v\n%s", len(made), fail, stderr.String())
	}
	const want = "linger: cannot start \"sleep\": no more ptys (kernel.pty.max)\n"
	if fail.Code != 1 || fail.Stdout != "" || fail.Stderr != want {
		t.Errorf("new -d out of ptys: want exit 1 and %q\n%v", want, fail)
	}
	if names := sessionNames(t, e); strings.Join(names, ",") != strings.Join(made, ",") {
		t.Errorf("sessions out of ptys = %q, want %q", names, made)
	}
	p := sessionPid(t, e, "p0")
	if r := e.Run("kill", "p0"); r.Code != 0 {
		t.Fatalf("kill p0\n%v", r)
	}
	waitGone(t, p, harnessWait, "killed session p0")
	var again result
	poll(t, "a new session once a pty is free", harnessWait, func() bool {
		again = e.Run("new", "-d", "again", "--", "sleep", "100")
		return again.Code == 0
	})
	noPanic(t, "server stderr", stderr.String())
}
