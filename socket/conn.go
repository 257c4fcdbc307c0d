package socket

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// Conn is one end of a linger connection over any Stream: framed reads
// from a buffered reader, and frame writes serialised by a mutex so that
// output from the session and control messages from elsewhere never
// interleave.
type Conn struct {
	nc  Stream
	rc  syscall.RawConn // nc's, for writev; nil: one Write per frame
	fr  *fdReader       // under r, on a unix socket: keeps a passed descriptor (fd.go); else nil
	r   *bufio.Reader
	buf []byte
	out []byte // a frame joined for a stream without writev

	wmu    sync.Mutex
	hard   atomic.Int64 // unix nanoseconds; bounds every write from now on (0 = none)
	broken bool         // a write stopped mid-frame: the stream can carry nothing more
	hdr    [HeaderSize]byte
	vec    [2][]byte

	helloFrom    string       // a client's: the server's hello is still to be read (its socket path)
	relayed      *Relayed     // a server's: the MsgRelayed that came before the hello, if any
	hello        []byte       // a server's, during Hello: its hello, sent again after a handover
	readDeadline atomic.Int64 // the reader's, from SetReadDeadline: unix nanoseconds (0 = none)

	// Heartbeats (see Heartbeats in protocol.go).
	remote        bool          // a client's: the stream is no unix socket, so heartbeats are wanted
	peerHeartbeat time.Duration // the interval the peer's hello announced (a server's)
	heartbeat     time.Duration // ours once started (StartHeartbeat); 0: none
	lastWrite     atomic.Int64  // unix nanoseconds of the last frame written
	closeOnce     sync.Once
	closed        chan struct{} // closed by Close: the heartbeat stops
}

// NewConn wraps a connected stream, reading it through a 64 KiB buffer:
// the client's side, which reads output.
func NewConn(nc Stream) *Conn { return NewConnSize(nc, 64<<10) }

// NewConnSize is NewConn with a read buffer of size bytes. The server
// reads only small frames (requests, keys, acknowledgements; a bigger
// frame is read past the buffer), and keeps a buffer per connection, so it
// uses a small one.
func NewConnSize(nc Stream, size int) *Conn {
	c := &Conn{nc: nc, closed: make(chan struct{})}
	if sc, ok := nc.(syscall.Conn); ok {
		c.rc, _ = sc.SyscallConn()
	}
	if c.rc != nil && isUnixSocket(nc) {
		c.fr = &fdReader{rc: c.rc, oob: make([]byte, syscall.CmsgSpace(4*4))}
		c.r = bufio.NewReaderSize(&beatReader{c, c.fr}, size)
	} else {
		c.r = bufio.NewReaderSize(&beatReader{c, nc}, size)
	}
	return c
}

// beatReader is what a Conn's buffer reads: with heartbeats started, every
// read of the stream may wait SilentBeats intervals at most (or until the
// read deadline, if sooner), so that only a peer that sends nothing at all
// is gone; one slowly sending a big frame is not.
type beatReader struct {
	c *Conn
	r io.Reader
}

func (b *beatReader) Read(p []byte) (int, error) {
	c := b.c
	if c.heartbeat <= 0 {
		return b.r.Read(p)
	}
	silence := SilentBeats * c.heartbeat
	d, silent := time.Now().Add(silence), true
	if rd := c.deadline(); !rd.IsZero() && !d.Before(rd) {
		d, silent = rd, false
	}
	c.nc.SetReadDeadline(d)
	n, err := b.r.Read(p)
	if err != nil && silent && errors.Is(err, os.ErrDeadlineExceeded) {
		err = fmt.Errorf("%w in %v: %d heartbeats", ErrSilent, silence, SilentBeats)
	}
	return n, err
}

// Stream returns the underlying stream.
func (c *Conn) Stream() Stream { return c.nc }

// Unix reports whether the connection is a unix socket, the only kind that
// carries descriptors (TakeFD, WriteFrameFD) and tells the peer's
// credentials (PeerCred).
func (c *Conn) Unix() bool { return c.fr != nil }

// SetReadDeadline bounds the reads (of frames) from now on; zero: none.
// Reading the server's hello (see Dial) keeps it.
func (c *Conn) SetReadDeadline(t time.Time) error {
	var ns int64
	if !t.IsZero() {
		ns = t.UnixNano()
	}
	c.readDeadline.Store(ns)
	return c.nc.SetReadDeadline(t)
}

// deadline is SetReadDeadline's time (zero: none).
func (c *Conn) deadline() time.Time {
	if ns := c.readDeadline.Load(); ns != 0 {
		return time.Unix(0, ns)
	}
	return time.Time{}
}

// Close closes the connection, and a passed descriptor nobody took.
func (c *Conn) Close() error {
	c.closeOnce.Do(func() { close(c.closed) })
	if f := c.TakeFD(); f != nil {
		f.Close()
	}
	return c.nc.Close()
}

// ErrSilent is ReadFrame's error when the peer of a connection with
// heartbeats sent nothing for SilentBeats intervals.
var ErrSilent = errors.New("heard nothing from the other side")

// SilentBeats is how many heartbeat intervals of silence make a peer gone.
const SilentBeats = 3

// PeerHeartbeat is the heartbeat interval the server's hello announced
// (a client's side, once the hello is read; 0: none).
func (c *Conn) PeerHeartbeat() time.Duration { return c.peerHeartbeat }

// Remote reports whether a client's connection wants heartbeats: it was
// opened (Open) on a stream that is no unix socket.
func (c *Conn) Remote() bool { return c.remote }

// StartHeartbeat starts heartbeats on c (see Heartbeats in protocol.go):
// from now on c writes MsgHeartbeat whenever it has written nothing for
// interval, until it is closed, and ReadFrame fails with ErrSilent when
// nothing came for SilentBeats intervals. Call it once, from the reading
// side, before the reads it should bound.
func (c *Conn) StartHeartbeat(interval time.Duration) {
	if interval <= 0 || c.heartbeat > 0 {
		return
	}
	c.heartbeat = interval
	c.lastWrite.Store(time.Now().UnixNano())
	go func() {
		t := time.NewTimer(interval)
		defer t.Stop()
		for {
			select {
			case <-c.closed:
				return
			case <-t.C:
			}
			idle := time.Since(time.Unix(0, c.lastWrite.Load()))
			if idle < interval {
				t.Reset(interval - idle)
				continue
			}
			// A peer that takes no 5 bytes in SilentBeats intervals has
			// given up on us anyway.
			if c.WriteFrameDeadline(MsgHeartbeat, nil, time.Now().Add(SilentBeats*interval)) != nil {
				select {
				case <-c.closed:
					return
				default:
				}
			}
			t.Reset(interval)
		}
	}()
}

// WriteFrame writes one frame with a single writev and no copy of payload.
func (c *Conn) WriteFrame(typ uint8, payload []byte) error {
	return c.WriteFrameDeadline(typ, payload, time.Time{})
}

// WriteFrameDeadline is WriteFrame with a write deadline (zero = none).
func (c *Conn) WriteFrameDeadline(typ uint8, payload []byte, deadline time.Time) error {
	if len(payload) > MaxFrame {
		return fmt.Errorf("%w: %d bytes", ErrFrameTooLarge, len(payload))
	}
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if h := c.hard.Load(); h != 0 {
		if hd := time.Unix(0, h); deadline.IsZero() || deadline.After(hd) {
			deadline = hd
		}
	}
	return c.writeLocked(typ, payload, deadline)
}

// errBroken is returned for writes after one stopped mid-frame.
var errBroken = errors.New("connection broken by an interrupted write")

func (c *Conn) writeLocked(typ uint8, payload []byte, deadline time.Time) error {
	if c.broken {
		return errBroken
	}
	if err := c.nc.SetWriteDeadline(deadline); err != nil {
		return err
	}
	Header(&c.hdr, typ, len(payload))
	var n int
	var err error
	if c.rc != nil {
		c.vec[0] = c.hdr[:]
		c.vec[1] = payload
		bufs := c.vec[:]
		if len(payload) == 0 {
			bufs = c.vec[:1]
		}
		n, err = writev(c.rc, bufs)
		c.vec[1] = nil
	} else {
		// One Write: a TLS stream makes a record of each.
		c.out = append(append(c.out[:0], c.hdr[:]...), payload...)
		n, err = c.nc.Write(c.out)
		if cap(c.out) > 64<<10 {
			c.out = nil
		}
	}
	if err != nil && n > 0 {
		c.broken = true // the peer got part of a frame
	}
	if n > 0 {
		c.lastWrite.Store(time.Now().UnixNano())
	}
	return err
}

// WriteFinal writes a last frame (detached, exited) once any write in
// progress is done, with its own timeout; if an earlier write was cut
// mid-frame it does nothing, as the peer could not read it anyway.
func (c *Conn) WriteFinal(typ uint8, payload []byte, timeout time.Duration) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	return c.writeLocked(typ, payload, time.Now().Add(timeout))
}

// LimitWrites bounds every write from now on by t, including one blocked
// right now (a peer that stopped reading), so that WriteFinal is not kept
// waiting forever by the writer that holds the lock.
func (c *Conn) LimitWrites(t time.Time) {
	c.hard.Store(t.UnixNano())
	c.nc.SetWriteDeadline(t)
}

// WriteJSON writes a frame whose payload is v encoded as JSON.
func (c *Conn) WriteJSON(typ uint8, v any) error {
	p, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return c.WriteFrame(typ, p)
}

// ReadFrame reads the next frame. The payload is valid until the next
// call. It skips MsgHeartbeat; with heartbeats started it fails with
// ErrSilent after SilentBeats intervals without a frame.
func (c *Conn) ReadFrame() (typ uint8, payload []byte, err error) {
	for {
		typ, payload, err = ReadFrame(c.r, c.buf)
		if cap(payload) > cap(c.buf) && cap(payload) <= 64<<10 {
			c.buf = payload[:0]
		}
		if err != nil || typ != MsgHeartbeat {
			return typ, payload, err
		}
	}
}

// AckEvery bounds the output a reader writes without acknowledging it
// while it is still reading what it has read (a stream that keeps it
// busy): what a reader that dies has shown but not acknowledged, which the
// next reader gets again.
const AckEvery = 64 << 10

// Buffered reports whether read data is waiting in the buffer (a client
// acknowledges output when it has consumed all it read).
func (c *Conn) Buffered() bool { return c.r.Buffered() > 0 }

// ReadJSON reads the next frame, which must be of type want, into v.
func (c *Conn) ReadJSON(want uint8, v any) error {
	typ, p, err := c.ReadFrame()
	if err != nil {
		return err
	}
	if typ != want {
		return fmt.Errorf("unexpected message 0x%02x (wanted 0x%02x)", typ, want)
	}
	if err := json.Unmarshal(p, v); err != nil {
		return fmt.Errorf("bad message 0x%02x: %v", typ, err)
	}
	return nil
}

// CopyOutput writes the MsgOutput frames of a reply's stream to w until
// MsgEnd: the one loop behind receive, capture and ls on the client's
// side. With ack it acknowledges what it has written whenever it has
// consumed all it read (output counts as received only once
// acknowledged), and all of it at MsgEnd. It returns the bytes written.
// An error writing w is returned as a *WriteError; an error reading the
// connection, or another message than output, as it is.
func (c *Conn) CopyOutput(w io.Writer, ack bool) (written int64, err error) {
	var acked int64
	for {
		typ, p, err := c.ReadFrame()
		if err != nil {
			return written, err
		}
		switch typ {
		case MsgOutput:
			if _, err := w.Write(p); err != nil {
				return written, &WriteError{err}
			}
			written += int64(len(p))
			if ack && (!c.Buffered() || written-acked >= AckEvery) {
				c.WriteFrame(MsgAck, EncodeAck(written))
				acked = written
			}
		case MsgEnd:
			if ack {
				c.WriteFrame(MsgAck, EncodeAck(written))
			}
			return written, nil
		default:
			return written, fmt.Errorf("unexpected message 0x%02x (wanted output)", typ)
		}
	}
}

// WriteError is CopyOutput's error writing its output.
type WriteError struct{ Err error }

func (e *WriteError) Error() string { return fmt.Sprintf("writing output: %v", e.Err) }
func (e *WriteError) Unwrap() error { return e.Err }

// VersionError is a protocol version mismatch.
type VersionError struct{ Client, Server uint32 }

func (e *VersionError) Error() string {
	return fmt.Sprintf("protocol version mismatch (client %d, server %d): run 'linger server stop' and retry", e.Client, e.Server)
}

// Relayed is what the relay that carries this connection (linger
// dial-stdio) said of its client; nil if no relay did. Only a server's
// unix connection has one (see Relays in protocol.go).
func (c *Conn) Relayed() *Relayed { return c.relayed }

// WriteRelayed writes a relay's MsgRelayed to w, the server's connection,
// before any byte of the client it relays.
func WriteRelayed(w io.Writer, r Relayed) error {
	p, err := json.Marshal(r)
	if err != nil {
		return err
	}
	var h [HeaderSize]byte
	Header(&h, MsgRelayed, len(p))
	_, err = w.Write(append(h[:], p...))
	return err
}

// Hello sends our MsgHello and reads the peer's, within timeout. isServer
// says which side we are, for the wording of a mismatch.
//
// A server's unix connection may hand over to other descriptors here (a
// relay's MsgRelayed with Handover set, see Relays in protocol.go): the
// connection then runs over them, and our hello is sent again there.
func (c *Conn) Hello(program string, isServer bool, timeout time.Duration) (peerVersion uint32, peerProgram string, err error) {
	return c.HelloHeartbeat(program, 0, isServer, timeout)
}

// HelloHeartbeat is Hello announcing a heartbeat interval (a server's).
func (c *Conn) HelloHeartbeat(program string, heartbeat time.Duration, isServer bool, timeout time.Duration) (peerVersion uint32, peerProgram string, err error) {
	hello := EncodeHello(program, heartbeat)
	werr := c.WriteFrameDeadline(MsgHello, hello, time.Now().Add(timeout))
	c.hello = hello
	defer func() { c.hello = nil }()
	return c.readHello(isServer, timeout, werr)
}

// readHello reads the peer's MsgHello, within timeout, after ours was
// written (werr: how that went).
func (c *Conn) readHello(isServer bool, timeout time.Duration, werr error) (peerVersion uint32, peerProgram string, err error) {
	if werr != nil {
		// The server may have refused us and closed: its reply can still
		// be waiting to be read.
		timeout = time.Second
	}
	d := time.Now().Add(timeout)
	if rd := c.deadline(); !rd.IsZero() && rd.Before(d) {
		d = rd
	}
	c.nc.SetReadDeadline(d)
	defer func() { c.nc.SetReadDeadline(c.deadline()) }() // c.nc: the handed-over stream, after a handover
	typ, p, err := c.ReadFrame()
	if err == nil && typ == MsgRelayed && isServer && c.Unix() {
		// a relay's, first of all (see Relays in protocol.go)
		var r Relayed
		if err := json.Unmarshal(p, &r); err != nil {
			return 0, "", fmt.Errorf("bad relay message: %v", err)
		}
		c.relayed = &r
		if r.Handover && werr == nil && c.hello != nil {
			if err := c.takeOver(c.hello, d); err != nil {
				return 0, "", err
			}
			c.nc.SetReadDeadline(d)
		}
		typ, p, err = c.ReadFrame()
	}
	if err != nil {
		if werr != nil {
			return 0, "", werr
		}
		return 0, "", err
	}
	if typ == MsgReply && !isServer {
		// refused before the hello (another user's server)
		var rep Reply
		if json.Unmarshal(p, &rep) == nil && rep.Error != "" {
			return 0, "", &ReplyError{Code: rep.Code, Msg: rep.Error}
		}
	}
	if werr != nil {
		return 0, "", werr
	}
	if typ != MsgHello {
		return 0, "", fmt.Errorf("expected hello, got message 0x%02x", typ)
	}
	v, hb, prog, err := DecodeHello(p)
	if err != nil {
		return 0, "", err
	}
	if !isServer {
		c.peerHeartbeat = hb
	}
	if v != ProtocolVersion {
		if isServer {
			return v, prog, &VersionError{Client: v, Server: ProtocolVersion}
		}
		return v, prog, &VersionError{Client: ProtocolVersion, Server: v}
	}
	return v, prog, nil
}
