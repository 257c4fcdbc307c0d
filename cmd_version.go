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
		Usage: "print linger's version (the same as --version)",
		Action: func(c *cli.Context) error {
			printVersion(c)
			return nil
		},
	}
}

// printVersion prints the one version line of `linger version`,
// `linger --version` and `linger -v`.
func printVersion(c *cli.Context) {
	fmt.Fprintf(c.App.Writer, "linger %s (protocol %d, %s)\n", version, socket.ProtocolVersion, runtime.Version())
}

func init() { cli.VersionPrinter = printVersion }
