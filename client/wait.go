package client

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
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

// ExitDisconnected is wait's exit status when its connection broke and
// could not be re-established within the reconnect timeout: the sessions
// still run, disconnected (PowerShell's Wait-Job stops the same way).
const ExitDisconnected = 3

// Wait blocks until the commands of the sessions req names (OpWait) have
// ended and returns the status of the first, in the order given, that
// failed (0 if all succeeded). With jsonTo it also writes the statuses
// there, a JSON array of WaitStatus in the order given. With a timeout it
// gives up after that long with a *StatusError of ExitTimeout.
//
// A remote connection that breaks is not the end: it reconnects as an
// attached client does (redial) and asks again, saying so on stderr; if
// it cannot within e.Reconnect it ends with a *StatusError of
// ExitDisconnected. With force it keeps reconnecting until the commands
// end (or the timeout).
func (e Endpoint) Wait(req *socket.Request, timeout time.Duration, force bool, jsonTo, stderr io.Writer) (status int, err error) {
	conn, err := e.Connect(false)
	if err != nil {
		return 0, err
	}
	var deadline time.Time
	if timeout > 0 {
		deadline = time.Now().Add(timeout)
	}
	timedOut := &StatusError{Status: ExitTimeout, Msg: fmt.Sprintf("wait: timed out after %s", timeout)}
	var rep *socket.Reply
	for {
		if !deadline.IsZero() {
			conn.SetReadDeadline(deadline)
		}
		rep, err = conn.Request(req)
		conn.Close()
		if err == nil {
			break
		}
		if errors.Is(err, os.ErrDeadlineExceeded) {
			return 0, timedOut
		}
		var re *socket.ReplyError
		var ve *socket.VersionError
		if errors.As(err, &re) || errors.As(err, &ve) || e.Host == nil || e.Reconnect <= 0 && !force {
			return 0, err
		}
		if conn, err = e.waitAgain(req, deadline, force, err, stderr); err != nil {
			if err == errTimedOut {
				return 0, timedOut
			}
			return 0, err
		}
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

// errTimedOut is waitAgain's error when wait's own timeout passed.
var errTimedOut = errors.New("timed out")

// waitAgain reconnects a wait whose connection broke (lost says how),
// until deadline (zero: none); it says what it does on stderr.
func (e Endpoint) waitAgain(req *socket.Request, deadline time.Time, force bool, lost error, stderr io.Writer) (*socket.Conn, error) {
	where := hostName(e)
	names := strings.Join(req.Targets, ", ")
	how := "until the commands end (--force)"
	if !force {
		how = "for up to " + formatAgo(e.Reconnect)
	}
	fmt.Fprintf(stderr, "linger: wait %s: %v; reconnecting to %s %s\n", names, lost, where, how)
	quit := make(chan string, 1)
	if !deadline.IsZero() {
		t := time.AfterFunc(time.Until(deadline), func() { quit <- "timeout" })
		defer t.Stop()
	}
	c, err := redial(retry{E: e, Lost: time.Now(), Timeout: e.Reconnect, Forever: force, Quit: quit,
		Status: func(lost time.Time, attempt int, next time.Duration) {
			if next < 0 && attempt > 1 {
				fmt.Fprintf(stderr, "linger: wait %s: reconnecting to %s (attempt %d, lost %s ago)\n", names, where, attempt, ago(lost))
			}
		}}, func(e Endpoint) (*socket.Conn, error) { return e.Connect(false) })
	if err == nil {
		fmt.Fprintf(stderr, "linger: wait %s: reconnected to %s; waiting on\n", names, where)
		return c, nil
	}
	session := "session " + names + " is"
	if len(req.Targets) > 1 {
		session = "sessions " + names + " are"
	}
	again := fmt.Sprintf("'linger %swait %s' waits again, --force through any outage", hostFlag(e), strings.Join(req.Targets, " "))
	switch err.Reason {
	case upQuit:
		return nil, errTimedOut
	case upTimeout:
		return nil, &StatusError{Status: ExitDisconnected, Msg: fmt.Sprintf(
			"wait: lost connection to %s and could not reconnect within %s (%v); %s still running on %s, disconnected: %s",
			where, formatAgo(e.Reconnect), err.Err, session, where, again)}
	case upAuth:
		return nil, &StatusError{Status: ExitDisconnected, Msg: fmt.Sprintf(
			"wait: lost connection to %s; reconnecting: authentication failed (%v); %s still running on %s, disconnected: %s",
			where, err.Err, session, where, again)}
	}
	return nil, fmt.Errorf("wait: lost connection to %s; gave up reconnecting (%v)", where, err)
}
