package mux

import (
	"runtime"
	"strings"
	"testing"
	"time"

	"linger/config"

	"linger/shell"
)

// quietClient is a Client that takes output and says nothing.
type quietClient struct{ _ int }

func (*quietClient) Output([]byte, time.Time) error        { return nil }
func (*quietClient) Detached(string, string, *ClientInfo)  {}
func (*quietClient) Exited(string, shell.ExitStatus, bool) {}

// parkedPumps counts session pumps waiting for output on the poller.
func parkedPumps() int {
	buf := make([]byte, 1<<22)
	n := 0
	for _, g := range strings.Split(string(buf[:runtime.Stack(buf, true)]), "\n\n") {
		if strings.Contains(g, "[IO wait") && strings.Contains(g, "mux.(*Session).pump") {
			n++
		}
	}
	return n
}

func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// TestDetachEndsThePumpsWait: an attached session's pump waits for output
// on the runtime poller (the quick way back for an echo); once its last
// client detaches, the pump goes to the idle watcher and its goroutine
// ends, as if the session had been created detached.
func TestDetachEndsThePumpsWait(t *testing.T) {
	r := NewRegistry(config.Default(), "/tmp/test.sock", nil)
	defer r.Shutdown()
	s, err := r.New(NewOptions{Command: []string{"cat"}, ClientEnv: []string{"PATH=/usr/bin:/bin"}, ClientCwd: "/"})
	if err != nil {
		t.Fatal(err)
	}
	before := parkedPumps() // other tests' sessions
	c := &quietClient{}
	reply := func(*Session) error { return nil }
	draw := func([]byte, int64) error { return nil }
	if _, _, err := r.Attach(AttachOptions{Target: s.Name(), Client: c, Cols: 80, Rows: 24, Reply: reply, Draw: draw}); err != nil {
		t.Fatal(err)
	}
	if err := s.Input(c, []byte("x\n")); err != nil { // echoed, and cat prints it: the pump runs
		t.Fatal(err)
	}
	waitUntil(t, "the attached session's pump to wait on the poller", func() bool { return parkedPumps() == before+1 })
	if !r.Detach(s, c, false) {
		t.Fatal("not attached")
	}
	waitUntil(t, "the pump to leave the poller", func() bool { return parkedPumps() == before })
}
