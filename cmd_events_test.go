package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"linger/socket"
)

// evEvent is an event line as a consumer reads it.
type evEvent struct {
	Seq     int64  `json:"seq"`
	Time    string `json:"time"`
	Type    string `json:"type"`
	Session *struct {
		ID   int    `json:"id"`
		Name string `json:"name"`
	} `json:"session"`
	Pid        int      `json:"pid"`
	Command    []string `json:"command"`
	Cwd        string   `json:"cwd"`
	Config     string   `json:"configuration"`
	Client     string   `json:"client"`
	Origin     string   `json:"origin"`
	ReadOnly   *bool    `json:"read_only"`
	Reason     string   `json:"reason"`
	Old, New   string
	ExitCode   *int  `json:"exit_code"`
	ExitSignal *int  `json:"exit_signal"`
	Missed     int64 `json:"missed"`
}

// evParse parses JSON lines, each of which must be an event with a seq,
// a time in RFC 3339 and a type.
func evParse(t *testing.T, out string) []evEvent {
	t.Helper()
	var list []evEvent
	for _, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		if line == "" {
			continue
		}
		var ev evEvent
		if err := json.Unmarshal([]byte(line), &ev); err != nil {
			t.Fatalf("event line %q: %v", line, err)
		}
		if _, err := time.Parse(time.RFC3339Nano, ev.Time); err != nil || ev.Type == "" || !strings.Contains(ev.Time, ".") {
			t.Fatalf("event line %q: bad time or type (%v)", line, err)
		}
		list = append(list, ev)
	}
	return list
}

func evDescribe(list []evEvent) string {
	var b strings.Builder
	for _, ev := range list {
		name := ""
		if ev.Session != nil {
			name = ev.Session.Name
		}
		fmt.Fprintf(&b, "  %d %s %s %s\n", ev.Seq, ev.Type, name, ev.Reason)
	}
	return b.String()
}

// The lifecycle of two sessions comes out as events in the order it
// happened, each with its fields, seq strictly increasing.
func TestEventsOrderAndFields(t *testing.T) {
	e := newEnv(t)
	e.WriteConfig("[server]\nexit_when_empty = false\n")
	if r := e.Run("new", "-d", "a", "--", "sh", "-c", "echo ready; read x; exit 4"); r.Code != 0 {
		t.Fatalf("new a: %v", r)
	}
	if r := e.Run("new", "-d", "b", "--", "sleep", "100"); r.Code != 0 {
		t.Fatalf("new b: %v", r)
	}
	tm := e.Start(80, 24, "attach", "a")
	tm.WaitText("ready")
	naDetachAndWait(t, tm, "a")
	if r := e.Run("rename", "b", "c"); r.Code != 0 {
		t.Fatalf("rename: %v", r)
	}
	tm = e.Start(80, 24, "attach", "a")
	tm.WaitText("ready")
	tm.Type("\r")
	if code := tm.WaitExit(); code != 4 {
		t.Fatalf("attach a ended with %d, want 4 (the command's status)", code)
	}
	if r := e.Run("kill", "c"); r.Code != 0 {
		t.Fatalf("kill c: %v", r)
	}
	want := []string{
		"server.started ",
		"session.created a", "session.created b",
		"session.attached a", "session.detached a",
		"session.renamed c",
		"session.attached a", "session.exited a", "session.detached a", "session.removed a",
		"session.removed c", "session.exited c",
	}
	var list []evEvent
	ok := pollQuiet(harnessWait, func() bool { // the exit of c comes after kill returned
		r := e.Run("events")
		if r.Code != 0 {
			t.Fatalf("events: %v", r)
		}
		list = evParse(t, r.Stdout)
		return len(list) >= len(want)
	})
	if !ok || len(list) != len(want) {
		t.Fatalf("events: got\n%swant %q", evDescribe(list), want)
	}
	for i, ev := range list {
		name := ""
		if ev.Session != nil {
			name = ev.Session.Name
		}
		if got := ev.Type + " " + name; got != want[i] {
			t.Errorf("event %d: %q, want %q\n%s", i, got, want[i], evDescribe(list))
		}
		if i > 0 && ev.Seq <= list[i-1].Seq {
			t.Errorf("event %d: seq %d after %d: not increasing", i, ev.Seq, list[i-1].Seq)
		}
	}
	if t.Failed() {
		return
	}
	if c := list[1]; c.Pid <= 0 || strings.Join(c.Command, " ") != "sh -c echo ready; read x; exit 4" || c.Cwd != e.Home || c.Config != "default" || c.Session.ID != 1 {
		t.Errorf("session.created: %+v", c)
	}
	if c := list[2]; c.Session.ID != 2 || strings.Join(c.Command, " ") != "sleep 100" {
		t.Errorf("session.created b: %+v", c)
	}
	for _, i := range []int{3, 4, 6, 8} {
		c := list[i]
		if !strings.HasPrefix(c.Client, "pts/") || c.Origin != "local" || c.ReadOnly == nil || *c.ReadOnly {
			t.Errorf("%s: client %q origin %q read_only %v", c.Type, c.Client, c.Origin, c.ReadOnly)
		}
	}
	if list[4].Reason != "detached" || list[8].Reason != "exited" {
		t.Errorf("detach reasons %q, %q; want detached, exited", list[4].Reason, list[8].Reason)
	}
	if r := list[5]; r.Old != "b" || r.New != "c" || r.Session.ID != 2 {
		t.Errorf("session.renamed: %+v", r)
	}
	if x := list[7]; x.ExitCode == nil || *x.ExitCode != 4 || x.ExitSignal != nil {
		t.Errorf("session.exited a: code %v signal %v, want 4 and null", x.ExitCode, x.ExitSignal)
	}
	if list[9].Reason != "collected" || list[10].Reason != "kill" {
		t.Errorf("removal reasons %q, %q; want collected, kill", list[9].Reason, list[10].Reason)
	}
	if x := list[11]; x.ExitCode != nil || x.ExitSignal == nil || *x.ExitSignal != 1 {
		t.Errorf("session.exited c: code %v signal %v, want null and 1 (SIGHUP)", x.ExitCode, x.ExitSignal)
	}

	// the filters
	r := e.Run("events", "--session", "b", "--type", "session.*")
	if got := evParse(t, r.Stdout); r.Code != 0 || len(got) != 4 || got[0].Type != "session.created" || got[1].Type != "session.renamed" {
		t.Errorf("events --session b --type session.*: %v\n%s", r, evDescribe(got))
	}
	r = e.Run("events", "--type", "session.exited", "--since", strconv.FormatInt(list[7].Seq, 10))
	if got := evParse(t, r.Stdout); r.Code != 0 || len(got) != 1 || got[0].Seq != list[11].Seq {
		t.Errorf("events --type session.exited --since %d: %v", list[7].Seq, r)
	}
}

// --since replays the events after a seq; with a ring smaller than what
// happened, a gap event says how many were forgotten first.
func TestEventsSinceAndGap(t *testing.T) {
	e := newEnv(t)
	e.WriteConfig("[server]\nexit_when_empty = false\nevent_history = 4\n")
	for i := range 5 {
		if r := e.Run("new", "-d", "s"+strconv.Itoa(i), "--", "sleep", "100"); r.Code != 0 {
			t.Fatalf("new: %v", r)
		}
	}
	// 1 server.started, 2..6 session.created s0..s4: 4 held (3..6)
	r := e.Run("events", "--since", "4")
	got := evParse(t, r.Stdout)
	if r.Code != 0 || len(got) != 2 || got[0].Seq != 5 || got[1].Seq != 6 || got[1].Session.Name != "s4" {
		t.Errorf("events --since 4: %v\n%s", r, evDescribe(got))
	}
	r = e.Run("events", "--since", "0")
	got = evParse(t, r.Stdout)
	if r.Code != 0 || len(got) != 5 || got[0].Type != "gap" || got[0].Missed != 2 || got[0].Seq != 2 || got[0].Session != nil || got[1].Seq != 3 || got[4].Seq != 6 {
		t.Errorf("events --since 0 with 2 forgotten: want gap (missed 2, seq 2) then 3..6: %v\n%s", r, evDescribe(got))
	}
	r = e.Run("events")
	if got = evParse(t, r.Stdout); r.Code != 0 || len(got) != 4 || got[0].Seq != 3 {
		t.Errorf("events (all held, no gap without --since): %v", r)
	}
	if r := e.Run("events", "--since", "x"); r.Code != 2 {
		t.Errorf("events --since x: %v, want a usage error", r)
	}
}

// wait --event returns the next event of that type, and times out with 124.
func TestWaitEvent(t *testing.T) {
	e := newEnv(t)
	e.WriteConfig("[server]\nexit_when_empty = false\n")
	naKeepServer(t, e)
	if r := e.Run("wait", "--event", "session.exited", "--timeout", "300ms"); r.Code != 124 || r.Stdout != "" {
		t.Errorf("wait --event with nothing happening: %v, want exit 124", r)
	}
	if r := e.Run("new", "-d", "x", "--", "sh", "-c", "sleep 0.5; exit 3"); r.Code != 0 {
		t.Fatalf("new: %v", r)
	}
	r := e.Run("wait", "--event", "session.exited", "--session", "x", "--timeout", "10s")
	got := evParse(t, r.Stdout)
	if r.Code != 0 || len(got) != 1 || got[0].Session.Name != "x" || got[0].ExitCode == nil || *got[0].ExitCode != 3 {
		t.Errorf("wait --event session.exited --session x: %v", r)
	}
	if r := e.Run("wait", "--session", "x", "x"); r.Code != 2 {
		t.Errorf("wait --session without --event: %v, want exit 2", r)
	}
}

// A subscriber that never reads does not slow a session printing MBs: its
// output completes (receive -f) while the subscriber is stuck, and the
// subscriber ends with lagged, disconnected.
func TestEventsStuckSubscriberLags(t *testing.T) {
	e := newEnv(t)
	e.WriteConfig("[server]\nexit_when_empty = false\nevent_history = 16\n")
	naKeepServer(t, e)
	conn, err := socket.Dial(e.Sock, "linger test")
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if err := conn.WriteJSON(socket.MsgRequest, socket.Request{Op: socket.OpEvents, Follow: true}); err != nil {
		t.Fatal(err)
	}
	const size = 8 << 20
	if r := e.Run("new", "-d", "big", "--", "sh", "-c", fmt.Sprintf("head -c %d /dev/zero | tr '\\0' x; echo; echo END", size)); r.Code != 0 {
		t.Fatalf("new big: %v", r)
	}
	done := make(chan result, 1)
	go func() { done <- e.Run("receive", "-f", "big") }()
	var names []string
	for i := range 25 {
		name := "s" + strconv.Itoa(i)
		if r := e.Run("new", "-d", name, "--", "sleep", "100"); r.Code != 0 {
			t.Fatalf("new: %v", r)
		}
		names = append(names, name)
	}
	if r := e.Run(append([]string{"kill"}, names...)...); r.Code != 0 {
		t.Fatalf("kill: %v", r)
	}
	// Read what the stuck subscriber was sent: lines, ending with lagged,
	// then the end of the connection.
	var out strings.Builder
	conn.SetReadDeadline(time.Now().Add(harnessWait))
	for {
		typ, p, err := conn.ReadFrame()
		if errors.Is(err, os.ErrDeadlineExceeded) {
			t.Fatalf("the stuck subscriber is still connected after %d events:\n%s", 80, out.String())
		}
		if err != nil {
			break
		}
		if typ == socket.MsgOutput {
			out.Write(p)
		}
	}
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	last := lines[len(lines)-1]
	if !strings.Contains(last, `"type":"lagged"`) {
		// it may have been given up on writing the last word: then it was
		// disconnected mid-stream, which is also an end
		t.Logf("the stuck subscriber was disconnected without its lagged line (%d lines)", len(lines))
	}
	if n := strings.Count(out.String(), `"type":"session.exited"`); n >= 26 {
		t.Errorf("the stuck subscriber got every event (%d exits): it was not dropped\n%s", n, out.String())
	}
	select {
	case r := <-done:
		if r.Code != 0 || len(r.Stdout) < size || !strings.HasSuffix(r.Stdout, "END\r\n") {
			t.Errorf("receive -f big: exit %d, %d bytes, stderr %q", r.Code, len(r.Stdout), r.Stderr)
		}
	case <-time.After(harnessRunTimeout):
		t.Fatal("receive -f big never completed")
	}
	// the server still serves subscribers
	if r := e.Run("events"); r.Code != 0 || strings.Count(r.Stdout, "\n") != 16 {
		t.Errorf("events after the stuck subscriber: %v", r)
	}
}

// events --follow over -H through a real sshd, kept alive by heartbeats
// while nothing happens.
func TestEventsFollowOverSSH(t *testing.T) {
	e := newEnv(t)
	e.WriteConfig("[server]\nexit_when_empty = false\nheartbeat = \"100ms\"\n")
	s := startSSHD(t, e)
	host := "ssh://" + s.Alias
	run := func(args ...string) result {
		t.Helper()
		return e.RunEnv([]string{s.Env, "LINGER_SOCKET=/nonexistent/not-used.sock"}, append([]string{"-H", host}, args...)...)
	}
	if r := run("new", "-d", "keep", "--", "sleep", "100"); r.Code != 0 {
		t.Fatalf("new over ssh: %v", r)
	}
	c := exec.Command(e.Bin, "-H", host, "events", "--follow", "--since", "0", "--session", "x")
	c.Env = overlayEnv(e.Env, []string{s.Env, "LINGER_SOCKET=/nonexistent/not-used.sock"})
	c.Dir = e.Home
	stdout, err := c.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	c.Stderr = &stderr
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	e.track(func() { c.Process.Kill() })
	lines := make(chan string, 100)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	next := func(want string) evEvent {
		t.Helper()
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("events --follow over ssh ended before %s (stderr %q)", want, stderr.String())
			}
			ev := evParse(t, l)[0]
			if ev.Type != want {
				t.Fatalf("events --follow over ssh: %q, want %s", l, want)
			}
			return ev
		case <-time.After(harnessWait):
			t.Fatalf("events --follow over ssh: no %s (stderr %q)", want, stderr.String())
		}
		return evEvent{}
	}
	next("server.started")  // held, --since 0; keep's creation is filtered out
	time.Sleep(time.Second) // on purpose: 10 heartbeat intervals of silence, which heartbeats must bridge
	if r := run("new", "-d", "x", "--", "sleep", "100"); r.Code != 0 {
		t.Fatalf("new x over ssh: %v", r)
	}
	if ev := next("session.created"); ev.Session.Name != "x" {
		t.Errorf("created: %+v", ev)
	}
	if r := run("kill", "x"); r.Code != 0 {
		t.Fatalf("kill over ssh: %v", r)
	}
	if ev := next("session.removed"); ev.Reason != "kill" {
		t.Errorf("removed: %+v", ev)
	}
	next("session.exited")
	if r := run("server", "stop"); r.Code != 0 {
		t.Fatalf("server stop: %v", r)
	}
	next("server.stopping")
	if err := c.Wait(); err != nil {
		t.Errorf("events --follow after the server stopped: %v (stderr %q), want exit 0", err, stderr.String())
	}
}

// Block buffering: a session whose unreceived output fills buffer_size
// is suspended, and resumed when a receive reads it.
func TestEventsSuspendedResumed(t *testing.T) {
	e := newEnv(t)
	e.WriteConfig("[server]\nexit_when_empty = false\n[configurations.default]\noutput_buffering = \"block\"\nbuffer_size = \"4KiB\"\n")
	naKeepServer(t, e)
	if r := e.Run("new", "-d", "big", "--", "sh", "-c", "head -c 200000 /dev/zero | tr '\\0' x; echo; echo END; sleep 100"); r.Code != 0 {
		t.Fatalf("new: %v", r)
	}
	var r result
	if !pollQuiet(harnessWait, func() bool {
		r = e.Run("events", "--type", "session.suspended", "--session", "big")
		return r.Stdout != ""
	}) {
		t.Fatalf("no session.suspended: %v", e.Run("events"))
	}
	if got := evParse(t, r.Stdout); len(got) != 1 || got[0].Type != "session.suspended" || got[0].Session.Name != "big" {
		t.Fatalf("session.suspended: %v", r)
	}
	if r := e.Run("receive", "big"); r.Code != 0 && r.Code != 1 {
		t.Fatalf("receive: %v", r)
	}
	if !pollQuiet(harnessWait, func() bool {
		return strings.Contains(e.Run("events", "--type", "session.resumed", "--session", "big").Stdout, `"session.resumed"`)
	}) {
		t.Errorf("no session.resumed after a receive: %v", e.Run("events"))
	}
}

// A client killed while attached leaves the session Broken (detached:
// lost, then broken); an idle timeout removes a session with its reason.
func TestEventsBrokenAndIdleTimeout(t *testing.T) {
	e := newEnv(t)
	e.WriteConfig("[server]\nexit_when_empty = false\n")
	naKeepServer(t, e)
	if r := e.Run("new", "-d", "x", "--", "sh", "-c", "echo ready; sleep 100"); r.Code != 0 {
		t.Fatalf("new: %v", r)
	}
	tm := e.Start(80, 24, "attach", "x")
	tm.WaitText("ready")
	tm.Kill(syscall.SIGKILL)
	var got []evEvent
	if !pollQuiet(harnessWait, func() bool {
		got = evParse(t, e.Run("events", "--session", "x", "--type", "session.detached", "--type", "session.broken").Stdout)
		return len(got) == 2
	}) || got[0].Reason != "lost" || got[1].Type != "session.broken" {
		t.Errorf("killed client: want detached (lost), broken; got\n%s", evDescribe(got))
	}
	if r := e.Run("detach", "x", "--idle-timeout", "1s"); r.Code != 0 {
		t.Fatalf("detach --idle-timeout: %v", r)
	}
	if r := e.Run("wait", "--event", "session.removed", "--session", "x", "--timeout", "10s"); r.Code != 0 || !strings.Contains(r.Stdout, `"reason":"idle_timeout"`) {
		t.Errorf("idle timeout: %v", r)
	}
}
