package main

import (
	"encoding/json"
	"fmt"
	"os"
	"text/tabwriter"
	"time"

	"github.com/urfave/cli/v2"

	"linger/mux"
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
its status and output, until attach, receive or wait collects it).

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
	rep, err := request(c, &socket.Request{Op: socket.OpList})
	if err != nil {
		if isNoServer(err) && c.Bool("json") {
			fmt.Println("[]")
			return nil
		}
		return err
	}
	if c.Bool("json") {
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		if rep.Sessions == nil {
			rep.Sessions = []socket.SessionInfo{}
		}
		return enc.Encode(rep.Sessions)
	}
	w := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "ID\tNAME\tSTATE\tAVAILABILITY\tCONFIGURATION\tBUFFERING\tUNRECEIVED\tDROPPED\tIDLE\tCREATED\tCOMMAND")
	now := time.Now()
	for _, s := range rep.Sessions {
		state := s.State
		if s.ExitStatus != "" {
			state += " (" + s.ExitStatus + ")"
		}
		buffering := s.OutputBuffering
		if s.Suspended {
			buffering += " (suspended)"
		}
		if s.LogError != "" {
			buffering += " (log failing)"
		}
		fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", s.ID, s.Name, state, s.Availability,
			s.Configuration, buffering, mux.FormatSize(s.BufferedBytes), mux.FormatSize(s.DroppedBytes),
			idleColumn(s, now), ago(now.Sub(s.Created)), mux.CommandLine(s.Command))
	}
	return w.Flush()
}

// idleColumn shows the idle timeout and, while it runs, the time left.
func idleColumn(s socket.SessionInfo, now time.Time) string {
	if s.IdleTimeoutSeconds == 0 {
		return "none"
	}
	d := mux.FormatIdleTimeout(time.Duration(s.IdleTimeoutSeconds) * time.Second)
	if s.IdleExpiresAt != nil {
		left := max(s.IdleExpiresAt.Sub(now), 0).Round(time.Second)
		d += " (" + mux.FormatIdleTimeout(left) + " left)"
	}
	return d
}

// ago renders a duration as "5s ago", "3m ago", "2h ago", "4d ago".
func ago(d time.Duration) string {
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds ago", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm ago", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh ago", int(d.Hours()))
	}
	return fmt.Sprintf("%dd ago", int(d.Hours()/24))
}
