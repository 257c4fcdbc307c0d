// Command linger keeps shells and commands alive after you walk away.
//
// One binary is both the background server that holds pty-backed sessions
// (see package server) and the client that creates, attaches to, lists and
// removes them. This file only builds the command table; each command lives
// in its own cmd_*.go file, and the attach loop lives in package client.
package main

import (
	"os"
	"strings"

	"github.com/urfave/cli/v2"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "0.1.0-dev"

// rawArgs is the command line as given (urfave/cli drops "--").
var rawArgs []string

// commands returns the command table, in alphabetical order (a test
// checks). Commands and flags are made fresh for each app: urfave/cli
// stores parse state and added help in them.
func commands() []*cli.Command {
	return []*cli.Command{
		completeCommand(), // hidden: what the completion scripts call
		attachCommand(),
		captureCommand(),
		completionCommand(),
		configCommand(),
		detachCommand(),
		dialStdioCommand(), // hidden: what a client on another host runs through ssh
		eventsCommand(),
		helpCommand(),
		initCommand(),
		killCommand(),
		listCommand(),
		newCommand(),
		receiveCommand(),
		renameCommand(),
		runCommand(),
		sendCommand(),
		serverCommand(),
		versionCommand(),
		waitCommand(),
	}
}

func main() {
	os.Exit(run(os.Args))
}

// run executes the app and returns the process exit code.
func run(args []string) int {
	rawArgs = args
	app := newApp()
	args, err := reorderArgs(args, app.Flags, app.Commands)
	if err != nil {
		return exitCode(err)
	}
	return exitCode(app.Run(args))
}

func newApp() *cli.App {
	cmds := commands()
	setUsageErrors(cmds)
	for _, c := range cmds {
		c.Before = checkHostCount // several -H: ls, kill --all, detach --all only
	}
	return &cli.App{
		Name:                 "linger",
		Usage:                "keep shells and commands alive after you walk away",
		UsageText:            usageText,
		Description:          description,
		Version:              version,
		Flags:                append(globalFlags(), cli.HelpFlag), // not added by urfave/cli with our help command
		Before:               checkGlobalFlags,
		Commands:             cmds,
		HideHelpCommand:      true,
		EnableBashCompletion: false,
		OnUsageError:         onUsageError,
		CommandNotFound:      commandNotFound,
		ExitErrHandler:       func(*cli.Context, error) {}, // exitCode reports errors
		Writer:               os.Stdout,
		ErrWriter:            os.Stderr,
	}
}

// usageText is the synopsis of --help and the man page.
const usageText = "linger [global options] COMMAND [command options] [arguments...]"

const description = `linger runs shells and commands on pseudo-terminals inside a background
server, so they keep running when you detach, close the terminal or lose the
connection. Attach again later from any terminal, list sessions from any shell,
start commands detached and remove them when done.

The server starts on demand and exits when its last session is gone. The
detach key is Ctrl-\ unless the configuration or --detach-key says otherwise.

Options may follow a command's arguments ('linger kill web --all' is
'linger kill --all web'), and the global options (-L, -S, -H, -c,
--connect-timeout, --verbose) may follow the command name. Nothing after --
is read as an option.

-H ssh://[USER@]HOST[:PORT][/SERVER-NAME] (or $LINGER_HOST) talks to the
server on another host through ssh: 'linger -H ssh://web1 ls'; -H NAME uses
the host entry NAME of the configuration ('linger config hosts'). linger
must be installed there; see OTHER HOSTS in the man page. ls, kill --all and
detach --all take several -H at once ('linger ls -H web1 -H ssh://web2': one
table with a HOST column), asking the hosts in parallel; --connect-timeout
bounds reaching each host.

Exit status: 0 on success, 1 on error, 2 on a usage error, 4 when some of
several hosts (-H) could not be reached or failed (the others' results are
printed); an attached client whose session's command ends exits with that
command's status.`

// setUsageErrors makes every command report flag errors our way (one
// line, exit 2) instead of urfave/cli's help dump.
func setUsageErrors(cmds []*cli.Command) {
	for _, c := range cmds {
		c.OnUsageError = onUsageError
		setUsageErrors(c.Subcommands)
	}
}

func commandNotFound(c *cli.Context, name string) {
	at := "linger"
	if c.Command != nil && c.Command.HelpName != "" && c.Command.HelpName != "linger" {
		at = c.Command.HelpName
	}
	os.Exit(exitCode(unknownCommand(at, name)))
}

// unknownCommand is the usage error for `AT NAME` where AT ("linger",
// "linger config") has no command NAME.
func unknownCommand(at, name string) error {
	what := strings.TrimSpace(strings.TrimPrefix(at, "linger") + " command")
	return usagef("unknown %s %q (see '%s --help')", what, name, at)
}
