package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"text/tabwriter"

	"linger/config"

	"github.com/urfave/cli/v2"
)

// configCommand() reads the configuration file locally; it needs no server.
func configCommand() *cli.Command {
	return &cli.Command{
		Name:  "config",
		Usage: "list, show or check session configurations",
		Description: `A session configuration is a named recipe for new sessions: the command to
run, its directory and extra environment. They live in the TOML file given
by -c/--config or $LINGER_CONFIG, else $XDG_CONFIG_HOME/linger/config.toml
(else ~/.config/linger/config.toml); config.example.toml documents every
key. Without a file, only the built-in "default" configuration exists.`,
		HideHelpCommand: true,
		Subcommands:     []*cli.Command{configCheckCommand(), configListCommand(), configShowCommand()},
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

func configListCommand() *cli.Command {
	return &cli.Command{
		Name:        "list",
		Aliases:     []string{"ls"},
		Usage:       "list the session configurations",
		Description: `The default configuration is marked with '*'.`,
		Action:      configListAction,
	}
}

func configShowCommand() *cli.Command {
	return &cli.Command{
		Name:      "show",
		Usage:     "print a session configuration as TOML",
		ArgsUsage: "[NAME]",
		Description: `Print configuration NAME (the default one without NAME) with the effective
value of every key, defaults included.`,
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
	cfg, err := loadConfigInEffect(c)
	if err != nil {
		return err
	}
	w := tabwriter.NewWriter(c.App.Writer, 0, 8, 2, ' ', 0)
	fmt.Fprintln(w, "NAME\tCOMMAND\tCWD")
	for _, name := range cfg.Names() {
		conf := cfg.Configurations[name]
		if name == cfg.Server.DefaultConfiguration {
			name += " *" // names have no whitespace: unambiguous
		}
		fmt.Fprintf(w, "%s\t%s\t%s\n", name, configCommandLine(conf), configCwd(conf))
	}
	return w.Flush()
}

// configCommandLine is what a configuration runs, for display.
func configCommandLine(conf *config.Configuration) string {
	if len(conf.Command) == 0 {
		return "$SHELL -l"
	}
	return controlEscaper.Replace(config.CommandLine(conf.Command))
}

// controlEscaper keeps a table row on one line and its columns aligned.
var controlEscaper = strings.NewReplacer("\n", `\n`, "\t", `\t`, "\r", `\r`)

// configCwd is where a configuration starts, for display.
func configCwd(conf *config.Configuration) string {
	if conf.Cwd == "" {
		return "$PWD" // the client's current directory
	}
	return controlEscaper.Replace(conf.Cwd)
}

func configShowAction(c *cli.Context) error {
	if c.NArg() > 1 {
		return usagef("config show takes at most one NAME (see 'linger config show --help')")
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
