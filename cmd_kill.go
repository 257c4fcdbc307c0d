package main

import (
	"github.com/urfave/cli/v2"

	"linger/socket"
)

func killCommand() *cli.Command {
	return &cli.Command{
		Name:      "kill",
		Aliases:   []string{"rm"},
		Usage:     "end sessions and remove them",
		ArgsUsage: "NAME|ID...",
		Description: `Removes the named sessions (every session with --all) and ends their
programs: SIGHUP to the process group and the terminal's foreground group,
then SIGKILL to those still running after 2 seconds. If any name is unknown,
nothing is killed. --all takes several -H: every host in parallel; exit
status 4 when some could not be reached (each said on stderr).`,
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "all", Aliases: []string{"a"}, Usage: "kill every session"},
		},
		Action: func(c *cli.Context) error {
			if c.Bool("all") && c.NArg() > 0 {
				return usagef("give session names or --all, not both")
			}
			if !c.Bool("all") && c.NArg() == 0 {
				return usagef("kill needs a session NAME or ID (or --all)")
			}
			req := &socket.Request{Op: socket.OpKill, Targets: c.Args().Slice(), All: c.Bool("all")}
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
