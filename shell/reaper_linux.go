package shell

import (
	"os"
	"os/signal"
	"sync"
	"syscall"

	"golang.org/x/sys/unix"
)

// reaper collects the exits of every Process with one goroutine, woken by
// SIGCHLD. It waits only for the pids it started (wait4(pid, WNOHANG) for
// each), never wait4(-1): that would steal the children of any os/exec
// user elsewhere in the program. The cost is O(live processes) cheap
// syscalls per SIGCHLD.
var reaper struct {
	once  sync.Once
	mu    sync.Mutex // held across fork+insert, so a sweep never misses a new pid
	procs map[int]*Process
}

func ensureReaper() {
	reaper.once.Do(func() {
		reaper.procs = make(map[int]*Process)
		ch := make(chan os.Signal, 1)
		signal.Notify(ch, syscall.SIGCHLD)
		go func() {
			var pids []int
			for {
				pids = sweep(pids[:0])
				<-ch
			}
		}()
	})
}

// spawn forks and execs under the reaper lock and registers p. Why the
// lock is enough: the child may exit and its SIGCHLD be delivered before p
// is in the map, but the sweep that signal triggers takes its snapshot
// under the lock, i.e. after the insert.
func spawn(p *Process, path string, argv []string, attr *syscall.ProcAttr) error {
	ensureReaper()
	reaper.mu.Lock()
	defer reaper.mu.Unlock()
	pid, err := syscall.ForkExec(path, argv, attr) // on failure the child is already reaped
	if err != nil {
		return err
	}
	p.pid = pid
	reaper.procs[pid] = p
	return nil
}

// sweep reaps every exited registered process, using pids as scratch.
func sweep(pids []int) []int {
	reaper.mu.Lock()
	for pid := range reaper.procs {
		pids = append(pids, pid)
	}
	reaper.mu.Unlock()
	for _, pid := range pids {
		var ws unix.WaitStatus
		got, err := unix.Wait4(pid, &ws, unix.WNOHANG, nil)
		for err == unix.EINTR {
			got, err = unix.Wait4(pid, &ws, unix.WNOHANG, nil)
		}
		var st ExitStatus
		switch {
		case err == unix.ECHILD:
			// Someone else reaped it (wait4(-1) or SIGCHLD ignored elsewhere
			// in the program): the status is lost.
			st = ExitStatus{Code: -1}
		case err != nil, got != pid, !ws.Exited() && !ws.Signaled():
			continue
		default:
			st = exitStatusOf(ws)
		}
		reaper.mu.Lock()
		p := reaper.procs[pid]
		delete(reaper.procs, pid)
		reaper.mu.Unlock()
		p.finish(st)
	}
	return pids
}
