package socket

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestFrameRoundTrip(t *testing.T) {
	var b bytes.Buffer
	var h [HeaderSize]byte
	Header(&h, MsgOutput, 5)
	b.Write(h[:])
	b.WriteString("hello")
	typ, p, err := ReadFrame(&b, nil)
	if err != nil || typ != MsgOutput || string(p) != "hello" {
		t.Fatalf("got %x %q %v", typ, p, err)
	}
}

func TestFrameTooLarge(t *testing.T) {
	var h [HeaderSize]byte
	Header(&h, MsgInput, MaxFrame+1)
	_, _, err := ReadFrame(bytes.NewReader(h[:]), nil)
	if !errors.Is(err, ErrFrameTooLarge) {
		t.Fatalf("want ErrFrameTooLarge, got %v", err)
	}
}

func TestFrameTruncated(t *testing.T) {
	var h [HeaderSize]byte
	Header(&h, MsgInput, 10)
	_, _, err := ReadFrame(bytes.NewReader(append(h[:], "abc"...)), nil)
	if !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("want ErrUnexpectedEOF, got %v", err)
	}
	_, _, err = ReadFrame(bytes.NewReader(h[:3]), nil)
	if !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("short header: want ErrUnexpectedEOF, got %v", err)
	}
}

func TestSizeAndHello(t *testing.T) {
	c, r, err := DecodeSize(EncodeSize(132, 43))
	if err != nil || c != 132 || r != 43 {
		t.Fatalf("size: %d %d %v", c, r, err)
	}
	if _, _, err := DecodeSize([]byte{0, 0, 0, 5}); err == nil {
		t.Fatal("zero cols accepted")
	}
	if _, _, err := DecodeSize([]byte{1}); err == nil {
		t.Fatal("short payload accepted")
	}
	v, hb, prog, err := DecodeHello(EncodeHello("linger x", 1500*time.Millisecond))
	if err != nil || v != ProtocolVersion || prog != "linger x" || hb != 1500*time.Millisecond {
		t.Fatalf("hello: %d %v %q %v", v, hb, prog, err)
	}
}

// TestVersionMismatch runs a real socket pair: a peer that speaks another
// protocol version gets the documented message.
func TestVersionMismatch(t *testing.T) {
	dir := shortDir(t)
	l, err := Listen(filepath.Join(dir, "s.sock"))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		nc, err := l.Accept()
		if err != nil {
			return
		}
		c := NewConn(nc)
		p := EncodeHello("old server", 0)
		p[3] = 99 // version 99
		c.WriteFrame(MsgHello, p)
		c.ReadFrame()
		nc.Close()
	}()
	c, err := Dial(l.path, "test")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	// The request goes out before the server's hello is read; the
	// mismatch is what it returns.
	_, err = c.Request(&Request{Op: OpList})
	want := fmt.Sprintf("protocol version mismatch (client %d, server 99): run 'linger server stop' and retry", ProtocolVersion)
	if err == nil || err.Error() != want {
		t.Fatalf("got %v\nwant %s", err, want)
	}
}

// TestRequestAfterHello: the client sends its request without waiting for
// the server's hello, reads that hello before the reply, and takes a
// server that closes before its hello for one that is exiting.
func TestRequestAfterHello(t *testing.T) {
	dir := shortDir(t)
	l, err := Listen(filepath.Join(dir, "s.sock"))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	served := make(chan string, 2)
	go func() {
		for i := 0; i < 2; i++ {
			nc, err := l.Accept()
			if err != nil {
				return
			}
			c := NewConn(nc)
			if i == 1 { // an exiting server: closes at once
				nc.Close()
				continue
			}
			// The request must come without our hello: a client that
			// waited for it would time out here.
			var req Request
			nc.SetReadDeadline(time.Now().Add(2 * time.Second))
			typ, _, herr := c.ReadFrame()
			rerr := c.ReadJSON(MsgRequest, &req)
			served <- fmt.Sprintf("%s %d %v %v", req.Op, typ, herr, rerr)
			c.WriteFrame(MsgHello, EncodeHello("server", 0))
			c.WriteJSON(MsgReply, &Reply{Count: 7})
			nc.Close()
		}
	}()
	c, err := Dial(l.path, "test")
	if err != nil {
		t.Fatal(err)
	}
	rep, err := c.Request(&Request{Op: OpList})
	c.Close()
	if err != nil || rep.Count != 7 {
		t.Fatalf("reply %+v, %v", rep, err)
	}
	if got, want := <-served, fmt.Sprintf("list %d <nil> <nil>", MsgHello); got != want {
		t.Fatalf("server read %q", got)
	}
	// The server closes at once: Dial finds out if that happens before
	// our hello is written, else the request does.
	c, err = Dial(l.path, "test")
	if err == nil {
		defer c.Close()
		_, err = c.Request(&Request{Op: OpList})
	}
	if !errors.Is(err, ErrNoServer) || !strings.Contains(err.Error(), "exiting") {
		t.Fatalf("a server closing before its hello: %v", err)
	}
}

func TestListenRefusesUnsafeDirs(t *testing.T) {
	dir := shortDir(t)
	open := filepath.Join(dir, "open")
	os.Mkdir(open, 0o755)
	os.Chmod(open, 0o755)
	if _, err := Listen(filepath.Join(open, "s.sock")); err == nil || !strings.Contains(err.Error(), "unsafe permissions") {
		t.Fatalf("group/other-readable dir: %v", err)
	}
	real := filepath.Join(dir, "real")
	os.Mkdir(real, 0o700)
	link := filepath.Join(dir, "link")
	os.Symlink(real, link)
	if _, err := Listen(filepath.Join(link, "s.sock")); err == nil || !strings.Contains(err.Error(), "symlink") {
		t.Fatalf("symlinked dir: %v", err)
	}
	// a fresh directory is created 0700
	fresh := filepath.Join(dir, "fresh", "sub")
	l, err := Listen(filepath.Join(fresh, "s.sock"))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	fi, _ := os.Stat(fresh)
	if fi.Mode().Perm() != 0o700 {
		t.Fatalf("created dir mode %o", fi.Mode().Perm())
	}
	si, _ := os.Stat(l.path)
	if si.Mode().Perm() != 0o600 {
		t.Fatalf("socket mode %o", si.Mode().Perm())
	}
}

func TestListenStaleAndLive(t *testing.T) {
	dir := shortDir(t)
	path := filepath.Join(dir, "s.sock")
	l, err := Listen(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Listen(path); !errors.Is(err, ErrServerRunning) {
		t.Fatalf("second listener on a live socket: %v", err)
	}
	// Leave the file behind as a dead server would.
	l.f.Close()
	if _, err := os.Stat(path); err != nil {
		t.Fatal("socket file should still exist")
	}
	if _, err := Dial(path, "t"); !errors.Is(err, ErrNoServer) {
		t.Fatalf("dial stale: %v", err)
	}
	l2, err := Listen(path)
	if err != nil {
		t.Fatalf("stale socket not replaced: %v", err)
	}
	l2.Close()
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Fatal("Close did not remove its socket")
	}
}

func TestConnWritesWholeFrames(t *testing.T) {
	dir := shortDir(t)
	l, err := Listen(filepath.Join(dir, "s.sock"))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	done := make(chan []byte)
	go func() {
		nc, _ := l.Accept()
		c := NewConn(nc)
		var got []byte
		for {
			typ, p, err := c.ReadFrame()
			if err != nil {
				done <- got
				return
			}
			if typ == MsgOutput {
				got = append(got, p...)
			}
		}
	}()
	nc, err := net.DialUnix("unix", nil, &net.UnixAddr{Name: l.path, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	c := NewConn(nc)
	want := bytes.Repeat([]byte("0123456789"), 10000)
	for i := 0; i < len(want); i += 3000 {
		end := min(i+3000, len(want))
		if err := c.WriteFrameDeadline(MsgOutput, want[i:end], time.Now().Add(5*time.Second)); err != nil {
			t.Fatal(err)
		}
	}
	c.Close()
	select {
	case got := <-done:
		if !bytes.Equal(got, want) {
			t.Fatalf("got %d bytes, want %d", len(got), len(want))
		}
	case <-time.After(10 * time.Second):
		t.Fatal("reader did not finish")
	}
}

// shortDir is a private 0700 directory with a short path (unix socket
// paths are limited to 108 bytes).
func shortDir(t *testing.T) string {
	dir, err := os.MkdirTemp("", "lgs")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

// TestStreamFullSocket drives Dial's and Accept's sockets (os.File on the
// poller, writev) past the socket buffer: whole frames of 1 MiB (several
// times the buffer) arrive intact; a write to a peer that stopped reading ends at
// its deadline, after part of the frame (the Conn is then broken); Close
// ends a blocked Accept.
func TestStreamFullSocket(t *testing.T) {
	dir := shortDir(t)
	l, err := Listen(filepath.Join(dir, "s.sock"))
	if err != nil {
		t.Fatal(err)
	}
	want := bytes.Repeat([]byte("abcdefghi\n"), MaxFrame/10)
	accepted := make(chan *Conn, 1)
	go func() {
		nc, err := l.Accept()
		if err != nil {
			t.Error(err)
			close(accepted)
			return
		}
		accepted <- NewConn(nc)
	}()
	client, err := connectUnix(l.path)
	if err != nil {
		t.Fatal(err)
	}
	server := <-accepted
	if server == nil {
		t.FailNow()
	}
	defer server.Close()
	c := NewConn(client)
	defer c.Close()

	got := make(chan error, 1)
	go func() {
		for i := 0; i < 3; i++ {
			typ, p, err := server.ReadFrame()
			if err == nil && (typ != MsgOutput || !bytes.Equal(p, want)) {
				err = fmt.Errorf("frame %d: type 0x%02x, %d bytes differ from the %d sent", i, typ, len(p), len(want))
			}
			if err != nil {
				got <- err
				return
			}
		}
		got <- nil
	}()
	for i := 0; i < 3; i++ {
		if err := c.WriteFrameDeadline(MsgOutput, want, time.Now().Add(10*time.Second)); err != nil {
			t.Fatal(err)
		}
	}
	if err := <-got; err != nil {
		t.Fatal(err)
	}

	// Nobody reads now: the socket fills and the write ends at its deadline.
	start := time.Now()
	err = c.WriteFrameDeadline(MsgOutput, want, time.Now().Add(200*time.Millisecond))
	if !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("write to a peer that does not read: %v, want a deadline error", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("the write took %v with a 200ms deadline", d)
	}
	if err := c.WriteFrame(MsgOutput, []byte("x")); err != errBroken {
		t.Errorf("write after a frame cut short: %v, want errBroken", err)
	}

	// Close ends an Accept waiting for a connection.
	done := make(chan error, 1)
	go func() {
		_, err := l.Accept()
		done <- err
	}()
	l.Close() // before or while Accept waits: either way it returns
	select {
	case err := <-done:
		if !errors.Is(err, os.ErrClosed) {
			t.Errorf("Accept after Close: %v, want os.ErrClosed", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Accept still blocked 5s after Close")
	}
}
