package mux

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"linger/config"
)

// gateClient is a recordClient whose first Output waits for gate: a
// reader that is slow while the session goes on.
type gateClient struct {
	recordClient
	gate  chan struct{}
	first bool
}

func (c *gateClient) Output(p []byte, d time.Time) error {
	if !c.first {
		c.first = true
		<-c.gate
	}
	return c.recordClient.Output(p, d)
}

// TestFollowReceiveGetsTheTailOfAnEndedCommand: a follow receive catching
// up while the command prints its last output and ends must still get
// that output (it returned early, and receive -f exited 0 without it:
// seen over ssh, where the reader is slow).
func TestFollowReceiveGetsTheTailOfAnEndedCommand(t *testing.T) {
	r := NewRegistry(config.Default(), "/tmp/test.sock", nil)
	defer r.Shutdown()
	goFile := filepath.Join(t.TempDir(), "go")
	s, err := r.New(NewOptions{Command: []string{"sh", "-c", "echo first; while [ ! -e " + goFile + " ]; do sleep 0.01; done; echo last; exit 3"},
		ClientEnv: []string{"PATH=/usr/bin:/bin"}, ClientCwd: "/"})
	if err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "the first line to be held", func() bool { return s.Info(Viewer{}).Buffered > 0 })
	c := &gateClient{gate: make(chan struct{})}
	type result struct {
		base, n int64
		err     error
	}
	done := make(chan result, 1)
	go func() {
		base, n, err := s.Receive(c, false, true, nil, "", func(int64, int64) error { return nil })
		done <- result{base, n, err}
	}()
	// While the receive writes the first line, the command prints the
	// last one and ends.
	if err := os.WriteFile(goFile, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "the command to end", s.Closed)
	close(c.gate)
	res := <-done
	if res.err != nil {
		t.Fatal(res.err)
	}
	if got := c.out.String(); !strings.Contains(got, "first") || !strings.Contains(got, "last") {
		t.Fatalf("the follow receive got %q, want both lines", got)
	}
	if closed, st := s.EndReceive(c, res.base, res.n, res.n); !closed || st.ShellCode() != 3 {
		t.Errorf("after receiving everything: closed %v, status %v; want Closed with status 3", closed, st)
	}
}
