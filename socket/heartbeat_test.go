package socket

import (
	"errors"
	"os"
	"testing"
	"time"
)

// Heartbeats: two quiet ends that both beat stay connected for many
// intervals and never see a MsgHeartbeat; an end whose peer does not beat
// fails with ErrSilent after SilentBeats intervals; a read deadline that
// comes first is a plain deadline.
func TestHeartbeat(t *testing.T) {
	const beat = 100 * time.Millisecond // long enough for a loaded machine to keep
	a, b := fzSocketpair(t)
	ca, cb := NewConn(a), NewConn(b)
	defer ca.Close()
	defer cb.Close()
	ca.StartHeartbeat(beat)
	cb.StartHeartbeat(beat)
	got := make(chan error, 1)
	go func() {
		typ, p, err := cb.ReadFrame()
		if err == nil && (typ != MsgInput || string(p) != "late") {
			err = errors.New("wrong frame")
		}
		got <- err
	}()
	time.Sleep(10 * beat) // quiet, but both alive
	if err := ca.WriteFrame(MsgInput, []byte("late")); err != nil {
		t.Fatal(err)
	}
	if err := <-got; err != nil {
		t.Fatalf("after 10 quiet intervals: %v, want the frame", err)
	}

	// ca stops beating (closed writer side only: its socket stays open)
	c, d := fzSocketpair(t)
	defer c.Close()
	cd := NewConn(d)
	defer cd.Close()
	cd.StartHeartbeat(beat)
	start := time.Now()
	_, _, err := cd.ReadFrame()
	if !errors.Is(err, ErrSilent) {
		t.Fatalf("silent peer: %v, want ErrSilent", err)
	}
	if el := time.Since(start); el < SilentBeats*beat || el > SilentBeats*beat+time.Second {
		t.Errorf("silent peer found after %v, want about %v", el, SilentBeats*beat)
	}

	// a read deadline before the silence counts: a plain timeout
	e, f := fzSocketpair(t)
	defer e.Close()
	cf := NewConn(f)
	defer cf.Close()
	cf.StartHeartbeat(time.Hour)
	cf.SetReadDeadline(time.Now().Add(beat))
	if _, _, err := cf.ReadFrame(); errors.Is(err, ErrSilent) || !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("read deadline: %v, want a plain deadline", err)
	}
}
