package server

// Giving memory back after a burst. Creating, listing or attaching to many
// sessions allocates request buffers and JSON that become garbage at once;
// Go's heap keeps those pages (its scavenger returns them slowly, and not
// below a margin over the heap goal), so a server that created 1000
// sessions in a burst stayed 4 MB bigger than the sessions need. Once no
// request has arrived for quietAfter, the server collects and returns free
// memory to the system (trim: two full GCs and debug.FreeOSMemory, a few ms
// for a server of idle sessions), at most once per quiet spell.

import (
	"os"
	"runtime"
	"runtime/debug"
	"sync"
	"time"
)

// gcPercent is the server's GOGC, unless the environment sets one.
//
// Why not Go's default of 100: the heap goal is then at least 4 MB, so a
// burst of requests (each `new` leaves ~26 KB of garbage: the client's
// environment, decoded JSON, fork arguments) spreads over 4 MB of heap
// before the first collection, and the runtime's bookkeeping for it
// (spans, span sets, mark bits) stays resident for good, as do spans that
// keep one long-lived session object among the freed garbage. At 50 the
// floor is 2 MB: measured on 1000 idle sessions created one after another,
// the server's PSS is ~0.4 MB lower (about 5%). The price is twice as many
// collections per byte allocated; with a heap this small each takes well
// under a millisecond, and the data path allocates little per chunk.
const gcPercent = 50

// setGCPercent applies gcPercent unless GOGC is set.
func setGCPercent() {
	if _, set := os.LookupEnv("GOGC"); !set {
		debug.SetGCPercent(gcPercent)
	}
}

// quietAfter is how long without a request counts as quiet.
const quietAfter = 300 * time.Millisecond

// trim frees what a burst left and returns it to the system. It collects
// twice: buffers in sync.Pools (an ls of 1000 sessions pools ~0.5 MB of
// listing buffers, a busy session 32 KiB pty read buffers) are moved to the
// pools' victim caches by one collection and freed by the next; with one,
// a server that had listed 1000 sessions kept ~0.5 MB more for good.
func trim() {
	runtime.GC()
	debug.FreeOSMemory()
}

// trimmer runs trim when requests stop.
type trimmer struct {
	mu    sync.Mutex
	timer *time.Timer
}

// active notes a request; the trim runs quietAfter after the last one.
func (t *trimmer) active() {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.timer == nil {
		t.timer = time.AfterFunc(quietAfter, trim)
		return
	}
	t.timer.Reset(quietAfter)
}
