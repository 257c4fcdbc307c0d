package server

// What happens on attach, server side (the terminal side is client/attach.go):
//
//  1. The client's request (OpAttach, or OpNew with Attach) names a session
//     and carries the client's terminal size and tty.
//  2. mux attaches the client: a busy session is refused unless Steal (the
//     old client gets MsgDetached) or ReadOnly; the session takes the new
//     owner's size, and the program is made to redraw (SIGWINCH).
//  3. We reply with the session's info and the detach key. Output from the
//     session's pump waits on cl.ready until that reply is written, so the
//     reply is always the first frame. Then MsgRestore frames draw the
//     session's screen (mux/screen.go) as the restore mode says: history
//     and screen (lines), the screen (screen), or nothing (none: the
//     program was sent SIGWINCH to redraw itself). No live output is
//     written between the screen's snapshot and the drawing.
//  4. This goroutine then reads the client's frames: MsgInput goes to the
//     program, MsgResize resizes the pty, MsgDetach detaches. Output frames
//     are written by the session's pump goroutine (mux.Session.deliver).
//  5. It ends with MsgDetached (detach key, `linger detach`, --steal
//     elsewhere, server exit) or MsgExited (the command ended), after which
//     the server closes the connection. A connection that just drops is a
//     lost client: the session is detached and keeps running.

import (
	"encoding/json"
	"sync"
	"time"

	"linger/mux"
	"linger/shell"
	"linger/socket"
)

// client is an attached client: mux.Client over a socket connection.
type client struct {
	conn  *socket.Conn
	info  mux.ClientInfo
	ready chan struct{} // closed once the reply has been written
	once  sync.Once
}

func newClient(c *socket.Conn, tty string, readOnly bool) *client {
	return &client{conn: c, info: mux.ClientInfo{TTY: tty, ReadOnly: readOnly, Since: time.Now()}, ready: make(chan struct{})}
}

// Output writes program output. It is called from the session's pump.
func (cl *client) Output(p []byte, deadline time.Time) error {
	<-cl.ready
	return cl.conn.WriteFrameDeadline(socket.MsgOutput, p, deadline)
}

// draw writes the restore frames (step 3). Like output to a session's only
// client it has no deadline.
func (cl *client) draw(p []byte, covered int64) error {
	for _, f := range socket.EncodeRestore(p, covered) {
		if err := cl.conn.WriteFrame(socket.MsgRestore, f); err != nil {
			return err
		}
	}
	return nil
}

// Detached tells the client why it is detached and closes the connection.
func (cl *client) Detached(session, reason string) {
	cl.finish(socket.MsgDetached, socket.Detached{Session: session, Reason: reason})
}

// Exited tells the client the command ended and closes the connection.
func (cl *client) Exited(session string, st shell.ExitStatus, killed bool) {
	cl.finish(socket.MsgExited, socket.Exited{Session: session, Status: st.String(), ShellCode: st.ShellCode(), Killed: killed})
}

// finish sends the last message and closes, at most once, in the
// background so that no caller waits on a slow client: the pump may be in
// a write to it, which a slow reader finishes and one that stopped reading
// is cut from after SlowClientTimeout; then the last message goes once the
// client has read what is ahead of it, within SlowClientTimeout more.
func (cl *client) finish(typ uint8, v any) {
	cl.once.Do(func() {
		p, _ := json.Marshal(v)
		go func() {
			defer cl.conn.Close()
			select {
			case <-cl.ready:
			default:
				return // the reply was never sent: just close
			}
			cl.conn.LimitWrites(time.Now().Add(mux.SlowClientTimeout))
			cl.conn.WriteFinal(typ, p, mux.SlowClientTimeout)
		}()
	})
}

// handleAttach attaches the connection's client to an existing session.
func (s *Server) handleAttach(c *socket.Conn, req *socket.Request) {
	mode, err := outputBuffering(req.OutputBuffering)
	if err != nil {
		s.replyErr(c, err)
		return
	}
	restore := ""
	if req.Restore != "" {
		if restore, err = mux.ParseRestore(req.Restore); err != nil {
			s.replyErr(c, err)
			return
		}
	}
	cl := newClient(c, req.Caller.TTY, req.ReadOnly)
	sess, closed, err := s.reg.Attach(mux.AttachOptions{
		Target: req.Target, Client: cl, Info: cl.info, Steal: req.Steal,
		Cols: req.Cols, Rows: req.Rows, OutputBuffering: mode, Restore: restore,
		Reply: func(sess *mux.Session) error { return s.writeReply(cl, sess, req) },
		Draw:  cl.draw,
	})
	if err != nil {
		s.replyErr(c, err)
		return
	}
	if closed {
		// The command ended while nobody was attached: its last screen was
		// drawn; the status collects the session.
		st, _ := sess.ExitStatus()
		cl.Exited(sess.Name, st, false)
		s.reg.Collect(sess)
		return
	}
	s.readClient(cl, sess)
}

// writeReply sends the attach reply and opens the gate for output.
func (s *Server) writeReply(cl *client, sess *mux.Session, req *socket.Request) error {
	rep := socket.Reply{
		Session:   ptr(sessionInfo(sess.Info(caller(req)))),
		DetachKey: s.opts.Config.Server.DetachKey,
	}
	err := cl.conn.WriteJSON(socket.MsgReply, rep)
	close(cl.ready)
	return err
}

// stream runs a connection attached by new: reply, then the client's frames.
func (s *Server) stream(cl *client, sess *mux.Session, req *socket.Request) {
	if err := s.writeReply(cl, sess, req); err != nil {
		s.reg.Detach(sess, cl, true)
		cl.conn.Close()
		return
	}
	s.readClient(cl, sess)
}

// readClient reads the attached client's frames until the connection ends
// (step 4 above).
func (s *Server) readClient(cl *client, sess *mux.Session) {
	for {
		typ, p, err := cl.conn.ReadFrame()
		if err != nil {
			// lost client (or we closed it after Detached/Exited)
			if s.reg.Detach(sess, cl, true) {
				s.log.Printf("session %s (%d): client %s went away without detaching", sess.Name, sess.ID, ttyOr(cl.info.TTY))
			}
			cl.conn.Close()
			return
		}
		switch typ {
		case socket.MsgInput:
			if cl.info.ReadOnly {
				continue
			}
			if err := sess.Input(cl, p); err != nil {
				s.limitedf("input", "session %s: writing input: %v", sess.Name, err)
			}
		case socket.MsgResize:
			cols, rows, err := socket.DecodeSize(p)
			if err != nil {
				s.limitedf("resize", "session %s: %v", sess.Name, err)
				continue
			}
			sess.Resize(cl, cols, rows)
		case socket.MsgAck:
			if n, err := socket.DecodeAck(p); err == nil {
				sess.Ack(cl, n)
			}
		case socket.MsgDetach:
			if s.reg.Detach(sess, cl, false) {
				cl.Detached(sess.Name, socket.ReasonDetached)
			}
		default:
			s.limitedf("frame", "session %s: unexpected message 0x%02x from client: closing it", sess.Name, typ)
			s.reg.Detach(sess, cl, true)
			cl.conn.Close()
			return
		}
	}
}

func ttyOr(tty string) string {
	if tty == "" {
		return "(no tty)"
	}
	return tty
}
