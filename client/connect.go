// Package client is the terminal side of linger: it connects to the server
// (starting one when needed) and runs the attach loop at the user's
// terminal. What happens on attach is in attach.go; the server's side of
// the same conversation is server/attach.go.
//
// It must not know how sessions are kept: it only speaks package socket's
// protocol.
package client

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"linger/socket"
)

// Options say how to reach the server.
type Options struct {
	Socket  string // socket path
	Config  string // configuration file to pass to a started server ("" = its default)
	Program string // "linger VERSION" for the hello
	LogFile string // where a started server writes its log
	// AutoStart starts a server when none answers (only commands that
	// create sessions do).
	AutoStart bool
}

// StartTimeout bounds how long we wait for a server we started.
const StartTimeout = 10 * time.Second

// Connect dials the server, starting one first if AutoStart is set and none
// is running. Two clients racing to start one end up with one server: the
// start is serialised by a lock file beside the socket, and whoever gets the
// lock dials again before starting anything.
func Connect(o Options) (*socket.Conn, error) {
	c, err := socket.Dial(o.Socket, o.Program)
	if err == nil || !o.AutoStart || !errors.Is(err, socket.ErrNoServer) {
		return c, err
	}
	return startServer(o)
}

func startServer(o Options) (*socket.Conn, error) {
	if err := socket.CheckDir(filepath.Dir(o.Socket), true); err != nil {
		return nil, err
	}
	lock, err := takeLock(o.Socket)
	if err != nil {
		return nil, err
	}
	defer lock.Close()
	// Someone may have started the server while we waited for the lock.
	if c, err := socket.Dial(o.Socket, o.Program); err == nil || !errors.Is(err, socket.ErrNoServer) {
		return c, err
	}

	exe, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("cannot find the linger binary to start a server (%v)", err)
	}
	args := []string{exe, "-S", o.Socket}
	if o.Config != "" {
		args = append(args, "-c", o.Config)
	}
	args = append(args, "server", "--daemon")
	if o.LogFile != "" {
		args = append(args, "--log", o.LogFile)
	}
	pr, pw, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	defer pr.Close()
	devnull, err := os.Open(os.DevNull)
	if err != nil {
		pw.Close()
		return nil, err
	}
	// fd 3: the lock, held by the server until it listens; fd 4: it writes
	// "ok" or its error there.
	p, err := os.StartProcess(exe, args, &os.ProcAttr{
		Dir:   "/",
		Env:   os.Environ(),
		Files: []*os.File{devnull, devnull, devnull, lock, pw},
		Sys:   &syscall.SysProcAttr{Setsid: true},
	})
	devnull.Close()
	pw.Close()
	if err != nil {
		return nil, fmt.Errorf("cannot start the server (%v)", err)
	}
	go p.Wait() // reap it if it exits while we live

	pr.SetReadDeadline(time.Now().Add(StartTimeout))
	line, err := bufio.NewReader(pr).ReadString('\n')
	line = strings.TrimSpace(line)
	switch {
	case line == "ok":
	case line != "":
		return nil, errors.New(strings.TrimPrefix(line, "linger: "))
	case errors.Is(err, os.ErrDeadlineExceeded):
		return nil, fmt.Errorf("the server did not start within %v (see %s)", StartTimeout, o.LogFile)
	default:
		return nil, fmt.Errorf("the server exited while starting (see %s)", o.LogFile)
	}
	return socket.Dial(o.Socket, o.Program)
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

// Flock takes the start lock for a server started by hand (linger server),
// so it cannot race a client that is starting one.
func Flock(socketPath string) (*os.File, error) {
	if err := socket.CheckDir(filepath.Dir(socketPath), true); err != nil {
		return nil, err
	}
	return takeLock(socketPath)
}

// takeLock locks <socket>.lock. An exiting server removes that file, so a
// lock taken on a file that is no longer at the path is worthless (another
// client may lock the new file at the same time): then we try again.
func takeLock(socketPath string) (*os.File, error) {
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
