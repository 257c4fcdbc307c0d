package main

// End-to-end tests of `linger attach` and of what happens to an attached
// client: detach, reattach, busy/steal/read-only, resize, the command
// ending, the client or its terminal dying, kill and detach from elsewhere.

import (
	"bytes"
	"encoding/json"
	"net"
	"os"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"linger/socket"
)

// The busy message names the holder's terminal and when it attached.
var naBusyRE = regexp.MustCompile(`(?m)^linger: session "x" is busy: attached since \d\d:\d\d from pts/\d+ \(use --steal or --read-only\)$`)

// naDetachAndWait types the default detach key and checks the client leaves
// with exit status 0 and the detach line for session name.
func naDetachAndWait(t *testing.T, tm *term, name string) {
	t.Helper()
	naDetachWith(t, tm, "\x1c", name)
}

// naDetachWith is naDetachAndWait with another detach key.
func naDetachWith(t *testing.T, tm *term, key, name string) {
	t.Helper()
	tm.Type(key)
	naWaitLine(tm, "[detached (from session "+name+")]")
	if code := tm.WaitExit(); code != 0 {
		t.Errorf("exit %d after detaching with %q, want 0", code, key)
	}
}

func TestAttachReattachKeepsState(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tm := naStartSession(t, e, 80, 24, naNewShellArgs("w")...)
	naShRun(tm, `V=kept$((1+1)); cd /; echo "set=$V"`, "set=kept2")
	naDetachAndWait(t, tm, "w")

	tm = e.Start(80, 24, "attach", "w")
	naShRun(tm, `echo "v=$V pwd=$(pwd)"`, "v=kept2 pwd=/")
	naDetachAndWait(t, tm, "w")

	// without a name: the most recently detached session
	tm = e.Start(80, 24, "attach")
	naShRun(tm, `echo "again=$V"`, "again=kept2")
	naDetachAndWait(t, tm, "w")

	// by ID
	tm = e.Start(80, 24, "attach", "1")
	naShRun(tm, `echo "by-id=$LINGER_SESSION"`, "by-id=w")
	naDetachAndWait(t, tm, "w")
}

func TestAttachMostRecentlyDetached(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, name := range []string{"a", "b"} {
		if r := e.Run(append([]string{"new", "-d", name}, naShSession...)...); r.Code != 0 {
			t.Fatalf("new -d %s: %v", name, r)
		}
	}
	// b is the newest, but a is detached after it was created
	tm := e.Start(80, 24, "attach", "a")
	naShRun(tm, `echo "in=$LINGER_SESSION"`, "in=a")
	naDetachAndWait(t, tm, "a")
	tm = e.Start(80, 24, "attach")
	naShRun(tm, `echo "in=$LINGER_SESSION"`, "in=a")
	naDetachAndWait(t, tm, "a")

	tm = e.Start(80, 24, "attach", "b")
	naShRun(tm, `echo "in=$LINGER_SESSION"`, "in=b")
	// while b is held, attach without a name picks the free one
	tm2 := e.Start(80, 24, "attach")
	naShRun(tm2, `echo "other=$LINGER_SESSION"`, "other=a")
	naDetachAndWait(t, tm2, "a")
	naDetachAndWait(t, tm, "b")
	tm = e.Start(80, 24, "attach")
	naShRun(tm, `echo "in=$LINGER_SESSION"`, "in=b")
}

func TestAttachResize(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	prog := `trap 'stty size' WINCH; echo ready; while :; do sleep 0.05; done`
	tm := e.Start(80, 24, "new", "r", "--", "sh", "-c", prog)
	naWaitLine(tm, "ready")
	tm.Resize(100, 30)
	naWaitLine(tm, "30 100")
	tm.Resize(70, 20)
	naWaitLine(tm, "20 70")
	naDetachAndWait(t, tm, "r")
	if s := naWaitSession(t, e, "r", "detached", func(s *socket.SessionInfo) bool { return s.Clients == 0 }); s.Size.Cols != 70 || s.Size.Rows != 20 {
		t.Errorf("ls size %dx%d, want 70x20", s.Size.Cols, s.Size.Rows)
	}
	// reattaching from another size gives the session that size
	tm = e.Start(90, 25, "attach", "r")
	naWaitLine(tm, "25 90")
	tm.Resize(91, 26)
	naWaitLine(tm, "26 91")
	naDetachAndWait(t, tm, "r")
	// same size: the program is still told to redraw
	tm = e.Start(91, 26, "attach", "r")
	naWaitLine(tm, "26 91")
}

func TestAttachBusyStealAndReadOnly(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	owner := naStartSession(t, e, 120, 24, naNewShellArgs("x")...)

	busy := e.Start(200, 24, "attach", "x")
	if code := busy.WaitExit(); code != 1 {
		t.Errorf("attach to a held session: exit %d, want 1", code)
	}
	busy.WaitFor("the busy message", func(s string) bool { return naBusyRE.MatchString(s) })

	// read-only watchers see the output; their typing does not reach the
	// program
	w1 := e.Start(120, 24, "attach", "-r", "x")
	w2 := e.Start(120, 24, "attach", "--read-only", "x")
	naWaitSession(t, e, "x", "held by one client and watched by two", func(s *socket.SessionInfo) bool {
		return s.Clients == 3 && s.Availability == "Busy"
	})
	naShRun(owner, `echo "o=$((6*7))"`, "o=42")
	naWaitLine(w1, "o=42")
	naWaitLine(w2, "o=42")
	// (the watchers showed output: they are in raw mode, nothing echoes
	// locally)
	w1.Type(`echo "w=$((5*5))"` + "\r")
	w2.Type(`echo "w=$((6*6))"` + "\r")
	naShRun(owner, `echo "o2=$((7*7))"`, "o2=49")
	naWaitLine(w1, "o2=49")
	naWaitLine(w2, "o2=49")
	for _, tm := range []*term{owner, w1, w2} {
		if s := tm.Screen(); strings.Contains(s, "w=25") || strings.Contains(s, "w=36") || strings.Contains(s, `echo "w=`) {
			t.Fatalf("a read-only client's typing reached the program\n%s", tm.describe())
		}
	}
	// a watcher's detach key works; the owner stays
	naDetachAndWait(t, w1, "x")
	if owner.Exited() || w2.Exited() {
		t.Fatalf("a watcher's detach ended another client")
	}

	// --steal detaches the owner and takes over
	thief := e.Start(120, 24, "attach", "--steal", "x")
	owner.WaitText("[detached (from session x: taken by pts/")
	if code := owner.WaitExit(); code != 0 {
		t.Errorf("stolen client: exit %d, want 0", code)
	}
	naShRun(thief, `echo "t=$((8*8))"`, "t=64")
	naWaitLine(w2, "t=64")
	if w2.Exited() {
		t.Errorf("--steal detached a read-only watcher")
	}
	naDetachAndWait(t, w2, "x")
	naDetachAndWait(t, thief, "x")
}

func TestAttachCommandEndsWhileDetached(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	naKeepServer(t, e)
	if r := e.Run("new", "-d", "c", "--", "sh", "-c", "exit 5"); r.Code != 0 {
		t.Fatalf("new -d: %v", r)
	}
	s := naWaitSession(t, e, "c", "Closed", func(s *socket.SessionInfo) bool { return s.State == "Closed" })
	if deref(s.ExitStatus) != "status 5" {
		t.Errorf("ls --json exit_status %q, want \"status 5\"", deref(s.ExitStatus))
	}
	if r := e.Run("ls"); r.Code != 0 || !strings.Contains(r.Stdout, "Closed (status 5)") {
		t.Errorf("ls should show Closed (status 5)\n%v", r)
	}
	tm := e.Start(80, 24, "attach", "c")
	if code := tm.WaitExit(); code != 5 {
		t.Errorf("attach to a Closed session: exit %d, want 5", code)
	}
	naWaitLine(tm, "[exited (status 5)]")
	poll(t, "the Closed session to be collected", harnessWait, func() bool { return naSession(naLsJSON(t, e), "c") == nil })
}

func TestAttachSurvivesClientKilled(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tm := naStartSession(t, e, 80, 24, naNewShellArgs("x")...)
	naShRun(tm, `V=alive; echo "v=$V"`, "v=alive")
	tm.Kill(syscall.SIGKILL)
	tm.WaitExit()
	s := naWaitSession(t, e, "x", "free", func(s *socket.SessionInfo) bool { return s.Clients == 0 })
	if s.State != "Broken" || s.Availability != "None" {
		t.Errorf("after the client was killed: %s/%s, want Broken/None", s.State, s.Availability)
	}
	tm = e.Start(80, 24, "attach", "x")
	naShRun(tm, `echo "again=$V"`, "again=alive")
}

func TestAttachSurvivesTerminalClosed(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tm := naStartSession(t, e, 80, 24, naNewShellArgs("x")...)
	naShRun(tm, `V=hungup; echo "v=$V"`, "v=hungup")
	tm.Close()
	tm.WaitExit()
	s := naWaitSession(t, e, "x", "free", func(s *socket.SessionInfo) bool { return s.Clients == 0 })
	if s.State != "Broken" || s.Availability != "None" {
		t.Errorf("after the terminal closed: %s/%s, want Broken/None", s.State, s.Availability)
	}
	tm = e.Start(80, 24, "attach", "x")
	naShRun(tm, `echo "again=$V"`, "again=hungup")
}

// naChildPid finds the process whose parent is ppid and whose command line
// contains word.
func naChildPid(t *testing.T, ppid int, word string) int {
	t.Helper()
	pid := 0
	poll(t, "a child "+word+" of pid "+strconv.Itoa(ppid), harnessWait, func() bool {
		ents, _ := os.ReadDir("/proc")
		for _, ent := range ents {
			p, err := strconv.Atoi(ent.Name())
			if err != nil {
				continue
			}
			st, err := os.ReadFile("/proc/" + ent.Name() + "/stat")
			if err != nil {
				continue
			}
			i := strings.LastIndexByte(string(st), ')')
			f := strings.Fields(string(st[i+1:]))
			if len(f) > 1 && f[1] == strconv.Itoa(ppid) && strings.Contains(pidCmdline(p), word) {
				pid = p
				return true
			}
		}
		return false
	})
	return pid
}

func TestAttachSIGTERMDetachesAndRestoresTerminal(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	if r := e.Run(append([]string{"new", "-d", "w"}, naShSession...)...); r.Code != 0 {
		t.Fatalf("new -d: %v", r)
	}
	outer := naStartOuter(t, e, 100, 40)
	outer.Type("linger attach w\r")
	naShRun(outer, `echo "in=$LINGER_SESSION"`, "in=w")
	client := naChildPid(t, outer.cmd.Process.Pid, "linger")
	if err := syscall.Kill(client, syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	naWaitLine(outer, "[detached (from session w)]")
	naWaitPrompt(outer, "outer$ ")
	naShRun(outer, `echo "rc=$?"`, "rc=0")
	naCheckTTYRestored(t, outer)
	// the session is free and alive
	naWaitSession(t, e, "w", "free", func(s *socket.SessionInfo) bool { return s.Clients == 0 && s.State == "Disconnected" })
}

func TestAttachKilledSession(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tm := naStartSession(t, e, 80, 24, naNewShellArgs("x")...)
	if r := e.Run("kill", "x"); r.Code != 0 {
		t.Fatalf("linger kill x: %v", r)
	}
	code := tm.WaitExit()
	tm.WaitFor("an [exited (... killed)] line", func(s string) bool {
		for _, l := range strings.Split(s, "\n") {
			if strings.HasPrefix(l, "[exited (") && strings.HasSuffix(l, "killed)]") {
				return true
			}
		}
		return false
	})
	if code != 129 {
		t.Errorf("client of a killed session: exit %d, want 129 (SIGHUP)", code)
	}
}

func TestAttachDetachFromAnotherShell(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tm := naStartSession(t, e, 80, 24, naNewShellArgs("x")...)
	if r := e.Run("detach", "x"); r.Code != 0 {
		t.Fatalf("linger detach x: %v", r)
	}
	naWaitLine(tm, "[detached (from session x)]")
	if code := tm.WaitExit(); code != 0 {
		t.Errorf("exit %d, want 0", code)
	}
	naWaitSession(t, e, "x", "free", func(s *socket.SessionInfo) bool { return s.Clients == 0 })
}

func TestAttachErrors(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	naKeepServer(t, e)
	// stdin not a terminal: said for a session that exists, after the
	// one that does not
	naWantErr(t, e.Run("attach", "keep"), 1, "attaching needs a terminal")
	naWantErr(t, e.Run("attach", "nosuch"), 1, `no session named "nosuch"`)
	naWantErr(t, e.Run("attach", "a", "b"), 2, "one session")
	// inside a session (by its environment)
	naWantErr(t, e.RunEnv([]string{"LINGER_SESSION=keep"}, "attach", "keep"), 2, `already inside session "keep"`, "--nest")

	// unknown name and ID, from a terminal
	for _, tt := range []struct{ target, msg string }{
		{"nope", `linger: no session named "nope" (try 'linger ls')`},
		{"42", `linger: no session with ID 42 (try 'linger ls')`},
	} {
		tm := e.Start(200, 24, "attach", tt.target)
		if code := tm.WaitExit(); code != 1 {
			t.Errorf("attach %s: exit %d, want 1", tt.target, code)
		}
		naWaitLine(tm, tt.msg)
	}
}

func TestAttachUnknownFlagIsUsageError(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	naWantErr(t, e.Run("attach", "--bogus", "x"), 2, "bogus")
}

func TestAttachDetachLeavesAlternateScreen(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tm := e.Start(80, 24, "new", "a", "--", "sh", "-c", `printf '\033[?1049h\033[?25lin-alt\n'; exec cat`)
	naWaitLine(tm, "in-alt")
	if !tm.AltScreen() {
		t.Fatalf("the program did not get the alternate screen\n%s", tm.describe())
	}
	naDetachAndWait(t, tm, "a")
	if tm.AltScreen() {
		t.Errorf("the terminal is still on the alternate screen after detaching\n%s", tm.describe())
	}
	if strings.Contains(tm.Screen(), "in-alt") {
		t.Errorf("the program's alternate screen is still shown\n%s", tm.describe())
	}
	// the terminal's output ends with the reset and the detach line
	if out := string(tm.Output()); !strings.Contains(out, "\x1b[?25h") || !strings.HasSuffix(strings.ReplaceAll(out, "\r", ""), "\n[detached (from session a)]\n") {
		t.Errorf("want the cursor shown again and the detach line last: %q", out)
	}
}

// TestAttachRelay: when stdout is not the terminal (here a pipe to cat,
// which writes to it), the client cannot hand the terminal to the server
// and relays both ways itself; everything works the same: the restore,
// typing, output, the detach key, the way out.
func TestAttachRelay(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tm := naStartSession(t, e, 80, 24, naNewShellArgs("r")...)
	naShRun(tm, `echo "before=$((6*7))"`, "before=42")
	naDetachAndWait(t, tm, "r")

	relay := e.StartCmd(80, 24, []string{"sh", "-c", "exec " + lingerBin + " attach r | cat"}, nil)
	relay.WaitText("before=42") // restored through the client
	naShRun(relay, `echo "typed=$((6*8))"`, "typed=48")
	relay.Type("\x1c")
	naWaitLine(relay, "[detached (from session r)]")
	if code := relay.WaitExit(); code != 0 {
		t.Errorf("exit %d after detaching, want 0", code)
	}
	if r := e.Run("ls", "--json"); !strings.Contains(r.Stdout, `"clients": 0`) {
		t.Errorf("the client is still attached: %s", r.Stdout)
	}
	// and the same session directly again
	tm = e.Start(80, 24, "attach", "r")
	tm.WaitText("typed=48")
	naDetachAndWait(t, tm, "r")
}

// TestAttachRelayDetachKey: a relaying client cuts out the key the server
// decided (the configuration's, or --detach-key), as direct mode does.
func TestAttachRelayDetachKey(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.WriteConfig("[server]\ndetach_key = \"ctrl-b\"\n")
	if r := e.Run(append([]string{"new", "-d", "k"}, naCatSession...)...); r.Code != 0 {
		t.Fatalf("new -d: %v", r)
	}
	// "ready" is printed once the WINCH trap is set: an attach before it
	// would make the program redraw before it could say "attached".
	naWaitSession(t, e, "k", "printing ready", func(s *socket.SessionInfo) bool { return s.BufferedBytes > 0 })
	relay := e.StartCmd(80, 24, []string{"sh", "-c", "exec " + lingerBin + " attach --restore none k | cat"}, nil)
	naWaitLine(relay, "attached")
	relay.Type("p\x1cq\r")
	naWaitLine(relay, `p^\q`)
	naDetachWith(t, relay, "\x02", "k") // the configuration's key
	relay = e.StartCmd(80, 24, []string{"sh", "-c", "exec " + lingerBin + " attach --restore none --detach-key ^] k | cat"}, nil)
	naWaitLine(relay, "attached")
	relay.Type("r\x02s\r")
	naWaitLine(relay, "r^Bs")
	naDetachWith(t, relay, "\x1d", "k") // --detach-key's
}

// TestAttachServerStopped: the attached client learns that the server ended,
// says [server exited], exits 1 and leaves the terminal as it found it.
func TestAttachServerStopped(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	if r := e.Run(append([]string{"new", "-d", "w"}, naShSession...)...); r.Code != 0 {
		t.Fatalf("new -d: %v", r)
	}
	outer := naStartOuter(t, e, 100, 30)
	outer.Type("linger attach w\r")
	naShRun(outer, `echo "in=$LINGER_SESSION"`, "in=w")
	if r := e.Run("server", "stop"); r.Code != 0 {
		t.Fatalf("server stop: %v", r)
	}
	naWaitLine(outer, "[server exited]")
	naWaitPrompt(outer, "outer$ ")
	naShRun(outer, `echo "rc=$?"`, "rc=1")
	naCheckTTYRestored(t, outer)
}

// TestAttachServerKilled: a server that dies without a word (SIGKILL) gives
// [lost connection], exit 1, and a restored terminal.
func TestAttachServerKilled(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	if r := e.Run(append([]string{"new", "-d", "w"}, naShSession...)...); r.Code != 0 {
		t.Fatalf("new -d: %v", r)
	}
	pids := serverPids(e.Sock)
	if len(pids) != 1 {
		t.Fatalf("want one server, found %v", pids)
	}
	outer := naStartOuter(t, e, 100, 30)
	outer.Type("linger attach w\r")
	naShRun(outer, `echo "in=$LINGER_SESSION"`, "in=w")
	syscall.Kill(pids[0], syscall.SIGKILL)
	naWaitLine(outer, "[lost connection]")
	naWaitPrompt(outer, "outer$ ")
	naShRun(outer, `echo "rc=$?"`, "rc=1")
	naCheckTTYRestored(t, outer)
}

// TestAttachClientStopsReading: a client that attaches and never reads
// stalls only itself. While it is the only client the program is
// back-pressured (like a terminal that stopped); 'linger detach' still
// takes it off within a bounded time, after which others can attach and
// the server answers everyone.
func TestAttachClientStopsReading(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	newDetached(t, e, "flood", "sh", "-c", "while :; do echo xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx; done")
	nc, err := net.DialUnix("unix", nil, &net.UnixAddr{Name: e.Sock, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	nc.SetReadBuffer(4096)
	c := socket.NewConn(nc)
	if _, _, err := c.Hello("test", false, 5*time.Second); err != nil {
		t.Fatal(err)
	}
	req, _ := json.Marshal(socket.Request{Op: socket.OpAttach, Target: "flood", Cols: 80, Rows: 24})
	if err := c.WriteFrame(socket.MsgRequest, req); err != nil {
		t.Fatal(err)
	}
	// read the reply only, then stop reading: the socket buffers fill
	if typ, _, err := c.ReadFrame(); err != nil || typ != socket.MsgReply {
		t.Fatalf("reply: %x %v", typ, err)
	}
	poll(t, "the session held by the stalled client", harnessWait, func() bool {
		for _, s := range lsJSON(t, e) {
			if s["name"] == "flood" && s["availability"] == "Busy" {
				return true
			}
		}
		return false
	})
	start := time.Now()
	if r := e.Run("detach", "flood"); r.Code != 0 {
		t.Fatalf("detach of a session whose client stopped reading: %v", r)
	}
	if d := time.Since(start); d > 8*time.Second {
		t.Errorf("detach took %v", d)
	}
	// free again: a new client attaches and sees the output flowing
	watcher := e.Start(80, 24, "attach", "flood")
	watcher.WaitText("xxxxxxxxxx")
	watcher.Type("\x1c")
	watcher.WaitText("[detached (from session flood)]")
	if code := watcher.WaitExit(); code != 0 {
		t.Errorf("watcher exit %d", code)
	}
}

// TestAttachKilledClientLosesNothing: a client SIGKILLed in the middle of a
// large output leaves the session Broken; what was in flight to it (socket
// buffers) was never acknowledged, so it is kept: what that client showed
// plus what receive gets afterwards holds every line, in order. Only lines
// the dead client showed but had not yet acknowledged may appear twice.
func TestAttachKilledClientLosesNothing(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.WriteConfig("[configurations.default]\nbuffer_size = \"1MiB\"\n")
	const lines = 60000
	newDetached(t, e, "big", "sh", "-c",
		`awk 'BEGIN{for(i=0;i<`+strconv.Itoa(lines)+`;i++) printf "L%06d abcdefghijklmnopqrstuvwxyz\n", i}'; echo END; exec sleep 1000`)
	// --restore none: what was kept before the attach is replayed byte for
	// byte (lines would draw the last 2000 lines and count the rest as
	// received), so every line is accounted for
	client := e.Start(80, 24, "attach", "--restore", "none", "big")
	// kill it mid-stream: once it has shown some lines but long before the end
	lineRe := regexp.MustCompile(`L(\d{6}) abcdefghijklmnopqrstuvwxyz`)
	poll(t, "the client to show output", harnessWait, func() bool {
		return len(lineRe.FindAll(client.Output(), 2000)) >= 1000
	})
	client.Kill(syscall.SIGKILL)
	client.WaitExit()
	// The server writes to the client's terminal itself (direct mode) and
	// counts what it wrote as received; it goes on until it sees the client
	// gone and lets go of the terminal, which can be seconds on a loaded
	// machine. Only then is all it wrote readable here (the reader ends
	// once nobody holds the terminal; WaitExit waits just a second for it).
	poll(t, "the server to let go of the client's terminal", harnessWait, func() bool {
		select {
		case <-client.readDone:
			return true
		default:
			return false
		}
	})
	shown := client.Output()

	poll(t, "the session Broken", harnessWait, func() bool {
		for _, s := range lsJSON(t, e) {
			if s["name"] == "big" {
				return s["state"] == "Broken"
			}
		}
		return false
	})
	var rest []byte
	poll(t, "receive to reach END", 2*harnessWait, func() bool {
		r := e.Run("receive", "big")
		if r.Code != 0 {
			t.Fatalf("receive: %v", r)
		}
		rest = append(rest, r.Stdout...)
		return regexp.MustCompile(`(?m)^END\r?$`).Match(rest)
	})

	seen := make([]int, lines)
	for _, m := range lineRe.FindAllSubmatch(shown, -1) {
		n, _ := strconv.Atoi(string(m[1]))
		seen[n]++
	}
	shownCount := 0
	for _, c := range seen {
		if c > 0 {
			shownCount++
		}
	}
	// What the terminal got is counted to the byte: it may end inside a
	// line whose rest is the first thing receive gets. Such a line is
	// whole only across the two; since every line ends alike, the join
	// must also be followed by the next line.
	if i := bytes.LastIndexByte(shown, '\n'); i >= 0 && !lineRe.Match(shown[i+1:]) {
		frag := shown[i+1:]
		joined := append(bytes.Clone(frag), rest...)
		if ms := lineRe.FindAllSubmatchIndex(joined, 2); len(ms) == 2 && ms[0][0] == 0 && ms[0][1] > len(frag) {
			n, _ := strconv.Atoi(string(joined[ms[0][2]:ms[0][3]]))
			next, _ := strconv.Atoi(string(joined[ms[1][2]:ms[1][3]]))
			if next == n+1 {
				rest = joined
			}
		}
	}
	dups := 0
	prev := -1
	for _, m := range lineRe.FindAllSubmatch(rest, -1) {
		n, _ := strconv.Atoi(string(m[1]))
		if n <= prev {
			t.Fatalf("receive went backwards: L%06d after L%06d", n, prev)
		}
		prev = n
		if seen[n] > 0 {
			dups++
		}
		seen[n]++
	}
	for n, c := range seen {
		if c == 0 {
			t.Fatalf("line L%06d lost (client showed %d lines before it was killed)\nshown ends %q\nreceive starts %q",
				n, shownCount, shown[max(0, len(shown)-120):], rest[:min(len(rest), 240)])
		}
	}
	t.Logf("the killed client showed %d lines; receive got the other %d, %d of them again", shownCount, lines-shownCount+dups, dups)
	if dups > 2000 {
		t.Errorf("%d lines repeated: more than the unacknowledged window should hold", dups)
	}
}
