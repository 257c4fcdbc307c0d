package mux

import (
	"errors"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"linger/config"
	"linger/shell"
	"linger/vt"
)

// States and availabilities, relative to the caller (as in PowerShell).
const (
	StateOpened       = "Opened"       // attached from the calling terminal
	StateDisconnected = "Disconnected" // not attached from here
	StateBroken       = "Broken"       // its last client went away without detaching
	StateClosed       = "Closed"       // its command has ended

	AvailAvailable = "Available" // attached from here
	AvailBusy      = "Busy"      // another client holds it
	AvailNone      = "None"      // free to attach
)

// Output buffering modes (see Configuration.OutputBuffering).
const (
	Block = config.OutputBlock
	Drop  = config.OutputDrop
)

// Session is one program on a pty, with the clients attached to it and the
// output nobody has received yet.
type Session struct {
	ID            int
	name          atomic.Pointer[string] // Name; Registry.Rename changes it
	Configuration string
	Command       []string
	Cwd           string
	Created       time.Time

	reg  *Registry
	proc *shell.Process
	conf *config.Configuration // the configuration it was made from (restore, scrollback_lines); shared, read only

	// dmu is held while output is written to clients (deliver), and by an
	// attach or receive while it replays held output, so that replayed
	// bytes always come before live ones. Lock order: dmu, then mu.
	dmu sync.Mutex

	// sendMu serializes the typists that are not attached (Send), so
	// that two sends do not interleave; an attached owner types through
	// its attachment (Input), and the two interleave as two people at one
	// keyboard would.
	sendMu sync.Mutex

	mu         sync.Mutex
	owner      *attachment   // the read-write client, if any
	watchers   []*attachment // read-only clients
	lastDetach int64         // unix nanoseconds when the last client left (0: never attached)
	lastFrom   string        // ClientInfo.From of the client that attached or left last
	exitStatus *shell.ExitStatus
	limit      int64         // buffer_size
	done       chan struct{} // made by the first Done, closed by finish
	drained    bool          // the pump saw the end of the output
	finished   bool          // finish ran: the pty is closed
	killed     bool          // removed by Kill, idle expiry or shutdown
	removed    bool          // no longer in the registry (killed, collected)
	broken     bool          // the last client was lost, not detached
	dropMode   bool          // output_buffering = drop (else block)
	suspended  bool          // block mode: the pump waits for room
	lost       *lostClient   // the owner lost last, which may resume (see attach)

	// rs is the shell integration, nil without it (run.go): set at the
	// start, never changed.
	rs *runState

	// x holds what only some sessions need, made on first use, so that an
	// idle session with an empty buffer costs what it did before buffering.
	x *sessionExtra
}

// lostClient is what a session remembers of its owner whose connection
// was lost, for it to resume: its ID, its attachment (whose input bytes
// written to the program go on counting), the drop count then, and, once another client attached (a
// resume is then refused), where that one was.
type lostClient struct {
	id      string
	a       *attachment // its input count goes on
	dropped int64
	takenBy string
}

// sessionExtra is the part of a session made on demand: kept output, the
// screen emulator, follow receivers, the idle clock and log_file.
type sessionExtra struct {
	buf          outbuf
	scr          screen        // see screen.go
	receivers    []*attachment // receive --follow
	exiting      []*attachment // clients told the command ended, until they Leave (see finish)
	confirmed    bool          // an exiting client confirmed it got the status (Leave)
	unclaimLater bool          // unclaimLocked waits for the last reader to go
	idleTimeout  time.Duration // 0: never expires
	maxIdle      time.Duration // the configuration's cap, 0: none
	idleTimer    *time.Timer
	resume       chan struct{}   // made when the pump suspends; closed to resume it
	readers      int             // receives in progress (not yet live receivers)
	outWatch     []chan struct{} // told after each chunk delivered (WatchOutput)
	log          sessionLog
}

// sessionLog is a session's log_file.
type sessionLog struct {
	file *os.File // nil if none, or it could not be opened
	path string   // "" without log_file
	err  string   // the last error, for ls
	text *vt.Text // log_format = "text": the filter, its state kept between chunks; nil: raw
	buf  []byte   // the text of the chunk being written
}

// ext returns the session's extra state, making it. mu must be held.
func (s *Session) ext() *sessionExtra {
	if s.x == nil {
		s.x = &sessionExtra{}
		s.x.buf.feeds = true // the emulator reads every byte
	}
	return s.x
}

// Pid is the process ID of the session's command.
func (s *Session) Pid() int { return s.proc.Pid() }

// Name is the session's name (Registry.Rename may change it).
func (s *Session) Name() string { return *s.name.Load() }

// PtyName is the path of the session's pty slave.
func (s *Session) PtyName() string { return s.proc.PtyName() }

// Done is closed when the session's command has ended and its output is
// drained. The channel is made on demand: most sessions are never waited
// for.
func (s *Session) Done() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.done == nil {
		s.done = make(chan struct{})
		if s.finished {
			close(s.done)
		}
	}
	return s.done
}

// pump reads the program's output until it ends and delivers it. It is the
// only goroutine a session has; while the program is quiet it holds no
// buffer (shell.Process.ReadSome waits in the runtime poller).
//
// While nobody is attached and the program is quiet, the pump does not
// even keep its goroutine: it hands the process to shell's idle watcher
// and ends, and the watcher starts it again when output comes (or the
// program exits). An attached session keeps its pump parked in the
// runtime poller, the quickest way back for a key's echo; when its last
// client leaves, shell.Process.Unpark ends that wait (ReadSome returns
// shell.ErrUnparked) and the pump moves to the watcher.
func (s *Session) pump() {
	var to []*attachment // reused: who gets each chunk
	for {
		if attached := s.waitRoom(); !attached && s.proc.WhenReadable(s.resume) {
			return
		}
		b, err := s.proc.ReadSome()
		if err == shell.ErrUnparked {
			continue // the last client left: wait in the idle watcher
		}
		if err != nil {
			break
		}
		out := b
		if s.rs != nil {
			out = s.filterMarks(b)
		}
		if len(out) > 0 {
			to = s.deliver(out, to[:0])
			s.writeLog(out)
		}
		shell.Release(b)
	}
	s.outputEnded()
}

// resume starts the pump again once the idle watcher says there is output.
func (s *Session) resume() { go s.pump() }

// waitRoom suspends the pump while, in block mode, buffer_size bytes are
// unreceived and nobody reads them: the program then blocks on its next
// write once the kernel's pty buffer is full, and nothing is lost. A
// client attaching, a receive, a mode change, the program's exit or a kill
// resumes it. It reports whether a terminal is attached, which decides
// where the pump waits for output (see pump).
func (s *Session) waitRoom() (attached bool) {
	s.mu.Lock()
	for !s.dropMode && s.x != nil && s.x.buf.unreceived() >= s.limit && !s.hasReadersLocked() &&
		s.exitStatus == nil && !s.killed {
		if !s.suspended {
			s.reg.emit(s, EventSuspended, nil)
		}
		s.suspended = true
		if s.x.resume == nil {
			s.x.resume = make(chan struct{})
		}
		resume := s.x.resume
		s.mu.Unlock()
		<-resume
		s.mu.Lock()
	}
	if s.suspended {
		s.reg.emit(s, EventResumed, nil)
	}
	s.suspended = false
	attached = s.hasClientsLocked()
	s.mu.Unlock()
	return attached
}

// wakeLocked resumes a suspended pump so it checks again; mu is held.
func (s *Session) wakeLocked() {
	if s.x != nil && s.x.resume != nil {
		close(s.x.resume)
		s.x.resume = nil
	}
}

// wake is wakeLocked for callers not holding mu.
func (s *Session) wake() {
	s.mu.Lock()
	s.wakeLocked()
	s.mu.Unlock()
}

func (s *Session) hasReadersLocked() bool {
	return s.owner != nil || len(s.watchers) > 0 || (s.x != nil && (len(s.x.receivers) > 0 || len(s.x.exiting) > 0))
}

// deliver sends one chunk of output to the attached clients and receivers,
// or keeps it when there are none. This is the single path all output
// takes. The chunk always ends up in the output buffer, where the screen
// emulator reads it after the clients got it (screen.go).
// to is scratch space, returned for reuse.
func (s *Session) deliver(b []byte, to []*attachment) []*attachment {
	s.dmu.Lock()
	defer s.dmu.Unlock()
	s.mu.Lock()
	x := s.ext()
	if s.owner != nil {
		to = append(to, s.owner)
	}
	to = append(to, s.watchers...)
	to = append(to, x.receivers...)
	if len(to) == 0 {
		x.noteOwned(x.buf.end, false)
		x.buf.add(b, s.limit, s.dropMode)
		catchUp := s.kickFeederLocked(x)
		x.notifyOutputLocked()
		s.mu.Unlock()
		if catchUp {
			s.feedBehind(x)
		}
		return to
	}
	owner := s.owner
	s.mu.Unlock()
	var deadline time.Time
	if len(to) > 1 {
		deadline = time.Now().Add(SlowClientTimeout)
	}
	var failed []*attachment
	for _, a := range to {
		if err := a.c.Output(b, deadline); err != nil {
			failed = append(failed, a)
		}
	}
	// Sent bytes are kept until a client acknowledges them (Ack), so a
	// client that dies with them in its socket buffers loses nothing.
	s.mu.Lock()
	x.noteOwned(x.buf.end, owner != nil && !slices.Contains(failed, owner))
	if len(failed) == len(to) {
		x.buf.add(b, s.limit, s.dropMode) // nobody got it: keep it
	} else {
		x.buf.sent(b)
	}
	for i, a := range to {
		if !slices.Contains(failed, a) {
			a.sent += int64(len(b))
			if a.acked > a.sent-int64(len(b)) {
				s.applyAckLocked(a)
			}
		}
		to[i] = nil
	}
	catchUp := s.kickFeederLocked(x)
	x.notifyOutputLocked()
	s.mu.Unlock()
	for _, a := range failed {
		s.drop(a)
	}
	if catchUp {
		s.feedBehind(x)
	}
	return to
}

// feedBehind feeds the emulator from the pump (see kickFeederLocked). An
// owner's output it leaves at a skip, as the feeder does (that bounds
// what waits as well); a settle then writes the rest.
func (s *Session) feedBehind(x *sessionExtra) {
	s.mu.Lock()
	lazy := x.scr.owned
	s.mu.Unlock()
	x.scr.vmu.Lock()
	for {
		more, kept := s.feedLocked(x, 1<<62, lazy)
		if kept {
			s.mu.Lock()
			s.settleLocked(x)
			s.mu.Unlock()
		}
		if !more || kept {
			break
		}
	}
	x.scr.vmu.Unlock()
}

// writeLog appends output to log_file. A failing log is reported (ls, the
// server log) and never stops the session.
func (s *Session) writeLog(b []byte) {
	if s.x == nil || s.x.log.file == nil { // x is made before the pump starts
		return
	}
	lg := &s.x.log
	if lg.text != nil {
		if lg.buf = lg.text.Append(lg.buf[:0], b); len(lg.buf) == 0 {
			return
		}
		b = lg.buf
	}
	if _, err := lg.file.Write(b); err != nil {
		s.mu.Lock()
		first := lg.err == ""
		lg.err = err.Error()
		s.mu.Unlock()
		if first {
			s.reg.logf("session %s (%d): writing log %s: %v (the session keeps running)", s.Name(), s.ID, lg.path, err)
		}
	}
}

// drop detaches a client whose connection failed or timed out.
func (s *Session) drop(a *attachment) {
	if s.detachWhy(a.c, true, ReasonTooSlow) {
		a.c.Detached(s.Name(), "too-slow", nil)
	}
}

// detach removes client c; it reports whether c was attached. lost says
// the client went away without detaching (the session becomes Broken, and
// only what it acknowledged counts as received); a clean detach means it
// read everything sent before its MsgDetached.
func (s *Session) detach(c Client, lost bool) bool {
	why := ReasonDetached
	if lost {
		why = ReasonLost
	}
	return s.detachWhy(c, lost, why)
}

// detachWhy is detach, saying why in the session.detached event
// (ReasonLost alone makes the session Broken in the events too).
func (s *Session) detachWhy(c Client, lost bool, why string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	var a *attachment
	if s.owner != nil && s.owner.c == c {
		a, s.owner = s.owner, nil
		if lost && a.ID != "" {
			s.lost = &lostClient{id: a.ID, a: a}
			if s.x != nil {
				s.lost.dropped = s.x.buf.dropped
			}
		}
	}
	s.watchers, a = removeClient(s.watchers, c, a)
	if a != nil && !s.hasClientsLocked() {
		s.lastFrom = a.From // the last client to leave
	}
	s.reg.emitClient(s, EventDetached, a, why) // a receiver is no client: a is still nil
	if s.x != nil {
		s.x.receivers, a = removeClient(s.x.receivers, c, a)
	}
	found := a != nil
	if found && s.x != nil {
		if lost {
			s.unclaimLocked() // the next reader gets what it did not acknowledge
		} else {
			s.cleanDetachLocked(a)
			s.readerGoneLocked()
		}
	}
	if found && !s.hasClientsLocked() {
		s.lastDetach = time.Now().UnixNano()
		s.broken = lost
		if lost && why == ReasonLost {
			s.reg.emit(s, EventBroken, nil)
		}
		s.startIdleLocked()
		s.proc.Unpark() // the pump leaves the poller for the idle watcher (see pump)
	}
	return found
}

// cleanDetachLocked settles the output of a client that detached cleanly:
// a relaying client read everything sent before its MsgDetached; a
// WriterAcks client's writer has drained its queue (detachClean), and
// what it did not write (it gave up on a stalled terminal) goes back to
// the next reader.
func (s *Session) cleanDetachLocked(a *attachment) {
	if !a.WriterAcks {
		if a.sent > 0 { // nothing sent says nothing of the bytes before a.base (see EndReceive)
			s.x.buf.received(a.base+a.sent, !s.hasClientsLocked())
		}
		return
	}
	s.applyAckLocked(a)
	if a.acked < a.sent {
		s.unclaimLocked()
	}
}

// Drainer is a Client whose output is written from a queue, with
// WriterAcks (the server's direct mode). Before a clean detach the queue
// is drained, with no output delivered meanwhile, so that what the client
// acknowledged is exactly what its terminal got: BeginDrain bounds how
// long the writer may take (it is called before the delivery lock is
// taken, which a pump waiting for room in the queue may hold), and Drain
// waits until the queue is written or the writer gave up.
type Drainer interface {
	BeginDrain()
	Drain()
}

// detachClean detaches client c (or, with c nil, every client) cleanly,
// draining Drainers first; it returns the attachments it detached.
func (s *Session) detachClean(c Client, why string) []*attachment {
	s.mu.Lock()
	var drainers []Drainer
	for _, a := range s.clientsLocked() {
		if d, ok := a.c.(Drainer); ok && a.WriterAcks && (c == nil || a.c == c) {
			drainers = append(drainers, d)
		}
	}
	s.mu.Unlock()
	if len(drainers) > 0 {
		// Only then: the pump may hold dmu blocked on a relaying client
		// that stopped reading, which the Detached that follows cuts off.
		for _, d := range drainers {
			d.BeginDrain()
		}
		s.dmu.Lock()
		defer s.dmu.Unlock()
		for _, d := range drainers {
			d.Drain()
		}
	}
	if c == nil {
		return s.detachAll(why)
	}
	s.mu.Lock()
	a := s.findLocked(c)
	s.mu.Unlock()
	if a == nil || !s.detachWhy(c, false, why) {
		return nil
	}
	return []*attachment{a}
}

// clientsLocked lists the attached clients (owner, then watchers).
func (s *Session) clientsLocked() []*attachment {
	var all []*attachment
	if s.owner != nil {
		all = append(all, s.owner)
	}
	return append(all, s.watchers...)
}

// removeClient takes c out of list, returning it (or found, if not there).
func removeClient(list []*attachment, c Client, found *attachment) ([]*attachment, *attachment) {
	for i, w := range list {
		if w.c == c {
			return append(list[:i], list[i+1:]...), w
		}
	}
	return list, found
}

// Ack records that client c has written n bytes of its stream to its
// terminal (or stdout): they are received.
//
// A server-side writer (direct mode) may acknowledge bytes before the
// session has counted them as sent to c (the count is updated once Output
// returns): such an acknowledgement is kept and applies as the count
// catches up (applyAckLocked).
func (s *Session) Ack(c Client, n int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.findLocked(c)
	if a == nil || s.x == nil || n < 0 {
		return
	}
	a.acked = max(a.acked, n)
	s.applyAckLocked(a)
	s.wakeLocked()
}

// applyAckLocked marks what a acknowledged and was sent as received.
func (s *Session) applyAckLocked(a *attachment) {
	if n := min(a.acked, a.sent); n > 0 && s.x != nil {
		s.x.buf.received(a.base+n, s.hasClientsLocked())
	}
}

func (s *Session) findLocked(c Client) *attachment {
	if s.owner != nil && s.owner.c == c {
		return s.owner
	}
	for _, list := range [][]*attachment{s.watchers, s.receiversLocked(), s.exitingLocked()} {
		for _, a := range list {
			if a.c == c {
				return a
			}
		}
	}
	return nil
}

func (s *Session) receiversLocked() []*attachment {
	if s.x == nil {
		return nil
	}
	return s.x.receivers
}

func (s *Session) exitingLocked() []*attachment {
	if s.x == nil {
		return nil
	}
	return s.x.exiting
}

// hasClientsLocked reports whether a terminal is attached (receivers are
// readers, not clients: they do not stop the idle clock).
func (s *Session) hasClientsLocked() bool {
	return s.owner != nil || len(s.watchers) > 0
}

// detachAll removes every attached client and returns them.
func (s *Session) detachAll(why string) []*attachment {
	s.mu.Lock()
	defer s.mu.Unlock()
	var all []*attachment
	if s.owner != nil {
		all = append(all, s.owner)
	}
	all = append(all, s.watchers...)
	s.owner, s.watchers = nil, nil
	if len(all) > 0 {
		s.lastFrom = all[0].From // the read-write client's, if any
	}
	for _, a := range all { // a clean detach: they read all that was sent
		if s.x != nil {
			s.cleanDetachLocked(a)
		}
		s.reg.emitClient(s, EventDetached, a, why)
	}
	s.readerGoneLocked()
	if len(all) > 0 {
		s.lastDetach = time.Now().UnixNano()
		s.broken = false
		s.startIdleLocked()
		s.proc.Unpark()
	}
	return all
}

// idleStartLocked is when the session became idle: its last client left,
// or it was created detached.
func (s *Session) idleStartLocked() time.Time {
	if s.lastDetach != 0 {
		return time.Unix(0, s.lastDetach)
	}
	return s.Created
}

// startIdleLocked starts the idle clock (the session has no client).
func (s *Session) startIdleLocked() {
	s.stopIdleLocked()
	if s.x == nil || s.x.idleTimeout <= 0 || s.killed {
		return
	}
	left := max(time.Until(s.idleStartLocked().Add(s.x.idleTimeout)), 0)
	s.x.idleTimer = time.AfterFunc(left, s.idleExpired)
}

// stopIdleLocked stops the idle clock (a client attached).
func (s *Session) stopIdleLocked() {
	if s.x != nil && s.x.idleTimer != nil {
		s.x.idleTimer.Stop()
		s.x.idleTimer = nil
	}
}

// idleExpired removes a session whose idle timeout ran out.
func (s *Session) idleExpired() {
	s.mu.Lock()
	expired := s.x != nil && s.x.idleTimer != nil && !s.hasClientsLocked() && len(s.x.exiting) == 0 && !s.killed && !s.removed &&
		!time.Now().Before(s.idleStartLocked().Add(s.x.idleTimeout))
	var d time.Duration
	if expired {
		d = s.x.idleTimeout
	}
	s.mu.Unlock()
	if expired {
		s.reg.logf("session %s (%d) idle for %s (idle_timeout): removing it", s.Name(), s.ID, config.FormatIdleTimeout(d))
		s.reg.kill(s, RemovedIdleTimeout)
	}
}

// SetIdleTimeout changes the idle timeout (new, detach --idle-timeout); it
// is refused above the configuration's max_idle_timeout. A running clock
// keeps counting from when the session became idle.
func (s *Session) SetIdleTimeout(d time.Duration) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.checkIdleLocked(d); err != nil {
		return err
	}
	s.ext().idleTimeout = d
	if !s.hasClientsLocked() {
		s.startIdleLocked()
	}
	return nil
}

// CheckIdleTimeout reports whether d is allowed for this session.
func (s *Session) CheckIdleTimeout(d time.Duration) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.checkIdleLocked(d)
}

func (s *Session) checkIdleLocked(d time.Duration) error {
	var maxIdle time.Duration
	if s.x != nil {
		maxIdle = s.x.maxIdle
	}
	return checkIdle(d, maxIdle, s.Configuration)
}

func checkIdle(d, maxIdle time.Duration, conf string) error {
	if d < 0 {
		return Invalidf("invalid idle timeout %s (must not be negative)", d)
	}
	if maxIdle > 0 && (d == 0 || d > maxIdle) {
		return Invalidf("idle timeout %s is above the maximum %s of configuration %q (max_idle_timeout)",
			config.FormatIdleTimeout(d), config.FormatIdleTimeout(maxIdle), conf)
	}
	return nil
}

// SetOutputBuffering changes the buffering mode (block or drop).
func (s *Session) SetOutputBuffering(mode string) {
	if mode == "" {
		return
	}
	s.mu.Lock()
	s.dropMode = mode == Drop
	s.wakeLocked()
	s.mu.Unlock()
}

// processExited is called by the reaper with the command's status.
func (s *Session) processExited(st shell.ExitStatus) {
	s.mu.Lock()
	s.exitStatus = &st
	done := s.drained
	s.mu.Unlock()
	s.wake() // a suspended pump drains what is left
	if done {
		// not on the reaper's goroutine: finish waits for the delivery
		// lock, and one slow client must not delay every session's reaping
		go s.finish()
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
// attached clients and receivers learn the status. The session stays,
// Closed, with its unreceived output, until an attach or a receive that
// reaches the end collects it (or kill, wait --collect or its idle
// timeout removes it). Attached clients become exiting clients, whose
// acknowledgements still count: the session is collected when they Leave
// having acknowledged everything (see Leave), else kept.
func (s *Session) finish() {
	s.dmu.Lock() // after any delivery in progress
	s.mu.Lock()
	if s.finished {
		s.mu.Unlock()
		s.dmu.Unlock()
		return
	}
	s.finished = true
	st := *s.exitStatus
	if s.rs != nil {
		s.endRunLocked(st.ShellCode()) // exit in a run ends it with the shell's status
	}
	killed := s.killed
	var clients []*attachment
	if s.owner != nil {
		clients = append(clients, s.owner)
	}
	clients = append(clients, s.watchers...)
	if s.x != nil {
		clients = append(clients, s.x.receivers...)
		s.x.receivers = nil
	}
	attached := s.hasClientsLocked()
	if attached && !killed {
		x := s.ext()
		x.exiting = append(x.exiting, s.clientsLocked()...)
	}
	if attached {
		// its clients are only told the status now: ls counts them gone
		s.lastFrom = s.clientsLocked()[0].From
		s.lastDetach = time.Now().UnixNano()
	}
	s.reg.emit(s, EventExited, exitedEvent(st))
	for _, a := range s.clientsLocked() {
		s.reg.emitClient(s, EventDetached, a, ReasonExited)
	}
	s.owner, s.watchers = nil, nil
	if attached {
		s.stopIdleLocked()
	}
	if s.done != nil {
		close(s.done)
	}
	s.mu.Unlock()
	s.dmu.Unlock()

	s.proc.Close()
	if s.x != nil && s.x.log.file != nil {
		s.x.log.file.Close()
	}
	for _, a := range clients {
		a.c.Exited(s.Name(), st, killed)
	}
	if killed {
		s.reg.remove(s, RemovedKill)
	} else {
		s.reg.logf("session %s (%d) closed: %s", s.Name(), s.ID, st)
	}
	s.reg.processDone()
}

// Exiting reports whether client c was told the command ended (finish, or
// an attach to the Closed session) and has not left yet: its stream ends
// with Leave, not Detach.
func (s *Session) Exiting(c Client) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, a := range s.exitingLocked() {
		if a.c == c {
			return true
		}
	}
	return false
}

// Leave ends the stream of client c, which was told the command ended.
// confirmed says it got the status and has sent its last acknowledgement;
// otherwise it went away, or was given up on, first. Only what it
// acknowledged counts as received. When the last exiting client leaves,
// the session is collected if nothing is left unreceived and one of them
// confirmed the status; otherwise it stays Closed, with its status and
// the output they did not acknowledge, for the next attach or receive,
// and its idle clock starts. Leave reports whether the session is
// collected (by this call or before).
func (s *Session) Leave(c Client, confirmed bool) (collected bool) {
	s.mu.Lock()
	var a *attachment
	if s.x != nil {
		s.x.exiting, a = removeClient(s.x.exiting, c, nil)
	}
	if a == nil || s.killed || s.removed {
		collected = s.removed
		s.mu.Unlock()
		return collected
	}
	x := s.x
	s.applyAckLocked(a)
	x.confirmed = x.confirmed || confirmed
	if len(x.exiting) > 0 {
		if a.acked < a.sent {
			s.unclaimLocked() // once the others are gone
		}
		s.mu.Unlock()
		return false // the last one decides
	}
	left := x.buf.unreceived()
	collect := left == 0 && x.confirmed
	x.confirmed = false
	if !collect {
		s.unclaimLocked() // the next reader gets what was not acknowledged
		s.lastDetach = time.Now().UnixNano()
		s.startIdleLocked()
	}
	s.mu.Unlock()
	if collect {
		s.reg.remove(s, RemovedCollected)
		return true
	}
	if left > 0 {
		s.reg.logf("session %s (%d): its client left with %d bytes of output unacknowledged: kept, Closed, for the next attach or receive", s.Name(), s.ID, left)
	} else {
		s.reg.logf("session %s (%d): its client left before confirming the exit status: kept, Closed, for the next attach or receive", s.Name(), s.ID)
	}
	return false
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
	a := s.owner
	ok := a != nil && a.c == c && !s.finished
	s.mu.Unlock()
	if !ok {
		return nil
	}
	a.inMu.Lock()
	defer a.inMu.Unlock()
	s.mu.Lock()
	ok = s.owner == a && !s.finished // still: a resume may have let it go
	if ok {
		s.noteTypedLocked(p)
	}
	s.mu.Unlock()
	if !ok {
		return nil
	}
	n, err := s.proc.Write(p)
	s.mu.Lock()
	a.input += int64(n) // what a resume says the program got
	s.mu.Unlock()
	return err
}

// Resize sets the pty size, and the emulator's, when c is the owner.
func (s *Session) Resize(c Client, cols, rows int) {
	s.mu.Lock()
	ok := s.owner != nil && s.owner.c == c && !s.finished
	x := s.x
	s.mu.Unlock()
	if !ok {
		return
	}
	if x == nil {
		s.proc.Resize(cols, rows)
		return
	}
	x.scr.vmu.Lock()
	s.resizeLocked(x, cols, rows)
	x.scr.vmu.Unlock()
}

// resizeForAttachLocked gives the session the new owner's size (a size
// change sends the program SIGWINCH by itself). With redraw (restore mode
// none: nothing is drawn for the client) and the same size, the program
// gets SIGWINCH anyway so that it redraws. dmu and vmu (if x) are held.
func (s *Session) resizeForAttachLocked(x *sessionExtra, cols, rows int, redraw bool) {
	if cols <= 0 || rows <= 0 {
		if redraw {
			s.proc.Signal(syscall.SIGWINCH)
		}
		return
	}
	oc, or := s.proc.Size()
	if oc == cols && or == rows {
		if redraw {
			s.proc.Signal(syscall.SIGWINCH)
		}
		return
	}
	if x == nil {
		s.proc.Resize(cols, rows)
		return
	}
	s.resizeLocked(x, cols, rows)
}

// ErrCollected is returned for a Closed session another request already
// collected.
var ErrCollected = errors.New("session already collected")

// Info describes the session relative to caller.
func (s *Session) Info(caller Viewer) Info {
	s.mu.Lock()
	defer s.mu.Unlock()
	cols, rows := s.proc.Size()
	info := Info{
		ID:              s.ID,
		Name:            s.Name(),
		Configuration:   s.Configuration,
		Command:         s.Command,
		Cwd:             s.Cwd,
		Pid:             s.proc.Pid(),
		Created:         s.Created,
		Cols:            cols,
		Rows:            rows,
		OutputBuffering: Block,
		BufferSize:      s.limit,
		Suspended:       s.suspended,
	}
	if s.dropMode {
		info.OutputBuffering = Drop
	}
	if x := s.x; x != nil {
		info.Buffered, info.Dropped = x.buf.unreceived(), x.buf.dropped
		info.IdleTimeout = x.idleTimeout
		if x.idleTimer != nil {
			info.IdleExpires = s.idleStartLocked().Add(x.idleTimeout)
		}
		info.LogFile, info.LogError = x.log.path, x.log.err
	}
	if s.owner != nil {
		info.Clients++
		info.Holder = s.owner.ClientInfo
	}
	info.Clients += len(s.watchers)
	switch {
	case s.owner != nil:
		info.LastClient = s.owner.From
	case len(s.watchers) > 0:
		info.LastClient = s.watchers[len(s.watchers)-1].From
	default:
		info.LastClient = s.lastFrom
		info.DisconnectedSince = s.idleStartLocked()
	}
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
	case s.broken && len(s.watchers) == 0:
		info.State, info.Availability = StateBroken, AvailNone
	default:
		info.State, info.Availability = StateDisconnected, AvailNone
	}
	return info
}

// Info is a snapshot of a session for listing.
type Info struct {
	ID              int
	Name            string
	State           string
	Availability    string
	Configuration   string
	Command         []string
	Cwd             string
	Pid             int
	Created         time.Time
	Clients         int
	Cols, Rows      int
	Holder          ClientInfo        // the read-write client, if any
	Exit            *shell.ExitStatus // once Closed
	OutputBuffering string
	BufferSize      int64
	Buffered        int64 // unreceived bytes held
	Dropped         int64 // bytes discarded in drop mode
	Suspended       bool  // block mode: the program's output is not being read
	IdleTimeout     time.Duration
	IdleExpires     time.Time // zero: not counting (attached, or no timeout)
	LogFile         string
	LogError        string
	// LastClient is the From of the read-write client, else of the
	// watcher that attached last, else of the client that left last ("":
	// never attached, or unknown). DisconnectedSince is when the last
	// client left, or the creation for a session never attached; zero
	// while a client (read-only ones too) is attached.
	LastClient        string
	DisconnectedSince time.Time
}

// Viewer is who asks about a session (socket.Caller, as the server passes
// it on): State and Availability are relative to it.
type Viewer struct {
	TTY       string // the caller's terminal
	SessionID int    // $LINGER_SESSION_ID of the caller, 0 if none
}

// inside reports whether the caller runs inside session s: on its pty, or
// (without a terminal, e.g. a script in the session) with its ID in the
// environment.
func (c Viewer) inside(s *Session) bool {
	if c.TTY != "" && c.TTY == s.proc.PtyName() {
		return true
	}
	return c.TTY == "" && c.SessionID == s.ID
}
