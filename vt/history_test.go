package vt

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"unsafe"
)

// randomColor returns a colour of a random kind, sometimes one that
// differs from another only in its low bits.
func randomColor(r *rand.Rand) Color {
	switch r.IntN(6) {
	case 0, 1:
		return 0
	case 2:
		return Indexed(uint8(r.IntN(4)))
	case 3:
		return Indexed(uint8(r.IntN(256)))
	case 4:
		return RGB(uint8(r.IntN(256)), uint8(r.IntN(3)), uint8(r.IntN(256)))
	}
	return Color(r.Uint32()) // not made by SGR, but must survive
}

// TestHistoryEncodeCells round-trips random rows, including cells no
// escape sequence makes (odd widths and runes, comb on any cell), through
// the history encoding.
func TestHistoryEncodeCells(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	runes := []rune{' ', 'a', '~', 0, 0x7f, 0x1f, 0x80, 0x9f, 'é', '日', 0x1F44D, 0xFFFD, 0xD800, 0x10FFFF, 0x110000, -1, '─'}
	var enc []byte
	var dec []cell
	for range 20000 {
		row := make([]cell, r.IntN(90))
		st := cell{r: ' ', width: 1}
		for i := range row {
			if r.IntN(5) == 0 {
				st.fg, st.bg, st.attr = randomColor(r), randomColor(r), Attr(r.IntN(256))
			}
			c := st
			switch r.IntN(4) {
			case 0:
				c.r = rune(0x20 + r.IntN(0x5f))
			case 1:
				c.r = runes[r.IntN(len(runes))]
			}
			if r.IntN(8) == 0 {
				c.width = uint8(r.IntN(4))
			}
			if r.IntN(8) == 0 {
				c.comb = uint16(r.Uint32())
			}
			row[i] = c
		}
		enc = appendHistory(enc[:0], row)
		dec = decodeHistory(dec[:0], enc)
		if !slices.Equal(dec, row) {
			t.Fatalf("row %v\nencoded %q\ndecoded %v", row, enc, dec)
		}
		for x := range len(row) + 1 {
			c, ok := historyCell(enc, x)
			if ok != (x < len(row)) || ok && c != row[x] {
				t.Fatalf("historyCell(%d) = %v, %v; want %v", x, c, ok, row[x])
			}
		}
	}
}

// randomStream returns terminal output exercising what history lines can
// hold: wide characters, combining marks and clusters, every SGR attribute
// and colour kind, erased cells with a background colour, lines exactly
// as wide as the screen, wrapped lines, scroll regions, SU and ED 3.
func randomStream(r *rand.Rand, cols, n int) []byte {
	var b bytes.Buffer
	sgrs := []string{"0", "1", "2", "3", "4", "5", "7", "8", "9", "22", "23", "24", "25", "27", "28", "29",
		"31", "37", "39", "41", "47", "49", "91", "107", "1;4;7"}
	texts := []string{"日本語", "👍🏽", "e\u0301", "a\u0300\u0301", "🇫🇷", "👩\u200d💻", "─│┌", "\u200b", "ﾊ", "x\u20dd"}
	for b.Len() < n {
		switch r.IntN(16) {
		case 0, 1, 2:
			for range r.IntN(2 * cols) {
				b.WriteByte(byte(0x20 + r.IntN(0x5f)))
			}
		case 3:
			b.WriteString(texts[r.IntN(len(texts))])
		case 4:
			fmt.Fprintf(&b, "\x1b[%sm", sgrs[r.IntN(len(sgrs))])
		case 5:
			fmt.Fprintf(&b, "\x1b[%d;5;%dm", 38+10*r.IntN(2), r.IntN(256))
		case 6:
			fmt.Fprintf(&b, "\x1b[%d;2;%d;%d;%dm", 38+10*r.IntN(2), r.IntN(256), r.IntN(4), r.IntN(256))
		case 7:
			b.WriteString("\r\n")
		case 8:
			b.WriteString("\n")
		case 9:
			// Erase with the pen's background.
			fmt.Fprintf(&b, "\x1b[4%dm\x1b[%s", r.IntN(8), []string{"K", "1K", "3X", "2K"}[r.IntN(4)])
		case 10:
			// A line exactly as wide as the screen.
			b.WriteString("\r")
			for range cols {
				b.WriteByte(byte('A' + r.IntN(26)))
			}
			if r.IntN(2) == 0 {
				b.WriteString("\r\n")
			}
		case 11:
			fmt.Fprintf(&b, "\x1b[%dS", 1+r.IntN(3))
		case 12:
			fmt.Fprintf(&b, "\x1b[%d;%dH", 1+r.IntN(8), 1+r.IntN(cols))
		case 13:
			if r.IntN(4) == 0 {
				fmt.Fprintf(&b, "\x1b[1;%dr", 2+r.IntN(4))
			} else {
				b.WriteString("\x1b[r")
			}
		case 14:
			switch r.IntN(10) {
			case 0:
				b.WriteString("\x1b[3J")
			case 1:
				b.WriteString("\x1b[?1049h\x1b[2Jalt\r\n\x1b[?1049l")
			default:
				b.WriteString("\t")
			}
		case 15:
			b.WriteString(strings.Repeat(" ", r.IntN(cols)))
		}
	}
	return b.Bytes()
}

// TestHistoryStreams feeds random streams byte by byte and checks that
// every history line decodes to exactly the cells the old representation
// stored: a copy of the row leaving the screen, without its trailing
// default blanks (the rows a byte pushes are the top rows of the main
// screen before it).
func TestHistoryStreams(t *testing.T) {
	seeds := 60
	if testing.Short() {
		seeds = 10
	}
	checked := 0
	defer func() { t.Logf("%d history lines checked", checked) }()
	for seed := range seeds {
		r := rand.New(rand.NewPCG(uint64(seed), 7))
		cols, rows := 4+r.IntN(30), 2+r.IntN(6)
		data := randomStream(r, cols, 6000)
		term := New(cols, rows, 100000)
		term.SetReply(func([]byte) {})
		var ref [][]cell
		snap := make([][]cell, rows)
		var got []cell
		for i, c := range data {
			for y, row := range term.main.rows {
				snap[y] = append(snap[y][:0], row[:trimmedLen(row)]...)
			}
			n0 := term.ScrollbackLen()
			term.Write([]byte{c})
			n := term.ScrollbackLen()
			if n < n0 {
				ref = ref[:0] // ED 3
				if n != 0 {
					t.Fatalf("seed %d byte %d: history shrank to %d lines", seed, i, n)
				}
				continue
			}
			if n-n0 > rows {
				t.Fatalf("seed %d byte %d: %d lines pushed", seed, i, n-n0)
			}
			for y := range n - n0 {
				ref = append(ref, slices.Clone(snap[y]))
			}
			for y := n0; y < n; y++ {
				checked++
				got = term.sbLine(y, got[:0])
				if !slices.Equal(got, ref[y]) {
					t.Fatalf("seed %d byte %d (%q): history line %d is\n%v, want\n%v\ncontext %q",
						seed, i, c, y, got, ref[y], data[max(i-40, 0):i+1])
				}
			}
		}
		if len(ref) != term.ScrollbackLen() {
			t.Fatalf("seed %d: %d lines, want %d", seed, term.ScrollbackLen(), len(ref))
		}
		for y, want := range ref {
			for x := range cols + 1 {
				wc := blankCell
				if x < len(want) {
					wc = term.toCell(&want[x])
				}
				if c := term.ScrollbackCell(x, y); c != wc {
					t.Fatalf("seed %d: ScrollbackCell(%d, %d) = %+v, want %+v", seed, x, y, c, wc)
				}
			}
		}
	}
}

// historyBytesPerLine fills a 2000-line history of an 80x24 terminal
// with data and returns the average bytes per line: encoded, and held
// (the line's capacity plus its slice header in the ring).
func historyBytesPerLine(tb testing.TB, data []byte) (enc, held float64) {
	const lines = 2000
	t := New(80, 24, lines)
	t.Write(data)
	if t.ScrollbackLen() != lines {
		tb.Fatalf("history holds %d lines, want %d", t.ScrollbackLen(), lines)
	}
	var n, c int
	for _, l := range t.sb {
		n += len(l)
		c += cap(l) + int(unsafe.Sizeof(l))
	}
	return float64(n) / lines, float64(c) / lines
}

// TestHistoryBytesPerLine reports what a full 2000-line history of
// typical text costs per line, encoded and on the held (the whole
// terminal, with its 80x24 screen, divided by the lines).
func TestHistoryBytesPerLine(t *testing.T) {
	enc, held := historyBytesPerLine(t, scrollStream()[:300<<10])
	t.Logf("scrollStream history: %.1f bytes encoded per line, %.0f bytes held per line", enc, held)
	if enc > 100 {
		t.Errorf("history line takes %.1f bytes encoded, want <= 100", enc)
	}
	enc, held = historyBytesPerLine(t, colorStream()[:300<<10])
	t.Logf("colorStream (ls --color) history: %.1f bytes encoded per line, %.0f bytes held per line", enc, held)
}

// BenchmarkHistoryBytesPerLine reports the bytes per history line of
// scrollStream's text as metrics.
func BenchmarkHistoryBytesPerLine(b *testing.B) {
	data := scrollStream()[:300<<10]
	var enc, held float64
	for range b.N {
		enc, held = historyBytesPerLine(b, data)
	}
	b.ReportMetric(enc, "enc-B/line")
	b.ReportMetric(held, "held-B/line")
}

// TestHistoryText: appendHistoryText, which renders a history line from
// its encoding, appends exactly what decoding it and appendCells up to
// textLen append, with and without SGR; for a line it does not handle it
// appends nothing.
func TestHistoryText(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	term := New(80, 24, 10)
	runes := []rune{' ', ' ', ' ', 'a', '~', 0, 0x7f, 0x1f, 'é', '日', '─', 0x301}
	var enc, got, want []byte
	var dec []cell
	handled := 0
	for line := range 20000 {
		ascii := len(runes) - 4*(line%2) // every other line without the last four
		row := make([]cell, r.IntN(90))
		st := cell{r: ' ', width: 1}
		for i := range row {
			if r.IntN(6) == 0 {
				st.fg, st.bg, st.attr = 0, 0, 0
				if r.IntN(2) == 0 {
					st.fg, st.bg, st.attr = randomColor(r), randomColor(r), Attr(r.IntN(4))
				}
			}
			c := st
			switch r.IntN(3) {
			case 0:
				c.r = rune(0x20 + r.IntN(0x5f))
			case 1:
				c.r = runes[r.IntN(ascii)]
			}
			row[i] = c
		}
		sgr := line%3 != 0
		enc = appendHistory(enc[:0], row)
		dec = decodeHistory(dec[:0], enc)
		pen := Style{}
		want = term.appendCells(append(want[:0], 'x'), dec, textLen(dec, sgr), sgr, true, &pen)
		wantPen := pen
		pen = Style{}
		got, ok := appendHistoryText(append(got[:0], 'x'), enc, sgr, &pen)
		if !ok {
			if len(got) != 1 {
				t.Fatalf("unhandled line %q: appended %q", enc, got[1:])
			}
			continue
		}
		handled++
		if !bytes.Equal(got, want) || sgr && pen != wantPen {
			t.Fatalf("line %q (sgr %v)\n got %q, pen %v\nwant %q, pen %v", enc, sgr, got[1:], pen, want[1:], wantPen)
		}
	}
	if handled < 5000 {
		t.Errorf("only %d of 20000 lines took the fast path", handled)
	}
}
