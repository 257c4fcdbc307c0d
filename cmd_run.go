package main

import (
	"os"
	"time"

	"github.com/urfave/cli/v2"

	"linger/socket"
)

func runCommand() *cli.Command {
	return &cli.Command{
		Name:      "run",
		Usage:     "run a command inside a session's shell and return its output and status",
		ArgsUsage: "NAME|ID (-- COMMAND [ARG...] | -c 'COMMAND LINE')",
		Description: `Runs the command inside the session's shell, as if the person at the
terminal had typed it: in the shell's directory, with its environment,
variables, functions and aliases, and what it changes (cd, export, a
function) stays for the next run and for the person. Someone attached sees
it run. stdout is exactly the command's output: no prompt, no echo, no
marker; output comes through a pty, whose CRLF line ends become LF unless
--raw. linger run exits with the command's status (128+N for signal N).
The command's stdin is /dev/null. Nothing run does lands in the shell's
history.

-- COMMAND [ARG...] runs those words (each quoted for the shell); -c takes
a command line in the shell's own syntax (pipes, redirections, ;).

One command at a time: while the session is busy (a run in progress, the
person's own command in the foreground, or a partly typed line at the
prompt) run waits, in the order runs asked, for up to --wait (default 4m),
then exits 75 saying what keeps the session busy. --wait 0 fails at once.

It needs a shell with linger's integration: bash, zsh and fish sessions
started by linger have it; for a shell started another way, run
'eval "$(linger init bash)"' (zsh alike; fish: 'linger init fish | source')
in it. Other sessions (a TUI, a REPL) are refused: use 'linger send'.`,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "c", Usage: "run `LINE`, a command line in the shell's syntax"},
			&cli.StringFlag{Name: "wait", Value: "4m", Usage: "wait up to `DURATION` for a busy session, then exit 75 (0: fail at once)"},
			&cli.BoolFlag{Name: "raw", Usage: "print the output as the pty produced it (CRLF line ends)"},
		},
		Action: runAction,
	}
}

func runAction(c *cli.Context) error {
	args := c.Args().Slice()
	if len(args) == 0 {
		return usagef("run needs a session NAME or ID, then -- COMMAND [ARG...] or -c 'COMMAND LINE'")
	}
	target, command := args[0], args[1:]
	if len(command) > 0 && command[0] == "--" {
		command = command[1:]
	}
	line := c.String("c")
	switch {
	case line != "" && len(command) > 0:
		return usagef("run takes either -c 'COMMAND LINE' or -- COMMAND [ARG...], not both")
	case line == "" && len(command) == 0:
		return usagef("run %s needs a command: -- COMMAND [ARG...] or -c 'COMMAND LINE'", target)
	}
	wait := c.String("wait")
	if d, err := time.ParseDuration(wait); err != nil || d < 0 {
		if wait != "0" {
			return usagef("--wait %q: expected a duration like 30s or 4m, or 0", wait)
		}
	}
	if wait == "0" {
		wait = "0s"
	}
	e, err := endpoint(c)
	if err != nil {
		return err
	}
	return exitWith(e.Run(&socket.Request{
		Op: socket.OpRun, Caller: caller(c), Target: target, Command: command, Line: line, RunWait: wait,
	}, c.Bool("raw"), os.Stdout))
}
