package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"linger/mux"
	"linger/socket"
)

// defaultRunWait is how long a run waits for a busy session by default
// (Invoke-Command's four minutes).
const defaultRunWait = 4 * time.Minute

// handleRun runs a command in a session's shell (linger run): it waits
// for the session to be idle, replies with the run's ID, streams the
// command's output and ends with MsgExited carrying its status (see
// socket/protocol.go).
func (s *Server) handleRun(c *socket.Conn, req *socket.Request) {
	defer c.Close()
	what := req.Line
	if what == "" {
		if len(req.Command) == 0 {
			s.replyErr(c, mux.Invalidf("run needs a command (-- COMMAND [ARG...] or -c 'COMMAND LINE')"))
			return
		}
		what = strings.Join(req.Command, " ")
	}
	wait := defaultRunWait
	if req.RunWait != "" {
		d, err := time.ParseDuration(req.RunWait)
		if err != nil || d < 0 {
			s.replyErr(c, mux.Invalidf("invalid --wait %q (expected a duration like 30s or 0)", req.RunWait))
			return
		}
		wait = d
	}
	sess, err := s.reg.Lookup(req.Target)
	if err != nil {
		s.replyErr(c, err)
		return
	}
	// The client sends nothing more: a read ending says it went away.
	gone := make(chan struct{})
	go func() {
		defer close(gone)
		for {
			if _, _, err := c.ReadFrame(); err != nil {
				return
			}
		}
	}()
	run, err := sess.StartRun(req.Command, req.Line, what, wait, gone)
	if err != nil {
		rep := errorReply(err)
		if errors.Is(err, mux.ErrNoIntegration) {
			rep.Code = socket.ErrNoShell
			rep.Error = fmt.Sprintf("session %s is not a shell with linger's integration (bash, zsh or fish started by linger, or 'eval \"$(linger init bash)\"' in it): use 'linger send %s TEXT' to type into it", sess.Name(), sess.Name())
		}
		s.reply(c, rep)
		return
	}
	if c.WriteJSON(socket.MsgReply, socket.Reply{Run: run.ID}) != nil {
		run.Abandon()
		return
	}
	for {
		out, done, status, more := run.Take()
		for len(out) > 0 {
			n := min(len(out), socket.MaxFrame)
			if c.WriteFrame(socket.MsgOutput, out[:n]) != nil {
				run.Abandon()
				return
			}
			out = out[n:]
		}
		if done {
			x := socket.Exited{Session: sess.Name(), Status: fmt.Sprintf("status %d", status), ShellCode: status}
			p, _ := json.Marshal(x)
			c.WriteFrame(socket.MsgExited, p)
			return
		}
		select {
		case <-more:
		case <-gone:
			run.Abandon()
			return
		}
	}
}
