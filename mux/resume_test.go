package mux

import (
	"bytes"
	"errors"
	"testing"

	"linger/config"
)

// A lost owner resumes from the offset its terminal has: it gets exactly
// the bytes after it, nothing drawn, and its input count goes on; once
// another client attached meanwhile, a resume is refused with ErrMoved.
func TestResumeFromOffset(t *testing.T) {
	r := NewRegistry(config.Default(), "/tmp/test.sock", nil)
	defer r.Shutdown()
	s, err := r.New(NewOptions{Command: []string{"sh", "-c", "stty -echo; printf 0123456789; exec cat >/dev/null"},
		ClientEnv: []string{"PATH=/usr/bin:/bin"}, ClientCwd: "/"})
	if err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "the output to be held", func() bool { return s.Info(Viewer{}).Buffered == 10 })
	noReply := func(*Session) error { return nil }
	// The first client: restore none gives it the 10 bytes; it acknowledges
	// 4 (its terminal has written 6), types 3 bytes, and is lost.
	a := &recordClient{}
	var res AttachResult
	if _, _, err := r.Attach(AttachOptions{Target: s.Name(), Client: a, Info: ClientInfo{ID: "me"}, Cols: 80, Rows: 24,
		Restore: config.RestoreNone, Reply: noReply, Draw: func([]byte, int64) error { return nil }, Result: &res}); err != nil {
		t.Fatal(err)
	}
	s.Ack(a, 4)
	if err := s.Input(a, []byte("ab\n")); err != nil {
		t.Fatal(err)
	}
	r.Detach(s, a, true)

	var drawn bytes.Buffer
	b := &recordClient{}
	res = AttachResult{}
	if _, _, err := r.Attach(AttachOptions{Target: s.Name(), Client: b, Info: ClientInfo{ID: "me"}, Cols: 80, Rows: 24,
		Resume: &Resume{Offset: 6, Input: 3}, Reply: noReply,
		Draw: func(p []byte, _ int64) error { drawn.Write(p); return nil }, Result: &res}); err != nil {
		t.Fatal(err)
	}
	if !res.Exact || res.Offset != 6 || res.Input != 3 {
		t.Errorf("resume: %+v, want exact from offset 6 with 3 input bytes", res)
	}
	if got := drawn.String(); got != "6789" {
		t.Errorf("resume drew %q, want the bytes after offset 6, %q", got, "6789")
	}
	r.Detach(s, b, true)

	// Someone else attaches meanwhile: no resume.
	c := &recordClient{}
	if _, _, err := r.Attach(AttachOptions{Target: s.Name(), Client: c, Info: ClientInfo{ID: "other", From: "pts/9"}, Cols: 80, Rows: 24,
		Reply: noReply, Draw: func([]byte, int64) error { return nil }}); err != nil {
		t.Fatal(err)
	}
	r.Detach(s, c, false)
	_, _, err = r.Attach(AttachOptions{Target: s.Name(), Client: &recordClient{}, Info: ClientInfo{ID: "me"}, Cols: 80, Rows: 24,
		Resume: &Resume{Offset: 10}, Reply: noReply, Draw: func([]byte, int64) error { return nil }})
	if !errors.Is(err, ErrMoved) || err.Error() != "session attached elsewhere: session "+s.Name()+" was attached from pts/9 while disconnected" {
		t.Errorf("resume after another attach: %v, want ErrMoved naming pts/9", err)
	}
}
