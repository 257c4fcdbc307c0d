package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/urfave/cli/v2"
	"golang.org/x/sys/unix"

	"linger/socket"
	"linger/transport"
)

// dialStdioCommand is what a client on another host runs here through
// ssh (package transport): hidden from --help, described in the man page.
func dialStdioCommand() *cli.Command {
	return &cli.Command{
		Name:   "dial-stdio",
		Usage:  "hand stdin and stdout to the server (what 'linger -H ssh://...' runs on the host)",
		Hidden: true,
		Action: dialStdio,
	}
}

// dialStdio connects to this user's server here (-L NAME; -H and
// $LINGER_HOST are ignored: this is the host), starting one when none
// runs, and writes the banner. Then it leaves the data path: it hands
// its stdin and stdout to the server with whom it relays for (relayedFor),
// puts /dev/null in their place and waits until the server closes the
// connection, so that the client's bytes go from sshd to the server
// without passing through here (see Relays in socket/protocol.go). It
// stays until then because sshd stops writing to a command's stdin once
// the command has exited. With a server of another protocol version, or
// a stdin or stdout that is a terminal, it relays the bytes itself:
// stdin to the server, the server to stdout, until the server closes;
// the client's end of stdin half-closes the connection, so the server
// sees the client leave.
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
	if _, err := io.WriteString(os.Stdout, transport.Banner(socket.ProtocolVersion, version)); err != nil {
		return nil // the client is gone
	}
	relayed := relayedFor(os.Getenv("SSH_CONNECTION"))
	// The server's hello, which it sends any client at once, says whether
	// it takes a handover (its protocol version is ours).
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	typ, p, err := socket.ReadFrame(conn, nil)
	if err != nil {
		return fmt.Errorf("the server did not answer: %v", err)
	}
	conn.SetReadDeadline(time.Time{})
	if v, _, _, herr := socket.DecodeHello(p); typ == socket.MsgHello && herr == nil && v == socket.ProtocolVersion &&
		socket.CanHandOver(os.Stdin) && socket.CanHandOver(os.Stdout) {
		return handOver(conn, relayed)
	}
	// Relay: first whom for, before any byte of the client's (only we can
	// tell), then what the server said.
	if err := socket.WriteRelayed(conn, relayed); err != nil {
		return fmt.Errorf("relaying to the server: %v", err)
	}
	var h [socket.HeaderSize]byte
	socket.Header(&h, typ, len(p))
	if _, err := os.Stdout.Write(append(h[:], p...)); err != nil {
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

// handOver gives the server our stdin and stdout, then waits for it to
// close conn: the end of the client's conversation.
func handOver(conn socket.Stream, relayed socket.Relayed) error {
	if err := socket.HandOver(conn, relayed, os.Stdin, os.Stdout); err != nil {
		return fmt.Errorf("handing the connection to the server: %v", err)
	}
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	typ, _, err := socket.ReadFrame(conn, nil)
	if err != nil || typ != socket.MsgHandedOver {
		if err == nil {
			err = fmt.Errorf("message 0x%02x", typ)
		}
		return fmt.Errorf("the server did not take the connection over (%v): run 'linger server stop' and retry", err)
	}
	conn.SetReadDeadline(time.Time{})
	// Only the server holds the client's stream now: its end is the
	// server's to make.
	if null, err := os.OpenFile(os.DevNull, os.O_RDWR, 0); err == nil {
		unix.Dup3(int(null.Fd()), 0, 0)
		unix.Dup3(int(null.Fd()), 1, 0)
		null.Close()
	}
	io.Copy(io.Discard, conn)
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
