package shell

// Non-blocking I/O without the scheduler's syscall state.
//
// An ordinary system call from Go (syscall.Syscall, which os.File, unix.Read
// and unix.Poll use) first tells the scheduler that the goroutine may block.
// When the process is idle, the runtime's monitor thread (sysmon) sleeps,
// and entering such a call wakes it with a futex: on a key's way through
// the server (keyboard read, write to the program, output read, write to
// the terminal) that was one more thread wake-up, right before the write,
// after which sysmon polls every 20 µs for a while, waking a CPU each time.
// On a two-CPU VM where waking an idle CPU is what an echo costs, that
// was worth about 0.15x of raw's echo latency (see the commit message).
//
// The calls below do not wait for I/O (the descriptor is non-blocking, or
// the timeout is zero), so they need not be announced: they are made with
// unix.RawSyscall. At worst a read or poll of a terminal with no input
// waits for the kernel's flush of its input buffer to finish (work already
// running), as long as a short computation, during which the goroutine
// keeps its P. Waiting for I/O stays with the runtime poller.

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// RawRead is read(2) on a non-blocking descriptor, made without entering
// the scheduler's syscall state. It must not be used on a descriptor that
// can block.
func RawRead(fd int, p []byte) (int, error) {
	var b unsafe.Pointer
	if len(p) > 0 {
		b = unsafe.Pointer(&p[0])
	}
	n, _, errno := unix.RawSyscall(unix.SYS_READ, uintptr(fd), uintptr(b), uintptr(len(p)))
	if errno != 0 {
		return 0, errno
	}
	return int(n), nil
}

// RawWrite is write(2) on a non-blocking descriptor, made without entering
// the scheduler's syscall state. It must not be used on a descriptor that
// can block.
func RawWrite(fd int, p []byte) (int, error) {
	var b unsafe.Pointer
	if len(p) > 0 {
		b = unsafe.Pointer(&p[0])
	}
	n, _, errno := unix.RawSyscall(unix.SYS_WRITE, uintptr(fd), uintptr(b), uintptr(len(p)))
	if errno != 0 {
		return 0, errno
	}
	return int(n), nil
}

// pollNow is poll(2) with a zero timeout, made without entering the
// scheduler's syscall state.
func pollNow(fds []unix.PollFd) (int, error) {
	var zero unix.Timespec
	n, _, errno := unix.RawSyscall6(unix.SYS_PPOLL, uintptr(unsafe.Pointer(&fds[0])), uintptr(len(fds)),
		uintptr(unsafe.Pointer(&zero)), 0, 0, 0)
	if errno != 0 {
		return 0, errno
	}
	return int(n), nil
}
