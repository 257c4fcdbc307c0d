package socket

import (
	"bytes"
	"errors"
	"io"
	"net"
	"os"
	"syscall"
	"testing"
	"time"
)

// fzSocketpair returns the two ends of a connected unix stream socket.
func fzSocketpair(t *testing.T) (*net.UnixConn, *net.UnixConn) {
	t.Helper()
	fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	conn := func(fd int) *net.UnixConn {
		f := os.NewFile(uintptr(fd), "socketpair")
		defer f.Close()
		c, err := net.FileConn(f)
		if err != nil {
			t.Fatal(err)
		}
		return c.(*net.UnixConn)
	}
	return conn(fds[0]), conn(fds[1])
}

// FuzzConnReadJSON writes an arbitrary byte stream into one end of a real
// socketpair and reads it at the other end through Conn: first, depending
// on mode, a hello exchange (as client or as server) or nothing, then
// frames with ReadFrame or ReadJSON into Request, Reply, Detached and
// Exited in turn, until the stream ends. Nothing may panic; every frame
// Conn returns must be the next frame of the stream (its reused buffer
// must not corrupt an earlier payload's successor), no payload exceeds
// MaxFrame, and an error must end with a clean or explained stop.
func FuzzConnReadJSON(f *testing.F) {
	req := []byte(`{"op":"attach","caller":{"tty":"/dev/pts/1"},"target":"a","cols":80,"rows":24}`)
	rep := []byte(`{"session":{"id":1,"name":"a","command":["sh"],"created":"2024-01-02T03:04:05Z"},"detach_key":"ctrl-\\"}`)
	det := []byte(`{"session":"a","reason":"detached"}`)
	ext := []byte(`{"session":"a","status":"status 3","shell_code":3}`)
	f.Add(uint8(2), fzCat(fzFrame(MsgRequest, req), fzFrame(MsgReply, rep), fzFrame(MsgDetached, det), fzFrame(MsgExited, ext)))
	f.Add(uint8(2), fzCat(fzFrame(MsgReply, rep), fzFrame(MsgOutput, []byte("out")), fzFrame(MsgExited, ext)))
	f.Add(uint8(3), fzCat(fzFrame(MsgRequest, []byte(`{"op":1}`)), fzFrame(MsgRequest, []byte(`nul`))))
	f.Add(uint8(4), fzCat(fzFrame(MsgOutput, bytes.Repeat([]byte("x"), 70000)), fzFrame(MsgOutput, []byte("y")), fzFrame(MsgOutput, bytes.Repeat([]byte("w"), 100))))
	f.Add(uint8(0), fzFrame(MsgHello, EncodeHello("linger test", 0)))
	f.Add(uint8(0), fzFrame(MsgHello, []byte{0, 0, 0, 9, 'x'}))
	f.Add(uint8(0), fzFrame(MsgReply, []byte(`{"error":"not your server","code":"version"}`)))
	f.Add(uint8(1), fzFrame(MsgHello, []byte{0, 0}))
	f.Add(uint8(1), fzFrame(MsgOutput, nil))
	f.Add(uint8(2), fzHeader(MsgReply, MaxFrame+1))
	f.Add(uint8(2), []byte{MsgReply, 0})
	f.Add(uint8(2), []byte{})

	f.Fuzz(func(t *testing.T, mode uint8, stream []byte) {
		local, peer := fzSocketpair(t)
		defer local.Close()
		c := NewConn(local)

		// the peer writes the stream (and drains what we send) and hangs up
		done := make(chan struct{})
		go func() {
			defer close(done)
			peer.Write(stream)
			peer.CloseWrite()
			io.Copy(io.Discard, peer)
			peer.Close()
		}()
		defer func() {
			c.Close()
			<-done
		}()

		model := bytes.NewReader(stream)
		if mode%5 < 2 {
			// The hello reads the first frame (if any).
			_, _, err := c.Hello("linger fuzz", mode%5 == 1, 2*time.Second)
			mt, mp, merr := modelFrame(model)
			switch {
			case merr != nil:
				if err == nil {
					t.Fatalf("hello succeeded on a stream without a first frame (%v)", merr)
				}
			case mt == MsgHello && len(mp) >= 4 && mp[0] == 0 && mp[1] == 0 && mp[2] == 0 && mp[3] == ProtocolVersion:
				if err != nil {
					t.Fatalf("hello %q refused: %v", mp, err)
				}
			default:
				if err == nil {
					t.Fatalf("hello accepted frame 0x%02x %q", mt, mp)
				}
			}
			if merr != nil {
				return
			}
		}

		var prev []byte
		for i := 0; ; i++ {
			mt, mp, merr := modelFrame(model)
			var typ uint8
			var p []byte
			var err error
			switch (int(mode) + i) % 5 {
			case 0:
				typ, p, err = c.ReadFrame()
				if err == nil && (mt != typ || !bytes.Equal(p, mp)) {
					t.Fatalf("frame %d: got 0x%02x %q, want 0x%02x %q", i, typ, p, mt, mp)
				}
				if len(p) > MaxFrame {
					t.Fatalf("frame %d: %d bytes", i, len(p))
				}
				if prev != nil && len(p) > 0 && &prev[0] == &p[0] && cap(p) > 64<<10 {
					t.Fatalf("frame %d: a large buffer was kept for reuse", i)
				}
				prev = p
			case 1:
				var v Request
				err = c.ReadJSON(MsgRequest, &v)
			case 2:
				var v Reply
				err = c.ReadJSON(MsgReply, &v)
			case 3:
				var v Detached
				err = c.ReadJSON(MsgDetached, &v)
			case 4:
				var v Exited
				err = c.ReadJSON(MsgExited, &v)
			}
			if merr != nil {
				if err == nil {
					t.Fatalf("frame %d: read succeeded past the end of the stream (%v)", i, merr)
				}
				if errors.Is(merr, ErrFrameTooLarge) != errors.Is(err, ErrFrameTooLarge) {
					t.Fatalf("frame %d: %v, want like %v", i, err, merr)
				}
				return
			}
			if err != nil && (errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, ErrFrameTooLarge)) {
				t.Fatalf("frame %d: %v on a whole frame 0x%02x of %d bytes", i, err, mt, len(mp))
			}
		}
	})
}

// modelFrame is what a Conn's read of a frame gives from the stream r: the
// next frame that is no MsgHeartbeat (a Conn skips them wherever they come).
func modelFrame(r io.Reader) (uint8, []byte, error) {
	for {
		t, p, err := ReadFrame(r, nil)
		if err != nil || t != MsgHeartbeat {
			return t, p, err
		}
	}
}
