package main

import (
	"os"

	"github.com/urfave/cli/v2"

	"linger/socket"
)

func listCommand() *cli.Command {
	return &cli.Command{
		Name:    "ls",
		Aliases: []string{"list"},
		Usage:   "list sessions",
		Description: `Prints one row per session. STATE and AVAILABILITY are relative to the
caller, as in PowerShell: Opened/Available when the session is attached and
ls runs inside it, Disconnected/Busy when another client holds it,
Disconnected/None when it is free to attach, Broken/None when its last
client went away without detaching (killed, terminal closed, connection
lost) and nobody attached since, Closed once its command ended (kept, with
its status and output, until attach or receive collects it, or kill or
wait --collect removes it).

--json prints an array of objects with these fields: id, name, state,
availability, configuration, command (array), cwd, pid, created (RFC 3339),
clients (number attached), size ({"cols", "rows"}), exit_status (once
Closed: "status 3", "signal 9 (killed)"), output_buffering (block|drop),
buffer_size, buffered_bytes (unreceived output held), dropped_bytes,
suspended (block mode with a full buffer: the program is not being read),
idle_timeout_seconds (0 = none), idle_expires_at (RFC 3339, null while a
client is attached or without timeout), exit_code (null while running or
for a signal), exit_signal (null unless killed by a signal), log_file and
log_error (when set). With no server running, --json prints [] and plain
ls says so.`,
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "json", Usage: "print a JSON array"},
		},
		Action: listAction,
	}
}

func listAction(c *cli.Context) error {
	if c.NArg() > 0 {
		return usagef("ls takes no arguments")
	}
	e, err := endpoint(c)
	if err != nil {
		return err
	}
	req := &socket.Request{Op: socket.OpList, Caller: caller()}
	if c.Bool("json") {
		req.Format = socket.FormatJSON
	}
	return e.List(req, os.Stdout) // the server renders it (server/list.go)
}
