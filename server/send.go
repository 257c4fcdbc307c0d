package server

import (
	"fmt"
	"regexp"
	"time"

	"linger/mux"
	"linger/socket"
)

// sendTimeout is how long a send waits for a program that does not read
// its input (the pty's input queue full) before saying so; the keys are
// still typed when it reads.
const sendTimeout = 5 * time.Second

// handleSend types keystrokes into a session's program (`linger send`),
// attached or not, and replies once they are written.
func (s *Server) handleSend(c *socket.Conn, req *socket.Request) {
	sess, err := s.reg.Lookup(req.Target)
	if err != nil {
		s.replyErr(c, err)
		return
	}
	done := make(chan error, 1)
	go func() {
		done <- sess.Send(mux.Keystrokes{Text: req.Input, Keys: req.Keys, Paste: req.Paste, Enter: req.Enter})
	}()
	select {
	case err := <-done:
		if err != nil {
			s.replyErr(c, err)
			return
		}
		s.reply(c, socket.Reply{})
	case <-time.After(sendTimeout):
		s.replyErr(c, fmt.Errorf("session %s has not read its input for %s (a stopped or busy program): the rest is typed when it reads", sess.Name(), sendTimeout))
	}
}

// handleWaitOutput is wait --idle and --until: it replies once the
// session has printed nothing for req.Idle, or once its screen text
// matches req.Until. Both are event driven: the pump tells the waiter
// after each chunk of output (mux.Session.WatchOutput, coalesced), and
// --until then matches the screen once, so a flood of output costs one
// match per wake-up, never one per byte. A session whose command has
// ended prints nothing more: --idle returns, --until fails unless its
// last screen matches.
func (s *Server) handleWaitOutput(c *socket.Conn, req *socket.Request) {
	defer c.Close()
	if len(req.Targets) != 1 {
		s.replyErr(c, mux.Invalidf("wait --idle and --until take one session"))
		return
	}
	var idle time.Duration
	if req.Idle != "" {
		d, err := time.ParseDuration(req.Idle)
		if err != nil || d <= 0 {
			s.replyErr(c, mux.Invalidf("--idle %q: expected a positive duration like 500ms or 2s", req.Idle))
			return
		}
		idle = d
	}
	var re *regexp.Regexp
	if req.Until != "" {
		if req.Idle != "" {
			s.replyErr(c, mux.Invalidf("wait takes --idle or --until, not both"))
			return
		}
		var err error
		if re, err = socket.ScreenPattern(req.Until); err != nil {
			s.replyErr(c, mux.Invalidf("--until %q: %v", req.Until, err))
			return
		}
	}
	if idle == 0 && re == nil {
		s.replyErr(c, mux.Invalidf("wait --idle or --until: neither given"))
		return
	}
	sess, err := s.reg.Lookup(req.Targets[0])
	if err != nil {
		s.replyErr(c, err)
		return
	}
	match := func() bool { return re.MatchString(sess.ScreenText()) }
	out, stop := sess.WatchOutput()
	defer stop()
	gone := closed(c)
	if idle > 0 {
		t := time.NewTimer(idle)
		defer t.Stop()
		for {
			select {
			case <-out:
				t.Reset(idle)
			case <-t.C:
				c.WriteJSON(socket.MsgReply, socket.Reply{})
				return
			case <-sess.Done():
				c.WriteJSON(socket.MsgReply, socket.Reply{})
				return
			case <-gone:
				return
			}
		}
	}
	if match() {
		c.WriteJSON(socket.MsgReply, socket.Reply{})
		return
	}
	for {
		select {
		case <-out:
			if match() {
				c.WriteJSON(socket.MsgReply, socket.Reply{})
				return
			}
		case <-sess.Done():
			if match() {
				c.WriteJSON(socket.MsgReply, socket.Reply{})
				return
			}
			st, _ := sess.ExitStatus()
			c.WriteJSON(socket.MsgReply, errorReply(fmt.Errorf("session %s ended (%s) before its screen matched %q", sess.Name(), st, req.Until)))
			return
		case <-gone:
			return
		}
	}
}
