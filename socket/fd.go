package socket

// Passing a terminal: a client attaching from a terminal sends the
// terminal's file descriptor with its request frame (SCM_RIGHTS), so that
// the server writes the session's output to the terminal and reads the
// keyboard itself, without the client relaying every byte (see
// server/attach.go). Every read of a Conn collects descriptors that arrive
// this way, up to maxFDs (a relay's handover sends two, handover.go);
// TakeFD hands over the first that came, and any others are closed.

import (
	"errors"
	"io"
	"os"
	"sync"
	"syscall"

	"golang.org/x/sys/unix"
)

// maxFDs is how many received descriptors a Conn keeps; more are closed
// at once.
const maxFDs = 2

// fdReader reads a unix socket with recvmsg(2), keeping the first maxFDs
// file descriptors that arrive.
type fdReader struct {
	rc  syscall.RawConn
	oob []byte

	mu  sync.Mutex
	fds []int // received and not yet taken
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

// keep parses control messages and keeps the first maxFDs descriptors.
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
			if len(r.fds) < maxFDs {
				r.fds = append(r.fds, fd)
			} else {
				unix.Close(fd)
			}
			r.mu.Unlock()
		}
	}
}

// takeAll returns the descriptors kept so far, in the order they came,
// and forgets them: the caller owns them.
func (r *fdReader) takeAll() []int {
	r.mu.Lock()
	defer r.mu.Unlock()
	fds := r.fds
	r.fds = nil
	return fds
}

// take returns the first descriptor kept so far, closing any others.
func (r *fdReader) take() *os.File {
	fds := r.takeAll()
	if len(fds) == 0 {
		return nil
	}
	for _, fd := range fds[1:] {
		unix.Close(fd)
	}
	return os.NewFile(uintptr(fds[0]), "passed-fd")
}

// TakeFD returns the file descriptor the peer sent, if any, and forgets
// it (closing any other it sent): the caller owns it. Frames read so far decide what has arrived: a
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
