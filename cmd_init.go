package main

import (
	"fmt"
	"strings"

	"github.com/urfave/cli/v2"

	"linger/shellinit"
)

func initCommand() *cli.Command {
	return &cli.Command{
		Name:      "init",
		Usage:     "print the shell integration, for shells linger did not start",
		ArgsUsage: "SHELL",
		Description: `Prints linger's shell integration for SHELL (bash, zsh or fish), to be
evaluated in the shell: eval "$(linger init bash)" (fish: linger init fish
| source). A bash, zsh or fish that linger starts as a session's command
already has it (bash through --init-file, zsh through ZDOTDIR, fish through
XDG_DATA_DIRS, reading your usual startup files too): init is for shells started other ways (in your
startup file, it does nothing where linger already loaded it). The integration emits
OSC 133 prompt marks, which terminals understand, and linger's private
marks, which let 'linger run' run commands in the shell; those work only in
a shell whose environment has the session's $LINGER_NONCE, that is the
session's own shell.`,
		Action: initAction,
	}
}

func initAction(c *cli.Context) error {
	if c.NArg() != 1 {
		return usagef("init takes one SHELL: %s", strings.Join(shellinit.Shells, ", "))
	}
	script := shellinit.Integration(c.Args().First())
	if script == "" {
		return usagef("init: no integration for shell %q (expected one of: %s)", c.Args().First(), strings.Join(shellinit.Shells, ", "))
	}
	fmt.Print(script)
	return nil
}
