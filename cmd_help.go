package main

import (
	"strings"

	"github.com/urfave/cli/v2"
)

// helpCommand is `linger help [COMMAND [SUBCOMMAND]]`, the same as
// `linger [COMMAND [SUBCOMMAND]] --help` (as git and docker have it).
func helpCommand() *cli.Command {
	return &cli.Command{
		Name:      "help",
		Usage:     "show help for linger or a command",
		ArgsUsage: "[COMMAND [SUBCOMMAND]]",
		Description: `Prints what 'linger COMMAND --help' prints (without COMMAND, what
'linger --help' prints), e.g. 'linger help new', 'linger help config list'.`,
		Action: func(c *cli.Context) error {
			path := c.Args().Slice()
			cmds, at := commands(), "linger"
			for _, name := range path {
				cmd := findCommand(cmds, name)
				if cmd == nil {
					return unknownCommand(at, name)
				}
				cmds, at = cmd.Subcommands, at+" "+name
			}
			return newApp().Run(append(strings.Fields(at), "--help"))
		},
	}
}
