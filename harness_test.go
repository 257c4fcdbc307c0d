package main

// End-to-end test harness for linger.
//
// Everything here is real: the real linger binary (built once in TestMain),
// real unix sockets, real processes and real pseudo-terminals. A test drives
// the client through a pty it owns and asserts on what a terminal would show:
// every byte the program writes is fed into a terminal emulator
// (github.com/charmbracelet/x/vt) and the test polls the emulated screen until
// its assertion holds (like fzf's tmux-driven `until`), with a bounded timeout
// and a failure message that shows the screen and the raw bytes.
//
// Each test gets a private world from newEnv: its own socket, HOME, XDG dirs
// and a minimal, explicit environment, so tests never talk to a user's server
// or to each other's (like tmux's regress tests, one private server per test).

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"linger/shell"

	"github.com/charmbracelet/x/vt"
	"github.com/creack/pty"
	"golang.org/x/sys/unix"
)

// lingerBin is the path of the linger binary built by TestMain, or "" when the
// build was skipped (LINGER_HARNESS_SELFTEST=1); tests that need the binary
// are then skipped.
var lingerBin string

const (
	// harnessWait bounds every WaitFor/WaitText/WaitExit.
	harnessWait = 10 * time.Second
	// harnessPollEvery is how often a condition is re-checked.
	harnessPollEvery = 10 * time.Millisecond
	// harnessRunTimeout bounds one e.Run of the binary.
	harnessRunTimeout = 20 * time.Second
	// harnessRawTail is how many trailing raw bytes a failure message quotes.
	harnessRawTail = 2000
)

// TestMain builds the binary under test once, into a temporary directory.
//
// LINGER_HARNESS_SELFTEST=1 skips the build (lingerBin = ""), so the harness
// self-tests can run while package main does not build; every test that needs
// the binary then skips. LINGER_HARNESS_RACE=1 builds the binary with -race.
func TestMain(m *testing.M) {
	os.Exit(harnessMain(m))
}

func harnessMain(m *testing.M) int {
	// Under nohup (or as a script's background job) this process starts
	// with SIGHUP (SIGINT, SIGQUIT) ignored, and so would every program
	// the tests start, which then survive the hangups the tests expect.
	shell.UnignoreSignals()
	if os.Getenv("LINGER_HARNESS_SELFTEST") == "1" {
		fmt.Fprintln(os.Stderr, "harness: LINGER_HARNESS_SELFTEST=1: not building linger; tests that need it will skip")
		return m.Run()
	}
	dir, err := os.MkdirTemp("", "linger-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "harness:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	bin := filepath.Join(dir, "linger")
	args := []string{"build", "-tags", "urfave_cli_no_docs", "-o", bin}
	if os.Getenv("LINGER_HARNESS_RACE") == "1" {
		args = append(args, "-race")
	}
	args = append(args, ".")
	out, err := exec.Command("go", args...).CombinedOutput()
	if err != nil {
		fmt.Fprintf(os.Stderr, "harness: go %s: %v\n%s", strings.Join(args, " "), err, out)
		return 1
	}
	lingerBin = bin
	return m.Run()
}

// fataler is the part of testing.TB that the waiting helpers need. It lets the
// self-tests hand them a fatalRecorder and prove that a wait can fail.
type fataler interface {
	Helper()
	Fatalf(format string, args ...any)
}

// poll re-checks cond every 10ms until it holds; after timeout it fails the
// test with desc. It reports whether cond held (it only returns false when t's
// Fatalf returns, i.e. for a fatalRecorder).
func poll(t fataler, desc string, timeout time.Duration, cond func() bool) bool {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		if cond() {
			return true
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", timeout, desc)
			return false
		}
		time.Sleep(harnessPollEvery)
	}
}

// needBinary skips the test when the binary was not built.
func needBinary(t testing.TB) {
	t.Helper()
	if lingerBin == "" {
		t.Skip("linger binary not built (LINGER_HARNESS_SELFTEST=1)")
	}
}

// ---------------------------------------------------------------------------
// env: a private world per test

type env struct {
	t      testing.TB
	Dir    string   // private directory, removed at cleanup
	Sock   string   // Dir/s.sock, exported to children as LINGER_SOCKET
	Config string   // Dir/config.toml; only exists once WriteConfig is called
	Home   string   // Dir/home, HOME and working directory of children
	Env    []string // environment of every child process
	Bin    string   // the linger binary Run and Start use: lingerBin unless a test sets another

	mu    sync.Mutex
	kills []func() // kill what was started and may still run, for cleanup
}

// newEnv makes a private world for one test and registers its cleanup: stop
// the server, then kill whatever process of this test is still alive.
func newEnv(t testing.TB) *env {
	t.Helper()
	dir := t.TempDir()
	// sun_path is 108 bytes; the server may put more sockets under dir.
	if len(dir) > 60 {
		d, err := os.MkdirTemp("", "lg")
		if err != nil || len(d) > 60 {
			d, err = os.MkdirTemp("/tmp", "lg")
		}
		if err != nil {
			t.Fatalf("harness: mkdir: %v", err)
		}
		t.Cleanup(func() { os.RemoveAll(d) })
		dir = d
	}
	// The socket lives in dir, and linger refuses socket directories open to
	// group or others (t.TempDir is 0755 under umask 022).
	if err := os.Chmod(dir, 0o700); err != nil {
		t.Fatalf("harness: chmod: %v", err)
	}
	e := &env{
		t:      t,
		Dir:    dir,
		Sock:   filepath.Join(dir, "s.sock"),
		Config: filepath.Join(dir, "config.toml"),
		Home:   filepath.Join(dir, "home"),
		Bin:    lingerBin,
	}
	for _, d := range []string{"home", "run", "state", "cfg"} {
		if err := os.Mkdir(filepath.Join(dir, d), 0o700); err != nil {
			t.Fatalf("harness: %v", err)
		}
	}
	path := os.Getenv("PATH")
	if lingerBin != "" {
		// Shells inside sessions can run `linger` (the binary under test).
		path = filepath.Dir(lingerBin) + string(os.PathListSeparator) + path
	}
	e.Env = []string{
		"PATH=" + path,
		"HOME=" + e.Home,
		"TERM=xterm-256color",
		"LANG=C.UTF-8",
		"SHELL=/bin/sh",
		"XDG_RUNTIME_DIR=" + filepath.Join(dir, "run"),
		"XDG_STATE_HOME=" + filepath.Join(dir, "state"),
		"XDG_CONFIG_HOME=" + filepath.Join(dir, "cfg"),
		"LINGER_SOCKET=" + e.Sock,
	}
	t.Cleanup(e.cleanup)
	return e
}

// WriteConfig writes the config file and points LINGER_CONFIG at it.
func (e *env) WriteConfig(toml string) {
	e.t.Helper()
	if err := os.WriteFile(e.Config, []byte(toml), 0o600); err != nil {
		e.t.Fatalf("harness: write config: %v", err)
	}
	e.Env = overlayEnv(e.Env, []string{"LINGER_CONFIG=" + e.Config})
}

// overlayEnv returns base with extra appended; an extra KEY=... replaces base's.
func overlayEnv(base, extra []string) []string {
	out := make([]string, 0, len(base)+len(extra))
	keys := map[string]bool{}
	for _, kv := range extra {
		k, _, _ := strings.Cut(kv, "=")
		keys[k] = true
	}
	for _, kv := range base {
		k, _, _ := strings.Cut(kv, "=")
		if !keys[k] {
			out = append(out, kv)
		}
	}
	return append(out, extra...)
}

func (e *env) track(kill func()) {
	e.mu.Lock()
	e.kills = append(e.kills, kill)
	e.mu.Unlock()
}

type result struct {
	Stdout, Stderr string
	Code           int
}

func (r result) String() string {
	return fmt.Sprintf("exit %d\nstdout: %q\nstderr: %q", r.Code, r.Stdout, r.Stderr)
}

// Run runs the binary to completion with stdin /dev/null.
func (e *env) Run(args ...string) result {
	e.t.Helper()
	return e.RunEnv(nil, args...)
}

// RunEnv is Run with extra KEY=VALUE entries added to (or replacing) e.Env.
// It fails the test if the run takes longer than 20s, or if the process exits
// while something it started still holds its stdout/stderr open (a daemon that
// did not detach: `x=$(linger ...)` would hang on it).
func (e *env) RunEnv(extraEnv []string, args ...string) result {
	e.t.Helper()
	needBinary(e.t)
	ctx, cancel := context.WithTimeout(context.Background(), harnessRunTimeout)
	defer cancel()
	c := exec.CommandContext(ctx, e.Bin, args...)
	c.Env = overlayEnv(e.Env, extraEnv)
	c.Dir = e.Home
	var stdout, stderr bytes.Buffer
	c.Stdout, c.Stderr = &stdout, &stderr
	c.WaitDelay = 3 * time.Second
	if err := c.Start(); err != nil {
		e.t.Fatalf("harness: start linger %q: %v", args, err)
	}
	err := c.Wait() // reaped here: nothing to track
	r := result{Stdout: stdout.String(), Stderr: stderr.String(), Code: c.ProcessState.ExitCode()}
	switch {
	case ctx.Err() != nil:
		e.t.Fatalf("linger %q did not finish within %v (killed)\n%v", args, harnessRunTimeout, r)
	case errors.Is(err, exec.ErrWaitDelay):
		e.t.Errorf("linger %q exited but a process it started kept its stdout/stderr open\n%v", args, r)
	}
	if ws, ok := c.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		e.t.Logf("linger %q killed by signal %v", args, ws.Signal())
	}
	return r
}

// cleanup stops the test's server and kills every process of this test still
// alive: the ones it started, and any descendant (a daemonized server, shells
// in sessions) found in /proc by this env's unique LINGER_SOCKET.
func (e *env) cleanup() {
	if lingerBin != "" {
		if _, err := os.Stat(e.Sock); err == nil {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			c := exec.CommandContext(ctx, lingerBin, "server", "stop")
			c.Env, c.Dir = e.Env, e.Home
			c.WaitDelay = time.Second
			if out, err := c.CombinedOutput(); err != nil {
				e.t.Logf("harness cleanup: linger server stop: %v\n%s", err, out)
			}
			cancel()
		}
	}
	e.mu.Lock()
	kills := e.kills
	e.mu.Unlock()
	for _, kill := range kills {
		kill()
	}
	// Processes that left our process tree (daemons) still carry our env.
	// Give a server that was just told to stop a moment to go by itself.
	var strays []int
	pollQuiet(2*time.Second, func() bool {
		strays = e.strays()
		return len(strays) == 0
	})
	for _, pid := range strays {
		e.t.Logf("harness cleanup: killing stray pid %d: %s", pid, pidCmdline(pid))
		_ = syscall.Kill(pid, syscall.SIGKILL)
	}
	if len(strays) > 0 && !pollQuiet(5*time.Second, func() bool { return len(e.strays()) == 0 }) {
		e.t.Logf("harness cleanup: processes survive SIGKILL: %v", e.strays())
	}
}

// pollQuiet is poll without failing: it reports whether cond held in time.
func pollQuiet(timeout time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(harnessPollEvery)
	}
	return true
}

// strays lists live processes (not zombies) whose environment has this env's
// LINGER_SOCKET.
func (e *env) strays() []int {
	want := []byte("LINGER_SOCKET=" + e.Sock)
	ents, _ := os.ReadDir("/proc")
	var pids []int
	for _, ent := range ents {
		pid, err := strconv.Atoi(ent.Name())
		if err != nil || pid == os.Getpid() {
			continue
		}
		b, err := os.ReadFile("/proc/" + ent.Name() + "/environ")
		if err != nil {
			continue
		}
		found := false
		for _, kv := range bytes.Split(b, []byte{0}) {
			if bytes.Equal(kv, want) {
				found = true
				break
			}
		}
		if !found {
			continue
		}
		st, _ := os.ReadFile("/proc/" + ent.Name() + "/stat")
		if i := bytes.LastIndexByte(st, ')'); i >= 0 && i+2 < len(st) && st[i+2] == 'Z' {
			continue
		}
		pids = append(pids, pid)
	}
	return pids
}

func pidCmdline(pid int) string {
	b, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline")
	return strings.TrimSpace(string(bytes.ReplaceAll(b, []byte{0}, []byte{' '})))
}

// ---------------------------------------------------------------------------
// term: a real terminal the test owns

type term struct {
	t       testing.TB
	cmd     *exec.Cmd
	master  *os.File
	Timeout time.Duration // bound of WaitFor/WaitExit; harnessWait

	mu  sync.Mutex // guards emu and raw
	emu *vt.Emulator
	raw []byte

	wmu    sync.Mutex // guards wq
	wq     []termWrite
	wkick  chan struct{}
	closed chan struct{} // closed by Close: writer stops
	once   sync.Once

	readDone chan struct{} // reader saw EOF/EIO
	pumpDone chan struct{}
	exited   chan struct{} // process reaped; state set
	state    *os.ProcessState
}

type termWrite struct {
	data []byte
	done chan error // nil for terminal replies
}

// Start runs the linger binary with args on a new cols x rows terminal.
func (e *env) Start(cols, rows int, args ...string) *term {
	e.t.Helper()
	needBinary(e.t)
	return e.StartCmd(cols, rows, append([]string{e.Bin}, args...), nil)
}

// StartCmd runs argv on a new cols x rows terminal, as session leader with the
// pty as its controlling terminal, with e.Env plus extraEnv, in e.Home.
func (e *env) StartCmd(cols, rows int, argv []string, extraEnv []string) *term {
	e.t.Helper()
	c := exec.Command(argv[0], argv[1:]...)
	c.Env = overlayEnv(e.Env, extraEnv)
	c.Dir = e.Home
	tm := startTerm(e.t, c, cols, rows)
	e.track(tm.killGroup)
	return tm
}

func startTerm(t testing.TB, c *exec.Cmd, cols, rows int) *term {
	t.Helper()
	ptmx, err := pty.StartWithSize(c, &pty.Winsize{Cols: uint16(cols), Rows: uint16(rows)})
	if err != nil {
		t.Fatalf("harness: start %q on a pty: %v", c.Args, err)
	}
	// creack/pty calls Fd() on the master, which puts it in blocking mode: a
	// Close would then wait for a pending Read to return, and no hangup
	// would reach the program. Re-open the master non-blocking so the Go
	// poller owns it and Close really closes it.
	master, err := pollableMaster(ptmx)
	if err != nil {
		ptmx.Close()
		_ = c.Process.Kill()
		_ = c.Wait()
		t.Fatalf("harness: %v", err)
	}
	tm := &term{
		t:        t,
		cmd:      c,
		master:   master,
		Timeout:  harnessWait,
		emu:      vt.NewEmulator(cols, rows),
		wkick:    make(chan struct{}, 1),
		closed:   make(chan struct{}),
		readDone: make(chan struct{}),
		pumpDone: make(chan struct{}),
		exited:   make(chan struct{}),
	}
	go tm.reap()
	go tm.read()
	go tm.pump()
	go tm.write()
	t.Cleanup(tm.cleanup)
	return tm
}

func pollableMaster(f *os.File) (*os.File, error) {
	defer f.Close()
	nfd, err := unix.FcntlInt(f.Fd(), unix.F_DUPFD_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("dup pty master: %w", err)
	}
	if err := unix.SetNonblock(nfd, true); err != nil {
		unix.Close(nfd)
		return nil, fmt.Errorf("pty master non-blocking: %w", err)
	}
	return os.NewFile(uintptr(nfd), f.Name()), nil
}

// reap waits for the process and records its exit status.
func (tm *term) reap() {
	_ = tm.cmd.Wait()
	tm.state = tm.cmd.ProcessState
	close(tm.exited)
}

// read feeds everything the program writes to the emulator and the raw log.
func (tm *term) read() {
	defer close(tm.readDone)
	buf := make([]byte, 32*1024)
	for {
		n, err := tm.master.Read(buf)
		if n > 0 {
			tm.mu.Lock()
			tm.raw = append(tm.raw, buf[:n]...)
			_, _ = tm.emu.Write(buf[:n])
			tm.mu.Unlock()
		}
		if err != nil {
			return // EIO: no slave left; ErrClosed: Close
		}
	}
}

// pump drains the emulator's replies to terminal queries (DA, CPR, DSR, OSC
// colour queries, mode reports...) and queues them for the program, as a real
// terminal would answer. Emulator.Write blocks on an io.Pipe until this
// goroutine reads the reply, so it must never block on anything else: the
// replies go on an unbounded queue that write() delivers.
func (tm *term) pump() {
	defer close(tm.pumpDone)
	buf := make([]byte, 4096)
	for {
		n, err := tm.emu.Read(buf) // no lock: Read only touches the pipe
		if n > 0 {
			tm.enqueue(termWrite{data: bytes.Clone(buf[:n])})
		}
		if err != nil {
			return
		}
	}
}

func (tm *term) enqueue(r termWrite) {
	tm.wmu.Lock()
	tm.wq = append(tm.wq, r)
	tm.wmu.Unlock()
	select {
	case tm.wkick <- struct{}{}:
	default:
	}
}

// write is the only goroutine writing to the master: typed input and
// terminal replies, in order.
func (tm *term) write() {
	for {
		select {
		case <-tm.closed:
			tm.wmu.Lock()
			for _, r := range tm.wq {
				if r.done != nil {
					r.done <- os.ErrClosed
				}
			}
			tm.wq = nil
			tm.wmu.Unlock()
			return
		case <-tm.wkick:
		}
		for {
			tm.wmu.Lock()
			if len(tm.wq) == 0 {
				tm.wmu.Unlock()
				break
			}
			r := tm.wq[0]
			tm.wq = tm.wq[1:]
			tm.wmu.Unlock()
			_, err := tm.master.Write(r.data)
			if r.done != nil {
				r.done <- err
			}
		}
	}
}

// Type writes s to the terminal, as if typed (use "\r" for Enter, "\x03" for
// Ctrl-C...). It fails the test if the program does not take the input.
func (tm *term) Type(s string) {
	tm.t.Helper()
	done := make(chan error, 1)
	tm.enqueue(termWrite{data: []byte(s), done: done})
	select {
	case err := <-done:
		if err != nil {
			tm.t.Fatalf("harness: type %q: %v", s, err)
		}
	case <-time.After(tm.Timeout):
		tm.t.Fatalf("harness: type %q: the program did not read its input within %v", s, tm.Timeout)
	}
}

// Resize resizes the terminal: the emulator, then the pty (the kernel sends
// SIGWINCH to the foreground process group). Output is not processed in
// between, so everything the program writes after the resize is seen at the
// new size.
func (tm *term) Resize(cols, rows int) {
	tm.t.Helper()
	tm.mu.Lock()
	defer tm.mu.Unlock()
	tm.emu.Resize(cols, rows)
	// Not pty.Setsize: it calls Fd(), which would make the master blocking.
	sc, err := tm.master.SyscallConn()
	if err == nil {
		cerr := sc.Control(func(fd uintptr) {
			err = unix.IoctlSetWinsize(int(fd), unix.TIOCSWINSZ, &unix.Winsize{Row: uint16(rows), Col: uint16(cols)})
		})
		if cerr != nil {
			err = cerr
		}
	}
	if err != nil {
		tm.t.Fatalf("harness: resize pty to %dx%d: %v", cols, rows, err)
	}
}

// Screen is the text of the screen now: one line per row joined by "\n",
// trailing spaces trimmed; wide characters appear once.
func (tm *term) Screen() string {
	tm.mu.Lock()
	defer tm.mu.Unlock()
	return tm.emu.String()
}

// Line is row i (0-based) of Screen, "" if out of range.
func (tm *term) Line(i int) string {
	lines := strings.Split(tm.Screen(), "\n")
	if i < 0 || i >= len(lines) {
		return ""
	}
	return lines[i]
}

// Cursor is the 0-based cursor position (column, row).
func (tm *term) Cursor() (x, y int) {
	tm.mu.Lock()
	defer tm.mu.Unlock()
	p := tm.emu.CursorPosition()
	return p.X, p.Y
}

// Size is the emulator's size (columns, rows).
func (tm *term) Size() (cols, rows int) {
	tm.mu.Lock()
	defer tm.mu.Unlock()
	return tm.emu.Width(), tm.emu.Height()
}

// AltScreen reports whether the program switched to the alternate screen.
func (tm *term) AltScreen() bool {
	tm.mu.Lock()
	defer tm.mu.Unlock()
	return tm.emu.IsAltScreen()
}

// Render is the screen with its attributes and colours (SGR sequences), as
// the emulator renders it: two terminals showing the same thing render the
// same string.
func (tm *term) Render() string {
	tm.mu.Lock()
	defer tm.mu.Unlock()
	return tm.emu.Render()
}

// History is the terminal's own scrollback, oldest line first, trailing
// spaces trimmed.
func (tm *term) History() []string {
	tm.mu.Lock()
	defer tm.mu.Unlock()
	sb := tm.emu.Scrollback()
	if sb == nil {
		return nil
	}
	var lines []string
	for _, l := range sb.Lines() {
		lines = append(lines, strings.TrimRight(l.String(), " "))
	}
	return lines
}

// Output is a copy of every byte the program wrote so far.
func (tm *term) Output() []byte {
	tm.mu.Lock()
	defer tm.mu.Unlock()
	return bytes.Clone(tm.raw)
}

// WaitFor polls the screen until cond holds; on timeout it fails the test
// with desc, the screen and the last raw bytes.
func (tm *term) WaitFor(desc string, cond func(screen string) bool) {
	tm.t.Helper()
	tm.waitFor(tm.t, tm.Timeout, desc, cond)
}

// WaitText waits until the screen contains s.
func (tm *term) WaitText(s string) {
	tm.t.Helper()
	tm.waitFor(tm.t, tm.Timeout, fmt.Sprintf("screen to contain %q", s), func(scr string) bool {
		return strings.Contains(scr, s)
	})
}

func (tm *term) waitFor(t fataler, timeout time.Duration, desc string, cond func(screen string) bool) bool {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		if cond(tm.Screen()) {
			return true
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s\n%s", timeout, desc, tm.describe())
			return false
		}
		time.Sleep(harnessPollEvery)
	}
}

// describe renders the terminal state for failure messages.
func (tm *term) describe() string {
	scr := tm.Screen()
	x, y := tm.Cursor()
	raw := tm.Output()
	if len(raw) > harnessRawTail {
		raw = raw[len(raw)-harnessRawTail:]
	}
	var b strings.Builder
	fmt.Fprintf(&b, "--- screen (cursor %d,%d) of %q ---\n", x, y, tm.cmd.Args)
	for i, l := range strings.Split(scr, "\n") {
		fmt.Fprintf(&b, "%2d|%s\n", i, l)
	}
	fmt.Fprintf(&b, "--- last %d raw bytes ---\n%q\n", len(raw), raw)
	select {
	case <-tm.exited:
		fmt.Fprintf(&b, "--- process exited: %v ---\n", tm.state)
	default:
		b.WriteString("--- process still running ---\n")
	}
	return b.String()
}

// Exited reports, without waiting, whether the process has exited.
func (tm *term) Exited() bool {
	select {
	case <-tm.exited:
		return true
	default:
		return false
	}
}

// WaitExit waits for the process to exit and returns its exit code, or -1 if
// a signal killed it (see ExitState). The output it wrote before exiting is
// on the screen when WaitExit returns.
func (tm *term) WaitExit() (code int) {
	tm.t.Helper()
	select {
	case <-tm.exited:
	case <-time.After(tm.Timeout):
		tm.t.Fatalf("timed out after %v waiting for %q to exit\n%s", tm.Timeout, tm.cmd.Args, tm.describe())
	}
	// Let the reader drain what the process wrote. It only ends once no one
	// holds the slave, so do not insist: a leftover holder is not an error
	// here.
	select {
	case <-tm.readDone:
	case <-time.After(time.Second):
	}
	if ws, ok := tm.state.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		tm.t.Logf("%q killed by signal %v", tm.cmd.Args, ws.Signal())
		return -1
	}
	return tm.state.ExitCode()
}

// ExitState is the process's exit status, nil while it runs.
func (tm *term) ExitState() *os.ProcessState {
	select {
	case <-tm.exited:
		return tm.state
	default:
		return nil
	}
}

// Kill sends sig to the process.
func (tm *term) Kill(sig syscall.Signal) {
	tm.t.Helper()
	if err := tm.cmd.Process.Signal(sig); err != nil && !errors.Is(err, os.ErrProcessDone) {
		tm.t.Fatalf("harness: kill %v: %v", sig, err)
	}
}

// Close closes the master side: the terminal is gone, the kernel hangs up the
// slave and sends SIGHUP to the session's processes.
func (tm *term) Close() {
	tm.once.Do(func() {
		close(tm.closed)
		tm.master.Close()
	})
}

// killGroup SIGKILLs the process and its process group unless it was reaped.
func (tm *term) killGroup() {
	if !tm.Exited() {
		_ = syscall.Kill(-tm.cmd.Process.Pid, syscall.SIGKILL) // session leader: pgid == pid
		_ = tm.cmd.Process.Kill()
	}
}

// cleanup closes the terminal, kills the process group if still there, and
// waits (bounded) for the helper goroutines.
func (tm *term) cleanup() {
	tm.Close()
	tm.killGroup()
	wait := func(what string, ch chan struct{}) {
		select {
		case <-ch:
		case <-time.After(5 * time.Second):
			tm.t.Logf("harness cleanup: %s of %q did not finish", what, tm.cmd.Args)
		}
	}
	wait("process", tm.exited)
	wait("pty reader", tm.readDone)
	// The reader is gone: nothing writes to the emulator any more. Closing its
	// reply pipe ends pump. (Not Emulator.Close: it sets a field that Read
	// reads without a lock.)
	if c, ok := tm.emu.InputPipe().(io.Closer); ok {
		c.Close()
	}
	wait("reply pump", tm.pumpDone)
}
