package main

// End-to-end tests of the server's life: auto-start as a daemon, the start
// race, exit_when_empty, `linger server stop`, the foreground `linger
// server`, a stale socket, a bad configuration, and `linger version`.

import (
	"bytes"
	"fmt"
	"net"
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

	"linger/socket"
)

func TestServerAutoStartDaemon(t *testing.T) {
	e := newEnv(t)
	if fileExists(e.Sock) {
		t.Fatalf("socket exists before any command")
	}
	newDetached(t, e, "x", "sleep", "100")
	pid := theServer(t, e)
	st, ok := readProcStat(pid)
	if !ok {
		t.Fatalf("server %d vanished", pid)
	}
	if st.TTYNr != 0 {
		t.Errorf("server %d has a controlling terminal (tty_nr %d)", pid, st.TTYNr)
	}
	if st.Session != pid {
		t.Errorf("server %d is not a session leader (sid %d)", pid, st.Session)
	}
	// Its socket is 0600.
	if fi, err := os.Lstat(e.Sock); err != nil || fi.Mode()&os.ModeSocket == 0 || fi.Mode().Perm() != 0o600 {
		t.Errorf("socket %s: %v, mode %v; want a 0600 socket", e.Sock, err, fi.Mode())
	}
	logText := readFileString(serverLog(e))
	if !strings.Contains(logText, "listening on "+e.Sock) {
		t.Errorf("log %s lacks \"listening on %s\":\n%s", serverLog(e), e.Sock, logText)
	}
	if !strings.Contains(logText, fmt.Sprintf("(pid %d,", pid)) {
		t.Errorf("log names another pid than the server's %d:\n%s", pid, logText)
	}
	// The session runs under the server.
	if sp, ok := readProcStat(sessionPid(t, e, "x")); !ok || sp.Ppid != pid {
		t.Errorf("session process's parent = %d, want the server %d", sp.Ppid, pid)
	}
}

func TestServerAutoStartRace(t *testing.T) {
	e := newEnv(t)
	const n = 8
	var wg sync.WaitGroup
	results := make([]result, n)
	errs := make([]error, n)
	start := make(chan struct{})
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			<-start
			results[i], errs[i] = runBin(e.Env, e.Home, "new", "-d", "s"+strconv.Itoa(i), "--", "sleep", "100")
		}(i)
	}
	close(start)
	wg.Wait()
	for i := 0; i < n; i++ {
		if errs[i] != nil || results[i].Code != 0 || results[i].Stdout != "s"+strconv.Itoa(i)+"\n" {
			t.Errorf("client %d: %v\n%v", i, errs[i], results[i])
		}
	}
	if pids := serverPids(e.Sock); len(pids) != 1 {
		t.Errorf("%d server processes after the race, want 1: %v", len(pids), pids)
	}
	if c := strings.Count(readFileString(serverLog(e)), "listening on"); c != 1 {
		t.Errorf("%d servers listened, want 1:\n%s", c, readFileString(serverLog(e)))
	}
	names := sessionNames(t, e)
	if len(names) != n {
		t.Errorf("ls shows %d sessions, want %d: %q", len(names), n, names)
	}
}

func TestServerExitWhenEmpty(t *testing.T) {
	e := newEnv(t)
	newDetached(t, e, "a", "sleep", "100")
	newDetached(t, e, "b", "sleep", "100")
	srv := theServer(t, e)
	if r := e.Run("kill", "a"); r.Code != 0 {
		t.Fatalf("kill a\n%v", r)
	}
	// One session left: the server stays.
	if r := e.Run("ls"); r.Code != 0 || !procAlive(srv) {
		t.Fatalf("server gone with a session left\n%v", r)
	}
	if r := e.Run("kill", "b"); r.Code != 0 {
		t.Fatalf("kill b\n%v", r)
	}
	waitGone(t, srv, harnessWait, "the server after its last session was killed")
	poll(t, "the socket to be removed", harnessWait, func() bool { return !fileExists(e.Sock) })
	if !strings.Contains(readFileString(serverLog(e)), "exit_when_empty") {
		t.Errorf("log does not say why the server exited:\n%s", readFileString(serverLog(e)))
	}
	// A new command starts a new server.
	newDetached(t, e, "c", "sleep", "100")
	if p := theServer(t, e); p == srv {
		t.Errorf("same server pid %d after exit", p)
	}
}

func TestServerStaysWhenNotExitWhenEmpty(t *testing.T) {
	e := newEnv(t)
	e.WriteConfig("[server]\nexit_when_empty = false\n")
	newDetached(t, e, "a", "sleep", "100")
	srv := theServer(t, e)
	pid := sessionPid(t, e, "a")
	if r := e.Run("kill", "a"); r.Code != 0 {
		t.Fatalf("kill a\n%v", r)
	}
	waitGone(t, pid, harnessWait, "the killed session's process")
	stayUp(t, "exit_when_empty = false", func() bool { return procAlive(srv) && fileExists(e.Sock) },
		func() string { return readFileString(serverLog(e)) })
	r := e.Run("ls")
	if r.Code != 0 || len(tableRows(r.Stdout)) != 1 {
		t.Errorf("ls on the empty server: want just the header\n%v", r)
	}
	newDetached(t, e, "b", "sleep", "100")
	if p := theServer(t, e); p != srv {
		t.Errorf("a new server %d started, want the old one %d to serve", p, srv)
	}
}

// stayUp checks, after a server's last session ended, that it stays up
// (alive) for a bounded window: it would decide to exit right after
// reaping the last process. log says what the server logged.
func stayUp(t *testing.T, why string, alive func() bool, log func() string) {
	t.Helper()
	deadline := time.Now().Add(time.Second)
	for time.Now().Before(deadline) {
		if !alive() {
			t.Fatalf("server exited although %s\n%s", why, log())
		}
		time.Sleep(harnessPollEvery)
	}
}

// TestServerExitWhenEmptyFlag: --exit-when-empty=false keeps a server
// (the systemd unit's) serving after its last session, whatever the
// configuration says.
func TestServerExitWhenEmptyFlag(t *testing.T) {
	e := newEnv(t)
	e.WriteConfig("[server]\nexit_when_empty = true\n")
	c, stderr, done := foregroundServer(t, e, "--exit-when-empty=false")
	poll(t, "the foreground server to listen", harnessWait, func() bool {
		return strings.Contains(stderr.String(), "listening on") // not ls: with no server it prints [] too
	})
	newDetached(t, e, "a", "sleep", "100")
	pid := sessionPid(t, e, "a")
	if r := e.Run("server", "reload"); r.Code != 0 { // the flag outlasts a reload of the file
		t.Fatalf("server reload\n%v", r)
	}
	if r := e.Run("kill", "a"); r.Code != 0 {
		t.Fatalf("kill a\n%v", r)
	}
	waitGone(t, pid, harnessWait, "the killed session's process")
	stayUp(t, "--exit-when-empty=false", func() bool {
		select {
		case <-done:
			return false
		default:
			return true
		}
	}, stderr.String)
	if err := c.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-done:
	case <-time.After(harnessWait):
		t.Fatalf("server did not exit on SIGTERM\n%s", stderr.String())
	}
}

func TestServerStop(t *testing.T) {
	e := newEnv(t)
	newDetached(t, e, "a", "sleep", "100")
	newDetached(t, e, "b", "sh", "-c", "sleep 100")
	pa, pb := sessionPid(t, e, "a"), sessionPid(t, e, "b")
	srv := theServer(t, e)

	r := e.Run("server", "stop")
	want := "server on " + e.Sock + " stopped (2 sessions ended)\n"
	if r.Code != 0 || r.Stdout != want {
		t.Fatalf("server stop: want %q\n%v", want, r)
	}
	waitGone(t, pa, harnessWait, "session a's process")
	poll(t, "session b's group to end", harnessWait, func() bool { return !groupAlive(pb) })
	waitGone(t, srv, harnessWait, "the stopped server")
	poll(t, "the socket to be removed", harnessWait, func() bool { return !fileExists(e.Sock) })

	r = e.Run("server", "stop")
	if r.Code != 1 || !strings.Contains(r.Stderr, "no server running") {
		t.Errorf("server stop with no server: want exit 1 and \"no server running\"\n%v", r)
	}

	// One session: singular.
	newDetached(t, e, "c", "sleep", "100")
	r = e.Run("server", "stop")
	if want := "server on " + e.Sock + " stopped (1 session ended)\n"; r.Code != 0 || r.Stdout != want {
		t.Errorf("server stop: want %q\n%v", want, r)
	}
}

// syncBuffer is a bytes.Buffer safe to read while a process writes to it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// foregroundServer starts `linger server -S sock` with its stderr captured.
// done is closed once it has been reaped.
func foregroundServer(t *testing.T, e *env, args ...string) (c *exec.Cmd, stderr *syncBuffer, done chan struct{}) {
	t.Helper()
	return startServerCmd(t, e, append([]string{lingerBin, "server", "-S", e.Sock}, args...))
}

// startServerCmd starts argv (a server in the foreground, maybe behind a
// wrapper such as prlimit) with e's environment and stderr captured, and
// kills it at cleanup if it still runs. done is closed once it is reaped.
func startServerCmd(t *testing.T, e *env, argv []string) (c *exec.Cmd, stderr *syncBuffer, done chan struct{}) {
	t.Helper()
	c = exec.Command(argv[0], argv[1:]...)
	c.Env, c.Dir = e.Env, e.Home
	stderr = &syncBuffer{}
	c.Stderr = stderr
	c.WaitDelay = 3 * time.Second
	if err := c.Start(); err != nil {
		t.Fatalf("start %q: %v", argv, err)
	}
	done = make(chan struct{})
	go func() { _ = c.Wait(); close(done) }()
	e.track(func() {
		select {
		case <-done:
		default:
			_ = c.Process.Kill()
			<-done
		}
	})
	return c, stderr, done
}

func TestServerForeground(t *testing.T) {
	e := newEnv(t)
	c, stderr, done := foregroundServer(t, e)
	poll(t, "the foreground server to answer", harnessWait, func() bool {
		return e.Run("ls", "--json").Stdout == "[]\n" && fileExists(e.Sock) && strings.Contains(stderr.String(), "listening on")
	})
	if pids := serverPids(e.Sock); len(pids) != 1 || pids[0] != c.Process.Pid {
		t.Fatalf("server processes %v, want just the foreground one %d", pids, c.Process.Pid)
	}
	newDetached(t, e, "fg", "sleep", "100")
	newDetached(t, e, "fg2", "sh", "-c", "sleep 100")
	p1, p2 := sessionPid(t, e, "fg"), sessionPid(t, e, "fg2")
	if sp, _ := readProcStat(p1); sp.Ppid != c.Process.Pid {
		t.Errorf("session started by another process (%d) than the foreground server %d", sp.Ppid, c.Process.Pid)
	}

	// A second server on the same live socket refuses to start.
	r := e.Run("server", "-S", e.Sock)
	if r.Code != 1 || !strings.Contains(r.Stderr, "a server is already running on "+e.Sock) {
		t.Errorf("second server: want exit 1 and \"a server is already running on %s\"\n%v", e.Sock, r)
	}
	if names := sessionNames(t, e); len(names) != 2 {
		t.Errorf("the second server disturbed the first: sessions %q", names)
	}

	if err := c.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-done:
	case <-time.After(harnessWait):
		t.Fatalf("foreground server did not exit on SIGTERM\n%s", stderr.String())
	}
	if code := c.ProcessState.ExitCode(); code != 0 {
		t.Errorf("foreground server exit code %d after SIGTERM, want 0\n%s", code, stderr.String())
	}
	waitGone(t, p1, harnessWait, "session fg's process")
	poll(t, "session fg2's group to end", harnessWait, func() bool { return !groupAlive(p2) })
	if fileExists(e.Sock) {
		t.Errorf("socket %s left behind after SIGTERM", e.Sock)
	}
	if !strings.Contains(stderr.String(), "terminated") {
		t.Errorf("stderr does not log the signal:\n%s", stderr.String())
	}
}

func TestServerBadConfig(t *testing.T) {
	e := newEnv(t)
	e.WriteConfig("[server]\ndetach_key = \"bogus\"\n")
	r := e.Run("new", "-d", "x", "--", "sleep", "100")
	if r.Code != 1 || r.Stdout != "" {
		t.Errorf("new -d with a bad config: want exit 1 and no output\n%v", r)
	}
	msg := strings.TrimSuffix(r.Stderr, "\n")
	if strings.Contains(msg, "\n") || !strings.Contains(msg, e.Config+":2:") || !strings.Contains(msg, "detach_key") {
		t.Errorf("want one line naming %s:2 and detach_key, got %q", e.Config, r.Stderr)
	}
	noServer(t, e.Sock)
	if fileExists(e.Sock) {
		t.Errorf("socket left behind by a server that refused its config")
	}
	r = e.Run("ls", "--json")
	if r.Code != 0 || r.Stdout != "[]\n" {
		t.Errorf("ls --json after the failure\n%v", r)
	}
	r = e.Run("config", "check")
	if r.Code == 0 || !strings.Contains(r.Stdout+r.Stderr, ":2:") || !strings.Contains(r.Stdout+r.Stderr, "detach_key") {
		t.Errorf("config check: want a failure listing line 2 and detach_key\n%v", r)
	}
}

func TestServerVersion(t *testing.T) {
	e := newEnv(t)
	r := e.Run("version")
	if r.Code != 0 || !regexp.MustCompile(fmt.Sprintf(`^linger \S+ \(protocol %d, go[0-9][^)]*\)\n$`, socket.ProtocolVersion)).MatchString(r.Stdout) {
		t.Errorf("version: want \"linger VERSION (protocol %d, goX)\"\n%v", socket.ProtocolVersion, r)
	}
	if fileExists(e.Sock) {
		t.Errorf("version started a server")
	}
}

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
	if r := e.RunEnv(noSock, "ls"); r.Code != 0 || r.Stdout != "no sessions\n" || fileExists(filepath.Join(runtime, "linger", "default.sock")) {
		t.Errorf("default server ls: want no sessions, and no default.sock\n%v", r)
	}
	// -S beats -L
	if r := e.RunEnv(noSock, "-L", "nope", "-S", sock, "ls"); r.Code != 0 || !strings.Contains(r.Stdout, "sleep 100") {
		t.Errorf("-S should win over -L: %v", r)
	}
	if r := e.RunEnv(noSock, "-L", "a/b", "ls"); r.Code != 1 || !strings.Contains(r.Stderr, `invalid server name "a/b"`) {
		t.Errorf("-L a/b: %v", r)
	}
}

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
	noServer(t, e.Sock) // ls would say "no sessions" either way
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

// TestSystemdUnit runs the command line of contrib/systemd/linger.service
// (with this build for %h/go/bin/linger): it must serve, in the
// foreground, and keep serving with no session.
func TestSystemdUnit(t *testing.T) {
	e := newEnv(t)
	unit := readFileString("contrib/systemd/linger.service")
	var argv []string
	for _, line := range strings.Split(unit, "\n") {
		if cmd, ok := strings.CutPrefix(line, "ExecStart="); ok {
			argv = strings.Fields(cmd)
		}
	}
	if len(argv) < 2 || argv[0] != "%h/go/bin/linger" || argv[1] != "server" {
		t.Fatalf("ExecStart %q: want %%h/go/bin/linger server ...", argv)
	}
	argv[0] = lingerBin
	_, stderr, done := startServerCmd(t, e, argv)
	poll(t, "the unit's server to listen", harnessWait, func() bool {
		return strings.Contains(stderr.String(), "listening on") // not ls: with no server it prints [] too
	})
	newDetached(t, e, "a", "sleep", "100")
	if r := e.Run("kill", "a"); r.Code != 0 {
		t.Fatalf("kill a\n%v", r)
	}
	if r := e.Run("new", "-d", "b", "--", "sleep", "100"); r.Code != 0 {
		t.Fatalf("new -d after the last session ended: %v", r)
	}
	select {
	case <-done:
		t.Fatalf("the unit's server exited\n%s", stderr.String())
	default:
	}
}

// TestServerLogQuietWhenClientsLeave: a client that closes before its
// request (killed, or a probe for a live server) is no problem to log; a
// client that sends garbage is.
func TestServerLogQuietWhenClientsLeave(t *testing.T) {
	e := newEnv(t)
	newDetached(t, e, "a", "sleep", "100")
	dial := func() net.Conn {
		t.Helper()
		c, err := net.Dial("unix", e.Sock)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	dial().Close() // at once
	c := dial()    // after its hello
	if err := socket.NewConn(c.(*net.UnixConn)).WriteFrame(socket.MsgHello, socket.EncodeHello("probe", 0)); err != nil {
		t.Fatal(err)
	}
	c.Close()
	g := dial() // garbage
	g.Write([]byte("GET / HTTP/1.0\r\n\r\n"))
	defer g.Close()
	poll(t, "the garbage to be logged", harnessWait, func() bool {
		return strings.Contains(readFileString(serverLog(e)), "bad handshake")
	})
	if r := e.Run("ls"); r.Code != 0 {
		t.Fatalf("ls after the probes: %v", r)
	}
	log := readFileString(serverLog(e))
	if n := strings.Count(log, "bad handshake") + strings.Count(log, "bad request"); n != 1 {
		t.Errorf("want one line, for the garbage; the log has %d:\n%s", n, log)
	}
	if strings.Contains(log, "broken pipe") || strings.Contains(log, "EOF") || strings.Contains(log, "reset by peer") {
		t.Errorf("clients that left were logged:\n%s", log)
	}
}
