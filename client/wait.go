package client

import (
	"errors"
	"fmt"
	"os"
	"time"

	"linger/socket"
)

// ExitTimeout is wait's exit status when it gives up, as timeout(1)'s.
const ExitTimeout = 124

// Wait blocks until the commands of the sessions req names (OpWait) have
// ended and returns the status of the first, in the order given, that
// failed (0 if all succeeded). With a timeout it gives up after that long
// with a *StatusError of ExitTimeout.
func (e Endpoint) Wait(req *socket.Request, timeout time.Duration) (status int, err error) {
	conn, err := e.Connect(false)
	if err != nil {
		return 0, err
	}
	defer conn.Close()
	if timeout > 0 {
		conn.SetReadDeadline(time.Now().Add(timeout))
	}
	rep, err := conn.Request(req)
	if err != nil {
		if errors.Is(err, os.ErrDeadlineExceeded) {
			return 0, &StatusError{Status: ExitTimeout, Msg: fmt.Sprintf("wait: timed out after %s", timeout)}
		}
		return 0, err
	}
	for _, x := range rep.Exits {
		if x.ShellCode != 0 {
			return x.ShellCode, nil
		}
	}
	return 0, nil
}
