package client

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/term"

	"linger/socket"
)

// copyOutput writes the output frames of a reply to w until MsgEnd,
// acknowledging them with ack (receive). A connection that ends early is
// a lost connection; an error writing w is said as such.
func copyOutput(conn *socket.Conn, w io.Writer, ack bool) (int64, error) {
	n, err := conn.CopyOutput(w, ack)
	var we *socket.WriteError
	if errors.Is(err, socket.ErrSilent) {
		return n, errLost(err) // heartbeats: a remote server that went quiet
	}
	if err != nil && !errors.As(err, &we) {
		return n, errLost(nil)
	}
	return n, err
}

// List prints the listing the server renders (server/list.go): the table,
// or JSON with req.Format. With no server running there are no sessions:
// JSON is an empty array, the table says "no sessions", and a session
// named in req.Targets does not exist, as a server would say.
func (e Endpoint) List(req *socket.Request, w io.Writer) error {
	// No server, or one that was exiting (its last session gone) and
	// closed us before its hello: no sessions, either way.
	empty := func() error {
		switch {
		case len(req.Targets) > 0:
			return noSession(req.Targets[0])
		case req.Format == socket.FormatJSON:
			_, err := io.WriteString(w, "[]\n")
			return err
		}
		_, err := io.WriteString(w, "no sessions\n")
		return err
	}
	conn, err := e.Connect(false)
	if err != nil {
		if IsNoServer(err) {
			return empty()
		}
		return err
	}
	defer conn.Close()
	rep, err := conn.Request(req)
	if err != nil {
		if IsNoServer(err) {
			return empty()
		}
		return err
	}
	// All of it before writing: a slow reader of our stdout (a pager) must
	// not keep the server sending. Sized from the count: growing a buffer
	// to 6 MB (10000 sessions in JSON) by doubling took a third of the time.
	perSession := 160
	if req.Format == socket.FormatJSON {
		perSession = 700
	}
	var out bytes.Buffer
	out.Grow(min((rep.Count+1)*perSession, 64<<20))
	if _, err := copyOutput(conn, &out, false); err != nil {
		return err
	}
	_, err = w.Write(out.Bytes())
	return err
}

// noSession is the error a server gives for a name or ID it does not have
// (mux.Registry.Lookup's words).
func noSession(target string) error {
	msg := fmt.Sprintf("no session named %q (try 'linger ls')", target)
	if target != "" && strings.Trim(target, "0123456789") == "" {
		msg = "no session with ID " + target + " (try 'linger ls')"
	}
	return &socket.ReplyError{Code: socket.ErrNoSession, Msg: msg}
}

// Width is the width of the terminal f is, in columns; 0 if f is not a
// terminal (then `ls` cuts nothing).
func Width(f *os.File) int {
	cols, _, err := term.GetSize(int(f.Fd()))
	if err != nil || cols <= 0 {
		return 0
	}
	return cols
}

// Capture prints what a session's screen shows (req: OpCapture).
func (e Endpoint) Capture(req *socket.Request, w io.Writer) error {
	conn, err := e.Connect(false)
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.Request(req); err != nil {
		return err
	}
	_, err = copyOutput(conn, w, false)
	return err
}

// SessionNames returns the names of the sessions of a running server, for
// shell completion: it never starts one, and no server means no names.
func (e Endpoint) SessionNames() ([]string, error) {
	var out bytes.Buffer
	if err := e.List(&socket.Request{Op: socket.OpList, Format: socket.FormatJSON}, &out); err != nil {
		if IsNoServer(err) {
			return nil, nil
		}
		return nil, err
	}
	var list []struct {
		Name string `json:"name"`
	}
	if err := json.Unmarshal(out.Bytes(), &list); err != nil {
		return nil, err
	}
	names := make([]string, len(list))
	for i, s := range list {
		names[i] = s.Name
	}
	return names, nil
}
