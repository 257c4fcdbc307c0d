package server

import (
	"sync/atomic"
	"time"

	"linger/mux"
	"linger/shell"
	"linger/socket"
)

// receiver is a receive request's connection as a mux.Client: it gets
// output like an attached client but holds no terminal.
type receiver struct {
	conn    *socket.Conn
	end     chan struct{} // closed by Exited/Detached: the stream is over
	st      socket.Exited
	written atomic.Int64 // output bytes written to the client
}

func (r *receiver) Output(p []byte, deadline time.Time) error {
	err := r.conn.WriteFrameDeadline(socket.MsgOutput, p, deadline)
	if err == nil {
		r.written.Add(int64(len(p)))
	}
	return err
}

func (r *receiver) Detached(session, reason string, takenBy *mux.ClientInfo) { r.finish(nil) }

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
// held; a resume: everything from the offset its client has) and, with
// --follow, what it prints next until the command ends. The reply says
// the session offset of the first byte, for a resume. The
// output counts as received when the client acknowledges it; reaching the
// end of a Closed session collects it.
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
	info := sessionInfo(sess.Info(caller(req)))
	replied := false
	var resume *int64
	if req.Resume != nil {
		resume = &req.Resume.Offset
	}
	base, _, err := sess.Receive(r, req.AllHeld, req.Follow, resume, mode, func(base, dropped int64) error {
		replied = true
		return c.WriteJSON(socket.MsgReply, socket.Reply{Session: &info, Dropped: dropped, Offset: base})
	})
	stop := make(chan struct{})
	defer close(stop)
	acks := readAcks(c, stop)
	var acked int64
	end := func() (bool, shell.ExitStatus) { return sess.EndReceive(r, base, acked, r.written.Load()) }
	if err != nil {
		end()
		if !replied {
			s.replyErr(c, err)
		}
		return
	}
	if req.Follow && !sess.Closed() {
		// live output arrives through r.Output until the command ends
	follow:
		for {
			select {
			case n, ok := <-acks:
				if !ok {
					end() // the receiver went away; what it acknowledged counts
					return
				}
				if n >= 0 {
					acked = n
					sess.Ack(r, n)
				}
			case <-r.end:
				break follow
			}
		}
	}
	// End of stream: the client acknowledges all it wrote and says it is
	// done (MsgDetach); then a Closed session with nothing left is
	// collected and its status sent.
	if c.WriteFrame(socket.MsgEnd, nil) != nil {
		end()
		return
	}
	// A client still taking the output it was sent before MsgEnd (MBs
	// sit in the pipes of an ssh relay) is slow, not gone: the wait ends
	// after endAckTimeout without progress, not after a fixed time.
	timeout := time.NewTimer(endAckTimeout)
	defer timeout.Stop()
wait:
	for {
		select {
		case n, ok := <-acks:
			if !ok {
				break wait // gone before confirming: what it acknowledged counts
			}
			if n == ackDone {
				break wait
			}
			if n > acked {
				timeout.Reset(endAckTimeout)
			}
			acked = n
		case <-timeout.C:
			break wait
		}
	}
	if closed, st := end(); closed {
		s.reg.Collect(sess)
		c.WriteJSON(socket.MsgExited, socket.Exited{Session: sess.Name(), Status: st.String(), ShellCode: st.ShellCode()})
	}
}

// endAckTimeout is how long a receiver may go without acknowledging
// anything after MsgEnd before the server stops waiting for its last word.
const endAckTimeout = 10 * time.Second

// ackDone is sent on readAcks' channel when the client says it has sent
// its last acknowledgement (MsgDetach after MsgEnd).
const ackDone = -1

// readAcks delivers the client's MsgAck values (and ackDone) until the
// connection ends.
func readAcks(c *socket.Conn, stop <-chan struct{}) <-chan int64 {
	ch := make(chan int64, 64)
	go func() {
		defer close(ch)
		for {
			typ, p, err := c.ReadFrame()
			if err != nil {
				return
			}
			n := int64(ackDone)
			switch typ {
			case socket.MsgAck:
				if n, err = socket.DecodeAck(p); err != nil {
					continue
				}
			case socket.MsgDetach:
			default:
				continue
			}
			select {
			case ch <- n:
			case <-stop:
				return
			}
		}
	}()
	return ch
}

// handleWait blocks until the named sessions' commands have ended, then
// replies with their statuses. The sessions stay, Closed, for a receive or
// an attach to collect with their output; with req.Collect they are
// removed. A waiter that goes away (timeout, Ctrl-C) stops waiting.
func (s *Server) handleWait(c *socket.Conn, req *socket.Request) {
	defer c.Close()
	if len(req.Targets) == 0 {
		s.replyErr(c, mux.Invalidf("name the sessions to wait for"))
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
		x := socket.Exited{Session: sess.Name(), ID: sess.ID, Status: st.String(), ShellCode: st.ShellCode()}
		if st.Signal != 0 {
			x.ExitSignal = ptr(int(st.Signal))
		} else {
			x.ExitCode = ptr(st.Code)
		}
		rep.Exits = append(rep.Exits, x)
	}
	if req.Collect {
		for _, sess := range list {
			s.reg.Collect(sess)
		}
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
