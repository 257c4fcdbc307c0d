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

var listCommand = &cli.Command{
	Name:    "ls",
	Aliases: []string{"list"},
	Usage:   "list sessions",
	Description: `Prints one row per session. STATE and AVAILABILITY are relative to the
caller, as in PowerShell: Opened/Available when the session is attached and
ls runs inside it, Disconnected/Busy when another client holds it,
Disconnected/None when it is free to attach, Closed once its command ended.

--json prints an array of objects with these fields: id, name, state,
availability, configuration, command (array), cwd, pid, created (RFC 3339),
clients (number attached), size ({"cols", "rows"}), exit_status (once
Closed). With no server running, --json prints [] and plain ls says so.`,
	Flags: []cli.Flag{
		&cli.BoolFlag{Name: "json", Usage: "print a JSON array"},
	},
	Action: listAction,
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
	fmt.Fprintln(w, "ID\tNAME\tSTATE\tAVAILABILITY\tCONFIGURATION\tCREATED\tSIZE\tCOMMAND")
	now := time.Now()
	for _, s := range rep.Sessions {
		state := s.State
		if s.ExitStatus != "" {
			state += " (" + s.ExitStatus + ")"
		}
		fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%s\t%s\t%dx%d\t%s\n", s.ID, s.Name, state, s.Availability,
			s.Configuration, ago(now.Sub(s.Created)), s.Size.Cols, s.Size.Rows, mux.CommandLine(s.Command))
	}
	return w.Flush()
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
