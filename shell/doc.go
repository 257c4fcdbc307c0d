// Package shell owns pty-backed processes: it spawns a program on a new
// pseudo-terminal as a session leader, moves bytes to and from the pty
// master, resizes and signals it, reaps it and reports how it ended.
//
// It must not know about sessions, sockets, clients, naming or persistence:
// those belong to the packages above it. A [Process] is just a program and
// the master side of its terminal.
//
// Cost model: an idle process holds no goroutine, no OS thread, no read
// buffer and no runtime poller registration of its own, only the pty
// master's descriptor (non-blocking). Output that is there is read from it
// directly. A goroutine that must wait in [Process.ReadSome] (or in a
// [Process.Write] with the input queue full) waits on a duplicate of it
// registered with Go's runtime poller, so it parks without pinning a
// thread; the duplicate is made on demand and closed once the reader hands
// the process to the idle watcher. The 32 KiB read buffer is taken from a
// package-level pool only once output is readable. A caller with nothing
// to wait for hands the process to the package's idle watcher
// ([Process.WhenReadable]: one epoll instance and one goroutine for all)
// and lets its goroutine end. Exits are collected by
// one package-level reaper goroutine driven by SIGCHLD, and
// [Process.Terminate] escalates to SIGKILL from a timer.
//
// Processes are started with syscall.ForkExec and reaped with wait4 on
// their own pids; the package deliberately avoids os/exec and os.Process so
// nothing else waits for its children. It only waits for pids it started,
// so children that other packages start with os/exec are left alone.
//
// Programs start with the default action for the job-control and
// termination signals even when the server inherited them ignored (nohup,
// a script's background job): see UnignoreSignals. Otherwise a server
// started under nohup would make Terminate's hangup a no-op.
package shell
