package main

import (
	"fmt"
	"io"
	"os"

	"github.com/urfave/cli/v2"

	"linger/socket"
	"linger/transport"
)

// dialStdioCommand is what a client on another host runs here through
// ssh (package transport): hidden from --help, described in the man page.
func dialStdioCommand() *cli.Command {
	return &cli.Command{
		Name:   "dial-stdio",
		Usage:  "relay stdin and stdout to the server (what 'linger -H ssh://...' runs on the host)",
		Hidden: true,
		Action: dialStdio,
	}
}

// dialStdio connects to this user's server here (-L NAME; -H and
// $LINGER_HOST are ignored: this is the host), starting one when none
// runs, writes the banner and relays stdin to the server and the server to
// stdout until the server closes. The client's end of stdin half-closes
// the connection, so the server sees the client leave.
func dialStdio(c *cli.Context) error {
	e, err := localEndpoint(c)
	if err != nil {
		return err
	}
	// A server started here must outlive the ssh login (daemon.Spawn).
	conn, err := e.ConnectRaw(true)
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := io.WriteString(os.Stdout, transport.Banner(version)); err != nil {
		return nil // the client is gone
	}
	go func() {
		io.Copy(conn, os.Stdin)
		socket.CloseWrite(conn)
	}()
	if _, err := io.Copy(os.Stdout, conn); err != nil {
		return fmt.Errorf("relaying to the client: %v", err)
	}
	return nil
}
