package main

import (
	"errors"
	"fmt"
	"os"
	"regexp"
	"strings"
	"sync"

	"github.com/urfave/cli/v2"

	"linger/socket"
)

// Exit codes shared by every command.
const (
	exitOK    = 0 // success
	exitError = 1 // something went wrong; the message says what
	exitUsage = 2 // the command line was wrong

	exitSomeHosts = 4 // of several hosts (-H), some could not be reached or failed; the others' results are printed
)

// usageError marks an error in how linger was called (exit 2).
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

// usagef returns a usage error (exit status 2).
func usagef(format string, args ...any) error {
	return usageError{fmt.Sprintf(format, args...)}
}

// exitStatus carries an exit code without a message, for commands whose
// status is that of something else (an attached session's command).
type exitStatus int

func (e exitStatus) Error() string { return fmt.Sprintf("exit status %d", int(e)) }

// exitWith is the error that leaves with status (nil for 0), or err.
func exitWith(status int, err error) error {
	if err != nil {
		return err
	}
	if status != 0 {
		return exitStatus(status)
	}
	return nil
}

// onUsageError turns urfave/cli's flag parsing errors into our one-line form.
func onUsageError(c *cli.Context, err error, isSubcommand bool) error {
	msg := asWritten(err.Error(), rawArgs)
	if c.Command != nil && c.Command.Name != "" && c.Command.Name != "linger" {
		return usagef("%s (see '%s --help')", msg, c.Command.HelpName)
	}
	return usagef("%s (see 'linger --help')", msg)
}

// flagInError finds the flag in Go's flag package errors ("flag provided
// but not defined: -bogus", "invalid value "x" for flag -size: ...").
// It is compiled on first use: a regular expression compiled at start-up
// would cost every command.
var flagInError = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`(: |flag |for )-([^\s:=]+)`) })

// asWritten names the flag in a flag error as the user wrote it: Go's flag
// package says "-bogus" for "--bogus".
func asWritten(msg string, args []string) string {
	m := flagInError().FindStringSubmatchIndex(msg)
	if m == nil {
		return msg
	}
	name := msg[m[4]:m[5]]
	written := "-" + name
	for _, a := range args {
		if a == "--" {
			break
		}
		if n, _, ok := flagName(a); ok && n == name {
			written = a[:len(a)-len(strings.TrimLeft(a, "-"))] + name
			break
		}
	}
	return msg[:m[4]-1] + written + msg[m[5]:]
}

// exitCode prints err as "linger: ..." on stderr and returns the exit code.
func exitCode(err error) int {
	if err == nil {
		return exitOK
	}
	var st exitStatus
	if errors.As(err, &st) {
		return int(st)
	}
	var ue usageError
	var re *socket.ReplyError
	code := exitError
	if errors.As(err, &ue) || errors.As(err, &re) && re.Code == socket.ErrUsage {
		code = exitUsage
	}
	var ec cli.ExitCoder
	if errors.As(err, &ec) && !errors.As(err, &ue) {
		code = ec.ExitCode()
	}
	msg := strings.TrimPrefix(err.Error(), "linger: ")
	if msg != "" {
		fmt.Fprintf(os.Stderr, "linger: %s\n", msg)
	}
	return code
}
