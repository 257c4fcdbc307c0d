package main

import (
	"os"

	"github.com/urfave/cli/v2"

	"linger/client"
	"linger/mux"
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
default). A session another client holds is refused unless --steal (detach
that client first) or --read-only (watch without typing; several may watch).`,
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "steal", Usage: "detach the client holding the session first"},
			&cli.BoolFlag{Name: "read-only", Aliases: []string{"r"}, Usage: "watch without typing"},
			outputBufferingFlag(),
			detachKeyFlag(),
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
	if !client.IsTerminal(os.Stdin) {
		return client.ErrNotATerminal
	}
	mode, err := outputBufferingFrom(c, false)
	if err != nil {
		return err
	}
	conn, err := connect(c, false)
	if err != nil {
		return err
	}
	defer conn.Close()
	req := &socket.Request{
		OutputBuffering: mode,
		Op:              socket.OpAttach, Caller: caller(), Target: c.Args().First(),
		Steal: c.Bool("steal"), ReadOnly: c.Bool("read-only"),
	}
	return runAttach(c, conn, req)
}

// runAttach attaches the terminal with req (attach, or new with attach) and
// turns the way it ended into our exit status.
func runAttach(c *cli.Context, conn *socket.Conn, req *socket.Request) error {
	o := client.AttachOptions{
		Conn: conn, Request: req, In: os.Stdin, Out: os.Stdout,
		DetachKey: 0x1c, KeyFromServer: true, ParseKey: mux.ParseKey,
	}
	if spec := c.String("detach-key"); spec != "" {
		key, off, err := mux.ParseKey(spec)
		if err != nil {
			return usagef("--detach-key: %v", err)
		}
		o.DetachKey, o.NoDetachKey, o.KeyFromServer = key, off, false
	}
	res, err := client.Attach(o)
	if err != nil {
		return err
	}
	if res.ExitCode != 0 {
		return exitStatus(res.ExitCode)
	}
	return nil
}
