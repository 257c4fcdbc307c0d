package main

// End-to-end tests of `linger new` (and the helpers cmd_attach_test.go
// shares): the real binary, a private server per test, real ptys.

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"linger/socket"
)

// naKeepServer starts a detached session "keep", so the server does not exit
// (exit_when_empty) when the sessions a test is about are gone.
func naKeepServer(t *testing.T, e *env) {
	t.Helper()
	if r := e.Run("new", "-d", "keep", "--", "sleep", "100"); r.Code != 0 || r.Stdout != "keep\n" {
		t.Fatalf("new -d keep: %v", r)
	}
}

// naShSession is the session command of most tests: /bin/sh with prompt "$ ".
var naShSession = []string{"--", "env", "PS1=$ ", "sh"}

// naNewShellArgs is `new [flags] [NAME] -- env PS1='$ ' sh`.
func naNewShellArgs(name string, flags ...string) []string {
	args := append([]string{"new"}, flags...)
	if name != "" {
		args = append(args, name)
	}
	return append(args, naShSession...)
}

// naHasLine reports whether screen has a row that is exactly line.
func naHasLine(screen, line string) bool {
	for _, l := range strings.Split(screen, "\n") {
		if l == line {
			return true
		}
	}
	return false
}

// naWaitLine waits until a row of the screen is exactly line.
func naWaitLine(tm *term, line string) {
	tm.t.Helper()
	tm.WaitFor("a row that is exactly "+strconv.Quote(line), func(s string) bool { return naHasLine(s, line) })
}

// naWaitPrompt waits until the row holding the cursor is exactly prompt (with
// trailing spaces trimmed, as Screen does), i.e. the shell waits for input.
func naWaitPrompt(tm *term, prompt string) {
	tm.t.Helper()
	want := strings.TrimRight(prompt, " ")
	tm.WaitFor("the prompt "+strconv.Quote(prompt)+" on the cursor's row", func(string) bool {
		_, y := tm.Cursor()
		return tm.Line(y) == want
	})
}

// naShRun types cmd and Enter and waits for a row that is exactly want, or
// a prompt ("...$ ") followed by want: a shell just started in a detached
// naSession may print its first prompt only after the echo of what was typed
// ahead. Write cmd so that its echo does not contain want (split words with
// quotes).
func naShRun(tm *term, cmd, want string) {
	tm.t.Helper()
	tm.Type(cmd + "\r")
	tm.WaitFor("a row that is "+strconv.Quote(want)+" (after a prompt or not)", func(s string) bool {
		for _, l := range strings.Split(s, "\n") {
			if l == want || strings.HasSuffix(l, "$ "+want) {
				return true
			}
		}
		return false
	})
}

// naStartSession runs `linger ARGS` on a cols x rows terminal and waits for
// the session shell's "$ " prompt.
func naStartSession(t *testing.T, e *env, cols, rows int, args ...string) *term {
	t.Helper()
	tm := e.Start(cols, rows, args...)
	naWaitPrompt(tm, "$ ")
	return tm
}

// naStartOuter starts an interactive /bin/sh with prompt "outer$ ", the shell a
// user would run linger from.
func naStartOuter(t *testing.T, e *env, cols, rows int) *term {
	t.Helper()
	tm := e.StartCmd(cols, rows, []string{"/bin/sh", "-i"}, []string{"PS1=outer$ "})
	naWaitPrompt(tm, "outer$ ")
	return tm
}

// naCheckTTYRestored runs stty -a in the outer shell and fails unless the
// terminal is back in cooked mode (icanon, echo, isig on).
func naCheckTTYRestored(t *testing.T, outer *term) {
	t.Helper()
	outer.Type("stty -a | tr ' ' '\\n' | grep -x -e icanon -e -icanon -e echo -e -echo -e isig -e -isig; echo 'tty''-checked'\r")
	naWaitLine(outer, "tty-checked")
	scr := outer.Screen()
	for _, flag := range []string{"icanon", "echo", "isig"} {
		if !naHasLine(scr, flag) || naHasLine(scr, "-"+flag) {
			t.Fatalf("terminal not restored after the client left: stty -a should show %q, not %q\n%s", flag, "-"+flag, outer.describe())
		}
	}
	naWaitPrompt(outer, "outer$ ")
}

// naWaitFileLine polls until path holds one complete line and returns it
// without the newline.
func naWaitFileLine(t *testing.T, path string) string {
	t.Helper()
	var s string
	poll(t, "a line in "+path, harnessWait, func() bool {
		b, err := os.ReadFile(path)
		s = string(b)
		return err == nil && strings.HasSuffix(s, "\n")
	})
	return strings.TrimSuffix(s, "\n")
}

// naLsJSON is `linger ls --json`, decoded.
// deref is *p, "" for nil (ls --json's optional strings are null).
func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func naLsJSON(t *testing.T, e *env) []socket.SessionInfo {
	t.Helper()
	r := e.Run("ls", "--json")
	if r.Code != 0 {
		t.Fatalf("linger ls --json: %v", r)
	}
	var list []socket.SessionInfo
	if err := json.Unmarshal([]byte(r.Stdout), &list); err != nil {
		t.Fatalf("linger ls --json: %v\n%v", err, r)
	}
	return list
}

// naSession finds name in list.
func naSession(list []socket.SessionInfo, name string) *socket.SessionInfo {
	for i := range list {
		if list[i].Name == name {
			return &list[i]
		}
	}
	return nil
}

// naWaitSession polls ls --json until name is listed and cond holds for it.
func naWaitSession(t *testing.T, e *env, name, desc string, cond func(s *socket.SessionInfo) bool) socket.SessionInfo {
	t.Helper()
	var got *socket.SessionInfo
	var list []socket.SessionInfo
	ok := pollQuiet(harnessWait, func() bool {
		list = naLsJSON(t, e)
		got = naSession(list, name)
		return got != nil && cond(got)
	})
	if !ok {
		t.Fatalf("timed out waiting for session %q to be %s; ls --json: %+v", name, desc, list)
	}
	return *got
}

// naWantErr checks a failed run: exit code, empty stdout, and one stderr line
// "linger: ..." containing every want.
func naWantErr(t *testing.T, r result, code int, want ...string) {
	t.Helper()
	if r.Code != code {
		t.Errorf("exit code %d, want %d\n%v", r.Code, code, r)
	}
	if r.Stdout != "" {
		t.Errorf("stdout should be empty on an error\n%v", r)
	}
	if !strings.HasPrefix(r.Stderr, "linger: ") || !strings.HasSuffix(r.Stderr, "\n") || strings.Count(r.Stderr, "\n") != 1 {
		t.Errorf("stderr should be one line starting with \"linger: \"\n%v", r)
	}
	for _, w := range want {
		if !strings.Contains(r.Stderr, w) {
			t.Errorf("stderr should contain %q\n%v", w, r)
		}
	}
}

// ---------------------------------------------------------------------------

func TestNewAttachesAndSetsEnvironment(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tm := naStartSession(t, e, 120, 24, naNewShellArgs("w")...)
	naShRun(tm, `echo "name=$LINGER_SESSION id=$LINGER_SESSION_ID"`, "name=w id=1")
	naShRun(tm, `echo "sock=$LINGER_SOCKET"`, "sock="+e.Sock)
	naShRun(tm, `echo "term=$TERM"`, "term=xterm-256color")
	// typed input reaches the program and its output comes back as is
	naShRun(tm, `printf 'a%sc\n' "$((40+2))"`, "a42c")
	if tm.Exited() {
		t.Fatalf("client exited while the session runs\n%s", tm.describe())
	}
	s := naWaitSession(t, e, "w", "listed as attached", func(s *socket.SessionInfo) bool { return s.Clients == 1 })
	if s.State != "Disconnected" || s.Availability != "Busy" {
		t.Errorf("ls from another terminal: state %s/%s, want Disconnected/Busy", s.State, s.Availability)
	}
}

func TestNewWithoutNamePicksOne(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tm := naStartSession(t, e, 80, 24, "new", "--", "env", "PS1=$ ", "sh")
	naShRun(tm, `echo "name=$LINGER_SESSION"`, "name=s1")
	r := e.Run("new", "-d", "--", "sleep", "100")
	if r.Code != 0 || r.Stdout != "s2\n" {
		t.Fatalf("new -d without a name: want stdout \"s2\\n\"\n%v", r)
	}
	list := naLsJSON(t, e)
	if len(list) != 2 || naSession(list, "s1") == nil || naSession(list, "s2") == nil {
		t.Fatalf("ls: want sessions s1 and s2, got %+v", list)
	}
}

func TestNewDetachedPrintsNameAndKeepsRunning(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := e.Run("new", "-d", "job", "--", "sh", "-c", `echo "$LINGER_SESSION $LINGER_SESSION_ID" > "$HOME/out"; sleep 100`)
	if r.Code != 0 || r.Stdout != "job\n" || r.Stderr != "" {
		t.Fatalf("new -d job: want stdout \"job\\n\" and exit 0\n%v", r)
	}
	if got := naWaitFileLine(t, filepath.Join(e.Home, "out")); got != "job 1" {
		t.Errorf("inside the session: LINGER_SESSION LINGER_SESSION_ID = %q, want \"job 1\"", got)
	}
	s := naWaitSession(t, e, "job", "listed", func(*socket.SessionInfo) bool { return true })
	if s.State != "Disconnected" || s.Availability != "None" || s.Clients != 0 {
		t.Errorf("detached session: %+v, want Disconnected/None with no client", s)
	}
	if len(s.Command) != 3 || s.Command[0] != "sh" {
		t.Errorf("command %q, want sh -c ...", s.Command)
	}
}

func TestNewDetachedSize(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	prog := func(file string) []string {
		return []string{"--", "sh", "-c", `stty size > "$HOME/` + file + `"; sleep 100`}
	}
	// no terminal: 80x24
	if r := e.Run(append([]string{"new", "-d", "plain"}, prog("plain")...)...); r.Code != 0 {
		t.Fatalf("new -d: %v", r)
	}
	// --size
	if r := e.Run(append([]string{"new", "-d", "--size", "100x30", "sized"}, prog("sized")...)...); r.Code != 0 {
		t.Fatalf("new -d --size: %v", r)
	}
	// from a terminal: its size
	tm := e.Start(132, 43, append([]string{"new", "-d", "fromtty"}, prog("fromtty")...)...)
	if code := tm.WaitExit(); code != 0 {
		t.Fatalf("new -d from a terminal: exit %d\n%s", code, tm.describe())
	}
	naWaitLine(tm, "fromtty")
	for file, want := range map[string]string{"plain": "24 80", "sized": "30 100", "fromtty": "43 132"} {
		if got := naWaitFileLine(t, filepath.Join(e.Home, file)); got != want {
			t.Errorf("session %s: stty size = %q, want %q", file, got, want)
		}
	}
	if s := naSession(naLsJSON(t, e), "sized"); s == nil || s.Size.Cols != 100 || s.Size.Rows != 30 {
		t.Errorf("ls: session sized should be 100x30: %+v", s)
	}
}

func TestNewEnvCwdAndTerm(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	sub := filepath.Join(e.Home, "sub dir")
	if err := os.Mkdir(sub, 0o700); err != nil {
		t.Fatal(err)
	}
	script := `printf '%s|%s|%s|%s\n' "$FOO" "$BAR" "$(pwd -P)" "$TERM" > "$HOME/out"; sleep 100`
	r := e.RunEnv([]string{"TERM=vt100", "BAR=from-client"},
		"new", "-d", "-e", "FOO=a=b", "-e", "BAR=from-flag", "--cwd", "sub dir", "x", "--", "sh", "-c", script)
	if r.Code != 0 {
		t.Fatalf("new -d: %v", r)
	}
	real, err := filepath.EvalSymlinks(sub)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := naWaitFileLine(t, filepath.Join(e.Home, "out")), "a=b|from-flag|"+real+"|vt100"; got != want {
		t.Errorf("inside the session: %q, want %q", got, want)
	}
	// a client without TERM: the session gets xterm-256color
	r = e.RunEnv([]string{"TERM="}, "new", "-d", "y", "--", "sh", "-c", `echo "$TERM" > "$HOME/term"; sleep 100`)
	if r.Code != 0 {
		t.Fatalf("new -d: %v", r)
	}
	if got := naWaitFileLine(t, filepath.Join(e.Home, "term")); got != "xterm-256color" {
		t.Errorf("TERM without one in the client = %q, want xterm-256color", got)
	}
}

func TestNewAttachedEnvFlagAndCwd(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	if err := os.Mkdir(filepath.Join(e.Home, "sub"), 0o700); err != nil {
		t.Fatal(err)
	}
	tm := naStartSession(t, e, 120, 24, "new", "-e", "PS1=$ ", "-e", "FOO=bar", "--cwd", "sub", "w", "--", "sh")
	real, _ := filepath.EvalSymlinks(filepath.Join(e.Home, "sub"))
	naShRun(tm, `echo "foo=$FOO"`, "foo=bar")
	naShRun(tm, `echo "cwd=$(pwd -P)"`, "cwd="+real)
	// attached: the session has the terminal's size
	naShRun(tm, `echo "size=$(stty size)"`, "size=24 120")
}

func TestNewAttachIfExists(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	if r := e.Run("new", "-d", "x", "--", "env", "PS1=$ ", "MARK=first", "sh"); r.Code != 0 {
		t.Fatalf("new -d: %v", r)
	}
	// -d -A on an existing session: prints its name, creates nothing
	if r := e.Run("new", "-d", "-A", "x", "--", "sleep", "100"); r.Code != 0 || r.Stdout != "x\n" {
		t.Fatalf("new -d -A x (exists): want exit 0 and \"x\\n\"\n%v", r)
	}
	if list := naLsJSON(t, e); len(list) != 1 {
		t.Fatalf("new -d -A x created a session: %+v", list)
	}
	// -A attaches to the existing one (its command is not run)
	tm := e.Start(80, 24, "new", "-A", "x", "--", "env", "PS1=$ ", "MARK=second", "sh")
	naShRun(tm, `echo "mark=$MARK"`, "mark=first")
	tm.Type("\x1c")
	naWaitLine(tm, "[detached (from session x)]")
	if code := tm.WaitExit(); code != 0 {
		t.Errorf("detach: exit %d, want 0", code)
	}
	// -A creates it when missing
	tm = naStartSession(t, e, 80, 24, "new", "-A", "y", "--", "env", "PS1=$ ", "MARK=new", "sh")
	naShRun(tm, `echo "mark=$MARK"`, "mark=new")
	// without -A an existing name is refused
	tm2 := e.Start(200, 24, "new", "x")
	if code := tm2.WaitExit(); code != 1 {
		t.Errorf("new x (exists): exit %d, want 1", code)
	}
	tm2.WaitText(`linger: session "x" already exists`)
}

func TestNewDetachKeyDefaultRestoresTerminal(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	outer := naStartOuter(t, e, 100, 40)
	outer.Type(`linger new w -- env 'PS1=$ ' sh` + "\r")
	naWaitPrompt(outer, "$ ")
	naShRun(outer, `echo "in=$LINGER_SESSION"`, "in=w")
	outer.Type("\x1c")
	naWaitLine(outer, "[detached (from session w)]")
	naWaitPrompt(outer, "outer$ ")
	naShRun(outer, `echo "rc=$?"`, "rc=0")
	naCheckTTYRestored(t, outer)
	s := naWaitSession(t, e, "w", "detached", func(s *socket.SessionInfo) bool { return s.Clients == 0 })
	if s.State != "Disconnected" || s.Availability != "None" {
		t.Errorf("after detach: %s/%s, want Disconnected/None", s.State, s.Availability)
	}
}

// naCatSession shows the bytes it receives: no echo, no signals from keys, and
// cat -v renders 0x1c as ^\. It prints "ready" once it is set up and
// "attached" on SIGWINCH, which an attach with --restore none sends: output
// on the screen proves the client is attached and its terminal raw (typing
// Ctrl-\ before that would SIGQUIT the client through the cooked tty).
var naCatSession = []string{"--", "sh", "-c", `stty -isig -echo; sh -c 'trap "echo attached" WINCH; echo ready; while :; do sleep 0.05; done' & exec cat -v`}

func TestNewDetachKeyFlag(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		spec string
		key  string
	}{
		{"ctrl-a", "\x01"},
		{"^]", "\x1d"},
		{"CTRL-B", "\x02"},
	} {
		t.Run(tt.spec, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			tm := e.Start(80, 24, append([]string{"new", "--detach-key", tt.spec, "k"}, naCatSession...)...)
			naWaitLine(tm, "ready")
			// Ctrl-\ is now an ordinary key: it reaches the program
			tm.Type("a\x1cb\r")
			naWaitLine(tm, `a^\b`)
			if tm.Exited() {
				t.Fatalf("Ctrl-\\ detached although the detach key is %s\n%s", tt.spec, tm.describe())
			}
			tm.Type(tt.key)
			naWaitLine(tm, "[detached (from session k)]")
			if code := tm.WaitExit(); code != 0 {
				t.Errorf("exit %d after the detach key, want 0", code)
			}
		})
	}
}

func TestNewDetachKeyNone(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tm := e.Start(80, 24, append([]string{"new", "--detach-key", "none", "k"}, naCatSession...)...)
	naWaitLine(tm, "ready")
	tm.Type("x\x1cy\r")
	naWaitLine(tm, `x^\y`)
	tm.Type("\x1c\x1c\r")
	naWaitLine(tm, `^\^\`)
	if tm.Exited() {
		t.Fatalf("the client left with --detach-key none\n%s", tm.describe())
	}
	// end cat: the session's end is the way out
	tm.Type("\x04")
	naWaitLine(tm, "[exited (status 0)]")
	if code := tm.WaitExit(); code != 0 {
		t.Errorf("exit %d, want 0", code)
	}
}

func TestNewDetachKeyFromConfig(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.WriteConfig("[server]\ndetach_key = \"ctrl-b\"\n")
	tm := e.Start(80, 24, append([]string{"new", "k"}, naCatSession...)...)
	naWaitLine(tm, "ready")
	tm.Type("p\x1cq\r")
	naWaitLine(tm, `p^\q`)
	tm.Type("\x02")
	naWaitLine(tm, "[detached (from session k)]")
	if code := tm.WaitExit(); code != 0 {
		t.Errorf("exit %d, want 0", code)
	}
	// --detach-key wins over the configuration
	tm = e.Start(80, 24, "attach", "--restore", "none", "--detach-key", "ctrl-\\", "k")
	naWaitLine(tm, "attached")
	tm.Type("r\x02s\r")
	naWaitLine(tm, "r^Bs")
	tm.Type("\x1c")
	naWaitLine(tm, "[detached (from session k)]")
	if code := tm.WaitExit(); code != 0 {
		t.Errorf("exit %d, want 0", code)
	}
}

func TestNewCommandExitStatus(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name, script, msg string
		code              int
	}{
		{"status", "echo 'go''ing'; exit 3", "[exited (status 3)]", 3},
		{"zero", "echo 'go''ing'", "[exited (status 0)]", 0},
		{"signal", "echo 'go''ing'; kill -TERM $$", "[exited (signal 15)]", 143},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			naKeepServer(t, e)
			tm := e.Start(80, 24, "new", "x", "--", "sh", "-c", tt.script)
			code := tm.WaitExit()
			naWaitLine(tm, "going")
			naWaitLine(tm, tt.msg)
			if code != tt.code {
				t.Errorf("client exit %d, want %d", code, tt.code)
			}
			// the session is gone with its command
			poll(t, "the session to be removed", harnessWait, func() bool { return naSession(naLsJSON(t, e), "x") == nil })
		})
	}
}

func TestNewNested(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tm := naStartSession(t, e, 200, 30, naNewShellArgs("w")...)
	if r := e.Run("new", "-d", "other", "--", "sleep", "100"); r.Code != 0 {
		t.Fatalf("new -d: %v", r)
	}
	msg := `linger: already inside session "w": sessions should be nested with care (use --nest, or unset LINGER_SESSION)`
	naShRun(tm, `linger new x; echo "rc1=$?"`, "rc1=2")
	naShRun(tm, `linger attach other; echo "rc2=$?"`, "rc2=2")
	if n := strings.Count(tm.Screen(), msg); n != 2 {
		t.Errorf("want the nesting message twice, got %d\n%s", n, tm.describe())
	}
	// -d is allowed inside a session
	naShRun(tm, `linger new -d inner -- sleep 100; echo "rc=$?"`, "rc=0")
	if !naHasLine(tm.Screen(), "inner") {
		t.Errorf("new -d inside a session should print the name\n%s", tm.describe())
	}
	if list := naLsJSON(t, e); naSession(list, "x") != nil || naSession(list, "inner") == nil {
		t.Errorf("ls: want inner and no x: %+v", list)
	}
	// --nest allows it; the inner session ends back in the outer one
	tm.Type(`linger new --nest n -- env 'PS1=n$ ' sh` + "\r")
	naWaitPrompt(tm, "n$ ")
	naShRun(tm, `echo "in=$LINGER_SESSION"`, "in=n")
	tm.Type("exit 4\r")
	naWaitLine(tm, "[exited (status 4)]")
	naWaitPrompt(tm, "$ ")
	naShRun(tm, `echo "back=$LINGER_SESSION"`, "back=w")
}

func TestNewErrors(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	// a session that keeps the server up, so "nothing half-created" is visible
	naKeepServer(t, e)
	long := strings.Repeat("a", 65)
	for _, tt := range []struct {
		args []string
		code int
		want []string
	}{
		{[]string{"new", "x"}, 1, []string{"attaching needs a terminal"}},
		{[]string{"new", "-d", "123"}, 2, []string{`"123"`, "all digits"}},
		{[]string{"new", "-d", "a b"}, 2, []string{`"a b"`, "whitespace"}},
		{[]string{"new", "-d", "a/b"}, 2, []string{`"a/b"`, "'/'"}},
		{[]string{"new", "-d", long}, 2, []string{"too long", "65"}},
		{[]string{"new", "-d", "keep"}, 1, []string{`session "keep" already exists`}},
		{[]string{"new", "-d", "-e", "FOO", "x"}, 2, []string{`-e "FOO": expected KEY=VALUE`}},
		{[]string{"new", "-d", "-e", "=v", "x"}, 2, []string{"expected KEY=VALUE"}},
		{[]string{"new", "-d", "--size", "10", "x"}, 2, []string{`--size "10"`, "COLSxROWS"}},
		{[]string{"new", "-d", "--size", "0x10", "x"}, 2, []string{"COLSxROWS"}},
		{[]string{"new", "-d", "--size", "axb", "x"}, 2, []string{"COLSxROWS"}},
		{[]string{"new", "-d", "-C", "nope", "x"}, 1, []string{`no configuration named "nope"`, "default"}},
		{[]string{"new", "-d", "x", "--", "nosuchcmd"}, 1, []string{`cannot start "nosuchcmd": executable file not found in $PATH`}},
		{[]string{"new", "-d", "--cwd", "/no/such/dir", "x"}, 1, []string{`--cwd "/no/such/dir"`, "no such directory"}},
		{[]string{"new", "-d", "--cwd", "/etc/passwd", "x"}, 1, []string{"not a directory"}},
		{[]string{"new", "a", "b"}, 2, []string{"linger new a -- b"}},
		{[]string{"new", "-d", "a", "b", "--", "sh"}, 2, []string{"one NAME"}},
		{[]string{"new", "-d", "x", "--"}, 2, []string{"nothing after --"}},
		{[]string{"new", "-d", "-A"}, 2, []string{"-A needs a session NAME"}},
	} {
		r := e.Run(tt.args...)
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) { naWantErr(t, r, tt.code, tt.want...) })
	}
	list := naLsJSON(t, e)
	if len(list) != 1 || list[0].Name != "keep" {
		t.Errorf("failed news left sessions behind: %+v", list)
	}
}

// Unknown flags are usage errors: exit 2 and one "linger: " line, like
// every other usage error (not urfave/cli's help dump and exit 1).
func TestNewUnknownFlagIsUsageError(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	naWantErr(t, e.Run("new", "-d", "--bogus", "x"), 2, "bogus")
}

func TestNewMissingCommandAttached(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	naKeepServer(t, e)
	tm := e.Start(200, 24, "new", "x", "--", "nosuchcmd")
	if code := tm.WaitExit(); code != 1 {
		t.Errorf("exit %d, want 1", code)
	}
	naWaitLine(tm, `linger: cannot start "nosuchcmd": executable file not found in $PATH`)
	if list := naLsJSON(t, e); len(list) != 1 || list[0].Name != "keep" {
		t.Errorf("a session was left behind: %+v", list)
	}
	// the terminal was never touched: no bracketed line
	if strings.Contains(tm.Screen(), "[") {
		t.Errorf("unexpected output\n%s", tm.describe())
	}
}

// The first `new` of a fresh server fails: the server, now empty, exits
// (exit_when_empty), but the client must still get the reason, not "lost
// connection to the server". Repeated because the loss is a race.
func TestNewMissingCommandOnFreshServer(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	const attempts = 15
	for i := 0; i < attempts; i++ {
		r := e.Run("new", "-d", "x", "--", "nosuchcmd")
		naWantErr(t, r, 1, `cannot start "nosuchcmd": executable file not found in $PATH`)
		if t.Failed() {
			t.Fatalf("attempt %d of %d", i+1, attempts)
		}
		// let that server go before the next attempt starts a fresh one
		poll(t, "the empty server to remove its socket", harnessWait, func() bool {
			_, err := os.Stat(e.Sock)
			return os.IsNotExist(err)
		})
	}
}

// new -d --json prints the new session as ls --json prints it: one object
// with the same fields, for scripts (issue 16).
func TestNewJSON(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := e.Run("new", "-d", "--json", "job", "--", "sleep", "100")
	if r.Code != 0 || r.Stderr != "" {
		t.Fatalf("new -d --json job: want exit 0\n%v", r)
	}
	var got socket.SessionInfo
	if err := json.Unmarshal([]byte(r.Stdout), &got); err != nil {
		t.Fatalf("new -d --json: not one JSON object (%v)\n%v", err, r)
	}
	if got.ID <= 0 || got.Name != "job" || got.State != "Disconnected" || got.Pid <= 0 ||
		len(got.Command) != 2 || got.Command[0] != "sleep" || got.Created.IsZero() {
		t.Errorf("new -d --json: %+v, want job, Disconnected, with its id, pid, command and created", got)
	}
	var fields map[string]any
	json.Unmarshal([]byte(r.Stdout), &fields)
	var list []map[string]any
	json.Unmarshal([]byte(e.Run("ls", "--json").Stdout), &list)
	if len(list) != 1 {
		t.Fatalf("ls --json: %d sessions, want 1", len(list))
	}
	for k := range list[0] {
		if _, ok := fields[k]; !ok {
			t.Errorf("new --json lacks ls --json's field %q\n%s", k, r.Stdout)
		}
	}
	for k := range fields {
		if _, ok := list[0][k]; !ok {
			t.Errorf("new --json has %q, which ls --json does not\n%s", k, r.Stdout)
		}
	}
	if list[0]["id"] != fields["id"] || list[0]["pid"] != fields["pid"] {
		t.Errorf("new --json id/pid %v/%v, ls --json %v/%v", fields["id"], fields["pid"], list[0]["id"], list[0]["pid"])
	}
	naWantErr(t, e.Run("new", "--json", "other"), 2, "--json", "-d")
}
