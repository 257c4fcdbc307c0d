// Package daemon is how a server starts on demand, both sides of it in one
// place: a client that finds no server takes the start lock beside the
// socket and spawns `linger server --daemon` (Spawn); that process takes
// over the lock and reports on a pipe when it listens, or why it could
// not (Begin, Handover.Ready). A server started by hand takes the same
// lock, so it cannot race a client starting one.
//
// A server started on demand must outlive the login it was started from
// (an ssh login running `linger dial-stdio`, a terminal): it is in a
// session of its own (setsid), so the hangup of the login's terminal does
// not reach it, and, when a systemd user manager runs, in a systemd scope
// of its own, which logind's KillUserProcesses=yes does not end with the
// login (Spawn). The user manager itself ends with the user's last login
// unless lingering is enabled (`loginctl enable-linger`).
//
//	client                                  linger server --daemon
//	------                                  ----------------------
//	Lock(<socket>.lock)  (flock, exclusive)
//	dial again: someone may have won
//	Spawn: setsid (in a systemd scope
//	  of its own when systemd is there:
//	  systemd-run --user --scope),
//	  stdio /dev/null,
//	  fd 3 = the lock, fd 4 = a pipe  --->  Begin: takes fd 3 and fd 4,
//	                                         log to --log FILE
//	                                         ... listens on the socket ...
//	read one line from the pipe       <---  Ready(nil): "ok\n" (or the error,
//	                                         after removing the lock file),
//	                                         then closes fd 3: the lock is free
//	dial
//
// # What daemon must not do
//
// It does not speak the protocol or know what a server does; it starts a
// process, hands over a lock and a line of text.
package daemon

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// StartTimeout bounds the wait for the lock and for a spawned server.
const StartTimeout = 10 * time.Second

// Spawned is what Spawn starts.
type Spawned struct {
	Socket  string // the socket it listens on (-S)
	Config  string // configuration file to pass (-c); "" = its default
	LogFile string // where it appends its log (--log)
}

// Lock takes <socket>.lock, exclusively, waiting at most StartTimeout.
// An exiting server removes that file, so a lock taken on a file that is
// no longer at the path is worthless (another client may lock the new file
// at the same time): then it tries again. The socket's directory must
// exist.
func Lock(socketPath string) (*os.File, error) {
	path := socketPath + ".lock"
	deadline := time.Now().Add(StartTimeout)
	for {
		lock, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR|syscall.O_CLOEXEC, 0o600)
		if err != nil {
			return nil, fmt.Errorf("cannot create lock file %s (%v)", path, errors.Unwrap(err))
		}
		if err := flockTimeout(lock, time.Until(deadline)); err != nil {
			lock.Close()
			return nil, fmt.Errorf("waiting for the lock %s: %v", path, err)
		}
		var held, now unix.Stat_t
		if unix.Fstat(int(lock.Fd()), &held) == nil && unix.Stat(path, &now) == nil &&
			held.Ino == now.Ino && held.Dev == now.Dev {
			return lock, nil
		}
		lock.Close()
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("waiting for the lock %s: it keeps being replaced", path)
		}
	}
}

// RemoveLock removes the start lock file beside the socket when a server
// exits, unless someone holds it (a client starting a server) or another
// server now listens on the socket path.
func RemoveLock(socketPath string) {
	path := socketPath + ".lock"
	f, err := os.OpenFile(path, os.O_RDWR|syscall.O_CLOEXEC, 0)
	if err != nil {
		return
	}
	defer f.Close()
	fd := int(f.Fd())
	if unix.Flock(fd, unix.LOCK_EX|unix.LOCK_NB) != nil {
		return
	}
	if _, err := os.Lstat(socketPath); err == nil {
		return // a new server's socket: leave its lock alone
	}
	var held, named unix.Stat_t
	if unix.Fstat(fd, &held) == nil && unix.Stat(path, &named) == nil && held.Dev == named.Dev && held.Ino == named.Ino {
		os.Remove(path)
	}
}

// Unlock removes the start lock file beside the socket and releases the
// lock, which the caller holds (lock, from Lock or handed over): a start
// that failed leaves no lock file behind. Removing it while holding it is
// safe: whoever waits for it finds, once it is theirs, that the file is no
// longer at the path, and takes the new one (see Lock).
func Unlock(lock *os.File, socketPath string) {
	path := socketPath + ".lock"
	var held, named unix.Stat_t
	if unix.Fstat(int(lock.Fd()), &held) == nil && unix.Stat(path, &named) == nil && held.Dev == named.Dev && held.Ino == named.Ino {
		os.Remove(path)
	}
	lock.Close()
}

// flockTimeout takes an exclusive lock, polling so a stuck holder cannot
// block us forever.
func flockTimeout(f *os.File, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB)
		if err == nil {
			return nil
		}
		if !errors.Is(err, unix.EWOULDBLOCK) {
			return err
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("still held after %v", timeout)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// Spawn starts this program as `server --daemon` in a session of its own,
// hands it the lock (which the caller holds: it is released when the
// server listens) and waits until the server says it listens, or why it
// could not start. The caller keeps and closes its lock.
//
// When a systemd user manager runs for this user (Scope), the server
// starts in a scope of its own under that manager, so that logind's
// KillUserProcesses, which ends every process of a login (an ssh login
// included) when it ends, spares it; if systemd-run cannot make the scope
// (it exits without the server having said anything), the server starts
// as without systemd.
func Spawn(o Spawned, lock *os.File) error {
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("cannot find the linger binary to start a server (%v)", err)
	}
	args := []string{exe, "-S", o.Socket}
	if o.Config != "" {
		args = append(args, "-c", o.Config)
	}
	args = append(args, "server", "--daemon")
	if o.LogFile != "" {
		args = append(args, "--log", o.LogFile)
	}
	// systemd-run (v254 and later) expands $VAR in a scope's command line,
	// and --expand-environment=no, which would stop it, fails on older
	// ones: a path with a '$' starts without a scope rather than mangled.
	if run, prefix := scope(); run != "" && !strings.Contains(strings.Join(args, " "), "$") {
		err := spawn(run, append(prefix, args...), o.LogFile, lock, true)
		if !errors.Is(err, errSilent) {
			return err
		}
	}
	return spawn(exe, args, o.LogFile, lock, false)
}

// scope is how Spawn puts the server in a systemd scope of its own: the
// systemd-run program and its arguments before the server's command line,
// or "" when there is no systemd user manager to ask.
//
// The user manager is there when its private socket,
// $XDG_RUNTIME_DIR/systemd/private, is: `systemd --user` makes it, and
// systemd-run --user connects to it. A stat costs microseconds, where
// asking (`systemctl --user is-system-running`) would cost a process and
// a bus round trip on every start; a socket left over by a dead manager
// only costs a failed systemd-run, after which Spawn starts the server
// without it.
func scope() (run string, prefix []string) {
	dir := os.Getenv("XDG_RUNTIME_DIR")
	if dir == "" {
		return "", nil
	}
	if _, err := os.Stat(filepath.Join(dir, "systemd", "private")); err != nil {
		return "", nil
	}
	run, err := exec.LookPath("systemd-run")
	if err != nil {
		return "", nil
	}
	// --scope: systemd-run makes the scope, then execs the command itself,
	// so it keeps our descriptors (the lock, the pipe); --collect: the
	// scope is removed when the server ends, however it ends.
	return run, []string{run, "--user", "--scope", "--quiet", "--collect", "--"}
}

// errSilent is what spawn says, when asked to (silentErr), if the process
// it started exited without a word on the pipe.
var errSilent = errors.New("exited without a word")

// spawn starts argv (path, the program) as Spawn says and waits for its
// word.
func spawn(path string, argv []string, logFile string, lock *os.File, silentErr bool) error {
	pr, pw, err := os.Pipe()
	if err != nil {
		return err
	}
	defer pr.Close()
	devnull, err := os.Open(os.DevNull)
	if err != nil {
		pw.Close()
		return err
	}
	// fd 3: the lock, held by the server until it listens; fd 4: it writes
	// "ok" or its error there.
	p, err := os.StartProcess(path, argv, &os.ProcAttr{
		Dir:   "/",
		Env:   os.Environ(),
		Files: []*os.File{devnull, devnull, devnull, lock, pw},
		Sys:   &syscall.SysProcAttr{Setsid: true},
	})
	devnull.Close()
	pw.Close()
	if err != nil {
		return fmt.Errorf("cannot start the server (%v)", err)
	}
	go p.Wait() // reap it if it exits while we live

	pr.SetReadDeadline(time.Now().Add(StartTimeout))
	line, err := bufio.NewReader(pr).ReadString('\n')
	line = strings.TrimSpace(line)
	switch {
	case line == "ok":
		return nil
	case line != "":
		return errors.New(strings.TrimPrefix(line, "linger: "))
	case errors.Is(err, os.ErrDeadlineExceeded):
		return fmt.Errorf("the server did not start within %v (see %s)", StartTimeout, logFile)
	case silentErr:
		return errSilent
	default:
		return fmt.Errorf("the server exited while starting (see %s)", logFile)
	}
}

// Handover is the server's side: the start lock it holds until it
// listens, and, when a client spawned it, the pipe to report on.
type Handover struct {
	lock, pipe *os.File
	socket     string
	reported   bool
}

// Begin starts the server's side. A daemon (spawned) inherits the lock as
// fd 3 and the ready pipe as fd 4, and its output goes to logFile; a
// server started by hand takes the lock itself, creating and checking the
// socket's directory with checkDir first.
func Begin(daemon bool, socketPath, logFile string, checkDir func(dir string) error) (*Handover, error) {
	if daemon {
		h := &Handover{lock: os.NewFile(3, "lock"), pipe: os.NewFile(4, "ready"), socket: socketPath}
		if err := redirectOutput(logFile); err != nil {
			h.Ready(err)
			return nil, err
		}
		return h, nil
	}
	if err := checkDir(filepath.Dir(socketPath)); err != nil {
		return nil, err
	}
	lock, err := Lock(socketPath)
	if err != nil {
		return nil, err
	}
	return &Handover{lock: lock, socket: socketPath}, nil
}

// Ready reports, once: nil when the server listens, else why it could not
// start. It releases the lock; after a failure it also removes the lock
// file (the server that listens removes it when it exits: RemoveLock).
func (h *Handover) Ready(err error) {
	if h.reported {
		return
	}
	h.reported = true
	if err != nil {
		// before the client hears of it: it holds the same lock (one open
		// file, handed over), and is waiting for the line below
		Unlock(h.lock, h.socket)
	}
	if h.pipe != nil {
		if err != nil {
			fmt.Fprintf(h.pipe, "%v\n", err)
		} else {
			fmt.Fprintln(h.pipe, "ok")
		}
		h.pipe.Close()
	}
	h.lock.Close()
}

// redirectOutput points stdout and stderr at the log file.
func redirectOutput(path string) error {
	if path == "" {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("cannot create log directory %s (%v)", filepath.Dir(path), err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("cannot open log %s (%v)", path, err)
	}
	defer f.Close()
	for _, fd := range []int{1, 2} {
		if err := unix.Dup3(int(f.Fd()), fd, 0); err != nil {
			return fmt.Errorf("cannot redirect output to %s (%v)", path, err)
		}
	}
	return nil
}
