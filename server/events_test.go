package server

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"linger/mux"
)

func eventSeqs(t *testing.T, lines [][]byte) (types []string, seqs []int64) {
	t.Helper()
	for _, l := range lines {
		var ev struct {
			Seq  int64  `json:"seq"`
			Type string `json:"type"`
		}
		if err := json.Unmarshal(l, &ev); err != nil || l[len(l)-1] != '\n' {
			t.Fatalf("line %q: %v", l, err)
		}
		types, seqs = append(types, ev.Type), append(seqs, ev.Seq)
	}
	return types, seqs
}

// Emit never waits for a subscriber that does not read: it is dropped
// (lagged) once its queue of event_history events is full, and the ring
// keeps the last event_history events.
func TestEventHubStuckSubscriberNeverBlocks(t *testing.T) {
	h := newEventHub(8)
	stuck := &eventFilter{}
	_, sub := h.subscribe(stuck, nil, true)
	lagged := make(chan struct{})
	sub.onLag = func() { close(lagged) }
	start := time.Now()
	for i := range 100000 {
		h.Emit(mux.EventCreated, i+1, "s", mux.CreatedEvent{Pid: i})
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("100000 events with a stuck subscriber took %s", d)
	}
	select {
	case <-sub.lagged:
	default:
		t.Fatal("the stuck subscriber was not dropped")
	}
	<-lagged
	if n := len(sub.ch); n != 8 || h.lastQueued(sub) != 8 {
		t.Errorf("queue %d, last queued %d; want 8 and 8", n, h.lastQueued(sub))
	}
	if len(h.subs) != 0 {
		t.Errorf("%d subscribers left", len(h.subs))
	}
	replay, _ := h.subscribe(&eventFilter{}, nil, false)
	if _, seqs := eventSeqs(t, replay); len(seqs) != 8 || seqs[0] != 99993 || seqs[7] != 100000 {
		t.Errorf("ring holds %v, want 99993..100000", seqs)
	}
}

// --since replays after a seq, with a gap line first when some of what it
// asks for is forgotten; a follow registers in the same instant.
func TestEventHubSinceGapAndResize(t *testing.T) {
	h := newEventHub(4)
	for i := range 6 {
		h.Emit(mux.EventRenamed, 1, "n", mux.RenamedEvent{Old: "o", New: "n" + string(rune('a'+i))})
	}
	since := int64(1)
	replay, sub := h.subscribe(&eventFilter{}, &since, true)
	types, seqs := eventSeqs(t, replay)
	if strings.Join(types, " ") != "gap session.renamed session.renamed session.renamed session.renamed" || seqs[0] != 2 || seqs[1] != 3 || seqs[4] != 6 {
		t.Errorf("since 1: %v %v", types, seqs)
	}
	if !strings.Contains(string(replay[0]), `"missed":1`) {
		t.Errorf("gap: %s", replay[0])
	}
	h.Emit(EventServerStopping, 0, "", nil)
	if e := <-sub.ch; e.seq != 7 {
		t.Errorf("followed: seq %d, want 7", e.seq)
	}
	h.setLimit(2)
	replay, _ = h.subscribe(&eventFilter{}, nil, false)
	if _, seqs := eventSeqs(t, replay); len(seqs) != 2 || seqs[0] != 6 {
		t.Errorf("after setLimit(2): %v", seqs)
	}
}

// --session follows a session through renames, by ID once named.
func TestEventFilterFollowsRenames(t *testing.T) {
	h := newEventHub(16)
	h.Emit(mux.EventCreated, 1, "a", nil)
	h.Emit(mux.EventCreated, 2, "b", nil)
	h.Emit(mux.EventRenamed, 1, "z", mux.RenamedEvent{Old: "a", New: "z"})
	h.Emit(mux.EventExited, 1, "z", nil)
	h.Emit(EventServerStopping, 0, "", nil)
	replay, _ := h.subscribe(&eventFilter{targets: []string{"a"}, types: []string{"session.*", "server.stopping"}}, nil, false)
	types, seqs := eventSeqs(t, replay)
	if strings.Join(types, " ") != "session.created session.renamed session.exited server.stopping" || seqs[0] != 1 {
		t.Errorf("--session a: %v %v", types, seqs)
	}
}
