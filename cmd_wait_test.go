package main

// End-to-end tests of `linger wait` (issue 3): it blocks until the named
// sessions' commands end, exits with the first failure in the order given
// (128+N for a signal), collects the sessions, and gives up with 124 after
// --timeout.

import (
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"linger/socket"
)

// wait blocks until the command has ended, and collects the session.
func TestWaitBlocksUntilEnd(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	naKeepServer(t, e)
	mark := filepath.Join(e.Dir, "ended")
	newDetached(t, e, "a", "sh", "-c", "sleep 1; touch "+mark)
	r := e.Run("wait", "a")
	if r.Code != 0 || r.Stdout != "" || r.Stderr != "" {
		t.Errorf("wait a: want exit 0 and no output\n%v", r)
	}
	if !fileExists(mark) {
		t.Errorf("wait returned before the command ended (%s missing)", mark)
	}
	if s := rxInfo(t, e, "a"); s != nil {
		t.Errorf("wait should collect the session, ls still shows %+v", s)
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
	if r := e.Run("wait", "ok", "late3", "early5"); r.Code != 3 {
		t.Errorf("wait ok late3 early5: exit %d, want 3 (late3 is the first failing one in order)\n%v", r.Code, r)
	}
	for _, n := range []string{"ok", "late3", "early5"} {
		if rxInfo(t, e, n) != nil {
			t.Errorf("wait should have collected %s", n)
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
	r := e.Run("wait", "--timeout", "5s", "c")
	if r.Code != 2 {
		t.Errorf("wait on a Closed session: exit %d, want 2\n%v", r.Code, r)
	}
	if took := time.Since(start); took > 3*time.Second {
		t.Errorf("wait on a Closed session took %v, want at once", took)
	}
	if rxInfo(t, e, "c") != nil {
		t.Errorf("wait should collect the Closed session")
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
