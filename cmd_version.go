package main

import (
	"fmt"
	"runtime"

	"github.com/urfave/cli/v2"

	"linger/socket"
)

func versionCommand() *cli.Command {
	return &cli.Command{
		Name:  "version",
		Usage: "print linger's version",
		Action: func(c *cli.Context) error {
			fmt.Printf("linger %s (protocol %d, %s)\n", version, socket.ProtocolVersion, runtime.Version())
			return nil
		},
	}
}
