package socket

import (
	"bytes"
	"errors"
	"net"
	"os"
	"syscall"
	"testing"
	"time"
)

// pipeStream is a stream made of two pipes, as an ssh child's stdout and
// stdin are: no SyscallConn, so frames go out with one Write each and
// descriptors cannot pass.
type pipeStream struct{ r, w *os.File }

func (p pipeStream) Read(b []byte) (int, error)         { return p.r.Read(b) }
func (p pipeStream) Write(b []byte) (int, error)        { return p.w.Write(b) }
func (p pipeStream) SetReadDeadline(t time.Time) error  { return p.r.SetReadDeadline(t) }
func (p pipeStream) SetWriteDeadline(t time.Time) error { return p.w.SetWriteDeadline(t) }
func (p pipeStream) Close() error {
	p.r.Close()
	return p.w.Close()
}

// streamPair returns two connected pipe streams.
func streamPair(t *testing.T) (a, b pipeStream) {
	t.Helper()
	r1, w1, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	r2, w2, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	a, b = pipeStream{r: r1, w: w2}, pipeStream{r: r2, w: w1}
	t.Cleanup(func() { a.Close(); b.Close() })
	return a, b
}

// TestProtocolOverPipes runs a whole conversation (hello, request, reply,
// output larger than any pipe buffer, end) over a stream that is not a
// socket: the protocol needs only a reliable byte stream.
func TestProtocolOverPipes(t *testing.T) {
	cs, ss := streamPair(t)
	out := bytes.Repeat([]byte("0123456789abcdef"), 1<<16) // 1 MiB, in frames of 64 KiB
	done := make(chan error, 1)
	go func() {
		c := NewConnSize(ss, 4<<10)
		if c.Unix() {
			done <- errors.New("server side: a pipe counted as a unix socket")
			return
		}
		if _, _, err := c.Hello("server", true, 5*time.Second); err != nil {
			done <- err
			return
		}
		var req Request
		if err := c.ReadJSON(MsgRequest, &req); err != nil {
			done <- err
			return
		}
		if err := c.WriteJSON(MsgReply, Reply{Count: len(req.Target)}); err != nil {
			done <- err
			return
		}
		for p := out; len(p) > 0; p = p[64<<10:] {
			if err := c.WriteFrame(MsgOutput, p[:64<<10]); err != nil {
				done <- err
				return
			}
		}
		done <- c.WriteFrame(MsgEnd, nil)
	}()
	c, err := Open(cs, "client", "a pipe")
	if err != nil {
		t.Fatal(err)
	}
	if c.Unix() || c.TakeFD() != nil {
		t.Fatal("a pipe stream claims to carry descriptors")
	}
	if err := c.WriteFrameFD(MsgInput, []byte("x"), os.Stdin); !errors.Is(err, ErrNoFDPassing) {
		t.Fatalf("WriteFrameFD over pipes: %v, want ErrNoFDPassing", err)
	}
	rep, err := c.Request(&Request{Op: OpList, Target: "four"})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Count != 4 {
		t.Fatalf("reply count %d, want 4", rep.Count)
	}
	var gotb bytes.Buffer
	_, err = c.CopyOutput(&gotb, false)
	got := gotb.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, out) {
		t.Fatalf("output: %d bytes, want %d equal ones", len(got), len(out))
	}
	if err := <-done; err != nil {
		t.Fatal("server side:", err)
	}
}

// TestWritevOnAPipe: a stream with SyscallConn that is not a socket (one
// pipe end) is written with writev, read without recvmsg, and is no unix
// socket; a socketpair is.
func TestWritevOnAPipe(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	wc, rc := NewConn(w), NewConn(r)
	if wc.Unix() || rc.Unix() || wc.rc == nil {
		t.Fatalf("pipe: Unix() %v/%v, writev %v; want false, false, true", wc.Unix(), rc.Unix(), wc.rc != nil)
	}
	payload := bytes.Repeat([]byte{0xa5}, 200<<10) // past the pipe's 64 KiB
	go func() {
		wc.WriteFrame(MsgOutput, payload[:100<<10])
		wc.WriteFrame(MsgOutput, payload[100<<10:])
		wc.WriteFrame(MsgEnd, nil)
	}()
	var gotb bytes.Buffer
	_, err = rc.CopyOutput(&gotb, false)
	got := gotb.Bytes()
	if err != nil || !bytes.Equal(got, payload) {
		t.Fatalf("read %d bytes (%v), want %d", len(got), err, len(payload))
	}

	fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	a, b := os.NewFile(uintptr(fds[0]), "a"), os.NewFile(uintptr(fds[1]), "b")
	defer a.Close()
	defer b.Close()
	if !NewConn(a).Unix() {
		t.Fatal("a socketpair is not seen as a unix socket")
	}
	tcp, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer tcp.Close()
	go func() {
		if c, err := tcp.Accept(); err == nil {
			c.Close()
		}
	}()
	tc, err := net.Dial("tcp", tcp.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer tc.Close()
	if NewConn(tc).Unix() {
		t.Fatal("a TCP connection is seen as a unix socket")
	}
}
