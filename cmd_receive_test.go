package main

// End-to-end tests of `linger receive` (issue 3): output produced while
// detached is kept and printed byte for byte, --all, --follow, and what
// happens to a session whose command ended while detached (Closed). The
// helpers prefixed rx are shared with cmd_wait_test.go and buffering_test.go.

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"linger/socket"
)

// ---------------------------------------------------------------------------
// shared helpers (rx*)

// rxConfig writes a config whose default configuration has the given lines
// (e.g. `buffer_size = "64KiB"`), plus extra TOML after it.
func rxConfig(e *env, lines ...string) {
	e.WriteConfig("[configurations.default]\n" + strings.Join(lines, "\n") + "\n")
}

// rxGen returns a sh script printing n numbered lines and "END", and the
// exact bytes a pty turns them into ("\n" -> "\r\n"). tail is appended to
// the script (e.g. "; exit 3").
func rxGen(n int, tail string) (script string, want []byte) {
	script = fmt.Sprintf(`i=0; while [ $i -lt %d ]; do echo "line $i abcdefghijklmnopqrstuvwxyz0123456789"; i=$((i+1)); done; echo END`, n) + tail
	var b bytes.Buffer
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "line %d abcdefghijklmnopqrstuvwxyz0123456789\r\n", i)
	}
	b.WriteString("END\r\n")
	return script, b.Bytes()
}

// rxCounterLine is line i of rxCounter's output, without "\r\n".
func rxCounterLine(i int) string {
	return strconv.Itoa(i) + " xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
}

// rxCounter is a producer of n counter lines then END (then tail), and the
// bytes a pty turns them into.
func rxCounter(n int, tail string) (script string, want []byte) {
	script = fmt.Sprintf(`i=0; while [ $i -lt %d ]; do echo "$i xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"; i=$((i+1)); done; echo END`, n) + tail
	var b bytes.Buffer
	for i := 0; i < n; i++ {
		b.WriteString(rxCounterLine(i) + "\r\n")
	}
	b.WriteString("END\r\n")
	return script, b.Bytes()
}

func rxSha(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// rxSame fails the test unless got == want, naming the first difference.
func rxSame(t *testing.T, what string, got, want []byte) {
	t.Helper()
	if bytes.Equal(got, want) {
		return
	}
	i := 0
	for i < len(got) && i < len(want) && got[i] == want[i] {
		i++
	}
	ctx := func(b []byte) []byte {
		lo, hi := max(i-60, 0), min(i+60, len(b))
		return b[lo:hi]
	}
	t.Fatalf("%s: %d bytes (sha256 %s), want %d bytes (sha256 %s); first difference at offset %d:\n got: %q\nwant: %q",
		what, len(got), rxSha(got), len(want), rxSha(want), i, ctx(got), ctx(want))
}

// rxInfo is session name in ls --json (nil if not listed).
func rxInfo(t *testing.T, e *env, name string) *socket.SessionInfo {
	t.Helper()
	return naSession(naLsJSON(t, e), name)
}

// rxWaitClosed polls ls --json until name is Closed.
func rxWaitClosed(t *testing.T, e *env, name string, timeout time.Duration) socket.SessionInfo {
	t.Helper()
	var got *socket.SessionInfo
	if !pollQuiet(timeout, func() bool {
		got = rxInfo(t, e, name)
		return got != nil && got.State == "Closed"
	}) {
		t.Fatalf("session %q not Closed within %v: %+v", name, timeout, got)
	}
	return *got
}

// rxWaitRemoved polls ls --json until name is no longer listed.
func rxWaitRemoved(t *testing.T, e *env, name string, timeout time.Duration) {
	t.Helper()
	poll(t, "session "+name+" to be removed from ls", timeout, func() bool { return rxInfo(t, e, name) == nil })
}

// rxReceiveUntil runs `linger receive NAME` again and again, concatenating
// what it prints, until a run exits with code final (the receive that
// reached the end of a Closed session) or, with final < 0, until the output
// ends with marker. Other runs must exit 0 with nothing on stderr.
func rxReceiveUntil(t *testing.T, e *env, name string, marker []byte, final int, timeout time.Duration) []byte {
	t.Helper()
	var out []byte
	deadline := time.Now().Add(timeout)
	for n := 1; ; n++ {
		r := e.Run("receive", name)
		out = append(out, r.Stdout...)
		if r.Stderr != "" {
			t.Fatalf("receive #%d %s: unexpected stderr\n%v", n, name, r)
		}
		if final >= 0 && r.Code == final {
			return out
		}
		if r.Code != 0 {
			t.Fatalf("receive #%d %s: exit %d (want 0 or the final %d)\nstderr: %q", n, name, r.Code, final, r.Stderr)
		}
		if final < 0 && bytes.HasSuffix(out, marker) {
			return out
		}
		if time.Now().After(deadline) {
			tail := out[max(len(out)-200, 0):]
			t.Fatalf("after %d receives in %v (%d bytes): no end reached; last bytes %q", n, timeout, len(out), tail)
		}
		time.Sleep(harnessPollEvery)
	}
}

// ---------------------------------------------------------------------------
// receive

// Several MB produced while detached come back byte for byte; receiving
// marks them received; --all prints them again.
func TestReceiveByteExactAndAll(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	script, want := rxGen(60000, "; exec sleep 100")
	if len(want) < 2<<20 {
		t.Fatalf("test bug: only %d bytes generated", len(want))
	}
	newDetached(t, e, "gen", "sh", "-c", script)
	got := rxReceiveUntil(t, e, "gen", []byte("END\r\n"), -1, 40*time.Second)
	rxSame(t, "receive output (concatenated)", got, want)

	// all received: nothing new
	r := e.Run("receive", "gen")
	if r.Code != 0 || r.Stdout != "" || r.Stderr != "" {
		t.Errorf("second receive should print nothing and exit 0\n%v", r)
	}
	if s := rxInfo(t, e, "gen"); s == nil || s.BufferedBytes != 0 || s.State != "Disconnected" {
		t.Errorf("after receiving everything: want a running session with buffered_bytes 0, got %+v", s)
	}
	// --all: everything still held (8MiB default buffer holds it all), again
	r = e.Run("receive", "--all", "gen")
	if r.Code != 0 || r.Stderr != "" {
		t.Fatalf("receive --all: %v", r.String()[:min(len(r.String()), 300)])
	}
	rxSame(t, "receive --all output", []byte(r.Stdout), want)
	r = e.Run("recv", "--all", "gen")
	rxSame(t, "receive --all output, a second time", []byte(r.Stdout), want)
	// --all did not make anything unreceived, nor consume anything
	if r := e.Run("receive", "gen"); r.Code != 0 || r.Stdout != "" {
		t.Errorf("receive after --all should print nothing\n%v", r)
	}
}

// A command that ended while detached: Closed with its status; a receive
// prints all the output, exits with the status and removes the session.
func TestReceiveClosedSessionExitStatus(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	naKeepServer(t, e)
	script, want := rxGen(40000, "; exit 3")
	newDetached(t, e, "c", "sh", "-c", script)
	s := rxWaitClosed(t, e, "c", 30*time.Second)
	if s.ExitCode == nil || *s.ExitCode != 3 || s.ExitSignal != nil || deref(s.ExitStatus) != "status 3" {
		t.Errorf("ls --json of the Closed session: exit_code %v exit_signal %v exit_status %q, want 3, null, \"status 3\"",
			rxIntp(s.ExitCode), rxIntp(s.ExitSignal), deref(s.ExitStatus))
	}
	if s.BufferedBytes != int64(len(want)) {
		t.Errorf("ls --json buffered_bytes %d, want %d", s.BufferedBytes, len(want))
	}
	r := e.Run("receive", "c")
	if r.Code != 3 || r.Stderr != "" {
		t.Errorf("receive of a Closed session: exit %d stderr %q, want exit 3 and no stderr", r.Code, r.Stderr)
	}
	if got := rxSha([]byte(r.Stdout)); got != rxSha(want) {
		rxSame(t, "receive output", []byte(r.Stdout), want)
	}
	rxWaitRemoved(t, e, "c", 5*time.Second)
	if r := e.Run("receive", "c"); r.Code != 1 || !strings.Contains(r.Stderr, "no session named") {
		t.Errorf("receive after the session was collected: want exit 1, no session named\n%v", r)
	}
}

func rxIntp(p *int) string {
	if p == nil {
		return "null"
	}
	return strconv.Itoa(*p)
}

// A command killed by a signal: exit_code null, exit_signal 9; receive
// exits 128+9.
func TestReceiveClosedBySignal(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	naKeepServer(t, e)
	newDetached(t, e, "k", "sh", "-c", `echo "before kill"; kill -9 $$`)
	s := rxWaitClosed(t, e, "k", harnessWait)
	if s.ExitCode != nil || s.ExitSignal == nil || *s.ExitSignal != 9 {
		t.Errorf("ls --json: exit_code %s exit_signal %s, want null and 9", rxIntp(s.ExitCode), rxIntp(s.ExitSignal))
	}
	r := e.Run("receive", "k")
	if r.Code != 137 || r.Stdout != "before kill\r\n" {
		t.Errorf("receive: want exit 137 and %q\n%v", "before kill\r\n", r)
	}
	rxWaitRemoved(t, e, "k", 5*time.Second)
}

// attach to a Closed session prints the remaining output, then the status,
// exits with it and removes the session.
func TestReceiveAttachClosedPrintsRest(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	naKeepServer(t, e)
	newDetached(t, e, "c", "sh", "-c", `echo "first part"; echo "rest one"; echo "rest two"; exit 3`)
	rxWaitClosed(t, e, "c", harnessWait)
	tm := e.Start(80, 24, "attach", "c")
	if code := tm.WaitExit(); code != 3 {
		t.Errorf("attach to Closed: exit %d, want 3\n%s", code, tm.describe())
	}
	naWaitLine(tm, "[exited (status 3)]")
	scr := tm.Screen()
	for _, l := range []string{"first part", "rest one", "rest two"} {
		if !naHasLine(scr, l) {
			t.Errorf("attach to Closed should print %q\n%s", l, tm.describe())
		}
	}
	if i, j := strings.Index(scr, "rest two"), strings.Index(scr, "[exited"); i < 0 || j < i {
		t.Errorf("the output should come before [exited ...]\n%s", tm.describe())
	}
	rxWaitRemoved(t, e, "c", 5*time.Second)
}

// receive -f prints output as it arrives, while the command runs.
func TestReceiveFollowLive(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	naKeepServer(t, e)
	flag := filepath.Join(e.Dir, "go-on")
	newDetached(t, e, "f", "sh", "-c",
		`echo "tick""1"; while [ ! -e `+flag+` ]; do sleep 0.05; done; echo "tick""2"; exit 4`)
	tm := e.Start(80, 24, "receive", "-f", "f")
	tm.WaitText("tick1")
	if tm.Exited() {
		t.Fatalf("receive -f exited while the command still runs\n%s", tm.describe())
	}
	if strings.Contains(tm.Screen(), "tick2") {
		t.Fatalf("tick2 before the flag file exists\n%s", tm.describe())
	}
	if err := os.WriteFile(flag, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	tm.WaitText("tick2")
	if code := tm.WaitExit(); code != 4 {
		t.Errorf("receive -f: exit %d, want the command's 4\n%s", code, tm.describe())
	}
	rxWaitRemoved(t, e, "f", 5*time.Second)
}

// receive --follow prints exactly the output (nothing twice) and exits
// with the command's status.
func TestReceiveFollowExactAndStatus(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	naKeepServer(t, e)
	newDetached(t, e, "t", "sh", "-c", `sleep 0.3; for i in 1 2 3; do echo tick$i; sleep 0.2; done; exit 4`)
	r := e.Run("receive", "--follow", "t")
	if r.Code != 4 || r.Stdout != "tick1\r\ntick2\r\ntick3\r\n" || r.Stderr != "" {
		t.Errorf("receive --follow: want exit 4 and tick1..3 once each\n%v", r)
	}
	rxWaitRemoved(t, e, "t", 5*time.Second)
}

// receive reads a session another client holds, without taking it.
func TestReceiveBusySession(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tm := e.Start(80, 24, "new", "b", "--", "sh", "-c", `echo "hello from b"; exec sleep 100`)
	tm.WaitText("hello from b")
	naWaitSession(t, e, "b", "attached", func(s *socket.SessionInfo) bool { return s.Clients == 1 })
	r := e.Run("receive", "b")
	if r.Code != 0 || r.Stdout != "" {
		t.Errorf("receive of an attached session: output went to the client, want nothing\n%v", r)
	}
	s := rxInfo(t, e, "b")
	if s == nil || s.Clients != 1 || s.Availability != "Busy" {
		t.Errorf("receive should not take the session: %+v", s)
	}
	if tm.Exited() {
		t.Errorf("the attached client left\n%s", tm.describe())
	}
}

func TestReceiveErrors(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	naKeepServer(t, e)
	naWantErr(t, e.Run("receive", "nosuch"), 1, "no session named", "nosuch")
	naWantErr(t, e.Run("receive"), 2)
	naWantErr(t, e.Run("receive", "a", "b"), 2)
	naWantErr(t, e.Run("receive", "--output-buffering", "fast", "keep"), 2, "block|drop")
}

// receive --text prints a clean log: colours, cursor moves, an OSC title
// and the CR of CRLF gone, also for a sequence split between two frames of
// a --follow stream; the output still counts as received (the receive that
// reaches the end of the Closed session removes it). --plain is the same.
func TestReceiveText(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	naKeepServer(t, e)
	gofile := filepath.Join(e.Dir, "go")
	// The first printf ends inside a CSI sequence; the rest comes once the
	// test has seen the first part arrive, so in another frame.
	script := `printf '\033]0;my title\007\033[1;31mred\033[0m start\r\n\033[1;3'; ` +
		`i=0; while [ ! -e ` + gofile + ` ] && [ $i -lt 1000 ]; do sleep 0.01; i=$((i+1)); done; ` +
		`printf '2mgreen\033[0m\033[5;10H\033[Kmoved\n\033P1$r0m\033\\\033(0q\033(B done\n'; exit 3`
	newDetached(t, e, "col", "sh", "-c", script)
	out := &syncBuffer{}
	c := exec.Command(e.Bin, "receive", "--follow", "--text", "col")
	c.Env, c.Dir, c.Stdout, c.Stderr = e.Env, e.Home, out, out
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	e.track(func() { c.Process.Kill() })
	done := make(chan int, 1)
	go func() { c.Wait(); done <- c.ProcessState.ExitCode() }()
	poll(t, "receive --follow --text to print the first line", harnessWait, func() bool {
		return strings.Contains(out.String(), "red start\n")
	})
	if err := os.WriteFile(gofile, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	select {
	case code := <-done:
		if code != 3 {
			t.Errorf("receive --follow --text: exit %d, want 3", code)
		}
	case <-time.After(harnessWait):
		t.Fatalf("receive --follow --text did not end; printed %q", out.String())
	}
	if want := "red start\ngreenmoved\nq done\n"; out.String() != want {
		t.Errorf("receive --follow --text printed %q, want %q", out.String(), want)
	}
	rxWaitRemoved(t, e, "col", 5*time.Second)

	newDetached(t, e, "p", "sh", "-c", `printf '\033[32mok\033[m\r\n\033[2Ktwo\n'; exit 0`)
	rxWaitClosed(t, e, "p", harnessWait)
	if r := e.Run("receive", "--plain", "p"); r.Code != 0 || r.Stdout != "ok\ntwo\n" || r.Stderr != "" {
		t.Errorf("receive --plain: want \"ok\\ntwo\\n\" and exit 0\n%v", r)
	}
	rxWaitRemoved(t, e, "p", 5*time.Second)
}
