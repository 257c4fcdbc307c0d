package socket

// The handover (see Relays in protocol.go): linger dial-stdio gives the
// server the stdin and stdout an ssh login gave it, so the bytes of a
// client on another host go from sshd to the server without a process in
// between.

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// CanHandOver reports whether f can be handed to the server: a pipe or a
// socket (what sshd gives a command), not a terminal or a file, whose
// sharers would see it turned non-blocking.
func CanHandOver(f *os.File) bool {
	var st unix.Stat_t
	if unix.Fstat(int(f.Fd()), &st) != nil {
		return false
	}
	m := st.Mode & unix.S_IFMT
	return m == unix.S_IFIFO || m == unix.S_IFSOCK
}

// HandOver writes a relay's MsgRelayed, with Handover set, to the server's
// unix connection conn, passing in and out (the client's stream: dial-stdio's
// stdin and stdout) with it. The caller then reads MsgHandedOver.
func HandOver(conn Stream, r Relayed, in, out *os.File) error {
	sc, ok := conn.(syscall.Conn)
	if !ok || !isUnixSocket(conn) {
		return ErrNoFDPassing
	}
	r.Handover = true
	p, err := json.Marshal(r)
	if err != nil {
		return err
	}
	msg := make([]byte, HeaderSize+len(p))
	var h [HeaderSize]byte
	Header(&h, MsgRelayed, len(p))
	copy(msg, h[:])
	copy(msg[HeaderSize:], p)
	rc, err := sc.SyscallConn()
	if err != nil {
		return err
	}
	rights := unix.UnixRights(int(in.Fd()), int(out.Fd()))
	var n int
	var werr error
	err = rc.Write(func(fd uintptr) bool {
		for {
			n, werr = unix.SendmsgN(int(fd), msg, rights, nil, 0)
			if werr != unix.EINTR {
				return werr != unix.EAGAIN
			}
		}
	})
	if err == nil && werr != nil {
		err = os.NewSyscallError("sendmsg", werr)
	}
	if err == nil && n < len(msg) {
		_, err = writev(rc, [][]byte{msg[n:]}) // the descriptors went with the first byte
	}
	return err
}

// handedStream is the stream a relay handed over: the client's bytes
// come on r (dial-stdio's stdin), ours go on w (its stdout); relay is the
// relay's unix connection, closed with the stream (the relay then exits),
// and watched: if the relay dies, the stream is closed too.
type handedStream struct {
	r, w  *os.File
	relay Stream
	once  sync.Once
	wOnce sync.Once
}

func (s *handedStream) Read(p []byte) (int, error)         { return s.r.Read(p) }
func (s *handedStream) Write(p []byte) (int, error)        { return s.w.Write(p) }
func (s *handedStream) SetReadDeadline(t time.Time) error  { return s.r.SetReadDeadline(t) }
func (s *handedStream) SetWriteDeadline(t time.Time) error { return s.w.SetWriteDeadline(t) }

// Close closes both descriptors and the relay's connection.
func (s *handedStream) Close() error {
	var err error
	s.once.Do(func() {
		err = s.r.Close()
		s.closeWrite()
		s.relay.Close()
	})
	return err
}

// CloseWrite ends what we send: the client reads EOF.
func (s *handedStream) CloseWrite() error {
	var st unix.Stat_t
	if unix.Fstat(int(s.w.Fd()), &st) == nil && st.Mode&unix.S_IFMT == unix.S_IFSOCK {
		// a socket (sshd's socketpair, both ways on one socket): shut down
		// our side only, as the same socket still carries the client's bytes
		rc, err := s.w.SyscallConn()
		if err != nil {
			return err
		}
		var serr error
		if err := rc.Control(func(fd uintptr) { serr = unix.Shutdown(int(fd), unix.SHUT_WR) }); err != nil {
			return err
		}
		return os.NewSyscallError("shutdown", serr)
	}
	return s.closeWrite()
}

func (s *handedStream) closeWrite() error {
	var err error
	s.wOnce.Do(func() { err = s.w.Close() })
	return err
}

// pollable makes fd non-blocking and wraps it, so that reads and writes
// park on the runtime poller and deadlines work. It consumes fd.
func pollable(fd int, name string) (*os.File, error) {
	if err := unix.SetNonblock(fd, true); err != nil {
		unix.Close(fd)
		return nil, os.NewSyscallError("setnonblock", err)
	}
	return os.NewFile(uintptr(fd), name), nil
}

// errHandover is the server's error for a handover it cannot take.
var errHandover = errors.New("bad handover from the relay")

// takeOver is the server's side of a handover, when a relay's MsgRelayed
// with Handover set was read: it takes the two descriptors that came with
// it, answers MsgHandedOver on the unix connection and from then on
// reads and writes them instead (no longer a unix socket: Unix is
// false). hello is our hello, which the relay read: it is sent again on
// the new stream, for the client.
func (c *Conn) takeOver(hello []byte, deadline time.Time) error {
	fds := c.fr.takeAll()
	if len(fds) != 2 || c.r.Buffered() > 0 {
		for _, fd := range fds {
			unix.Close(fd)
		}
		return fmt.Errorf("%w: %d descriptors, %d bytes after it", errHandover, len(fds), c.r.Buffered())
	}
	in, err := pollable(fds[0], "relayed-stdin")
	if err != nil {
		unix.Close(fds[1])
		return err
	}
	out, err := pollable(fds[1], "relayed-stdout")
	if err != nil {
		in.Close()
		return err
	}
	rc, err := out.SyscallConn()
	if err != nil {
		in.Close()
		out.Close()
		return err
	}
	relay := c.nc
	if err := c.WriteFrameDeadline(MsgHandedOver, nil, deadline); err != nil {
		in.Close()
		out.Close()
		return err
	}
	s := &handedStream{r: in, w: out, relay: relay}
	c.wmu.Lock()
	c.nc, c.rc, c.fr = s, rc, nil
	c.r = bufio.NewReaderSize(&beatReader{c, s}, c.r.Size()) // heartbeats watch it as any stream
	c.wmu.Unlock()
	go func() {
		// The relay sends nothing more: EOF (or any error) says it is gone,
		// or that we closed the stream.
		var b [64]byte
		relay.SetReadDeadline(time.Time{})
		for {
			if _, err := relay.Read(b[:]); err != nil {
				s.Close()
				return
			}
		}
	}()
	return c.WriteFrameDeadline(MsgHello, hello, deadline)
}
