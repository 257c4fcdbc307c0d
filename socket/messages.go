package socket

import (
	"regexp"
	"strings"
	"time"
)

// Request is the JSON payload of MsgRequest. Op says which fields matter.
type Request struct {
	Op     string `json:"op"` // one of the Op* constants
	Caller Caller `json:"caller"`

	// OpNew; OpRename: the new name of Target
	Name          string   `json:"name,omitempty"`          // "" = the server picks one
	Command       []string `json:"command,omitempty"`       // "" = the configuration's
	Configuration string   `json:"configuration,omitempty"` // "" = the default one
	Cwd           string   `json:"cwd,omitempty"`           // "" = the configuration's, else Caller.Cwd
	Env           []string `json:"env,omitempty"`           // the client's environment; none: the server's (a client on another host)
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
	// (OpDetach, OpKill). OpList: only these sessions ("" = every one)
	Targets []string `json:"targets,omitempty"`
	All     bool     `json:"all,omitempty"`

	// OpWait: also remove the sessions once their statuses are sent (a
	// wait otherwise leaves a Closed session for receive or attach)
	Collect bool `json:"collect,omitempty"`
	// OpWait with one target, instead of its command's end: Idle (a Go
	// duration, "500ms") waits until the session has printed nothing for
	// that long, counted from the request; Until (a Go regexp, see
	// ScreenPattern) until the session's screen text matches it. The
	// reply has no exits; a session whose command ends before Until
	// matched is an error.
	Idle  string `json:"idle,omitempty"`
	Until string `json:"until,omitempty"`

	// OpSend (Target): typed into the session's program, in this order:
	// Input as it is (with Paste, inside bracketed paste's markers when
	// the program enabled the mode, ESC [ 201 ~ taken out of it), the keys
	// named by Keys (vt.KeyBytes, cursor keys as the program's mode
	// wants them), then a CR if Enter.
	Input []byte   `json:"input,omitempty"`
	Keys  []string `json:"keys,omitempty"`
	Paste bool     `json:"paste,omitempty"`
	Enter bool     `json:"enter,omitempty"`

	// OpConfig: also show Configuration ("" = the default one) as TOML
	// (ConfigInfo.Shown), as `linger config show` prints it
	Show bool `json:"show,omitempty"`

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

	// OpAttach, OpNew with Attach: ClientID names the attaching client
	// for as long as it lives (random, made once per client process), so
	// that when its connection is lost it can resume (see Resuming in
	// protocol.go). Resume (OpAttach) asks to resume the stream of the
	// lost client ClientID; on OpReceive, Resume.Offset alone says where
	// a receive whose connection broke continues (its client wrote the
	// output before it).
	ClientID string  `json:"client_id,omitempty"`
	Resume   *Resume `json:"resume,omitempty"`

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

	// OpEvents: Targets (sessions, by name or ID), Types (event types,
	// "session.*" a prefix) filter; Since (a seq) replays the held events
	// after it (null: every held one, or with Follow none); Follow keeps
	// sending new ones.
	Types []string `json:"types,omitempty"`
	Since *int64   `json:"since,omitempty"`
	// OpRun (Target): the command to run in the session's shell, as
	// words (Command) or as a command line in the shell's syntax (Line);
	// RunWait: how long to wait for the session to be idle (a Go
	// duration; "" = 4m, "0s": not at all)
	Line    string `json:"line,omitempty"`
	RunWait string `json:"run_wait,omitempty"`

	// OpReload: the configuration file to read from now on (the client's
	// -c or $LINGER_CONFIG, absolute); "" = the one the server has loaded
	ConfigPath string `json:"config_path,omitempty"`
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
	OpReload  = "reload" // read the configuration file again (Request.ConfigPath)
	OpConfig  = "config" // what configuration the server has loaded (Reply.Config)
	OpRename  = "rename" // Target gets Name
	OpSend    = "send"   // type Input, Keys, Enter into Target's program
	OpEvents  = "events" // lifecycle events, as JSON lines (see Events in protocol.go)
	OpRun     = "run"    // run a command in the session's shell (Request.Command or Line)
)

// ScreenPattern compiles Request.Until: a Go regexp (RE2 syntax) in
// multi-line mode (^ and $ match at each line's start and end), matched
// against the screen's text, one line per row (see vt.Terminal.ScreenText).
func ScreenPattern(until string) (*regexp.Regexp, error) {
	if _, err := regexp.Compile(until); err != nil {
		return nil, err // its error quotes the pattern as given
	}
	return regexp.Compile("(?m)" + until)
}

// Caller says where a request comes from, so the server can answer
// relative to it (State Opened, Availability Available) and say who holds
// a busy session.
type Caller struct {
	TTY       string `json:"tty,omitempty"`        // the caller's terminal, e.g. /dev/pts/3
	SessionID int    `json:"session_id,omitempty"` // $LINGER_SESSION_ID when run inside a session
	Cwd       string `json:"cwd,omitempty"`
}

// Relayed is the JSON payload of MsgRelayed: whom linger dial-stdio
// relays the connection for (see Relays in protocol.go).
type Relayed struct {
	Via  string `json:"via"`            // RelayedSSH, or "dial-stdio" when it was not run by sshd
	From string `json:"from,omitempty"` // the client machine's address as sshd saw it ($SSH_CONNECTION's first field)
	// Handover: the relay's stdin and stdout come with this frame
	// (SCM_RIGHTS), and the client's conversation runs over them.
	Handover bool `json:"handover,omitempty"`
}

// RelayedSSH is Relayed.Via for a relay run in an ssh login.
const RelayedSSH = "ssh"

// maxLabel bounds each part of a Relayed's label.
const maxLabel = 64

// Label names the client in `ls` and messages: "ssh:ADDRESS" (an IPv6
// address in brackets), or Via alone without an address. What the relay
// sent is only a label: anything but letters, digits and . : % _ - is
// replaced by '?' and each part is cut to 64 bytes, so it cannot carry
// escape sequences to a terminal or stretch a table.
func (r Relayed) Label() string {
	via, from := cleanLabel(r.Via), cleanLabel(r.From)
	if via == "" {
		via = "dial-stdio"
	}
	if from == "" {
		return via
	}
	if strings.Contains(from, ":") {
		from = "[" + from + "]"
	}
	return via + ":" + from
}

func cleanLabel(s string) string {
	if len(s) > maxLabel {
		s = s[:maxLabel]
	}
	b := []byte(s)
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte(".:%_-", c) >= 0) {
			b[i] = '?'
		}
	}
	return string(b)
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
	Run       int          `json:"run,omitempty"`        // OpRun: the run's ID in its session

	// OpAttach, OpNew+attach, OpReceive: the session offset of this
	// stream's first byte (the client's terminal, or stdout, then has the
	// output up to Offset plus the stream bytes it has written). Resumed
	// answers an attach's Request.Resume.
	Offset  int64    `json:"offset,omitempty"`
	Resumed *Resumed `json:"resumed,omitempty"`

	// OpConfig, OpReload: the configuration the server has loaded (after
	// a reload: the new one, or with Problems, the one it keeps)
	Config *ConfigInfo `json:"config,omitempty"`
	// OpReload refused: every problem of the file, as `linger config
	// check` prints them (FILE:LINE: KEY: MESSAGE); Error is the first
	Problems []string `json:"problems,omitempty"`
}

// Resume is Request.Resume: where the lost client's terminal is.
type Resume struct {
	Offset int64 `json:"offset"` // the session offset up to which its terminal has the output
	Input  int64 `json:"input"`  // how many input bytes it has sent, in all (since its first attach)
}

// Resumed is Reply.Resumed: how the stream continues.
type Resumed struct {
	// Exact: the stream continues from Resume.Offset, the held output
	// first (as MsgRestore frames that stand for themselves); nothing is
	// redrawn. Otherwise a screen restore follows, as for a new attach,
	// because of Reason: ResumeResized or ResumeNotHeld.
	Exact  bool   `json:"exact"`
	Reason string `json:"reason,omitempty"`
	// Dropped: output bytes the client still needed that drop buffering
	// discarded while it was away.
	Dropped int64 `json:"dropped,omitempty"`
	// Input: how many of the client's input bytes (Resume.Input counts
	// them) the server has written to the program, in all: the client
	// sends the ones after that again, and counts on from there.
	Input int64 `json:"input"`
}

// Resumed.Reason values.
const (
	ResumeResized = "resized"  // the client's terminal size is not the session's
	ResumeNotHeld = "not-held" // the output after Resume.Offset is no longer held
)

// ConfigInfo is the configuration a server has loaded.
type ConfigInfo struct {
	Path     string     `json:"path"`      // "" = none: the built-in defaults
	ModTime  *time.Time `json:"mtime"`     // the file's when it was read; null without a file
	Size     int64      `json:"size"`      // the file's size when it was read
	LoadedAt time.Time  `json:"loaded_at"` // when the server read it
	Sessions int        `json:"sessions"`  // OpReload: running sessions, which keep their configurations

	DefaultConfiguration string `json:"default_configuration"`
	DetachKey            string `json:"detach_key"`
	ExitWhenEmpty        bool   `json:"exit_when_empty"`

	Configurations []ConfigurationInfo `json:"configurations"` // by name

	Shown string `json:"shown,omitempty"` // OpConfig with Show: the configuration as TOML
}

// ConfigurationInfo describes one session configuration. It is also the
// documented format of `linger config list --json`: field names are
// stable, and every field is present.
type ConfigurationInfo struct {
	Name                  string            `json:"name"`
	Default               bool              `json:"default"` // server.default_configuration names it
	Command               []string          `json:"command"` // [] = $SHELL -l, else /bin/sh
	Cwd                   string            `json:"cwd"`     // "" = the client's directory
	Env                   map[string]string `json:"env"`
	OutputBuffering       string            `json:"output_buffering"`
	BufferSize            int64             `json:"buffer_size"`
	LogFile               string            `json:"log_file"`                 // "" = none
	IdleTimeoutSeconds    int64             `json:"idle_timeout_seconds"`     // 0 = none
	MaxIdleTimeoutSeconds int64             `json:"max_idle_timeout_seconds"` // 0 = no cap
	Restore               string            `json:"restore"`
	ScrollbackLines       int               `json:"scrollback_lines"`
}

// Error codes in Reply.Code.
const (
	ErrNoSession = "no-session"
	ErrBusy      = "busy"
	ErrExists    = "exists"
	ErrExiting   = "exiting"   // the server is shutting down: dial again
	ErrBadInput  = "bad-input" // any other error (despite the name)
	ErrUsage     = "usage"     // the request was wrong: a bad name, value or combination (the client exits 2)
	ErrVersion   = "version"
	ErrMoved     = "attached-elsewhere" // a resume, but another client attached while this one was away
	ErrNoShell   = "no-integration"     // OpRun: the session is no shell with linger's integration
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

	// LastClient is where the session's current client, or else its last
	// one, came from: "pts/3" (a terminal on the server's host), "ssh:ADDRESS"
	// (the client machine's address, relayed by linger dial-stdio from an
	// ssh login), "dial-stdio" (relayed, origin unknown); null if it was
	// never attached. A label, not a proof (see Relays in protocol.go).
	LastClient *string `json:"last_client"`
	// DisconnectedSince is when its last client left (its creation if none
	// ever attached); null while a client is attached (read-only ones too).
	DisconnectedSince *time.Time `json:"disconnected_since"`
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
	TakenBy   string `json:"taken_by,omitempty"`   // ReasonStolen: where the client that took the session is, as ls's last_client ("" if unknown)
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
	Status    string `json:"status"`     // "status 3", "signal 15", "killed" (signal 9)
	ShellCode int    `json:"shell_code"` // exit code, or 128+signal
	Killed    bool   `json:"killed"`     // ended by `linger kill`
	AltScreen bool   `json:"alt_screen,omitempty"`
	// OpWait's Reply.Exits only: the session's ID, and its exit code or
	// the signal that killed it (the other absent), as ls --json has them
	ID         int  `json:"id,omitempty"`
	ExitCode   *int `json:"exit_code,omitempty"`
	ExitSignal *int `json:"exit_signal,omitempty"`
}
