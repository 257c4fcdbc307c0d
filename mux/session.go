package mux

import (
	"strings"
	"sync"
	"syscall"
	"time"

	"linger/shell"
)

// States and availabilities, relative to the caller (as in PowerShell).
const (
	StateOpened       = "Opened"       // attached from the calling terminal
	StateDisconnected = "Disconnected" // not attached from here
	StateClosed       = "Closed"       // its command has ended

	AvailAvailable = "Available" // attached from here
	AvailBusy      = "Busy"      // another client holds it
	AvailNone      = "None"      // free to attach
)

// Session is one program on a pty, with the clients attached to it.
type Session struct {
	ID            int
	Name          string
	Configuration string
	Command       []string
	Cwd           string
	Created       time.Time

	reg  *Registry
	proc *shell.Process

	mu         sync.Mutex
	owner      *attachment   // the read-write client, if any
	watchers   []*attachment // read-only clients
	lastDetach time.Time     // when the last client left (zero: never attached)
	exitStatus *shell.ExitStatus
	drained    bool // the pump saw the end of the output
	finished   bool // finish ran: the pty is closed
	killed     bool // removed by Kill

	scratch []*attachment // pump-only: clients to deliver to
}

// Pid is the process ID of the session's command.
func (s *Session) Pid() int { return s.proc.Pid() }

// PtyName is the path of the session's pty slave.
func (s *Session) PtyName() string { return s.proc.PtyName() }

// pump reads the program's output until it ends and delivers it. It is the
// only goroutine a session has; while the program is quiet it holds no
// buffer (shell.Process.ReadSome waits in the runtime poller).
func (s *Session) pump() {
	for {
		b, err := s.proc.ReadSome()
		if err != nil {
			break
		}
		s.deliver(b)
		shell.Release(b)
	}
	s.outputEnded()
}

// deliver sends one chunk of output to the attached clients. This is the
// single path all output takes.
func (s *Session) deliver(b []byte) {
	s.mu.Lock()
	s.scratch = s.scratch[:0]
	if s.owner != nil {
		s.scratch = append(s.scratch, s.owner)
	}
	s.scratch = append(s.scratch, s.watchers...)
	s.mu.Unlock()
	if len(s.scratch) == 0 {
		return // nobody is attached: the output is not kept yet
	}
	var deadline time.Time
	if len(s.scratch) > 1 {
		deadline = time.Now().Add(SlowClientTimeout)
	}
	for i, a := range s.scratch {
		if err := a.c.Output(b, deadline); err != nil {
			s.drop(a)
		}
		s.scratch[i] = nil
	}
}

// drop detaches a client whose connection failed or timed out.
func (s *Session) drop(a *attachment) {
	if s.detach(a.c) {
		a.c.Detached(s.Name, "too-slow")
	}
}

// detach removes client c; it reports whether c was attached.
func (s *Session) detach(c Client) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	found := false
	if s.owner != nil && s.owner.c == c {
		s.owner = nil
		found = true
	}
	for i, w := range s.watchers {
		if w.c == c {
			s.watchers = append(s.watchers[:i], s.watchers[i+1:]...)
			found = true
			break
		}
	}
	if found && s.owner == nil && len(s.watchers) == 0 {
		s.lastDetach = time.Now()
	}
	return found
}

// detachAll removes every client and returns them.
func (s *Session) detachAll() []*attachment {
	s.mu.Lock()
	defer s.mu.Unlock()
	var all []*attachment
	if s.owner != nil {
		all = append(all, s.owner)
	}
	all = append(all, s.watchers...)
	s.owner, s.watchers = nil, nil
	if len(all) > 0 {
		s.lastDetach = time.Now()
	}
	return all
}

// processExited is called by the reaper with the command's status.
func (s *Session) processExited(st shell.ExitStatus) {
	s.mu.Lock()
	s.exitStatus = &st
	done := s.drained
	s.mu.Unlock()
	if done {
		s.finish()
	}
}

// outputEnded is called by the pump when no more output will come.
func (s *Session) outputEnded() {
	s.mu.Lock()
	s.drained = true
	done := s.exitStatus != nil
	s.mu.Unlock()
	if done {
		s.finish()
	}
}

// finish runs once the command has exited and its output is drained:
// attached clients learn the status and the session is removed; with nobody
// attached the session stays, Closed, until it is collected or killed.
func (s *Session) finish() {
	s.mu.Lock()
	if s.finished {
		s.mu.Unlock()
		return
	}
	s.finished = true
	st := *s.exitStatus
	killed := s.killed
	var clients []*attachment
	if s.owner != nil {
		clients = append(clients, s.owner)
	}
	clients = append(clients, s.watchers...)
	s.owner, s.watchers = nil, nil
	s.mu.Unlock()

	s.proc.Close()
	for _, a := range clients {
		a.c.Exited(s.Name, st, killed)
	}
	if len(clients) > 0 || killed {
		s.reg.remove(s)
	} else {
		s.reg.logf("session %s (%d) closed: %s", s.Name, s.ID, st)
	}
	s.reg.processDone()
}

// Closed reports whether the session's command has ended (and the session
// is kept for whoever collects it).
func (s *Session) Closed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.finished
}

// ExitStatus is the command's status once it has exited.
func (s *Session) ExitStatus() (shell.ExitStatus, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.exitStatus == nil {
		return shell.ExitStatus{}, false
	}
	return *s.exitStatus, true
}

// Input writes keyboard input from client c to the program. Read-only and
// detached clients are ignored.
func (s *Session) Input(c Client, p []byte) error {
	s.mu.Lock()
	ok := s.owner != nil && s.owner.c == c && !s.finished
	s.mu.Unlock()
	if !ok {
		return nil
	}
	_, err := s.proc.Write(p)
	return err
}

// Resize sets the pty size when c is the owner.
func (s *Session) Resize(c Client, cols, rows int) {
	s.mu.Lock()
	ok := s.owner != nil && s.owner.c == c && !s.finished
	s.mu.Unlock()
	if ok {
		s.proc.Resize(cols, rows)
	}
}

// resizeForAttach gives the session the new owner's size, and makes the
// program redraw: a size change sends SIGWINCH by itself; with the same size
// we send it. (The screen emulator will restore the screen instead.)
func (s *Session) resizeForAttach(cols, rows int) {
	if cols <= 0 || rows <= 0 {
		return
	}
	oc, or := s.proc.Size()
	if oc == cols && or == rows {
		s.proc.Signal(syscall.SIGWINCH)
		return
	}
	s.proc.Resize(cols, rows)
}

// Info describes the session relative to caller.
func (s *Session) Info(caller Caller) Info {
	s.mu.Lock()
	defer s.mu.Unlock()
	cols, rows := s.proc.Size()
	info := Info{
		ID:            s.ID,
		Name:          s.Name,
		Configuration: s.Configuration,
		Command:       s.Command,
		Cwd:           s.Cwd,
		Pid:           s.proc.Pid(),
		Created:       s.Created,
		Cols:          cols,
		Rows:          rows,
	}
	if s.owner != nil {
		info.Clients++
		info.Holder = s.owner.ClientInfo
	}
	info.Clients += len(s.watchers)
	here := s.owner != nil && caller.inside(s)
	switch {
	case s.finished:
		info.State = StateClosed
		info.Availability = AvailNone
		st := *s.exitStatus
		info.Exit = &st
	case here:
		info.State, info.Availability = StateOpened, AvailAvailable
	case s.owner != nil:
		info.State, info.Availability = StateDisconnected, AvailBusy
	default:
		info.State, info.Availability = StateDisconnected, AvailNone
	}
	return info
}

// Info is a snapshot of a session for listing.
type Info struct {
	ID            int
	Name          string
	State         string
	Availability  string
	Configuration string
	Command       []string
	Cwd           string
	Pid           int
	Created       time.Time
	Clients       int
	Cols, Rows    int
	Holder        ClientInfo        // the read-write client, if any
	Exit          *shell.ExitStatus // once Closed
}

// Caller identifies who asks, for State and Availability.
type Caller struct {
	TTY       string // the caller's terminal
	SessionID int    // $LINGER_SESSION_ID of the caller, 0 if none
}

// inside reports whether the caller runs inside session s: on its pty, or
// (without a terminal, e.g. a script in the session) with its ID in the
// environment.
func (c Caller) inside(s *Session) bool {
	if c.TTY != "" && c.TTY == s.proc.PtyName() {
		return true
	}
	return c.TTY == "" && c.SessionID == s.ID
}

// CommandLine renders argv for display, quoting words that need it.
func CommandLine(argv []string) string {
	var b strings.Builder
	for i, a := range argv {
		if i > 0 {
			b.WriteByte(' ')
		}
		if a == "" || strings.ContainsAny(a, " \t\n'\"\\$`;&|<>()*?[]#~!{}") {
			b.WriteByte('\'')
			b.WriteString(strings.ReplaceAll(a, "'", `'\''`))
			b.WriteByte('\'')
		} else {
			b.WriteString(a)
		}
	}
	return b.String()
}
