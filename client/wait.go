package client

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"linger/socket"
)

// ExitTimeout is wait's exit status when it gives up, as timeout(1)'s.
const ExitTimeout = 124

// WaitStatus is one session's entry in `linger wait --json`: field names
// are stable. Status is what a shell would report: the exit code, or
// 128+N for signal N.
type WaitStatus struct {
	ID         int    `json:"id"`
	Name       string `json:"name"`
	ExitCode   *int   `json:"exit_code"`   // null when killed by a signal
	ExitSignal *int   `json:"exit_signal"` // null unless killed by a signal
	Status     int    `json:"status"`
}

// Wait blocks until the commands of the sessions req names (OpWait) have
// ended and returns the status of the first, in the order given, that
// failed (0 if all succeeded). With jsonTo it also writes the statuses
// there, a JSON array of WaitStatus in the order given. With a timeout it
// gives up after that long with a *StatusError of ExitTimeout.
func (e Endpoint) Wait(req *socket.Request, timeout time.Duration, jsonTo io.Writer) (status int, err error) {
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
	if jsonTo != nil {
		list := make([]WaitStatus, 0, len(rep.Exits))
		for _, x := range rep.Exits {
			list = append(list, WaitStatus{ID: x.ID, Name: x.Session, ExitCode: x.ExitCode, ExitSignal: x.ExitSignal, Status: x.ShellCode})
		}
		out, _ := json.MarshalIndent(list, "", "  ")
		if _, err := jsonTo.Write(append(out, '\n')); err != nil {
			return 0, err
		}
	}
	for _, x := range rep.Exits {
		if x.ShellCode != 0 {
			return x.ShellCode, nil
		}
	}
	return 0, nil
}
