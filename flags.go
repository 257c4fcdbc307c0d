package main

import (
	"os"
	"path/filepath"
	"time"

	"linger/client"
	"linger/config"

	"github.com/urfave/cli/v2"
)

// globalFlags are accepted before any command. They are made fresh for each
// app: urfave/cli stores values from environment variables in the flags.
func globalFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{
			Name:    "server",
			Aliases: []string{"L"},
			Usage:   "use the independent server `NAME` (socket $XDG_RUNTIME_DIR/linger/NAME.sock, else /tmp/linger-UID/NAME.sock)",
			Value:   "default",
		},
		&cli.StringFlag{
			Name:    "socket",
			Aliases: []string{"S"},
			Usage:   "use the server socket at `PATH` (overrides -L)",
			EnvVars: []string{"LINGER_SOCKET"},
		},
		&cli.StringSliceFlag{
			Name:    "host",
			Aliases: []string{"H"},
			Usage:   "use the server on another host, through ssh: `URL` is ssh://[USER@]HOST[:PORT][/SERVER-NAME] (SERVER-NAME: the -L name there), unix:///PATH (as -S PATH), or the NAME of a host entry ('linger config hosts'); ls, kill --all and detach --all take several -H",
			EnvVars: []string{"LINGER_HOST"}, // one value, never split: see hostValues
		},
		&cli.DurationFlag{
			Name:  "connect-timeout",
			Usage: "give up on a host (-H) not answering within `DURATION`: ssh's connection and handshake, then linger starting there (not while ssh may prompt at the terminal)",
			Value: 10 * time.Second,
		},
		&cli.BoolFlag{
			Name:  "verbose",
			Usage: "print the ssh command line used to reach another host (-H) on stderr, one line, before running it",
		},
		&cli.StringFlag{
			Name:    "config",
			Aliases: []string{"c"},
			Usage:   "read session configurations from `FILE` (default $XDG_CONFIG_HOME/linger/config.toml, else ~/.config/linger/config.toml)",
			EnvVars: []string{"LINGER_CONFIG"},
		},
	}
}

// configPath returns the configuration file in effect and whether the user
// named it (a named file must exist; the default one may be absent).
func configPath(c *cli.Context) (path string, explicit bool) {
	if p := lookupString(c, "config"); p != "" {
		return p, true
	}
	return defaultConfigPath(), false
}

// defaultConfigPath is $XDG_CONFIG_HOME/linger/config.toml, else
// ~/.config/linger/config.toml.
func defaultConfigPath() string {
	dir := os.Getenv("XDG_CONFIG_HOME")
	if dir == "" {
		home, _ := os.UserHomeDir()
		dir = filepath.Join(home, ".config")
	}
	return filepath.Join(dir, "linger", "config.toml")
}

// lookupString finds a string flag set on this command or any parent
// (urfave/cli/v2 keeps global flags on the root context).
func lookupString(c *cli.Context, name string) string {
	for _, ctx := range c.Lineage() {
		if ctx.IsSet(name) {
			return ctx.String(name)
		}
	}
	for _, ctx := range c.Lineage() {
		if v := ctx.String(name); v != "" {
			return v
		}
	}
	return ""
}

func outputBufferingFlag() cli.Flag {
	return &cli.StringFlag{
		Name:  "output-buffering",
		Usage: "when the session's buffer is full: `MODE` block (suspend the program) or drop (discard the oldest output)",
	}
}

func restoreFlag() cli.Flag {
	return &cli.StringFlag{
		Name:  "restore",
		Usage: "draw `MODE`: lines (history into the terminal's scrollback, then the screen), screen, or none (the kept output replayed as printed; the program redraws)",
	}
}

// restoreFrom is --restore, checked, or "" (the configuration's).
func restoreFrom(c *cli.Context) (string, error) {
	v := c.String("restore")
	if v == "" {
		return "", nil
	}
	mode, err := config.ParseRestore(v)
	if err != nil {
		return "", usagef("--restore: %v", err)
	}
	return mode, nil
}

func idleTimeoutFlag() cli.Flag {
	return &cli.StringFlag{
		Name:  "idle-timeout",
		Usage: "remove the session after `DURATION` without a client (e.g. 90s, 2h; none = never)",
	}
}

// outputBufferingFrom is --output-buffering, else (with env, for new)
// $LINGER_OUTPUT_BUFFERING, else "" (the configuration's).
func outputBufferingFrom(c *cli.Context, env bool) (string, error) {
	v, from := c.String("output-buffering"), "--output-buffering"
	if v == "" && env {
		v, from = os.Getenv("LINGER_OUTPUT_BUFFERING"), "LINGER_OUTPUT_BUFFERING"
	}
	if v == "" {
		return "", nil
	}
	mode, err := config.ParseOutputBuffering(v)
	if err != nil {
		return "", usagef("%s: %v", from, err)
	}
	return mode, nil
}

// idleTimeoutFrom is --idle-timeout, else (with env, for new)
// $LINGER_IDLE_TIMEOUT, else "" (the configuration's).
func idleTimeoutFrom(c *cli.Context, env bool) (string, error) {
	v, from := c.String("idle-timeout"), "--idle-timeout"
	if v == "" && env {
		v, from = os.Getenv("LINGER_IDLE_TIMEOUT"), "LINGER_IDLE_TIMEOUT"
	}
	if v == "" {
		return "", nil
	}
	if _, err := config.ParseIdleTimeout(v); err != nil {
		return "", usagef("%s: %v", from, err)
	}
	return v, nil
}

func reconnectTimeoutFlag() cli.Flag {
	return &cli.StringFlag{
		Name:  "reconnect-timeout",
		Usage: "when the connection breaks (not a detach), reconnect and resume for up to `DURATION` (\"4m\", \"30s\"; 0: give up at once); default: the host entry's reconnect_timeout, else [client]'s, else 4m",
	}
}

// reconnectTimeoutFrom is --reconnect-timeout, else the configuration
// file's reconnect_timeout for e: its host entry's, else [client]'s (a
// file that does not load leaves the default: the server reports its
// problems).
func reconnectTimeoutFrom(c *cli.Context, e client.Endpoint) (time.Duration, error) {
	if s := c.String("reconnect-timeout"); s != "" {
		d, err := config.ParseReconnectTimeout(s)
		if err != nil {
			return 0, usagef("--reconnect-timeout: %v", err)
		}
		return d, nil
	}
	path, explicit := configPath(c)
	if cfg, err := config.Load(path, explicit); err == nil {
		entry := ""
		if e.Host != nil {
			entry = e.Host.Entry
		}
		return cfg.Reconnect(entry), nil
	}
	return config.DefaultReconnectTimeout, nil
}
