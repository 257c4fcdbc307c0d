package shell

import (
	"sync"
	"sync/atomic"
)

// bufSize is the capacity of the buffers ReadSome returns.
const bufSize = 32 << 10

// bufPool holds read buffers. It stores array pointers so Put does not
// allocate.
var bufPool = sync.Pool{New: func() any { return new([bufSize]byte) }}

// buffersOut counts buffers handed out and not yet released (for tests).
var buffersOut atomic.Int64

func getBuf() []byte {
	buffersOut.Add(1)
	return bufPool.Get().(*[bufSize]byte)[:]
}

// Release returns a buffer obtained from ReadSome to the pool. The caller
// must not use buf afterwards. Slices of another capacity (nil, sub-slices
// not starting at the buffer, foreign slices) are ignored.
func Release(buf []byte) {
	if cap(buf) != bufSize {
		return
	}
	buffersOut.Add(-1)
	bufPool.Put((*[bufSize]byte)(buf[:bufSize]))
}
