package socket

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"syscall"

	"golang.org/x/sys/unix"
)

// DefaultPath is the socket of the server called name:
// $XDG_RUNTIME_DIR/linger/NAME.sock, else /tmp/linger-UID/NAME.sock.
func DefaultPath(name string) (string, error) {
	if name == "" || name == "." || name == ".." || filepath.Base(name) != name {
		return "", fmt.Errorf("invalid server name %q (use letters, digits, '-' and '_')", name)
	}
	if dir := os.Getenv("XDG_RUNTIME_DIR"); dir != "" {
		return filepath.Join(dir, "linger", name+".sock"), nil
	}
	return filepath.Join(os.TempDir(), "linger-"+strconv.Itoa(os.Getuid()), name+".sock"), nil
}

// CheckDir makes sure dir is safe to hold a socket: a real directory (not a
// symlink) owned by us (or root) and closed to group and others. When create
// is true a missing directory is created 0700.
func CheckDir(dir string, create bool) error {
	fi, err := os.Lstat(dir)
	if errors.Is(err, os.ErrNotExist) && create {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return fmt.Errorf("cannot create socket directory %s (%v)", dir, unwrapPath(err))
		}
		fi, err = os.Lstat(dir)
	}
	if err != nil {
		return fmt.Errorf("socket directory %s: %v", dir, unwrapPath(err))
	}
	if fi.Mode()&os.ModeSymlink != 0 {
		return fmt.Errorf("socket directory %s is a symlink (refusing it: use a real directory)", dir)
	}
	if !fi.IsDir() {
		return fmt.Errorf("socket directory %s is not a directory", dir)
	}
	st := fi.Sys().(*syscall.Stat_t)
	if uid := uint32(os.Geteuid()); st.Uid != uid && st.Uid != 0 {
		return fmt.Errorf("socket directory %s is owned by uid %d, not you (uid %d): use a directory of your own", dir, st.Uid, uid)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return fmt.Errorf("socket directory %s has unsafe permissions %04o (run 'chmod 700 %s')", dir, fi.Mode().Perm(), dir)
	}
	return nil
}

func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// Listener is a unix socket listener that removes its socket file on Close
// only while the file is still its own (a newer server may have replaced it).
type Listener struct {
	f      *os.File // the listening socket, non-blocking, on the poller
	rc     syscall.RawConn
	path   string
	ino    uint64
	closed atomic.Bool
}

// ErrServerRunning is returned by Listen when a live server answers on path.
var ErrServerRunning = errors.New("a server is already running")

// Listen creates the socket at path (mode 0600) in a checked directory,
// replacing a stale socket left by a dead server.
func Listen(path string) (*Listener, error) {
	if err := CheckDir(filepath.Dir(path), true); err != nil {
		return nil, err
	}
	if fi, err := os.Lstat(path); err == nil {
		if fi.Mode()&os.ModeSocket == 0 {
			return nil, fmt.Errorf("%s exists and is not a socket (remove it or use another -S path)", path)
		}
		if c, err := connectUnix(path); err == nil {
			c.Close()
			return nil, fmt.Errorf("%w on %s", ErrServerRunning, path)
		}
		os.Remove(path) // stale: its server is gone
	}
	f, err := listenUnix(path)
	if err != nil {
		return nil, fmt.Errorf("error creating %s (%v)", path, errno(err))
	}
	rc, err := f.SyscallConn()
	if err != nil {
		f.Close()
		return nil, err
	}
	os.Chmod(path, 0o600)
	var st unix.Stat_t
	unix.Stat(path, &st)
	return &Listener{f: f, rc: rc, path: path, ino: st.Ino}, nil
}

// listenUnix binds a new socket to path (with umask 0177: never, even for
// a moment, open to others) and listens on it.
func listenUnix(path string) (*os.File, error) {
	fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, os.NewSyscallError("socket", err)
	}
	old := unix.Umask(0o177)
	err = unix.Bind(fd, &unix.SockaddrUnix{Name: path})
	unix.Umask(old)
	if err == nil {
		err = unix.Listen(fd, unix.SOMAXCONN) // the kernel caps it at net.core.somaxconn
	}
	if err != nil {
		unix.Close(fd)
		return nil, os.NewSyscallError("listen", err)
	}
	return socketFile(fd, path)
}

// Accept waits for the next connection. After Close it returns an error
// wrapping os.ErrClosed.
func (l *Listener) Accept() (*os.File, error) {
	var nfd int
	var aerr error
	err := l.rc.Read(func(fd uintptr) bool {
		for {
			nfd, _, aerr = unix.Accept4(int(fd), unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC)
			if aerr != unix.EINTR && aerr != unix.ECONNABORTED {
				return aerr != unix.EAGAIN
			}
		}
	})
	if l.closed.Load() {
		if aerr == nil && err == nil {
			unix.Close(nfd)
		}
		return nil, fmt.Errorf("accept on %s: %w", l.path, os.ErrClosed)
	}
	if err == nil && aerr != nil {
		err = os.NewSyscallError("accept", aerr)
	}
	if err != nil {
		return nil, err
	}
	return os.NewFile(uintptr(nfd), l.path), nil
}

// Close stops listening (an Accept in progress returns) and removes the
// socket if it is still ours.
func (l *Listener) Close() error {
	if !l.closed.CompareAndSwap(false, true) {
		return nil
	}
	var st unix.Stat_t
	if unix.Stat(l.path, &st) == nil && st.Ino == l.ino {
		os.Remove(l.path)
	}
	return l.f.Close()
}

// PeerCred returns the uid and pid of the process at the other end of a
// unix socket.
func PeerCred(c syscall.Conn) (uid uint32, pid int32, err error) {
	rc, err := c.SyscallConn()
	if err != nil {
		return 0, 0, err
	}
	var cred *unix.Ucred
	var cerr error
	err = rc.Control(func(fd uintptr) {
		cred, cerr = unix.GetsockoptUcred(int(fd), unix.SOL_SOCKET, unix.SO_PEERCRED)
	})
	if err == nil {
		err = cerr
	}
	if err != nil {
		return 0, 0, err
	}
	return cred.Uid, cred.Pid, nil
}

// Allowed reports whether a peer uid may use a server run by us: the same
// user, or root.
func Allowed(uid uint32) bool {
	return uid == uint32(os.Geteuid()) || uid == 0
}
