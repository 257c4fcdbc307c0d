package server

import (
	"runtime"
	"sync"
)

// spareThreads is how many idle OS threads the server keeps in reserve.
const spareThreads = 16

// reserveThreads makes the Go runtime start n OS threads and leaves them
// idle, for the runtime to use before it ever asks the kernel for another.
//
// Why: the server runs as its user and shares the user's process limit
// (ulimit -u, RLIMIT_NPROC, which counts threads) with every program in
// every session. When it is reached, fork fails with EAGAIN and `new` says
// so; but a thread the runtime cannot create aborts the whole process (Go
// cannot recover from that), and with it every session. A session that
// forks until the limit must not take the others down. The runtime keeps
// idle threads for good and takes one of them when a goroutine needs a
// thread, e.g. while another is in a slow system call; a new thread is
// created only when all are busy.
func reserveThreads(n int) {
	var locked, release sync.WaitGroup
	locked.Add(n)
	release.Add(1)
	for i := 0; i < n; i++ {
		go func() {
			// A goroutine locked to its thread parks with it: the next one
			// needs another thread.
			runtime.LockOSThread()
			locked.Done()
			release.Wait()
			runtime.UnlockOSThread() // and it exits: its thread goes idle
		}()
	}
	locked.Wait()
	release.Done()
}
