package client

import (
	"encoding/json"
	"fmt"
	"io"

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
func (e Endpoint) Receive(req *socket.Request, text bool, stdout, stderr io.Writer) (status int, err error) {
	conn, err := e.Connect(false)
	if err != nil {
		return 0, err
	}
	defer conn.Close()
	rep, err := conn.Request(req)
	if err != nil {
		return 0, err
	}
	if rep.Dropped > 0 {
		fmt.Fprintf(stderr, "linger: %d bytes dropped (output_buffering = drop)\n", rep.Dropped)
	}
	if text {
		stdout = &textWriter{w: stdout}
	}
	if _, err := copyOutput(conn, stdout, true); err != nil {
		return 0, err
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
