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
// within 3 heartbeats (+ margin), the attached client ends with its
// bracketed line, and another client attaches without --steal.
func TestHeartbeatBlackholeBreaksSession(t *testing.T) {
	e, host, p, sshEnv := hbSetup(t)
	tm := e.StartCmd(80, 24, []string{e.Bin, "-H", host, "attach", "x"}, []string{sshEnv})
	tm.WaitText("ready")
	naWaitSession(t, e, "x", "attached", hbAttached)

	p.Blackhole()
	start := time.Now()
	var state string
	if !pollQuiet(3*hbInterval+hbMargin, func() bool { state = hbState(t, e); return state == "Broken" }) {
		t.Fatalf("%v after the blackhole, session x is %s, want Broken", time.Since(start), state)
	}
	t.Logf("Broken after %v", time.Since(start))

	// the client hears nothing either: it gives up on its own
	tm.Timeout = 3*hbInterval + hbMargin + 2*time.Second // + ssh's reaping
	naWaitLine(tm, "[lost connection]")
	if code := tm.WaitExit(); code != 1 {
		t.Errorf("attached client exited %d, want 1", code)
	}

	other := e.Start(80, 24, "attach", "x")
	other.WaitText("ready")
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
