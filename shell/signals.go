package shell

import (
	"os"
	"os/signal"
	"sync"
	"syscall"
)

// childDefaultSignals are the signals a program in a session must see with
// their default action, whatever the server inherited: nohup leaves SIGHUP
// ignored, and a shell's background job ('linger new -d x &' in a script)
// starts with SIGINT and SIGQUIT ignored. Ignored dispositions survive
// fork and exec, so without this a session's shell would shrug off the
// hangup Terminate sends and the Ctrl-C its user types.
var childDefaultSignals = []os.Signal{
	syscall.SIGHUP, syscall.SIGINT, syscall.SIGQUIT, syscall.SIGTERM,
	syscall.SIGTSTP, syscall.SIGTTIN, syscall.SIGTTOU, syscall.SIGUSR1, syscall.SIGUSR2,
	syscall.SIGALRM, syscall.SIGWINCH, syscall.SIGPIPE,
}

var unignoreOnce sync.Once

// UnignoreSignals makes the signals this process ignores (of those above)
// default in the programs it starts from now on, and leaves them ignored
// in this process. Start calls it; a program that starts processes another
// way (a test's os/exec) may call it too.
//
// How: Go resets to the default, in a forked child, every signal the
// runtime has a handler for; a signal.Notify installs that handler. The
// channel is never read, so a signal that arrives is dropped, which is
// what ignoring it did. Signals that were not ignored are left alone.
func UnignoreSignals() {
	unignoreOnce.Do(func() {
		var ignored []os.Signal
		for _, sig := range childDefaultSignals {
			if signal.Ignored(sig) {
				ignored = append(ignored, sig)
			}
		}
		if len(ignored) > 0 {
			signal.Notify(make(chan os.Signal, 1), ignored...)
		}
	})
}
