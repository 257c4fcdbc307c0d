package main

import (
	"fmt"
	"io"
	"os"
	"strings"

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
// runs, tells it whom it relays for (relayedFor), writes the banner and relays stdin to the server and the server to
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
	// Before any byte of the client's: whom we relay for (see Relays in
	// socket/protocol.go), which only we can tell.
	if err := socket.WriteRelayed(conn, relayedFor(os.Getenv("SSH_CONNECTION"))); err != nil {
		return fmt.Errorf("relaying to the server: %v", err)
	}
	if _, err := io.WriteString(os.Stdout, transport.Banner(socket.ProtocolVersion, version)); err != nil {
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

// relayedFor says whom dial-stdio relays for, from $SSH_CONNECTION
// ("CLIENT_IP CLIENT_PORT SERVER_IP SERVER_PORT", set by sshd in the
// login that runs us): the client machine's address as this host sees it.
// Without it (another transport in $LINGER_SSH, or run by hand) the origin
// is unknown.
func relayedFor(sshConnection string) socket.Relayed {
	if f := strings.Fields(sshConnection); len(f) > 0 {
		return socket.Relayed{Via: socket.RelayedSSH, From: f[0]}
	}
	return socket.Relayed{Via: "dial-stdio"}
}
