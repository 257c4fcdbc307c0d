package main

import (
	"time"

	"github.com/urfave/cli/v2"

	"linger/socket"
)

func waitCommand() *cli.Command {
	return &cli.Command{
		Name:      "wait",
		Usage:     "wait for sessions' commands to end",
		ArgsUsage: "NAME|ID...",
		Description: `Blocks until the commands of the named sessions have ended, collects them
(removes the sessions) and exits with the status of the first one, in the
order given, that failed: 0 if all succeeded, 128+N for a command killed by
signal N, like a shell. A session that is already Closed returns at once.
With --timeout, gives up after DURATION and exits 124, like timeout(1).`,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "timeout", Usage: "give up after `DURATION` (e.g. 90s, 2h) and exit 124"},
		},
		Action: waitAction,
	}
}

func waitAction(c *cli.Context) error {
	if c.NArg() == 0 {
		return usagef("wait needs one or more session NAMEs or IDs")
	}
	var timeout time.Duration
	if s := c.String("timeout"); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil || d <= 0 {
			return usagef("--timeout %q: expected a positive duration like 90s or 2h", s)
		}
		timeout = d
	}
	e, err := endpoint(c)
	if err != nil {
		return err
	}
	return exitWith(e.Wait(&socket.Request{Op: socket.OpWait, Caller: caller(), Targets: c.Args().Slice()}, timeout))
}
