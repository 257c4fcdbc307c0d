package main

import (
	"os"
	"strings"

	"github.com/urfave/cli/v2"

	"linger/client"
	"linger/socket"
)

func listCommand() *cli.Command {
	return &cli.Command{
		Name:      "ls",
		Aliases:   []string{"list"},
		Usage:     "list sessions",
		ArgsUsage: "[NAME|ID...]",
		Description: `Prints one row per session: ID, NAME, STATE, AVAILABILITY, IDLE (the idle
timeout and, while it runs, the time left) and COMMAND, cut to the
terminal's width when stdout is a terminal. -l adds CONFIGURATION,
BUFFERING (block or drop; "(suspended)" while a full buffer stops the
program, "(log failing)" while log_file cannot be written), UNRECEIVED and DROPPED (output bytes, as 0, 512, 64KiB, 8.0MiB),
CREATED, CLIENT (where the current or last client came from: "pts/3",
or "ssh:ADDRESS", its machine's address, for a client on another host; "-"
if none ever attached) and DISCONNECTED (since when no client is attached,
"-" while one is; a session never attached counts from its creation),
shows COMMAND whole, and (when it lists a session) ends with a line naming the
configuration file the server has loaded, when it was modified and read,
and whether it changed since (then 'linger server reload' reads it).

STATE and AVAILABILITY are relative to the caller, as in PowerShell:
Opened/Available when the session is attached and ls runs inside it,
Disconnected/Busy when another client holds it, Disconnected/None when it
is free to attach, Broken/None when its last client went away without
detaching (killed, terminal closed, connection lost) and nobody attached
since, Closed once its command ended, with its status: "Closed (status 3)",
"Closed (signal 15)", "Closed (killed)" for signal 9 (kept, with its
output, until attach or receive collects it, or kill or wait --collect
removes it).

Names and IDs list only those sessions (each must exist); --state, which
may be repeated, only sessions in that state (any case). When there is
none to list, or no server runs, ls prints "no sessions" and --json [].

--json prints an array of objects with these fields, every one always
present (null when it has no value): id, name, state, availability,
configuration, command (array), cwd, pid, created (RFC 3339), clients
(number attached), size ({"cols", "rows"}), exit_status (once Closed:
"status 3", "signal 15", "killed"; else null), output_buffering
(block|drop), buffer_size, buffered_bytes (unreceived output held),
dropped_bytes, suspended (block mode with a full buffer: the program is
not being read), idle_timeout_seconds (0 = none), idle_expires_at (RFC
3339, null while a client is attached or without timeout), exit_code (null
while running or for a signal), exit_signal (null unless killed by a
signal), log_file (null without one) and log_error (the last write error
of log_file, else null).

With several -H (linger ls -H ssh://web1 -H ssh://web2), the hosts are
asked in parallel: one table with a HOST column first (the -H value as
given; no configuration line with -l), or one JSON array whose objects also
have "host". A host that fails is one line on stderr and the exit status is
4; the others are listed.`,
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "long", Aliases: []string{"l"}, Usage: "add configuration, buffering, unreceived and dropped bytes, created; COMMAND whole"},
			&cli.StringSliceFlag{Name: "state", Usage: "list only sessions in `STATE` (" + strings.Join(socket.SessionStates, "|") + "; repeatable)"},
			&cli.BoolFlag{Name: "json", Usage: "print a JSON array"},
		},
		Action: listAction,
	}
}

func listAction(c *cli.Context) error {
	var states []string
	for _, s := range c.StringSlice("state") {
		st, ok := socket.ParseState(s)
		if !ok {
			return usagef("invalid state %q (expected: %s)", s, strings.Join(socket.SessionStates, "|"))
		}
		states = append(states, st)
	}
	for _, t := range c.Args().Slice() {
		if t == "" {
			return usagef("empty session name")
		}
	}
	req := &socket.Request{Op: socket.OpList, Targets: c.Args().Slice(), States: states, Long: c.Bool("long")}
	if c.Bool("json") {
		req.Format = socket.FormatJSON
	}
	hosts, err := severalHosts(c)
	if err != nil {
		return err
	}
	if hosts != nil {
		return listHosts(hosts, req) // fanout.go
	}
	e, err := endpoint(c)
	if err != nil {
		return err
	}
	req.Caller = caller(c)
	if !c.Bool("json") {
		req.Width = client.Width(os.Stdout)
	}
	return e.List(req, os.Stdout) // the server renders it (server/list.go)
}
