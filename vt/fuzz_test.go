package vt

import (
	"bytes"
	"fmt"
	"testing"
)

// FuzzWrite feeds arbitrary bytes with resizes and restores: nothing may
// panic, the cursor stays in bounds, Restore's output replays into a
// terminal with the same cells, Write's fast paths reach the state that
// feeding every byte to the parser reaches, and unallocated blank rows
// behave as allocated ones.
func FuzzWrite(f *testing.F) {
	for _, s := range []string{
		"hello\r\nworld", "\x1b[2;4r\x1b[?6h\x1b[9;9Hx\x1b[L\x1b[M", "日本語👍🏽e\u0301\x1b[@\x1b[P",
		"\x1b[?1049h\x1b[31mx\x1b[?1049l", "\x1b(0qx\x1b)0\x0eq\x0f", "\x1b[38:2::1:2:3m\x1b[4:3m", "\x1b]2;t\x07\x1b[5 q",
		"\x1b[3g\x1bH\t\x1b[Z\x1b[b\x1b#8", "🇫🇷🇩🇪👩\u200d💻❤️",
		"ab\x1b[1;;4m\x1b[38;5;mcd\r\n\x1b[?25;1049h\x1b[5;Hé\xe2\x80\x1b[0123456789m\x9b1m\x7f\x1b[41m\n\n",
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
		ref := New(c, r, 5)
		ref.SetReply(func([]byte) {})
		for _, b := range data[:half] {
			ref.advance(b)
		}
		ref.Resize(r+3, c)
		for _, b := range data[half:] {
			ref.advance(b)
		}
		if d := diffState(term, ref); d != "" {
			t.Fatalf("Write differs from the parser alone: %s", d)
		}
		eager := newEager(c, r, 5)
		eager.SetReply(func([]byte) {})
		eager.Write(data[:half])
		eager.Resize(r+3, c)
		eager.Write(data[half:])
		if d := diffState(term, eager); d != "" {
			t.Fatalf("differs from a terminal with every row allocated: %s", d)
		}
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

// diffState describes the first difference between two terminals' state
// (cells, cursor, modes, scroll region, history, and what Restore writes,
// which shows the rest: pending wrap, saved cursors, pen, tab stops), or "".
func diffState(a, b *Terminal) string {
	ac, ar := a.Size()
	if bc, br := b.Size(); ac != bc || ar != br {
		return fmt.Sprintf("size %dx%d vs %dx%d", ac, ar, bc, br)
	}
	for y := range ar {
		for x := range ac {
			if ca, cb := a.Cell(x, y), b.Cell(x, y); ca != cb {
				return fmt.Sprintf("cell %d,%d: %+v vs %+v", x, y, ca, cb)
			}
		}
	}
	ax, ay := a.Cursor()
	if bx, by := b.Cursor(); ax != bx || ay != by {
		return fmt.Sprintf("cursor %d,%d vs %d,%d", ax, ay, bx, by)
	}
	if a.Modes() != b.Modes() {
		return fmt.Sprintf("modes %+v vs %+v", a.Modes(), b.Modes())
	}
	at, ab := a.ScrollRegion()
	if bt, bb := b.ScrollRegion(); at != bt || ab != bb {
		return fmt.Sprintf("region %d-%d vs %d-%d", at, ab, bt, bb)
	}
	if ta, tb := a.Text(1<<30, true), b.Text(1<<30, true); ta != tb {
		return fmt.Sprintf("text %q vs %q", ta, tb)
	}
	var ra, rb bytes.Buffer
	a.Restore(&ra, 1<<30)
	b.Restore(&rb, 1<<30)
	if !bytes.Equal(ra.Bytes(), rb.Bytes()) {
		return fmt.Sprintf("restore %q vs %q", ra.Bytes(), rb.Bytes())
	}
	return ""
}
