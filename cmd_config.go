package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"text/tabwriter"

	"linger/client"
	"linger/config"
	"linger/server"
	"linger/socket"

	"github.com/urfave/cli/v2"
)

// configCommand() reads the configuration file locally, except `config
// list`, which shows what a running server has loaded, and `config show`
// with -H, which shows what the server on that host has loaded.
func configCommand() *cli.Command {
	return &cli.Command{
		Name:  "config",
		Usage: "list, show or check session configurations; list host entries",
		Description: `A session configuration is a named recipe for new sessions: the command to
run, its directory and extra environment. They live in the TOML file given
by -c/--config or $LINGER_CONFIG, else $XDG_CONFIG_HOME/linger/config.toml
(else ~/.config/linger/config.toml); config.example.toml documents every
key. Without a file, only the built-in "default" configuration exists.
The same file holds the host entries that -H NAME reaches ('config hosts').`,
		HideHelpCommand: true,
		Subcommands:     []*cli.Command{configCheckCommand(), configHostsCommand(), configListCommand(), configShowCommand()},
	}
}

func configCheckCommand() *cli.Command {
	return &cli.Command{
		Name:      "check",
		Usage:     "validate a configuration file, listing every problem",
		ArgsUsage: "[FILE]",
		Description: `Check FILE, by default the configuration file in effect, and print each
problem as FILE:LINE: KEY: MESSAGE. Exit status 0 when the file is valid or
the default file does not exist, 1 otherwise.`,
		Action: configCheckAction,
	}
}

func configHostsCommand() *cli.Command {
	return &cli.Command{
		Name:  "hosts",
		Usage: "list the host entries that -H NAME reaches",
		Description: `List the [hosts.NAME] entries of the configuration file in effect (this
client's: -c, $LINGER_CONFIG or the default file), sorted by name: the URL,
the options given to ssh and the linger program run there. No host is
contacted.

--json prints an array of objects with these fields, always present: name,
url, ssh_options (array), remote_command (array; [] = "linger"),
reconnect_timeout (e.g. "30m"; null: [client]'s).`,
		Flags:  []cli.Flag{&cli.BoolFlag{Name: "json", Usage: "print a JSON array"}},
		Action: configHostsAction,
	}
}

// hostInfo is one host entry in 'config hosts --json'.
type hostInfo struct {
	Name          string   `json:"name"`
	URL           string   `json:"url"`
	SSHOptions    []string `json:"ssh_options"`
	RemoteCommand []string `json:"remote_command"`
	// ReconnectTimeout: the entry's reconnect_timeout; nil: [client]'s
	ReconnectTimeout *string `json:"reconnect_timeout"`
}

// configHostsAction lists the host entries from the file alone: listing
// configuration never dials.
func configHostsAction(c *cli.Context) error {
	if c.NArg() > 0 {
		return usagef("config hosts takes no arguments (see 'linger config hosts --help')")
	}
	path, explicit := configPath(c)
	cfg, err := config.Load(path, explicit)
	if err != nil {
		return err
	}
	hosts := []hostInfo{}
	for _, name := range cfg.HostNames() {
		h := cfg.Hosts[name]
		info := hostInfo{Name: name, URL: h.URL,
			SSHOptions: append([]string{}, h.SSHOptions...), RemoteCommand: append([]string{}, h.RemoteCommand...)}
		if h.ReconnectTimeout != nil {
			d := config.FormatReconnectTimeout(*h.ReconnectTimeout)
			info.ReconnectTimeout = &d
		}
		hosts = append(hosts, info)
	}
	if c.Bool("json") {
		b, err := json.MarshalIndent(hosts, "", "  ")
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(c.App.Writer, "%s\n", b)
		return err
	}
	if len(hosts) == 0 {
		fmt.Fprintf(c.App.ErrWriter, "linger: no host entries in %s (add [hosts.NAME] tables: see config.example.toml)\n", path)
		return nil
	}
	w := tabwriter.NewWriter(c.App.Writer, 0, 8, 2, ' ', 0)
	fmt.Fprintln(w, "NAME\tURL\tSSH OPTIONS\tREMOTE COMMAND")
	for _, h := range hosts {
		opts, remote := "-", "linger"
		if len(h.SSHOptions) > 0 {
			opts = controlEscaper.Replace(config.CommandLine(h.SSHOptions))
		}
		if len(h.RemoteCommand) > 0 {
			remote = controlEscaper.Replace(config.CommandLine(h.RemoteCommand))
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", h.Name, h.URL, opts, remote)
	}
	return w.Flush()
}

func configListCommand() *cli.Command {
	return &cli.Command{
		Name:    "list",
		Aliases: []string{"ls"},
		Usage:   "list the session configurations",
		Description: `The default configuration is marked with '*'. When a server runs, it lists
what that server has loaded (which file, modified when), and says when the
file on disk has changed since or is another one than -c/$LINGER_CONFIG
names ('linger server reload' reads it again); with no server, it reads
the file. With -H, it lists what the server on that host has loaded
(starting it there if none runs).

--json prints an array of objects with these fields, always present: name,
default (true for the default configuration), command (array; [] = $SHELL
-l), cwd ("" = the client's directory), env (object), output_buffering,
buffer_size (bytes), log_file ("" = none), idle_timeout_seconds (0 =
none), max_idle_timeout_seconds (0 = no cap), restore, scrollback_lines.`,
		Flags:  []cli.Flag{&cli.BoolFlag{Name: "json", Usage: "print a JSON array"}},
		Action: configListAction,
	}
}

func configShowCommand() *cli.Command {
	return &cli.Command{
		Name:      "show",
		Usage:     "print a session configuration as TOML",
		ArgsUsage: "[NAME]",
		Description: `Print configuration NAME (the default one without NAME) with the effective
value of every key, defaults included. With -H, the configuration the
server on that host has loaded (starting it there if none runs).`,
		Action: configShowAction,
	}
}

// loadConfigInEffect reads the configuration file that -c, $LINGER_CONFIG
// or the default location names.
func loadConfigInEffect(c *cli.Context) (*config.Config, error) {
	path, explicit := configPath(c)
	return config.Load(path, explicit)
}

func configListAction(c *cli.Context) error {
	if c.NArg() > 0 {
		return usagef("config list takes no arguments (see 'linger config list --help')")
	}
	e, err := endpoint(c)
	if err != nil {
		return err
	}
	var confs []socket.ConfigurationInfo
	info, err := e.LoadedConfig() // a running server's, else the file's
	switch {
	case err == nil:
		confs = info.Configurations
	case client.IsNoServer(err) && e.Host == nil:
		cfg, err := loadConfigInEffect(c)
		if err != nil {
			return err
		}
		confs = server.ConfigurationInfos(cfg)
	default:
		return err
	}
	if info != nil && e.Config != "" && !client.SameFile(info.Path, e.Config) {
		fmt.Fprintf(c.App.ErrWriter, "linger: %s\n", client.ConfigMismatch(e.Where(), info, e.Config))
	}
	if c.Bool("json") {
		b, err := json.MarshalIndent(confs, "", "  ")
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(c.App.Writer, "%s\n", b)
		return err
	}
	w := tabwriter.NewWriter(c.App.Writer, 0, 8, 2, ' ', 0)
	fmt.Fprintln(w, "NAME\tCOMMAND\tCWD")
	for _, conf := range confs {
		name := conf.Name
		if conf.Default {
			name += " *" // names have no whitespace: unambiguous
		}
		fmt.Fprintf(w, "%s\t%s\t%s\n", name, configCommandLine(conf.Command), configCwd(conf.Cwd))
	}
	if err := w.Flush(); err != nil {
		return err
	}
	if info != nil {
		path, _ := configPath(c)
		// on another host, this host's files say nothing of the server's
		for _, line := range loadedLines(e.Where(), info, path, e.Host == nil) {
			fmt.Fprintln(c.App.Writer, line)
		}
	}
	return nil
}

// loadedLines say, under `config list`, which file the server on sock
// has loaded and, when onDisk (the server runs on this host), whether the
// file on disk (path, the one this client would read) has changed since.
func loadedLines(sock string, info *socket.ConfigInfo, path string, onDisk bool) []string {
	if info.Path == "" {
		lines := []string{"", fmt.Sprintf("server on %s: built-in defaults (no configuration file when it last read one, %s)", sock, info.LoadedAt.Local().Format(timeFormat))}
		if onDisk && configFileExists(path) {
			lines = append(lines, fmt.Sprintf("%s exists now: run 'linger server reload' to use it", path))
		}
		return lines
	}
	modified := "?"
	if info.ModTime != nil {
		modified = info.ModTime.Local().Format(timeFormat)
	}
	lines := []string{"", fmt.Sprintf("server on %s: %s (modified %s, read %s)", sock, info.Path, modified, info.LoadedAt.Local().Format(timeFormat))}
	if !onDisk {
		return lines
	}
	fi, err := os.Stat(info.Path)
	switch {
	case err != nil:
		lines = append(lines, fmt.Sprintf("%s is gone since (%v): the server keeps what it read", info.Path, errors.Unwrap(err)))
	case info.ModTime == nil || !fi.ModTime().Equal(*info.ModTime) || fi.Size() != info.Size:
		lines = append(lines, fmt.Sprintf("%s has changed since (modified %s): run 'linger server reload' to use it", info.Path, fi.ModTime().Local().Format(timeFormat)))
	}
	return lines
}

// configCommandLine is what a configuration runs, for display.
func configCommandLine(argv []string) string {
	if len(argv) == 0 {
		return "$SHELL -l"
	}
	return controlEscaper.Replace(config.CommandLine(argv))
}

// controlEscaper keeps a table row on one line and its columns aligned.
var controlEscaper = strings.NewReplacer("\n", `\n`, "\t", `\t`, "\r", `\r`)

// configCwd is where a configuration starts, for display.
func configCwd(cwd string) string {
	if cwd == "" {
		return "$PWD" // the client's current directory
	}
	return controlEscaper.Replace(cwd)
}

func configShowAction(c *cli.Context) error {
	if c.NArg() > 1 {
		return usagef("config show takes at most one NAME (see 'linger config show --help')")
	}
	if isRemote(c) {
		// the host's files are not ours to read: its server shows them
		e, err := endpoint(c)
		if err != nil {
			return err
		}
		rep, err := e.Request(&socket.Request{Op: socket.OpConfig, Show: true, Configuration: c.Args().First()})
		if err != nil {
			return err
		}
		if rep.Config == nil {
			return errors.New("the server did not show the configuration")
		}
		_, err = fmt.Fprint(c.App.Writer, rep.Config.Shown)
		return err
	}
	cfg, err := loadConfigInEffect(c)
	if err != nil {
		return err
	}
	conf, err := cfg.Lookup(c.Args().First())
	if err != nil {
		return err
	}
	_, err = fmt.Fprint(c.App.Writer, conf.TOML())
	return err
}

func configCheckAction(c *cli.Context) error {
	if c.NArg() > 1 {
		return usagef("config check takes at most one FILE (see 'linger config check --help')")
	}
	path, explicit := configPath(c)
	named := c.NArg() == 1
	if named {
		path, explicit = c.Args().First(), true
	}
	_, err := config.Load(path, explicit)
	var ce *config.Error
	switch {
	case err == nil && !explicit && !configFileExists(path):
		fmt.Fprintf(c.App.Writer, "%s: not found, built-in defaults are in use\n", path)
		return nil
	case err == nil:
		fmt.Fprintf(c.App.Writer, "%s: ok\n", path)
		return nil
	case named && !configFileExists(path):
		return fmt.Errorf("%s: not found", path)
	case errors.As(err, &ce):
		for _, p := range ce.Problems {
			fmt.Fprintf(c.App.ErrWriter, "linger: %s\n", p)
		}
		return exitStatus(exitError)
	}
	return err
}

// configFileExists reports whether path names something (even unreadable).
func configFileExists(path string) bool {
	_, err := os.Stat(path)
	return !errors.Is(err, fs.ErrNotExist)
}
