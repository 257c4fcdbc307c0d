package main

import (
	"os"

	"linger/config"

	"github.com/urfave/cli/v2"

	"linger/client"
	"linger/socket"
)

func attachCommand() *cli.Command {
	return &cli.Command{
		Name:      "attach",
		Aliases:   []string{"a"},
		Usage:     "attach this terminal to a session",
		ArgsUsage: "[NAME|ID]",
		Description: `Attaches the current terminal to the session NAME (or ID); without one, to
the most recently detached session. Detach with the detach key (Ctrl-\ by
default); pressed twice in a row (within 0.4 s), it goes to the program
instead. A session another client holds is refused unless --steal (detach
that client first; it says which terminal took the session) or --read-only
(watch without typing; several may watch; a watcher is told so in one line
above the restored screen).

The terminal is first brought to the session's state, as its configuration's
restore setting or --restore says: lines (the default) writes the last
scrollback_lines lines of history into the terminal's own scrollback, then
draws the screen; screen draws only the screen; none draws nothing itself:
it replays the output kept since the last client as the program printed it
(terminal queries left out: they were answered) and sends the program
SIGWINCH so that it redraws. Then the modes the program set are
re-established (alternate screen, cursor, keypad, bracketed paste, mouse,
focus events, title). The session takes the terminal's size. With lines and
screen, the output kept while nobody watched counts as received once drawn:
use 'linger receive' before attaching, or --restore none, to get it byte for
byte. On detach the terminal is left as it was
before (modes reset, alternate screen left, cursor visible, title back).

When the connection to a server on another host (-H) breaks without a
detach, the client reconnects by itself, for up to --reconnect-timeout
(default: the host entry's reconnect_timeout, else [client]'s, else 4m; 0
does not), saying so in the terminal's title, and resumes exactly: no output
lost or repeated, no key typed before the break lost or repeated (keys typed
while disconnected are discarded). The detach key gives up. It gives up
with exit status 1 when the time is up, the session is gone, or another
client attached meanwhile.`,
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "steal", Usage: "detach the client holding the session first"},
			&cli.BoolFlag{Name: "read-only", Aliases: []string{"r"}, Usage: "watch without typing"},
			restoreFlag(),
			outputBufferingFlag(),
			detachKeyFlag(),
			reconnectTimeoutFlag(),
			nestFlag(),
		},
		Action: attachAction,
	}
}

func attachAction(c *cli.Context) error {
	if c.NArg() > 1 {
		return usagef("attach takes one session (got %d)", c.NArg())
	}
	if err := checkNesting(c); err != nil {
		return err
	}
	mode, err := outputBufferingFrom(c, false)
	if err != nil {
		return err
	}
	restore, err := restoreFrom(c)
	if err != nil {
		return err
	}
	req := &socket.Request{
		OutputBuffering: mode, Restore: restore,
		Op: socket.OpAttach, Caller: caller(c), Target: c.Args().First(),
		Steal: c.Bool("steal"), ReadOnly: c.Bool("read-only"),
	}
	if err := detachKeyFrom(c, req); err != nil {
		return err
	}
	e, err := endpoint(c)
	if err != nil {
		return err
	}
	if e.Reconnect, err = reconnectTimeoutFrom(c, e); err != nil {
		return err
	}
	return attachStatus(e.Attach(req, os.Stdin, os.Stdout))
}

// detachKeyFrom puts --detach-key in req. The server decides the key; a
// typo is still a usage error, said here.
func detachKeyFrom(c *cli.Context, req *socket.Request) error {
	if spec := c.String("detach-key"); spec != "" {
		if _, _, err := config.ParseKey(spec); err != nil {
			return usagef("--detach-key: %v", err)
		}
		req.DetachKey = spec
	}
	return nil
}

// attachStatus turns the way an attach ended into our exit status.
func attachStatus(res client.Result, err error) error {
	if err != nil {
		return err
	}
	return exitWith(res.ExitCode, nil)
}
