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

// A receive that lost its connection resumes from the offset its client
// wrote (acknowledged or not): the bytes before it count as received, the
// ones after it come again, whether or not the lost receive has ended yet
// (its claim is still held); a later plain receive gets nothing twice.
func TestReceiveResumesFromOffset(t *testing.T) {
	r := NewRegistry(config.Default(), "/tmp/test.sock", nil)
	defer r.Shutdown()
	s, err := r.New(NewOptions{Command: []string{"sh", "-c", "printf 0123456789abcdefghij; exec sleep 100"},
		ClientEnv: []string{"PATH=/usr/bin:/bin"}, ClientCwd: "/"})
	if err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "the output to be held", func() bool { return s.Info(Viewer{}).Buffered == 20 })
	lost := &recordClient{}
	base, got, err := s.Receive(lost, false, false, nil, "", func(int64, int64) error { return nil })
	if err != nil || base != 0 || got != 20 {
		t.Fatalf("first receive: base %d, %d bytes, %v", base, got, err)
	}
	// its client wrote 12 bytes and acknowledged 4; the connection broke
	// and the server has not seen it yet: the claim is still held
	from := int64(12)
	again := &recordClient{}
	var replied int64 = -1
	base2, got2, err := s.Receive(again, false, false, &from, "", func(b, _ int64) error { replied = b; return nil })
	if err != nil || base2 != 12 || replied != 12 || again.out.String() != "cdefghij" {
		t.Fatalf("resumed receive: base %d (reply %d), %d bytes %q, %v; want 12 and \"cdefghij\"", base2, replied, got2, again.out.String(), err)
	}
	s.EndReceive(lost, base, 4, got) // now the server sees the old one gone
	s.EndReceive(again, base2, got2, got2)
	if b := s.Info(Viewer{}).Buffered; b != 0 {
		t.Errorf("%d bytes unreceived after the resumed receive acknowledged all, want 0", b)
	}
	last := &recordClient{}
	base3, got3, _ := s.Receive(last, false, false, nil, "", func(int64, int64) error { return nil })
	s.EndReceive(last, base3, got3, got3)
	if got3 != 0 {
		t.Errorf("a later receive got %q again", last.out.String())
	}
}
