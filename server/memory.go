package server

// Giving memory back after a burst. Creating, listing or attaching to many
// sessions allocates request buffers and JSON that become garbage at once;
// Go's heap keeps those pages (its scavenger returns them slowly, and not
// below a margin over the heap goal), so a server that created 1000
// sessions in a burst stayed 4 MB bigger than the sessions need. Once no
// request has arrived for quietAfter, the server collects and returns free
// memory to the system (debug.FreeOSMemory: a full GC, a few ms for a
// server of idle sessions), at most once per quiet spell.

import (
	"runtime/debug"
	"sync"
	"time"
)

// quietAfter is how long without a request counts as quiet.
const quietAfter = 300 * time.Millisecond

// trimmer runs FreeOSMemory when requests stop.
type trimmer struct {
	mu    sync.Mutex
	timer *time.Timer
}

// active notes a request; the trim runs quietAfter after the last one.
func (t *trimmer) active() {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.timer == nil {
		t.timer = time.AfterFunc(quietAfter, debug.FreeOSMemory)
		return
	}
	t.timer.Reset(quietAfter)
}
