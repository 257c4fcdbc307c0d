package socket

// Unix stream sockets on bare system calls, without package net.
//
// Why: package net carries the cgo DNS resolver, so linking it links
// runtime/cgo, and a plain `go build` (cgo on wherever gcc is) makes a
// dynamically linked binary that pays the dynamic loader and libc's start
// on every command: ~0.5ms of the ~3ms a `linger ls` takes. A unix socket
// needs six system calls; the runtime poller comes with os.File, which
// registers a non-blocking descriptor with it and gives deadlines.

import (
	"errors"
	"os"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// Stream is any reliable, ordered byte stream a Conn can run over: a unix
// socket (the *os.File that Dial and Listener.Accept return: non-blocking,
// on the runtime poller, so reads and writes park goroutines, not threads,
// and deadlines work), a pipe pair such as an ssh child's stdin and stdout,
// a TLS connection, or a *net.UnixConn in a test.
//
// A stream that is a unix socket (it has SyscallConn and a unix address)
// has two capabilities no other stream has: passing a descriptor with a
// frame (fd.go: direct mode) and the peer's credentials (PeerCred). A
// stream with SyscallConn is written with writev(2); others with one
// Write per frame.
type Stream interface {
	Read(p []byte) (int, error)
	Write(p []byte) (int, error)
	Close() error
	SetReadDeadline(t time.Time) error
	SetWriteDeadline(t time.Time) error
}

// isUnixSocket reports whether s is a unix domain socket.
func isUnixSocket(s Stream) bool {
	sc, ok := s.(syscall.Conn)
	if !ok {
		return false
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return false
	}
	var domain int
	var serr error
	if err := rc.Control(func(fd uintptr) {
		domain, serr = unix.GetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_DOMAIN)
	}); err != nil || serr != nil {
		return false
	}
	return domain == unix.AF_UNIX
}

// socketFile makes fd (a socket, close-on-exec) non-blocking and returns it
// as a pollable *os.File named name. It consumes fd.
func socketFile(fd int, name string) (*os.File, error) {
	if err := unix.SetNonblock(fd, true); err != nil {
		unix.Close(fd)
		return nil, os.NewSyscallError("setnonblock", err)
	}
	return os.NewFile(uintptr(fd), name), nil
}

// connectUnix connects a new socket to path, waiting while the server's
// backlog is full as a blocking connect does.
func connectUnix(path string) (*os.File, error) {
	fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, os.NewSyscallError("socket", err)
	}
	for {
		err = unix.Connect(fd, &unix.SockaddrUnix{Name: path})
		if err != unix.EINTR {
			break
		}
	}
	if err != nil {
		unix.Close(fd)
		return nil, os.NewSyscallError("connect", err)
	}
	return socketFile(fd, path)
}

// writev writes bufs with as few writev(2) calls as the socket takes,
// waiting on the poller (and so for the write deadline) while it is full.
// It returns the bytes written.
func writev(rc syscall.RawConn, bufs [][]byte) (int, error) {
	total := 0
	for len(bufs) > 0 {
		var n int
		var werr error
		err := rc.Write(func(fd uintptr) bool {
			for {
				n, werr = unix.Writev(int(fd), bufs)
				if werr != unix.EINTR {
					return werr != unix.EAGAIN
				}
			}
		})
		if err == nil && werr != nil {
			err = os.NewSyscallError("writev", werr)
		}
		if err != nil {
			return total, err
		}
		total += n
		for n > 0 && len(bufs) > 0 {
			if n < len(bufs[0]) {
				bufs[0] = bufs[0][n:]
				break
			}
			n -= len(bufs[0])
			bufs = bufs[1:]
		}
		for len(bufs) > 0 && len(bufs[0]) == 0 {
			bufs = bufs[1:]
		}
	}
	return total, nil
}

// CloseWrite shuts down the sending side of s: the peer reads EOF once it
// has read what was sent. A stream that is not a socket is closed instead,
// unless it has a CloseWrite of its own (TCP, TLS).
func CloseWrite(s Stream) error {
	if cw, ok := s.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	sc, ok := s.(syscall.Conn)
	if !ok || !isUnixSocket(s) {
		return s.Close()
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return err
	}
	var serr error
	if err := rc.Control(func(fd uintptr) { serr = unix.Shutdown(int(fd), unix.SHUT_WR) }); err != nil {
		return err
	}
	return os.NewSyscallError("shutdown", serr)
}

// errno is the system error in err (from a syscall.Errno, a
// *os.SyscallError or a *os.PathError), or err itself.
func errno(err error) error {
	var e syscall.Errno
	if errors.As(err, &e) {
		return e
	}
	return err
}
