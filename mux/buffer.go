package mux

import "sync"

// chunkSize is the largest unit in which output is kept: memory is taken
// one chunk at a time as output arrives, so a quiet session's buffer costs
// nothing, and chunks grow to this size from small ones (newChunkSize).
const chunkSize = 64 << 10

// outbuf keeps a session's output for whoever comes back, addressed by
// absolute byte offset since the session started.
//
// It holds the bytes from start to end. Bytes before recv have been
// received: a client acknowledged writing them to its terminal (MsgAck),
// or detached cleanly after they were sent, or receive printed them. Bytes
// before claim have been handed to a reader (an attached client, a replay,
// a receive) that has not acknowledged them yet: the next reader starts at
// claim, so two readers never get the same bytes, and a reader that dies
// gives its claim back (claim returns to recv) so the next one gets them.
// Received bytes are kept only until the space is needed, or at once while
// a client is attached; `receive --all` can print them again.
//
// Independently of readers, the session's terminal emulator reads the
// buffer too (see screen.go): with feeds set, bytes from fed on are kept
// in memory even once received or dropped, until the emulator has seen
// them. That is physical retention only: readers never see bytes before
// start.
//
//	base <= start <= recv <= claim <= end (recv and claim never below start)
//	base <= fed <= end, base == min(start, fed) when feeds, else start
//
// The owner (Session) holds its lock around every method.
type outbuf struct {
	chunks  [][]byte // chunks[0][skip] is at offset base; all but the last are full
	skip    int      // bytes freed at the front of chunks[0] (kept whole for reuse)
	base    int64    // offset of the first byte in memory
	start   int64    // offset of the first byte a reader can get
	fed     int64    // with feeds: offset up to which the emulator has read
	feeds   bool     // an emulator reads this buffer (fed holds bytes)
	end     int64    // offset after the last byte the program wrote
	recv    int64    // offset up to which output has been received
	claim   int64    // offset up to which output has been handed to a reader
	dropped int64    // bytes discarded in drop mode, in all
	unseen  int64    // dropped bytes no receive has reported yet
	lent    int64    // read has handed out slices of the bytes before this
}

// unreceived is how many bytes are held that nobody has received.
func (b *outbuf) unreceived() int64 { return b.end - b.recv }

// take hands the unclaimed bytes to a reader: it returns them and the
// offset they start at, and claims them.
func (b *outbuf) take() (data [][]byte, base int64) {
	base = b.claim
	data = b.read(b.claim)
	b.claim = b.end
	return data, base
}

// unclaim gives back what was handed out but not received (a reader died
// before acknowledging it), so the next reader gets it.
func (b *outbuf) unclaim() { b.claim = b.recv }

// held is how many bytes are held, received or not.
func (b *outbuf) held() int64 { return b.end - b.start }

// sent keeps output written to attached clients until they acknowledge
// it. No limit applies: the pump blocks on a client that does not read, so
// what is in flight is bounded by the socket buffers.
func (b *outbuf) sent(p []byte) {
	b.appendBytes(p)
	b.claim = b.end
}

// received marks everything before off as received and, with drop set,
// frees it (a client is attached: nothing needs keeping).
func (b *outbuf) received(off int64, free bool) {
	b.recv = max(b.recv, min(off, b.end))
	b.claim = max(b.claim, b.recv)
	if free {
		b.trim(b.recv - b.start)
	}
}

// feed appends to out the bytes the emulator has not seen, from fed on,
// and returns them and the offset after them.
func (b *outbuf) feed(out [][]byte) (data [][]byte, to int64) {
	return b.readFrom(b.fed, out), b.end
}

// setFed records that the emulator has seen everything before off, and
// frees what nobody needs any more.
func (b *outbuf) setFed(off int64) {
	b.fed = max(b.fed, min(off, b.end))
	b.free()
}

// unfed is how many bytes the emulator has not seen.
func (b *outbuf) unfed() int64 {
	if !b.feeds {
		return 0
	}
	return b.end - b.fed
}

// add keeps p as unreceived output. In drop mode (limit > 0 and drop set),
// the oldest bytes go first so that at most limit bytes are held: received
// ones, then ones handed to a reader that has not acknowledged them (it
// has them), then ones nobody got, which are counted as dropped. In block
// mode the caller stops reading before unreceived output exceeds the
// limit; received bytes still make room.
func (b *outbuf) add(p []byte, limit int64, drop bool) {
	b.appendBytes(p)
	if excess := b.held() - limit; excess > 0 {
		// received bytes make room first
		b.trim(min(excess, b.recv-b.start))
		if excess = b.held() - limit; excess > 0 && drop {
			claimed := min(excess, b.claim-b.start)
			b.trim(excess)
			b.recv = max(b.recv, b.start)
			b.claim = max(b.claim, b.start)
			b.dropped += excess - claimed
			b.unseen += excess - claimed
		}
	}
}

// appendBytes copies p to the end, a chunk at a time.
func (b *outbuf) appendBytes(p []byte) {
	for len(p) > 0 {
		if n := len(b.chunks); n == 0 || len(b.chunks[n-1]) == cap(b.chunks[n-1]) {
			last := 0
			if n > 0 {
				last = cap(b.chunks[n-1])
			}
			size := newChunkSize(last, len(p))
			if size == chunkSize {
				b.chunks = append(b.chunks, chunkPool.Get().(*[chunkSize]byte)[:0])
			} else {
				b.chunks = append(b.chunks, make([]byte, 0, size))
			}
		}
		last := &b.chunks[len(b.chunks)-1]
		k := min(cap(*last)-len(*last), len(p))
		*last = append(*last, p[:k]...)
		p = p[k:]
		b.end += int64(k)
	}
}

// newChunkSize is the capacity of a new chunk for p bytes after a full
// chunk of capacity last (0: none held). Chunks start small and double up
// to chunkSize, each at least p rounded up to a power of two: a key's echo
// in an attached session (whose buffer empties at every acknowledgement)
// or a detached shell's prompt takes 64 bytes, a detached session that
// printed a few KiB holds a few KiB, not a 64 KiB chunk, and output that
// accumulates soon gets full chunks.
func newChunkSize(last, p int) int {
	c := max(minChunk, 2*last)
	for c < p && c < chunkSize {
		c *= 2
	}
	return min(c, chunkSize)
}

// minChunk is the smallest chunk.
const minChunk = 64

// trim discards n bytes from the front for readers, and frees them unless
// the emulator still needs them.
func (b *outbuf) trim(n int64) {
	b.start += n
	b.free()
}

// free releases the memory of bytes before start (and fed, with feeds).
// A full-size chunk nobody was handed a slice of (lent) goes back to
// chunkPool.
func (b *outbuf) free() {
	to := b.start
	if b.feeds {
		to = min(to, b.fed)
	}
	n := to - b.base
	if n <= 0 {
		return
	}
	at := b.base - int64(b.skip) // offset of chunks[0][0]
	b.base = to
	for len(b.chunks) > 0 {
		c := b.chunks[0]
		rest := int64(len(c) - b.skip)
		if n < rest {
			b.skip += int(n)
			return
		}
		n -= rest
		if cap(c) == chunkSize && at >= b.lent {
			chunkPool.Put((*[chunkSize]byte)(c[:chunkSize]))
		}
		at += int64(len(c))
		b.chunks[0] = nil
		b.chunks = b.chunks[1:]
		b.skip = 0
	}
	b.chunks = nil
}

// chunkPool keeps full-size chunks for reuse. During an attached `cat`
// every byte passes through a session's buffer (kept until the client has
// it and the emulator has seen it): with a new chunk per 64 KiB, the
// buffer made 96% of the server's allocations and the collector ran every
// few hundred KB. Only chunks no reader was handed a slice of come back
// (read sets lent), since a reader may still be writing those out; the
// feeder drops its slices before it moves fed. The pool empties itself
// over two collections (the quiet-time trim makes those).
var chunkPool = sync.Pool{New: func() any { return new([chunkSize]byte) }}

// read returns the held bytes from offset from on (clamped to what is
// held), as slices that stay valid: the chunks holding them are only ever
// appended to, and never reused once dropped (lent).
func (b *outbuf) read(from int64) [][]byte {
	b.lent = b.end
	return b.readFrom(max(from, b.start), nil)
}

// readFrom is read without the clamp to start (bytes from base on),
// appending to out.
func (b *outbuf) readFrom(from int64, out [][]byte) [][]byte {
	from = max(from, b.base)
	off := b.base
	for i, c := range b.chunks {
		if i == 0 {
			c = c[b.skip:]
		}
		n := int64(len(c))
		if off+n > from {
			skip := max(from-off, 0)
			out = append(out, c[skip:])
		}
		off += n
	}
	return out
}
