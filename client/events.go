package client

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"linger/socket"
)

// ExitLagged is the exit status of `linger events --follow` dropped by
// the server as too slow a reader.
const ExitLagged = 1

// Events prints the lifecycle events the server sends for req (OpEvents)
// to w as they come, one JSON line each, until the server ends the list
// (MsgEnd: no --follow, or the server stopped). With one it returns after
// the first line (wait --event); with a timeout it gives up after that
// long with a *StatusError of ExitTimeout. A "lagged" line (the server
// dropped this subscriber) is printed, then it ends with a *StatusError
// of ExitLagged. With no server running, a request that does not follow
// prints nothing: no server, no events held.
func (e Endpoint) Events(req *socket.Request, w io.Writer, one bool, timeout time.Duration) error {
	conn, err := e.Connect(false)
	if err != nil {
		if IsNoServer(err) && !req.Follow {
			return nil
		}
		return err
	}
	defer conn.Close()
	if timeout > 0 {
		conn.SetReadDeadline(time.Now().Add(timeout))
	}
	timedOut := func() error {
		return &StatusError{Status: ExitTimeout, Msg: fmt.Sprintf("wait: timed out after %s", timeout)}
	}
	if _, err := conn.Request(req); err != nil {
		if errors.Is(err, os.ErrDeadlineExceeded) {
			return timedOut()
		}
		return err
	}
	for {
		typ, p, err := conn.ReadFrame()
		if err != nil {
			if errors.Is(err, os.ErrDeadlineExceeded) {
				return timedOut()
			}
			if errors.Is(err, socket.ErrSilent) {
				return errLost(err)
			}
			return errLost(nil)
		}
		switch typ {
		case socket.MsgOutput:
			if one {
				if i := bytes.IndexByte(p, '\n'); i >= 0 {
					p = p[:i+1]
				}
			}
			if _, err := w.Write(p); err != nil {
				return err
			}
			if one {
				return nil
			}
			if i := bytes.LastIndex(p, []byte(`,"type":"lagged"`)); i >= 0 && bytes.IndexByte(p[i:], '\n') == len(p[i:])-1 {
				return &StatusError{Status: ExitLagged, Msg: "events: this reader fell behind and the server dropped it (lagged): start again with --since SEQ, the last seq it printed"}
			}
		case socket.MsgEnd:
			if one {
				return errors.New("wait: the server stopped before such an event")
			}
			return nil
		default:
			return fmt.Errorf("unexpected message 0x%02x (wanted events)", typ)
		}
	}
}
