package vt

import (
	"bytes"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
)

// newParserOSC returns a terminal whose parser collects OSC strings in a
// 4 KiB data buffer of its own and passes its command and data to the
// handler: the reference for the OSC strings a terminal collects itself.
// It must be fed with p.Advance.
func newParserOSC(cols, rows int, reply func([]byte)) *Terminal {
	t := New(cols, rows, 0)
	t.SetReply(reply)
	t.p.SetDataSize(4096)
	t.p.SetHandler(ansi.Handler{
		Print:     t.print,
		Execute:   t.execute,
		HandleCsi: t.csi,
		HandleEsc: t.esc,
		HandleOsc: t.oscCommand,
	})
	return t
}

// TestOSCStrings checks the OSC strings the terminal collects itself (its
// parser has no data buffer) against the parser's own collection:
// terminators, C1 introducers, aborts, controls inside, the command read
// from the leading digits, and the 4096-byte bound, split anywhere.
func TestOSCStrings(t *testing.T) {
	long := strings.Repeat("x", 5000)
	cases := []string{
		"\x1b]2;one\x07", "\x1b]0;two\x1b\\", "\x1b]2;esc\x1bx", "\x9d2;c1\x9c", "\x1b]2;a\x1b]2;b\x07",
		"\x1b]2;abort\x18\x1b]1;x\x07", "\x1b]2;abort\x1a", "\x1b]2;t\x07\x1b]22;u\x07\x1b]02;v\x07",
		"\x1b]2;t\x07\x1b];u\x07\x1b]x2;v\x07\x1b]2x;w\x07", "\x1b]2;t\x07\x1b]2\x07", "\x1b]2;ti\x01t\x7fle\xc3\xa9\x9d\x07",
		"\x1b]2;" + long + "\x07", "\x1b]2;" + long + "\x07\x1b]2;short\x07", "\x1b]2" + long + ";x\x07",
		"\x1b]11;?\x07\x1b]10;?\x1b\\\x1b]10;x\x07\x1b]11;?;\x07",
		"\x1b]99999999999999999999999999999999;?\x07\x1b]2;" + strings.Repeat("9", 4100) + "\x07",
		"\x1bP1$r\x1b]2;in dcs\x07\x1b\\\x1b]2;after\x07", "\x1b_apc\x9d2;x\x07", "\x1b]2;\xe2\x80\x9ct\xe2\x80\x9d\x07",
	}
	r := rand.New(rand.NewPCG(3, 4))
	frags := []string{"\x1b]", "\x9d", "0;", "2;", "10;", "11;", "52;c;", ";", "?", "title", "\x07", "\x1b\\", "\x9c",
		"\x1b", "\x18", "\x1a", "\x01", "\x90", "\x1bP", "\x1b_", "\x1b[", "12", "é", "\xe2\x80", "\r\n", "x"}
	for range 5000 {
		var b strings.Builder
		for range r.IntN(30) {
			b.WriteString(frags[r.IntN(len(frags))])
		}
		cases = append(cases, b.String())
	}
	for _, in := range cases {
		var want bytes.Buffer
		ref := newParserOSC(10, 3, func(b []byte) { want.Write(b) })
		for _, c := range []byte(in) {
			ref.p.Advance(c)
		}
		for _, split := range []int{0, 1, 3} {
			var got bytes.Buffer
			term := New(10, 3, 0)
			term.SetReply(func(b []byte) { got.Write(b) })
			for rest := []byte(in); len(rest) > 0; {
				k := len(rest)
				if split > 0 {
					k = min(split, k)
				}
				term.Write(rest[:k])
				rest = rest[k:]
			}
			if d := diffState(term, ref); d != "" {
				t.Fatalf("%q split %d: %.300s", in, split, d)
			}
			if !bytes.Equal(got.Bytes(), want.Bytes()) {
				t.Fatalf("%q split %d: replies %q, want %q", in, split, got.Bytes(), want.Bytes())
			}
			if cap(term.oscBuf) > 256 {
				t.Fatalf("%q: keeps an OSC buffer of %d bytes", in, cap(term.oscBuf))
			}
		}
	}
}
