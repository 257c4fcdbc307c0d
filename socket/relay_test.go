package socket

import (
	"io"
	"strings"
	"testing"
	"time"
)

// TestRelayedFirstFrameOnly: a server's unix connection takes a relay's
// MsgRelayed before the hello and keeps it; one that comes after the hello
// (a client behind the relay sending its own) is no hello and ends the
// handshake; over a stream that is no unix socket it is refused too.
func TestRelayedFirstFrameOnly(t *testing.T) {
	hello := func(w io.Writer) {
		var h [HeaderSize]byte
		p := EncodeHello("client", 0)
		Header(&h, MsgHello, len(p))
		w.Write(append(h[:], p...))
	}
	t.Run("first", func(t *testing.T) {
		a, b := fzSocketpair(t)
		defer a.Close()
		defer b.Close()
		go io.Copy(io.Discard, b)
		if err := WriteRelayed(b, Relayed{Via: RelayedSSH, From: "192.0.2.7"}); err != nil {
			t.Fatal(err)
		}
		hello(b)
		c := NewConnSize(a, 4<<10)
		if _, _, err := c.Hello("server", true, 5*time.Second); err != nil {
			t.Fatal(err)
		}
		if r := c.Relayed(); r == nil || r.Label() != "ssh:192.0.2.7" {
			t.Fatalf("Relayed() = %+v, want ssh:192.0.2.7", r)
		}
	})
	t.Run("after hello", func(t *testing.T) {
		a, b := fzSocketpair(t)
		defer a.Close()
		defer b.Close()
		go io.Copy(io.Discard, b)
		hello(b)
		WriteRelayed(b, Relayed{Via: RelayedSSH, From: "forged"})
		c := NewConnSize(a, 4<<10)
		if _, _, err := c.Hello("server", true, 5*time.Second); err != nil {
			t.Fatal(err)
		}
		if c.Relayed() != nil {
			t.Fatalf("a relay frame after the hello was taken: %+v", c.Relayed())
		}
		var req Request
		if err := c.ReadJSON(MsgRequest, &req); err == nil || !strings.Contains(err.Error(), "unexpected message 0x11") {
			t.Fatalf("reading the request after a late relay frame: %v, want unexpected message", err)
		}
	})
	t.Run("not unix", func(t *testing.T) {
		cs, ss := streamPair(t)
		go io.Copy(io.Discard, cs.r)
		WriteRelayed(cs.w, Relayed{Via: RelayedSSH, From: "192.0.2.7"})
		hello(cs.w)
		c := NewConnSize(ss, 4<<10)
		if _, _, err := c.Hello("server", true, 5*time.Second); err == nil || c.Relayed() != nil {
			t.Fatalf("a relay frame over a pipe: err %v, relayed %+v; want refused", err, c.Relayed())
		}
	})
}

// TestRelayedLabel: the label is what ls shows, and nothing a relay sends
// can put escapes or spaces into it or make it long.
func TestRelayedLabel(t *testing.T) {
	for _, c := range []struct {
		r    Relayed
		want string
	}{
		{Relayed{Via: "ssh", From: "127.0.0.1"}, "ssh:127.0.0.1"},
		{Relayed{Via: "ssh", From: "::1"}, "ssh:[::1]"},
		{Relayed{Via: "ssh", From: "fe80::1%eth0"}, "ssh:[fe80::1%eth0]"},
		{Relayed{Via: "dial-stdio"}, "dial-stdio"},
		{Relayed{}, "dial-stdio"},
		{Relayed{Via: "ssh", From: "\x1b[2J evil\n"}, "ssh:??2J?evil?"},
		{Relayed{Via: "ssh", From: strings.Repeat("1", 100)}, "ssh:" + strings.Repeat("1", 64)},
	} {
		if got := c.r.Label(); got != c.want {
			t.Errorf("%+v.Label() = %q, want %q", c.r, got, c.want)
		}
	}
}
