package main

import (
	"fmt"
	"log"
	"os"
	"path/filepath"

	"linger/config"

	"github.com/urfave/cli/v2"
	"golang.org/x/sys/unix"

	"linger/client"
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
gone (exit_when_empty), on 'linger server stop', and on SIGTERM or SIGINT;
each ends every session's programs.`,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "socket", Aliases: []string{"S"}, Usage: "listen on `PATH` (default: see linger --help)"},
			&cli.StringFlag{Name: "config", Aliases: []string{"c"}, Usage: "read configurations from `FILE`"},
			&cli.StringFlag{Name: "log", Usage: "with --daemon, append the log to `FILE`", Hidden: true},
			&cli.BoolFlag{Name: "daemon", Usage: "run as a daemon started by a client", Hidden: true},
		},
		Action: serverAction,
		Subcommands: []*cli.Command{
			{
				Name:  "stop",
				Usage: "end the server and every session",
				Action: func(c *cli.Context) error {
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
		return usagef("unknown server command %q (expected: stop)", c.Args().First())
	}
	sock, err := socketPath(c)
	if err != nil {
		return err
	}
	// A daemon started by a client inherits the start lock as fd 3 and
	// reports readiness on fd 4; by hand, we take the lock ourselves.
	var lock, readyPipe *os.File
	if c.Bool("daemon") {
		lock, readyPipe = os.NewFile(3, "lock"), os.NewFile(4, "ready")
	} else if lock, err = client.Flock(sock); err != nil {
		return err
	}
	reported := false
	ready := func(err error) {
		if reported {
			return
		}
		reported = true
		if readyPipe != nil {
			if err != nil {
				fmt.Fprintf(readyPipe, "%v\n", err)
			} else {
				fmt.Fprintln(readyPipe, "ok")
			}
			readyPipe.Close()
		}
		lock.Close()
	}
	if c.Bool("daemon") {
		if err := redirectLog(c.String("log")); err != nil {
			ready(err)
			return err
		}
	}
	path, explicit := configPath(c)
	cfg, err := config.Load(path, explicit)
	if err != nil {
		ready(err)
		return err
	}
	err = server.Run(server.Options{
		Socket:  sock,
		Config:  cfg,
		Program: program(),
		Log:     log.New(os.Stderr, "", log.LstdFlags),
		Ready:   ready,
	})
	ready(err)
	return err
}

// redirectLog points stdout and stderr at the log file.
func redirectLog(path string) error {
	if path == "" {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("cannot create log directory %s (%v)", filepath.Dir(path), err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("cannot open log %s (%v)", path, err)
	}
	defer f.Close()
	for _, fd := range []int{1, 2} {
		if err := unix.Dup3(int(f.Fd()), fd, 0); err != nil {
			return fmt.Errorf("cannot redirect output to %s (%v)", path, err)
		}
	}
	return nil
}
