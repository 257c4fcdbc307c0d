package shell

import (
	"strconv"
	"syscall"

	"golang.org/x/sys/unix"
)

// ExitStatus is how a process ended.
type ExitStatus struct {
	Code   int            // exit code when Signal == 0; -1 if the status was lost (something else in the program reaped the child)
	Signal syscall.Signal // terminating signal, 0 if it exited normally
	Core   bool           // a core dump was written
}

// ShellCode is the status as a shell reports it in $?: Code, or 128+Signal.
func (s ExitStatus) ShellCode() int {
	if s.Signal != 0 {
		return 128 + int(s.Signal)
	}
	return s.Code
}

// String describes the status briefly, as `ls` shows it after "Closed"
// and attach in its [exited (...)] line: "status 3", "signal 15",
// "killed" (SIGKILL, the one signal whose number people do not need), and
// "signal 11, core dumped" when a core was written.
func (s ExitStatus) String() string {
	switch {
	case s.Signal == 0:
		return "status " + strconv.Itoa(s.Code)
	case s.Core:
		return "signal " + strconv.Itoa(int(s.Signal)) + ", core dumped"
	case s.Signal == syscall.SIGKILL:
		return "killed"
	}
	return "signal " + strconv.Itoa(int(s.Signal))
}

// exitStatusOf converts a wait4 status of a terminated process.
func exitStatusOf(ws unix.WaitStatus) ExitStatus {
	if ws.Signaled() {
		return ExitStatus{Signal: ws.Signal(), Core: ws.CoreDump()}
	}
	return ExitStatus{Code: ws.ExitStatus()}
}
