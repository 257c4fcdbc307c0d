package socket

import (
	"strings"
	"time"
)

// Request is the JSON payload of MsgRequest. Op says which fields matter.
type Request struct {
	Op     string `json:"op"` // one of the Op* constants
	Caller Caller `json:"caller"`

	// OpNew
	Name          string   `json:"name,omitempty"`          // "" = the server picks one
	Command       []string `json:"command,omitempty"`       // "" = the configuration's
	Configuration string   `json:"configuration,omitempty"` // "" = the default one
	Cwd           string   `json:"cwd,omitempty"`           // "" = the configuration's, else Caller.Cwd
	Env           []string `json:"env,omitempty"`           // the client's environment
	SetEnv        []string `json:"set_env,omitempty"`       // -e KEY=VALUE, applied last
	Term          string   `json:"term,omitempty"`          // the client's $TERM
	Attach        bool     `json:"attach,omitempty"`        // attach after creating
	AttachIfExist bool     `json:"attach_if_exists,omitempty"`

	// OpNew (size of the session) and OpAttach (size of the client terminal)
	Cols int `json:"cols,omitempty"`
	Rows int `json:"rows,omitempty"`

	// OpAttach
	Target   string `json:"target,omitempty"` // name or ID; "" = most recently detached
	Steal    bool   `json:"steal,omitempty"`
	ReadOnly bool   `json:"read_only,omitempty"`

	// OpDetach, OpKill, OpWait (OpReceive: Target); All: every session
	// (OpDetach, OpKill). OpList: only these sessions ("" = every one)
	Targets []string `json:"targets,omitempty"`
	All     bool     `json:"all,omitempty"`

	// OpList: States lists only sessions in these states (Opened,
	// Disconnected, Broken, Closed; none = every state). Long adds the
	// table's long columns. Width is the client's terminal width, to which
	// the table's COMMAND column is cut (0: not a terminal, no cut).
	States []string `json:"states,omitempty"`
	Long   bool     `json:"long,omitempty"`
	Width  int      `json:"width,omitempty"`

	// OpReceive: keep sending until the command ends; AllHeld: everything
	// still held, received or not
	Follow  bool `json:"follow,omitempty"`
	AllHeld bool `json:"all_held,omitempty"`

	// OpAttach, OpNew with AttachIfExist: "lines", "screen" or "none";
	// "" = the session's configuration's
	Restore string `json:"restore,omitempty"`

	// OpAttach, OpNew with Attach: TTY says this frame carries the
	// client's terminal (SCM_RIGHTS), already in raw mode, for the server
	// to use directly. DetachKey is the user's --detach-key (a
	// config.ParseKey spec; "" = the configuration's): the server decides
	// the key from it and says which in the reply.
	TTY       bool   `json:"tty,omitempty"`
	DetachKey string `json:"detach_key,omitempty"`

	// OpCapture (Target): history lines to include, SGR escapes
	Scrollback int  `json:"scrollback,omitempty"`
	Escapes    bool `json:"escapes,omitempty"`
	// OpCapture, OpList: the form of the text sent back: "" for what a
	// person reads (the screen's lines, the ls table), FormatJSON for
	// scripts (capture --json, ls --json)
	Format string `json:"format,omitempty"`

	// OpNew, OpDetach, OpAttach, OpReceive: "" = unchanged / the
	// configuration's; "block" or "drop"
	OutputBuffering string `json:"output_buffering,omitempty"`
	// OpNew, OpDetach: a duration ("2h", "none"); "" = the configuration's
	IdleTimeout string `json:"idle_timeout,omitempty"`
}

// FormatJSON is Request.Format for JSON.
const FormatJSON = "json"

// Request operations.
const (
	OpNew     = "new"
	OpAttach  = "attach"
	OpDetach  = "detach"
	OpKill    = "kill"
	OpList    = "list"
	OpStop    = "stop" // end the server and every session
	OpReceive = "receive"
	OpWait    = "wait"
	OpCapture = "capture"
)

// Caller says where a request comes from, so the server can answer
// relative to it (State Opened, Availability Available) and say who holds
// a busy session.
type Caller struct {
	TTY       string `json:"tty,omitempty"`        // the caller's terminal, e.g. /dev/pts/3
	SessionID int    `json:"session_id,omitempty"` // $LINGER_SESSION_ID when run inside a session
	Cwd       string `json:"cwd,omitempty"`
}

// Reply is the JSON payload of MsgReply.
type Reply struct {
	Error string `json:"error,omitempty"` // one line, for the user
	Code  string `json:"code,omitempty"`  // machine-readable kind of error (Err* constants)

	Session   *SessionInfo `json:"session,omitempty"`    // OpNew, OpAttach
	Count     int          `json:"count,omitempty"`      // OpDetach, OpKill, OpStop; OpList: sessions listed
	DetachKey *byte        `json:"detach_key,omitempty"` // OpAttach, OpNew+attach: the byte that detaches; absent: none
	Direct    bool         `json:"direct,omitempty"`     // OpAttach, OpNew+attach: the server uses the passed terminal
	Dropped   int64        `json:"dropped,omitempty"`    // OpReceive: bytes dropped before this output
	Exits     []Exited     `json:"exits,omitempty"`      // OpWait: one per session, in the order asked
}

// Error codes in Reply.Code.
const (
	ErrNoSession = "no-session"
	ErrBusy      = "busy"
	ErrExists    = "exists"
	ErrExiting   = "exiting" // the server is shutting down: dial again
	ErrBadInput  = "bad-input"
	ErrVersion   = "version"
)

// SessionInfo describes one session. It is also the documented format of
// `linger ls --json`: field names are stable.
type SessionInfo struct {
	ID            int       `json:"id"`
	Name          string    `json:"name"`
	State         string    `json:"state"`        // one of SessionStates
	Availability  string    `json:"availability"` // Available, Busy, None
	Configuration string    `json:"configuration"`
	Command       []string  `json:"command"`
	Cwd           string    `json:"cwd"`
	Pid           int       `json:"pid"`
	Created       time.Time `json:"created"`
	Clients       int       `json:"clients"`
	Size          Size      `json:"size"`
	ExitStatus    *string   `json:"exit_status"` // once Closed: "status 0", "signal 15", "killed"; else null

	OutputBuffering    string     `json:"output_buffering"` // block or drop
	BufferSize         int64      `json:"buffer_size"`
	BufferedBytes      int64      `json:"buffered_bytes"` // unreceived output held
	DroppedBytes       int64      `json:"dropped_bytes"`
	Suspended          bool       `json:"suspended"`            // block mode, buffer full: the program's output is not read
	IdleTimeoutSeconds int64      `json:"idle_timeout_seconds"` // 0 = none
	IdleExpiresAt      *time.Time `json:"idle_expires_at"`      // null while attached or without timeout
	ExitCode           *int       `json:"exit_code"`            // null while running or when killed by a signal
	ExitSignal         *int       `json:"exit_signal"`          // null unless killed by a signal
	LogFile            *string    `json:"log_file"`             // null without log_file
	LogError           *string    `json:"log_error"`            // the last log_file write error; null if none
}

// SessionStates are the values of SessionInfo.State, as PowerShell's
// PSSession has them (the server's mux.State* constants; a test checks).
var SessionStates = []string{"Opened", "Disconnected", "Broken", "Closed"}

// ParseState returns the state s names, in any case ("closed" is
// "Closed"); ok is false if it names none.
func ParseState(s string) (state string, ok bool) {
	for _, st := range SessionStates {
		if strings.EqualFold(s, st) {
			return st, true
		}
	}
	return "", false
}

// Size is a terminal size in cells.
type Size struct {
	Cols int `json:"cols"`
	Rows int `json:"rows"`
}

// Detached is the JSON payload of MsgDetached.
type Detached struct {
	Session   string `json:"session"`
	Reason    string `json:"reason"`               // one of the Reason* constants
	AltScreen bool   `json:"alt_screen,omitempty"` // the session's terminal is on the alternate screen
}

// Reasons in Detached.
const (
	ReasonDetached     = "detached"      // detach key, `linger detach`, or --steal from elsewhere
	ReasonServerExited = "server-exited" // the server is shutting down
	ReasonTooSlow      = "too-slow"      // the client did not read its output in time
)

// Exited is the JSON payload of MsgExited.
type Exited struct {
	Session   string `json:"session"`
	Status    string `json:"status"`     // "status 3", "signal 15", "killed" (signal 9)
	ShellCode int    `json:"shell_code"` // exit code, or 128+signal
	Killed    bool   `json:"killed"`     // ended by `linger kill`
	AltScreen bool   `json:"alt_screen,omitempty"`
}
