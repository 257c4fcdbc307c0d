package mux

import (
	"bytes"
	"testing"
)

func join(parts [][]byte) []byte { return bytes.Join(parts, nil) }

func TestOutbufKeepsAndReads(t *testing.T) {
	var b outbuf
	data := bytes.Repeat([]byte("abcdefghij"), 20000) // 200000 bytes: several chunks
	for i := 0; i < len(data); i += 777 {
		b.add(data[i:min(i+777, len(data))], 1<<20, false)
	}
	if b.unreceived() != int64(len(data)) || b.held() != int64(len(data)) {
		t.Fatalf("unreceived %d held %d", b.unreceived(), b.held())
	}
	if got := join(b.read(b.recv)); !bytes.Equal(got, data) {
		t.Fatalf("read back %d bytes, differ", len(got))
	}
	if got := join(b.read(1000)); !bytes.Equal(got, data[1000:]) {
		t.Fatal("read from offset differs")
	}
	b.recv = b.end
	if b.unreceived() != 0 || b.held() != int64(len(data)) {
		t.Fatal("received bytes should stay held")
	}
}

func TestOutbufDropOldest(t *testing.T) {
	var b outbuf
	for i := 0; i < 100; i++ {
		b.add(bytes.Repeat([]byte{byte('a' + i%26)}, 1000), 10000, true)
	}
	if b.held() != 10000 || b.dropped != 90000 || b.unseen != 90000 {
		t.Fatalf("held %d dropped %d unseen %d", b.held(), b.dropped, b.unseen)
	}
	got := join(b.read(0))
	if len(got) != 10000 || got[0] != byte('a'+90%26) || got[len(got)-1] != byte('a'+99%26) {
		t.Fatalf("kept the wrong bytes: %q...%q", got[:3], got[len(got)-3:])
	}
	if b.start != 90000 || b.end != 100000 || b.recv != 90000 {
		t.Fatalf("offsets start %d end %d recv %d", b.start, b.end, b.recv)
	}
}

func TestOutbufReceivedMakesRoomFirst(t *testing.T) {
	var b outbuf
	b.add(make([]byte, 6000), 10000, false)
	b.recv = b.end // received
	b.add(make([]byte, 6000), 10000, false)
	if b.held() != 10000 || b.unreceived() != 6000 || b.dropped != 0 {
		t.Fatalf("held %d unreceived %d dropped %d", b.held(), b.unreceived(), b.dropped)
	}
	// block mode never drops unreceived bytes, even over the limit
	b.add(make([]byte, 6000), 10000, false)
	if b.unreceived() != 12000 || b.dropped != 0 {
		t.Fatalf("block mode lost bytes: unreceived %d dropped %d", b.unreceived(), b.dropped)
	}
}

func TestOutbufSentUntilAcked(t *testing.T) {
	var b outbuf
	b.add([]byte("held"), 100, false)
	b.sent(bytes.Repeat([]byte("s"), 200)) // over the limit: in flight is never dropped
	if b.end != 204 || b.recv != 0 || b.held() != 204 || b.dropped != 0 {
		t.Fatalf("after sent: end %d recv %d held %d dropped %d", b.end, b.recv, b.held(), b.dropped)
	}
	b.received(104, true)
	if b.recv != 104 || b.start != 104 || string(join(b.read(b.recv))) != string(bytes.Repeat([]byte("s"), 100)) {
		t.Fatalf("after ack: start %d recv %d", b.start, b.recv)
	}
	b.received(999, true) // clamped to end
	if b.recv != 204 || b.held() != 0 {
		t.Fatalf("after full ack: recv %d held %d", b.recv, b.held())
	}
	var idle outbuf
	if idle.chunks != nil {
		t.Fatal("an empty buffer must not allocate")
	}
}

// TestOutbufMemoryFollowsOutput: the memory a buffer takes grows with what
// it holds, from a 64-byte chunk for a prompt, doubling up to chunkSize;
// a detached session that printed 3 KB does not hold a 64 KiB chunk.
func TestOutbufMemoryFollowsOutput(t *testing.T) {
	capacity := func(b *outbuf) (c int) {
		for _, ch := range b.chunks {
			c += cap(ch)
		}
		return c
	}
	var b outbuf
	b.add([]byte("user@host:~/src/project$ "), 1<<20, false)
	if c := capacity(&b); c != minChunk {
		t.Errorf("a prompt took %d bytes of chunks, want %d", c, minChunk)
	}
	line := bytes.Repeat([]byte("x"), 99)
	for b.held() < 3000 {
		b.add(line, 1<<20, false)
	}
	if c := capacity(&b); c > 2*int(b.held())+minChunk {
		t.Errorf("%d bytes held in %d bytes of chunks", b.held(), c)
	}
	for b.held() < 10*chunkSize {
		b.add(line, 1<<30, false)
	}
	if c, n := capacity(&b), len(b.chunks); n > 10+12 || c > int(b.held())+chunkSize {
		t.Errorf("%d bytes held in %d chunks of %d bytes", b.held(), n, c)
	}
	if got := join(b.read(0)); len(got) != int(b.held()) || !bytes.HasPrefix(got, []byte("user@host")) {
		t.Errorf("read back %d bytes", len(got))
	}
}
