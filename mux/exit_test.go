package mux

import (
	"bytes"
	"errors"
	"testing"

	"linger/config"
	"linger/shell"
)

// statusClient records output and the exit status it is told.
type statusClient struct {
	recordClient
	exited chan shell.ExitStatus
}

func newStatusClient() *statusClient { return &statusClient{exited: make(chan shell.ExitStatus, 1)} }

func (c *statusClient) Exited(_ string, st shell.ExitStatus, _ bool) { c.exited <- st }

const exitOutput = 3000 // bytes the test command prints, then it exits 3

// exitSession starts a session printing exitOutput x's, then exiting 3,
// with c attached from the start (nil: detached).
func exitSession(t *testing.T, r *Registry, c Client) *Session {
	t.Helper()
	o := NewOptions{Command: []string{"sh", "-c", "head -c 3000 /dev/zero | tr '\\0' x; exit 3"},
		ClientEnv: []string{"PATH=/usr/bin:/bin"}, ClientCwd: "/"}
	if c != nil {
		o.Attach = &AttachOptions{Client: c}
	}
	s, err := r.New(o)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// receiveAll receives s's unreceived output, acknowledging all of it; it
// reports whether that collected the session.
func receiveAll(t *testing.T, s *Session) ([]byte, bool) {
	t.Helper()
	c := &recordClient{}
	base, n, err := s.Receive(c, false, false, nil, "", func(int64, int64) error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	closed, st := s.EndReceive(c, base, n, n)
	if closed && st.Code != 3 {
		t.Fatalf("receive: status %v, want 3", st)
	}
	return c.out.Bytes(), closed
}

func wantListed(t *testing.T, r *Registry, s *Session, listed bool) {
	t.Helper()
	_, err := r.Lookup(s.Name())
	switch {
	case listed && err != nil:
		t.Fatalf("the session is gone (%v), want it kept, Closed", err)
	case !listed && !errors.Is(err, ErrNoSession):
		t.Fatalf("the session is still there (%v), want it collected", err)
	}
}

// TestExitWhileAttachedKeepsUnacknowledged: a client attached when the
// command exits is told the status, but the session is collected only once
// the client has acknowledged all its output and confirmed the status. A
// client that leaves having acknowledged part of it leaves the session
// Closed with the rest, byte-exact, for the next receive, which collects
// it (TestLoad lost block-mode output this way: its terminal took nothing
// for SlowClientTimeout and the session was removed with the rest).
func TestExitWhileAttachedKeepsUnacknowledged(t *testing.T) {
	r := NewRegistry(config.Default(), "/tmp/test.sock", nil)
	defer r.Shutdown()
	c := newStatusClient()
	s := exitSession(t, r, c)
	if st := <-c.exited; st.Code != 3 {
		t.Fatalf("status %v, want 3", st)
	}
	if got := len(c.out.Bytes()); got != exitOutput {
		t.Fatalf("the client got %d bytes, want %d", got, exitOutput)
	}
	wantListed(t, r, s, true) // it has acknowledged nothing yet
	s.Ack(c, 1000)
	if s.Leave(c, true) {
		t.Fatal("Leave collected the session with 2000 bytes unacknowledged")
	}
	wantListed(t, r, s, true)
	if info := s.Info(Viewer{}); info.State != StateClosed || info.Buffered != exitOutput-1000 {
		t.Fatalf("after the client left: state %s, %d bytes unreceived; want Closed, %d", info.State, info.Buffered, exitOutput-1000)
	}
	got, collected := receiveAll(t, s)
	if len(got) != exitOutput-1000 || bytes.Count(got, []byte("x")) != len(got) {
		t.Fatalf("the receive got %d bytes %q..., want the %d unacknowledged x's", len(got), got[:min(len(got), 20)], exitOutput-1000)
	}
	if !collected {
		t.Fatal("the receive that got the rest did not collect the session")
	}
	r.Collect(s)
	wantListed(t, r, s, false)
}

// TestExitWhileAttachedCollectsWhenAllAcknowledged: the client that
// acknowledged everything and confirmed the status collects the session;
// one that acknowledged everything but went away before confirming the
// status leaves it Closed, for a receive to report the status.
func TestExitWhileAttachedCollectsWhenAllAcknowledged(t *testing.T) {
	for _, confirmed := range []bool{true, false} {
		r := NewRegistry(config.Default(), "/tmp/test.sock", nil)
		c := newStatusClient()
		s := exitSession(t, r, c)
		<-c.exited
		s.Ack(c, exitOutput)
		if got := s.Leave(c, confirmed); got != confirmed {
			t.Fatalf("confirmed=%v: Leave reported collected=%v", confirmed, got)
		}
		wantListed(t, r, s, !confirmed)
		if !confirmed {
			if got, collected := receiveAll(t, s); len(got) != 0 || !collected {
				t.Fatalf("the receive got %d bytes, collected=%v; want none, collected", len(got), collected)
			}
		}
		r.Shutdown()
	}
}

// TestAttachToClosedCollectsOnlyWhenAllAcknowledged: an attach to a Closed
// session is drawn its output and told the status; it collects the session
// only if it acknowledged all of it, else the next attach gets the rest.
func TestAttachToClosedCollectsOnlyWhenAllAcknowledged(t *testing.T) {
	r := NewRegistry(config.Default(), "/tmp/test.sock", nil)
	defer r.Shutdown()
	s := exitSession(t, r, nil)
	waitUntil(t, "the session to be Closed", s.Closed)

	attach := func(c Client) (drawn []byte) {
		t.Helper()
		_, closed, err := r.Attach(AttachOptions{Target: s.Name(), Client: c, Cols: 80, Rows: 24, Restore: config.RestoreNone,
			Reply: func(*Session) error { return nil },
			Draw:  func(p []byte, _ int64) error { drawn = append(drawn, p...); return nil }})
		if err != nil || !closed {
			t.Fatalf("attach: closed=%v, err=%v; want a Closed session", closed, err)
		}
		return drawn
	}
	c1 := &quietClient{}
	if got := len(attach(c1)); got != exitOutput {
		t.Fatalf("the first attach was drawn %d bytes, want %d", got, exitOutput)
	}
	s.Ack(c1, 1000)
	if s.Leave(c1, true) {
		t.Fatal("the first attach collected the session with 2000 bytes unacknowledged")
	}
	wantListed(t, r, s, true)
	c2 := &quietClient{}
	got := attach(c2)
	if len(got) != exitOutput-1000 || bytes.Count(got, []byte("x")) != len(got) {
		t.Fatalf("the second attach was drawn %d bytes, want the %d unacknowledged x's", len(got), exitOutput-1000)
	}
	s.Ack(c2, int64(len(got)))
	if !s.Leave(c2, true) {
		t.Fatal("the second attach, which acknowledged everything, did not collect the session")
	}
	wantListed(t, r, s, false)
}
