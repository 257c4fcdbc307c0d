package shell

import (
	"strconv"
	"strings"
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

// String describes the status, e.g. "status 3", "signal 9 (killed)" or
// "signal 11 (segmentation fault, core dumped)".
func (s ExitStatus) String() string {
	if s.Signal == 0 {
		return "status " + strconv.Itoa(s.Code)
	}
	// Go's names are strsignal's lower-case text, e.g. "killed"; signals
	// without one (real-time signals) come out as "signal N".
	desc := s.Signal.String()
	if strings.HasPrefix(desc, "signal ") {
		desc = ""
	}
	if s.Core {
		desc = strings.TrimPrefix(desc+", core dumped", ", ")
	}
	if desc == "" {
		return "signal " + strconv.Itoa(int(s.Signal))
	}
	return "signal " + strconv.Itoa(int(s.Signal)) + " (" + desc + ")"
}

// exitStatusOf converts a wait4 status of a terminated process.
func exitStatusOf(ws unix.WaitStatus) ExitStatus {
	if ws.Signaled() {
		return ExitStatus{Signal: ws.Signal(), Core: ws.CoreDump()}
	}
	return ExitStatus{Code: ws.ExitStatus()}
}
