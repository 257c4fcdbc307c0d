package server

import (
	"errors"
	"time"

	"linger/mux"
	"linger/shell"
	"linger/socket"
)

// receiver is a receive request's connection as a mux.Client: it gets
// output like an attached client but holds no terminal.
type receiver struct {
	conn *socket.Conn
	end  chan struct{} // closed by Exited/Detached: the stream is over
	st   socket.Exited
}

func (r *receiver) Output(p []byte, deadline time.Time) error {
	return r.conn.WriteFrameDeadline(socket.MsgOutput, p, deadline)
}

func (r *receiver) Detached(session, reason string) { r.finish(nil) }

func (r *receiver) Exited(session string, st shell.ExitStatus, killed bool) {
	r.finish(&socket.Exited{Session: session, Status: st.String(), ShellCode: st.ShellCode(), Killed: killed})
}

func (r *receiver) finish(e *socket.Exited) {
	select {
	case <-r.end:
		return
	default:
	}
	if e != nil {
		r.st = *e
	}
	close(r.end)
}

// handleReceive prints a session's unreceived output (--all: everything
// held) and, with --follow, what it prints next until the command ends.
// Reaching the end of a Closed session collects it.
func (s *Server) handleReceive(c *socket.Conn, req *socket.Request) {
	defer c.Close()
	sess, err := s.reg.Lookup(req.Target)
	if err != nil {
		s.replyErr(c, err)
		return
	}
	mode, err := outputBuffering(req.OutputBuffering)
	if err != nil {
		s.replyErr(c, err)
		return
	}
	r := &receiver{conn: c, end: make(chan struct{})}
	// The reply goes first; Receive then writes the output under the
	// session's delivery lock.
	info := sessionInfo(sess.Info(caller(req)))
	var res mux.Received
	replied := false
	res, err = sess.Receive(r, req.All, req.Follow, mode, time.Now().Add(mux.SlowClientTimeout), func(dropped int64) error {
		replied = true
		return c.WriteJSON(socket.MsgReply, socket.Reply{Session: &info, Dropped: dropped})
	})
	if err != nil {
		if !replied {
			s.replyErr(c, err)
		}
		return
	}
	if res.Closed {
		s.reg.Collect(sess)
		c.WriteJSON(socket.MsgExited, socket.Exited{Session: sess.Name, Status: res.Status.String(), ShellCode: res.Status.ShellCode()})
		return
	}
	if !req.Follow {
		c.WriteFrame(socket.MsgEnd, nil)
		return
	}
	// Follow: live output arrives through r.Output until the command
	// ends; a receiver that goes away stops it.
	gone := closed(c)
	select {
	case <-r.end:
		sess.StopReceiving(r)
		if r.st.Session != "" {
			c.WriteJSON(socket.MsgExited, r.st)
			s.reg.Collect(sess)
		} else {
			c.WriteFrame(socket.MsgEnd, nil)
		}
	case <-gone:
		sess.StopReceiving(r)
	}
}

// handleWait blocks until the named sessions' commands have ended, then
// replies with their statuses and collects them. A waiter that goes away
// (timeout, Ctrl-C) stops waiting.
func (s *Server) handleWait(c *socket.Conn, req *socket.Request) {
	defer c.Close()
	if len(req.Targets) == 0 {
		s.replyErr(c, errors.New("name the sessions to wait for"))
		return
	}
	var list []*mux.Session
	for _, t := range req.Targets {
		sess, err := s.reg.Lookup(t)
		if err != nil {
			s.replyErr(c, err)
			return
		}
		list = append(list, sess)
	}
	gone := closed(c)
	rep := socket.Reply{}
	for _, sess := range list {
		select {
		case <-sess.Done():
		case <-gone:
			return
		}
		st, _ := sess.ExitStatus()
		rep.Exits = append(rep.Exits, socket.Exited{Session: sess.Name, Status: st.String(), ShellCode: st.ShellCode()})
	}
	for _, sess := range list {
		s.reg.Collect(sess)
	}
	c.WriteJSON(socket.MsgReply, rep)
}

// closed returns a channel closed when the peer closes the connection (it
// sends nothing else after its request), so a long request can stop.
func closed(c *socket.Conn) <-chan struct{} {
	gone := make(chan struct{})
	go func() {
		defer close(gone)
		for {
			if _, _, err := c.ReadFrame(); err != nil {
				return
			}
		}
	}()
	return gone
}
