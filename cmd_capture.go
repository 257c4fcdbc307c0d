package main

import (
	"os"

	"github.com/urfave/cli/v2"

	"linger/socket"
)

func captureCommand() *cli.Command {
	return &cli.Command{
		Name:      "capture",
		Usage:     "print what a session's screen shows",
		ArgsUsage: "NAME|ID",
		Description: `Prints the session's current screen as text, one line per row, trailing
blanks trimmed, from the terminal emulator the server keeps for every
session. --scrollback N first prints up to N lines of history (lines that
scrolled off the top; the session keeps scrollback_lines of them). -e keeps
colours and attributes as SGR escape sequences. --json prints an object with
session, cols, rows, cursor {x, y} (0-based), history and screen (arrays of
lines). It works on any session, attached or not, and changes nothing: the
output stays unreceived, nobody is detached.`,
		Flags: []cli.Flag{
			&cli.IntFlag{Name: "scrollback", Usage: "also print the last `N` lines of history"},
			&cli.BoolFlag{Name: "escapes", Aliases: []string{"e"}, Usage: "keep colours and attributes (SGR sequences)"},
			&cli.BoolFlag{Name: "json", Usage: "print rows and cursor as JSON"},
		},
		Action: captureAction,
	}
}

func captureAction(c *cli.Context) error {
	if c.NArg() != 1 {
		return usagef("capture takes one session NAME or ID")
	}
	if n := c.Int("scrollback"); n < 0 {
		return usagef("--scrollback: invalid number of lines %d (expected: 0 or more)", n)
	}
	e, err := endpoint(c)
	if err != nil {
		return err
	}
	req := &socket.Request{
		Op: socket.OpCapture, Caller: caller(c), Target: c.Args().First(),
		Scrollback: c.Int("scrollback"), Escapes: c.Bool("escapes"),
	}
	if c.Bool("json") {
		req.Format = socket.FormatJSON
	}
	return e.Capture(req, os.Stdout)
}
