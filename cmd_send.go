package main

import (
	"slices"
	"strings"

	"github.com/urfave/cli/v2"

	"linger/socket"
	"linger/vt"
)

// maxSendText is the most TEXT one send takes: its request, base64 in
// JSON, must fit in one frame (socket.MaxFrame).
const maxSendText = 512 << 10

func sendCommand() *cli.Command {
	return &cli.Command{
		Name:      "send",
		Usage:     "type text or keys into a session",
		ArgsUsage: "NAME|ID TEXT...",
		Description: `Types TEXT (the words joined by spaces) into the session's program as if
typed at its terminal, as tmux's send-keys does: no result, no waiting for
the program. --enter then presses Enter (a CR). It works on any session
that still runs, attached or not: keys sent while someone is attached
interleave with theirs, as a second typist's would, and a session attached
elsewhere (read-only or not) takes them too.

--keys reads the words as key names instead: C-c (Ctrl-C), C-d, C-\, C-z,
M-x (Alt-x), Enter, Tab, Escape, BSpace, Space, Up, Down, Left, Right,
Home, End, PageUp, PageDown, Insert, Delete, F1 to F12, or any single
character, which is typed as it is ('linger send --keys dev q Enter').
Cursor keys follow the mode the program set (application cursor keys).

--paste types TEXT as a paste: inside bracketed paste's markers when the
program turned bracketed paste on (shells, editors: it then takes the text
as pasted, not typed), else as plain text; --enter comes after the paste.

Words that start with - go after --: 'linger send dev -- -n --enter' types
"-n --enter" (options before the --). One send takes up to 512KiB of TEXT.
A program that does not read its input (stopped, or busy) for 5s makes
send fail with a line saying so; the rest of the keys are typed when it
reads.

Expect-like scripts pair it with 'linger wait NAME --idle DURATION' or
'linger wait NAME --until REGEX'.`,
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "enter", Usage: "press Enter after the text or keys"},
			&cli.BoolFlag{Name: "keys", Usage: "the words are key names (C-c, Up, Enter, F1...)"},
			&cli.BoolFlag{Name: "paste", Usage: "type TEXT as a bracketed paste if the program enabled it"},
		},
		Action: sendAction,
	}
}

func sendAction(c *cli.Context) error {
	if c.NArg() < 1 {
		return usagef("send needs a session NAME or ID, then the TEXT to type")
	}
	words := c.Args().Tail()
	if i := slices.Index(words, "--"); i >= 0 { // text that starts with -
		words = slices.Delete(slices.Clone(words), i, i+1)
	}
	req := &socket.Request{Op: socket.OpSend, Target: c.Args().First(), Paste: c.Bool("paste"), Enter: c.Bool("enter")}
	switch {
	case c.Bool("keys") && c.Bool("paste"):
		return usagef("send: --paste takes TEXT, not --keys")
	case c.Bool("keys"):
		for _, k := range words {
			if _, err := vt.KeyBytes(k, false); err != nil {
				return usagef("send --keys: %v", err)
			}
		}
		req.Keys = words
	default:
		req.Input = []byte(strings.Join(words, " "))
		if len(req.Input) > maxSendText {
			return usagef("send: TEXT is %d bytes, more than one send takes (%d): send it in parts", len(req.Input), maxSendText)
		}
	}
	if len(req.Input) == 0 && len(req.Keys) == 0 && !req.Enter {
		return usagef("send: nothing to type (give TEXT, --keys KEY..., or --enter)")
	}
	e, err := endpoint(c)
	if err != nil {
		return err
	}
	req.Caller = caller(c)
	return e.Send(req)
}
