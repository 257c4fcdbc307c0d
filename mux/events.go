package mux

import (
	"strings"

	"linger/shell"
)

// Lifecycle events. mux reports what happens to sessions as plain Go
// values through the hook the server installs (Registry.Events); package
// server numbers them, keeps the recent ones and serves them to
// subscribers as JSON lines (server/events.go, `linger events`). Every
// Emit of a session event goes through Registry.emit, in this file: a new
// kind of event is one constant, one payload type and one call.
//
// The hook is called with session locks held (so that a session's events
// come in the order they happened), so it must never block and must
// take no lock of mux's: the server's takes its own leaf lock, appends,
// and hands the event to each subscriber's bounded queue without waiting.

// Event types (the JSON "type"). Consumers ignore types they do not know:
// more will come (run.started, run.finished, command.finished).
const (
	EventCreated   = "session.created"   // CreatedEvent
	EventAttached  = "session.attached"  // ClientEvent
	EventDetached  = "session.detached"  // ClientEvent (Reason)
	EventRenamed   = "session.renamed"   // RenamedEvent
	EventExited    = "session.exited"    // ExitedEvent
	EventRemoved   = "session.removed"   // RemovedEvent
	EventBroken    = "session.broken"    // no fields: its last client was lost
	EventSuspended = "session.suspended" // no fields: block mode, its output waits for a reader
	EventResumed   = "session.resumed"   // no fields: the output flows again
)

// Event is one lifecycle event of a session. Data is the type's payload
// (a struct whose JSON fields join the event's), nil for none.
type Event struct {
	Type      string
	SessionID int
	Session   string // the session's name when it happened
	Data      any
}

// CreatedEvent is session.created's payload.
type CreatedEvent struct {
	Pid           int      `json:"pid"`
	Command       []string `json:"command"`
	Cwd           string   `json:"cwd"`
	Configuration string   `json:"configuration"`
}

// ClientEvent is session.attached's and session.detached's payload.
// Reason (detached only): "detached" (it or someone asked), "lost" (it
// went away without detaching), "stolen", "too-slow", "exited" (the
// command ended while it was attached), "server-exited".
type ClientEvent struct {
	Client   string `json:"client"` // ClientInfo.From: "pts/3", "ssh:ADDRESS" ("" unknown)
	Origin   string `json:"origin"` // "local" or "ssh"
	ReadOnly bool   `json:"read_only"`
	Reason   string `json:"reason,omitempty"`
}

// Detach reasons (ClientEvent.Reason).
const (
	ReasonDetached     = "detached"
	ReasonLost         = "lost"
	ReasonStolen       = "stolen"
	ReasonTooSlow      = "too-slow"
	ReasonExited       = "exited"
	ReasonServerExited = "server-exited"
)

// RenamedEvent is session.renamed's payload.
type RenamedEvent struct {
	Old string `json:"old"`
	New string `json:"new"`
}

// ExitedEvent is session.exited's payload: the exit code, or the signal
// (the other null).
type ExitedEvent struct {
	ExitCode   *int `json:"exit_code"`
	ExitSignal *int `json:"exit_signal"`
}

// RemovedEvent is session.removed's payload. Reason: "collected" (its
// status and output were received), "kill" or "idle_timeout".
type RemovedEvent struct {
	Reason string `json:"reason"`
}

// Removal reasons.
const (
	RemovedCollected   = "collected"
	RemovedKill        = "kill"
	RemovedIdleTimeout = "idle_timeout"
)

// emit reports an event of session s (see Events).
func (r *Registry) emit(s *Session, typ string, data any) {
	if h := r.Events; h != nil {
		h(Event{Type: typ, SessionID: s.ID, Session: s.Name(), Data: data})
	}
}

// emitClient reports a client's attach or detach.
func (r *Registry) emitClient(s *Session, typ string, a *attachment, reason string) {
	if r.Events == nil || a == nil {
		return
	}
	origin := "local"
	if strings.HasPrefix(a.From, "ssh:") {
		origin = "ssh"
	}
	r.emit(s, typ, ClientEvent{Client: a.From, Origin: origin, ReadOnly: a.ReadOnly, Reason: reason})
}

// exitedEvent is the payload of session.exited for st.
func exitedEvent(st shell.ExitStatus) ExitedEvent {
	var e ExitedEvent
	if st.Signal != 0 {
		sig := int(st.Signal)
		e.ExitSignal = &sig
	} else {
		code := st.Code
		e.ExitCode = &code
	}
	return e
}
