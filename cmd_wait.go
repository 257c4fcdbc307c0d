package main

import (
	"io"
	"os"
	"time"

	"github.com/urfave/cli/v2"

	"linger/socket"
)

func waitCommand() *cli.Command {
	return &cli.Command{
		Name:      "wait",
		Usage:     "wait for sessions' commands to end",
		ArgsUsage: "NAME|ID...",
		Description: `Blocks until the commands of the named sessions have ended and exits with
the status of the first one, in the order given, that failed: 0 if all
succeeded, 128+N for a command killed by signal N, like a shell. A session
that is already Closed returns at once. With --timeout, gives up after
DURATION and exits 124, like timeout(1).

The sessions stay, Closed, with their status and any output nobody has
received, so that 'linger receive NAME' afterwards prints that output and
exits with the same status; that receive (or an attach) then removes the
session, as do kill and the idle timeout. This holds even when nothing is
left to receive: wait itself never removes a session, so wait then receive
always works. --collect removes the sessions once their statuses are known,
with any unreceived output.

--json prints a JSON array, one object per session in the order given, with
the fields id, name, exit_code (null for a signal), exit_signal (null unless
killed by a signal) and status (the code, or 128+N, as wait exits with).

Over ssh (-H), a connection that breaks (a network drop, a killed ssh) is
not the end, as with PowerShell's Wait-Job: wait reconnects by itself, as
attach does, saying so on stderr. If it cannot reconnect within
--reconnect-timeout it exits 3, with a line saying the sessions still run,
disconnected, on that host. With --force it keeps reconnecting until the
commands end, then exits with their status (--timeout still applies).

--event TYPE waits for the next lifecycle event of that type (see 'linger
help events'; repeatable: any of them), of the --session sessions if any,
prints it as one JSON line and exits 0; --timeout applies (124).`,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "timeout", Usage: "give up after `DURATION` (e.g. 90s, 2h) and exit 124"},
			&cli.BoolFlag{Name: "collect", Usage: "remove the sessions once ended, with any output not yet received"},
			&cli.BoolFlag{Name: "json", Usage: "print each session's status as JSON"},
			&cli.BoolFlag{Name: "force", Usage: "over ssh, keep reconnecting until the commands end, however long the network is down"},
			reconnectTimeoutFlag(),
			&cli.StringFlag{Name: "idle", Usage: "return once the session has printed nothing for `DURATION` (one session)"},
			&cli.StringFlag{Name: "until", Usage: "return once the session's screen matches `REGEX` (one session)"},
			&cli.StringSliceFlag{Name: "event", Usage: "wait for the next lifecycle event of `TYPE` (see 'linger help events') and print it"},
			&cli.StringSliceFlag{Name: "session", Usage: "with --event: only the events of session `NAME` (or ID)"},
		},
		Action: waitAction,
	}
}

func waitAction(c *cli.Context) error {
	if c.NArg() == 0 && !c.IsSet("event") {
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
	if c.IsSet("event") {
		return waitEvent(c, timeout)
	}
	if c.IsSet("session") {
		return usagef("--session goes with --event (wait for sessions' commands: linger wait NAME...)")
	}
	req := &socket.Request{Op: socket.OpWait, Caller: caller(c), Targets: c.Args().Slice(), Collect: c.Bool("collect")}
	if err := waitOutputFlags(c, req); err != nil {
		return err
	}
	e, err := endpoint(c)
	if err != nil {
		return err
	}
	if e.Reconnect, err = reconnectTimeoutFrom(c, e); err != nil {
		return err
	}
	var jsonTo io.Writer
	if c.Bool("json") {
		jsonTo = os.Stdout
	}
	return exitWith(e.Wait(req, timeout, c.Bool("force"), jsonTo, os.Stderr))
}

// waitOutputFlags checks --idle and --until and puts them in req.
func waitOutputFlags(c *cli.Context, req *socket.Request) error {
	idle, until := c.String("idle"), c.String("until")
	if !c.IsSet("idle") && !c.IsSet("until") {
		return nil
	}
	switch {
	case c.IsSet("idle") && c.IsSet("until"):
		return usagef("wait takes --idle or --until, not both")
	case c.NArg() != 1:
		return usagef("wait --idle and --until take one session NAME or ID")
	case c.Bool("collect") || c.Bool("json"):
		return usagef("wait --idle and --until do not take --collect or --json")
	}
	if c.IsSet("idle") {
		if d, err := time.ParseDuration(idle); err != nil || d <= 0 {
			return usagef("--idle %q: expected a positive duration like 500ms or 2s", idle)
		}
		req.Idle = idle
		return nil
	}
	if until == "" {
		return usagef("--until: expected a regular expression, got nothing")
	}
	if _, err := socket.ScreenPattern(until); err != nil {
		return usagef("--until %q: %v", until, err)
	}
	req.Until = until
	return nil
}
