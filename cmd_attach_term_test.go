package main

// End-to-end tests of what an attached terminal is told and what its keys
// do: the read-only notice, the reason of a detach by --steal, and the
// detach key pressed twice; each in direct mode and in relay mode (stdout
// piped through cat, so the client relays).

import (
	"fmt"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// ttPTS is the name of tm's terminal as the programs on it see it: "pts/N".
func ttPTS(t *testing.T, tm *term) string {
	t.Helper()
	rc, err := tm.master.SyscallConn()
	if err != nil {
		t.Fatalf("pts of the harness terminal: %v", err)
	}
	n, ierr := -1, error(nil)
	if err := rc.Control(func(fd uintptr) { n, ierr = unix.IoctlGetInt(int(fd), unix.TIOCGPTN) }); err != nil || ierr != nil {
		t.Fatalf("pts of the harness terminal: %v %v", err, ierr)
	}
	return fmt.Sprintf("pts/%d", n)
}

// ttRelay starts `linger ARGS | cat`: stdout is not the terminal, so the
// client relays.
func ttRelay(e *env, cols, rows int, args ...string) *term {
	quoted := make([]string, len(args))
	for i, a := range args {
		quoted[i] = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
	}
	return e.StartCmd(cols, rows, []string{"sh", "-c", "exec " + lingerBin + " " + strings.Join(quoted, " ") + " | cat"}, nil)
}

// TestAttachStealSaysWhoTookIt: a client detached by --steal from another
// terminal says so, naming that terminal, in both modes.
func TestAttachStealSaysWhoTookIt(t *testing.T) {
	t.Parallel()
	for _, relay := range []bool{false, true} {
		t.Run(fmt.Sprintf("relay=%v", relay), func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			if r := e.Run(append([]string{"new", "-d", "x"}, naShSession...)...); r.Code != 0 {
				t.Fatalf("new -d: %v", r)
			}
			var owner *term
			if relay {
				owner = ttRelay(e, 80, 24, "attach", "x")
			} else {
				owner = e.Start(80, 24, "attach", "x")
			}
			naShRun(owner, `echo "o=$((6*7))"`, "o=42")
			thief := e.Start(80, 24, "attach", "--steal", "x")
			want := fmt.Sprintf("[detached (from session x: taken by %s)]", ttPTS(t, thief))
			naWaitLine(owner, want)
			if code := owner.WaitExit(); code != 0 {
				t.Errorf("stolen client: exit %d, want 0", code)
			}
			naShRun(thief, `echo "t=$((8*8))"`, "t=64")
			// a plain detach still says just that
			naDetachAndWait(t, thief, "x")
		})
	}
}

// TestAttachReadOnlyNotice: a read-only watcher is told once, in one line
// before the restore, that its keys are ignored and which key detaches;
// the restore does not wipe it (it is in the terminal's scrollback, above
// the restored screen). In both modes; the owner is told nothing.
func TestAttachReadOnlyNotice(t *testing.T) {
	t.Parallel()
	const notice = `[read-only: keys are ignored; ctrl-\ detaches]`
	for _, relay := range []bool{false, true} {
		t.Run(fmt.Sprintf("relay=%v", relay), func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			owner := naStartSession(t, e, 80, 24, naNewShellArgs("x")...)
			naShRun(owner, `echo "mark=$((6*7))"`, "mark=42")
			var w *term
			if relay {
				w = ttRelay(e, 80, 24, "attach", "-r", "x")
			} else {
				w = e.Start(80, 24, "attach", "-r", "x")
			}
			w.WaitText("mark=42")
			naShRun(owner, `echo "live=$((7*7))"`, "live=49")
			naWaitLine(w, "live=49")
			if n := strings.Count(string(w.Output()), notice); n != 1 {
				t.Errorf("the notice was written %d times, want once\n%s", n, w.describe())
			}
			all := append(w.History(), strings.Split(w.Screen(), "\n")...)
			at, mark := -1, -1
			for i, l := range all {
				if strings.TrimRight(l, " ") == notice {
					at = i
				}
				if mark < 0 && strings.Contains(l, "mark=42") {
					mark = i
				}
			}
			if at < 0 || at > mark {
				t.Errorf("want the notice (line %d) above the restored screen (mark at line %d)\n%q", at, mark, all)
			}
			if strings.Contains(string(owner.Output()), "read-only") {
				t.Errorf("the owner was told about read-only")
			}
			naDetachAndWait(t, w, "x")
		})
	}
}

// TestAttachDetachKeyTwice: the detach key pressed twice in a row goes to
// the program once (cat -v shows it as ^\), whether the two presses come
// in one read or two; pressed once, it still detaches. In both modes.
func TestAttachDetachKeyTwice(t *testing.T) {
	t.Parallel()
	for _, relay := range []bool{false, true} {
		t.Run(fmt.Sprintf("relay=%v", relay), func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			args := append([]string{"new", "k"}, naCatSession...)
			var tm *term
			if relay {
				tm = ttRelay(e, 80, 24, args...)
			} else {
				tm = e.Start(80, 24, args...)
			}
			naWaitLine(tm, "ready")
			tm.Type("a\x1c\x1cb\r")
			naWaitLine(tm, `a^\b`)
			tm.Type("\x1c")
			tm.Type("\x1c")
			tm.Type("c\r")
			naWaitLine(tm, `^\c`)
			if tm.Exited() {
				t.Fatalf("the key pressed twice detached")
			}
			naDetachAndWait(t, tm, "k")
		})
	}
}
