package main

import (
	"fmt"

	"github.com/urfave/cli/v2"

	"linger/server"
	"linger/socket"
)

func serverCommand() *cli.Command {
	return &cli.Command{
		Name:  "server",
		Usage: "run the server in the foreground, or stop it",
		Description: `Runs the server in the foreground, logging to stderr (for systemd or
debugging). Any command that creates a session starts a server on demand, as
a daemon logging to $XDG_STATE_HOME/linger/NAME.log (else
~/.local/state/linger/NAME.log). The server exits when its last session is
gone (exit_when_empty; --exit-when-empty=false overrides it, for a
service), on 'linger server stop', and on SIGTERM or SIGINT; each ends every
session's programs. contrib/systemd/linger.service runs it as a systemd
user service.`,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "socket", Aliases: []string{"S"}, Usage: "listen on `PATH` (default: see linger --help)"},
			&cli.StringFlag{Name: "config", Aliases: []string{"c"}, Usage: "read configurations from `FILE`"},
			&cli.StringFlag{Name: "log", Usage: "with --daemon, append the log to `FILE`", Hidden: true},
			&cli.BoolFlag{Name: "daemon", Usage: "run as a daemon started by a client", Hidden: true},
			&cli.BoolFlag{Name: "exit-when-empty", Value: true, Usage: "exit when the last session is gone; --exit-when-empty=false keeps serving (a service), whatever the configuration says"},
		},
		Action: serverAction,
		Subcommands: []*cli.Command{
			{
				Name:  "stop",
				Usage: "end the server and every session",
				Action: func(c *cli.Context) error {
					if c.NArg() > 0 {
						return usagef("server stop takes no arguments (see 'linger server stop --help')")
					}
					sock, err := socketPath(c)
					if err != nil {
						return err
					}
					rep, err := request(c, &socket.Request{Op: socket.OpStop})
					if err != nil {
						return err
					}
					fmt.Printf("server on %s stopped (%d %s ended)\n", sock, rep.Count, plural(rep.Count, "session", "sessions"))
					return nil
				},
			},
		},
	}
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func serverAction(c *cli.Context) error {
	if c.NArg() > 0 {
		return usagef("unknown server command %q (see 'linger server --help')", c.Args().First())
	}
	sock, err := socketPath(c)
	if err != nil {
		return err
	}
	path, explicit := configPath(c)
	o := server.MainOptions{
		Socket: sock, ConfigPath: path, ConfigMustExist: explicit,
		Daemon: c.Bool("daemon"), LogFile: c.String("log"), Program: program(),
	}
	if c.IsSet("exit-when-empty") {
		v := c.Bool("exit-when-empty")
		o.ExitWhenEmpty = &v
	}
	return server.Main(o)
}
