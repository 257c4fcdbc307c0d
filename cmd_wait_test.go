package main

// End-to-end tests of `linger wait` (issue 3): it blocks until the named
// sessions' commands end, exits with the first failure in the order given
// (128+N for a signal), and gives up with 124 after --timeout. Since issue
// 16 it leaves the Closed sessions for receive (--collect removes them),
// and --json prints the statuses.

import (
	"encoding/json"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"linger/socket"
)

// wait blocks until the command has ended; --collect removes the session.
func TestWaitBlocksUntilEnd(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	naKeepServer(t, e)
	mark := filepath.Join(e.Dir, "ended")
	newDetached(t, e, "a", "sh", "-c", "sleep 1; touch "+mark)
	r := e.Run("wait", "--collect", "a")
	if r.Code != 0 || r.Stdout != "" || r.Stderr != "" {
		t.Errorf("wait --collect a: want exit 0 and no output\n%v", r)
	}
	if !fileExists(mark) {
		t.Errorf("wait returned before the command ended (%s missing)", mark)
	}
	if s := rxInfo(t, e, "a"); s != nil {
		t.Errorf("wait --collect should remove the session, ls still shows %+v", s)
	}
}

// The status is that of the first failing session in the order given.
func TestWaitFirstFailureInOrder(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	naKeepServer(t, e)
	newDetached(t, e, "ok", "sh", "-c", "exit 0")
	newDetached(t, e, "late3", "sh", "-c", "sleep 0.8; exit 3")
	newDetached(t, e, "early5", "sh", "-c", "sleep 0.2; exit 5")
	if r := e.Run("wait", "--collect", "ok", "late3", "early5"); r.Code != 3 {
		t.Errorf("wait --collect ok late3 early5: exit %d, want 3 (late3 is the first failing one in order)\n%v", r.Code, r)
	}
	for _, n := range []string{"ok", "late3", "early5"} {
		if rxInfo(t, e, n) != nil {
			t.Errorf("wait --collect should have removed %s", n)
		}
	}

	newDetached(t, e, "a", "sh", "-c", "sleep 0.2; exit 0")
	newDetached(t, e, "b", "sh", "-c", "exit 3")
	if r := e.Run("wait", "a", "b"); r.Code != 3 {
		t.Errorf("wait a b (b exits 3): exit %d, want 3\n%v", r.Code, r)
	}
	newDetached(t, e, "c", "true")
	newDetached(t, e, "d", "sh", "-c", "sleep 0.2")
	if r := e.Run("wait", "c", "d"); r.Code != 0 || r.Stderr != "" {
		t.Errorf("wait on two successful commands: want exit 0\n%v", r)
	}
}

// A command killed by signal N makes wait exit 128+N.
func TestWaitSignal(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	naKeepServer(t, e)
	newDetached(t, e, "s", "sh", "-c", "sleep 0.3; kill -TERM $$")
	if r := e.Run("wait", "s"); r.Code != 128+15 {
		t.Errorf("wait on a command killed by SIGTERM: exit %d, want 143\n%v", r.Code, r)
	}
	newDetached(t, e, "k", "sh", "-c", "kill -KILL $$")
	if r := e.Run("wait", "k"); r.Code != 128+9 {
		t.Errorf("wait on a command killed by SIGKILL: exit %d, want 137\n%v", r.Code, r)
	}
}

// --timeout gives up with 124 and leaves the session alone.
func TestWaitTimeout(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	newDetached(t, e, "long", "sleep", "100")
	start := time.Now()
	r := e.Run("wait", "--timeout", "1s", "long")
	took := time.Since(start)
	if r.Code != 124 {
		t.Errorf("wait --timeout 1s on a long command: exit %d, want 124\n%v", r.Code, r)
	}
	if !strings.Contains(r.Stderr, "timed out") {
		t.Errorf("stderr should say it timed out\n%v", r)
	}
	if took < 900*time.Millisecond || took > 6*time.Second {
		t.Errorf("wait --timeout 1s took %v", took)
	}
	s := rxInfo(t, e, "long")
	if s == nil || s.State != "Disconnected" || !procAlive(s.Pid) {
		t.Errorf("after a timed-out wait the session should still run: %+v", s)
	}
	// the server noticed the waiter left: a later wait still works
	if r := e.Run("wait", "--timeout", "500ms", "long"); r.Code != 124 {
		t.Errorf("second wait --timeout: exit %d, want 124\n%v", r.Code, r)
	}
}

// A session already Closed returns at once with its status.
func TestWaitAlreadyClosed(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	naKeepServer(t, e)
	newDetached(t, e, "c", "sh", "-c", "echo out; exit 2")
	rxWaitClosed(t, e, "c", harnessWait)
	start := time.Now()
	r := e.Run("wait", "--collect", "--timeout", "5s", "c")
	if r.Code != 2 {
		t.Errorf("wait on a Closed session: exit %d, want 2\n%v", r.Code, r)
	}
	if took := time.Since(start); took > 3*time.Second {
		t.Errorf("wait on a Closed session took %v, want at once", took)
	}
	if rxInfo(t, e, "c") != nil {
		t.Errorf("wait --collect should remove the Closed session")
	}
}

// wait also accepts IDs.
func TestWaitByID(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	naKeepServer(t, e)
	newDetached(t, e, "x", "sh", "-c", "sleep 0.2; exit 6")
	s := naWaitSession(t, e, "x", "listed", func(*socket.SessionInfo) bool { return true })
	if r := e.Run("wait", strconv.Itoa(s.ID)); r.Code != 6 {
		t.Errorf("wait ID: exit %d, want 6\n%v", r.Code, r)
	}
}

func TestWaitErrors(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	naKeepServer(t, e)
	naWantErr(t, e.Run("wait", "nosuch"), 1, "no session named", "nosuch")
	naWantErr(t, e.Run("wait", "keep", "nosuch"), 1, "no session named")
	naWantErr(t, e.Run("wait"), 2)
	naWantErr(t, e.Run("wait", "--timeout", "x", "keep"), 2, "--timeout")
	naWantErr(t, e.Run("wait", "--timeout", "-1s", "keep"), 2, "--timeout")
	if s := rxInfo(t, e, "keep"); s == nil || s.State != "Disconnected" {
		t.Errorf("failed waits should leave keep alone: %+v", s)
	}
}

// wait reports the status and leaves the Closed session with its output:
// a receive afterwards prints it and exits with the same status, and that
// receive removes the session (Wait-Job, then Receive-Job).
func TestWaitThenReceive(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	naKeepServer(t, e)
	newDetached(t, e, "job", "sh", "-c", "echo important; exit 2")
	if r := e.Run("wait", "job"); r.Code != 2 || r.Stdout != "" {
		t.Fatalf("wait job: want exit 2 and nothing on stdout\n%v", r)
	}
	s := rxInfo(t, e, "job")
	if s == nil || s.State != "Closed" || s.ExitCode == nil || *s.ExitCode != 2 || s.BufferedBytes != int64(len("important\r\n")) {
		t.Fatalf("after wait, job should be Closed with status 2 and its %d unreceived bytes: %+v", len("important\r\n"), s)
	}
	if r := e.Run("ls"); !strings.Contains(r.Stdout, "Closed (status 2)") {
		t.Errorf("ls should show job as Closed (status 2)\n%v", r)
	}
	// a second wait still finds it
	if r := e.Run("wait", "job"); r.Code != 2 {
		t.Errorf("second wait job: exit %d, want 2\n%v", r.Code, r)
	}
	r := e.Run("receive", "job")
	if r.Code != 2 || r.Stdout != "important\r\n" {
		t.Fatalf("receive after wait: want \"important\\r\\n\" and exit 2\n%v", r)
	}
	if s := rxInfo(t, e, "job"); s != nil {
		t.Errorf("the receive that reached the end should remove job: %+v", s)
	}
}

// A Closed session with nothing left to receive stays too: wait never
// removes a session without --collect, so wait then receive always works.
func TestWaitLeavesSessionWithNothingToReceive(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	naKeepServer(t, e)
	newDetached(t, e, "quiet", "sh", "-c", "exit 4")
	if r := e.Run("wait", "quiet"); r.Code != 4 {
		t.Fatalf("wait quiet: exit %d, want 4\n%v", r.Code, r)
	}
	if s := rxInfo(t, e, "quiet"); s == nil || s.State != "Closed" || s.BufferedBytes != 0 {
		t.Fatalf("after wait, quiet should still be listed, Closed with 0 bytes held: %+v", s)
	}
	if r := e.Run("receive", "quiet"); r.Code != 4 || r.Stdout != "" || r.Stderr != "" {
		t.Errorf("receive after wait: want exit 4 and no output\n%v", r)
	}
	if s := rxInfo(t, e, "quiet"); s != nil {
		t.Errorf("receive should remove quiet: %+v", s)
	}
}

// wait --collect keeps the old behaviour: the session goes, output and all.
func TestWaitCollect(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	naKeepServer(t, e)
	newDetached(t, e, "job", "sh", "-c", "echo important; exit 2")
	if r := e.Run("wait", "--collect", "job"); r.Code != 2 {
		t.Fatalf("wait --collect job: exit %d, want 2\n%v", r.Code, r)
	}
	if s := rxInfo(t, e, "job"); s != nil {
		t.Errorf("wait --collect should remove job: %+v", s)
	}
	naWantErr(t, e.Run("receive", "job"), 1, "no session named")
}

// wait --json prints one object per session, in the order given.
func TestWaitJSON(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	naKeepServer(t, e)
	newDetached(t, e, "three", "sh", "-c", "exit 3")
	newDetached(t, e, "sig", "sh", "-c", "kill -KILL $$")
	newDetached(t, e, "fine", "true")
	ids := map[string]int{}
	for _, n := range []string{"three", "sig", "fine"} {
		ids[n] = naWaitSession(t, e, n, "listed", func(*socket.SessionInfo) bool { return true }).ID
	}
	r := e.Run("wait", "--json", "three", "sig", "fine")
	if r.Code != 3 || r.Stderr != "" {
		t.Fatalf("wait --json: want exit 3 (three fails first) and no stderr\n%v", r)
	}
	var got []map[string]any
	if err := json.Unmarshal([]byte(r.Stdout), &got); err != nil {
		t.Fatalf("wait --json: not a JSON array (%v)\n%v", err, r)
	}
	num := func(v any) any {
		if f, ok := v.(float64); ok {
			return int(f)
		}
		return v
	}
	want := []map[string]any{
		{"id": ids["three"], "name": "three", "exit_code": 3, "exit_signal": nil, "status": 3},
		{"id": ids["sig"], "name": "sig", "exit_code": nil, "exit_signal": 9, "status": 128 + 9},
		{"id": ids["fine"], "name": "fine", "exit_code": 0, "exit_signal": nil, "status": 0},
	}
	if len(got) != len(want) {
		t.Fatalf("wait --json: %d objects, want %d\n%s", len(got), len(want), r.Stdout)
	}
	for i, w := range want {
		if len(got[i]) != len(w) {
			t.Errorf("object %d: fields %v, want exactly %v", i, got[i], w)
		}
		for k, v := range w {
			if g, ok := got[i][k]; !ok || num(g) != v {
				t.Errorf("object %d (%s): %s = %v, want %v\n%s", i, w["name"], k, g, v, r.Stdout)
			}
		}
	}
}
