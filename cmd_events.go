package main

import (
	"os"
	"strconv"
	"time"

	"github.com/urfave/cli/v2"

	"linger/mux"
	"linger/socket"
)

// eventTypes are the event types there are, for completion.
var eventTypes = []string{
	mux.EventCreated, mux.EventAttached, mux.EventDetached, mux.EventBroken, mux.EventRenamed,
	mux.EventExited, mux.EventRemoved, mux.EventSuspended, mux.EventResumed,
	"server.started", "server.stopping", "session.*", "server.*",
}

func eventsCommand() *cli.Command {
	return &cli.Command{
		Name:  "events",
		Usage: "print sessions' lifecycle events as JSON lines (--follow: as they happen)",
		Description: `Prints the server's lifecycle events, one JSON object per line, oldest
first. Without --follow: the events the server still holds (the last
event_history of its configuration, 1024 by default), then exits. With
--follow: only new events, as they happen, until the server stops or you
interrupt it; with --since SEQ too, the held events after SEQ first,
then the new ones, none missed or twice.

Every event has seq (grows by one per event for the server's life), time
(RFC 3339 with nanoseconds, UTC), type and, for a session's event,
session {id, name}, then the type's own fields:

  session.created    pid, command, cwd, configuration
  session.attached   client ("pts/3", "ssh:ADDRESS"), origin (local, ssh), read_only
  session.detached   the same, and reason (detached, lost, stolen, too-slow,
                     exited, server-exited)
  session.broken     its last client went away without detaching
  session.renamed    old, new
  session.exited     exit_code, exit_signal (one of them null)
  session.removed    reason (collected, kill, idle_timeout)
  session.suspended  block buffering: its output waits for a reader
  session.resumed    its output flows again
  server.started     pid, version
  server.stopping    reason
  gap                --since asked for events no longer held: missed is
                     how many (seq is the last of them)
  lagged             a --follow reader that fell event_history events
                     behind: the server drops it (exit 1); seq is the
                     last event it was sent, for --since

More types and fields will come: a consumer must ignore types and fields
it does not know. A reader that does not keep up never slows the server
or a session: it gets lagged and is disconnected.

--session (repeatable) keeps the events of these sessions (a name, or the
old or new name of a rename, or an ID) and the server's own; --type
(repeatable) keeps these types ("session.*" for a prefix). The output is
always JSON lines; --json is accepted for symmetry with other commands.
A --follow over ssh (-H) that loses its connection ends (exit 1): run it
again with --since the last seq it printed.`,
		Flags: []cli.Flag{
			&cli.StringSliceFlag{Name: "session", Usage: "only the events of session `NAME` (or ID), and the server's; repeatable"},
			&cli.StringSliceFlag{Name: "type", Usage: "only events of `TYPE` (\"session.*\" for a prefix); repeatable"},
			&cli.StringFlag{Name: "since", Usage: "only events after sequence number `SEQ` (0: all held)"},
			&cli.BoolFlag{Name: "follow", Aliases: []string{"f"}, Usage: "keep printing new events as they happen"},
			&cli.BoolFlag{Name: "json", Usage: "JSON lines (the only form; accepted for symmetry)"},
		},
		Action: func(c *cli.Context) error {
			if c.NArg() > 0 {
				return usagef("events takes no arguments (sessions: --session NAME)")
			}
			req := &socket.Request{Op: socket.OpEvents, Targets: c.StringSlice("session"), Types: c.StringSlice("type"), Follow: c.Bool("follow")}
			if s := c.String("since"); s != "" {
				n, err := strconv.ParseInt(s, 10, 64)
				if err != nil || n < 0 {
					return usagef("--since %q: expected an event's seq, a number 0 or more", s)
				}
				req.Since = &n
			}
			e, err := endpoint(c)
			if err != nil {
				return err
			}
			return e.Events(req, os.Stdout, false, 0)
		},
	}
}

// waitEvent is `wait --event TYPE`: the next event of that type (of the
// --session sessions, if any), printed as events prints it.
func waitEvent(c *cli.Context, timeout time.Duration) error {
	if c.NArg() > 0 {
		return usagef("wait --event takes no session arguments (use --session NAME)")
	}
	e, err := endpoint(c)
	if err != nil {
		return err
	}
	return e.Events(&socket.Request{Op: socket.OpEvents, Follow: true, Types: c.StringSlice("event"), Targets: c.StringSlice("session")},
		os.Stdout, true, timeout)
}
