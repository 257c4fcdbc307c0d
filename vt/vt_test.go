package vt

import (
	"bytes"
	"strings"
	"testing"
)

func newT(cols, rows, sb int, in string) *Terminal {
	t := New(cols, rows, sb)
	t.Write([]byte(in))
	return t
}

func screenLines(t *Terminal) []string { return strings.Split(t.Text(0, false), "\n") }

type screenCase struct {
	name       string
	cols, rows int
	in         string
	want       []string // top rows of the screen; rows beyond are not checked
	x, y       int
}

func runScreen(t *testing.T, cases []screenCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cols, rows := c.cols, c.rows
			if cols == 0 {
				cols, rows = 10, 5
			}
			term := newT(cols, rows, 100, c.in)
			got := screenLines(term)
			for i, w := range c.want {
				if got[i] != w {
					t.Errorf("row %d = %q, want %q (screen %q)", i, got[i], w, got)
				}
			}
			if x, y := term.Cursor(); x != c.x || y != c.y {
				t.Errorf("cursor = %d,%d, want %d,%d", x, y, c.x, c.y)
			}
		})
	}
}

func TestPrintAndWrap(t *testing.T) {
	runScreen(t, []screenCase{
		{name: "plain", in: "abc", want: []string{"abc"}, x: 3},
		{name: "pending wrap at last column", in: "0123456789", want: []string{"0123456789", ""}, x: 9, y: 0},
		{name: "wrap on next char", in: "0123456789a", want: []string{"0123456789", "a"}, x: 1, y: 1},
		{name: "CR cancels pending wrap", in: "0123456789\rX", want: []string{"X123456789", ""}, x: 1},
		{name: "autowrap off", in: "\x1b[?7l0123456789abc", want: []string{"012345678c", ""}, x: 9},
		{name: "scroll at bottom", in: "1\r\n2\r\n3\r\n4\r\n5\r\n6", want: []string{"2", "3", "4", "5", "6"}, x: 1, y: 4},
		{name: "wrap scrolls", in: "\x1b[5;1H0123456789ab", want: []string{"", "", "", "0123456789", "ab"}, x: 2, y: 4},
	})
}

func TestControls(t *testing.T) {
	runScreen(t, []screenCase{
		{name: "LF keeps column", in: "ab\ncd", want: []string{"ab", "  cd"}, x: 4, y: 1},
		{name: "BS", in: "abc\b\bX", want: []string{"aXc"}, x: 2},
		{name: "BS at col 0", in: "\bX", want: []string{"X"}, x: 1},
		{name: "BS from pending wrap", in: "0123456789\bX", want: []string{"01234567X9"}, x: 9},
		{name: "HT default stops", cols: 20, rows: 2, in: "a\tb\tc\td", want: []string{"a       b       c  d"}, x: 19},
		{name: "HTS", cols: 20, rows: 2, in: "\x1b[3G\x1bH\r\tx", want: []string{"  x"}, x: 3},
		{name: "TBC 0", cols: 20, rows: 2, in: "\x1b[9G\x1b[g\r\tz", want: []string{"                z"}, x: 17},
		{name: "TBC 3 clears all", cols: 20, rows: 2, in: "\x1b[3g\tx", want: []string{"                   x"}, x: 19},
		{name: "CHT and CBT", cols: 30, rows: 2, in: "\x1b[2Ia\x1b[Zb", want: []string{"                b"}, x: 17},
	})
}

func TestCursorMotion(t *testing.T) {
	runScreen(t, []screenCase{
		{name: "CUP", in: "\x1b[3;4HX", want: []string{"", "", "   X"}, x: 4, y: 2},
		{name: "CUP default", in: "abc\x1b[HX", want: []string{"Xbc"}, x: 1},
		{name: "CUP clamps", in: "\x1b[99;99H", x: 9, y: 4},
		{name: "HVP f", in: "\x1b[2;2fX", want: []string{"", " X"}, x: 2, y: 1},
		{name: "CUU", in: "\x1b[4;4H\x1b[2A", x: 3, y: 1},
		{name: "CUU clamps", in: "\x1b[2;4H\x1b[9A", x: 3, y: 0},
		{name: "CUD", in: "\x1b[3B", x: 0, y: 3},
		{name: "CUD 0 is 1", in: "\x1b[0B", x: 0, y: 1},
		{name: "CUF", in: "\x1b[5C", x: 5},
		{name: "CUF clamps", in: "\x1b[50C", x: 9},
		{name: "CUB", in: "\x1b[1;6H\x1b[2D", x: 3},
		{name: "CHA", in: "abc\x1b[7G", x: 6},
		{name: "HPA", in: "\x1b[4`", x: 3},
		{name: "VPA", in: "\x1b[1;3H\x1b[4d", x: 2, y: 3},
		{name: "CNL", in: "\x1b[1;5H\x1b[2E", x: 0, y: 2},
		{name: "CPL", in: "\x1b[4;5H\x1b[2F", x: 0, y: 1},
		{name: "HPR VPR", in: "\x1b[2a\x1b[3e", x: 2, y: 3},
	})
}

func TestErase(t *testing.T) {
	fill := "aaaaaaaaaabbbbbbbbbbcccccccccc" // 3 full rows on 10x3
	cases := []struct {
		name string
		in   string
		want []string
	}{
		{"ED0", fill + "\x1b[2;5H\x1b[J", []string{"aaaaaaaaaa", "bbbb", ""}},
		{"ED1", fill + "\x1b[2;5H\x1b[1J", []string{"", "     bbbbb", "cccccccccc"}},
		{"ED2", fill + "\x1b[2;5H\x1b[2J", []string{"", "", ""}},
		{"EL0", fill + "\x1b[2;5H\x1b[K", []string{"aaaaaaaaaa", "bbbb", "cccccccccc"}},
		{"EL1", fill + "\x1b[2;5H\x1b[1K", []string{"aaaaaaaaaa", "     bbbbb", "cccccccccc"}},
		{"EL2", fill + "\x1b[2;5H\x1b[2K", []string{"aaaaaaaaaa", "", "cccccccccc"}},
		{"ICH", "abcdef\x1b[1;2H\x1b[2@", []string{"a  bcdef", "", ""}},
		{"ICH pushes off edge", "0123456789\x1b[1;1H\x1b[3@", []string{"   0123456", "", ""}},
		{"DCH", "abcdef\x1b[1;2H\x1b[2P", []string{"adef", "", ""}},
		{"ECH", "abcdef\x1b[1;2H\x1b[3X", []string{"a   ef", "", ""}},
		{"IL", "1\r\n2\r\n3\x1b[2;1H\x1b[L", []string{"1", "", "2"}},
		{"DL", "1\r\n2\r\n3\x1b[1;1H\x1b[M", []string{"2", "3", ""}},
		{"SU", "1\r\n2\r\n3\x1b[S", []string{"2", "3", ""}},
		{"SD", "1\r\n2\r\n3\x1b[2T", []string{"", "", "1"}},
		{"REP", "ab\x1b[3b", []string{"abbbb", "", ""}},
		{"BCE", "\x1b[41m\x1b[2J\x1b[0mx", []string{"x", "", ""}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			term := newT(10, 3, 10, c.in)
			got := screenLines(term)
			for i, w := range c.want {
				if got[i] != w {
					t.Errorf("row %d = %q, want %q", i, got[i], w)
				}
			}
		})
	}
	t.Run("BCE colours erased cells", func(t *testing.T) {
		term := newT(10, 3, 10, "\x1b[41m\x1b[2J")
		if c := term.Cell(5, 1); c.Style.Bg != Indexed(1) || c.Rune != ' ' {
			t.Errorf("cell = %+v", c)
		}
	})
	t.Run("ED3 clears scrollback", func(t *testing.T) {
		term := newT(10, 3, 10, "1\r\n2\r\n3\r\n4\r\n5")
		if term.ScrollbackLen() != 2 {
			t.Fatalf("scrollback = %d, want 2", term.ScrollbackLen())
		}
		term.Write([]byte("\x1b[3J"))
		if term.ScrollbackLen() != 0 {
			t.Errorf("scrollback after ED 3 = %d", term.ScrollbackLen())
		}
		if got := screenLines(term); got[2] != "5" {
			t.Errorf("ED 3 touched the screen: %q", got)
		}
	})
}

func TestScrollRegion(t *testing.T) {
	base := "1\r\n2\r\n3\r\n4\r\n5"
	runScreen(t, []screenCase{
		{name: "DECSTBM homes cursor", in: base + "\x1b[2;4r", want: []string{"1", "2", "3", "4", "5"}, x: 0, y: 0},
		{name: "LF scrolls region", in: base + "\x1b[2;4r\x1b[4;1H\nX", want: []string{"1", "3", "4", "X", "5"}, x: 1, y: 3},
		{name: "RI scrolls region down", in: base + "\x1b[2;4r\x1b[2;1H\x1bMX", want: []string{"1", "X", "2", "3", "5"}, x: 1, y: 1},
		{name: "IND", in: base + "\x1b[2;4r\x1b[4;2H\x1bDX", want: []string{"1", "3", "4", " X", "5"}, x: 2, y: 3},
		{name: "NEL", in: "ab\x1bEc", want: []string{"ab", "c"}, x: 1, y: 1},
		{name: "RI at top scrolls screen", in: base + "\x1b[H\x1bM", want: []string{"", "1", "2", "3", "4"}},
		{name: "IL in region", in: base + "\x1b[2;4r\x1b[3;1H\x1b[L", want: []string{"1", "2", "", "3", "5"}, y: 2},
		{name: "DL in region", in: base + "\x1b[2;4r\x1b[2;1H\x1b[M", want: []string{"1", "3", "4", "", "5"}, y: 1},
		{name: "SU in region", in: base + "\x1b[2;4r\x1b[S", want: []string{"1", "3", "4", "", "5"}},
		{name: "SD in region", in: base + "\x1b[2;4r\x1b[T", want: []string{"1", "", "2", "3", "5"}},
		{name: "origin mode CUP", in: base + "\x1b[2;4r\x1b[?6h\x1b[1;1HX", want: []string{"1", "X", "3", "4", "5"}, x: 1, y: 1},
		{name: "origin mode clamps", in: base + "\x1b[2;4r\x1b[?6h\x1b[9;1H", want: []string{"1"}, y: 3},
		{name: "CUD stops at bottom margin", in: "\x1b[2;3r\x1b[2;1H\x1b[9B", y: 2},
		{name: "CUU stops at top margin", in: "\x1b[2;3r\x1b[3;1H\x1b[9A", y: 1},
		{name: "below region LF at last row", in: base + "\x1b[1;3r\x1b[5;1H\nX", want: []string{"1", "2", "3", "4", "X"}, x: 1, y: 4},
	})
	t.Run("region scroll does not feed scrollback", func(t *testing.T) {
		term := newT(10, 5, 10, "\x1b[2;4r\x1b[4;1H\n\n\n")
		if n := term.ScrollbackLen(); n != 0 {
			t.Errorf("scrollback = %d", n)
		}
		term.Write([]byte("\x1b[1;4r\x1b[4;1H\n\n"))
		if n := term.ScrollbackLen(); n != 2 {
			t.Errorf("scrollback with region at top = %d, want 2", n)
		}
	})
}

func TestSaveRestoreCursor(t *testing.T) {
	runScreen(t, []screenCase{
		{name: "ESC 7/8", in: "\x1b[2;3H\x1b7\x1b[5;5H\x1b8X", want: []string{"", "  X"}, x: 3, y: 1},
		{name: "CSI s/u", in: "\x1b[2;3H\x1b[s\x1b[5;5H\x1b[uX", want: []string{"", "  X"}, x: 3, y: 1},
		{name: "restore without save homes", in: "\x1b[3;3H\x1b8", x: 0, y: 0},
	})
	term := newT(10, 5, 0, "\x1b[31m\x1b7\x1b[0m\x1b8x")
	if c := term.Cell(0, 0); c.Style.Fg != Indexed(1) {
		t.Errorf("DECRC did not restore the pen: %+v", c)
	}
}

func TestInsertMode(t *testing.T) {
	runScreen(t, []screenCase{
		{name: "IRM", in: "abcd\x1b[1;2H\x1b[4hXY", want: []string{"aXYbcd"}, x: 3},
		{name: "IRM off", in: "abcd\x1b[1;2H\x1b[4h\x1b[4lXY", want: []string{"aXYd"}, x: 3},
	})
}

func TestSGR(t *testing.T) {
	cases := []struct {
		in   string
		want Style
	}{
		{"\x1b[1m", Style{Attrs: Bold}},
		{"\x1b[2m", Style{Attrs: Faint}},
		{"\x1b[3m", Style{Attrs: Italic}},
		{"\x1b[4m", Style{Attrs: Underline}},
		{"\x1b[4:3m", Style{Attrs: Underline}},
		{"\x1b[4m\x1b[4:0m", Style{}},
		{"\x1b[5m", Style{Attrs: Blink}},
		{"\x1b[7m", Style{Attrs: Reverse}},
		{"\x1b[8m", Style{Attrs: Invisible}},
		{"\x1b[9m", Style{Attrs: Strike}},
		{"\x1b[1;2;3;4;5;7;8;9m", Style{Attrs: Bold | Faint | Italic | Underline | Blink | Reverse | Invisible | Strike}},
		{"\x1b[1;2;3m\x1b[22m", Style{Attrs: Italic}},
		{"\x1b[3;4m\x1b[23m", Style{Attrs: Underline}},
		{"\x1b[4;5m\x1b[24m", Style{Attrs: Blink}},
		{"\x1b[5;7m\x1b[25m", Style{Attrs: Reverse}},
		{"\x1b[7;8m\x1b[27m", Style{Attrs: Invisible}},
		{"\x1b[8;9m\x1b[28m", Style{Attrs: Strike}},
		{"\x1b[9;1m\x1b[29m", Style{Attrs: Bold}},
		{"\x1b[31m", Style{Fg: Indexed(1)}},
		{"\x1b[37m", Style{Fg: Indexed(7)}},
		{"\x1b[90m", Style{Fg: Indexed(8)}},
		{"\x1b[97m", Style{Fg: Indexed(15)}},
		{"\x1b[40m", Style{Bg: Indexed(0)}},
		{"\x1b[47m", Style{Bg: Indexed(7)}},
		{"\x1b[100m", Style{Bg: Indexed(8)}},
		{"\x1b[107m", Style{Bg: Indexed(15)}},
		{"\x1b[38;5;200m", Style{Fg: Indexed(200)}},
		{"\x1b[48;5;17m", Style{Bg: Indexed(17)}},
		{"\x1b[38;2;10;20;30m", Style{Fg: RGB(10, 20, 30)}},
		{"\x1b[48;2;1;2;3m", Style{Bg: RGB(1, 2, 3)}},
		{"\x1b[38:2::10:20:30m", Style{Fg: RGB(10, 20, 30)}},
		{"\x1b[48:2:0:4:5:6m", Style{Bg: RGB(4, 5, 6)}},
		{"\x1b[38:5:99m", Style{Fg: Indexed(99)}},
		{"\x1b[38:2::10:20:30;1m", Style{Fg: RGB(10, 20, 30), Attrs: Bold}},
		{"\x1b[38;5;9;1;4m", Style{Fg: Indexed(9), Attrs: Bold | Underline}},
		{"\x1b[38;2;1;2;3;48;5;4m", Style{Fg: RGB(1, 2, 3), Bg: Indexed(4)}},
		{"\x1b[31;41m\x1b[39m", Style{Bg: Indexed(1)}},
		{"\x1b[31;41m\x1b[49m", Style{Fg: Indexed(1)}},
		{"\x1b[1;31;41m\x1b[0m", Style{}},
		{"\x1b[1;31;41m\x1b[m", Style{}},
		{"\x1b[1;31m\x1b[;4m", Style{Attrs: Underline}},
	}
	for _, c := range cases {
		t.Run(strings.ReplaceAll(c.in, "\x1b", "ESC"), func(t *testing.T) {
			term := newT(10, 2, 0, c.in+"x")
			if got := term.Cell(0, 0).Style; got != c.want {
				t.Errorf("style = %+v, want %+v", got, c.want)
			}
		})
	}
}

func TestCharsets(t *testing.T) {
	runScreen(t, []screenCase{
		{name: "DEC line drawing", in: "\x1b(0qxlkmj\x1b(Bqx", want: []string{"─│┌┐└┘qx"}, x: 8},
		{name: "G1 via SO/SI", in: "\x1b)0a\x0eq\x0fq", want: []string{"a─q"}, x: 3},
	})
}

func TestWideAndCombining(t *testing.T) {
	term := newT(10, 3, 0, "日本語x")
	if x, _ := term.Cursor(); x != 7 {
		t.Errorf("cursor after 日本語x = %d, want 7", x)
	}
	for i, want := range []Cell{
		{Rune: '日', Width: 2}, {Width: 0}, {Rune: '本', Width: 2}, {Width: 0}, {Rune: '語', Width: 2}, {Width: 0}, {Rune: 'x', Width: 1},
	} {
		if got := term.Cell(i, 0); got != want {
			t.Errorf("cell %d = %+v, want %+v", i, got, want)
		}
	}
	// A wide char at the last column wraps.
	term = newT(5, 3, 0, "abcd日")
	if got := screenLines(term); got[0] != "abcd" || got[1] != "日" {
		t.Errorf("wide wrap: %q", got)
	}
	if x, y := term.Cursor(); x != 2 || y != 1 {
		t.Errorf("cursor = %d,%d, want 2,1", x, y)
	}
	// Overwriting half of a wide char blanks the other half.
	term = newT(10, 2, 0, "日本\x1b[1;2Hx")
	if got := screenLines(term)[0]; got != " x本" {
		t.Errorf("overwrite tail: %q", got)
	}
	// Combining.
	term = newT(10, 2, 0, "e\u0301x")
	if c := term.Cell(0, 0); c.Rune != 'e' || c.Comb != "\u0301" || c.Width != 1 {
		t.Errorf("combining cell = %+v", c)
	}
	if x, _ := term.Cursor(); x != 2 {
		t.Errorf("cursor after combining = %d", x)
	}
	if got := screenLines(term)[0]; got != "e\u0301x" {
		t.Errorf("text = %q", got)
	}
	// Combining at pending wrap applies to the last cell.
	term = newT(3, 2, 0, "abc\u0301")
	if c := term.Cell(2, 0); c.Comb != "\u0301" {
		t.Errorf("combining at last column: %+v", c)
	}
	// Emoji.
	term = newT(10, 2, 0, "👍a")
	if c := term.Cell(0, 0); c.Rune != '👍' || c.Width != 2 {
		t.Errorf("emoji cell = %+v", c)
	}
	if x, _ := term.Cursor(); x != 3 {
		t.Errorf("cursor after emoji = %d", x)
	}
}

func TestSplitWrites(t *testing.T) {
	inputs := []string{
		"héllo 日本語 👍 e\u0301",
		"\x1b[1;31mred\x1b[0m \x1b[38;2;1;2;3mrgb\x1b[m\x1b]2;title\x07\x1b]0;t2\x1b\\\x1b[?1049h\x1b[2;3Hx\x1b(0q\x1b(B",
	}
	for _, in := range inputs {
		ref := newT(20, 4, 10, in)
		for i := 0; i <= len(in); i++ {
			term := New(20, 4, 10)
			term.Write([]byte(in[:i]))
			term.Write([]byte(in[i:]))
			assertSame(t, term, ref, "split at "+string(rune('0'+i%10)))
		}
		// One byte at a time.
		term := New(20, 4, 10)
		for i := range len(in) {
			term.Write([]byte{in[i]})
		}
		assertSame(t, term, ref, "byte by byte")
	}
}

func assertSame(t *testing.T, got, want *Terminal, what string) {
	t.Helper()
	gc, gr := got.Size()
	wc, wr := want.Size()
	if gc != wc || gr != wr {
		t.Fatalf("%s: size %dx%d, want %dx%d", what, gc, gr, wc, wr)
	}
	for y := range wr {
		for x := range wc {
			if a, b := got.Cell(x, y), want.Cell(x, y); a != b {
				t.Fatalf("%s: cell %d,%d = %+v, want %+v", what, x, y, a, b)
			}
		}
	}
	gx, gy := got.Cursor()
	wx, wy := want.Cursor()
	if gx != wx || gy != wy {
		t.Fatalf("%s: cursor %d,%d, want %d,%d", what, gx, gy, wx, wy)
	}
	if got.Modes() != want.Modes() {
		t.Fatalf("%s: modes %+v, want %+v", what, got.Modes(), want.Modes())
	}
}

func TestAltScreen(t *testing.T) {
	term := newT(10, 4, 10, "main1\r\nmain2\x1b[31m")
	term.Write([]byte("\x1b[?1049h"))
	if !term.Modes().AltScreen {
		t.Fatal("not on alt screen")
	}
	if got := screenLines(term); got[0] != "" || got[1] != "" {
		t.Errorf("alt screen not clear: %q", got)
	}
	term.Write([]byte("\x1b[0m\x1b[3;3Halt\r\n\r\n\r\n\r\n"))
	if term.ScrollbackLen() != 0 {
		t.Errorf("alt screen fed scrollback: %d", term.ScrollbackLen())
	}
	term.Write([]byte("\x1b[?1049l"))
	if term.Modes().AltScreen {
		t.Fatal("still on alt screen")
	}
	if got := screenLines(term); got[0] != "main1" || got[1] != "main2" || got[2] != "" {
		t.Errorf("main screen after leaving: %q", got)
	}
	if x, y := term.Cursor(); x != 5 || y != 1 {
		t.Errorf("cursor = %d,%d, want 5,1", x, y)
	}
	term.Write([]byte("x"))
	if c := term.Cell(5, 1); c.Style.Fg != Indexed(1) {
		t.Errorf("pen not restored: %+v", c)
	}
	// 47 keeps the cursor.
	term = newT(10, 4, 10, "ab\x1b[?47hcd")
	if got := screenLines(term)[0]; got != "  cd" {
		t.Errorf("47: %q", got)
	}
	term.Write([]byte("\x1b[?47l"))
	if got := screenLines(term)[0]; got != "ab" {
		t.Errorf("47 leave: %q", got)
	}
}

func TestScrollback(t *testing.T) {
	term := New(20, 24, 50)
	for i := range 100 {
		term.Write([]byte("line " + itoa(i) + "\r\n"))
	}
	// 100 lines + an empty last row: 101 rows of output, 24 on screen.
	if n := term.ScrollbackLen(); n != 50 {
		t.Fatalf("scrollback = %d, want 50", n)
	}
	if got := scrollbackRow(term, 0); got != "line 27" {
		t.Errorf("oldest = %q, want line 27", got)
	}
	if got := scrollbackRow(term, 49); got != "line 76" {
		t.Errorf("newest = %q, want line 76", got)
	}
	if got := screenLines(term)[0]; got != "line 77" {
		t.Errorf("screen top = %q", got)
	}
	text := strings.Split(term.Text(3, false), "\n")
	if len(text) != 27 || text[0] != "line 74" || text[3] != "line 77" {
		t.Errorf("Text(3) = %q", text[:4])
	}
	if term.ScrollbackCell(0, 50) != blankCell || term.ScrollbackCell(99, 0) != blankCell {
		t.Error("out of range scrollback cell not blank")
	}
	none := newT(10, 2, 0, "1\r\n2\r\n3\r\n")
	if none.ScrollbackLen() != 0 {
		t.Error("scrollback 0 kept lines")
	}
}

// TestScrollBlanks checks the rows scrolled in at the bottom: blanked in
// the pen's background (BCE), and wholly default blanks after lines of any
// length and colour scrolled off.
func TestScrollBlanks(t *testing.T) {
	term := New(10, 3, 5)
	term.Write([]byte("0123456789\x1b[44mab\x1b[m\r\nxy\r\n\x1b[41m\r\n\x1b[m\r\n"))
	red := Style{Bg: Indexed(1)}
	for y := range 3 {
		for x := range 10 {
			c := term.Cell(x, y)
			st := Style{}
			if y == 1 {
				st = red // scrolled in while the pen was red, for a short line
			}
			if c.Rune != ' ' || c.Style != st || c.Width != 1 || c.Comb != "" {
				t.Fatalf("cell %d,%d = %+v, want blank %+v", x, y, c, st)
			}
		}
	}
	if got := strings.Split(term.Text(5, true), "\n"); got[0] != "0123456789" || got[1] != "\x1b[44mab\x1b[0m" || got[2] != "xy" {
		t.Errorf("history = %q", got)
	}
}

func scrollbackRow(t *Terminal, y int) string {
	var b strings.Builder
	for x := range t.cols {
		c := t.ScrollbackCell(x, y)
		if c.Width != 0 {
			b.WriteRune(c.Rune)
		}
	}
	return strings.TrimRight(b.String(), " ")
}

func itoa(i int) string {
	if i == 0 {
		return "0"
	}
	var b []byte
	for ; i > 0; i /= 10 {
		b = append([]byte{byte('0' + i%10)}, b...)
	}
	return string(b)
}

func TestResize(t *testing.T) {
	term := newT(10, 5, 10, "1\r\n2\r\n3\r\n4\r\n5abc")
	term.Resize(3, 3)
	if c, r := term.Size(); c != 3 || r != 3 {
		t.Fatalf("size = %dx%d", c, r)
	}
	if got := screenLines(term); strings.Join(got, ",") != "3,4,5ab" {
		t.Errorf("after shrink: %q", got)
	}
	if x, y := term.Cursor(); x != 2 || y != 2 {
		t.Errorf("cursor = %d,%d", x, y)
	}
	if term.ScrollbackLen() != 2 {
		t.Errorf("rows pushed to scrollback = %d, want 2", term.ScrollbackLen())
	}
	term.Resize(12, 6)
	if got := screenLines(term); strings.Join(got, ",") != "3,4,5ab,,," {
		t.Errorf("after grow: %q", got)
	}
	term.Write([]byte("\x1b[6;12HZ"))
	if c := term.Cell(11, 5); c.Rune != 'Z' {
		t.Errorf("new area not writable: %+v", c)
	}
	if r := strings.Split(term.Text(0, false), "\n"); len(r) != 6 {
		t.Errorf("rows = %d", len(r))
	}
	// Cursor kept in bounds, wide char cut at the edge.
	term = newT(10, 5, 0, "abcd日\x1b[5;9H")
	term.Resize(5, 3)
	if x, y := term.Cursor(); x != 4 || y != 2 {
		t.Errorf("cursor after shrink = %d,%d", x, y)
	}
	if c := term.Cell(4, 0); c.Width != 1 {
		t.Errorf("half wide char left at edge: %+v", c)
	}
	// Tab stops extend.
	term = newT(10, 2, 0, "")
	term.Resize(30, 2)
	term.Write([]byte("\t\t\tx"))
	if x, _ := term.Cursor(); x != 25 {
		t.Errorf("tab after grow: x = %d", x)
	}
	// Alt screen resized too.
	term = newT(10, 5, 0, "\x1b[?1049h\x1b[5;1Halt")
	term.Resize(8, 3)
	term.Write([]byte("\x1b[?1049l"))
	if term.Modes().AltScreen {
		t.Error("alt")
	}
}

func TestQueries(t *testing.T) {
	cases := []struct{ in, want string }{
		{"\x1b[c", "\x1b[?62;22c"},
		{"\x1b[0c", "\x1b[?62;22c"},
		{"\x1b[>c", "\x1b[>1;10;0c"},
		{"\x1b[5n", "\x1b[0n"},
		{"\x1b[3;7H\x1b[6n", "\x1b[3;7R"},
		{"\x1b[2;4r\x1b[?6h\x1b[2;3H\x1b[6n", "\x1b[2;3R"},
		{"\x1b[?6n", "\x1b[?1;1R"},
		{"\x1b]10;?\x07", "\x1b]10;rgb:ffff/ffff/ffff\x1b\\"},
		{"\x1b]11;?\x1b\\", "\x1b]11;rgb:0000/0000/0000\x1b\\"},
		{"\x1b[?2004h\x1b[?2004$p", "\x1b[?2004;1$y"},
		{"\x1b[?1049$p", "\x1b[?1049;2$y"},
		{"\x1b]10;#ffffff\x07", ""},
		{"\x1b[31m", ""},
	}
	for _, c := range cases {
		t.Run(strings.ReplaceAll(c.in, "\x1b", "ESC"), func(t *testing.T) {
			term := New(10, 5, 0)
			var got bytes.Buffer
			term.SetReply(func(b []byte) { got.Write(b) })
			term.Write([]byte(c.in))
			if got.String() != c.want {
				t.Errorf("reply = %q, want %q", got.String(), c.want)
			}
			// Ignored without a callback.
			term = New(10, 5, 0)
			term.Write([]byte(c.in))
		})
	}
}

func TestTitle(t *testing.T) {
	for _, in := range []string{"\x1b]0;hello\x07", "\x1b]2;hello\x07", "\x1b]0;hello\x1b\\", "\x1b]2;hello\x1b\\", "\x1b]2;x\x07\x1b]2;hello\x07"} {
		term := newT(10, 2, 0, in)
		if got := term.Modes().Title; got != "hello" {
			t.Errorf("%q: title = %q", in, got)
		}
	}
	term := newT(10, 2, 0, "\x1b]1;icon\x07")
	if got := term.Modes().Title; got != "" {
		t.Errorf("OSC 1 set title %q", got)
	}
}

func TestModes(t *testing.T) {
	cases := []struct {
		in   string
		want func(*Modes)
	}{
		{"", func(m *Modes) {}},
		{"\x1b[?25l", func(m *Modes) { m.CursorVisible = false }},
		{"\x1b[?25l\x1b[?25h", func(m *Modes) {}},
		{"\x1b[5 q", func(m *Modes) { m.CursorShape = 5 }},
		{"\x1b[?1h", func(m *Modes) { m.AppCursor = true }},
		{"\x1b=", func(m *Modes) { m.AppKeypad = true }},
		{"\x1b=\x1b>", func(m *Modes) {}},
		{"\x1b[?2004h", func(m *Modes) { m.BracketedPaste = true }},
		{"\x1b[?1000h", func(m *Modes) { m.Mouse = 1000 }},
		{"\x1b[?1002h", func(m *Modes) { m.Mouse = 1002 }},
		{"\x1b[?1003h\x1b[?1006h", func(m *Modes) { m.Mouse = 1003; m.MouseEncoding = 1006 }},
		{"\x1b[?1000;1005h", func(m *Modes) { m.Mouse = 1000; m.MouseEncoding = 1005 }},
		{"\x1b[?1000h\x1b[?1015h\x1b[?1000l", func(m *Modes) { m.MouseEncoding = 1015 }},
		{"\x1b[?1004h", func(m *Modes) { m.FocusEvents = true }},
		{"\x1b[?1049h", func(m *Modes) { m.AltScreen = true }},
		{"\x1b[?1047h", func(m *Modes) { m.AltScreen = true }},
		{"\x1b[?6h", func(m *Modes) { m.Origin = true }},
		{"\x1b[?7l", func(m *Modes) { m.Autowrap = false }},
		{"\x1b[4h", func(m *Modes) { m.Insert = true }},
		{"\x1b[?1h\x1b[?25l\x1b[!p", func(m *Modes) {}},
	}
	for _, c := range cases {
		t.Run(strings.ReplaceAll(c.in, "\x1b", "ESC"), func(t *testing.T) {
			want := Modes{CursorVisible: true, Autowrap: true}
			c.want(&want)
			if got := newT(10, 3, 0, c.in).Modes(); got != want {
				t.Errorf("modes = %+v, want %+v", got, want)
			}
		})
	}
}

func TestTextSGR(t *testing.T) {
	term := newT(20, 2, 0, "a\x1b[1;31mbc\x1b[0m d\x1b[44m  \x1b[m")
	if got := term.Text(0, false); got != "abc d\n" {
		t.Errorf("plain = %q", got)
	}
	want := "a\x1b[1;31mbc\x1b[0m d\x1b[44m  \x1b[0m\n"
	if got := term.Text(0, true); got != want {
		t.Errorf("sgr = %q, want %q", got, want)
	}
}

func TestRoundTrip(t *testing.T) {
	scenarios := map[string]string{
		"colours":       "plain \x1b[1;31mred bold\x1b[0m \x1b[38;5;200;48;2;1;2;3mmixed\x1b[m\r\n\x1b[3;4m\x1b[9;7mattrs\x1b[22;23m x\r\n\x1b[45m\x1b[K\x1b[0m\r\n\x1b[92;103mbright\x1b[2m faint",
		"wide":          "日本語 text 👍 e\u0301 end\r\n\x1b[1;19H日\x1b[2;20Hx",
		"pending wrap":  "\x1b[5;1H" + strings.Repeat("z", 20) + "\x1b[33m",
		"alt screen":    "shell$ ls\r\nfile\r\n\x1b[31m\x1b7\x1b[0m\x1b[?1049h\x1b[?1h\x1b=\x1b[H\x1b[2J\x1b[1;44m top \x1b[0m\x1b[3;5Hbody\x1b(0qqq\x1b(B\x1b[?25l\x1b]2;vim\x07",
		"scroll region": "1\r\n2\r\n3\r\n4\r\n5\r\n6\x1b[2;4r\x1b[4;1H\nnew\x1b[?2004h\x1b[?1002h\x1b[?1006h\x1b[?1004h\x1b[4 q",
		"origin":        "\x1b[2;4r\x1b[?6h\x1b[2;3Hin\x1b[?7l\x1b[4h",
		"tabs charsets": "\x1b[3g\x1b[1;4H\x1bH\x1b[1;13H\x1bH\x1b[H\x1b(0\x1b)0\x0e",
		"saved cursor":  "abc\x1b[2;5H\x1b[32m\x1b7\x1b[0m\x1b[4;1H",
	}
	for name, in := range scenarios {
		t.Run(name, func(t *testing.T) {
			for _, sb := range []int{0, 3} {
				src := New(20, 5, 10)
				src.Write([]byte("history 1\r\nhistory \x1b[31m2\x1b[0m\r\nhistory 3\r\n\r\n\r\n\r\n\r\n"))
				src.Write([]byte(in))
				var buf bytes.Buffer
				src.Restore(&buf, sb)
				dst := New(20, 5, 10)
				dst.Write(buf.Bytes())
				assertSame(t, dst, src, name)
				if st, dt := src.cur.style, dst.cur.style; st != dt {
					t.Errorf("pen = %+v, want %+v", dt, st)
				}
				if src.cur.wrapNext != dst.cur.wrapNext || src.cur.charsets != dst.cur.charsets || src.cur.gl != dst.cur.gl {
					t.Errorf("cursor state = %+v, want %+v", dst.cur, src.cur)
				}
				st, sbm := src.ScrollRegion()
				dt, dbm := dst.ScrollRegion()
				if st != dt || sbm != dbm {
					t.Errorf("region = %d-%d, want %d-%d", dt, dbm, st, sbm)
				}
				if !equalTabs(src, dst) {
					t.Errorf("tabs differ")
				}
				if sb > 0 {
					if dst.ScrollbackLen() != min(sb, src.ScrollbackLen()) {
						t.Fatalf("scrollback = %d", dst.ScrollbackLen())
					}
					if got, want := dst.Text(sb, true), src.Text(sb, true); !src.Modes().AltScreen && got != want {
						t.Errorf("text with history = %q, want %q", got, want)
					}
				}
				if src.Modes().AltScreen {
					src.Write([]byte("\x1b[?1049l"))
					dst.Write([]byte("\x1b[?1049l"))
					assertSame(t, dst, src, name+" after leaving alt")
				}
			}
		})
	}
}

func equalTabs(a, b *Terminal) bool {
	if a.cols != b.cols {
		return false
	}
	for i := range a.cols {
		if a.tabStop(i) != b.tabStop(i) {
			return false
		}
	}
	return true
}

func TestZeroAllocs(t *testing.T) {
	term := New(80, 24, 100)
	line := []byte("some plain text \x1b[1;31mcolour\x1b[0m and é 日本 more text\r\n")
	for range 200 {
		term.Write(line)
	}
	allocs := testing.AllocsPerRun(100, func() { term.Write(line) })
	if allocs > 0.05 {
		t.Errorf("allocs per line = %v", allocs)
	}
}
