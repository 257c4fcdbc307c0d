package main

import (
	"encoding/json"
	"errors"
	"fmt"
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
on stderr first.`,
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "follow", Aliases: []string{"f"}, Usage: "keep printing until the command ends; exit with its status"},
			&cli.BoolFlag{Name: "all", Usage: "print everything still held, received or not"},
			outputBufferingFlag(),
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
	conn, err := connect(c, false)
	if err != nil {
		return err
	}
	defer conn.Close()
	rep, err := conn.Request(&socket.Request{
		Op: socket.OpReceive, Caller: caller(), Target: c.Args().First(),
		Follow: c.Bool("follow"), All: c.Bool("all"), OutputBuffering: mode,
	})
	if err != nil {
		return err
	}
	if rep.Dropped > 0 {
		fmt.Fprintf(os.Stderr, "linger: %d bytes dropped (output_buffering = drop)\n", rep.Dropped)
	}
	// Output counts as received once acknowledged: after what was read is
	// written, and at the end (MsgEnd), with MsgDetach to say we are done.
	var written int64
	ended := false
	for {
		typ, p, err := conn.ReadFrame()
		if err != nil {
			if ended {
				return nil // the command still runs: nothing more to say
			}
			return errors.New("lost connection to the server")
		}
		switch typ {
		case socket.MsgOutput:
			if _, err := os.Stdout.Write(p); err != nil {
				return fmt.Errorf("writing output: %v", err)
			}
			written += int64(len(p))
			if !conn.Buffered() {
				conn.WriteFrame(socket.MsgAck, socket.EncodeAck(written))
			}
		case socket.MsgEnd:
			ended = true
			conn.WriteFrame(socket.MsgAck, socket.EncodeAck(written))
			conn.WriteFrame(socket.MsgDetach, nil)
		case socket.MsgExited:
			var e socket.Exited
			json.Unmarshal(p, &e)
			if e.ShellCode != 0 {
				return exitStatus(e.ShellCode)
			}
			return nil
		}
	}
}
