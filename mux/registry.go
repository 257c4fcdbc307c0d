package mux

import (
	"cmp"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"linger/config"

	"linger/shell"
	"linger/vt"
)

// KillGrace is how long a killed session's processes get between SIGHUP and
// SIGKILL.
const KillGrace = 2 * time.Second

// Errors a caller can tell apart (with errors.Is).
var (
	ErrNoSession = errors.New("no such session")
	ErrBusy      = errors.New("session is busy")
	ErrMoved     = errors.New("session attached elsewhere") // a resume after another client attached
	ErrExists    = errors.New("session exists")
	ErrExiting   = errors.New("server is exiting")
)

// Registry holds every session of a server.
type Registry struct {
	cfg    atomic.Pointer[config.Config] // new sessions' (SetConfig swaps it)
	socket string
	logf   func(format string, args ...any)

	mu       sync.Mutex
	ordered  []*Session // the sessions by ID: listing needs no sort, lookup by ID a binary search
	byName   map[string]*Session
	reserved map[string]bool // names being created
	nextID   int
	procs    int  // sessions whose process has not finished
	closing  bool // Shutdown began, or the server is exiting because it is empty
	idle     chan struct{}

	// OnEmpty is called (once, without locks held) when the last session is
	// gone and every process has finished, if exit_when_empty is set.
	OnEmpty func()

	// Events, if set (before the first session), is told every lifecycle
	// event (events.go). It is called with session locks held: it must
	// not block.
	Events func(Event)
}

// NewRegistry makes an empty registry for a server listening on socket.
func NewRegistry(cfg *config.Config, socket string, logf func(string, ...any)) *Registry {
	if logf == nil {
		logf = func(string, ...any) {}
	}
	r := &Registry{
		socket: socket, logf: logf,
		byName: map[string]*Session{}, reserved: map[string]bool{},
		nextID: 1,
	}
	r.cfg.Store(cfg)
	return r
}

// Config is the configuration new sessions are made from.
func (r *Registry) Config() *config.Config { return r.cfg.Load() }

// SetConfig makes new sessions use cfg (a reload). Sessions already made
// keep the Configuration they were made from; exit_when_empty applies
// from the next time the last session is gone.
func (r *Registry) SetConfig(cfg *config.Config) { r.cfg.Store(cfg) }

// NewOptions describe a session to create.
type NewOptions struct {
	Name          string   // "" = pick one
	Command       []string // empty = the configuration's, else $SHELL -l, else /bin/sh
	Configuration string   // "" = the default configuration
	Cwd           string   // "" = the configuration's, else ClientCwd
	ClientCwd     string
	ClientEnv     []string // the client's environment
	SetEnv        []string // KEY=VALUE given with -e, applied last
	Term          string   // the client's $TERM
	Cols, Rows    int
	Attach        *AttachOptions // attach this client before the program starts

	OutputBuffering string        // "" = the configuration's
	IdleTimeout     time.Duration // with IdleTimeoutSet; else the configuration's
	IdleTimeoutSet  bool
}

// New creates and starts a session. It is listed before New returns.
func (r *Registry) New(o NewOptions) (*Session, error) {
	conf, err := r.Config().Shared(o.Configuration) // read only: sessions share it
	if err != nil {
		return nil, err
	}
	for _, kv := range o.SetEnv {
		if k, _, ok := strings.Cut(kv, "="); !ok || k == "" {
			return nil, Invalidf("invalid environment variable %q (expected KEY=VALUE)", kv)
		}
	}
	if o.Name != "" {
		if err := ValidateName(o.Name); err != nil {
			return nil, err
		}
	}

	r.mu.Lock()
	if r.closing {
		r.mu.Unlock()
		return nil, ErrExiting
	}
	id := r.nextID
	name := o.Name
	if name == "" {
		name = r.pickName(id)
	} else if r.byName[name] != nil || r.reserved[name] {
		r.mu.Unlock()
		return nil, fmt.Errorf("%w: session %q already exists (attach with 'linger attach %s', or use new -A)", ErrExists, name, name)
	}
	r.nextID++
	r.reserved[name] = true
	r.procs++
	r.mu.Unlock()

	s, err := r.start(id, name, conf, o)
	if err == nil && o.Attach != nil {
		s.owner = &attachment{c: o.Attach.Client, ClientInfo: o.Attach.Info}
		s.owner.Since = time.Now()
	}

	r.mu.Lock()
	delete(r.reserved, name)
	if err != nil {
		r.procs--
		r.mu.Unlock()
		r.checkEmpty() // a server started for this session has nothing to do
		return nil, err
	}
	r.byName[name] = s
	i, _ := slices.BinarySearchFunc(r.ordered, id, bySessionID) // concurrent news may finish out of order
	r.ordered = slices.Insert(r.ordered, i, s)
	s.mu.Lock() // its events in order: created before any client's
	r.emit(s, EventCreated, CreatedEvent{Pid: s.Pid(), Command: s.Command, Cwd: s.Cwd, Configuration: s.Configuration})
	if s.owner != nil {
		r.emitClient(s, EventAttached, s.owner, "")
	}
	s.mu.Unlock()
	r.mu.Unlock()
	if o.Attach == nil {
		s.mu.Lock()
		s.startIdleLocked() // a detached session is idle from the start
		s.mu.Unlock()
	}
	r.logf("session %s (%d) started: %s (pid %d, %s)", name, id, config.CommandLine(s.Command), s.Pid(), s.PtyName())
	go s.pump()
	return s, nil
}

// pickName returns a short unused name for session id.
func (r *Registry) pickName(id int) string {
	for n := 0; ; n++ {
		name := "s" + strconv.Itoa(id)
		if n > 0 {
			name += "-" + strconv.Itoa(n)
		}
		if r.byName[name] == nil && !r.reserved[name] {
			return name
		}
	}
}

// settings are what a new session will be, worked out from the request
// and its configuration (sessionSettings) before anything is started.
type settings struct {
	argv, env  []string
	cwd        string
	cols, rows int
	dropMode   bool
	limit      int64         // buffer_size
	idle       time.Duration // idle timeout; 0: none
	maxIdle    time.Duration
	logPath    string // "" = no log_file
}

// sessionSettings resolves the command, directory, environment, size,
// buffering, idle timeout and log file of session id called name. It is
// pure: it reads no file and starts nothing (start checks the directory).
//
//   - environment: the client's, then the configuration's env, then
//     -e KEY=VALUE, then TERM (the client's, else xterm-256color) and
//     LINGER_SESSION, LINGER_SESSION_ID, LINGER_SOCKET;
//   - command: the request's, else the configuration's, else $SHELL -l
//     (of that environment), else /bin/sh;
//   - directory: the request's, else the configuration's (~ is $HOME),
//     else the client's, else $HOME (of that environment), else /;
//   - size: the request's, else 80x24;
//   - idle timeout: the request's, else the configuration's, which is
//     raised to max_idle_timeout where it would be "never"; above the
//     maximum is an error.
func sessionSettings(id int, name, socket string, conf *config.Configuration, o NewOptions) (settings, error) {
	env := newEnv(o.ClientEnv)
	for k, v := range conf.Env {
		env.set(k, v)
	}
	for _, kv := range o.SetEnv {
		k, v, _ := strings.Cut(kv, "=")
		env.set(k, v)
	}
	term := o.Term
	if term == "" {
		term = "xterm-256color"
	}
	env.set("TERM", term)
	env.set("LINGER_SESSION", name)
	env.set("LINGER_SESSION_ID", strconv.Itoa(id))
	env.set("LINGER_SOCKET", socket)
	home := env.get("HOME")
	st := settings{cols: o.Cols, rows: o.Rows, limit: conf.BufferSize}

	st.argv = o.Command
	if len(st.argv) == 0 {
		st.argv = conf.Command
	}
	if len(st.argv) == 0 {
		if sh := env.get("SHELL"); sh != "" {
			st.argv = []string{sh, "-l"}
		} else {
			st.argv = []string{"/bin/sh"}
		}
	}

	cwd := o.Cwd
	if cwd == "" {
		cwd = conf.Cwd
	}
	if cwd == "~" || strings.HasPrefix(cwd, "~/") {
		cwd = filepath.Join(home, cwd[1:])
	}
	if cwd == "" {
		cwd = o.ClientCwd
	}
	if cwd == "" {
		cwd = home // a client on another host, or in a removed directory
	}
	if cwd == "" {
		cwd = "/"
	}
	st.cwd = cwd

	if st.cols <= 0 || st.rows <= 0 {
		st.cols, st.rows = 80, 24
	}
	mode := conf.OutputBuffering
	if o.OutputBuffering != "" {
		mode = o.OutputBuffering
	}
	st.dropMode = mode == Drop
	if st.limit <= 0 {
		st.limit = config.DefaultBufferSize
	}
	st.idle, st.maxIdle = conf.IdleTimeout, conf.MaxIdleTimeout
	if o.IdleTimeoutSet {
		st.idle = o.IdleTimeout
	} else if st.idle == 0 && st.maxIdle > 0 {
		st.idle = st.maxIdle // "never" would exceed the cap
	}
	if err := checkIdle(st.idle, st.maxIdle, conf.Name); err != nil {
		return settings{}, err
	}
	if conf.LogFile != "" {
		st.logPath = config.ExpandLogFile(conf.LogFile, name, id, home, cwd)
	}
	st.env = env.list()
	return st, nil
}

// start spawns session id's program with its settings (sessionSettings).
func (r *Registry) start(id int, name string, conf *config.Configuration, o NewOptions) (*Session, error) {
	st, err := sessionSettings(id, name, r.socket, conf, o)
	if err != nil {
		return nil, err
	}
	if fi, err := os.Stat(st.cwd); err != nil || !fi.IsDir() {
		if err == nil {
			return nil, fmt.Errorf("working directory %q is not a directory", st.cwd)
		}
		return nil, fmt.Errorf("working directory %q: %v", st.cwd, errors.Unwrap(err))
	}
	s := &Session{
		ID: id, Configuration: conf.Name, Command: st.argv, Cwd: st.cwd,
		Created: time.Now(), reg: r, conf: conf, limit: st.limit, dropMode: st.dropMode,
	}
	s.name.Store(&name)
	if st.idle > 0 || st.maxIdle > 0 {
		s.ext().idleTimeout, s.x.maxIdle = st.idle, st.maxIdle
	}
	if st.logPath != "" {
		f, err := os.OpenFile(st.logPath, os.O_WRONLY|os.O_CREATE|os.O_APPEND|syscall.O_CLOEXEC, 0o600)
		if err != nil {
			return nil, logFileError(st.logPath, conf.Name, err)
		}
		lg := &s.ext().log
		lg.path, lg.file = st.logPath, f
		if conf.LogFormat == config.LogText {
			lg.text = &vt.Text{}
		}
	}
	argv := st.argv
	if rs, env, err := newRunState(filepath.Dir(r.socket), id); err != nil {
		r.logf("session %s (%d): no shell integration: %v", name, id, err)
	} else {
		e := newEnv(st.env)
		if sh, login := shellIntegration(st.argv); sh != "" {
			a, more, err := injectIntegration(filepath.Dir(r.socket), sh, st.argv, login, e)
			if err != nil {
				r.logf("session %s (%d): no shell integration: %v", name, id, err)
			} else {
				argv, env, rs.injected = a, append(env, more...), true
			}
		}
		for _, kv := range env {
			k, v, _ := strings.Cut(kv, "=")
			e.set(k, v)
		}
		st.env, s.rs = e.list(), rs
	}
	proc, err := shell.Start(shell.Options{Argv: argv, Env: st.env, Dir: st.cwd, Cols: st.cols, Rows: st.rows}, s.processExited)
	if err != nil {
		if s.x != nil && s.x.log.file != nil {
			s.x.log.file.Close()
		}
		return nil, err
	}
	s.proc = proc
	return s, nil
}

// logFileError says why a session's log_file cannot be opened, and what
// to do: no session is made without the log its configuration asks for.
func logFileError(path, conf string, err error) error {
	dir := filepath.Dir(path)
	why := errors.Unwrap(err)
	if why == nil {
		why = err
	}
	switch {
	case errors.Is(err, syscall.ENOENT):
		if _, serr := os.Stat(dir); serr != nil {
			return fmt.Errorf("log_file %q of configuration %q: directory %s does not exist (create it, or change log_file)", path, conf, dir)
		}
	case errors.Is(err, syscall.EACCES), errors.Is(err, syscall.EROFS):
		return fmt.Errorf("log_file %q of configuration %q: cannot write there (%v; make %s writable, or change log_file)", path, conf, why, dir)
	}
	return fmt.Errorf("log_file %q of configuration %q: %v (change log_file)", path, conf, why)
}

// Lookup finds a session by name or ID.
func (r *Registry) Lookup(target string) (*Session, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.lookupLocked(target)
}

func (r *Registry) lookupLocked(target string) (*Session, error) {
	if s := r.byName[target]; s != nil {
		return s, nil
	}
	if allDigits(target) {
		if id, err := strconv.Atoi(target); err == nil {
			if s := r.byIDLocked(id); s != nil {
				return s, nil
			}
		}
		return nil, fmt.Errorf("%w: no session with ID %s (try 'linger ls')", ErrNoSession, target)
	}
	return nil, fmt.Errorf("%w: no session named %q (try 'linger ls')", ErrNoSession, target)
}

// Rename gives the session target (a name or ID) the name to, which
// follows ValidateName's rules and must be free. It works in any state,
// Closed included. The environment of the programs running in it cannot
// change: their LINGER_SESSION keeps the old name (LINGER_SESSION_ID, by
// which a command run inside finds its session, stays right).
func (r *Registry) Rename(target, to string) (*Session, error) {
	if err := ValidateName(to); err != nil {
		return nil, err
	}
	r.mu.Lock()
	s, err := r.lookupLocked(target)
	if err != nil {
		r.mu.Unlock()
		return nil, err
	}
	old := s.Name()
	if old == to {
		r.mu.Unlock()
		return s, nil
	}
	if r.byName[to] != nil || r.reserved[to] {
		r.mu.Unlock()
		return nil, fmt.Errorf("%w: session %q already exists (pick another name, or remove it first with 'linger kill %s')", ErrExists, to, to)
	}
	delete(r.byName, old)
	r.byName[to] = s
	s.name.Store(&to)
	r.emit(s, EventRenamed, RenamedEvent{Old: old, New: to})
	r.mu.Unlock()
	r.logf("session %s (%d) renamed %s", old, s.ID, to)
	return s, nil
}

// Sessions returns every session, by ID.
func (r *Registry) Sessions() []*Session {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.ordered)
}

func bySessionID(s *Session, id int) int { return cmp.Compare(s.ID, id) }

// byIDLocked finds a session by ID (nil if none); mu is held.
func (r *Registry) byIDLocked(id int) *Session {
	if i, ok := slices.BinarySearchFunc(r.ordered, id, bySessionID); ok {
		return r.ordered[i]
	}
	return nil
}

// AttachOptions describe an attach.
type AttachOptions struct {
	Target     string // name or ID; "" = the most recently detached session
	Client     Client
	Info       ClientInfo
	Steal      bool
	Cols, Rows int
	// Reply is called once the client is attached, before any output is
	// written to it; an error undoes the attach.
	Reply           func(*Session) error
	OutputBuffering string // "" = unchanged
	Restore         string // "" = the configuration's (config.RestoreLines, ...)
	// Draw writes, after Reply, what brings the client's terminal to the
	// session's state (empty with config.RestoreNone), which stands for covered
	// bytes of the client's stream (see Session.attach).
	Draw func(p []byte, covered int64) error
	// Resume asks to resume the stream of the lost client Info.ID (see
	// Session.resume); Result, if set, is filled in before Reply is called.
	Resume *Resume
	Result *AttachResult
}

// Resume is where a lost client's terminal is: it has the session's
// output up to Offset, and sent Input input bytes in all.
type Resume struct {
	Offset, Input int64
}

// AttachResult is what an attach tells the client in its reply.
type AttachResult struct {
	Offset int64 // the session offset of the stream's first byte
	// Resumed, for a resume: Exact (the stream continues at
	// Resume.Offset, nothing redrawn) or why not (Reason: "resized",
	// "not-held"); output Dropped meanwhile; the client's Input bytes
	// written to the program.
	Resumed        bool
	Exact          bool
	Reason         string
	Dropped, Input int64
}

// Attach attaches a client. A Closed session is returned with closed=true
// and is not attached: it got the reply and its remaining output; the
// caller reports its status and ends the client's stream with
// Session.Leave, which collects the session if it got everything.
func (r *Registry) Attach(o AttachOptions) (s *Session, closed bool, err error) {
	r.mu.Lock()
	if o.Target == "" {
		s, err = r.mostRecentLocked()
	} else {
		s, err = r.lookupLocked(o.Target)
	}
	r.mu.Unlock()
	if err != nil {
		return nil, false, err
	}
	closed, err = s.attach(o)
	return s, closed, err
}

// mostRecentLocked picks the session to attach when none is named: the most
// recently detached free one, else the newest free one.
func (r *Registry) mostRecentLocked() (*Session, error) {
	var best *Session
	var bestT time.Time
	for _, s := range r.ordered {
		s.mu.Lock()
		free := s.owner == nil
		t := s.idleStartLocked()
		s.mu.Unlock()
		if free && (best == nil || t.After(bestT)) {
			best, bestT = s, t
		}
	}
	if best == nil {
		if len(r.ordered) == 0 {
			return nil, fmt.Errorf("%w: no sessions (start one with 'linger new')", ErrNoSession)
		}
		return nil, fmt.Errorf("%w: every session is attached (name one, with --steal or --read-only)", ErrNoSession)
	}
	return best, nil
}

// Detach detaches client c from session s: it asked to, or (lost) it went
// away without detaching, which leaves the session Broken.
func (r *Registry) Detach(s *Session, c Client, lost bool) bool {
	if lost {
		return s.detach(c, true)
	}
	return len(s.detachClean(c, ReasonDetached)) > 0
}

// DetachAll detaches every client of s and tells them; it returns how many.
func (r *Registry) DetachAll(s *Session) int {
	clients := s.detachClean(nil, ReasonDetached)
	for _, a := range clients {
		a.c.Detached(s.Name(), "detached", nil)
	}
	return len(clients)
}

// Kill removes a session and ends its process group: SIGHUP, then SIGKILL
// after KillGrace. Clients still attached learn it when the program ends.
func (r *Registry) Kill(s *Session) { r.kill(s, RemovedKill) }

// kill is Kill, for a reason (RemovedKill, RemovedIdleTimeout).
func (r *Registry) kill(s *Session, reason string) {
	s.mu.Lock()
	s.killed = true
	s.stopIdleLocked()
	s.mu.Unlock()
	s.wake()
	r.remove(s, reason)
	s.proc.Terminate(KillGrace)
	r.logf("session %s (%d) killed", s.Name(), s.ID)
}

// Collect removes a Closed session whose status has been delivered.
func (r *Registry) Collect(s *Session) {
	r.remove(s, RemovedCollected)
}

// remove takes s out of the registry (idempotent: the first call's reason
// is the event's).
func (r *Registry) remove(s *Session, reason string) {
	r.mu.Lock()
	if i, ok := slices.BinarySearchFunc(r.ordered, s.ID, bySessionID); ok && r.ordered[i] == s {
		r.ordered = slices.Delete(r.ordered, i, i+1)
		delete(r.byName, s.Name())
		r.emit(s, EventRemoved, RemovedEvent{Reason: reason})
	}
	s.mu.Lock() // lock order: r.mu, then s.mu (as mostRecentLocked)
	s.removed = true
	s.stopIdleLocked()
	s.mu.Unlock()
	r.mu.Unlock()
	r.checkEmpty()
}

// processDone is called once per session when its process has finished.
func (r *Registry) processDone() {
	r.mu.Lock()
	r.procs--
	idle := r.idle
	if r.procs == 0 && idle != nil {
		r.idle = nil
		close(idle)
	}
	r.mu.Unlock()
	r.checkEmpty()
}

// checkEmpty calls OnEmpty when nothing is left and exit_when_empty is set.
func (r *Registry) checkEmpty() {
	r.mu.Lock()
	empty := len(r.ordered) == 0 && r.procs == 0 && len(r.reserved) == 0 && !r.closing
	if empty && r.Config().Server.ExitWhenEmpty && r.OnEmpty != nil {
		r.closing = true
	} else {
		empty = false
	}
	r.mu.Unlock()
	if empty {
		r.OnEmpty()
	}
}

// Shutdown detaches every client (telling them the server exits), ends
// every session's processes and waits for them, up to KillGrace and a
// little more. It returns how many sessions there were.
func (r *Registry) Shutdown() int {
	r.mu.Lock()
	r.closing = true
	list := r.ordered
	r.byName, r.ordered = map[string]*Session{}, nil
	idle := make(chan struct{})
	if r.procs == 0 {
		close(idle)
	} else {
		r.idle = idle
	}
	r.mu.Unlock()
	for _, s := range list {
		for _, a := range s.detachClean(nil, ReasonServerExited) {
			a.c.Detached(s.Name(), "server-exited", nil)
		}
		s.mu.Lock()
		s.killed = true
		s.stopIdleLocked()
		s.mu.Unlock()
		s.wake()
		s.proc.Terminate(KillGrace)
	}
	select {
	case <-idle:
	case <-time.After(KillGrace + time.Second):
		r.logf("shutdown: some processes did not end in time")
	}
	return len(list)
}

// env is an ordered environment with replacement.
type env struct {
	keys []string
	vals map[string]string
}

func newEnv(list []string) *env {
	e := &env{vals: map[string]string{}}
	for _, kv := range list {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			continue
		}
		e.set(k, v)
	}
	return e
}

func (e *env) set(k, v string) {
	if _, ok := e.vals[k]; !ok {
		e.keys = append(e.keys, k)
	}
	e.vals[k] = v
}

func (e *env) get(k string) string { return e.vals[k] }

func (e *env) list() []string {
	out := make([]string, 0, len(e.keys))
	for _, k := range e.keys {
		out = append(out, k+"="+e.vals[k])
	}
	return out
}
