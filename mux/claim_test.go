package mux

import (
	"bytes"
	"sync"
	"testing"
	"time"

	"linger/config"
)

// recordClient is a quiet Client that keeps what it is given.
type recordClient struct {
	quietClient
	mu  sync.Mutex
	out bytes.Buffer
}

func (c *recordClient) Output(p []byte, _ time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.out.Write(p)
	return nil
}

// TestEmptyReceiveKeepsAnotherReadersClaim: a receive that gets nothing,
// because an attached client holds every byte unacknowledged, must not
// mark those bytes received: when that client then goes away without
// acknowledging them, the next receive gets them (TestLoad lost up to
// 300 KB per session this way).
func TestEmptyReceiveKeepsAnotherReadersClaim(t *testing.T) {
	r := NewRegistry(config.Default(), "/tmp/test.sock", nil)
	defer r.Shutdown()
	const n = 3000
	s, err := r.New(NewOptions{Command: []string{"sh", "-c", "head -c 3000 /dev/zero | tr '\\0' x; exec sleep 100"},
		ClientEnv: []string{"PATH=/usr/bin:/bin"}, ClientCwd: "/"})
	if err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "the output to be held", func() bool { return s.Info(Viewer{}).Buffered == n })

	// An attach takes the held output (restore none: the bytes themselves)
	// and acknowledges none of it.
	var drawn int64
	a := &quietClient{}
	if _, _, err := r.Attach(AttachOptions{Target: s.Name(), Client: a, Cols: 80, Rows: 24, Restore: config.RestoreNone,
		Reply: func(*Session) error { return nil },
		Draw:  func(p []byte, covered int64) error { drawn += covered; return nil }}); err != nil {
		t.Fatal(err)
	}
	if drawn != n {
		t.Fatalf("the attach was drawn %d bytes, want %d", drawn, n)
	}

	receive := func() []byte {
		t.Helper()
		c := &recordClient{}
		base, got, err := s.Receive(c, false, false, nil, "", func(int64, int64) error { return nil })
		if err != nil {
			t.Fatal(err)
		}
		s.EndReceive(c, base, got, got) // all it got, acknowledged
		return c.out.Bytes()
	}
	if got := receive(); len(got) != 0 {
		t.Fatalf("a receive during the attach got %d bytes, want none (the attach holds them)", len(got))
	}
	// The attached client dies without acknowledging: its bytes go back.
	if !r.Detach(s, a, true) {
		t.Fatal("not attached")
	}
	if got := receive(); len(got) != n || bytes.Count(got, []byte("x")) != n {
		t.Fatalf("the receive after the attach died got %d bytes, want its %d unacknowledged ones", len(got), n)
	}
}
