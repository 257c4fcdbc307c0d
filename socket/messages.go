package socket

import "time"

// Request is the JSON payload of MsgRequest. Op says which fields matter.
type Request struct {
	Op     string `json:"op"` // one of the Op* constants
	Caller Caller `json:"caller"`

	// OpNew; OpRename: the new name of Target
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

	// OpAttach (OpRename: the session to rename)
	Target   string `json:"target,omitempty"` // name or ID; "" = most recently detached
	Steal    bool   `json:"steal,omitempty"`
	ReadOnly bool   `json:"read_only,omitempty"`

	// OpDetach, OpKill, OpWait (OpReceive: Target); All: every session
	// (OpDetach, OpKill)
	Targets []string `json:"targets,omitempty"`
	All     bool     `json:"all,omitempty"`

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
	OpRename  = "rename" // Target gets Name
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

	Session   *SessionInfo `json:"session,omitempty"`    // OpNew, OpAttach, OpRename
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
	State         string    `json:"state"`        // Opened, Disconnected, Closed
	Availability  string    `json:"availability"` // Available, Busy, None
	Configuration string    `json:"configuration"`
	Command       []string  `json:"command"`
	Cwd           string    `json:"cwd"`
	Pid           int       `json:"pid"`
	Created       time.Time `json:"created"`
	Clients       int       `json:"clients"`
	Size          Size      `json:"size"`
	ExitStatus    string    `json:"exit_status,omitempty"` // "status 0", "signal 9 (killed)" once Closed

	OutputBuffering    string     `json:"output_buffering"` // block or drop
	BufferSize         int64      `json:"buffer_size"`
	BufferedBytes      int64      `json:"buffered_bytes"` // unreceived output held
	DroppedBytes       int64      `json:"dropped_bytes"`
	Suspended          bool       `json:"suspended"`            // block mode, buffer full: the program's output is not read
	IdleTimeoutSeconds int64      `json:"idle_timeout_seconds"` // 0 = none
	IdleExpiresAt      *time.Time `json:"idle_expires_at"`      // null while attached or without timeout
	ExitCode           *int       `json:"exit_code"`            // null while running or when killed by a signal
	ExitSignal         *int       `json:"exit_signal"`          // null unless killed by a signal
	LogFile            string     `json:"log_file,omitempty"`
	LogError           string     `json:"log_error,omitempty"` // the last log_file write error
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
	TakenBy   string `json:"taken_by,omitempty"`   // ReasonStolen: the terminal of the client that took the session ("" if it has none)
	AltScreen bool   `json:"alt_screen,omitempty"` // the session's terminal is on the alternate screen
}

// Reasons in Detached.
const (
	ReasonDetached     = "detached"      // detach key or `linger detach`
	ReasonStolen       = "stolen"        // another client attached with --steal (TakenBy)
	ReasonServerExited = "server-exited" // the server is shutting down
	ReasonTooSlow      = "too-slow"      // the client did not read its output in time
)

// Exited is the JSON payload of MsgExited.
type Exited struct {
	Session   string `json:"session"`
	Status    string `json:"status"`     // "status 3", "signal 9 (killed)"
	ShellCode int    `json:"shell_code"` // exit code, or 128+signal
	Killed    bool   `json:"killed"`     // ended by `linger kill`
	AltScreen bool   `json:"alt_screen,omitempty"`
}
