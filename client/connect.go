// Package client is the terminal side of every conversation with the
// server: it connects (starting a server when needed, see package daemon),
// sends a command's request and turns what comes back into what the user
// sees: the attach loop at the user's terminal (attach.go) and its
// reconnects when a relayed connection breaks (reconnect.go, whose loop
// receive and wait share), received output and exit statuses
// (receive.go), listings and captures (output.go), waits (wait.go),
// lifecycle events (events.go), stopping and reloading the server and
// asking which configuration it has loaded (server.go). The server's side
// of each conversation is in package server; what happens on attach is in
// attach.go and server/attach.go.
//
// It must not know how sessions are kept: it only speaks package socket's
// protocol.
package client

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"linger/daemon"
	"linger/socket"
	"linger/transport"
)

// Endpoint says how to reach a server: its local socket, or a host
// (package transport) whose server is reached through ssh.
type Endpoint struct {
	Socket  string          // socket path
	Host    *transport.Host // nil: the local Socket
	Config  string          // configuration file to pass to a started server ("" = its default)
	Program string          // "linger VERSION" for the hello
	LogFile string          // where a started server writes its log
	// Reconnect is how long an attached client whose relayed connection
	// broke tries to reconnect and resume (reconnect.go); 0: it does not.
	Reconnect time.Duration
	// Warn, with Config, is told when a running server has loaded another
	// configuration file than Config (one line; the caller says it once).
	Warn func(msg string)
}

// Connect dials the server, starting one first if autoStart is set (only
// commands that create sessions do) and none is running. Two clients
// racing to start one end up with one server: the start is serialised by
// a lock file beside the socket, and whoever gets the lock dials again
// before starting anything. A server on another host is started there
// by dial-stdio whenever none runs.
func (e Endpoint) Connect(autoStart bool) (*socket.Conn, error) {
	if e.Host != nil {
		s, err := e.Host.Dial(socket.ProtocolVersion, strings.TrimPrefix(e.Program, "linger "))
		if err != nil {
			return nil, err
		}
		return socket.Open(s, e.Program, e.Where())
	}
	c, started, err := connect(e, autoStart, func() (*socket.Conn, error) { return socket.Dial(e.Socket, e.Program) })
	if err == nil && !started {
		e.checkConfig()
	}
	return c, err
}

// ConnectRaw is Connect without the hello, for a relay whose client
// sends its own (dial-stdio). Always local.
func (e Endpoint) ConnectRaw(autoStart bool) (socket.Stream, error) {
	s, _, err := connect(e, autoStart, func() (socket.Stream, error) { return socket.DialRaw(e.Socket) })
	return s, err
}

// Where names the server in messages: its socket path, or the -H URL.
func (e Endpoint) Where() string {
	if e.Host != nil {
		return e.Host.URL
	}
	return e.Socket
}

// connect dials the local server with dial, starting one as Connect
// says; started: with e.Config, since we started it.
func connect[T any](e Endpoint, autoStart bool, dial func() (T, error)) (c T, started bool, err error) {
	var none T
	c, err = dial()
	if err == nil || !autoStart || !errors.Is(err, socket.ErrNoServer) {
		return c, false, err
	}
	if err := socket.CheckDir(filepath.Dir(e.Socket), true); err != nil {
		return none, false, err
	}
	lock, err := daemon.Lock(e.Socket)
	if err != nil {
		return none, false, err
	}
	defer lock.Close()
	// Someone may have started the server while we waited for the lock.
	if c, err := dial(); err == nil || !errors.Is(err, socket.ErrNoServer) {
		return c, false, err
	}
	if err := daemon.Spawn(daemon.Spawned{Socket: e.Socket, Config: e.Config, LogFile: e.LogFile}, lock); err != nil {
		daemon.Unlock(lock, e.Socket) // a failed start leaves no lock file
		return none, false, err
	}
	c, err = dial()
	return c, true, err
}

// Request sends one request to a running server and returns its reply
// (detach, kill, server stop).
func (e Endpoint) Request(req *socket.Request) (*socket.Reply, error) {
	conn, err := e.Connect(false)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	return conn.Request(req)
}

// IsNoServer reports whether err says no server is running.
func IsNoServer(err error) bool { return errors.Is(err, socket.ErrNoServer) }

// StatusError is an error that carries its own exit status (a timed-out
// wait: 124, like timeout(1)).
type StatusError struct {
	Status int
	Msg    string
}

func (e *StatusError) Error() string { return e.Msg }

// ExitCode is the status linger exits with.
func (e *StatusError) ExitCode() int { return e.Status }

// errLost is what a conversation that ends early says.
func errLost(err error) error {
	if err == nil {
		return errors.New("lost connection to the server")
	}
	return fmt.Errorf("lost connection to the server (%w)", err)
}
