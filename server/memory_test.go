package server

import "testing"

// TestTrimEmptiesPools: the quiet-time trim frees what sync.Pools hold (an
// ls of many sessions leaves large listing buffers there). A single
// collection only moves them to the pools' victim caches, where the next
// Get still finds them.
func TestTrimEmptiesPools(t *testing.T) {
	// Two, so that one is in a per-P pool's shared part, which a Get on
	// any P finds (the private one only on the P that put it).
	a, b := listPool.New().(*lister), listPool.New().(*lister)
	a.release()
	b.release()
	trim()
	if got := listPool.Get().(*lister); got == a || got == b {
		t.Error("a pooled lister survived the trim")
	}
}
