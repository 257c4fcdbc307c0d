package server

import (
	"os"
	"strconv"
	"time"

	"linger/config"

	"linger/mux"
	"linger/socket"
)

func caller(req *socket.Request) mux.Viewer {
	return mux.Viewer{TTY: req.Caller.TTY, SessionID: req.Caller.SessionID}
}

// sessionInfo converts a mux snapshot to the wire (and `ls --json`) form.
func sessionInfo(i mux.Info) socket.SessionInfo {
	out := socket.SessionInfo{
		ID: i.ID, Name: i.Name, State: i.State, Availability: i.Availability,
		Configuration: i.Configuration, Command: i.Command, Cwd: i.Cwd, Pid: i.Pid,
		Created: i.Created, Clients: i.Clients, Size: socket.Size{Cols: i.Cols, Rows: i.Rows},
	}
	if i.Exit != nil {
		out.ExitStatus = ptr(i.Exit.String())
		if i.Exit.Signal != 0 {
			out.ExitSignal = ptr(int(i.Exit.Signal))
		} else {
			out.ExitCode = ptr(i.Exit.Code)
		}
	}
	out.OutputBuffering, out.BufferSize = i.OutputBuffering, i.BufferSize
	out.BufferedBytes, out.DroppedBytes, out.Suspended = i.Buffered, i.Dropped, i.Suspended
	out.IdleTimeoutSeconds = int64(i.IdleTimeout.Seconds())
	if !i.IdleExpires.IsZero() {
		out.IdleExpiresAt = ptr(i.IdleExpires)
	}
	if i.LogFile != "" {
		out.LogFile = ptr(i.LogFile)
	}
	if i.LogError != "" {
		out.LogError = ptr(i.LogError)
	}
	if i.LastClient != "" {
		out.LastClient = ptr(i.LastClient)
	}
	if !i.DisconnectedSince.IsZero() {
		out.DisconnectedSince = ptr(i.DisconnectedSince)
	}
	return out
}

// outputBuffering checks a mode given on the command line ("" = unchanged).
func outputBuffering(s string) (string, error) {
	if s == "" {
		return "", nil
	}
	return config.ParseOutputBuffering(s)
}

// idleTimeout parses an idle timeout given on the command line.
func idleTimeout(s string) (d time.Duration, set bool, err error) {
	if s == "" {
		return 0, false, nil
	}
	d, err = config.ParseIdleTimeout(s)
	return d, err == nil, err
}

// handleNew creates a session; with req.Attach the connection then becomes
// the attached stream (see attach.go).
func (s *Server) handleNew(c *socket.Conn, req *socket.Request) {
	o := mux.NewOptions{
		Name: req.Name, Command: req.Command, Configuration: req.Configuration,
		Cwd: req.Cwd, ClientCwd: req.Caller.Cwd, ClientEnv: req.Env, SetEnv: req.SetEnv,
		Term: req.Term, Cols: req.Cols, Rows: req.Rows,
	}
	if len(req.Env) == 0 {
		// a client on another host: the session gets the server's
		// environment (that of the ssh login that started it)
		o.ClientEnv = os.Environ()
	}
	var err error
	if o.OutputBuffering, err = outputBuffering(req.OutputBuffering); err != nil {
		s.replyErr(c, err)
		return
	}
	if o.IdleTimeout, o.IdleTimeoutSet, err = idleTimeout(req.IdleTimeout); err != nil {
		s.replyErr(c, err)
		return
	}
	if req.AttachIfExist && req.Name != "" {
		if sess, err := s.reg.Lookup(req.Name); err == nil {
			if !req.Attach {
				s.reply(c, socket.Reply{Session: ptr(sessionInfo(sess.Info(caller(req))))})
				return
			}
			s.handleAttach(c, &socket.Request{Op: socket.OpAttach, Caller: req.Caller, Target: req.Name, Cols: req.Cols, Rows: req.Rows,
				Restore: req.Restore, TTY: req.TTY, DetachKey: req.DetachKey, ClientID: req.ClientID})
			return
		}
	}
	if !req.Attach {
		sess, err := s.reg.New(o)
		if err != nil {
			s.replyErr(c, err)
			return
		}
		s.reply(c, socket.Reply{Session: ptr(sessionInfo(sess.Info(caller(req))))})
		return
	}
	// Attach before the program starts, so not a byte of its output is
	// missed; the client's Output waits until the reply is on the wire.
	cl, err := s.newClient(c, req, false)
	if err != nil {
		s.replyErr(c, err)
		return
	}
	o.Attach = &mux.AttachOptions{Client: cl, Info: cl.info}
	sess, err := s.reg.New(o)
	if err != nil {
		cl.releaseTTY(false)
		s.replyErr(c, err)
		return
	}
	s.stream(cl, sess, req)
}

func ptr[T any](v T) *T { return &v }

// targets resolves the sessions a detach or kill names: all of them must
// exist, or nothing is done.
func (s *Server) targets(req *socket.Request) ([]*mux.Session, error) {
	if req.All {
		return s.reg.Sessions(), nil
	}
	if len(req.Targets) == 0 && req.Caller.SessionID != 0 {
		req.Targets = []string{strconv.Itoa(req.Caller.SessionID)}
	}
	if len(req.Targets) == 0 {
		return nil, mux.Invalidf("name a session, or use --all")
	}
	var list []*mux.Session
	seen := map[*mux.Session]bool{}
	for _, t := range req.Targets {
		sess, err := s.reg.Lookup(t)
		if err != nil {
			return nil, err
		}
		if !seen[sess] {
			seen[sess] = true
			list = append(list, sess)
		}
	}
	return list, nil
}

func (s *Server) handleDetach(c *socket.Conn, req *socket.Request) {
	list, err := s.targets(req)
	if err != nil {
		s.replyErr(c, err)
		return
	}
	mode, err := outputBuffering(req.OutputBuffering)
	if err != nil {
		s.replyErr(c, err)
		return
	}
	d, set, err := idleTimeout(req.IdleTimeout)
	if err != nil {
		s.replyErr(c, err)
		return
	}
	if set { // all or nothing: check every session's cap first
		for _, sess := range list {
			if err := sess.CheckIdleTimeout(d); err != nil {
				s.replyErr(c, err)
				return
			}
		}
	}
	for _, sess := range list {
		if set {
			sess.SetIdleTimeout(d)
		}
		sess.SetOutputBuffering(mode)
	}
	n := 0
	for _, sess := range list {
		n += s.reg.DetachAll(sess)
	}
	s.reply(c, socket.Reply{Count: n})
}

func (s *Server) handleKill(c *socket.Conn, req *socket.Request) {
	list, err := s.targets(req)
	if err != nil {
		s.replyErr(c, err)
		return
	}
	for _, sess := range list {
		s.reg.Kill(sess)
	}
	s.reply(c, socket.Reply{Count: len(list)})
}

func (s *Server) handleRename(c *socket.Conn, req *socket.Request) {
	sess, err := s.reg.Rename(req.Target, req.Name)
	if err != nil {
		s.replyErr(c, err)
		return
	}
	s.reply(c, socket.Reply{Session: ptr(sessionInfo(sess.Info(caller(req))))})
}

// The connection stays open until Run returns (or the process exits), so
// the client can tell when the server is gone.
func (s *Server) handleStop(c *socket.Conn, req *socket.Request) {
	s.announceStopping("linger server stop")
	n := s.reg.Shutdown()
	c.WriteJSON(socket.MsgReply, socket.Reply{Count: n})
	s.stopMu.Lock()
	s.stopConns = append(s.stopConns, c)
	s.stopMu.Unlock()
	s.stop("linger server stop")
}
