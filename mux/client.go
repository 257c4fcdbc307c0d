package mux

import (
	"sync"
	"time"

	"linger/shell"
)

// Client is an attached client as seen by a session. Package server
// implements it over a socket connection.
//
// Output may block (back-pressure); a non-zero deadline bounds it. Detached
// and Exited tell the client why it is leaving and close it; they must not
// block for long. None of them is called with a session lock held.
//
// Detached's reason is one of "detached" (it or someone asked), "stolen"
// (another client attached with --steal: takenBy is that client),
// "too-slow" or "server-exited"; takenBy is nil for the others.
type Client interface {
	Output(p []byte, deadline time.Time) error
	Detached(session, reason string, takenBy *ClientInfo)
	Exited(session string, st shell.ExitStatus, killed bool)
}

// ClientInfo is what a session remembers of an attached client.
type ClientInfo struct {
	TTY      string    // the client's terminal, e.g. /dev/pts/3 ("" if unknown)
	From     string    // where the client is, for people: "pts/3", "ssh:ADDRESS" ("" if unknown)
	Since    time.Time // when it attached
	ReadOnly bool
	// WriterAcks: the server writes to the client's terminal itself and
	// acknowledges what it wrote (direct mode; the client is a Drainer). A
	// clean detach then counts only what was acknowledged.
	WriterAcks bool
	// ID is the client's own name for itself (socket.Request.ClientID),
	// by which a lost client resumes ("" = it cannot).
	ID string
}

// attachment is a client attached to a session (or a follow receiver).
type attachment struct {
	c Client
	ClientInfo
	base  int64 // the session offset of the first byte of this client's stream
	sent  int64 // bytes written to it so far (restore and live)
	acked int64 // the most it acknowledged (may run ahead of sent: see Session.Ack)
	input int64 // input bytes of this client written to the program, in all (resumes carry it on); mu and inMu
	// inMu is held by Session.Input from its check that the client owns
	// the session until input is counted, so a resume that waits on it
	// sees every byte the program got (see Session.attach).
	inMu sync.Mutex

	replay [][]byte // restore mode none: held output to write on attach
}

// SlowClientTimeout bounds how long the output of a session with several
// readers (clients, receives) waits for one of them: a client whose write
// of a chunk does not finish within it is detached (reason too-slow) so it
// cannot stall the others, and what it did not acknowledge goes to the
// next reader. A session's
// only client is never timed out: it back-pressures the program, as a real
// terminal does.
const SlowClientTimeout = 5 * time.Second
