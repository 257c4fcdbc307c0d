package server

import (
	"encoding/json"

	"linger/mux"
	"linger/socket"
)

// captureJSON is what capture --json prints.
type captureJSON struct {
	Session string        `json:"session"`
	Cols    int           `json:"cols"`
	Rows    int           `json:"rows"`
	Cursor  captureCursor `json:"cursor"`
	History []string      `json:"history"`
	Screen  []string      `json:"screen"`
}

type captureCursor struct {
	X int `json:"x"` // 0-based column
	Y int `json:"y"` // 0-based row of the screen
}

// handleCapture prints a session's screen: a reply, then the text as
// MsgOutput frames, then MsgEnd. It reads the session's emulator and
// changes nothing: any session, attached or not, Closed included.
func (s *Server) handleCapture(c *socket.Conn, req *socket.Request) {
	defer c.Close()
	if req.Scrollback < 0 {
		s.replyErr(c, mux.Invalidf("invalid --scrollback %d (expected: a number of lines, 0 or more)", req.Scrollback))
		return
	}
	sess, err := s.reg.Lookup(req.Target)
	if err != nil {
		s.replyErr(c, err)
		return
	}
	capt := sess.Capture(req.Scrollback, req.Escapes)
	var out []byte
	if req.Format == socket.FormatJSON {
		v := captureJSON{Session: sess.Name(), Cols: capt.Cols, Rows: capt.Rows,
			Cursor: captureCursor{capt.CursorX, capt.CursorY}, History: capt.History, Screen: capt.Screen}
		if v.History == nil {
			v.History = []string{}
		}
		out, _ = json.MarshalIndent(v, "", "  ")
		out = append(out, '\n')
	} else {
		for _, l := range capt.History {
			out = append(append(out, l...), '\n')
		}
		for _, l := range capt.Screen {
			out = append(append(out, l...), '\n')
		}
	}
	if c.WriteJSON(socket.MsgReply, socket.Reply{Session: ptr(sessionInfo(sess.Info(caller(req))))}) != nil {
		return
	}
	for len(out) > 0 {
		n := min(len(out), socket.MaxFrame)
		if c.WriteFrame(socket.MsgOutput, out[:n]) != nil {
			return
		}
		out = out[n:]
	}
	c.WriteFrame(socket.MsgEnd, nil)
}
