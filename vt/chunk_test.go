package vt

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// randStream returns a pseudo-random byte stream that mixes what Write's
// fast paths handle (runs of printable ASCII, CR, LF, other C0 controls,
// UTF-8) with everything they must leave to the parser: escape sequences
// of every kind (complete, truncated, with odd parameters), C1 controls,
// invalid and truncated UTF-8, combining marks and wide characters, mode
// changes that turn the fast paths off (insert mode, DEC graphics, no
// autowrap, scroll regions, origin mode, alternate screen) and raw bytes.
func randStream(r *rand.Rand, n int) []byte {
	runes := []string{"é", "ï", "—", "“", "日", "本", "語", "👍", "🏽", "\u0301", "\u200d", "👩", "💻",
		"❤", "\ufe0f", "🇫", "🇷", "\u0915", "\u093f", "\ufffd", "\u00a0", "ｱ", "\U0001F600"}
	seqs := []string{
		"\x1b[m", "\x1b[0m", "\x1b[1;32m", "\x1b[01;34m", "\x1b[38;5;208m", "\x1b[48;2;1;2;3m",
		"\x1b[38:2::10:20:30m", "\x1b[4:3m", "\x1b[7;9;22;39;49m", "\x1b[;1m", "\x1b[1;m", "\x1b[999999999999999999m",
		"\x1b[H", "\x1b[5;10H", "\x1b[2A", "\x1b[3C", "\x1b[B", "\x1b[D", "\x1b[40G", "\x1b[3d",
		"\x1b[J", "\x1b[1J", "\x1b[2J", "\x1b[3J", "\x1b[K", "\x1b[1K", "\x1b[2K", "\x1b[2L", "\x1b[M",
		"\x1b[3@", "\x1b[2P", "\x1b[4X", "\x1b[3b", "\x1b[2S", "\x1b[T", "\x1b[2;5r", "\x1b[r", "\x1b[I", "\x1b[Z",
		"\x1b[4h", "\x1b[4l", "\x1b[?7l", "\x1b[?7h", "\x1b[?6h", "\x1b[?6l", "\x1b[?25l", "\x1b[?25h",
		"\x1b[?1049h", "\x1b[?1049l", "\x1b[?47h", "\x1b[?47l", "\x1b[?1h", "\x1b[?2004h", "\x1b[?1000;1006h",
		"\x1b[3 q", "\x1b[!p", "\x1b[g", "\x1b[3g", "\x1bH", "\x1b7", "\x1b8", "\x1b[s", "\x1b[u",
		"\x1bD", "\x1bE", "\x1bM", "\x1b(0", "\x1b(B", "\x1b)0", "\x0e", "\x0f", "\x1b=", "\x1b>", "\x1b#8",
		"\x1b]2;title\x07", "\x1b]0;t\x1b\\", "\x1b]8;;http://x\x1b\\", "\x1bP1$r\x1b\\", "\x1b_apc\x1b\\",
		"\x1b^pm\x07", "\x1bXsos\x1b\\", "\x1b[6n", "\x1b[c", "\x1b[>c", "\x1b]11;?\x07", "\x1b[?1$p",
		"\x9b1;31m", "\x9d2;c1\x9c", "\x90q\x9c", "\x1b[", "\x1b", "\x1b[1;", "\x1b]2;unterminated",
		"\x1b[?", "\x1bP", "\x1b\x1b", "\x1b[1\x00;2m", "\x1b[1\x1b[2m", "\x18", "\x1a", "\x1bc",
	}
	var b bytes.Buffer
	for b.Len() < n {
		switch k := r.IntN(22); {
		case k < 6: // printable ASCII
			for range 1 + r.IntN(90) {
				b.WriteByte(byte(0x20 + r.IntN(0x5f)))
			}
		case k < 8:
			b.WriteString([]string{"\r\n", "\n", "\r", "\r\n\r\n", "\t", "\b", "\x07", "\v", "\f"}[r.IntN(9)])
		case k < 11:
			b.WriteString(seqs[r.IntN(len(seqs))])
		case k < 14: // UTF-8 text
			for range 1 + r.IntN(6) {
				b.WriteString(runes[r.IntN(len(runes))])
			}
		case k == 14: // invalid or truncated UTF-8
			switch r.IntN(4) {
			case 0:
				b.WriteByte(byte(0x80 + r.IntN(0x80)))
			case 1:
				s := runes[r.IntN(len(runes))]
				b.WriteString(s[:r.IntN(len(s))])
			case 2:
				b.Write([]byte{0xed, 0xa0, 0x80}) // surrogate
			default:
				b.Write([]byte{0xe2, byte(r.IntN(256)), byte(r.IntN(256))})
			}
		case k == 15: // any C0 control or DEL
			c := byte(r.IntN(0x20))
			if r.IntN(4) == 0 {
				c = 0x7f
			}
			b.WriteByte(c)
		case k == 16: // ESC and anything
			b.WriteByte(0x1b)
			b.WriteByte(byte(r.IntN(256)))
		case k == 17: // raw bytes
			for range 1 + r.IntN(8) {
				b.WriteByte(byte(r.IntN(256)))
			}
		case k >= 19: // a random CSI sequence, maybe odd
			b.WriteString("\x1b[")
			if r.IntN(3) == 0 {
				b.WriteByte("<=>?"[r.IntN(4)])
			}
			np := r.IntN(6)
			if r.IntN(8) == 0 {
				np = 10 + r.IntN(30)
			}
			for j := range np {
				if j > 0 {
					b.WriteByte(";;;;;:?"[r.IntN(7)])
				}
				nd := r.IntN(4)
				if r.IntN(10) == 0 {
					nd = r.IntN(14)
				}
				for range nd {
					b.WriteByte(byte('0' + r.IntN(10)))
				}
			}
			if r.IntN(10) == 0 {
				b.WriteByte(byte(0x20 + r.IntN(16))) // intermediate
			}
			if r.IntN(20) == 0 {
				b.WriteByte(byte(r.IntN(0x20))) // a control inside
			}
			b.WriteByte("mmmmmHJKABCDGdrhlsu@PXLMSTbgnqcp"[r.IntN(32)])
		default: // a long line, maybe exactly filling a row
			w := []int{9, 10, 11, 20, 79, 80, 81}[r.IntN(7)]
			b.WriteString(strings.Repeat(string(rune('a'+r.IntN(26))), w))
		}
	}
	return b.Bytes()
}

// termState is everything observable about a terminal, including what only
// shows in Restore (pending wrap, saved cursors, tab stops, pen, charsets).
func termState(t *Terminal) string {
	var b strings.Builder
	x, y := t.Cursor()
	top, bottom := t.ScrollRegion()
	fmt.Fprintf(&b, "cursor %d,%d region %d-%d modes %+v sb %d\n", x, y, top, bottom, t.Modes(), t.ScrollbackLen())
	b.WriteString(t.Text(1<<30, true))
	b.WriteString("\n--- cells\n")
	cols, rows := t.Size()
	for y := range rows {
		for x := range cols {
			fmt.Fprintf(&b, "%v", t.Cell(x, y))
		}
		b.WriteByte('\n')
	}
	b.WriteString("--- restore\n")
	t.Restore(&b, 1<<30)
	return b.String()
}

// TestChunkBoundaries feeds random streams through Write in one call, byte
// by byte and in random pieces: the results must not depend on where the
// stream was split (escape sequences and UTF-8 split across writes, runs
// the fast paths handle cut anywhere). They must also be those of feeding
// every byte to the parser, which Write's fast paths stand in for.
func TestChunkBoundaries(t *testing.T) {
	n := 400
	if testing.Short() {
		n = 60
	}
	sizes := [][3]int{{80, 24, 2000}, {10, 4, 5}, {1, 1, 3}, {2, 3, 0}, {13, 7, 20}}
	for i := range n {
		r := rand.New(rand.NewPCG(uint64(i), 77))
		data := randStream(r, 200+r.IntN(3000))
		sz := sizes[i%len(sizes)]
		whole := New(sz[0], sz[1], sz[2])
		whole.Write(data)
		want := termState(whole)
		for _, split := range []string{"parser", "noslack", "bytes", "pieces", "small"} {
			term := New(sz[0], sz[1], sz[2])
			switch split {
			case "parser":
				// No fast path: every byte through the parser (by
				// advance, which collects OSC strings), runes printed one
				// by one by its Print handler.
				for _, c := range data {
					term.advance(c)
				}
			case "noslack":
				// The main screen's rows move on every scroll instead of
				// sliding.
				m := term.main
				m.rows = m.rows[:len(m.rows):len(m.rows)]
				m.base = m.rows
				term.Write(data)
			}
			for off := 0; split != "parser" && split != "noslack" && off < len(data); {
				k := 1
				switch split {
				case "pieces":
					k = 1 + r.IntN(300)
				case "small":
					k = 1 + r.IntN(5)
				}
				k = min(k, len(data)-off)
				term.Write(data[off : off+k])
				off += k
			}
			if got := termState(term); got != want {
				t.Fatalf("stream %d (%dx%d), split in %s: state differs from one Write\nstream %q\n%s",
					i, sz[0], sz[1], split, data, firstDiff(got, want))
			}
		}
	}
}

// firstDiff shows the first differing line of two multi-line states.
func firstDiff(got, want string) string {
	g, w := strings.Split(got, "\n"), strings.Split(want, "\n")
	for i := range max(len(g), len(w)) {
		var a, b string
		if i < len(g) {
			a = g[i]
		}
		if i < len(w) {
			b = w[i]
		}
		if a != b {
			return fmt.Sprintf("line %d:\n got  %q\n want %q", i, a, b)
		}
	}
	return "(no line differs)"
}
