package main

// End-to-end tests of what an attach that sees the command exit collects:
// the session goes only once the client has acknowledged all its output
// and confirmed the status; otherwise it stays Closed with the rest for
// the next attach or receive (README, "Exit statuses outlive the
// command"). A client speaking the protocol by hand acknowledges exactly
// what the test says.

import (
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"linger/socket"
)

// exitAttach attaches a hand-made relaying client to session name, makes
// its command go on (creating the file it waits for), and reads the
// stream until MsgExited; it returns the connection and the output bytes.
func exitAttach(t *testing.T, e *env, name, goFile string) (*socket.Conn, []byte) {
	t.Helper()
	nc, err := net.DialUnix("unix", nil, &net.UnixAddr{Name: e.Sock, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	c := socket.NewConn(nc)
	if _, _, err := c.Hello("test", false, 5*time.Second); err != nil {
		t.Fatal(err)
	}
	req, _ := json.Marshal(socket.Request{Op: socket.OpAttach, Target: name, Cols: 80, Rows: 24, Restore: "none"})
	if err := c.WriteFrame(socket.MsgRequest, req); err != nil {
		t.Fatal(err)
	}
	if typ, p, err := c.ReadFrame(); err != nil || typ != socket.MsgReply {
		t.Fatalf("reply: 0x%02x %q %v", typ, p, err)
	}
	if err := os.WriteFile(goFile, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	c.SetReadDeadline(time.Now().Add(harnessWait))
	var out []byte
	for {
		typ, p, err := c.ReadFrame()
		if err != nil {
			t.Fatalf("reading the stream: %v (after %d bytes)", err, len(out))
		}
		switch typ {
		case socket.MsgOutput:
			out = append(out, p...)
		case socket.MsgExited:
			var x socket.Exited
			json.Unmarshal(p, &x)
			if x.ShellCode != 3 {
				t.Fatalf("MsgExited %+v, want status 3", x)
			}
			return c, out
		case socket.MsgRestore: // restore none, an empty screen: covers nothing
		default:
			t.Fatalf("unexpected message 0x%02x", typ)
		}
	}
}

// exitSession starts session name, whose command waits for goFile, then
// prints numbered lines and exits 3; it returns the bytes it prints.
func exitSession(t *testing.T, e *env, name string) (goFile string, want []byte) {
	goFile = filepath.Join(e.Home, name+".go")
	script, want := rxGen(300, "; exit 3")
	newDetached(t, e, name, "sh", "-c", "while [ ! -e "+goFile+" ]; do sleep 0.02; done; "+script)
	return goFile, want
}

// A client attached when the command exits, which acknowledges part of the
// output and goes away: the session stays Closed with the rest, which a
// receive gets byte for byte, with the status, collecting it.
func TestAttachExitPartlyAcknowledgedKeepsTheRest(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	naKeepServer(t, e)
	goFile, want := exitSession(t, e, "j")
	c, out := exitAttach(t, e, "j", goFile)
	rxSame(t, "the attached client's output", out, want)
	half := len(out) / 2
	c.WriteFrame(socket.MsgAck, socket.EncodeAck(int64(half)))
	c.Close() // gone without its last word
	got := rxReceiveUntil(t, e, "j", nil, 3, 30*time.Second)
	rxSame(t, "what receive got after the client left", got, want[half:])
	rxWaitRemoved(t, e, "j", 5*time.Second)
}

// A client attached when the command exits, which acknowledges everything
// and confirms the status (MsgDetach after MsgExited, as linger attach
// does): the session is collected before the server closes the connection.
func TestAttachExitAllAcknowledgedCollects(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	naKeepServer(t, e)
	goFile, want := exitSession(t, e, "j")
	c, out := exitAttach(t, e, "j", goFile)
	rxSame(t, "the attached client's output", out, want)
	if c.WriteFrame(socket.MsgAck, socket.EncodeAck(int64(len(out)))) != nil || c.WriteFrame(socket.MsgDetach, nil) != nil {
		t.Fatal("cannot send the last word")
	}
	if typ, _, err := c.ReadFrame(); err == nil {
		t.Fatalf("after the last word: message 0x%02x, want the connection closed", typ)
	}
	if s := rxInfo(t, e, "j"); s != nil {
		t.Fatalf("the session is still listed once the server closed the connection: %+v", *s)
	}
}

// An attach to a Closed session whose client acknowledges part of it and
// goes away does not collect it: the next attach (here, linger attach)
// prints the rest and the status, and collects it.
func TestAttachClosedPartlyAcknowledgedKeepsTheRest(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	naKeepServer(t, e)
	newDetached(t, e, "c", "sh", "-c", `echo "first part"; echo "second part"; exit 3`)
	rxWaitClosed(t, e, "c", harnessWait)
	nc, err := net.DialUnix("unix", nil, &net.UnixAddr{Name: e.Sock, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	c := socket.NewConn(nc)
	if _, _, err := c.Hello("test", false, 5*time.Second); err != nil {
		t.Fatal(err)
	}
	req, _ := json.Marshal(socket.Request{Op: socket.OpAttach, Target: "c", Cols: 80, Rows: 24, Restore: "none"})
	c.WriteFrame(socket.MsgRequest, req)
	c.SetReadDeadline(time.Now().Add(harnessWait))
	var out []byte
	for done := false; !done; {
		typ, p, err := c.ReadFrame()
		if err != nil {
			t.Fatalf("reading the stream: %v", err)
		}
		switch typ {
		case socket.MsgRestore:
			_, draw, _ := socket.DecodeRestore(p)
			out = append(out, draw...)
		case socket.MsgExited:
			done = true
		}
	}
	rxSame(t, "the drawing of the Closed session", out, []byte("first part\r\nsecond part\r\n"))
	c.WriteFrame(socket.MsgAck, socket.EncodeAck(int64(len("first part\r\n"))))
	nc.Close()

	got := rxReceiveUntil(t, e, "c", nil, 3, 30*time.Second)
	rxSame(t, "what receive got after the attach left", got, []byte("second part\r\n"))
	rxWaitRemoved(t, e, "c", 5*time.Second)
}
