package shell

import (
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/creack/pty"
	"golang.org/x/sys/unix"
)

// Options describe the program to start.
type Options struct {
	Argv       []string // command and args; Argv[0] is looked up in the PATH found in Env (not the server's PATH) unless it contains a '/'
	Env        []string // full environment, "K=V"
	Dir        string   // working directory ("" = inherit)
	Cols, Rows int      // initial pty size (0 => 80x24)
}

// drainTimeout is how long ReadSome waits for more output once the process
// has been reaped: background jobs may keep the pty slave open forever, so
// the end of output is "no slave left" (EIO) or "quiet for this long".
const drainTimeout = 250 * time.Millisecond

// Process is a program running on its own pty. Its methods are safe for
// concurrent use, but ReadSome should have one caller at a time.
type Process struct {
	pid     int
	ptyName string
	onExit  func(ExitStatus)

	// fd is the pty master, non-blocking and close-on-exec. Whatever does
	// not wait (reading output that is there, ioctls, the idle watcher's
	// epoll, writing what fits) uses it directly, holding fdMu for reading
	// so that Close, which holds it for writing, cannot close it (and the
	// number be reused) underneath. It is -1 once closed.
	fdMu sync.RWMutex
	fd   int

	closed atomic.Bool // Close was called
	eof    atomic.Bool // ReadSome returned io.EOF; it is sticky
	exited atomic.Bool // reaped; mirrors mu-guarded reaped for ReadSome

	watchMu sync.Mutex // guards watch.id (watch_linux.go)
	watch   watchState

	mu         sync.Mutex
	cols, rows int
	reaped     bool
	status     ExitStatus
	killTimer  *time.Timer // pending SIGKILL from Terminate
	poll       *pollFile   // see pollable
}

// pollFile is a duplicate of a Process's master registered with the
// runtime poller, for waiting: a parked ReadSome (an attached session's
// pump) or a Write that must wait for room. A registered descriptor costs
// the runtime a 512-byte poll descriptor, an os.File and a finalizer; a
// thousand quiet detached sessions, whose output the idle watcher waits
// for, need none of it. It is made on first need and closed when the
// reader hands the process to the idle watcher (WhenReadable) and no
// writer uses it, or on Close.
type pollFile struct {
	f        *os.File
	rc       syscall.RawConn
	reader   bool // a ReadSome caller keeps it until WhenReadable
	users    int  // Writes waiting on it
	unparked bool // Unpark set a read deadline in the past
}

// ErrUnparked is returned by a ReadSome that Unpark ended: nothing was read.
var ErrUnparked = errors.New("shell: read unparked")

// Unpark makes a ReadSome that waits on the runtime poller (or the next
// one that would) return ErrUnparked without reading, so that its caller
// can hand the process to the idle watcher (WhenReadable) and end its
// goroutine: a session whose last client detached. Output that is there
// is still returned first. It does nothing once the process has exited
// (the reader then drains the output and ends).
func (p *Process) Unpark() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if pf := p.poll; pf != nil && pf.reader && !p.reaped {
		pf.unparked = true
		_ = pf.f.SetReadDeadline(time.Unix(1, 0)) // in the past: wakes the reader
	}
}

// unparkedLocked reports whether Unpark ended the wait on pf, clearing it.
// mu is held.
func (p *Process) unparkedLocked(pf *pollFile) bool {
	if !pf.unparked {
		return false
	}
	pf.unparked = false
	if !p.reaped {
		_ = pf.f.SetReadDeadline(time.Time{})
	}
	return true
}

// Start spawns opts.Argv on a new pty as a session leader (setsid) with the
// pty as controlling terminal and foreground process group, and with
// stdin, stdout and stderr on the pty slave. The parent keeps only the
// master. onExit (may be nil) is called exactly once, from the package's
// reaper goroutine, after the process has been reaped; it must not block,
// since it delays the reaping of every other process.
//
// Errors are one line and name the command, e.g.
//
//	cannot start "nosuchcmd": executable file not found in $PATH
//	cannot start "/etc/passwd": permission denied
//	cannot start "ls": working directory "/nope": no such file or directory
//
// They wrap the cause (ErrNotFound, or a syscall.Errno such as EACCES), and
// a failed Start leaves no file descriptor or child process behind.
func Start(opts Options, onExit func(ExitStatus)) (*Process, error) {
	if len(opts.Argv) == 0 || opts.Argv[0] == "" {
		return nil, errors.New("cannot start: empty command")
	}
	name := opts.Argv[0]
	fail := func(err error) (*Process, error) {
		return nil, fmt.Errorf("cannot start %q: %w", name, err)
	}
	cols, rows := opts.Cols, opts.Rows
	if cols == 0 {
		cols = 80
	}
	if rows == 0 {
		rows = 24
	}
	if err := checkSize(cols, rows); err != nil {
		return fail(err)
	}
	if opts.Dir != "" {
		if err := checkDir(opts.Dir); err != nil {
			return fail(fmt.Errorf("working directory %q: %w", opts.Dir, err))
		}
	}
	path, err := lookPath(name, envPath(opts.Env), opts.Dir)
	if err != nil {
		return fail(err)
	}

	master, slave, err := pty.Open()
	if err != nil {
		return fail(err)
	}
	defer slave.Close() // the child has its own copies; ours would stop EIO at the end
	sfd := slave.Fd()   // Fd makes the slave blocking, as the child expects
	if err := unix.IoctlSetWinsize(int(sfd), unix.TIOCSWINSZ, winsize(cols, rows)); err != nil {
		master.Close()
		return fail(fmt.Errorf("set pty size: %w", err))
	}
	fd, err := masterFD(master)
	if err != nil {
		return fail(err)
	}

	p := &Process{ptyName: slave.Name(), fd: fd, onExit: onExit, cols: cols, rows: rows}
	UnignoreSignals() // the program gets default dispositions (signals.go)
	attr := &syscall.ProcAttr{
		Dir:   opts.Dir,
		Env:   opts.Env,
		Files: []uintptr{sfd, sfd, sfd},
		Sys:   &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0},
	}
	if err := spawn(p, path, opts.Argv, attr); err != nil {
		unix.Close(fd)
		return fail(err)
	}
	return p, nil
}

// masterFD turns creack/pty's master (made blocking by its own Fd calls)
// into a non-blocking, close-on-exec descriptor of our own. It consumes
// master.
func masterFD(master *os.File) (int, error) {
	fd, err := unix.FcntlInt(master.Fd(), unix.F_DUPFD_CLOEXEC, 0)
	master.Close()
	if err != nil {
		return -1, fmt.Errorf("dup pty master: %w", err)
	}
	if err := unix.SetNonblock(fd, true); err != nil {
		unix.Close(fd)
		return -1, fmt.Errorf("pty master: %w", err)
	}
	return fd, nil
}

// withFD runs f on the master unless it is closed (os.ErrClosed).
func (p *Process) withFD(f func(fd int) error) error {
	p.fdMu.RLock()
	defer p.fdMu.RUnlock()
	if p.fd < 0 {
		return os.ErrClosed
	}
	return f(p.fd)
}

// pollable returns the master's registered duplicate, making it. reader
// says a ReadSome caller takes it (kept until WhenReadable); otherwise the
// caller is a writer and must call unpollLocked(false) when done.
func (p *Process) pollable(reader bool) (*pollFile, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed.Load() {
		return nil, os.ErrClosed // Close closed the last one (it set closed first)
	}
	if p.poll == nil {
		var dup int
		err := p.withFD(func(fd int) (err error) {
			dup, err = unix.FcntlInt(uintptr(fd), unix.F_DUPFD_CLOEXEC, 0)
			return err
		})
		if err != nil {
			return nil, err
		}
		f := os.NewFile(uintptr(dup), "/dev/ptmx") // non-blocking: registered with the poller
		rc, err := f.SyscallConn()
		if err != nil {
			f.Close()
			return nil, err
		}
		p.poll = &pollFile{f: f, rc: rc}
	}
	if reader {
		p.poll.reader = true
	} else {
		p.poll.users++
	}
	return p.poll, nil
}

// unpollLocked ends a use of the registered duplicate (a writer's, or with
// reader the reader's), closing it when nobody uses it. mu is held.
func (p *Process) unpollLocked(reader bool) {
	pf := p.poll
	if pf == nil {
		return
	}
	if reader {
		pf.reader = false
	} else {
		pf.users--
	}
	if !pf.reader && pf.users == 0 {
		pf.f.Close()
		p.poll = nil
	}
}

func checkDir(dir string) error {
	var st unix.Stat_t
	if err := unix.Stat(dir, &st); err != nil {
		return err
	}
	if st.Mode&unix.S_IFMT != unix.S_IFDIR {
		return syscall.ENOTDIR
	}
	return unix.Access(dir, unix.X_OK)
}

func checkSize(cols, rows int) error {
	if cols < 1 || rows < 1 || cols > 0xffff || rows > 0xffff {
		return fmt.Errorf("invalid pty size %dx%d", cols, rows)
	}
	return nil
}

func winsize(cols, rows int) *unix.Winsize {
	return &unix.Winsize{Col: uint16(cols), Row: uint16(rows)}
}

// Pid is the process id of the session leader (also its session and
// process group id).
func (p *Process) Pid() int { return p.pid }

// PtyName is the path of the pty slave, e.g. /dev/pts/3.
func (p *Process) PtyName() string { return p.ptyName }

// ReadSome blocks until the program has output and returns it, in a
// buffer of capacity 32 KiB that the caller must hand back with Release.
//
// The wait parks the goroutine on the runtime poller (no OS thread held)
// and the buffer is taken from the pool only once output is readable.
// Output is coalesced: after the first read, reading goes on without
// blocking until nothing is left or the buffer is full.
//
// It returns io.EOF when every holder of the pty slave has closed it (EIO
// from the master), after Close, or, once the process has been reaped,
// when no output has arrived for 250ms (background jobs may hold the slave
// open forever). Output that keeps flowing after the exit is still
// returned. io.EOF is sticky.
func (p *Process) ReadSome() ([]byte, error) {
	if p.closed.Load() || p.eof.Load() {
		return nil, io.EOF
	}
	var (
		buf  []byte
		n    int
		rerr error
	)
	take := func(fd uintptr) bool {
		if buf == nil {
			if !readable(int(fd)) {
				return false // wait, holding no buffer
			}
			buf = getBuf()
		}
		n, rerr = readMore(int(fd), buf)
		if n == 0 && rerr == nil { // spurious readiness
			Release(buf)
			buf = nil
			return false
		}
		return true
	}
	// A reader that waited before (an attached session's pump) waits on
	// the poller again. Otherwise output that is there (the idle watcher
	// said so, or the program is busy) is read without it; only a wait
	// registers. After an Unpark, output that is there comes first too
	// (the poller would report the deadline before reading).
	p.mu.Lock()
	pf := p.poll
	if pf != nil && !pf.reader {
		pf = nil // a writer's
	}
	look := pf == nil || pf.unparked
	p.mu.Unlock()
	var err error
	var took bool
	if look {
		err = p.withFD(func(fd int) error { took = take(uintptr(fd)); return nil })
		if err == nil && !took && pf == nil {
			pf, err = p.pollable(true)
		}
	}
	if !took && pf != nil && err == nil {
		if p.exited.Load() {
			_ = pf.f.SetReadDeadline(time.Now().Add(drainTimeout))
		}
		err = pf.rc.Read(take)
		if n == 0 && errors.Is(err, os.ErrDeadlineExceeded) && !p.exited.Load() {
			p.mu.Lock()
			unparked := p.unparkedLocked(pf)
			p.mu.Unlock()
			if unparked {
				return nil, ErrUnparked
			}
		}
	}
	if n > 0 {
		return buf[:n], nil // an error after data recurs on the next call
	}
	Release(buf)
	if err == nil {
		err = rerr
	}
	switch {
	case p.closed.Load(), errors.Is(err, os.ErrClosed), errors.Is(err, syscall.EIO), err == io.EOF,
		errors.Is(err, os.ErrDeadlineExceeded) && p.exited.Load():
		p.eof.Store(true)
		return nil, io.EOF
	}
	return nil, fmt.Errorf("read pty: %w", err)
}

// readable reports, without blocking, whether a read on fd would not
// return EAGAIN (data, hangup or error pending).
func readable(fd int) bool {
	fds := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
	for {
		n, err := pollNow(fds)
		if err == unix.EINTR {
			continue
		}
		// On a poll failure say "readable" so the read reports the error
		// rather than parking on an edge that may already have passed.
		return err != nil || n > 0
	}
}

// readMore fills buf from the non-blocking fd until EAGAIN, EOF, an error
// or a full buffer. The error is reported only if nothing was read.
func readMore(fd int, buf []byte) (int, error) {
	n := 0
	for n < len(buf) {
		m, err := RawRead(fd, buf[n:])
		switch {
		case err == unix.EINTR:
			continue
		case err == unix.EAGAIN:
			return n, nil
		case err != nil:
			if n > 0 {
				return n, nil
			}
			return 0, err
		case m == 0:
			if n > 0 {
				return n, nil
			}
			return 0, io.EOF
		}
		n += m
	}
	return n, nil
}

// Write sends input to the program. It waits on the poller while the
// pty's input queue is full (e.g. the program is stopped or not reading);
// Close makes such a Write return an error.
func (p *Process) Write(b []byte) (int, error) {
	n := 0
	err := p.withFD(func(fd int) error {
		for n < len(b) {
			m, err := RawWrite(fd, b[n:])
			switch {
			case err == unix.EINTR:
				continue
			case err == unix.EAGAIN:
				return nil // the rest waits on the poller
			case err != nil:
				return err
			}
			n += m
		}
		return nil
	})
	if err == nil && n < len(b) {
		var pf *pollFile
		if pf, err = p.pollable(false); err == nil {
			var m int
			m, err = pf.f.Write(b[n:])
			n += m
			p.mu.Lock()
			p.unpollLocked(false)
			p.mu.Unlock()
			if err != nil && p.closed.Load() {
				err = os.ErrClosed
			}
		}
	}
	if err != nil {
		var pe *os.PathError
		if !errors.As(err, &pe) {
			err = &os.PathError{Op: "write", Path: "/dev/ptmx", Err: err}
		}
	}
	return n, err
}

// TryWrite sends input to the program if the pty's input queue has room
// now, and never waits: what does not fit is dropped and counted short.
// It is for answers to terminal queries, which must not stall the caller.
func (p *Process) TryWrite(b []byte) (int, error) {
	var n int
	err := p.withFD(func(fd int) (err error) {
		n, err = RawWrite(fd, b) // once, whether or not it fits
		return err
	})
	return max(n, 0), err
}

// Resize sets the pty size (TIOCSWINSZ); if it changed, the kernel sends
// SIGWINCH to the foreground process group.
func (p *Process) Resize(cols, rows int) error {
	if err := checkSize(cols, rows); err != nil {
		return err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	err := p.withFD(func(fd int) error {
		return unix.IoctlSetWinsize(fd, unix.TIOCSWINSZ, winsize(cols, rows))
	})
	if err != nil {
		if p.closed.Load() {
			err = os.ErrClosed
		}
		return fmt.Errorf("resize pty: %w", err)
	}
	p.cols, p.rows = cols, rows
	return nil
}

// Size is the pty size last set by Start or Resize.
func (p *Process) Size() (cols, rows int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.cols, p.rows
}

// Signal sends sig to the session leader's process group and, if it is a
// different group, to the pty's foreground process group (a job started
// by a job-control shell). ESRCH (nobody left) is not an error. Once the
// process has been reaped and Close called, Signal does nothing.
//
// A reaped leader's group number stays taken while any member of the group
// lives (background jobs); once none does, the kernel may give the number
// to a new process, which may lead a group of its own: another program's,
// another user's terminal job. So after the reap the group is signalled
// only while no process has the leader's pid: one that has it proves the
// number was given out again and our group is gone. (pid_max is 32768 on
// many machines: numbers come round within minutes on a busy one.)
func (p *Process) Signal(sig syscall.Signal) error {
	if p.exited.Load() && p.closed.Load() {
		return nil
	}
	var err error
	if !p.exited.Load() || !pidInUse(p.pid) {
		err = killGroup(p.pid, sig)
	}
	if fg := p.Foreground(); fg > 1 && fg != p.pid {
		if e := killGroup(fg, sig); err == nil {
			err = e
		}
	}
	return err
}

// Foreground is the pty's foreground process group, or 0 if unknown.
func (p *Process) Foreground() int {
	pg := 0
	_ = p.withFD(func(fd int) error {
		if v, err := unix.IoctlGetInt(fd, unix.TIOCGPGRP); err == nil {
			pg = v
		}
		return nil
	})
	return pg
}

// pidInUse reports whether a process (or thread) has pid.
func pidInUse(pid int) bool {
	return unix.Kill(pid, 0) != unix.ESRCH
}

func killGroup(pgid int, sig syscall.Signal) error {
	if pgid <= 1 { // kill(-1) would signal everything
		return nil
	}
	if err := unix.Kill(-pgid, sig); err != nil && err != unix.ESRCH {
		return fmt.Errorf("signal %d to process group %d: %w", sig, pgid, err)
	}
	return nil
}

// Terminate ends the process group: SIGHUP, then SIGCONT so stopped jobs
// see it, to the groups Signal reaches; then, if the process has not been
// reaped within grace, SIGKILL to them. It returns at once; the SIGKILL
// comes from a timer. Calling it again, or after the exit, is harmless
// (a pending SIGKILL is not rescheduled).
func (p *Process) Terminate(grace time.Duration) {
	_ = p.Signal(syscall.SIGHUP)
	_ = p.Signal(syscall.SIGCONT)
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.reaped || p.killTimer != nil {
		return
	}
	p.killTimer = time.AfterFunc(grace, func() {
		p.mu.Lock()
		reaped := p.reaped
		p.mu.Unlock()
		if !reaped {
			_ = p.Signal(syscall.SIGKILL)
		}
	})
}

// Exited returns the exit status once the process has been reaped.
func (p *Process) Exited() (ExitStatus, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.status, p.reaped
}

// Close closes the pty master; use it once the output is drained (or not
// wanted). If the program still runs, the kernel hangs up its terminal.
// A blocked ReadSome returns io.EOF. Close is idempotent.
func (p *Process) Close() error {
	if !p.closed.CompareAndSwap(false, true) {
		return nil
	}
	p.watchMu.Lock()
	p.unwatchLocked()
	p.watchMu.Unlock()
	p.mu.Lock()
	if p.poll != nil {
		p.poll.f.Close() // a parked ReadSome or Write returns
		p.poll = nil
	}
	p.mu.Unlock()
	p.fdMu.Lock()
	err := unix.Close(p.fd)
	p.fd = -1
	p.fdMu.Unlock()
	p.fireReadable() // a caller waiting in the watcher reads the EOF
	if err != nil {
		return &os.PathError{Op: "close", Path: "/dev/ptmx", Err: err}
	}
	return nil
}

// finish records the exit; called once by the reaper.
func (p *Process) finish(st ExitStatus) {
	p.mu.Lock()
	p.status, p.reaped = st, true
	if p.killTimer != nil {
		p.killTimer.Stop()
	}
	p.exited.Store(true)
	// Wake a parked ReadSome so it can end the drain if nothing more comes
	// (one that parks later sets the deadline itself, seeing exited), or
	// the caller waiting in the watcher so that it reads the same way.
	if p.poll != nil {
		_ = p.poll.f.SetReadDeadline(time.Now().Add(drainTimeout))
	}
	p.mu.Unlock()
	p.fireReadable()
	if p.onExit != nil {
		p.onExit(st)
	}
}
