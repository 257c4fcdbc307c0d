package main

import (
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/urfave/cli/v2"

	"linger/client"
	"linger/socket"
)

func newCommand() *cli.Command {
	return &cli.Command{
		Name:      "new",
		Usage:     "create a session and attach to it",
		ArgsUsage: "[NAME] [-- COMMAND [ARG...]]",
		Description: `Creates a session running COMMAND (default: the configuration's command,
else $SHELL -l, else /bin/sh) on a new pseudo-terminal, and attaches the
current terminal to it. With -d the session is only created and its name
printed (with --json, the session as one object of 'linger ls --json').
Without NAME the server picks a short unique one. Names are at most
64 characters, without whitespace or '/', and not all digits (digits are IDs).
Detach with the detach key (Ctrl-\ by default); pressed twice in a row
(within 0.4 s), it goes to the program instead.`,
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "detach", Aliases: []string{"d"}, Usage: "create only: print the session's name and do not attach"},
			&cli.BoolFlag{Name: "json", Usage: "with -d: print the new session as JSON, as ls --json does, instead of its name"},
			&cli.BoolFlag{Name: "A", Usage: "attach to NAME if it exists instead of failing"},
			&cli.StringFlag{Name: "configuration", Aliases: []string{"C"}, Usage: "use the session configuration `NAME`"},
			&cli.StringFlag{Name: "cwd", Usage: "start in `DIR` (default: the configuration's, else the current directory)"},
			&cli.StringSliceFlag{Name: "env", Aliases: []string{"e"}, Usage: "set `KEY=VALUE` in the session's environment (repeatable)"},
			&cli.StringFlag{Name: "size", Usage: "size `COLSxROWS` of a detached session (default: this terminal's, else 80x24)"},
			outputBufferingFlag(),
			idleTimeoutFlag(),
			detachKeyFlag(),
			reconnectTimeoutFlag(),
			nestFlag(),
		},
		Action: newAction,
	}
}

func newAction(c *cli.Context) error {
	name, command, err := newArgs(c)
	if err != nil {
		return err
	}
	for _, kv := range c.StringSlice("env") {
		if k, _, ok := strings.Cut(kv, "="); !ok || k == "" {
			return usagef("-e %q: expected KEY=VALUE", kv)
		}
	}
	detach := c.Bool("detach")
	if c.Bool("json") && !detach {
		return usagef("--json prints the new session for scripts and needs -d (linger new -d --json ...)")
	}
	if !detach {
		if err := checkNesting(c); err != nil {
			return err
		}
		if !client.IsTerminal(os.Stdin) {
			return client.ErrNotATerminal
		}
	}
	cols, rows := client.TermSize(os.Stdin)
	if s := c.String("size"); s != "" {
		if cols, rows, err = parseSize(s); err != nil {
			return err
		}
	}
	if cols <= 0 {
		cols, rows = 80, 24
	}
	cwd := c.String("cwd")
	remote := isRemote(c)
	if cwd != "" && !remote { // a remote directory is the remote server's to check
		if cwd, err = absDir(cwd); err != nil {
			return err
		}
	}
	mode, err := outputBufferingFrom(c, true)
	if err != nil {
		return err
	}
	idle, err := idleTimeoutFrom(c, true)
	if err != nil {
		return err
	}
	req := &socket.Request{
		OutputBuffering: mode, IdleTimeout: idle,
		Op: socket.OpNew, Caller: caller(c), Name: name, Command: command,
		Configuration: c.String("configuration"), Cwd: cwd, Env: sessionEnv(remote),
		SetEnv: c.StringSlice("env"), Term: os.Getenv("TERM"),
		Attach: !detach, AttachIfExist: c.Bool("A"), Cols: cols, Rows: rows,
	}
	if req.AttachIfExist && name == "" {
		return usagef("-A needs a session NAME")
	}
	e, err := endpoint(c)
	if err != nil {
		return err
	}
	if err := detachKeyFrom(c, req); err != nil { // checked with -d too: a typo is a typo
		return err
	}
	if e.Reconnect, err = reconnectTimeoutFrom(c, e); err != nil {
		return err
	}
	res, err := e.New(req, os.Stdin, os.Stdout)
	if err == nil && detach {
		if c.Bool("json") {
			out, _ := json.MarshalIndent(res.Session, "", "  ")
			fmt.Printf("%s\n", out)
		} else {
			fmt.Println(res.Session.Name)
		}
	}
	return attachStatus(res, err)
}

// newArgs splits [NAME] [-- COMMAND...]. urfave/cli drops a leading "--",
// so the raw command line tells whether the words after flags are a command.
func newArgs(c *cli.Context) (name string, command []string, err error) {
	args := c.Args().Slice()
	for i, a := range args {
		if a == "--" {
			if i > 1 {
				return "", nil, usagef("new takes one NAME before -- (got %q)", strings.Join(args[:i], " "))
			}
			if i == 1 {
				name = args[0]
			}
			command = args[i+1:]
			if len(command) == 0 {
				return "", nil, usagef("nothing after -- (give a command, or drop the --)")
			}
			return name, command, nil
		}
	}
	if len(args) > 0 && dashDashBefore(args[0]) {
		return "", args, nil
	}
	switch len(args) {
	case 0:
		return "", nil, nil
	case 1:
		return args[0], nil, nil
	}
	return "", nil, usagef("to run a command, put it after --: linger new %s -- %s", args[0], strings.Join(args[1:], " "))
}

// dashDashBefore reports whether the raw command line has "--" right before
// the argument first.
func dashDashBefore(first string) bool {
	for i := 1; i < len(rawArgs); i++ {
		if rawArgs[i] == first && rawArgs[i-1] == "--" {
			return true
		}
		if rawArgs[i] == "--" && i+1 < len(rawArgs) && rawArgs[i+1] == first {
			return true
		}
	}
	return false
}

// parseSize parses COLSxROWS.
func parseSize(s string) (cols, rows int, err error) {
	cs, rs, ok := strings.Cut(strings.ToLower(s), "x")
	cols, err1 := strconv.Atoi(cs)
	rows, err2 := strconv.Atoi(rs)
	if !ok || err1 != nil || err2 != nil || cols < 1 || rows < 1 || cols > 4096 || rows > 4096 {
		return 0, 0, usagef("--size %q: expected COLSxROWS, e.g. 120x40", s)
	}
	return cols, rows, nil
}

// absDir makes dir absolute and checks it is a directory.
func absDir(dir string) (string, error) {
	if !strings.HasPrefix(dir, "/") {
		wd, err := os.Getwd()
		if err != nil {
			return "", err
		}
		dir = wd + "/" + dir
	}
	fi, err := os.Stat(dir)
	if err != nil {
		return "", fmt.Errorf("--cwd %q: no such directory", dir)
	}
	if !fi.IsDir() {
		return "", fmt.Errorf("--cwd %q: not a directory", dir)
	}
	return dir, nil
}

// sessionEnv is the environment new sends for the session: this one,
// without LINGER_HOST (a session's linger commands talk to its own
// server), or none for a server on another host, which then gives the
// session its own environment (that of the ssh login that started it).
func sessionEnv(remote bool) []string {
	if remote {
		return nil
	}
	env := os.Environ()
	out := env[:0:0]
	for _, kv := range env {
		if !strings.HasPrefix(kv, "LINGER_HOST=") {
			out = append(out, kv)
		}
	}
	return out
}
