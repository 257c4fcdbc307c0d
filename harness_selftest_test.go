package main

// Self-tests of the e2e harness (harness_test.go). They need no linger: they
// run /bin/sh and small scripts on the harness's terminals, to prove that
// typing, the screen, the reply pump, resizing, exit codes, hangup, cleanup
// and failing waits work before any linger test relies on them.

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// startShell starts an interactive /bin/sh with prompt "$ " and waits for it.
func startShell(t *testing.T, e *env, cols, rows int) *term {
	t.Helper()
	tm := e.StartCmd(cols, rows, []string{"/bin/sh", "-i"}, []string{"PS1=$ "})
	tm.WaitFor("the prompt", func(s string) bool { return strings.HasPrefix(s, "$") })
	return tm
}

func TestHarnessShellEcho(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tm := startShell(t, e, 80, 24)
	tm.Type("echo hello\r")
	tm.WaitFor("hello printed on its own line", func(s string) bool {
		for _, l := range strings.Split(s, "\n") {
			if l == "hello" {
				return true
			}
		}
		return false
	})
	if !bytes.Contains(tm.Output(), []byte("hello\r\n")) {
		t.Fatalf("raw output lacks %q: %q", "hello\r\n", tm.Output())
	}
}

func TestHarnessEnvIsPrivate(t *testing.T) {
	t.Setenv("LINGER_LEAK", "1")
	t.Setenv("TMUX", "/tmp/tmux-0/default,1,0")
	e := newEnv(t)
	if len(e.Sock) >= 100 {
		t.Fatalf("socket path too long (%d): %s", len(e.Sock), e.Sock)
	}
	tm := e.StartCmd(200, 40, []string{"/bin/sh", "-c", "env | sort; echo END; exec cat"}, nil)
	tm.WaitText("END")
	scr := tm.Screen()
	for _, want := range []string{
		"HOME=" + e.Home, "LINGER_SOCKET=" + e.Sock, "TERM=xterm-256color",
		"LANG=C.UTF-8", "SHELL=/bin/sh", "XDG_RUNTIME_DIR=" + e.Dir + "/run",
	} {
		if !strings.Contains(scr, want) {
			t.Errorf("child env lacks %s\n%s", want, scr)
		}
	}
	for _, bad := range []string{"LINGER_LEAK", "TMUX="} {
		if strings.Contains(scr, bad) {
			t.Errorf("child env inherited %s\n%s", bad, scr)
		}
	}
	if fi, err := os.Stat(e.Dir + "/run"); err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("XDG_RUNTIME_DIR: %v %v", fi, err)
	}
	e.WriteConfig("a = 1\n")
	if b, err := os.ReadFile(e.Config); err != nil || string(b) != "a = 1\n" {
		t.Errorf("config: %q %v", b, err)
	}
	if !strings.Contains(strings.Join(e.Env, "\n"), "LINGER_CONFIG="+e.Config) {
		t.Errorf("WriteConfig did not set LINGER_CONFIG: %q", e.Env)
	}
}

func TestHarnessLongTestNameShortSocket(t *testing.T) {
	t.Parallel()
	t.Run(strings.Repeat("a_very_long_subtest_name_", 6), func(t *testing.T) {
		e := newEnv(t)
		if len(e.Sock) >= 100 {
			t.Fatalf("socket path too long (%d): %s", len(e.Sock), e.Sock)
		}
	})
}

// A program that asks the terminal where the cursor is (CPR) and blocks until
// the answer comes: only the reply pump can unblock it.
func TestHarnessAnswersTerminalQueries(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	script := `stty raw -echo
printf '\033[2J\033[3;5H\033[6n'
r=$(dd bs=1 count=6 2>/dev/null)
stty sane
case "$r" in
*'[3;5R') printf '\r\nanswered\r\n' ;;
*) printf '\r\nbad reply\r\n'; printf %s "$r" | od -c ;;
esac
exec cat`
	tm := e.StartCmd(80, 24, []string{"/bin/sh", "-c", script}, nil)
	tm.WaitFor("answered or bad reply", func(s string) bool {
		return strings.Contains(s, "answered") || strings.Contains(s, "bad reply")
	})
	if !strings.Contains(tm.Screen(), "answered") {
		t.Fatalf("wrong CPR reply:\n%s", tm.describe())
	}
	// Primary device attributes too: the reply ends in 'c'.
	tm2 := e.StartCmd(80, 24, []string{"/bin/sh", "-c",
		`stty raw -echo; printf '\033[c'; r=''; while :; do ch=$(dd bs=1 count=1 2>/dev/null); r="$r$ch"; [ "$ch" = c ] && break; done; stty sane; printf '\r\nDA ok\r\n'; exec cat`}, nil)
	tm2.WaitText("DA ok")
}

func TestHarnessResize(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tm := startShell(t, e, 80, 24)
	tm.Type("trap 'echo winched' WINCH; stty size\r")
	tm.WaitText("24 80")
	tm.Resize(100, 30)
	tm.WaitText("winched")
	if c, r := tm.Size(); c != 100 || r != 30 {
		t.Fatalf("emulator size %dx%d, want 100x30", c, r)
	}
	tm.Type("clear; stty size\r")
	tm.WaitFor("30 100 after clear", func(s string) bool {
		return strings.Contains(s, "30 100") && !strings.Contains(s, "24 80")
	})
	// A long line wraps at the new width.
	tm.Type("clear; printf '%0120d\\n' 0\r")
	tm.WaitFor("a 120-char line wrapped at 100", func(s string) bool {
		for i, l := range strings.Split(s, "\n") {
			if l == strings.Repeat("0", 100) {
				return tm.Line(i+1) == strings.Repeat("0", 20)
			}
		}
		return false
	})
}

func TestHarnessScreenAndCursor(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tm := e.StartCmd(80, 24, []string{"/bin/sh", "-c", `printf '\033[2J\033[5;10Hmark'; exec cat`}, nil)
	tm.WaitText("mark")
	if got, want := tm.Line(4), strings.Repeat(" ", 9)+"mark"; got != want {
		t.Fatalf("Line(4) = %q, want %q", got, want)
	}
	if x, y := tm.Cursor(); x != 13 || y != 4 {
		t.Fatalf("Cursor() = %d,%d, want 13,4", x, y)
	}
	lines := strings.Split(tm.Screen(), "\n")
	if len(lines) != 24 {
		t.Fatalf("Screen has %d lines, want 24", len(lines))
	}
	for i, l := range lines {
		if i != 4 && l != "" {
			t.Fatalf("line %d = %q, want empty", i, l)
		}
	}
	if !bytes.Contains(tm.Output(), []byte("\x1b[5;10Hmark")) {
		t.Fatalf("raw output: %q", tm.Output())
	}
	// Wide characters take two columns and appear once in the text.
	tm2 := e.StartCmd(80, 24, []string{"/bin/sh", "-c", `printf '\033[2J\033[H日本x'; exec cat`}, nil)
	tm2.WaitText("日本x")
	if x, y := tm2.Cursor(); x != 5 || y != 0 {
		t.Fatalf("after wide chars Cursor() = %d,%d, want 5,0", x, y)
	}
	// The alternate screen.
	tm3 := e.StartCmd(80, 24, []string{"/bin/sh", "-c", `printf 'main'; printf '\033[?1049h\033[Halt'; exec cat`}, nil)
	tm3.WaitFor("alt screen with alt, without main", func(s string) bool {
		return strings.HasPrefix(s, "alt") && !strings.Contains(s, "main")
	})
	if !tm3.AltScreen() {
		t.Fatal("AltScreen() = false")
	}
}

func TestHarnessExitCodes(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	if code := e.StartCmd(80, 24, []string{"/bin/sh", "-c", "exit 7"}, nil).WaitExit(); code != 7 {
		t.Fatalf("exit code %d, want 7", code)
	}
	tm := e.StartCmd(80, 24, []string{"/bin/sh", "-c", "echo bye; exit 0"}, nil)
	if code := tm.WaitExit(); code != 0 {
		t.Fatalf("exit code %d, want 0", code)
	}
	// Output written just before exit is on the screen after WaitExit.
	if tm.Line(0) != "bye" {
		t.Fatalf("Line(0) = %q after exit\n%s", tm.Line(0), tm.describe())
	}
	tm = e.StartCmd(80, 24, []string{"/bin/sh", "-c", "echo ready; exec cat"}, nil)
	tm.WaitText("ready")
	if tm.Exited() || tm.ExitState() != nil {
		t.Fatal("Exited() before exit")
	}
	tm.Kill(syscall.SIGTERM)
	if code := tm.WaitExit(); code != -1 {
		t.Fatalf("killed: code %d, want -1", code)
	}
	if ws := tm.ExitState().Sys().(syscall.WaitStatus); !ws.Signaled() || ws.Signal() != syscall.SIGTERM {
		t.Fatalf("exit state %v, want killed by SIGTERM", tm.ExitState())
	}
}

// Close is "the terminal went away": the kernel hangs up the session.
func TestHarnessCloseHangsUp(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tm := e.StartCmd(80, 24, []string{"/bin/sh", "-c", "echo ready; exec cat"}, nil)
	tm.WaitText("ready")
	tm.Close()
	tm.WaitExit()
	if ws := tm.ExitState().Sys().(syscall.WaitStatus); !ws.Signaled() || ws.Signal() != syscall.SIGHUP {
		t.Fatalf("after Close: %v, want killed by SIGHUP", tm.ExitState())
	}
}

func TestHarnessTypeControlKeys(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tm := startShell(t, e, 80, 24)
	tm.Type("sh -c 'echo sleep''ing; exec sleep 100'\r")
	tm.WaitFor("the job to run", func(s string) bool { return strings.Contains(s, "\nsleeping") })
	// Ctrl-C interrupts the foreground job and the shell prompts again. (The
	// interrupt flushes pending input, so only type once the prompt is back.)
	tm.Type("\x03")
	tm.WaitFor("a new prompt", func(s string) bool {
		lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
		return len(lines) >= 3 && lines[len(lines)-1] == "$"
	})
	tm.Type("echo after-$((6*7))\r")
	tm.WaitText("after-42")
}

// fatalRecorder stands in for *testing.T to observe a failing wait.
type fatalRecorder struct {
	mu     sync.Mutex
	failed bool
	msg    string
}

func (r *fatalRecorder) Helper() {}
func (r *fatalRecorder) Fatalf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.failed = true
	r.msg = fmt.Sprintf(format, args...)
}

func TestHarnessWaitCanFail(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tm := e.StartCmd(80, 24, []string{"/bin/sh", "-c", `printf 'visible\n'; exec cat`}, nil)
	tm.WaitText("visible")

	var r fatalRecorder
	start := time.Now()
	ok := tm.waitFor(&r, 200*time.Millisecond, "the word never", func(s string) bool {
		return strings.Contains(s, "never")
	})
	took := time.Since(start)
	if ok || !r.failed {
		t.Fatalf("waitFor for absent text did not fail (ok=%v failed=%v)", ok, r.failed)
	}
	if took < 200*time.Millisecond || took > 5*time.Second {
		t.Fatalf("waitFor failed after %v, want about 200ms", took)
	}
	for _, want := range []string{"the word never", "visible", `"visible\r\n"`, "200ms"} {
		if !strings.Contains(r.msg, want) {
			t.Errorf("failure message lacks %q:\n%s", want, r.msg)
		}
	}

	var r2 fatalRecorder
	if !tm.waitFor(&r2, 200*time.Millisecond, "visible", func(s string) bool { return strings.Contains(s, "visible") }) || r2.failed {
		t.Fatalf("waitFor for present text failed: %s", r2.msg)
	}

	var r3 fatalRecorder
	if poll(&r3, "false", 50*time.Millisecond, func() bool { return false }) || !r3.failed || !strings.Contains(r3.msg, "false") {
		t.Fatalf("poll did not fail: %+v", &r3)
	}
}

// The env's cleanup kills what a test leaves behind, even a process that left
// the test's process tree (like a daemonized server).
func TestHarnessCleanupKillsStrays(t *testing.T) {
	t.Parallel()
	var pid string
	t.Run("leak", func(t *testing.T) {
		e := newEnv(t)
		pidFile := t.TempDir() + "/pid"
		tm := e.StartCmd(80, 24, []string{"/bin/sh", "-c",
			"setsid sleep 300 </dev/null >/dev/null 2>&1 & echo $! >" + pidFile + "; echo started; exec cat"}, nil)
		tm.WaitText("started")
		// the daemon may still be between fork and exec: poll
		var strays []int
		if !pollQuiet(harnessWait, func() bool { strays = e.strays(); return len(strays) >= 2 }) {
			t.Fatalf("strays() = %v, want the shell and the daemon", strays)
		}
		b, _ := os.ReadFile(pidFile)
		n, err := strconv.Atoi(strings.TrimSpace(string(b)))
		if err != nil {
			t.Fatal(err)
		}
		pid = strconv.Itoa(n)
	})
	if pid == "" {
		return // the subtest failed (an empty pid would poll /proc/stat)
	}
	poll(t, "the leaked daemon "+pid+" to be gone", 5*time.Second, func() bool {
		st, err := os.ReadFile("/proc/" + pid + "/stat")
		return err != nil || bytes.Contains(st, []byte(") Z "))
	})
}
