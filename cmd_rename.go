package main

import (
	"github.com/urfave/cli/v2"

	"linger/socket"
)

func renameCommand() *cli.Command {
	return &cli.Command{
		Name:      "rename",
		Usage:     "give a session a new name",
		ArgsUsage: "OLD NEW",
		Description: `Renames the session OLD (a name or ID) to NEW, in any state, Closed
included; attached clients stay attached. NEW follows the rules of new's
names (at most 64 characters, without whitespace or '/', not all digits)
and must not be taken. From then on ls shows NEW, and attach, kill and the
other commands know the session by NEW only.

The programs running in the session keep LINGER_SESSION=OLD in their
environment: a running program's environment cannot be changed.
LINGER_SESSION_ID, by which linger commands run inside the session find it,
stays right.`,
		Action: func(c *cli.Context) error {
			if c.NArg() != 2 {
				return usagef("rename needs the session (NAME or ID) and its new name: linger rename OLD NEW")
			}
			// The server checks the new name: a bad one comes back as a
			// usage error (exit 2), as for new.
			_, err := request(c, &socket.Request{Op: socket.OpRename, Target: c.Args().Get(0), Name: c.Args().Get(1)})
			return err
		},
	}
}
