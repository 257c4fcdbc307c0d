// Package server is linger's background server. It listens on the unix
// socket, serves only its own user (SO_PEERCRED), and answers each
// connection's one request against the mux registry. A client on another
// host reaches it through linger dial-stdio, which hands the server the
// ssh login's stdin and stdout: that client's connection then runs over
// them (see Relays in socket/protocol.go). Main is `linger
// server` (with the start on demand of package daemon); Run serves.
//
// The operations it serves, and where:
//
//	new       requests.go (handleNew); with attach, then attach.go
//	attach    attach.go (the attached stream; the terminal side is package client)
//	list      list.go (`ls`, filtered and rendered here, table or JSON;
//	          its renderers also make the client's listing of several hosts)
//	detach    requests.go
//	kill      requests.go
//	rename    requests.go
//	run       run.go (a command in a session's shell: its output and
//	          status; the session's side is mux/run.go)
//	stop      requests.go
//	receive   receive.go (output not yet received, acknowledged by the client)
//	wait      receive.go (until commands end; --collect removes their sessions);
//	          with --idle or --until, send.go (handleWaitOutput: until the
//	          output pauses, or the screen matches)
//	send      send.go (type keys into a session, attached or not)
//	capture   capture.go (the screen from the session's emulator)
//	reload    config.go (read the configuration file again; also SIGHUP)
//	config    config.go (the configuration loaded: `config list`, -c checks,
//	          `config show` from another host)
//	events    events.go (lifecycle events: the ring, subscribers, Emit)
//
// The other files: server.go (listening, handshake, dispatch), tty.go
// (direct mode's writer to the client's terminal), memory.go (giving
// memory back after a burst), threads.go (spare OS threads), profile.go
// (LINGER_PPROF).
//
// It must not die or stall because of one client: every connection is
// served in its own goroutine with deadlines on the handshake and request,
// panics in a handler are logged and end only that connection, and a client
// that stops reading is handled by mux (see mux.SlowClientTimeout).
package server

import (
	"errors"
	"fmt"
	"io"
	"log"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"linger/config"
	"linger/daemon"

	"golang.org/x/sys/unix"

	"linger/mux"
	"linger/socket"
)

// Options configure a server.
type Options struct {
	Socket string
	// Config is the configuration to start with (a reload reads
	// Config.Path again; "" = built-in defaults, then the default file).
	Config  *config.Config
	Program string // "linger VERSION", sent in the hello
	Log     *log.Logger
	// Ready is called once: with nil when the socket accepts connections,
	// or with the error that stopped the server from starting.
	Ready func(error)

	// ExitWhenEmpty, if set, overrides server.exit_when_empty of every
	// configuration loaded, reloads included (--exit-when-empty).
	ExitWhenEmpty *bool

	loaded *loaded // Main's: Config with what is known of its file
}

// Server is a running server.
type Server struct {
	opts Options
	reg  *mux.Registry
	ln   *socket.Listener
	log  *log.Logger

	loaded   atomic.Pointer[loaded] // the configuration in use (config.go)
	reloadMu sync.Mutex             // one reload at a time

	stopOnce  sync.Once
	done      chan struct{}
	stopMu    sync.Mutex
	stopConns []*socket.Conn // `server stop` clients: closed when Run returns
	conns     sync.WaitGroup // connections being served
	trim      trimmer        // returns memory after a burst of requests (memory.go)

	limMu   sync.Mutex
	limited map[string]*limitEntry

	events       *eventHub // lifecycle events (events.go)
	stoppingOnce sync.Once
}

// MainOptions are `linger server`'s.
type MainOptions struct {
	Socket          string
	ConfigPath      string
	ConfigMustExist bool   // the user named the file
	Daemon          bool   // spawned by a client (package daemon): report readiness on fd 4
	LogFile         string // with Daemon: where stdout and stderr go
	Program         string // "linger VERSION"
	ExitWhenEmpty   *bool  // overrides server.exit_when_empty (nil: the file's)
}

// Main is `linger server`: it takes over the start from the client that
// spawned it, or takes the start lock itself (package daemon), loads the
// configuration and serves (Run) until the server stops. A failure before
// it listens is reported to that client too.
func Main(o MainOptions) error {
	h, err := daemon.Begin(o.Daemon, o.Socket, o.LogFile, func(dir string) error { return socket.CheckDir(dir, true) })
	if err != nil {
		return err
	}
	l, err := loadConfig(o.ConfigPath, o.ConfigMustExist)
	if err != nil {
		h.Ready(err)
		return err
	}
	if o.ExitWhenEmpty != nil {
		l.cfg.Server.ExitWhenEmpty = *o.ExitWhenEmpty
	}
	err = Run(Options{
		Socket:        o.Socket,
		Config:        l.cfg,
		loaded:        l,
		ExitWhenEmpty: o.ExitWhenEmpty,
		Program:       o.Program,
		Log:           log.New(os.Stderr, "", log.LstdFlags),
		Ready:         h.Ready,
	})
	h.Ready(err)
	return err
}

// Run serves until `linger server stop`, SIGTERM/SIGINT, or (with
// exit_when_empty) the end of the last session.
func Run(o Options) error {
	ready := o.Ready
	if ready == nil {
		ready = func(error) {}
	}
	if o.Log == nil {
		o.Log = log.New(os.Stderr, "", log.LstdFlags)
	}
	setGCPercent() // memory.go
	ln, err := socket.Listen(o.Socket)
	if err != nil {
		ready(err)
		return err
	}
	go reserveThreads(spareThreads) // in the background: ~0.6ms
	s := &Server{opts: o, ln: ln, log: o.Log, done: make(chan struct{}), limited: map[string]*limitEntry{}}
	if o.loaded == nil {
		o.loaded = &loaded{cfg: o.Config, path: o.Config.Path, at: time.Now()}
	}
	s.loaded.Store(o.loaded)
	s.events = newEventHub(o.Config.Server.EventHistory)
	s.events.Emit(EventServerStarted, 0, "", map[string]any{"pid": os.Getpid(), "version": o.Program})
	s.reg = mux.NewRegistry(o.Config, o.Socket, s.log.Printf)
	s.reg.Events = s.muxEvent
	s.reg.OnEmpty = func() { s.stop("last session ended (exit_when_empty)") }
	prof := startProfiler(s.log.Printf) // LINGER_PPROF (profile.go)

	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP)
	go func() {
		for sig := range sigs {
			if sig == syscall.SIGHUP {
				// no controlling terminal to lose: a hangup asks for a reload
				s.reload("", "SIGHUP")
				continue
			}
			s.announceStopping("signal " + sig.String())
			s.log.Printf("%v: ending %d sessions", sig, s.reg.Shutdown())
			s.stop("signal " + sig.String())
		}
	}()

	s.log.Printf("server %s listening on %s (pid %d, config %s)", o.Program, o.Socket, os.Getpid(), configName(o.Config))
	logFileLimit(s.log)
	ready(nil)
	for {
		nc, err := ln.Accept()
		if err != nil {
			select {
			case <-s.done:
				signal.Stop(sigs)
				s.drain()
				prof.finish()
				daemon.RemoveLock(o.Socket)
				s.stopMu.Lock()
				for _, c := range s.stopConns {
					c.Close() // the server is gone: server stop returns
				}
				s.stopMu.Unlock()
				return nil
			default:
			}
			if errors.Is(err, os.ErrClosed) {
				return nil
			}
			s.limitedf("accept", "accept: %v", err)
			time.Sleep(10 * time.Millisecond) // out of fds: don't spin
			continue
		}
		s.conns.Add(1)
		s.trim.active()
		go func() {
			defer s.conns.Done()
			s.serve(nc)
		}()
	}
}

// drain lets connections in progress finish (their replies, e.g. the error
// of a failed new on a server that is now empty) before the server exits.
func (s *Server) drain() {
	idle := make(chan struct{})
	go func() { s.conns.Wait(); close(idle) }()
	select {
	case <-idle:
	case <-time.After(5 * time.Second):
		s.log.Printf("exiting with connections still open")
	}
}

// logFileLimit logs the open file limit, which bounds the number of
// sessions (each holds a pty master). Go's runtime already raised the soft
// limit to just under the hard one at start, and restores the original
// limit in the programs we start; setting it ourselves would stop that
// restore and hand every session a limit old select() programs cannot use.
func logFileLimit(l *log.Logger) {
	var lim unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_NOFILE, &lim); err != nil {
		l.Printf("open file limit: unknown (%v)", err)
		return
	}
	l.Printf("open file limit %d (hard %d)", lim.Cur, lim.Max)
}

func configName(c *config.Config) string {
	if c.Path == "" {
		return "built-in defaults"
	}
	return c.Path
}

// stop closes the listener (removing the socket) so Run returns.
func (s *Server) stop(why string) {
	s.announceStopping(why)
	s.stopOnce.Do(func() {
		s.log.Printf("server exiting: %s", why)
		close(s.done)
		s.ln.Close()
	})
}

// wentAway reports whether err only says the client closed the connection
// before its request was read: a client killed at once, or a probe for a
// live server (socket.Listen's). That is no problem to log; garbage, a
// wrong version or silence past the deadline are.
func wentAway(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.EPIPE) || errors.Is(err, syscall.ECONNRESET)
}

// serve handles one connection: credentials, hello, one request.
func (s *Server) serve(nc *os.File) {
	defer func() {
		if p := recover(); p != nil {
			s.log.Printf("panic serving a client (connection closed, server continues): %v\n%s", p, debug.Stack())
			nc.Close()
		}
	}()
	uid, pid, err := socket.PeerCred(nc)
	if err != nil || !socket.Allowed(uid) {
		s.limitedf(fmt.Sprintf("refuse-%d", uid), "refused connection from uid %d (pid %d): only uid %d and root may connect", uid, pid, os.Geteuid())
		c := socket.NewConn(nc)
		c.WriteFrameDeadline(socket.MsgReply, refusal, time.Now().Add(time.Second))
		// Half-close and drain what the peer sends (its hello) before
		// closing: closing with unread input resets the connection, and the
		// peer could lose the refusal.
		socket.CloseWrite(nc)
		nc.SetReadDeadline(time.Now().Add(time.Second))
		io.Copy(io.Discard, io.LimitReader(nc, 1<<16))
		nc.Close()
		return
	}
	c := socket.NewConnSize(nc, 4<<10)
	heartbeat := s.config().Server.Heartbeat
	if _, _, err := c.HelloHeartbeat(s.opts.Program, heartbeat, true, 5*time.Second); err != nil {
		var ve *socket.VersionError
		if errors.As(err, &ve) {
			c.WriteJSON(socket.MsgReply, socket.Reply{Error: ve.Error(), Code: socket.ErrVersion})
		}
		if !wentAway(err) {
			s.limitedf("hello", "bad handshake from pid %d: %v", pid, err)
		}
		c.Close()
		return
	}
	// From here on c may run over another stream than nc: the stdin and
	// stdout linger dial-stdio handed over (see Relays in socket/protocol.go).
	var req socket.Request
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	if err := c.ReadJSON(socket.MsgRequest, &req); err != nil {
		if !wentAway(err) {
			s.limitedf("request", "bad request from pid %d: %v", pid, err)
		}
		c.Close()
		return
	}
	c.SetReadDeadline(time.Time{})
	if c.Relayed() != nil || !c.Unix() {
		// A remote client: heartbeats tell when it is gone while its
		// connection stays open (see Heartbeats in socket/protocol.go).
		c.StartHeartbeat(heartbeat)
	}
	if c.Relayed() != nil {
		// A client on another machine (linger dial-stdio relays it): its
		// terminal, session ID and directory are that machine's, and mean
		// nothing here (a pts/3 there is not this host's pts/3).
		req.Caller = socket.Caller{}
	}
	switch req.Op {
	case socket.OpNew:
		s.handleNew(c, &req)
	case socket.OpAttach:
		s.handleAttach(c, &req)
	case socket.OpList:
		s.handleList(c, &req)
	case socket.OpDetach:
		s.handleDetach(c, &req)
	case socket.OpKill:
		s.handleKill(c, &req)
	case socket.OpStop:
		s.handleStop(c, &req)
	case socket.OpReceive:
		s.handleReceive(c, &req)
	case socket.OpWait:
		if req.Idle != "" || req.Until != "" {
			s.handleWaitOutput(c, &req)
		} else {
			s.handleWait(c, &req)
		}
	case socket.OpCapture:
		s.handleCapture(c, &req)
	case socket.OpReload:
		s.handleReload(c, &req)
	case socket.OpConfig:
		s.handleConfig(c, &req)
	case socket.OpRename:
		s.handleRename(c, &req)
	case socket.OpSend:
		s.handleSend(c, &req)
	case socket.OpEvents:
		s.handleEvents(c, &req)
	case socket.OpRun:
		s.handleRun(c, &req)
	default:
		s.replyErr(c, fmt.Errorf("unknown request %q (client and server versions differ? run 'linger server stop')", req.Op))
	}
}

// refusal is what a peer of another uid gets before the connection closes:
// a Reply with Error and Code ErrBadInput. Written out, as listReply: a
// json.Marshal here would run in every client too (one binary), and the
// first Marshal of a type costs ~0.1ms of reflection (TestReplyLiterals).
var refusal = []byte(`{"error":"permission denied: this server belongs to another user","code":"bad-input"}`)

// reply sends a reply and closes the connection.
func (s *Server) reply(c *socket.Conn, rep socket.Reply) {
	c.WriteJSON(socket.MsgReply, rep)
	c.Close()
}

// replyErr sends an error reply and closes the connection.
func (s *Server) replyErr(c *socket.Conn, err error) {
	s.reply(c, errorReply(err))
}

func errorReply(err error) socket.Reply {
	rep := socket.Reply{Error: err.Error(), Code: socket.ErrBadInput}
	switch {
	case errors.Is(err, mux.ErrNoSession):
		rep.Code = socket.ErrNoSession
	case errors.Is(err, mux.ErrBusy):
		rep.Code = socket.ErrBusy
	case errors.Is(err, mux.ErrExists):
		rep.Code = socket.ErrExists
	case errors.Is(err, mux.ErrMoved):
		rep.Code = socket.ErrMoved
	case errors.Is(err, mux.ErrExiting):
		rep.Code = socket.ErrExiting
	case errors.Is(err, mux.ErrInvalid):
		rep.Code = socket.ErrUsage
	}
	if why := outOfResources(err); why != "" {
		rep.Error = startPrefix(rep.Error) + why
	}
	// the errors.Is prefixes ("no such session: ...") are for code, not people
	for _, sentinel := range []error{mux.ErrNoSession, mux.ErrBusy, mux.ErrExists, mux.ErrMoved} {
		prefix := sentinel.Error() + ": "
		if len(rep.Error) > len(prefix) && rep.Error[:len(prefix)] == prefix {
			rep.Error = rep.Error[len(prefix):]
		}
	}
	return rep
}

// outOfResources says, in words a user can act on, that the server ran out
// of file descriptors, ptys or processes; "" for any other error.
func outOfResources(err error) string {
	switch {
	case errors.Is(err, syscall.EMFILE):
		return "out of file descriptors (raise the limit with ulimit -n)"
	case errors.Is(err, syscall.ENFILE):
		return "out of file descriptors (the system-wide limit, fs.file-max, is reached)"
	case errors.Is(err, syscall.ENOSPC), errors.Is(err, syscall.EAGAIN):
		var pe *os.PathError
		if errors.As(err, &pe) && (pe.Path == "/dev/ptmx" || filepath.Dir(pe.Path) == "/dev/pts") {
			return "no more ptys (kernel.pty.max)"
		}
		if errors.Is(err, syscall.EAGAIN) && startPrefix(err.Error()) != "" {
			return tooManyProcesses()
		}
	}
	return ""
}

// tooManyProcesses explains EAGAIN from the fork of a session's program,
// which strerror words as "resource temporarily unavailable". It is the
// user's process limit (ulimit -u, RLIMIT_NPROC: all the processes and
// threads of the uid, not only the server's), which does not bind root; else
// a system-wide or cgroup limit.
func tooManyProcesses() string {
	var lim unix.Rlimit
	if os.Getuid() != 0 && unix.Getrlimit(unix.RLIMIT_NPROC, &lim) == nil && lim.Cur != unix.RLIM_INFINITY {
		return fmt.Sprintf("too many processes (raise the limit with ulimit -u, now %d)", lim.Cur)
	}
	return "too many processes (a system or cgroup limit: kernel.threads-max, kernel.pid_max or pids.max)"
}

// startPrefix keeps the `cannot start "CMD": ` of a session start error.
func startPrefix(msg string) string {
	if rest, ok := strings.CutPrefix(msg, "cannot start "); ok {
		if q, err := strconv.QuotedPrefix(rest); err == nil {
			return "cannot start " + q + ": "
		}
	}
	return ""
}

// limitEntry rate-limits one kind of log line.
type limitEntry struct {
	last       time.Time
	suppressed int
}

// limitedf logs a line of kind key at most once a minute, counting the rest,
// so a misbehaving client cannot flood the log.
func (s *Server) limitedf(key, format string, args ...any) {
	s.limMu.Lock()
	e := s.limited[key]
	if e == nil {
		e = &limitEntry{}
		s.limited[key] = e
	}
	now := time.Now()
	if !e.last.IsZero() && now.Sub(e.last) < time.Minute {
		e.suppressed++
		s.limMu.Unlock()
		return
	}
	n := e.suppressed
	e.last, e.suppressed = now, 0
	s.limMu.Unlock()
	msg := fmt.Sprintf(format, args...)
	if n > 0 {
		msg += fmt.Sprintf(" (%d more like this in the last minute)", n)
	}
	s.log.Print(msg)
}
