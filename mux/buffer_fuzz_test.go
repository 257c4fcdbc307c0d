package mux

import (
	"testing"
)

// fzLimits are the buffer limits FuzzOutbuf picks from: around the chunk
// size and the buffer_size range, plus the degenerate 0 and 1.
var fzLimits = [...]int64{0, 1, 100, 4096, chunkSize - 1, chunkSize, chunkSize + 1, 100000, 3 * chunkSize, 1 << 20}

// fzPeriod is the period of the model stream: a prime, so that it lines up
// with no chunk boundary.
const fzPeriod = 65521

// fzStream holds the model output stream: the byte at absolute offset off
// is fzStream[off%fzPeriod], and fzStream is long enough to slice any
// chunk or add from there. A byte returned from the wrong offset is seen.
var fzStream = func() []byte {
	p := make([]byte, fzPeriod+2*chunkSize)
	x := uint32(2463534242)
	for i := range p {
		if i < fzPeriod {
			x ^= x << 13
			x ^= x >> 17
			x ^= x << 5
			p[i] = byte(x)
		} else {
			p[i] = p[i-fzPeriod]
		}
	}
	return p
}()

// fzAt is the model's n bytes at offset off (n <= 2*chunkSize).
func fzAt(off int64, n int) []byte {
	i := off % fzPeriod
	return fzStream[i : i+int64(n)]
}

func fzEqual(a, b []byte) bool { return string(a) == string(b) }

// FuzzOutbuf runs a sequence of operations on an outbuf, decoded from ops
// (one to three bytes each), the way Session uses it:
//
//	add n bytes with a limit, in block or drop mode   (pump, nobody attached)
//	sent n bytes                                      (written to attached clients, kept until acked)
//	mark received up to an offset                     (receive)
//	received up to an offset, freeing what is before  (an ack while attached, a clean detach)
//	read from an offset                               (receive, receive --all, replay)
//	the emulator reads what it has not seen           (screen.go's feeder)
//
// and checks after each one against a model of the stream's bytes:
// start <= recv <= end, none going back; held() is the sum of the chunk
// lengths; every chunk but the last is full and none is empty, so nothing
// is allocated when nothing is held; the held bytes and read(from) are
// exactly the stream's bytes (read: from max(from, start) to end); add
// never loses unreceived bytes in block mode, keeps at most the limit in
// drop mode and trims only what it must, received bytes first; every
// byte trimmed while unreceived is counted in dropped and unseen; every
// byte added is held, or was freed after being received, or was dropped.
func FuzzOutbuf(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte{0, 1, 0x80, 4, 0, 0})                                                       // one add, read all
	f.Add([]byte{0, 0x27, 0x11, 0, 0x27, 0x11, 0, 0x27, 0x11, 0, 0x27, 0x11})                // drop mode, over the limit
	f.Add([]byte{0, 0x50, 0x06, 2, 0x80, 0, 0x50, 0x06, 4, 0x00, 0})                         // received bytes make room first
	f.Add([]byte{0, 0x20, 0x08, 1, 0x10, 0, 0, 0x20, 0x09, 3, 0, 0x01, 0x02})                // sent, then acknowledged and freed
	f.Add([]byte{0, 0xff, 0xf0, 0, 0xff, 0xf0, 0, 0x10, 0x12, 5, 0, 5, 1})                   // chunk boundaries, receive, receive --all
	f.Add([]byte{0, 0xff, 0xfc, 0, 0xff, 0xfc, 2, 0x40, 0, 0xff, 0xff, 4, 0xff, 7})          // block then drop over the limit
	f.Add([]byte{0, 0x01, 0x01, 0, 0x01, 0x01, 4, 0xff, 0xff})                               // limit 0 drops everything
	f.Add([]byte{0, 0xff, 0xff, 0, 0xff, 0xff, 0, 0xff, 0xff, 0, 0xff, 0xff, 0, 0x10, 0x0d}) // 4 chunks, then cut to 100000
	f.Add([]byte{6, 0x33, 0x33, 2, 0x55, 6, 0x33, 0x14, 8, 0x66, 0x66, 2, 0xff, 0, 0, 0x13})

	f.Fuzz(func(t *testing.T, ops []byte) {
		if len(ops) > 3*64 {
			ops = ops[:3*64] // a bounded number of operations keeps each run fast
		}
		var b outbuf
		type lentSlice struct {
			off int64
			p   []byte
		}
		var lent []lentSlice // slices read handed out, to check they stay as they were
		var added, freed int64
		arg := func(i int) int {
			if i < len(ops) {
				return int(ops[i])
			}
			return 0
		}
		for i, step := 0, 0; i < len(ops); step++ {
			op, a1, a2 := ops[i]%7, arg(i+1), arg(i+2)
			before := b
			switch op {
			case 0: // add n bytes
				i += 3
				n := a1<<8 | a2 // up to 64KiB: adds cross chunk boundaries
				limit := fzLimits[(a1^a2)%len(fzLimits)]
				drop := a2&1 == 1
				if !drop && b.unreceived()+int64(n) > 512<<10 {
					b.received(b.end, false) // a receive, so block mode stays bounded
					before = b
				}
				added += int64(n)
				b.add(fzAt(b.end, n), limit, drop)

				trimmed := b.start - before.start
				// received bytes go first, then ones a reader was handed
				// (it has them): only bytes nobody got count as dropped
				trimmedRecv := min(trimmed, before.claim-before.start)
				freed += trimmedRecv
				if b.end != before.end+int64(n) {
					t.Fatalf("step %d: add %d: end %d -> %d", step, n, before.end, b.end)
				}
				if b.dropped-before.dropped != trimmed-trimmedRecv || b.unseen-before.unseen != trimmed-trimmedRecv {
					t.Fatalf("step %d: add %d (limit %d drop %v): trimmed %d of which %d received or claimed, but dropped %d -> %d, unseen %d -> %d",
						step, n, limit, drop, trimmed, trimmedRecv, before.dropped, b.dropped, before.unseen, b.unseen)
				}
				want := min(limit, before.held()+int64(n)) // kept when something must go
				if drop {
					if b.held() != want {
						t.Fatalf("step %d: add %d in drop mode, limit %d: held %d -> %d, want %d",
							step, n, limit, before.held(), b.held(), want)
					}
				} else {
					if b.unreceived() != before.unreceived()+int64(n) || b.dropped != before.dropped {
						t.Fatalf("step %d: add %d in block mode lost bytes: unreceived %d -> %d, dropped %d -> %d",
							step, n, before.unreceived(), b.unreceived(), before.dropped, b.dropped)
					}
					if b.held() != max(want, b.unreceived()) {
						t.Fatalf("step %d: add %d in block mode, limit %d: held %d -> %d (unreceived %d), want %d",
							step, n, limit, before.held(), b.held(), b.unreceived(), max(want, b.unreceived()))
					}
				}
			case 1: // sent n bytes to attached clients: kept, unreceived, never dropped
				i += 3
				n := a1<<8 | a2
				added += int64(n)
				b.sent(fzAt(b.end, n))
				if b.end != before.end+int64(n) || b.start != before.start || b.recv != before.recv || b.dropped != before.dropped {
					t.Fatalf("step %d: sent %d: start %d recv %d end %d dropped %d", step, n, b.start, b.recv, b.end, b.dropped)
				}
			case 2: // mark received up to a point of what is held
				i += 2
				b.received(b.start+b.held()*int64(a1)/255, false)
			case 3: // an acknowledgement while attached: received and freed
				i += 2
				off := b.start - 10 + (b.held()+20)*int64(a1)/255
				b.received(off, true)
				freed += b.start - before.start
				if b.recv != max(before.recv, min(off, before.end)) || b.start != b.recv {
					t.Fatalf("step %d: received(%d, free): start %d recv %d end %d (before: recv %d)", step, off, b.start, b.recv, b.end, before.recv)
				}
			case 4, 5: // read from an offset around what is held; 5 is a receive
				i += 3
				from := b.start - 100 + (b.held()+200)*int64(a1<<8|a2)/0xffff
				if op == 5 {
					from = b.claim // a receive takes what no reader was handed
					if a1&1 == 1 {
						from = b.start // --all
					}
				}
				lo := max(from, b.start)
				off := lo
				for j, p := range b.read(from) {
					if len(p) == 0 || len(p) > chunkSize || !fzEqual(p, fzAt(off, len(p))) {
						t.Fatalf("step %d: read(%d) with start %d end %d: slice %d (%d bytes at %d) is wrong",
							step, from, b.start, b.end, j, len(p), off)
					}
					lent = append(lent, lentSlice{off, p})
					off += int64(len(p))
				}
				if len(lent) > 64 {
					lent = lent[len(lent)-64:]
				}
				if off != max(lo, b.end) {
					t.Fatalf("step %d: read(%d) with start %d end %d: %d bytes, want %d",
						step, from, b.start, b.end, off-lo, max(b.end-lo, 0))
				}
				if op == 5 { // ... and the client acknowledged all of it
					b.unseen = 0
					b.received(b.end, false)
				}
			}

			if op == 6 { // the emulator reads what it has not seen, up to a point
				i += 2
				if !b.feeds { // an emulator starts with what is in memory
					b.feeds, b.fed = true, b.base
					before = b
				}
				data, to := b.feed(nil)
				off := b.fed
				for _, p := range data {
					if !fzEqual(p, fzAt(off, len(p))) {
						t.Fatalf("step %d: feed() from %d: wrong bytes at %d", step, b.fed, off)
					}
					off += int64(len(p))
				}
				if off != to || to != b.end {
					t.Fatalf("step %d: feed() from %d gave up to %d, returned %d, end %d", step, b.fed, off, to, b.end)
				}
				b.setFed(b.fed + (b.end-b.fed)*int64(a1)/255)
			}

			// invariants
			if want := b.start; b.base != want && !(b.feeds && b.base == min(b.start, b.fed)) {
				t.Fatalf("step %d (op %d): base %d, start %d, fed %d (feeds %v)", step, op, b.base, b.start, b.fed, b.feeds)
			}
			if b.feeds && b.fed < before.fed {
				t.Fatalf("step %d (op %d): fed went back %d -> %d", step, op, before.fed, b.fed)
			}
			if !(b.start <= b.recv && b.recv <= b.claim && b.claim <= b.end) {
				t.Fatalf("step %d (op %d): start %d recv %d claim %d end %d", step, op, b.start, b.recv, b.claim, b.end)
			}
			if b.start < before.start || b.end < before.end || b.recv < before.recv || b.dropped < before.dropped {
				t.Fatalf("step %d (op %d): an offset went back: start %d->%d recv %d->%d end %d->%d dropped %d->%d",
					step, op, before.start, b.start, before.recv, b.recv, before.end, b.end, before.dropped, b.dropped)
			}
			for _, l := range lent { // slices handed out never change (chunk reuse)
				if !fzEqual(l.p, fzAt(l.off, len(l.p))) {
					t.Fatalf("step %d (op %d): %d bytes read at %d have changed since", step, op, len(l.p), l.off)
				}
			}
			off := b.base
			for j, c := range b.chunks {
				if j == 0 {
					c = c[b.skip:]
				}
				if j < len(b.chunks)-1 && len(c) != cap(c) {
					t.Fatalf("step %d (op %d): chunk %d of %d not full (%d of %d)", step, op, j, len(b.chunks), len(c), cap(c))
				}
				if len(c) == 0 {
					t.Fatalf("step %d (op %d): empty chunk %d of %d", step, op, j, len(b.chunks))
				}
				if !fzEqual(c, fzAt(off, len(c))) {
					t.Fatalf("step %d (op %d): chunk %d (%d bytes at %d) differs from the stream", step, op, j, len(c), off)
				}
				off += int64(len(c))
			}
			if off != b.end {
				t.Fatalf("step %d (op %d): chunks hold %d bytes from %d, end %d", step, op, off-b.base, b.base, b.end)
			}
			if added != b.held()+freed+b.dropped {
				t.Fatalf("step %d (op %d): added %d != held %d + freed %d + dropped %d", step, op, added, b.held(), freed, b.dropped)
			}
		}
	})
}
