package mux

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"linger/shellinit"
)

// Runs: `linger run` executes a command inside a session's shell (see
// package shellinit for the shell's side). A session started with the
// integration has a runState: its nonce, and what its marks said. The
// pump takes linger's private marks out of the output (filterMarks), so
// no client, buffer, capture or log ever has them, and hands the output
// between a run's start and end marks to that run as well.

// ErrNoIntegration is returned by StartRun for a session whose program
// is not a shell with linger's integration.
var ErrNoIntegration = errors.New("no shell integration")

// runState is a session's shell integration.
type runState struct {
	nonce    string // the secret the marks carry
	shell    string // the shell the prompt mark names: bash, zsh or fish
	injected bool   // the server started the shell with the integration
	file     string // where a run's command is written (0600)

	// the pump's only
	tail      []byte // the start of a mark cut at the end of the last chunk
	capturing *Run   // the run whose output the pump is reading

	// under Session.mu
	integrated bool          // a prompt mark came: the integration runs
	typed      bool          // a client typed a line the shell has not accepted yet
	lastInput  time.Time     // when a client last typed
	cur        *Run          // the run in progress
	typedRun   bool          // the line that sources cur's file was typed
	prompted   bool          // a prompt mark came since the last run started
	queue      []*Run        // the runs waiting, in the order they asked
	wake       chan struct{} // closed (and made again) when any of this changes
	nextID     int
}

// Run is one command run in a session's shell.
type Run struct {
	ID      int
	Command string // as the user gave it, for messages
	Started time.Time

	mu        sync.Mutex
	out       []byte // output not yet taken
	ended     bool
	status    int
	abandoned bool          // nobody takes its output any more
	more      chan struct{} // signalled when output or the end comes
}

// Take returns the output that came since the last call, and once the
// run has ended, done and its status (a shell's $?: 128+N for signal N).
// more is signalled when there is something new.
func (r *Run) Take() (out []byte, done bool, status int, more <-chan struct{}) {
	r.mu.Lock()
	defer r.mu.Unlock()
	out, r.out = r.out, nil
	return out, r.ended, r.status, r.more
}

// Abandon says nobody reads the run's output any more (its client went
// away): the run goes on in the shell, its output is no longer kept here.
func (r *Run) Abandon() {
	r.mu.Lock()
	r.abandoned, r.out = true, nil
	r.mu.Unlock()
}

func (r *Run) add(b []byte) {
	if len(b) == 0 {
		return
	}
	r.mu.Lock()
	if !r.abandoned {
		r.out = append(r.out, b...)
	}
	r.mu.Unlock()
	r.signal()
}

func (r *Run) end(status int) {
	r.mu.Lock()
	if r.ended {
		r.mu.Unlock()
		return
	}
	r.ended, r.status = true, status
	r.mu.Unlock()
	r.signal()
}

func (r *Run) signal() {
	select {
	case r.more <- struct{}{}:
	default:
	}
}

// shellIntegration says which integration, if any, the server injects
// into a session running argv: by argv[0]'s base name, bash with no
// arguments but -l, --login or -i, or zsh or fish with the same, and
// whether it is a login shell.
func shellIntegration(argv []string) (sh string, login bool) {
	if len(argv) == 0 {
		return "", false
	}
	sh = filepath.Base(argv[0])
	if sh != "bash" && sh != "zsh" && sh != "fish" {
		return "", false
	}
	for _, a := range argv[1:] {
		switch a {
		case "-l", "--login":
			login = true
		case "-i":
		default:
			return "", false
		}
	}
	return sh, login
}

// newRunState makes the run state of session id: its nonce, given to
// its program in the environment returned, and its run file in dir. Every
// session has one: a shell started any way may load the integration
// (linger init), and its marks then count.
func newRunState(dir string, id int) (*runState, []string, error) {
	nb := make([]byte, 16)
	if _, err := rand.Read(nb); err != nil {
		return nil, nil, err
	}
	rs := &runState{nonce: hex.EncodeToString(nb), file: filepath.Join(dir, "run-"+strconv.Itoa(id))}
	return rs, []string{shellinit.NonceEnv + "=" + rs.nonce}, nil
}

// injectIntegration writes the startup file of shell sh in dir and returns
// the argv that starts the shell with it, and the environment to add
// (userEnv is the session's environment so far).
func injectIntegration(dir, sh string, argv []string, login bool, userEnv *env) (newArgv, add []string, err error) {
	switch sh {
	case "fish":
		vdir := filepath.Join(dir, "fish-data", "fish", "vendor_conf.d")
		if err := os.MkdirAll(vdir, 0o700); err != nil {
			return nil, nil, err
		}
		if err := writePrivate(filepath.Join(vdir, "linger.fish"), []byte(shellinit.Startup(sh))); err != nil {
			return nil, nil, err
		}
		dirs, ok := userEnv.vals["XDG_DATA_DIRS"]
		if ok {
			add = append(add, shellinit.XDGDataDirsEnv+"="+dirs)
		} else {
			dirs = "/usr/local/share:/usr/share"
		}
		return argv, append(add, "XDG_DATA_DIRS="+filepath.Join(dir, "fish-data")+":"+dirs), nil
	case "zsh":
		zdir := filepath.Join(dir, "zsh")
		if err := os.Mkdir(zdir, 0o700); err != nil && !os.IsExist(err) {
			return nil, nil, err
		}
		if err := writePrivate(filepath.Join(zdir, ".zshenv"), []byte(shellinit.Startup(sh))); err != nil {
			return nil, nil, err
		}
		if z, ok := userEnv.vals["ZDOTDIR"]; ok {
			add = append(add, shellinit.ZdotdirEnv+"="+z)
		}
		return argv, append(add, "ZDOTDIR="+zdir), nil
	}
	path := filepath.Join(dir, "init."+sh)
	if err := writePrivate(path, []byte(shellinit.Startup(sh))); err != nil {
		return nil, nil, err
	}
	if login {
		add = append(add, shellinit.LoginEnv+"=1")
	}
	return []string{argv[0], "--init-file", path, "-i"}, add, nil
}

// writePrivate writes a file only the user can read, whole or not at all.
func writePrivate(path string, b []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), ".tmp-*") // 0600
	if err != nil {
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		os.Remove(f.Name())
		return err
	}
	if err := f.Close(); err != nil {
		os.Remove(f.Name())
		return err
	}
	return os.Rename(f.Name(), path)
}

// filterMarks takes linger's private marks out of a chunk of output,
// acting on them, and gives the output between a run's start and end
// marks to that run. It returns what the clients get: b itself, shorter,
// or a new slice when a mark cut at the end of the last chunk is put back
// in front. Only the pump calls it.
func (s *Session) filterMarks(b []byte) []byte {
	rs := s.rs
	if len(rs.tail) > 0 {
		b = append(rs.tail, b...)
		rs.tail = nil
	}
	if !bytes.Contains(b, []byte(shellinit.MarkPrefix)) && partialPrefix(b, shellinit.MarkPrefix) == 0 {
		if rs.capturing != nil {
			rs.capturing.add(b)
		}
		return b
	}
	out := b[:0] // compacted in place: what is written is never ahead of what is read
	emit := func(p []byte) {
		if rs.capturing != nil {
			rs.capturing.add(p)
		}
		out = append(out, p...)
	}
	const prefix = shellinit.MarkPrefix
	i := 0
	for i < len(b) {
		j := bytes.Index(b[i:], []byte(prefix))
		if j < 0 {
			rest := b[i:]
			k := partialPrefix(rest, prefix)
			emit(rest[:len(rest)-k])
			rs.tail = append([]byte(nil), rest[len(rest)-k:]...)
			break
		}
		emit(b[i : i+j])
		m := b[i+j:]
		end := bytes.IndexByte(m, 0x07)
		if end < 0 && len(m) < 256 {
			rs.tail = append([]byte(nil), m...) // the rest comes with the next chunk
			break
		}
		if end < 0 || !s.mark(string(m[len(prefix):end])) {
			// not ours (another nonce, or too long): output like any other
			emit(m[:len(prefix)])
			i += j + len(prefix)
			continue
		}
		i += j + end + 1
	}
	return out
}

// partialPrefix is the length of the longest end of b that starts prefix
// (shorter than prefix).
func partialPrefix(b []byte, prefix string) int {
	for k := min(len(b), len(prefix)-1); k > 0; k-- {
		if string(b[len(b)-k:]) == prefix[:k] {
			return k
		}
	}
	return 0
}

// mark acts on one private mark's fields (NONCE;KIND[;ARG...]); it
// reports whether the mark was the session's.
func (s *Session) mark(fields string) bool {
	rs := s.rs
	f := strings.Split(fields, ";")
	if len(f) < 2 || rs.nonce == "" || f[0] != rs.nonce {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	switch f[1] {
	case "P":
		rs.integrated, rs.prompted = true, true
		if time.Since(rs.lastInput) > typedRace {
			rs.typed = false // whatever was typed is gone (Ctrl-C, an empty line)
		}
		if len(f) == 3 {
			rs.shell = f[2]
		}
		if rs.cur != nil && rs.capturing == nil && rs.typedRun {
			// back at the prompt, and the run never started: the shell
			// could not read its file
			s.endRunLocked(2)
		}
	case "C":
		rs.typed, rs.prompted = false, false
	case "S":
		if len(f) == 3 && rs.cur != nil && strconv.Itoa(rs.cur.ID) == f[2] && rs.capturing == nil {
			rs.capturing = rs.cur
		}
	case "E":
		if len(f) == 4 && rs.capturing != nil && strconv.Itoa(rs.capturing.ID) == f[2] {
			st, err := strconv.Atoi(f[3])
			if err != nil {
				st = 1
			}
			s.endRunLocked(st)
		}
	}
	s.runChangedLocked()
	return true
}

// endRunLocked ends the run in progress with status. mu is held.
func (s *Session) endRunLocked(status int) {
	rs := s.rs
	if rs.cur == nil {
		return
	}
	rs.cur.end(status)
	rs.cur, rs.capturing, rs.typedRun = nil, nil, false
	os.Remove(rs.file)
	os.Remove(rs.file + ".fish")
	s.runChangedLocked()
}

// runChangedLocked wakes the runs waiting for the session. mu is held.
func (s *Session) runChangedLocked() {
	if s.rs.wake != nil {
		close(s.rs.wake)
		s.rs.wake = nil
	}
}

// typedRace is how long before a prompt mark typed keys may have come
// after the shell printed it: such keys stay typed (at the new prompt).
const typedRace = 300 * time.Millisecond

// noteTypedLocked records that a client typed into the session: a partly
// typed line may sit at the prompt until the shell accepts a line (its C
// mark), or until a prompt mark that comes well after the keys. Enter,
// Ctrl-C, terminal reports and special keys (starting with ESC) do not
// count.
func (s *Session) noteTypedLocked(p []byte) {
	if s.rs == nil || len(p) == 0 || p[0] == 0x1b || string(p) == "\r" || string(p) == "\x03" {
		return
	}
	s.rs.typed, s.rs.lastInput = true, time.Now()
}

// Integrated reports whether the session's shell runs linger's
// integration (its first prompt said so).
func (s *Session) Integrated() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.rs != nil && s.rs.integrated
}

// BusyError says why a run could not start in time.
type BusyError struct {
	Session string
	Reason  string
}

func (e *BusyError) Error() string {
	return fmt.Sprintf("session %s is busy: %s", e.Session, e.Reason)
}

func (e *BusyError) Unwrap() error { return ErrBusy }

// busyLocked says what keeps the session from starting a run ("": it is
// idle: at its prompt, nothing typed, no run, the shell in the
// foreground). mu is held.
func (s *Session) busyLocked() string {
	rs := s.rs
	if !rs.integrated {
		return "its shell has not shown its first prompt yet"
	}
	if rs.cur != nil {
		return fmt.Sprintf("running %q (run %d) for %s", rs.cur.Command, rs.cur.ID, since(rs.cur.Started))
	}
	if fg := s.proc.Foreground(); fg > 0 && fg != s.proc.Pid() {
		cmd, started := procInfo(fg)
		return fmt.Sprintf("running %q (pid %d) for %s", cmd, fg, since(started))
	}
	if rs.typed {
		return "a partly typed line is at the prompt"
	}
	if !rs.prompted {
		return "its shell is not at its prompt"
	}
	return ""
}

func since(t time.Time) string {
	if t.IsZero() {
		return "a while"
	}
	return time.Since(t).Round(time.Second).String()
}

// procInfo is a process's command line and start time, from /proc.
func procInfo(pid int) (cmd string, started time.Time) {
	b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	cmd = strings.TrimSpace(strings.ReplaceAll(string(bytes.TrimRight(b, "\x00")), "\x00", " "))
	if cmd == "" {
		cmd = fmt.Sprintf("pid %d", pid)
	}
	st, _ := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	up, _ := os.ReadFile("/proc/uptime")
	if i := bytes.LastIndexByte(st, ')'); i > 0 && len(up) > 0 {
		f := strings.Fields(string(st[i+1:]))
		u := strings.Fields(string(up))
		if len(f) > 19 && len(u) > 0 {
			ticks, err1 := strconv.ParseFloat(f[19], 64) // field 22, starttime
			upSec, err2 := strconv.ParseFloat(u[0], 64)
			if err1 == nil && err2 == nil {
				started = time.Now().Add(-time.Duration((upSec - ticks/100) * float64(time.Second)))
			}
		}
	}
	return cmd, started
}

// StartRun runs argv (words, quoted for the shell), or else line (a
// command line in the shell's syntax), in the session's shell (what names
// it in messages), once the session is idle and
// the runs that asked before have started: it waits up to wait, then
// fails with a *BusyError; a closed gone gives up. The command is written
// to the session's run file and the shell is made to source it by a
// short fixed line typed at its prompt (see package shellinit).
func (s *Session) StartRun(argv []string, line, what string, wait time.Duration, gone <-chan struct{}) (*Run, error) {
	rs := s.rs
	s.mu.Lock()
	if rs == nil || !rs.integrated && !rs.injected {
		s.mu.Unlock()
		return nil, fmt.Errorf("%w: session %s does not run a shell with linger's integration", ErrNoIntegration, s.Name())
	}
	rs.nextID++
	r := &Run{ID: rs.nextID, Command: what, more: make(chan struct{}, 1)}
	rs.queue = append(rs.queue, r)
	leave := func() {
		if i := slicesIndex(rs.queue, r); i >= 0 {
			rs.queue = append(rs.queue[:i], rs.queue[i+1:]...)
		}
		s.runChangedLocked()
	}
	deadline := time.Now().Add(wait)
	for {
		if s.finished || s.killed {
			leave()
			s.mu.Unlock()
			return nil, fmt.Errorf("session %s has ended", s.Name())
		}
		reason := s.busyLocked()
		if reason == "" && rs.queue[0] != r {
			reason = fmt.Sprintf("runs asked before (run %d first)", rs.queue[0].ID)
		}
		if reason == "" {
			break
		}
		left := time.Until(deadline)
		if left <= 0 {
			leave()
			s.mu.Unlock()
			return nil, &BusyError{Session: s.Name(), Reason: reason}
		}
		if rs.wake == nil {
			rs.wake = make(chan struct{})
		}
		w := rs.wake
		s.mu.Unlock()
		t := time.NewTimer(min(left, 50*time.Millisecond)) // the foreground group changes unannounced
		select {
		case <-w:
		case <-t.C:
		case <-gone:
			t.Stop()
			s.mu.Lock()
			leave()
			s.mu.Unlock()
			return nil, errors.New("the client went away")
		}
		t.Stop()
		s.mu.Lock()
	}
	rs.queue = rs.queue[1:]
	rs.cur, r.Started, rs.prompted = r, time.Now(), false
	fish := rs.shell == "fish"
	s.runChangedLocked()
	s.mu.Unlock()

	script := line
	quote := shellQuote
	if fish {
		quote = fishQuote
	}
	if len(argv) > 0 {
		q := make([]string, len(argv))
		for i, a := range argv {
			q[i] = quote(a)
		}
		script = strings.Join(q, " ")
	}
	var typed string
	var err error
	if fish {
		// fish parses a whole file before running it: the command has a
		// file of its own, so that a syntax error in it still comes after
		// the start mark
		typed = "source " + quote(rs.file)
		body := "__linger_begin " + strconv.Itoa(r.ID) + " " + quote(typed) + "\nsource " + quote(rs.file+".fish") + "\n"
		if err = writePrivate(rs.file+".fish", []byte("begin\n"+script+"\nend </dev/null\n")); err == nil {
			err = writePrivate(rs.file, []byte(body))
		}
	} else {
		typed = ". " + quote(rs.file)
		body := "__linger_begin " + strconv.Itoa(r.ID) + " " + quote(typed) + "\n{\n" + script + "\n} </dev/null\n"
		err = writePrivate(rs.file, []byte(body))
	}
	if err == nil {
		s.mu.Lock()
		rs.typedRun = true
		s.mu.Unlock()
		_, err = s.proc.Write([]byte(" " + typed + "\r"))
	}
	if err != nil {
		s.mu.Lock()
		s.endRunLocked(1)
		s.mu.Unlock()
		return nil, fmt.Errorf("starting the run in session %s: %v", s.Name(), err)
	}
	return r, nil
}

func slicesIndex(list []*Run, r *Run) int {
	for i, x := range list {
		if x == r {
			return i
		}
	}
	return -1
}

// shellQuote quotes s for a POSIX shell.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// fishQuote quotes s for fish (in its single quotes, \ and ' are escaped).
func fishQuote(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, "'", `\'`).Replace(s) + "'"
}
