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

// helloTimeout bounds a client's wait for the server's hello.
const helloTimeout = 10 * time.Second

// Dial connects to the server socket at path and sends our hello. A
// missing or stale socket gives an error wrapping ErrNoServer.
//
// The server's hello is read by the first request, before its reply: the
// server sends it on accept, before reading anything, so waiting for it
// here would add a round trip to every command, during which the client
// could already be building and sending its request. A server that
// refuses us (another protocol version, or one that is exiting) reads no
// request; the request then returns the error Dial would have. Since the
// request goes out before the server has answered, Dial refuses a server
// run by another user (unless we are root, whom every server serves)
// before sending anything.
func Dial(path, program string) (*Conn, error) {
	nc, err := DialRaw(path)
	if err != nil {
		return nil, err
	}
	return Open(nc, program, path)
}

// DialRaw connects to the server socket at path and checks that the
// server is ours, as Dial does, but says nothing: the caller relays the
// stream for a client elsewhere (linger dial-stdio), who sends its own
// hello.
func DialRaw(path string) (*os.File, error) {
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
	// Our request (with the environment) goes out before the server's
	// hello is read, so make sure first that the server is ours, as the
	// server checks that we are its user.
	if uid, _, err := PeerCred(nc); err != nil || uid != uint32(os.Geteuid()) && os.Geteuid() != 0 {
		nc.Close()
		if err != nil {
			return nil, fmt.Errorf("cannot check who runs the server on %s (%v)", path, err)
		}
		return nil, fmt.Errorf("cannot connect to %s (permission denied: it is the server of uid %d, not yours)", path, uid)
	}
	return nc, nil
}

// Open starts the client's side of the protocol on a connected stream of
// any kind (Dial's unix socket, an ssh child's pipes, a TLS connection):
// it sends our hello, and the first request reads the server's (see
// Dial). where names the server in errors. On failure the stream is
// closed.
func Open(s Stream, program, where string) (*Conn, error) {
	c := NewConn(s)
	c.remote = !isUnixSocket(s)
	if err := c.WriteFrameDeadline(MsgHello, EncodeHello(program, 0), time.Now().Add(helloTimeout)); err != nil {
		_, _, err = c.readHello(false, helloTimeout, err)
		c.Close()
		return nil, helloError(where, err)
	}
	c.helloFrom = where
	return c, nil
}

// awaitHello reads the server's hello if a client has not yet.
func (c *Conn) awaitHello() error {
	if c.helloFrom == "" {
		return nil
	}
	path := c.helloFrom
	c.helloFrom = ""
	if _, _, err := c.readHello(false, helloTimeout, nil); err != nil {
		return helloError(path, err)
	}
	return nil
}

// helloError says why the server at path (or another place) did not say
// hello.
func helloError(path string, err error) error {
	var ve *VersionError
	var re *ReplyError
	if errors.As(err, &ve) || errors.As(err, &re) {
		return err
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) {
		// a server that was exiting closed us before the hello
		return fmt.Errorf("%w on %s (it was exiting)", ErrNoServer, path)
	}
	return fmt.Errorf("server on %s did not answer (%w)", path, err)
}

// RequestFD is Request with f's descriptor passed along with the request
// frame (a terminal for direct mode).
func (c *Conn) RequestFD(req *Request, f *os.File) (*Reply, error) {
	p, err := json.Marshal(req)
	if err != nil {
		return nil, err
	}
	return c.replyTo(c.WriteFrameFD(MsgRequest, p, f))
}

// Request sends req and reads the reply. A reply carrying an error is
// returned as *ReplyError.
func (c *Conn) Request(req *Request) (*Reply, error) {
	return c.replyTo(c.WriteJSON(MsgRequest, req))
}

// replyTo reads the reply to a request whose writing returned werr, after
// the server's hello.
func (c *Conn) replyTo(werr error) (*Reply, error) {
	if err := c.awaitHello(); err != nil {
		return nil, err // it explains a failed write too
	}
	if c.remote {
		c.StartHeartbeat(c.peerHeartbeat) // the conversation may stay quiet for long (wait)
	}
	if werr != nil {
		return nil, fmt.Errorf("lost connection to the server (%w)", werr)
	}
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
