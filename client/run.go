package client

import (
	"encoding/json"
	"errors"
	"io"

	"linger/socket"
)

// ExitBusy is what `linger run` exits with when the session stayed busy
// (EX_TEMPFAIL: try again later).
const ExitBusy = 75

// Run runs a command in a session's shell (req: OpRun) and writes its
// output to stdout: the pty's bytes with CRLF made LF, or as they are
// with raw. It returns the command's status (128+N for signal N). A
// session that stayed busy is a *StatusError with ExitBusy.
func (e Endpoint) Run(req *socket.Request, raw bool, stdout io.Writer) (status int, err error) {
	conn, err := e.Connect(false)
	if err != nil {
		return 0, err
	}
	defer conn.Close()
	if _, err := conn.Request(req); err != nil {
		var re *socket.ReplyError
		if errors.As(err, &re) && re.Code == socket.ErrBusy {
			return 0, &StatusError{Status: ExitBusy, Msg: re.Msg}
		}
		return 0, err
	}
	w := stdout
	var lf *lfWriter
	if !raw {
		lf = &lfWriter{w: stdout}
		w = lf
	}
	for {
		typ, p, err := conn.ReadFrame()
		if err != nil {
			return 0, errLost(err)
		}
		switch typ {
		case socket.MsgOutput:
			if _, err := w.Write(p); err != nil {
				return 0, &socket.WriteError{Err: err}
			}
		case socket.MsgExited:
			if lf != nil {
				if err := lf.Flush(); err != nil {
					return 0, &socket.WriteError{Err: err}
				}
			}
			var x socket.Exited
			if err := json.Unmarshal(p, &x); err != nil {
				return 0, errLost(err)
			}
			return x.ShellCode, nil
		}
	}
}

// lfWriter writes what is written to it with each CRLF made LF (a pty's
// line ends: its output is as the command wrote it to a pipe). A CR at
// the end of a write waits for the next.
type lfWriter struct {
	w   io.Writer
	cr  bool // a CR ended the last write
	buf []byte
}

func (l *lfWriter) Write(p []byte) (int, error) {
	b := l.buf[:0]
	if l.cr {
		if len(p) > 0 && p[0] != '\n' {
			b = append(b, '\r')
		}
		l.cr = false
	}
	for i := 0; i < len(p); i++ {
		c := p[i]
		if c == '\r' {
			if i+1 == len(p) {
				l.cr = true
				break
			}
			if p[i+1] == '\n' {
				continue
			}
		}
		b = append(b, c)
	}
	l.buf = b
	if len(b) > 0 {
		if _, err := l.w.Write(b); err != nil {
			return 0, err
		}
	}
	return len(p), nil
}

// Flush writes a CR that ended the output.
func (l *lfWriter) Flush() error {
	if l.cr {
		l.cr = false
		_, err := l.w.Write([]byte{'\r'})
		return err
	}
	return nil
}
