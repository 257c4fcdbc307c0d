package socket

// Passing a terminal: a client attaching from a terminal sends the
// terminal's file descriptor with its request frame (SCM_RIGHTS), so that
// the server writes the session's output to the terminal and reads the
// keyboard itself, without the client relaying every byte (see
// server/attach.go). Every read of a Conn collects descriptors that arrive
// this way; TakeFD hands over the one that came, and any others are closed
// at once.

import (
	"net"
	"os"
	"sync"
	"syscall"
)

// fdReader reads a unix connection with recvmsg, keeping the first file
// descriptor that arrives.
type fdReader struct {
	nc  *net.UnixConn
	oob []byte

	mu sync.Mutex
	fd *os.File // received and not yet taken
}

func (r *fdReader) Read(p []byte) (int, error) {
	n, oobn, _, _, err := r.nc.ReadMsgUnix(p, r.oob)
	if oobn > 0 {
		r.keep(r.oob[:oobn])
	}
	return max(n, 0), err // n is -1 on some errors; io.Reader wants 0
}

// keep parses control messages and keeps the first descriptor.
func (r *fdReader) keep(oob []byte) {
	msgs, err := syscall.ParseSocketControlMessage(oob)
	if err != nil {
		return
	}
	for _, m := range msgs {
		fds, err := syscall.ParseUnixRights(&m)
		if err != nil {
			continue
		}
		for _, fd := range fds {
			syscall.CloseOnExec(fd)
			r.mu.Lock()
			if r.fd == nil {
				r.fd = os.NewFile(uintptr(fd), "passed-fd")
			} else {
				syscall.Close(fd)
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
// descriptor sent with a frame has arrived once that frame is read.
func (c *Conn) TakeFD() *os.File { return c.fr.take() }

// WriteFrameFD writes one frame with f's descriptor attached.
func (c *Conn) WriteFrameFD(typ uint8, payload []byte, f *os.File) error {
	if len(payload) > MaxFrame {
		return ErrFrameTooLarge
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
	n, _, err := c.nc.WriteMsgUnix(msg, syscall.UnixRights(int(f.Fd())), nil)
	if err == nil && n < len(msg) {
		_, err = c.nc.Write(msg[n:])
	}
	if err != nil && n > 0 {
		c.broken = true
	}
	return err
}
