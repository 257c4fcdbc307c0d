package client

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"linger/socket"
	"linger/vt"
)

// Receive prints a session's unreceived output to stdout byte for byte
// (req: OpReceive) and returns the exit status to leave with: the
// command's, once it has ended and all its output is received (the server
// then collects the session), else 0. With text it prints plain text
// instead (vt.Text: no escape sequences, LF line ends); acknowledgements
// still count the bytes received.
//
// Output counts as received once acknowledged: copyOutput acknowledges
// what it wrote, and all of it at MsgEnd; then MsgDetach says we are done.
// A session whose command has ended answers with MsgExited; one still
// running just closes.
//
// A remote connection that breaks is not the end (with e.Reconnect): it
// reconnects as an attached client does (redial) and asks to resume from
// the offset up to which stdout has the output, the reply's Offset plus
// what it wrote since, acknowledged or not: stdout gets every byte once.
// What it is doing it says on stderr (stdout may be a file).
func (e Endpoint) Receive(req *socket.Request, text bool, stdout, stderr io.Writer) (status int, err error) {
	conn, err := e.Connect(false)
	if err != nil {
		return 0, err
	}
	defer func() { conn.Close() }()
	rep, err := conn.Request(req)
	if err != nil {
		return 0, err
	}
	if text {
		stdout = &textWriter{w: stdout}
	}
	name := req.Target
	if rep.Session != nil {
		name = rep.Session.Name
	}
	offset := rep.Offset // stdout has the output before it
	for {
		if rep.Dropped > 0 {
			fmt.Fprintf(stderr, "linger: %d bytes dropped (output_buffering = drop)\n", rep.Dropped)
		}
		n, err := copyOutput(conn, stdout, true)
		offset += n
		var we *socket.WriteError
		if err != nil && (errors.As(err, &we) || e.Host == nil || e.Reconnect <= 0) {
			return 0, err
		}
		if err == nil {
			break
		}
		conn.Close()
		d, lerr := e.receiveAgain(req, name, offset, err, stderr)
		if lerr != nil {
			return 0, lerr
		}
		conn, rep = d.c, d.rep
	}
	conn.WriteFrame(socket.MsgDetach, nil)
	for {
		typ, p, err := conn.ReadFrame()
		if err != nil {
			return 0, nil // the command still runs: nothing more to say
		}
		if typ == socket.MsgExited {
			var x socket.Exited
			json.Unmarshal(p, &x)
			return x.ShellCode, nil
		}
	}
}

// receiveAgain reconnects a receive whose connection broke (lost says
// how) and resumes it from offset; it says what it does on stderr, and
// returns the error to end with when it gives up.
func (e Endpoint) receiveAgain(req *socket.Request, name string, offset int64, lost error, stderr io.Writer) (resumedConn, error) {
	where := hostName(e)
	fmt.Fprintf(stderr, "linger: receive %s: %v; reconnecting to %s for up to %s\n", name, lost, where, formatAgo(e.Reconnect))
	again := fmt.Sprintf("linger %sreceive %s%s", hostFlag(e), followFlag(req), name)
	d, err := redial(retry{E: e, Lost: time.Now(), Timeout: e.Reconnect,
		Status: func(lost time.Time, attempt int, next time.Duration) {
			if next < 0 && attempt > 1 {
				fmt.Fprintf(stderr, "linger: receive %s: reconnecting to %s (attempt %d, lost %s ago)\n", name, where, attempt, ago(lost))
			}
		}}, func(e Endpoint) (resumedConn, error) {
		c, err := e.Connect(false)
		if err != nil {
			return resumedConn{}, err
		}
		r := *req
		r.AllHeld = false
		r.Resume = &socket.Resume{Offset: offset}
		rep, err := c.Request(&r)
		if err != nil {
			c.Close()
			return resumedConn{}, err
		}
		return resumedConn{c, rep}, nil
	})
	if err == nil {
		fmt.Fprintf(stderr, "linger: receive %s: reconnected to %s; resuming at offset %d\n", name, where, offset)
		return d, nil
	}
	switch err.Reason {
	case upGone:
		return d, fmt.Errorf("receive %s: lost connection, then the session is gone (%v)", name, err.Err)
	case upAuth:
		return d, fmt.Errorf("receive %s: lost connection; reconnecting: authentication failed (%v); session %s is safe on the server: %s", name, err.Err, name, again)
	case upTimeout:
		return d, fmt.Errorf("receive %s: lost connection; gave up reconnecting to %s after %s (%v); session %s keeps its output: %s",
			name, where, formatAgo(e.Reconnect), err.Err, name, again)
	}
	return d, fmt.Errorf("receive %s: lost connection; gave up reconnecting (%v)", name, err)
}

// followFlag is "-f " for a follow request.
func followFlag(req *socket.Request) string {
	if req.Follow {
		return "-f "
	}
	return ""
}

// textWriter writes the plain text of what is written to it to w (see
// vt.Text), and says it wrote all of p: what counts as received is the
// output as it came.
type textWriter struct {
	w   io.Writer
	t   vt.Text
	buf []byte
}

func (tw *textWriter) Write(p []byte) (int, error) {
	tw.buf = tw.t.Append(tw.buf[:0], p)
	if len(tw.buf) > 0 {
		if _, err := tw.w.Write(tw.buf); err != nil {
			return 0, err
		}
	}
	return len(p), nil
}
