package socket

// Passing a terminal: a client attaching from a terminal sends the
// terminal's file descriptor with its request frame (SCM_RIGHTS), so that
// the server writes the session's output to the terminal and reads the
// keyboard itself, without the client relaying every byte (see
// server/attach.go). Every read of a Conn collects descriptors that arrive
// this way; TakeFD hands over the one that came, and any others are closed
// at once.

import (
	"errors"
	"io"
	"os"
	"sync"
	"syscall"

	"golang.org/x/sys/unix"
)

// fdReader reads a unix socket with recvmsg(2), keeping the first file
// descriptor that arrives.
type fdReader struct {
	rc  syscall.RawConn
	oob []byte

	mu sync.Mutex
	fd *os.File // received and not yet taken
}

func (r *fdReader) Read(p []byte) (int, error) {
	var n, oobn int
	var rerr error
	err := r.rc.Read(func(fd uintptr) bool {
		for {
			n, oobn, _, _, rerr = unix.Recvmsg(int(fd), p, r.oob, unix.MSG_CMSG_CLOEXEC)
			if rerr != unix.EINTR {
				return rerr != unix.EAGAIN
			}
		}
	})
	if err == nil && rerr != nil {
		err = os.NewSyscallError("recvmsg", rerr)
	}
	if oobn > 0 {
		r.keep(r.oob[:oobn])
	}
	if err != nil {
		return 0, err
	}
	if n == 0 && len(p) > 0 {
		return 0, io.EOF
	}
	return n, nil
}

// keep parses control messages and keeps the first descriptor.
func (r *fdReader) keep(oob []byte) {
	msgs, err := unix.ParseSocketControlMessage(oob)
	if err != nil {
		return
	}
	for _, m := range msgs {
		fds, err := unix.ParseUnixRights(&m)
		if err != nil {
			continue
		}
		for _, fd := range fds {
			r.mu.Lock()
			if r.fd == nil {
				r.fd = os.NewFile(uintptr(fd), "passed-fd")
			} else {
				unix.Close(fd)
			}
			r.mu.Unlock()
		}
	}
}

func (r *fdReader) take() *os.File {
	r.mu.Lock()
	defer r.mu.Unlock()
	f := r.fd
	r.fd = nil
	return f
}

// TakeFD returns the file descriptor the peer sent, if any, and forgets
// it: the caller owns it. Frames read so far decide what has arrived: a
// descriptor sent with a frame has arrived once that frame is read. Only
// a unix socket carries descriptors: on other streams it returns nil.
func (c *Conn) TakeFD() *os.File {
	if c.fr == nil {
		return nil
	}
	return c.fr.take()
}

// ErrNoFDPassing is WriteFrameFD's error on a stream that is not a unix
// socket.
var ErrNoFDPassing = errors.New("this connection cannot pass a terminal (not a unix socket)")

// WriteFrameFD writes one frame with f's descriptor attached.
func (c *Conn) WriteFrameFD(typ uint8, payload []byte, f *os.File) error {
	if len(payload) > MaxFrame {
		return ErrFrameTooLarge
	}
	if !c.Unix() {
		return ErrNoFDPassing
	}
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if c.broken {
		return errBroken
	}
	msg := make([]byte, HeaderSize+len(payload))
	var h [HeaderSize]byte
	Header(&h, typ, len(payload))
	copy(msg, h[:])
	copy(msg[HeaderSize:], payload)
	rights := syscall.UnixRights(int(f.Fd()))
	var n int
	var werr error
	err := c.rc.Write(func(fd uintptr) bool {
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
		_, err = writev(c.rc, [][]byte{msg[n:]}) // the descriptor went with the first byte
	}
	if err != nil && n > 0 {
		c.broken = true
	}
	return err
}
