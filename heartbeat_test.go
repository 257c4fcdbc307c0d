package main

// Heartbeats on remote connections (see Heartbeats in socket/protocol.go):
// through a real sshd behind the fault proxy, with the server's
// [server] heartbeat at 300ms.

import (
	"strings"
	"testing"
	"time"

	"linger/socket"
)

const (
	hbInterval = 300 * time.Millisecond
	// hbMargin is what a loaded machine may add to 3 heartbeats: a poll
	// of ls, ssh's scheduling.
	hbMargin = 3 * time.Second
)

// hbSetup starts the env's server with heartbeat = "300ms" and a session
// x printing "ready", and returns the -H URL of the sshd behind a fault
// proxy, the proxy, and ssh's environment.
func hbSetup(t *testing.T) (*env, string, *faultProxy, string) {
	t.Helper()
	e := newEnv(t)
	e.WriteConfig("[server]\nheartbeat = \"300ms\"\n")
	s := startSSHD(t, e)
	alias, p := s.ViaProxy(t, "proxied")
	// started here, so that it reads the configuration (ssh's login
	// does not pass LINGER_CONFIG)
	if r := e.Run("new", "-d", "x", "--", "sh", "-c", "echo ready; exec sleep 1000"); r.Code != 0 {
		t.Fatalf("new -d x: %v", r)
	}
	return e, "ssh://" + alias, p, s.Env
}

// hbState is session x's state as ls (a local client) sees it.
func hbState(t *testing.T, e *env) string {
	t.Helper()
	if s := naSession(naLsJSON(t, e), "x"); s != nil {
		return s.State
	}
	return "(gone)"
}

// hbAttached: attached elsewhere, as ls from another client says it.
func hbAttached(s *socket.SessionInfo) bool {
	return s.State == "Disconnected" && s.Availability == "Busy"
}

// A blackholed connection (sockets open, nothing moves: no EOF to see) is
// found by heartbeats: ls from another client shows the session Broken
// within 3 heartbeats (+ margin), and the attached client, hearing nothing
// either, reconnects (its title says so). When the network forwards again
// it resumes: attached again, keys and output flowing. During a second
// outage another client attaches without --steal (Broken is available),
// and the reconnecting client then gives up, saying who took the session.
func TestHeartbeatBlackholeBreaksSession(t *testing.T) {
	e, host, p, sshEnv := hbSetup(t)
	tm := e.StartCmd(80, 24, []string{e.Bin, "-H", host, "attach", "x"}, []string{sshEnv})
	tm.WaitText("ready")
	naWaitSession(t, e, "x", "attached", hbAttached)

	broken := func() {
		t.Helper()
		p.Blackhole()
		start := time.Now()
		var state string
		if !pollQuiet(3*hbInterval+hbMargin, func() bool { state = hbState(t, e); return state == "Broken" }) {
			t.Fatalf("%v after the blackhole, session x is %s, want Broken", time.Since(start), state)
		}
		t.Logf("Broken after %v", time.Since(start))
	}
	// (counted first: the client may say it before ls sees Broken)
	seen := strings.Count(string(tm.Output()), "reconnecting (attempt 1")
	broken()
	// the client hears nothing either: it reconnects
	if !pollQuiet(3*hbInterval+hbMargin, func() bool { return strings.Count(string(tm.Output()), "reconnecting (attempt 1") > seen }) {
		t.Fatalf("the client does not say it is reconnecting:\n%q", tm.Output())
	}
	p.Forward()
	naWaitSession(t, e, "x", "attached again", hbAttached)
	tm.Type("typed-after-resume")
	tm.WaitText("typed-after-resume") // the session's pty echoes it

	broken()
	other := e.Start(80, 24, "attach", "x")
	other.WaitText("ready")
	p.Forward()
	tm.WaitText("[session x was attached from pts/")
	if code := tm.WaitExit(); code != 1 {
		t.Errorf("reconnecting client exited %d, want 1", code)
	}
	naDetachAndWait(t, other, "x")
}

// Heartbeats keep an idle attached remote client attached for many
// intervals (no false Broken), and a long quiet wait over ssh gets its
// answer.
func TestHeartbeatKeepsIdleClient(t *testing.T) {
	e, host, _, sshEnv := hbSetup(t)
	tm := e.StartCmd(80, 24, []string{e.Bin, "-H", host, "attach", "x"}, []string{sshEnv})
	tm.WaitText("ready")
	naWaitSession(t, e, "x", "attached", hbAttached)

	if r := e.Run("new", "-d", "w", "--", "sh", "-c", "sleep 3; exit 7"); r.Code != 0 {
		t.Fatalf("new -d w: %v", r)
	}
	waited := make(chan result, 1)
	go func() { waited <- e.RunEnv([]string{sshEnv}, "-H", host, "wait", "w") }()

	// 10 intervals and more of silence on the attach
	until := time.Now().Add(10 * hbInterval)
	for time.Now().Before(until) {
		if s := naSession(naLsJSON(t, e), "x"); s == nil || !hbAttached(s) {
			t.Fatalf("idle remote client: session x is %+v, want attached", s)
		}
		time.Sleep(hbInterval / 2)
	}
	if r := <-waited; r.Code != 7 {
		t.Errorf("wait over ssh for 10 heartbeats: %v, want exit 7", r)
	}
	if strings.Contains(tm.Screen(), "lost connection") {
		t.Fatalf("idle client lost its connection:\n%s", tm.Screen())
	}
	naDetachAndWait(t, tm, "x")
}

// receive -f and wait over a blackholed connection end on their own, with
// an error, once the server has been silent for 3 heartbeats (before
// heartbeats they waited forever); the server lets go of them too. (With
// --reconnect-timeout 0: otherwise they reconnect, cmd_rxwait_test.go.)
func TestHeartbeatBlackholeEndsReceiveAndWait(t *testing.T) {
	e, host, p, sshEnv := hbSetup(t)
	type ran struct {
		r   result
		end time.Time
	}
	rx, wt := make(chan ran, 1), make(chan ran, 1)
	go func() {
		r := e.RunEnv([]string{sshEnv}, "-H", host, "receive", "--reconnect-timeout", "0", "-f", "x")
		rx <- ran{r, time.Now()}
	}()
	go func() {
		r := e.RunEnv([]string{sshEnv}, "-H", host, "wait", "--reconnect-timeout", "0", "x")
		wt <- ran{r, time.Now()}
	}()
	// both are connected: two relayed connections through the proxy,
	// and receive -f took "ready"
	naWaitSession(t, e, "x", "received", func(s *socket.SessionInfo) bool { return s.BufferedBytes == 0 })
	if !pollQuiet(harnessWait, func() bool { return p.Accepted() == 2 }) {
		t.Fatalf("%d connections through the proxy, want 2", p.Accepted())
	}
	time.Sleep(2 * hbInterval) // quiet, connected: nothing ends
	select {
	case r := <-rx:
		t.Fatalf("receive -f ended while connected: %v", r.r)
	case r := <-wt:
		t.Fatalf("wait ended while connected: %v", r.r)
	default:
	}

	p.Blackhole()
	start := time.Now()
	for name, ch := range map[string]chan ran{"receive -f": rx, "wait": wt} {
		var r ran
		select {
		case r = <-ch:
		case <-time.After(3*hbInterval + hbMargin + 5*time.Second):
			t.Fatalf("%s still runs %v after the blackhole", name, time.Since(start))
		}
		if el := r.end.Sub(start); el > 3*hbInterval+hbMargin+time.Second {
			t.Errorf("%s ended %v after the blackhole", name, el)
		}
		if r.r.Code != 1 || !strings.Contains(r.r.Stderr, "heard nothing") {
			t.Errorf("%s over a blackhole: %v, want exit 1 and heard nothing", name, r.r)
		}
	}
	if r := e.Run("receive", "x"); r.Code != 0 {
		t.Errorf("receive x after the blackhole: %v", r)
	}
}
