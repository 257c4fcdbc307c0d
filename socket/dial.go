package socket

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"syscall"
	"time"
)

// ErrNoServer means nothing listens on the socket (missing or stale).
var ErrNoServer = errors.New("no server running")

// Dial connects to the server socket at path and exchanges hellos.
// A missing or stale socket gives an error wrapping ErrNoServer.
func Dial(path, program string) (*Conn, error) {
	nc, err := connectUnix(path)
	if err != nil {
		if errors.Is(err, syscall.ENOENT) || errors.Is(err, syscall.ECONNREFUSED) {
			return nil, fmt.Errorf("%w on %s", ErrNoServer, path)
		}
		if errors.Is(err, os.ErrPermission) {
			return nil, fmt.Errorf("cannot connect to %s (permission denied: is it another user's server?)", path)
		}
		return nil, fmt.Errorf("error connecting to %s (%v)", path, errno(err))
	}
	c := NewConn(nc)
	if _, _, err := c.Hello(program, false, 10*time.Second); err != nil {
		c.Close()
		var ve *VersionError
		var re *ReplyError
		if errors.As(err, &ve) || errors.As(err, &re) {
			return nil, err
		}
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNRESET) {
			// a server that was exiting closed us before the hello
			return nil, fmt.Errorf("%w on %s (it was exiting)", ErrNoServer, path)
		}
		return nil, fmt.Errorf("server on %s did not answer (%v)", path, err)
	}
	return c, nil
}

// RequestFD is Request with f's descriptor passed along with the request
// frame (a terminal for direct mode).
func (c *Conn) RequestFD(req *Request, f *os.File) (*Reply, error) {
	p, err := json.Marshal(req)
	if err != nil {
		return nil, err
	}
	if err := c.WriteFrameFD(MsgRequest, p, f); err != nil {
		return nil, fmt.Errorf("lost connection to the server (%w)", err)
	}
	return c.readReply()
}

// Request sends req and reads the reply. A reply carrying an error is
// returned as *ReplyError.
func (c *Conn) Request(req *Request) (*Reply, error) {
	if err := c.WriteJSON(MsgRequest, req); err != nil {
		return nil, fmt.Errorf("lost connection to the server (%w)", err)
	}
	return c.readReply()
}

func (c *Conn) readReply() (*Reply, error) {
	var rep Reply
	if err := c.ReadJSON(MsgReply, &rep); err != nil {
		return nil, fmt.Errorf("lost connection to the server (%w)", err)
	}
	if rep.Error != "" {
		return &rep, &ReplyError{Code: rep.Code, Msg: rep.Error}
	}
	return &rep, nil
}

// ReplyError is an error the server sent back.
type ReplyError struct {
	Code string
	Msg  string
}

func (e *ReplyError) Error() string { return e.Msg }
