package main

import (
	"errors"
	"fmt"
	"strings"

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
session's programs. SIGHUP makes it reload its configuration, as 'linger
server reload' does. contrib/systemd/linger.service runs it as a systemd
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
				Description: `Ends every session's programs and the server, and returns once the
server process has exited.`,
				Action: serverStopAction,
			},
			{
				Name:  "reload",
				Usage: "make the server read its configuration file again",
				Description: `The running server reads its configuration file again (the one it was
started with; with -c FILE or $LINGER_CONFIG, FILE from now on). New
sessions use the new configurations; running sessions keep the ones they
were started with. The server settings apply from then on: detach_key to
new attaches, default_configuration to new sessions, exit_when_empty the
next time the last session is gone, heartbeat to new connections. A file with problems is refused, each
problem printed as 'linger config check' does, and the server keeps the
configuration it has. SIGHUP to the server does the same (logged).`,
				Action: serverReloadAction,
			},
		},
	}
}

func serverStopAction(c *cli.Context) error {
	if c.NArg() > 0 {
		return usagef("server stop takes no arguments (see 'linger server stop --help')")
	}
	e, err := endpoint(c)
	if err != nil {
		return err
	}
	e.Warn = nil // the server is going anyway
	n, err := e.Stop(&socket.Request{Op: socket.OpStop, Caller: caller(c)})
	if err != nil {
		return err
	}
	fmt.Fprintf(c.App.Writer, "server on %s stopped (%d %s ended)\n", e.Where(), n, plural(n, "session", "sessions"))
	return nil
}

func serverReloadAction(c *cli.Context) error {
	if c.NArg() > 0 {
		return usagef("server reload takes no arguments (name another file with -c FILE)")
	}
	e, err := endpoint(c)
	if err != nil {
		return err
	}
	e.Warn = nil // reload -c FILE is how to switch
	rep, err := e.Reload(&socket.Request{Op: socket.OpReload, Caller: caller(c), ConfigPath: e.Config})
	if err != nil && (rep == nil || rep.Config == nil) {
		return err
	}
	info := rep.Config
	if err != nil {
		for _, p := range rep.Problems {
			fmt.Fprintf(c.App.ErrWriter, "linger: %s\n", p)
		}
		msg := fmt.Sprintf("the server on %s keeps %s (loaded %s)", e.Where(), loadedName(info), info.LoadedAt.Local().Format(timeFormat))
		if len(rep.Problems) == 0 {
			msg = err.Error() + "; " + msg
		}
		return errors.New(msg)
	}
	names := make([]string, len(info.Configurations))
	for i, ci := range info.Configurations {
		names[i] = ci.Name
		if ci.Default {
			names[i] += " *"
		}
	}
	fmt.Fprintf(c.App.Writer, "server on %s reloaded %s: %s; new sessions use them, %d running %s keep%s %s\n",
		e.Where(), loadedName(info), strings.Join(names, ", "),
		info.Sessions, plural(info.Sessions, "session", "sessions"), plural(info.Sessions, "s", ""), plural(info.Sessions, "its own", "theirs"))
	return nil
}

// loadedName names the file a server has loaded.
func loadedName(info *socket.ConfigInfo) string {
	if info.Path == "" {
		return "the built-in defaults (no configuration file)"
	}
	return info.Path
}

// timeFormat is how times of files are shown.
const timeFormat = "2006-01-02 15:04:05"

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func serverAction(c *cli.Context) error {
	if c.NArg() > 0 {
		return usagef("unknown server command %q (expected: stop, reload; see 'linger server --help')", c.Args().First())
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
