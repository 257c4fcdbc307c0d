package vt

import (
	"bytes"
	"testing"
)

// FuzzWrite feeds arbitrary bytes with resizes and restores: nothing may
// panic, the cursor stays in bounds, and Restore's output replays into a
// terminal with the same cells.
func FuzzWrite(f *testing.F) {
	for _, s := range []string{
		"hello\r\nworld", "\x1b[2;4r\x1b[?6h\x1b[9;9Hx\x1b[L\x1b[M", "日本語👍🏽e\u0301\x1b[@\x1b[P",
		"\x1b[?1049h\x1b[31mx\x1b[?1049l", "\x1b(0qx\x1b)0\x0eq\x0f", "\x1b[38:2::1:2:3m\x1b[4:3m", "\x1b]2;t\x07\x1b[5 q",
		"\x1b[3g\x1bH\t\x1b[Z\x1b[b\x1b#8", "🇫🇷🇩🇪👩\u200d💻❤️",
	} {
		f.Add([]byte(s), uint8(10), uint8(5))
	}
	f.Fuzz(func(t *testing.T, data []byte, cols, rows uint8) {
		c, r := int(cols%40)+1, int(rows%20)+1
		term := New(c, r, 5)
		term.SetReply(func([]byte) {})
		half := len(data) / 2
		term.Write(data[:half])
		term.Resize(r+3, c) // swap-ish to exercise both directions
		term.Write(data[half:])
		tc, tr := term.Size()
		if x, y := term.Cursor(); x < 0 || y < 0 || x >= tc || y >= tr {
			t.Fatalf("cursor %d,%d out of %dx%d", x, y, tc, tr)
		}
		_ = term.Text(10, true)
		var buf bytes.Buffer
		term.Restore(&buf, 3)
		dst := New(tc, tr, 5)
		dst.Write(buf.Bytes())
		for y := range tr {
			for x := range tc {
				a, b := dst.Cell(x, y), term.Cell(x, y)
				if a.Rune != b.Rune || a.Width != b.Width || a.Style != b.Style {
					t.Fatalf("restore: cell %d,%d = %+v, want %+v", x, y, a, b)
				}
			}
		}
	})
}
