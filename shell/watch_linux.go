package shell

// The idle watcher: one epoll instance and one goroutine for every
// process whose output nobody is waiting on right now. A goroutine parked
// in ReadSome costs its stack (2-8 KiB); for a thousand detached, quiet
// sessions that was most of the server's memory per session. A caller that
// has nothing to read hands the process to the watcher (WhenReadable) and
// lets its goroutine end; the watcher calls back when output (or the end
// of it) arrives, or when the process exits.
//
// The watcher's epoll descriptor is itself registered with Go's runtime
// poller, so its goroutine parks there like any other instead of holding
// an OS thread in epoll_wait for good: one thread fewer that the server
// needs (each costs it ~18 KiB and counts against the user's process
// limit; the server's idle reserve, server/threads.go, no longer gives
// one up to the watcher).

import (
	"os"
	"sync"
	"sync/atomic"
	"syscall"

	"golang.org/x/sys/unix"
)

var watch struct {
	once  sync.Once
	epfd  int             // the epoll instance, non-blocking
	rc    syscall.RawConn // epfd's, registered with the runtime poller
	err   error
	mu    sync.Mutex
	procs map[uint32]*Process // by watch id
	next  uint32
}

func startWatcher() error {
	watch.once.Do(func() {
		watch.epfd, watch.err = unix.EpollCreate1(unix.EPOLL_CLOEXEC)
		if watch.err != nil {
			return
		}
		if watch.err = unix.SetNonblock(watch.epfd, true); watch.err != nil {
			unix.Close(watch.epfd)
			return
		}
		// Never closed: the watcher lives as long as the program.
		watch.rc, watch.err = os.NewFile(uintptr(watch.epfd), "epoll").SyscallConn()
		if watch.err != nil {
			return
		}
		watch.procs = make(map[uint32]*Process)
		go watchLoop()
	})
	return watch.err
}

// watchLoop waits for armed processes to become readable and calls their
// callbacks. It parks on the runtime poller until the epoll instance has
// events, and takes them without blocking; it parks again only once none
// are left (the poller reports the epoll descriptor edge-triggered).
func watchLoop() {
	events := make([]unix.EpollEvent, 64)
	for {
		var n int
		err := watch.rc.Read(func(fd uintptr) bool {
			var err error
			n, err = unix.EpollWait(int(fd), events, 0)
			return err == nil && n > 0 // else (none, EINTR) wait
		})
		if err != nil { // not pollable after all: wait holding a thread
			if n, err = unix.EpollWait(watch.epfd, events, -1); err != nil {
				continue // EINTR
			}
		}
		for _, ev := range events[:n] {
			watch.mu.Lock()
			p := watch.procs[uint32(ev.Fd)]
			watch.mu.Unlock()
			if p != nil {
				p.fireReadable()
			}
		}
	}
}

// watchState is a Process's part in the watcher.
type watchState struct {
	id         uint32                 // 0: not registered
	onReadable atomic.Pointer[func()] // armed callback
}

// WhenReadable arranges for f to be called, once, from another goroutine,
// when the program has output to read (or its output has ended), or when
// it exits; it returns true. The caller then has nothing to wait for and
// its goroutine can end. It returns false, arming nothing, when output is
// readable now, the program has exited (ReadSome's drain of the last
// output needs a waiting reader), or the watcher cannot be used: the
// caller reads with ReadSome.
func (p *Process) WhenReadable(f func()) bool {
	if p.closed.Load() || p.eof.Load() || p.exited.Load() || startWatcher() != nil {
		return false
	}
	var ready bool
	if p.withFD(func(fd int) error { ready = readable(fd); return nil }) != nil || ready {
		return false
	}
	// The caller stops reading: it no longer needs the master's
	// registration with the runtime poller (process_linux.go, pollable).
	p.mu.Lock()
	p.unpollLocked(true)
	p.mu.Unlock()
	p.watch.onReadable.Store(&f)
	ev := unix.EpollEvent{Events: unix.EPOLLIN | unix.EPOLLRDHUP | unix.EPOLLONESHOT}
	op := unix.EPOLL_CTL_MOD
	var cerr error
	p.watchMu.Lock()
	if p.watch.id == 0 {
		op = unix.EPOLL_CTL_ADD
		watch.mu.Lock()
		watch.next++
		if watch.next == 0 {
			watch.next++
		}
		p.watch.id = watch.next
		watch.procs[p.watch.id] = p
		watch.mu.Unlock()
	}
	ev.Fd = int32(p.watch.id)
	err := p.withFD(func(fd int) error { cerr = unix.EpollCtl(watch.epfd, op, fd, &ev); return nil })
	if err == nil {
		err = cerr
	}
	p.watchMu.Unlock()
	if err != nil {
		// cannot watch: read the usual way, unless the callback already ran
		return !p.watch.onReadable.CompareAndSwap(&f, nil)
	}
	if p.exited.Load() || p.closed.Load() {
		p.fireReadable() // exited while arming: finish may have missed the callback
	}
	return true
}

// fireReadable runs the armed callback, at most once per arming.
func (p *Process) fireReadable() {
	if f := p.watch.onReadable.Swap(nil); f != nil {
		(*f)()
	}
}

// unwatch removes p from the watcher before its descriptor is closed (a
// new pty may get the same number). watchMu is held.
func (p *Process) unwatchLocked() {
	if p.watch.id == 0 {
		return
	}
	p.withFD(func(fd int) error { return unix.EpollCtl(watch.epfd, unix.EPOLL_CTL_DEL, fd, nil) })
	watch.mu.Lock()
	delete(watch.procs, p.watch.id)
	watch.mu.Unlock()
	p.watch.id = 0
}
