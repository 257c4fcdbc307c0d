package main

import (
	"github.com/urfave/cli/v2"

	"linger/socket"
)

func detachCommand() *cli.Command {
	return &cli.Command{
		Name:      "detach",
		Usage:     "detach the clients of sessions, from any shell",
		ArgsUsage: "[NAME|ID...]",
		Description: `Detaches every client attached to the named sessions (every session with
--all); the sessions keep running. Inside a session, without a name, it
detaches that session. At an attached terminal the detach key does the same.
--all takes several -H: every host in parallel; exit status 4 when some could
not be reached (each said on stderr).

--idle-timeout and --output-buffering change those settings of the sessions
as they are detached (as PowerShell's Disconnect-PSSession); an idle timeout
above the configuration's max_idle_timeout is refused.`,
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "all", Aliases: []string{"a"}, Usage: "detach the clients of every session"},
			outputBufferingFlag(),
			idleTimeoutFlag(),
		},
		Action: func(c *cli.Context) error {
			if c.Bool("all") && c.NArg() > 0 {
				return usagef("give session names or --all, not both")
			}
			if !c.Bool("all") && c.NArg() == 0 && caller(c).SessionID == 0 {
				return usagef("detach needs a session NAME or ID, or --all (outside a session)")
			}
			mode, err := outputBufferingFrom(c, false)
			if err != nil {
				return err
			}
			idle, err := idleTimeoutFrom(c, false)
			if err != nil {
				return err
			}
			req := &socket.Request{Op: socket.OpDetach, Targets: c.Args().Slice(), All: c.Bool("all"),
				OutputBuffering: mode, IdleTimeout: idle}
			hosts, err := severalHosts(c)
			if err != nil {
				return err
			}
			if hosts != nil {
				return requestHosts(hosts, req) // fanout.go
			}
			_, err = request(c, req)
			return err
		},
	}
}
