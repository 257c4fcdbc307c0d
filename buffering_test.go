package main

// End-to-end tests of output buffering (issue 3): block mode suspends the
// program when buffer_size bytes are unreceived and loses nothing, drop
// mode keeps the newest bytes and reports what it discarded, log_file gets
// every byte, the Broken state, and idle timeouts.

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"linger/socket"
)

const rxBuf = 64 << 10 // buffer_size "64KiB" of these tests

// ---------------------------------------------------------------------------
// block and drop

// Block mode: a producer stops at ~buffer_size unreceived bytes, resumes on
// receive, and every line arrives exactly once, in order.
func TestBufferingBlockSuspendsAndLosesNothing(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	rxConfig(e, `buffer_size = "64KiB"`)
	script, want := rxCounter(20000, "; exit 7")
	newDetached(t, e, "p", "sh", "-c", script)

	s := naWaitSession(t, e, "p", "suspended", func(s *socket.SessionInfo) bool { return s.Suspended })
	if s.OutputBuffering != "block" || s.BufferSize != rxBuf {
		t.Errorf("ls --json: output_buffering %q buffer_size %d, want block, %d", s.OutputBuffering, s.BufferSize, rxBuf)
	}
	// Stalled: for a while, nothing more is read and the program runs on.
	held := s.BufferedBytes
	for end := time.Now().Add(800 * time.Millisecond); time.Now().Before(end); {
		s := rxInfo(t, e, "p")
		if s == nil || s.State != "Disconnected" || !s.Suspended || s.BufferedBytes != held {
			t.Fatalf("a suspended session should stay suspended with %d bytes held: %+v", held, s)
		}
		if s.BufferedBytes < rxBuf || s.BufferedBytes > rxBuf+200<<10 {
			t.Fatalf("buffered_bytes %d: want between %d and %d", s.BufferedBytes, rxBuf, rxBuf+200<<10)
		}
		time.Sleep(50 * time.Millisecond)
	}

	// Receive until the collecting receive (exit 7): nothing lost or doubled.
	got := rxReceiveUntil(t, e, "p", nil, 7, 40*time.Second)
	lines := strings.Split(strings.TrimSuffix(string(got), "\r\n"), "\r\n")
	for i, l := range lines {
		if i == len(lines)-1 && l == "END" {
			break
		}
		if l != rxCounterLine(i) {
			t.Fatalf("line %d of the received output is %q, want %q (a gap or a repeat)", i, l, rxCounterLine(i))
		}
	}
	rxSame(t, "everything received in block mode", got, want)
	rxWaitRemoved(t, e, "p", 5*time.Second)
}

// A single receive of a suspended session resumes the program.
func TestBufferingBlockResumesAfterReceive(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	rxConfig(e, `buffer_size = "64KiB"`)
	newDetached(t, e, "p", "sh", "-c", `i=0; while :; do echo "$i xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"; i=$((i+1)); done`)
	naWaitSession(t, e, "p", "suspended", func(s *socket.SessionInfo) bool { return s.Suspended })
	r := e.Run("receive", "p")
	if r.Code != 0 || len(r.Stdout) < rxBuf || !strings.HasPrefix(r.Stdout, rxCounterLine(0)+"\r\n") {
		t.Fatalf("receive of a suspended session: want exit 0 and at least %d bytes from line 0, got exit %d, %d bytes, stderr %q",
			rxBuf, r.Code, len(r.Stdout), r.Stderr)
	}
	// it runs again, and stops again at the limit
	s := naWaitSession(t, e, "p", "suspended again with new output", func(s *socket.SessionInfo) bool {
		return s.Suspended && s.BufferedBytes >= rxBuf
	})
	if s.BufferedBytes > rxBuf+200<<10 {
		t.Errorf("buffered_bytes %d above %d", s.BufferedBytes, rxBuf+200<<10)
	}
	r2 := e.Run("receive", "p")
	if r2.Code != 0 || len(r2.Stdout) < rxBuf {
		t.Fatalf("second receive: exit %d, %d bytes", r2.Code, len(r2.Stdout))
	}
	// the second receive continues exactly where the first ended
	both := r.Stdout + r2.Stdout
	lines := strings.Split(both, "\r\n")
	lines = lines[:len(lines)-1] // the last may be incomplete
	for i, l := range lines {
		if l != rxCounterLine(i) {
			t.Fatalf("line %d of two receives is %q, want %q (first receive: %d bytes ending %q)",
				i, l, rxCounterLine(i), len(r.Stdout), r.Stdout[max(len(r.Stdout)-40, 0):])
		}
	}
}

// Drop mode: the producer finishes with a small buffer; receive prints the
// newest bytes and says how many were dropped; the log has everything.
func TestBufferingDropKeepsNewest(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	logDir := filepath.Join(e.Dir, "logs")
	if err := os.Mkdir(logDir, 0o700); err != nil {
		t.Fatal(err)
	}
	rxConfig(e, `buffer_size = "64KiB"`, `output_buffering = "drop"`, `log_file = "`+logDir+`/log-{name}.txt"`)
	script, want := rxCounter(20000, "")
	newDetached(t, e, "d", "sh", "-c", script)
	s := rxWaitClosed(t, e, "d", 30*time.Second)
	if s.OutputBuffering != "drop" {
		t.Errorf("ls --json output_buffering %q, want drop", s.OutputBuffering)
	}
	if s.BufferedBytes > rxBuf || s.DroppedBytes+s.BufferedBytes != int64(len(want)) {
		t.Errorf("ls --json: buffered_bytes %d + dropped_bytes %d, want at most %d held and a sum of %d",
			s.BufferedBytes, s.DroppedBytes, rxBuf, len(want))
	}
	if deref(s.LogFile) != filepath.Join(logDir, "log-d.txt") || s.LogError != nil {
		t.Errorf("ls --json log_file %q log_error %q", deref(s.LogFile), deref(s.LogError))
	}

	r := e.Run("receive", "d")
	if r.Code != 0 {
		t.Errorf("receive: exit %d, want 0", r.Code)
	}
	out := []byte(r.Stdout)
	if len(out) > rxBuf || len(out) == 0 || !bytes.HasSuffix(want, out) || !bytes.HasSuffix(out, []byte("END\r\n")) {
		t.Errorf("receive in drop mode: %d bytes; want at most %d, the newest ones, ending with END", len(out), rxBuf)
	}
	dropped := len(want) - len(out)
	wantErr := fmt.Sprintf("linger: %d bytes dropped (output_buffering = drop)\n", dropped)
	if r.Stderr != wantErr {
		t.Errorf("receive stderr %q, want %q", r.Stderr, wantErr)
	}
	if s.DroppedBytes != int64(dropped) {
		t.Errorf("ls --json dropped_bytes %d, want %d", s.DroppedBytes, dropped)
	}
	rxWaitRemoved(t, e, "d", 5*time.Second)

	log, err := os.ReadFile(filepath.Join(logDir, "log-d.txt"))
	if err != nil {
		t.Fatal(err)
	}
	rxSame(t, "the log file in drop mode", log, want)
}

// Drop mode reports drops once per receive, counting only new ones.
func TestBufferingDropReportedOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	rxConfig(e, `buffer_size = "64KiB"`)
	script, want := rxCounter(5000, "; exec sleep 100")
	r := e.Run("new", "-d", "--output-buffering", "drop", "d", "--", "sh", "-c", script)
	if r.Code != 0 {
		t.Fatalf("new --output-buffering drop: %v", r)
	}
	s := naWaitSession(t, e, "d", "done producing", func(s *socket.SessionInfo) bool {
		return s.BufferedBytes+s.DroppedBytes == int64(len(want))
	})
	if s.OutputBuffering != "drop" || s.DroppedBytes == 0 || s.State != "Disconnected" {
		t.Errorf("ls --json: %+v, want drop mode, bytes dropped, still running", s)
	}
	r = e.Run("receive", "d")
	if !strings.HasSuffix(r.Stdout, "END\r\n") || r.Stderr != fmt.Sprintf("linger: %d bytes dropped (output_buffering = drop)\n", s.DroppedBytes) {
		t.Errorf("first receive: %d bytes, stderr %q (want %d dropped)", len(r.Stdout), r.Stderr, s.DroppedBytes)
	}
	r = e.Run("receive", "d")
	if r.Code != 0 || r.Stdout != "" || r.Stderr != "" {
		t.Errorf("second receive: nothing new and nothing more dropped\n%v", r)
	}
}

// Precedence of output buffering: flag > LINGER_OUTPUT_BUFFERING > config.
func TestBufferingModePrecedence(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	rxConfig(e, `output_buffering = "block"`)
	newDetached(t, e, "cfg", "sleep", "100")
	drop := []string{"LINGER_OUTPUT_BUFFERING=drop"}
	if r := e.RunEnv(drop, "new", "-d", "env", "--", "sleep", "100"); r.Code != 0 {
		t.Fatalf("%v", r)
	}
	if r := e.RunEnv(drop, "new", "-d", "--output-buffering", "block", "flag", "--", "sleep", "100"); r.Code != 0 {
		t.Fatalf("%v", r)
	}
	if r := e.Run("new", "-d", "--output-buffering", "DROP", "flag2", "--", "sleep", "100"); r.Code != 0 {
		t.Fatalf("%v", r)
	}
	list := naLsJSON(t, e)
	for name, want := range map[string]string{"cfg": "block", "env": "drop", "flag": "block", "flag2": "drop"} {
		if s := naSession(list, name); s == nil || s.OutputBuffering != want {
			t.Errorf("session %s: output_buffering %+v, want %q", name, s, want)
		}
	}
	// a bad LINGER_OUTPUT_BUFFERING is a usage error naming the variable
	naWantErr(t, e.RunEnv([]string{"LINGER_OUTPUT_BUFFERING=fast"}, "new", "-d", "x", "--", "sleep", "1"), 2, "LINGER_OUTPUT_BUFFERING", "block|drop")
}

func TestBufferingBadInput(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	naWantErr(t, e.Run("new", "-d", "--output-buffering", "fast", "x", "--", "sleep", "1"), 2, "fast", "block|drop")
	naWantErr(t, e.Run("new", "-d", "--idle-timeout", "-5m", "x", "--", "sleep", "1"), 2, "-5m")
	naWantErr(t, e.Run("new", "-d", "--idle-timeout", "abc", "x", "--", "sleep", "1"), 2, "abc")
	naWantErr(t, e.RunEnv([]string{"LINGER_IDLE_TIMEOUT=abc"}, "new", "-d", "x", "--", "sleep", "1"), 2, "LINGER_IDLE_TIMEOUT")
	if r := e.Run("ls", "--json"); r.Stdout != "[]\n" {
		t.Errorf("bad new commands should create nothing\n%v", r)
	}

	// a bad buffer_size: the server refuses to start, naming file:line
	e.WriteConfig("[configurations.default]\nbuffer_size = \"8MB\"\n")
	r := e.Run("new", "-d", "x", "--", "sleep", "100")
	naWantErr(t, r, 1, e.Config+":2", "8MB")
	noServer(t, e.Sock)
	e.WriteConfig("[configurations.default]\nbuffer_size = \"2KiB\"\n")
	naWantErr(t, e.Run("new", "-d", "x", "--", "sleep", "100"), 1, e.Config+":2", "2KiB")
}

// ---------------------------------------------------------------------------
// log_file

// Block mode: the log has every byte too, whether received or not.
func TestLogFileBlockMode(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	rxConfig(e, `log_file = "`+e.Dir+`/log-{name}.txt"`)
	naKeepServer(t, e)
	script, want := rxGen(2000, "; exit 0")
	newDetached(t, e, "lg", "sh", "-c", script)
	s := rxWaitClosed(t, e, "lg", 20*time.Second)
	path := filepath.Join(e.Dir, "log-lg.txt")
	if deref(s.LogFile) != path {
		t.Errorf("ls --json log_file %q, want %q", deref(s.LogFile), path)
	}
	log, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	rxSame(t, "log file", log, want)
	r := e.Run("receive", "lg")
	rxSame(t, "receive output", []byte(r.Stdout), want)
	// appended, not truncated, by a second session of the same name
	newDetached(t, e, "lg", "sh", "-c", "echo second")
	rxWaitClosed(t, e, "lg", harnessWait)
	log2, _ := os.ReadFile(path)
	rxSame(t, "log file after a second session of the same name (appended)", log2, append(append([]byte{}, want...), "second\r\n"...))
}

// log_format = "text": the log is a clean log, as receive --text prints,
// with a sequence split between two of the program's writes removed whole;
// receive still gets every byte.
func TestLogFileText(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	rxConfig(e, `log_file = "`+e.Dir+`/log-{name}.txt"`, `log_format = "text"`)
	naKeepServer(t, e)
	gofile := filepath.Join(e.Dir, "go")
	raw := "\x1b]0;title\x07\x1b[1;31mred\x1b[0m start\r\r\n\x1b[1;3"
	script := `printf '\033]0;title\007\033[1;31mred\033[0m start\r\n\033[1;3'; ` +
		`i=0; while [ ! -e ` + gofile + ` ] && [ $i -lt 1000 ]; do sleep 0.01; i=$((i+1)); done; ` +
		`printf '2mgreen\033[0m\033[5;10H\033[Kmoved\n'; exit 0`
	newDetached(t, e, "lg", "sh", "-c", script)
	path := filepath.Join(e.Dir, "log-lg.txt")
	// the first write is in the log (without its unfinished sequence)
	// before the second is made, so the pump read them apart
	poll(t, "the log to have the first line", harnessWait, func() bool {
		b, _ := os.ReadFile(path)
		return string(b) == "red start\n"
	})
	if err := os.WriteFile(gofile, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	rxWaitClosed(t, e, "lg", harnessWait)
	if log, _ := os.ReadFile(path); string(log) != "red start\ngreenmoved\n" {
		t.Errorf("log_format = \"text\": log %q, want %q", log, "red start\ngreenmoved\n")
	}
	r := e.Run("receive", "lg")
	if want := raw + "2mgreen\x1b[0m\x1b[5;10H\x1b[Kmoved\r\n"; r.Stdout != want {
		t.Errorf("receive with a text log: %q, want every byte %q", r.Stdout, want)
	}
}

// ---------------------------------------------------------------------------
// Broken, Busy

func TestBrokenAfterClientKilled(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	newDetached(t, e, "x", "env", "PS1=$ ", "sh")
	tm := e.Start(80, 24, "attach", "x")
	tm.WaitText("$")
	s := naWaitSession(t, e, "x", "attached", func(s *socket.SessionInfo) bool { return s.Clients == 1 })
	if s.State != "Disconnected" || s.Availability != "Busy" || s.IdleExpiresAt != nil {
		t.Errorf("attached elsewhere: %s/%s idle_expires_at %v, want Disconnected/Busy and null", s.State, s.Availability, s.IdleExpiresAt)
	}
	tm.Kill(syscall.SIGKILL)
	tm.WaitExit()
	s = naWaitSession(t, e, "x", "without clients", func(s *socket.SessionInfo) bool { return s.Clients == 0 })
	if s.State != "Broken" || s.Availability != "None" {
		t.Errorf("after SIGKILL of the client: %s/%s, want Broken/None", s.State, s.Availability)
	}
	if r := e.Run("ls"); !strings.Contains(r.Stdout, "Broken") {
		t.Errorf("ls table should show Broken\n%v", r)
	}
	// a normal detach: Disconnected/None
	tm = e.Start(80, 24, "attach", "x")
	naWaitSession(t, e, "x", "attached again", func(s *socket.SessionInfo) bool { return s.Clients == 1 })
	naShRun(tm, `echo "back""again"`, "backagain")
	naDetachAndWait(t, tm, "x")
	s = naWaitSession(t, e, "x", "without clients", func(s *socket.SessionInfo) bool { return s.Clients == 0 })
	if s.State != "Disconnected" || s.Availability != "None" {
		t.Errorf("after a detach: %s/%s, want Disconnected/None", s.State, s.Availability)
	}
}

// ---------------------------------------------------------------------------
// idle timeout

// rxWaitExpired polls until name is gone and its pid ended; it returns how
// long after since that was seen.
func rxWaitExpired(t *testing.T, e *env, name string, pid int, since time.Time) time.Duration {
	t.Helper()
	poll(t, "session "+name+" to expire", 10*time.Second, func() bool {
		return naSession(naLsJSON(t, e), name) == nil
	})
	took := time.Since(since)
	waitGone(t, pid, 5*time.Second, "the expired session's command")
	return took
}

func TestIdleTimeoutExpires(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	naKeepServer(t, e)
	start := time.Now()
	if r := e.Run("new", "-d", "--idle-timeout", "2s", "x", "--", "sleep", "100"); r.Code != 0 {
		t.Fatalf("%v", r)
	}
	s := rxInfo(t, e, "x")
	if s == nil {
		t.Fatalf("session x gone at once")
	}
	if s.IdleTimeoutSeconds != 2 || s.IdleExpiresAt == nil {
		t.Errorf("ls --json idle_timeout_seconds %d idle_expires_at %v, want 2 and set", s.IdleTimeoutSeconds, s.IdleExpiresAt)
	} else if d := s.IdleExpiresAt.Sub(start); d < 1500*time.Millisecond || d > 4*time.Second {
		t.Errorf("idle_expires_at is %v after creation, want ~2s", d)
	}
	if r := e.Run("ls"); !strings.Contains(r.Stdout, "2s (") {
		t.Errorf("ls IDLE column should show 2s and the time left\n%v", r)
	}
	if took := rxWaitExpired(t, e, "x", s.Pid, start); took < 1900*time.Millisecond {
		t.Errorf("expired after %v, before its 2s idle timeout", took)
	}
	if s := rxInfo(t, e, "keep"); s == nil {
		t.Errorf("a session without idle timeout expired too")
	}
}

// The idle clock does not run while a client is attached: created
// detached (the clock runs), attached at once, held past the timeout, then
// detached (it runs again).
func TestIdleTimeoutNotWhileAttached(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	naKeepServer(t, e)
	created := time.Now()
	if r := e.Run(append([]string{"new", "-d", "--idle-timeout", "3s", "x"}, naShSession...)...); r.Code != 0 {
		t.Fatalf("%v", r)
	}
	tm := e.Start(80, 24, "attach", "x")
	s := naWaitSession(t, e, "x", "attached", func(s *socket.SessionInfo) bool { return s.Clients == 1 })
	if s.IdleTimeoutSeconds != 3 || s.IdleExpiresAt != nil {
		t.Errorf("attached: idle_timeout_seconds %d idle_expires_at %v, want 3 and null", s.IdleTimeoutSeconds, s.IdleExpiresAt)
	}
	// attached until well past the 3s the clock had when it started
	for time.Since(created) < 4500*time.Millisecond {
		if s := rxInfo(t, e, "x"); s == nil || s.Clients != 1 {
			t.Fatalf("attached session expired or lost its client: %+v\n%s", s, tm.describe())
		}
		time.Sleep(100 * time.Millisecond)
	}
	naShRun(tm, `echo "still""here"`, "stillhere")
	detachAt := time.Now()
	naDetachAndWait(t, tm, "x")
	if s := rxInfo(t, e, "x"); s != nil && s.IdleExpiresAt == nil {
		t.Errorf("detached: idle_expires_at should be set: %+v", s)
	}
	if took := rxWaitExpired(t, e, "x", s.Pid, detachAt); took < 2900*time.Millisecond {
		t.Errorf("expired %v after the detach, before its 3s idle timeout", took)
	}
}

// detach --idle-timeout sets the timeout as the clients are detached.
func TestIdleTimeoutSetAtDetach(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	naKeepServer(t, e)
	tm := e.Start(80, 24, naNewShellArgs("x")...)
	naWaitPrompt(tm, "$ ")
	s := naWaitSession(t, e, "x", "attached", func(s *socket.SessionInfo) bool { return s.Clients == 1 })
	if s.IdleTimeoutSeconds != 0 || s.IdleExpiresAt != nil {
		t.Errorf("no idle timeout: idle_timeout_seconds %d idle_expires_at %v", s.IdleTimeoutSeconds, s.IdleExpiresAt)
	}
	at := time.Now()
	if r := e.Run("detach", "--idle-timeout", "2s", "x"); r.Code != 0 {
		t.Fatalf("detach --idle-timeout 2s: %v", r)
	}
	naWaitLine(tm, "[detached (from session x)]")
	if s := rxInfo(t, e, "x"); s != nil && (s.IdleTimeoutSeconds != 2 || s.IdleExpiresAt == nil) {
		t.Errorf("after detach --idle-timeout 2s: %+v", s)
	}
	if took := rxWaitExpired(t, e, "x", s.Pid, at); took < 1900*time.Millisecond {
		t.Errorf("expired %v after the detach", took)
	}
}

// idle_timeout in the config is the default.
func TestIdleTimeoutFromConfig(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.WriteConfig("[configurations.default]\nidle_timeout = \"2s\"\n[configurations.forever]\n")
	if r := e.Run("new", "-d", "-C", "forever", "keep", "--", "sleep", "100"); r.Code != 0 {
		t.Fatalf("%v", r)
	}
	start := time.Now()
	newDetached(t, e, "x", "sleep", "100")
	s := rxInfo(t, e, "x")
	if s == nil {
		t.Fatalf("x gone at once")
	}
	if s.IdleTimeoutSeconds != 2 {
		t.Errorf("idle_timeout_seconds %d, want 2 from the config", s.IdleTimeoutSeconds)
	}
	if took := rxWaitExpired(t, e, "x", s.Pid, start); took < 1900*time.Millisecond {
		t.Errorf("expired after %v", took)
	}
	if k := rxInfo(t, e, "keep"); k == nil || k.IdleTimeoutSeconds != 0 {
		t.Errorf("keep (configuration without idle_timeout): %+v", k)
	}
}

// Precedence: --idle-timeout > LINGER_IDLE_TIMEOUT > config; the cap.
func TestIdleTimeoutPrecedenceAndMax(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	rxConfig(e, `idle_timeout = "50s"`, `max_idle_timeout = "1h"`)
	newDetached(t, e, "cfg", "sleep", "100")
	env := []string{"LINGER_IDLE_TIMEOUT=60s"}
	if r := e.RunEnv(env, "new", "-d", "env", "--", "sleep", "100"); r.Code != 0 {
		t.Fatalf("%v", r)
	}
	if r := e.RunEnv(env, "new", "-d", "--idle-timeout", "70s", "flag", "--", "sleep", "100"); r.Code != 0 {
		t.Fatalf("%v", r)
	}
	list := naLsJSON(t, e)
	for name, want := range map[string]int64{"cfg": 50, "env": 60, "flag": 70} {
		if s := naSession(list, name); s == nil || s.IdleTimeoutSeconds != want || s.IdleExpiresAt == nil {
			t.Errorf("session %s: %+v, want idle_timeout_seconds %d", name, s, want)
		}
	}

	r := e.Run("new", "-d", "--idle-timeout", "2h", "big", "--", "sleep", "100")
	if r.Code == 0 || !strings.Contains(r.Stderr, "2h") || !strings.Contains(r.Stderr, "1h") {
		t.Errorf("new --idle-timeout 2h above max_idle_timeout 1h: want a refusal naming both\n%v", r)
	}
	r = e.RunEnv([]string{"LINGER_IDLE_TIMEOUT=2h"}, "new", "-d", "big", "--", "sleep", "100")
	if r.Code == 0 || !strings.Contains(r.Stderr, "2h") || !strings.Contains(r.Stderr, "1h") {
		t.Errorf("LINGER_IDLE_TIMEOUT=2h above max_idle_timeout 1h: want a refusal naming both\n%v", r)
	}
	r = e.Run("detach", "--idle-timeout", "2h", "cfg")
	if r.Code == 0 || !strings.Contains(r.Stderr, "2h") || !strings.Contains(r.Stderr, "1h") {
		t.Errorf("detach --idle-timeout 2h above max_idle_timeout 1h: want a refusal naming both\n%v", r)
	}
	if s := rxInfo(t, e, "big"); s != nil {
		t.Errorf("refused session was created: %+v", s)
	}
	if s := rxInfo(t, e, "cfg"); s == nil || s.IdleTimeoutSeconds != 50 {
		t.Errorf("refused detach changed cfg: %+v", s)
	}
}

func TestIdleTimeoutAttachHasNoFlag(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	newDetached(t, e, "x", "sleep", "100")
	r := e.Run("attach", "--idle-timeout", "2s", "x")
	if r.Code != 2 || !strings.Contains(r.Stderr, "idle-timeout") {
		t.Errorf("attach --idle-timeout: want a usage error (exit 2)\n%v", r)
	}
}
