package vt

import (
	"math/rand/v2"
	"strings"
	"testing"
)

// newEager returns a terminal that allocates every row and its tab stops
// up front and so never holds a nil row or nil tabs: the reference for the
// blank rows and default tab stops a terminal leaves unallocated.
func newEager(cols, rows, scrollback int) *Terminal {
	t := New(cols, rows, scrollback)
	t.eager = true
	for y := range t.main.rows {
		t.main.rows[y] = t.newRow()
	}
	t.tabs = t.defaultTabs()
	return t
}

// nilRows counts the unallocated rows of t's screens; it fails the test if
// an eager terminal has one.
func nilRows(tb testing.TB, t *Terminal) int {
	n := 0
	for _, s := range []*screen{t.main, t.alt} {
		if s == nil {
			continue
		}
		for _, r := range s.rows {
			if r == nil {
				n++
			} else if len(r) != t.cols {
				tb.Fatalf("row of %d cells, want %d", len(r), t.cols)
			}
		}
	}
	if t.eager && (n > 0 || t.tabs == nil) {
		tb.Fatalf("eager terminal has %d nil rows, nil tabs %v", n, t.tabs == nil)
	}
	return n
}

// TestBlankRows checks that a blank row that was never written (nil) reads
// and behaves exactly like an allocated blank row: every operation that
// reads, erases, inserts into, deletes from or shifts rows (printing,
// erasing with and without a background colour, ICH/DCH/ECH, IL/DL, SU/SD,
// scrolling into the scrollback and within regions, the alternate screen,
// DECALN, combining marks, resizes, Cell, Text and Restore) gives the same
// state on a terminal whose rows are all allocated. Likewise for the
// default tab stops, which are kept as nil until one is set or cleared.
func TestBlankRows(t *testing.T) {
	ops := []string{
		"", "x", "\x1b[5;80Hx", "\x1b[24;80Hx\r\n", "\x1b[24;80Hxy", "\x1b[3;1H\u0301", "\x1b[3;2H\u0301",
		"\x1b[J", "\x1b[1J", "\x1b[2J", "\x1b[K", "\x1b[1K", "\x1b[2K", "\x1b[4@", "\x1b[4P", "\x1b[4X",
		"\x1b[2L", "\x1b[2M", "\x1b[3S", "\x1b[3T", "\x1bD", "\x1bM", "\x1bE", "\n\n\n\n\n\n",
		"\x1b[2;10r\x1b[10;1H\n\n", "\x1b[2;10r\x1b[2;1H\x1bM\x1bM", "\x1b[2;10r\x1b[5;1H\x1b[3L\x1b[2M",
		"\x1b[?1049h", "\x1b[?1049hx\x1b[2Sy", "\x1b[?47h\x1b[3Tz", "\x1b[?1049h\x1b[?1049l", "\x1b#8", "\x1bc",
		"\x1b[4hab", "\x1b[24;79H日本", "\x1b[10;80H👍", "\x1b[b", "\x1b[24;1H\x1b[?7l" + strings.Repeat("w", 90),
		"\t\tx\x1b[3Z", "\x1b[1;9H\x1b[g\x1b[H\t\t", "\x1b[1;5H\x1bH\x1b[H\t\t", "\x1b[3g\t", "\x1b[1;9H\x1bH\x1b[1;78H\x1bH\x1b[3I",
	}
	sizes := [][2]int{{80, 24}, {40, 30}, {80, 10}, {100, 24}, {5, 2}}
	for _, bg := range []string{"", "\x1b[44m", "\x1b[1;33;48;5;200m"} {
		for _, op := range ops {
			for _, pre := range []string{"", "\x1b[3;5H", "\x1b[20;70H", "top\r\n", "\x1b[10;1Hmid"} {
				lazy, eager := New(80, 24, 10), newEager(80, 24, 10)
				for _, term := range []*Terminal{lazy, eager} {
					term.Write([]byte(pre + bg + op))
				}
				what := strings.NewReplacer("\x1b", "ESC").Replace(pre + bg + op)
				if d := diffState(lazy, eager); d != "" {
					t.Fatalf("%q: %s", what, d)
				}
				for _, sz := range sizes {
					lazy.Resize(sz[0], sz[1])
					eager.Resize(sz[0], sz[1])
					for _, term := range []*Terminal{lazy, eager} {
						term.Write([]byte("\x1b[2;2Hr\x1b[L\x1b[3S" + op + bg + "\x1b[1;1H\x1b[P"))
					}
					if d := diffState(lazy, eager); d != "" {
						t.Fatalf("%q, resized to %dx%d: %s", what, sz[0], sz[1], d)
					}
					nilRows(t, eager)
				}
			}
		}
	}

	// Random streams cut into pieces, with resizes between them.
	n := 200
	if testing.Short() {
		n = 30
	}
	sawNil := 0
	for i := range n {
		r := rand.New(rand.NewPCG(uint64(i), 99))
		data := randStream(r, 500+r.IntN(4000))
		cols, rows := 1+r.IntN(100), 1+r.IntN(40)
		sb := r.IntN(20)
		lazy, eager := New(cols, rows, sb), newEager(cols, rows, sb)
		for off := 0; off < len(data); {
			k := min(1+r.IntN(600), len(data)-off)
			lazy.Write(data[off : off+k])
			eager.Write(data[off : off+k])
			off += k
			sawNil += nilRows(t, lazy)
			nilRows(t, eager)
			if got, want := termState(lazy), termState(eager); got != want {
				t.Fatalf("stream %d (%dx%d) at %d: differs from the eager terminal\nstream %q\n%s",
					i, cols, rows, off, data, firstDiff(got, want))
			}
			if r.IntN(3) == 0 {
				c, h := lazy.Size()
				switch r.IntN(3) {
				case 0:
					h = 1 + r.IntN(40)
				case 1:
					c = 1 + r.IntN(100)
				default:
					c, h = 1+r.IntN(100), 1+r.IntN(40)
				}
				lazy.Resize(c, h)
				eager.Resize(c, h)
			}
		}
	}
	if sawNil == 0 {
		t.Errorf("the streams never left a row unallocated")
	}
}

// TestBlankRowsUnallocated checks that what does not write to a row leaves
// it unallocated.
func TestBlankRowsUnallocated(t *testing.T) {
	term := New(80, 24, 100)
	if n := nilRows(t, term); n != 24 {
		t.Fatalf("new terminal: %d nil rows, want 24", n)
	}
	term.Write([]byte("\x1b[1;32muser@host\x1b[0m:~$ \x1b[K\x1b[J\x1b[5;1H\x1b[2K\x1b[3L\x1b[2M\x1b[4@\x1b[4P\x1b[4X\x1b[3S\x1b[3T"))
	term.Write([]byte("\x1b[?1049h\x1b[2Jvim\x1b[?1049l"))
	for range 30 {
		term.Write([]byte("\r\n"))
	}
	term.Resize(100, 30)
	term.Resize(80, 24)
	_ = term.Text(100, true)
	term.Restore(new(strings.Builder), 100)
	if n := nilRows(t, term); n != 23 {
		t.Errorf("%d nil rows, want 23 (the prompt scrolled off; its row is reused)", n)
	}
	term.Write([]byte("\x1b[41m\x1b[2J"))
	if n := nilRows(t, term); n != 0 {
		t.Errorf("after an erase in a colour: %d nil rows, want 0", n)
	}
}
