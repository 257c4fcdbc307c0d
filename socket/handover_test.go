package socket

import (
	"io"
	"os"
	"syscall"
	"testing"
	"time"
)

// TestHandover: a server's unix connection that gets a relay's MsgRelayed
// with handover and two descriptors answers MsgHandedOver there, and runs
// the conversation over the descriptors: the hello again, the client's
// hello and request from one, the reply to the other; it is relayed, no
// unix socket, and closing it closes the relay's connection. A relay that
// dies ends the handed-over stream.
func TestHandover(t *testing.T) {
	setup := func(t *testing.T) (c *Conn, relay io.ReadWriteCloser, clientIn *os.File, clientOut *os.File) {
		a, b := fzSocketpair(t)
		t.Cleanup(func() { a.Close(); b.Close() })
		inR, inW, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		outR, outW, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { inW.Close(); outR.Close() })
		// the client's hello and request wait in the pipe, as in sshd's
		var h [HeaderSize]byte
		p := EncodeHello("client", 0)
		Header(&h, MsgHello, len(p))
		inW.Write(append(h[:], p...))
		Header(&h, MsgRequest, 2)
		inW.Write(append(h[:], "{}"...))
		if err := HandOver(b, Relayed{Via: RelayedSSH, From: "192.0.2.7"}, inR, outW); err != nil {
			t.Fatal(err)
		}
		inR.Close() // the server has its own
		outW.Close()
		c = NewConnSize(a, 4<<10)
		if _, _, err := c.Hello("server", true, 5*time.Second); err != nil {
			t.Fatal(err)
		}
		return c, b, inW, outR
	}
	t.Run("conversation", func(t *testing.T) {
		c, relay, _, out := setup(t)
		if r := c.Relayed(); r == nil || !r.Handover || r.Label() != "ssh:192.0.2.7" || c.Unix() {
			t.Fatalf("Relayed() = %+v, Unix() = %v: want the relay's, and no unix socket", r, c.Unix())
		}
		// the relay reads the server's first hello, then MsgHandedOver
		for _, want := range []uint8{MsgHello, MsgHandedOver} {
			if typ, _, err := ReadFrame(relay, nil); err != nil || typ != want {
				t.Fatalf("the relay read 0x%02x, %v; want 0x%02x", typ, err, want)
			}
		}
		var req Request
		if err := c.ReadJSON(MsgRequest, &req); err != nil {
			t.Fatalf("the request from the handed-over stdin: %v", err)
		}
		c.WriteJSON(MsgReply, Reply{})
		if typ, _, err := ReadFrame(out, nil); err != nil || typ != MsgHello {
			t.Fatalf("the client read 0x%02x, %v; want the hello", typ, err)
		}
		if typ, _, err := ReadFrame(out, nil); err != nil || typ != MsgReply {
			t.Fatalf("the client read 0x%02x, %v; want the reply", typ, err)
		}
		c.Close()
		if _, err := io.ReadAll(out); err != nil {
			t.Fatalf("the client's stdout after Close: %v", err)
		}
		if b, err := io.ReadAll(relay); err != nil || len(b) != 0 {
			t.Fatalf("the relay read %q, %v after Close, want EOF", b, err)
		}
	})
	t.Run("relay dies", func(t *testing.T) {
		c, relay, _, _ := setup(t)
		var req Request
		if err := c.ReadJSON(MsgRequest, &req); err != nil {
			t.Fatal(err)
		}
		relay.Close()
		done := make(chan error, 1)
		go func() { _, _, err := c.ReadFrame(); done <- err }()
		select {
		case err := <-done:
			if err == nil {
				t.Fatalf("a frame after the relay died")
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("the server still reads the handed-over stream after the relay died")
		}
	})
	t.Run("one socket both ways", func(t *testing.T) {
		// sshd may give a command one socket as stdin and stdout
		a, b := fzSocketpair(t)
		defer a.Close()
		defer b.Close()
		fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
		if err != nil {
			t.Fatal(err)
		}
		mine, client := os.NewFile(uintptr(fds[0]), "stdio"), os.NewFile(uintptr(fds[1]), "client")
		defer client.Close()
		var h [HeaderSize]byte
		p := EncodeHello("client", 0)
		Header(&h, MsgHello, len(p))
		client.Write(append(h[:], p...))
		if err := HandOver(b, Relayed{Via: RelayedSSH}, mine, mine); err != nil {
			t.Fatal(err)
		}
		mine.Close()
		c := NewConnSize(a, 4<<10)
		if _, _, err := c.Hello("server", true, 5*time.Second); err != nil {
			t.Fatal(err)
		}
		if typ, _, err := ReadFrame(client, nil); err != nil || typ != MsgHello {
			t.Fatalf("the client read 0x%02x, %v; want the hello", typ, err)
		}
		// half-close: the client reads EOF, and its bytes still come
		if err := CloseWrite(c.Stream()); err != nil {
			t.Fatal(err)
		}
		if b, err := io.ReadAll(client); err != nil || len(b) != 0 {
			t.Fatalf("the client read %q, %v after CloseWrite, want EOF", b, err)
		}
		Header(&h, MsgRequest, 2)
		client.Write(append(h[:], "{}"...))
		var req Request
		if err := c.ReadJSON(MsgRequest, &req); err != nil {
			t.Fatalf("the request after CloseWrite: %v", err)
		}
		c.Close()
	})
}
