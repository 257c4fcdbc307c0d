package main

import (
	"os"

	"github.com/urfave/cli/v2"

	"linger/socket"
)

func receiveCommand() *cli.Command {
	return &cli.Command{
		Name:      "receive",
		Aliases:   []string{"recv"},
		Usage:     "print the output a session produced while nobody watched",
		ArgsUsage: "NAME|ID",
		Description: `Prints to stdout, byte for byte, the session's output that no client has
received yet, and marks it received. With --follow it keeps printing as
output arrives until the command ends, then exits with the command's status.
With --all it prints everything still held, received or not. It works on a
session another client holds (it reads; it does not take the terminal).

If the command has ended and all its output is printed, the session is
collected (removed) and receive exits with the command's status (128+N for
signal N). In drop mode, bytes discarded since the last receive are reported
on stderr first.

With --text (or --plain) it prints a clean log instead of the bytes as a
terminal gets them: escape sequences (colours, cursor moves, titles, ...) are
removed, CRLF becomes LF, and control characters other than tab, newline and
a lone carriage return are dropped, e.g. 'linger receive job --text > out.log'.
The output still counts as received as it came.

Over ssh (-H), a connection that breaks (a network drop, a killed ssh) is
not the end: receive reconnects by itself, as attach does, for up to
--reconnect-timeout, and carries on from the offset up to which it has
printed: every byte reaches stdout once. It says what it does on stderr.
If it gives up it exits 1; the output it printed but could not
acknowledge is printed again by the next receive.`,
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "follow", Aliases: []string{"f"}, Usage: "keep printing until the command ends; exit with its status"},
			&cli.BoolFlag{Name: "all", Usage: "print everything still held, received or not"},
			&cli.BoolFlag{Name: "text", Aliases: []string{"plain"}, Usage: "print plain text: no escape sequences, LF line ends"},
			outputBufferingFlag(),
			reconnectTimeoutFlag(),
		},
		Action: receiveAction,
	}
}

func receiveAction(c *cli.Context) error {
	if c.NArg() != 1 {
		return usagef("receive takes one session NAME or ID")
	}
	mode, err := outputBufferingFrom(c, false)
	if err != nil {
		return err
	}
	e, err := endpoint(c)
	if err != nil {
		return err
	}
	if e.Reconnect, err = reconnectTimeoutFrom(c, e); err != nil {
		return err
	}
	return exitWith(e.Receive(&socket.Request{
		Op: socket.OpReceive, Caller: caller(c), Target: c.Args().First(),
		Follow: c.Bool("follow"), AllHeld: c.Bool("all"), OutputBuffering: mode,
	}, c.Bool("text"), os.Stdout, os.Stderr))
}
