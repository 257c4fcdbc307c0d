package main

// End-to-end tests of screen restore on attach, capture, and terminal
// queries: real programs (vim, less, top, htop, sh) in sessions, clients in
// terminals the test owns. What a terminal shows is read through the
// harness's emulator (charmbracelet/x/vt), which nobody here wrote: the
// server's emulator (package vt) is checked against it, not against
// itself.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// rsView is what a terminal shows: the screen with attributes and colours,
// the cursor, and whether it is on the alternate screen.
type rsView struct {
	render string
	x, y   int
	alt    bool
}

func rsLook(tm *term) rsView {
	x, y := tm.Cursor()
	return rsView{tm.Render(), x, y, tm.AltScreen()}
}

// rsSettle waits until the program has stopped drawing (no output for
// 300ms) and returns what the terminal shows.
func rsSettle(t *testing.T, tm *term) rsView {
	t.Helper()
	n, since := -1, time.Now()
	poll(t, "the terminal to stop changing", harnessWait, func() bool {
		if m := len(tm.Output()); m != n {
			n, since = m, time.Now()
		}
		return time.Since(since) >= 300*time.Millisecond
	})
	return rsLook(tm)
}

// rsWaitView waits until tm shows exactly want.
func rsWaitView(t *testing.T, tm *term, want rsView, desc string) {
	t.Helper()
	if !pollQuiet(harnessWait, func() bool { return rsLook(tm) == want }) {
		got := rsLook(tm)
		t.Fatalf("%s: the terminal does not show what it should\n--- got (cursor %d,%d alt %v):\n%s\n--- want (cursor %d,%d alt %v):\n%s\n%s",
			desc, got.x, got.y, got.alt, got.render, want.x, want.y, want.alt, want.render, tm.describe())
	}
}

// rsNeed skips the test when a program is not installed.
func rsNeed(t *testing.T, prog string) {
	t.Helper()
	if _, err := exec.LookPath(prog); err != nil {
		t.Skipf("%s is not installed", prog)
	}
}

// rsFiles writes the files the programs show into e.Home.
func rsFiles(t *testing.T, e *env) {
	t.Helper()
	var code, text bytes.Buffer
	code.WriteString("package demo\n\n// Demo code for vim's syntax colours.\nimport \"fmt\"\n\n")
	for i := range 150 {
		fmt.Fprintf(&code, "func f%d(s string) int {\n\tfmt.Println(\"line %d\", s) // %s\n\treturn %d\n}\n\n", i, i, strings.Repeat("é漢", i%5), i)
	}
	for i := range 400 {
		fmt.Fprintf(&text, "\x1b[3%dmline %d\x1b[0m of the \x1b[1mtext\x1b[0m file, 漢字 and more words to fill it %s\n", i%8, i, strings.Repeat("x", i%60))
	}
	for name, b := range map[string][]byte{"demo.go": code.Bytes(), "text.txt": text.Bytes()} {
		if err := os.WriteFile(filepath.Join(e.Home, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

var rsVim = []string{"vim", "-u", "NONE", "-i", "NONE", "-N", "-n", "-c", "syntax on", "demo.go"}

// TestRestoreRoundTrip: a program draws in an attached terminal; the client
// detaches; a new client in a fresh terminal of the same size must show
// exactly the same thing (text, attributes, colours, cursor, alternate
// screen), drawn by the server from its emulator, without the program
// redrawing (same size: no SIGWINCH). The program then still works.
func TestRestoreRoundTrip(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name  string
		need  string
		argv  []string
		setup func(tm *term)               // make the program draw something
		after func(t *testing.T, tm *term) // use the restored session
	}{
		{name: "vim", need: "vim", argv: rsVim,
			setup: func(tm *term) {
				tm.WaitText("package demo")
				tm.Type(":set number\r")
				tm.Type("302Gzz")
				tm.WaitText("func f60(")
			},
			after: func(t *testing.T, tm *term) {
				tm.Type("ggdd")
				tm.WaitFor("vim to scroll to the top and delete a line", func(s string) bool {
					return tm.Line(0) == "  1" && strings.HasPrefix(tm.Line(1), "  2 // Demo code")
				})
			}},
		{name: "less", need: "less", argv: []string{"less", "-R", "text.txt"},
			setup: func(tm *term) {
				tm.WaitText("line 0 of")
				tm.Type("/line 250\r")
				tm.WaitText("line 260 of")
			},
			after: func(t *testing.T, tm *term) {
				tm.Type("g")
				tm.WaitFor("less to go to the top", func(s string) bool { return strings.HasPrefix(tm.Line(0), "line 0 of") })
			}},
		{name: "prompt-after-clear", argv: []string{"env", "PS1=$ ", "sh"},
			setup: func(tm *term) {
				naWaitPrompt(tm, "$ ")
				tm.Type("printf '\\033[1;32mgreen\\033[0m\\n'; clear\r")
				tm.WaitFor("the prompt alone at the top", func(s string) bool {
					x, y := tm.Cursor()
					return tm.Line(0) == "$" && x == 2 && y == 0
				})
			},
			after: func(t *testing.T, tm *term) {
				tm.Type("echo after\r")
				tm.WaitFor("the output on row 1", func(string) bool { return tm.Line(1) == "after" })
			}},
		{name: "top", need: "top", argv: []string{"top", "-d", "100"},
			setup: func(tm *term) { tm.WaitText("load average") },
			after: func(t *testing.T, tm *term) {
				tm.Type("q")
			}},
		{name: "htop", need: "htop", argv: []string{"htop", "-d", "1000"},
			setup: func(tm *term) { tm.WaitText("Load average") },
			after: func(t *testing.T, tm *term) {
				tm.Type("q")
			}},
		{name: "alternate-screen", argv: []string{"sh", "-c", `printf 'main text\n'; printf '\033[?1049h\033[H\033[2J\033[1;31mred alt\033[0m \033[38;2;1;2;3m\033[48;5;200mtrue\033[0m\033[5;10H'; exec cat >/dev/null`},
			setup: func(tm *term) { tm.WaitText("red alt true") }},
		{name: "unicode-and-wrap", argv: []string{"sh", "-c", `printf '\033[4mwide\033[0m 漢字かな 🙂👍🏽 e\314\201 %s\n\033[7m%s\033[0m' "$(seq -s ' ' 1 40)" "$(seq -s '' 1 30)"; exec cat >/dev/null`},
			setup: func(tm *term) { tm.WaitText("漢字") }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if tt.need != "" {
				rsNeed(t, tt.need)
			}
			e := newEnv(t)
			rsFiles(t, e)
			a := e.Start(80, 24, append([]string{"new", "x", "--"}, tt.argv...)...)
			tt.setup(a)
			want := rsSettle(t, a)
			a.Type("\x1c")
			if code := a.WaitExit(); code != 0 {
				t.Fatalf("detach: exit %d\n%s", code, a.describe())
			}

			b := e.Start(80, 24, "attach", "x")
			rsWaitView(t, b, want, "reattached")
			if tt.after != nil {
				tt.after(t, b)
			}
		})
	}
}

// TestRestoreMatchesDirectRun: a program that only ever ran detached,
// attached for the first time, shows what the same program shows when run
// directly in a terminal of that size.
func TestRestoreMatchesDirectRun(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name  string
		need  string
		argv  []string
		ready string
	}{
		{"vim", "vim", rsVim, "package demo"},
		{"less", "less", []string{"less", "-R", "text.txt"}, "line 0 of"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rsNeed(t, tt.need)
			e := newEnv(t)
			rsFiles(t, e)
			direct := e.StartCmd(80, 24, tt.argv, nil)
			direct.WaitText(tt.ready)
			want := rsSettle(t, direct)

			if r := e.Run(append([]string{"new", "-d", "--size", "80x24", "x", "--"}, tt.argv...)...); r.Code != 0 {
				t.Fatalf("new -d: %v", r)
			}
			poll(t, "the program to draw", harnessWait, func() bool {
				r := e.Run("capture", "x")
				return strings.Contains(r.Stdout, tt.ready)
			})
			b := e.Start(80, 24, "attach", "x")
			rsWaitView(t, b, want, "first attach")
		})
	}
}

// TestRestoreOtherSize: attaching from a terminal of another size resizes
// the session and its emulator; the program redraws for the new size and
// the terminal then shows what the program shows when run directly at
// that size. (less's last row, its prompt, says which command redrew it
// and is left out.)
func TestRestoreOtherSize(t *testing.T) {
	t.Parallel()
	rsNeed(t, "less")
	e := newEnv(t)
	rsFiles(t, e)
	argv := []string{"less", "-R", "text.txt"}
	direct := e.StartCmd(100, 30, argv, nil)
	direct.WaitText("line 0 of")
	rsSettle(t, direct)
	want := strings.Split(direct.Render(), "\n")

	a := e.Start(80, 24, append([]string{"new", "x", "--"}, argv...)...)
	a.WaitText("line 0 of")
	rsSettle(t, a)
	naDetachAndWait(t, a, "x")

	b := e.Start(100, 30, "attach", "x")
	if !pollQuiet(harnessWait, func() bool {
		got := strings.Split(b.Render(), "\n")
		return len(got) == 30 && strings.Join(got[:29], "\n") == strings.Join(want[:29], "\n")
	}) {
		t.Fatalf("at 100x30:\n--- got:\n%s\n--- want (less run directly):\n%s", b.Render(), direct.Render())
	}
	if r := e.Run("ls", "--json"); !strings.Contains(r.Stdout, `"cols": 100`) || !strings.Contains(r.Stdout, `"rows": 30`) {
		t.Errorf("the session was not resized: %s", r.Stdout)
	}
	// capture sees the new size too
	r := e.Run("capture", "--json", "x")
	var c struct{ Cols, Rows int }
	if err := json.Unmarshal([]byte(r.Stdout), &c); err != nil || c.Cols != 100 || c.Rows != 30 {
		t.Errorf("capture --json: %v %+v\n%v", err, c, r)
	}
}

// TestRestoreModes: the modes the program set are re-established on
// attach, and reset (with the alternate screen left and the title put
// back) on detach.
func TestRestoreModes(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	script := `printf 'main text\n\033]2;the title\007\033[?2004h\033[?1h\033=\033[?1000h\033[?1006h\033[?1004h\033[5 q\033[?25l\033[?1049hon alt'; exec cat >/dev/null`
	if r := e.Run("new", "-d", "x", "--", "sh", "-c", script); r.Code != 0 {
		t.Fatalf("new -d: %v", r)
	}
	poll(t, "the program to draw", harnessWait, func() bool { return strings.Contains(e.Run("capture", "x").Stdout, "on alt") })
	b := e.Start(80, 24, "attach", "x")
	b.WaitText("on alt")
	if !b.AltScreen() {
		t.Errorf("not on the alternate screen after attach")
	}
	set := []string{"\x1b]2;the title", "\x1b[?2004h", "\x1b[?1h", "\x1b=", "\x1b[?1000h", "\x1b[?1006h", "\x1b[?1004h", "\x1b[5 q", "\x1b[?25l", "\x1b[?1049h"}
	for _, s := range set {
		if !bytes.Contains(b.Output(), []byte(s)) {
			t.Errorf("attach did not re-establish %q", s)
		}
	}
	b.Type("\x1c")
	naWaitLine(b, "[detached (from session x)]")
	b.WaitExit()
	if b.AltScreen() {
		t.Errorf("still on the alternate screen after detach")
	}
	if b.Line(0) != "main text" {
		t.Errorf("the main screen under the alternate one was not restored: %q", b.Screen())
	}
	out := string(b.Output())
	tail := out[strings.LastIndex(out, "on alt"):]
	for _, s := range []string{"\x1b[?2004l", "\x1b[?1l", "\x1b>", "\x1b[?1000l", "\x1b[?1006l", "\x1b[?1004l", "\x1b[0 q", "\x1b[?25h", "\x1b[?1049l", "\x1b[23;0t"} {
		if !strings.Contains(tail, s) {
			t.Errorf("detach did not reset %q", s)
		}
	}
	if !strings.HasPrefix(out, "\x1b[22;0t") {
		t.Errorf("attach did not save the title first: %q", out[:min(len(out), 20)])
	}
}

// TestRestoreModesOfHistory: lines puts history in the terminal's own
// scrollback, screen does not, none replays the output as it was printed
// and makes the program redraw.
func TestRestoreModesOfHistory(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.WriteConfig("[configurations.default]\nscrollback_lines = 500\n")
	script := `trap 'echo WINCH' WINCH; seq 1 3000; while :; do sleep 0.05; done`
	for _, name := range []string{"lines", "screen", "none", "conf"} {
		if r := e.Run("new", "-d", "--size", "80x24", name, "--", "sh", "-c", script); r.Code != 0 {
			t.Fatalf("new -d: %v", r)
		}
	}
	poll(t, "the output", harnessWait, func() bool {
		return strings.Contains(e.Run("capture", "conf").Stdout, "3000")
	})

	// lines (from the configuration: the default), then --restore lines
	for _, args := range [][]string{{"attach", "conf"}, {"attach", "--restore", "lines", "lines"}} {
		b := e.Start(80, 24, args...)
		b.WaitFor("the last lines", func(string) bool { return b.Line(22) == "3000" && b.Line(0) == "2978" })
		poll(t, "500 lines of history", harnessWait, func() bool { h := b.History(); return len(h) >= 500 && h[len(h)-1] == "2977" })
		h := b.History()
		if got := h[len(h)-500]; got != "2478" {
			t.Errorf("%v: history starts at %q, want 2478 (500 lines)", args, got)
		}
		naDetachAndWait(t, b, args[len(args)-1])
	}

	b := e.Start(80, 24, "attach", "--restore", "screen", "screen")
	b.WaitFor("the last lines", func(string) bool { return b.Line(22) == "3000" && b.Line(0) == "2978" })
	if h := b.History(); len(h) != 0 {
		t.Errorf("--restore screen wrote %d lines of history", len(h))
	}
	naDetachAndWait(t, b, "screen")

	b = e.Start(80, 24, "attach", "--restore", "none", "none")
	b.WaitText("WINCH")
	out := string(b.Output())
	if !strings.Contains(out, "\n1\r\n2\r\n") && !strings.Contains(out, "1\r\n2\r\n3\r\n") {
		t.Errorf("--restore none did not replay the output from its start: %q", out[:min(len(out), 200)])
	}
	if strings.Contains(out, "\x1b[2J") {
		t.Errorf("--restore none drew the screen")
	}
	naDetachAndWait(t, b, "none")

	if r := e.Run("attach", "--restore", "all", "none"); r.Code != 2 || !strings.Contains(r.Stderr, `--restore: invalid restore mode "all" (expected: lines|screen|none)`) {
		t.Errorf("bad --restore: %v", r)
	}
}

// TestQueriesWhileDetached: a program that asks the terminal (DA, CPR)
// while no client is attached gets answers from the server and goes on.
func TestQueriesWhileDetached(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	script := `stty raw -echo; printf '\033[c'; da=$(head -c 9); printf '\033[3;7H\033[6n'; cpr=$(head -c 6); stty sane; printf '\nDA=%s CPR=%s\n' "$(printf %s "$da" | tr -d '\033')" "$(printf %s "$cpr" | tr -d '\033')"; exec sleep 1000`
	if r := e.Run("new", "-d", "q", "--", "sh", "-c", script); r.Code != 0 {
		t.Fatalf("new -d: %v", r)
	}
	poll(t, "the program to get its answers", harnessWait, func() bool {
		return strings.Contains(e.Run("capture", "q").Stdout, "DA=[?62;22c CPR=[3;7R")
	})
}

// TestQueriesWhileAttached: while a client is attached its terminal answers
// and the server does not: the program reads exactly one answer.
func TestQueriesWhileAttached(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	script := `stty raw -echo; echo ready; head -c 1 >/dev/null; printf '\033[c'; sleep 1; stty -icanon min 0 time 10; ans=$(dd bs=100 count=1 2>/dev/null | od -An -c | tr -d ' \n'); stty sane; echo; echo "answers=$ans"; exec sleep 1000`
	a := e.Start(80, 24, "new", "x", "--", "sh", "-c", script)
	a.WaitText("ready")
	a.Type("g")
	a.WaitText("answers=")
	got := a.Screen()
	if n := strings.Count(got, "033["); n != 1 {
		t.Errorf("the program got %d answers to one DA query, want 1:\n%s", n, got)
	}
}

// TestCapture: capture prints the screen, with escapes, history and JSON,
// of any session, and changes nothing.
func TestCapture(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	script := `seq 1 30; printf '\033[1;31mred\033[0m 漢字\n'; printf 'tail'; exec sleep 1000`
	if r := e.Run("new", "-d", "--size", "40x10", "c", "--", "sh", "-c", script); r.Code != 0 {
		t.Fatalf("new -d: %v", r)
	}
	var r result
	poll(t, "the output", harnessWait, func() bool { r = e.Run("capture", "c"); return strings.Contains(r.Stdout, "tail") })
	want := "23\n24\n25\n26\n27\n28\n29\n30\nred 漢字\ntail\n"
	if r.Code != 0 || r.Stdout != want {
		t.Errorf("capture: %v\nwant stdout %q", r, want)
	}
	if r := e.Run("capture", "-e", "c"); !strings.Contains(r.Stdout, "\x1b[1;31mred\x1b[0m 漢字\n") {
		t.Errorf("capture -e: %q", r.Stdout)
	}
	if r := e.Run("capture", "--scrollback", "3", "c"); !strings.HasPrefix(r.Stdout, "20\n21\n22\n23\n") {
		t.Errorf("capture --scrollback 3: %q", r.Stdout)
	}
	r = e.Run("capture", "--json", "--scrollback", "100", "c")
	var c struct {
		Session    string
		Cols, Rows int
		Cursor     struct{ X, Y int }
		History    []string
		Screen     []string
	}
	if err := json.Unmarshal([]byte(r.Stdout), &c); err != nil {
		t.Fatalf("capture --json: %v\n%v", err, r)
	}
	if c.Session != "c" || c.Cols != 40 || c.Rows != 10 || c.Cursor.X != 4 || c.Cursor.Y != 9 ||
		len(c.History) != 22 || c.History[0] != "1" || len(c.Screen) != 10 || c.Screen[8] != "red 漢字" {
		t.Errorf("capture --json: %+v", c)
	}
	// nothing consumed: receive still gets all the output
	if r := e.Run("receive", "c"); !strings.HasPrefix(r.Stdout, "1\r\n2\r\n") || !strings.HasSuffix(r.Stdout, "tail") {
		t.Errorf("receive after capture: %q", r.Stdout)
	}

	// attached elsewhere: capture works and does not disturb the client
	a := e.Start(40, 10, "attach", "c")
	a.WaitText("tail")
	if r := e.Run("capture", "c"); r.Code != 0 || !strings.Contains(r.Stdout, "tail") {
		t.Errorf("capture of an attached session: %v", r)
	}
	if a.Exited() {
		t.Errorf("capture detached the client")
	}
	naDetachAndWait(t, a, "c")

	// bad input
	for _, tt := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"capture", "nope"}, 1, `linger: no session named "nope" (try 'linger ls')`},
		{[]string{"capture", "--scrollback", "-1", "c"}, 2, "linger: --scrollback: invalid number of lines -1 (expected: 0 or more)"},
		{[]string{"capture"}, 2, "linger: capture takes one session NAME or ID"},
	} {
		if r := e.Run(tt.args...); r.Code != tt.code || !strings.Contains(r.Stderr, tt.msg) {
			t.Errorf("%q: %v\nwant exit %d and %q", tt.args, r, tt.code, tt.msg)
		}
	}
}

// TestRestoreAfterBurst: a client watches a program pour out megabytes of
// lines (the emulator then skips most of them, vt.FastForward, fed
// lazily); the history and screen kept must still be exactly the last
// lines, with their colours, and a new client must see what the first one
// saw. (1.5 MB: twice what waits for the emulator, lazyFeed.)
func TestRestoreAfterBurst(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var text bytes.Buffer
	var lines []string
	for i := 0; text.Len() < 3<<19; i++ { // 1.5 MB: twice the emulator's lazy backlog
		l := fmt.Sprintf("L%07d %s", i, strings.Repeat("abcdefgh", i%8))
		if i%5 == 0 {
			l += " 漢字é"
		}
		lines = append(lines, l)
		if i%3 == 0 {
			fmt.Fprintf(&text, "\x1b[1;3%dm%s\x1b[0m\n", i%8, l)
		} else {
			text.WriteString(l + "\n")
		}
	}
	if err := os.WriteFile(filepath.Join(e.Home, "burst.txt"), text.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	a := e.Start(80, 24, "new", "b", "--", "sh", "-c", `cat burst.txt; printf '\033[32mDONE'; exec sleep 1000`)
	a.Timeout = 60 * time.Second // the terminal's emulator takes its time under -race
	a.WaitText("DONE")
	want := rsSettle(t, a)

	// capture: the last 2000 lines of history (scrollback_lines), then
	// the screen: 23 lines and DONE.
	r := e.Run("capture", "--scrollback", "5000", "b")
	kept := slices.Clone(lines[len(lines)-2023:])
	for i, l := range kept {
		kept[i] = strings.TrimRight(l, " ") // capture trims the blanks ending a row
	}
	exp := strings.Join(kept, "\n") + "\nDONE\n"
	if r.Code != 0 || r.Stdout != exp {
		got, wl := strings.Split(r.Stdout, "\n"), strings.Split(exp, "\n")
		for i := range min(len(got), len(wl)) {
			if got[i] != wl[i] {
				t.Fatalf("capture after the burst (exit %d, stderr %q): line %d of %d is %q, want %q", r.Code, r.Stderr, i, len(got), got[i], wl[i])
			}
		}
		t.Fatalf("capture after the burst: %d lines, want %d", len(got), len(wl))
	}
	last := len(lines) - 1
	wantSGR := lines[last]
	if last%3 == 0 {
		wantSGR = fmt.Sprintf("\x1b[1;3%dm%s", last%8, lines[last])
	}
	if r := e.Run("capture", "-e", "b"); !strings.Contains(r.Stdout, wantSGR) || !strings.Contains(r.Stdout, "\x1b[32mDONE") {
		t.Errorf("capture -e: the last line or DONE lost its colours:\n%q", r.Stdout[max(0, len(r.Stdout)-300):])
	}

	naDetachAndWait(t, a, "b")
	b := e.Start(80, 24, "attach", "b")
	rsWaitView(t, b, want, "attach after the burst")
}
