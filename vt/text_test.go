package vt

import (
	"strings"
	"testing"
)

// Text removes escape sequences and turns CRLF into LF, the same whatever
// the chunk boundaries.
func TestText(t *testing.T) {
	cases := []struct{ in, want string }{
		{"plain\r\n", "plain\n"},
		{"\x1b[1;31mred\x1b[0m and \x1b[38;2;1;2;3mtrue\x1b[m\r\n", "red and true\n"},
		{"\x1b[2J\x1b[H\x1b[10;5Hmoved\x1b[K\r\n", "moved\n"},
		{"\x1b]0;a title\x07\x1b]2;other\x1b\\after\r\n", "after\n"},
		{"\x1bP1$r0m\x1b\\dcs\x1b(0lqk\x1b(B\r\n", "dcslqk\n"},
		{"\x1b[?1049h\x1b[?25lalt\x1b[?1049l\r\n", "alt\n"},
		{"\x9b31m8-bit\x9d0;t\x9c\r\n", "8-bit\n"},
		{"tab\there\a\b\x7f\r\r\nnext", "tab\there\nnext"},
		{"10%\r20%\r\x1b[Kdone\r\n", "10%\r20%\rdone\n"},
		{"héllo wörld — ✓ 😀\r\n", "héllo wörld — ✓ 😀\n"},
		{"end\r", "end"},
	}
	for _, c := range cases {
		var whole Text
		if got := string(whole.Append(nil, []byte(c.in))); got != c.want {
			t.Errorf("Text(%q) = %q, want %q", c.in, got, c.want)
		}
		for i := 1; i < len(c.in); i++ {
			var x Text
			out := x.Append(nil, []byte(c.in[:i]))
			out = x.Append(out, []byte(c.in[i:]))
			if got := string(out); got != c.want {
				t.Errorf("Text(%q) split at %d = %q, want %q", c.in, i, got, c.want)
			}
		}
		var bytewise Text
		var out []byte
		for i := range len(c.in) {
			out = bytewise.Append(out, []byte{c.in[i]})
		}
		if got := string(out); got != c.want {
			t.Errorf("Text(%q) byte by byte = %q, want %q", c.in, got, c.want)
		}
	}
	if got := string(new(Text).Append(nil, []byte(strings.Repeat("ab\r\n", 3)))); got != "ab\nab\nab\n" {
		t.Errorf("repeated lines: %q", got)
	}
}
