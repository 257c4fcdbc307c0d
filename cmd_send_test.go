package main

// End-to-end tests of `linger send` and of wait's expect-like --idle and
// --until (issue 19): keys typed into a session nobody is attached to,
// Ctrl-C by name, bracketed paste only when the program asked for it, and
// waiting on the output and the screen instead of the command's end.

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"linger/socket"
)

// sdWaitUntil runs wait NAME --until RE (10s at most) and wants exit 0.
func sdWaitUntil(t *testing.T, e *env, name, re string) {
	t.Helper()
	if r := e.Run("wait", name, "--until", re, "--timeout", "10s"); r.Code != 0 || r.Stdout != "" || r.Stderr != "" {
		t.Fatalf("wait %s --until %q: want exit 0 and no output\n%v\ncapture:\n%s", name, re, r, e.Run("capture", name).Stdout)
	}
}

// sdSend runs send with args and wants exit 0 and no output.
func sdSend(t *testing.T, e *env, args ...string) {
	t.Helper()
	if r := e.Run(append([]string{"send"}, args...)...); r.Code != 0 || r.Stdout != "" || r.Stderr != "" {
		t.Fatalf("send %q: want exit 0 and no output\n%v", args, r)
	}
}

// sdWaitChild waits until the session's command has a child running comm
// (after its exec: a Ctrl-C sent between sh's fork and the child's exec
// is caught by sh's handler in the child, and lost).
func sdWaitChild(t *testing.T, e *env, name, comm string) {
	t.Helper()
	pid := naWaitSession(t, e, name, "running", func(s *socket.SessionInfo) bool { return s.Pid > 0 }).Pid
	ok := pollQuiet(harnessWait, func() bool {
		stats, _ := filepath.Glob("/proc/[0-9]*/stat")
		for _, f := range stats {
			b, err := os.ReadFile(f)
			i := bytes.LastIndexByte(b, ')')
			if err != nil || i < 0 {
				continue
			}
			open := bytes.IndexByte(b, '(')
			fields := strings.Fields(string(b[i+1:])) // state ppid ...
			if len(fields) > 1 && fields[1] == strconv.Itoa(pid) && string(b[open+1:i]) == comm {
				return true
			}
		}
		return false
	})
	if !ok {
		t.Fatalf("session %s (pid %d) never ran %s", name, pid, comm)
	}
}

// A REPL nobody is attached to: send types a line and Enter, wait --until
// sees the answer on the screen, and the prompt's trailing space counts.
func TestSendREPLAndWaitUntil(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	naKeepServer(t, e)
	if _, err := exec.LookPath("python3"); err != nil {
		// no python3: cat echoes the line and prints it again
		newDetached(t, e, "py", "cat")
		sdSend(t, e, "py", "print(6*7)", "--enter")
		sdWaitUntil(t, e, "py", `(?s)print\(6\*7\)\n.*print\(6\*7\)`)
		return
	}
	newDetached(t, e, "py", "env", "PYTHON_BASIC_REPL=1", "python3", "-q")
	sdWaitUntil(t, e, "py", `^>>> $`) // the prompt, its blank kept at the cursor
	sdSend(t, e, "py", "print(6*7)", "--enter")
	sdWaitUntil(t, e, "py", `^42$`)
	if c := e.Run("capture", "py").Stdout; !naHasLine(c, ">>> print(6*7)") || !naHasLine(c, "42") {
		t.Errorf("capture after send and wait --until: want the typed line and 42\n%s", c)
	}
	// words are joined by spaces, and the program exits on C-d
	sdSend(t, e, "py", "print('a',", "'b')", "--enter")
	sdWaitUntil(t, e, "py", `^a b$`)
	sdSend(t, e, "py", "--keys", "C-d")
	if r := e.Run("wait", "py", "--timeout", "10s"); r.Code != 0 {
		t.Errorf("python3 after send --keys C-d: wait %v, want exit 0", r)
	}
}

// send --keys C-c interrupts what runs in the foreground: a sleep in an
// interactive sh (which survives, $? 130), and a non-interactive sh -c
// that ends with it (wait: 130).
func TestSendCtrlC(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	naKeepServer(t, e)
	newDetached(t, e, "sh", "env", "PS1=$ ", "sh")
	sdWaitUntil(t, e, "sh", `^\$ $`)
	sdSend(t, e, "sh", "sleep 100", "--enter")
	sdWaitChild(t, e, "sh", "sleep")
	sdSend(t, e, "sh", "--keys", "C-c")
	sdWaitUntil(t, e, "sh", `^\$ $`)
	sdSend(t, e, "sh", "echo st=$?", "--enter")
	sdWaitUntil(t, e, "sh", `^st=130$`)

	newDetached(t, e, "job", "sh", "-c", "echo started; sleep 100; echo never")
	sdWaitUntil(t, e, "job", `^started$`)
	sdWaitChild(t, e, "job", "sleep")
	sdSend(t, e, "job", "--keys", "C-c")
	if r := e.Run("wait", "job", "--timeout", "10s"); r.Code != 130 {
		t.Errorf("wait after send --keys C-c to sh -c 'sleep 100': %v, want exit 130", r)
	}
}

// --paste wraps the text in bracketed paste's markers only when the
// program turned the mode on; without --paste, or with the mode off, the
// text is typed plain. cat -v shows the markers as ^[[200~ and ^[[201~.
func TestSendBracketedPaste(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	naKeepServer(t, e)
	newDetached(t, e, "on", "sh", "-c", `stty -echo; printf '\033[?2004hready\n'; exec cat -v`)
	newDetached(t, e, "off", "sh", "-c", `stty -echo; printf 'ready\n'; exec cat -v`)
	sdWaitUntil(t, e, "on", `^ready$`)
	sdWaitUntil(t, e, "off", `^ready$`)
	sdSend(t, e, "on", "p1", "--paste", "--enter")
	sdWaitUntil(t, e, "on", `^\^\[\[200~p1\^\[\[201~$`)
	sdSend(t, e, "on", "p2", "--enter")
	sdWaitUntil(t, e, "on", `^p2$`)
	sdSend(t, e, "off", "p3", "--paste", "--enter")
	sdWaitUntil(t, e, "off", `^p3$`)
	if c := e.Run("capture", "off").Stdout; strings.Contains(c, "200~") {
		t.Errorf("--paste with bracketed paste off should type plain text\n%s", c)
	}
	// words that start with - follow --, which is not typed
	sdSend(t, e, "off", "--enter", "--", "-n", "--keys")
	sdWaitUntil(t, e, "off", `^-n --keys$`)
	// the end marker inside pasted text cannot end the paste early
	sdSend(t, e, "on", "x\x1b[201~y", "--paste", "--enter")
	sdWaitUntil(t, e, "on", `^\^\[\[200~xy\^\[\[201~$`)
}

// Keys sent while a client is attached, and a read-only one watches,
// reach the program, between the owner's own, and both see them as typed.
func TestSendWhileAttached(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tm := naStartSession(t, e, 80, 24, naNewShellArgs("att")...)
	naWaitPrompt(tm, "$ ")
	watcher := e.Start(80, 24, "attach", "-r", "att")
	naWaitPrompt(watcher, "$ ")
	sdSend(t, e, "att", "echo typed-$((6*7))", "--enter")
	naWaitLine(tm, "typed-42")
	naWaitLine(watcher, "typed-42")
	tm.Type("echo mine\r")
	naWaitLine(tm, "mine")
	sdSend(t, e, "att", "--keys", "e", "x", "i", "t", "Enter")
	if code := tm.WaitExit(); code != 0 {
		t.Errorf("attached client after send --keys e x i t Enter: exit %d, want 0", code)
	}
}

// wait --idle returns once the output has paused for DURATION, not before,
// and after --timeout gives up with 124; --until fails when the command
// ends without the screen matching.
func TestWaitIdleAndTimeouts(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	naKeepServer(t, e)
	newDetached(t, e, "tick", "sh", "-c", "for i in 1 2 3 4 5 6; do echo tick $i; sleep 0.2; done; sleep 100")
	start := time.Now()
	if r := e.Run("wait", "tick", "--idle", "700ms", "--timeout", "20s"); r.Code != 0 || r.Stdout != "" || r.Stderr != "" {
		t.Fatalf("wait --idle 700ms: %v, want exit 0 and no output", r)
	}
	if d := time.Since(start); d < 1700*time.Millisecond {
		t.Errorf("wait --idle 700ms returned after %s, before the ticks stopped (1s of ticks + 700ms)", d)
	}
	if c := e.Run("capture", "tick").Stdout; !naHasLine(c, "tick 6") {
		t.Errorf("after wait --idle the last tick should be on the screen\n%s", c)
	}
	// a quiet session: at least DURATION
	start = time.Now()
	if r := e.Run("wait", "tick", "--idle", "300ms"); r.Code != 0 {
		t.Errorf("wait --idle on a quiet session: %v", r)
	}
	if d := time.Since(start); d < 300*time.Millisecond {
		t.Errorf("wait --idle 300ms on a quiet session returned after %s", d)
	}
	r := e.Run("wait", "tick", "--until", "never printed", "--timeout", "300ms")
	naWantErr(t, r, 124, "timed out")
	r = e.Run("wait", "tick", "--idle", "5s", "--timeout", "300ms")
	naWantErr(t, r, 124, "timed out")

	newDetached(t, e, "bye", "sh", "-c", "echo bye; sleep 0.3")
	r = e.Run("wait", "bye", "--until", "hello")
	naWantErr(t, r, 1, "bye", "ended", `"hello"`)
	if r := e.Run("wait", "bye", "--until", "^bye$"); r.Code != 0 {
		t.Errorf("wait --until on a Closed session whose screen matches: %v, want 0", r)
	}
	start = time.Now()
	if r := e.Run("wait", "bye", "--idle", "5s", "--timeout", "4s"); r.Code != 0 || time.Since(start) > 3*time.Second {
		t.Errorf("wait --idle 5s on a Closed session: %v after %s, want exit 0 at once", r, time.Since(start))
	}
}

// A program that does not read its input: send says so after 5s instead of
// hanging, and the session goes on.
func TestSendNotReading(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	naKeepServer(t, e)
	newDetached(t, e, "raw", "sh", "-c", "stty raw -echo; echo ready; sleep 100")
	sdWaitUntil(t, e, "raw", "^ready")
	big := strings.Repeat("a", 100<<10) // more than the pty's input queues hold
	start := time.Now()
	r := e.Run("send", "raw", big, big, big, big)
	naWantErr(t, r, 1, "session raw has not read its input for 5s")
	if d := time.Since(start); d > 8*time.Second {
		t.Errorf("send to a program not reading took %s, want about 5s", d)
	}
	if r := e.Run("kill", "raw"); r.Code != 0 {
		t.Errorf("kill after a blocked send: %v", r)
	}
}

// Usage errors: bad key names (listing the valid ones), bad regexps,
// --idle/--until with several sessions or with each other; and a Closed
// session takes no keys.
func TestSendAndWaitUsageErrors(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	naKeepServer(t, e)
	naWantErr(t, e.Run("send", "keep", "--keys", "C-c", "Foo"), 2, `unknown key "Foo"`, "C-<key>", "PageUp", "F1")
	naWantErr(t, e.Run("send", "keep", "--keys", "C-1"), 2, `unknown key "C-1"`)
	naWantErr(t, e.Run("send", "keep", "--keys", "--paste", "x"), 2, "--paste")
	naWantErr(t, e.Run("send", "keep"), 2, "nothing to type")
	naWantErr(t, e.Run("send"), 2, "NAME")
	naWantErr(t, e.Run("send", "nosuch", "x"), 1, "nosuch")
	naWantErr(t, e.Run("wait", "keep", "--until", "a(b"), 2, `--until "a(b"`, "missing closing )")
	naWantErr(t, e.Run("wait", "keep", "--until", ""), 2, "--until")
	naWantErr(t, e.Run("wait", "keep", "--idle", "soon"), 2, `--idle "soon"`)
	naWantErr(t, e.Run("wait", "keep", "--idle", "0s"), 2, "--idle")
	naWantErr(t, e.Run("wait", "keep", "keep", "--idle", "1s"), 2, "one session")
	naWantErr(t, e.Run("wait", "keep", "--idle", "1s", "--until", "x"), 2, "not both")
	naWantErr(t, e.Run("wait", "keep", "--until", "x", "--json"), 2, "--json")

	big := strings.Repeat("a", 100<<10)
	naWantErr(t, e.Run("send", "keep", big, big, big, big, big, big), 2, "more than one send takes", "in parts")

	newDetached(t, e, "done", "true")
	if r := e.Run("wait", "done"); r.Code != 0 {
		t.Fatalf("wait done: %v", r)
	}
	naWantErr(t, e.Run("send", "done", "x"), 1, "done", "has ended")
}

// Over -H, through a real sshd: send types into a session on the host and
// wait --until sees it there.
func TestSendAndWaitUntilOverSSH(t *testing.T) {
	e := newEnv(t)
	s := startSSHD(t, e)
	run := func(args ...string) result {
		t.Helper()
		return e.RunEnv([]string{s.Env, "LINGER_SOCKET=/nonexistent/not-used.sock"}, append([]string{"-H", "ssh://" + s.Alias}, args...)...)
	}
	if r := run("new", "-d", "c", "--", "sh", "-c", "stty -echo; exec cat"); r.Code != 0 || r.Stdout != "c\n" {
		t.Fatalf("new -d over ssh: %v", r)
	}
	if r := run("send", "c", "over", "ssh", "--enter"); r.Code != 0 || r.Stdout != "" || r.Stderr != "" {
		t.Fatalf("send over ssh: %v", r)
	}
	if r := run("wait", "c", "--until", "^over ssh$", "--timeout", "20s"); r.Code != 0 || r.Stdout != "" || r.Stderr != "" {
		t.Fatalf("wait --until over ssh: %v\ncapture: %v", r, run("capture", "c"))
	}
	naWantErr(t, run("wait", "c", "--until", "never", "--timeout", "1s"), 124, "timed out")
	run("kill", "c")
}
