package vt

// The corpus oracle test: real programs' output (vim, less, top, htop, man, git
// log, ls, bash) and a few escape-sequence scripts, recorded once from a pty by
// testdata/record/main.go into testdata/corpus/NAME.bin (+ NAME.json: size,
// description, command, and the byte offsets "marks" reached after each
// keystroke step). Each stream is replayed into our Terminal and into
// github.com/charmbracelet/x/vt (the oracle), and the screens are compared cell
// by cell at every mark: text, width, colours, attributes, cursor position,
// cursor visibility, alternate screen, and the scrollback.
//
// Our Terminal gets the bytes in chunks of deterministic pseudo-random sizes
// (1..4096 bytes, split anywhere, inside escape sequences and UTF-8 too). The
// oracle gets each segment between two marks in one Write: x/vt ends a
// grapheme cluster at the end of every Write, so splitting "e" from its
// combining mark there would be the oracle's artifact, not a difference.
// TestCorpusChunking separately checks that our result does not depend on
// the chunking (byte-at-a-time vs one Write).
//
// Differences are listed as "row R col C field: ours X, oracle Y" with both
// rows' text; CORPUS_DUMP=1 adds both whole screens and scrollbacks to each
// failure, CORPUS_DUMP=all logs them at every mark. Re-record with
// `go run vt/testdata/record/main.go` (see its doc comment).

import (
	"encoding/json"
	"fmt"
	"image/color"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
	xvt "github.com/charmbracelet/x/vt"
)

const corpusDir = "testdata/corpus"

// knownDifference is a difference from the oracle that is accepted, with the
// reason. It matches a difference when every set field matches: File and Mark
// ("" any), Field ("" any), Row (screen row from 0, or -n for the n-th newest
// scrollback line; anyRow for any), and Line, a substring of that row's text
// on either side ("" any), which keeps entries readable and robust.
type knownDifference struct {
	File, Mark string
	Field      string // text, width, fg, bg, attrs, cursor, cursor-visible, alt-screen, scrollback-len
	Row        int
	Line       string
	Reason     string
}

const anyRow = 1 << 30

// knownDifferences lists every accepted difference between our Terminal and
// x/vt on the corpus. Each is an x/vt bug, checked against xterm's behaviour
// (ctlseqs and xterm itself), and the scripts provoke it on rows of their own
// so it cannot hide anything else.
var knownDifferences = []knownDifference{
	{
		File: "altscreen-tui", Row: anyRow, Line: "SO:", Field: "text",
		Reason: "x/vt ignores SO/SI (LS1/LS0): after ESC ) 0 and SO, xterm draws G1's DEC line-drawing characters, x/vt prints the ASCII letters",
	},
	{
		File: "scroll-region", Row: anyRow, Field: "scrollback-len",
		Reason: "x/vt saves lines scrolled out of a scroll region to the scrollback even when the region's top margin is not the first row; xterm (and ours) only save lines leaving the top of the screen",
	},
	{
		File: "scroll-region", Row: anyRow, Line: "outside region",
		Reason: "x/vt ignores ICH (CSI @) on a row outside the scroll region; xterm inserts blanks on any row (only DECSLRM margins limit ICH)",
	},
	{
		File: "scroll-region", Row: anyRow, Line: ">>",
		Reason: "x/vt does not implement IRM (CSI 4 h, insert mode): it overwrites where xterm shifts the rest of the line right",
	},
	{
		File: "scroll-region", Row: -2,
		Reason: "x/vt's ED 1 (CSI 1 J) erases the whole cursor row; xterm erases from the start of the screen through the cursor only (row 1 keeps its columns 11-80)",
	},
	{
		File: "unicode-wrap", Row: anyRow, Line: "wide char at the last column wraps",
		Reason: "a wide character arriving in the last column: xterm wraps it whole to the next row, x/vt writes half of it and loses it",
	},
	{
		File: "unicode-wrap", Row: anyRow, Line: "wwwwwwwwww",
		Reason: "a wide character ending exactly in the last column: x/vt clamps the cursor instead of setting the pending wrap, so the next character overwrites it; xterm keeps it and wraps",
	},
	{
		File: "unicode-wrap", Row: anyRow, Line: "wide char exactly at the last two columns",
		Reason: "the row after the previous one: x/vt lost the second wide character too",
	},
}

type corpusMark struct {
	Label  string `json:"label"`
	Offset int    `json:"offset"`
}

type corpusFile struct {
	Name        string
	Cols        int          `json:"cols"`
	Rows        int          `json:"rows"`
	Description string       `json:"description"`
	Command     string       `json:"command"`
	Marks       []corpusMark `json:"marks"`
	Data        []byte       `json:"-"`
}

func loadCorpus(tb testing.TB) []corpusFile {
	tb.Helper()
	metas, err := filepath.Glob(filepath.Join(corpusDir, "*.json"))
	if err != nil {
		tb.Fatal(err)
	}
	if len(metas) == 0 {
		tb.Fatalf("no corpus in %s", corpusDir)
	}
	sort.Strings(metas)
	var files []corpusFile
	for _, m := range metas {
		js, err := os.ReadFile(m)
		if err != nil {
			tb.Fatal(err)
		}
		var f corpusFile
		if err := json.Unmarshal(js, &f); err != nil {
			tb.Fatalf("%s: %v", m, err)
		}
		f.Name = strings.TrimSuffix(filepath.Base(m), ".json")
		f.Data, err = os.ReadFile(strings.TrimSuffix(m, ".json") + ".bin")
		if err != nil {
			tb.Fatal(err)
		}
		if f.Cols <= 0 || f.Rows <= 0 {
			tb.Fatalf("%s: bad size %dx%d", m, f.Cols, f.Rows)
		}
		// Marks must be increasing and within the data; the end is always one.
		last := 0
		var ms []corpusMark
		for _, mk := range f.Marks {
			if mk.Offset < last || mk.Offset > len(f.Data) {
				tb.Fatalf("%s: mark %q at %d out of order", m, mk.Label, mk.Offset)
			}
			last = mk.Offset
			ms = append(ms, mk)
		}
		if len(ms) == 0 || ms[len(ms)-1].Offset != len(f.Data) {
			ms = append(ms, corpusMark{Label: "end", Offset: len(f.Data)})
		}
		f.Marks = ms
		files = append(files, f)
	}
	return files
}

// ---- a comparable view of a screen ----

type cellView struct {
	Text  string // grapheme; "" for the tail of a wide character
	Width int
	Fg    string
	Bg    string
	Attrs string
}

type screenView struct {
	Cols, Rows    int
	Cells         [][]cellView
	CurX, CurY    int
	CursorVisible bool
	AltScreen     bool
	Scrollback    [][]cellView // oldest first
}

func ourColor(c Color) string {
	if c.IsDefault() {
		return "default"
	}
	if n, ok := c.Index(); ok {
		return fmt.Sprintf("idx(%d)", n)
	}
	if r, g, b, ok := c.RGB(); ok {
		return fmt.Sprintf("#%02x%02x%02x", r, g, b)
	}
	return fmt.Sprintf("?%08x", uint32(c))
}

func oracleColor(c color.Color) string {
	switch c := c.(type) {
	case nil:
		return "default"
	case ansi.BasicColor:
		return fmt.Sprintf("idx(%d)", uint8(c))
	case ansi.IndexedColor:
		return fmt.Sprintf("idx(%d)", uint8(c))
	}
	r, g, b, a := c.RGBA()
	if a == 0 {
		return "transparent"
	}
	return fmt.Sprintf("#%02x%02x%02x", r>>8, g>>8, b>>8)
}

func ourAttrs(a Attr) string {
	var s []string
	for _, x := range []struct {
		a    Attr
		name string
	}{{Bold, "bold"}, {Faint, "faint"}, {Italic, "italic"}, {Underline, "underline"},
		{Blink, "blink"}, {Reverse, "reverse"}, {Invisible, "invisible"}, {Strike, "strike"}} {
		if a&x.a != 0 {
			s = append(s, x.name)
		}
	}
	return strings.Join(s, ",")
}

// The attribute bits of github.com/charmbracelet/ultraviolet's Style.Attrs
// (uv.AttrBold...), spelled out so this test does not import ultraviolet,
// an indirect dependency.
const (
	uvBold = 1 << iota
	uvFaint
	uvItalic
	uvBlink
	uvRapidBlink
	uvReverse
	uvConceal
	uvStrike
)

func oracleAttrs(attrs uint8, underline ansi.Underline) string {
	var s []string
	add := func(ok bool, name string) {
		if ok {
			s = append(s, name)
		}
	}
	add(attrs&uvBold != 0, "bold")
	add(attrs&uvFaint != 0, "faint")
	add(attrs&uvItalic != 0, "italic")
	add(underline != ansi.UnderlineNone, "underline")
	add(attrs&(uvBlink|uvRapidBlink) != 0, "blink")
	add(attrs&uvReverse != 0, "reverse")
	add(attrs&uvConceal != 0, "invisible")
	add(attrs&uvStrike != 0, "strike")
	return strings.Join(s, ",")
}

func ourCellView(c Cell) cellView {
	v := cellView{Width: int(c.Width), Fg: ourColor(c.Style.Fg), Bg: ourColor(c.Style.Bg), Attrs: ourAttrs(c.Style.Attrs)}
	switch {
	case c.Width == 0:
		v.Text = ""
	case c.Rune == 0:
		v.Text = " " + c.Comb
	default:
		v.Text = string(c.Rune) + c.Comb
	}
	return v
}

func oracleCellView(content string, width int, fg, bg color.Color, attrs uint8, ul ansi.Underline) cellView {
	v := cellView{Text: content, Width: width, Fg: oracleColor(fg), Bg: oracleColor(bg), Attrs: oracleAttrs(attrs, ul)}
	if width != 0 && content == "" {
		v.Text = " "
	}
	return v
}

func ourView(t *Terminal) screenView {
	cols, rows := t.Size()
	v := screenView{Cols: cols, Rows: rows}
	for y := range rows {
		row := make([]cellView, cols)
		for x := range cols {
			row[x] = ourCellView(t.Cell(x, y))
		}
		v.Cells = append(v.Cells, row)
	}
	v.CurX, v.CurY = t.Cursor()
	m := t.Modes()
	v.CursorVisible, v.AltScreen = m.CursorVisible, m.AltScreen
	for y := range t.ScrollbackLen() {
		row := make([]cellView, cols)
		for x := range cols {
			row[x] = ourCellView(t.ScrollbackCell(x, y))
		}
		v.Scrollback = append(v.Scrollback, row)
	}
	return v
}

// oracle wraps x/vt: it drains the emulator's replies (Write blocks until
// they are read) and tracks cursor visibility through its callback.
type oracle struct {
	em      *xvt.Emulator
	visible bool
	done    chan struct{}
}

func newOracle(cols, rows int) *oracle {
	o := &oracle{em: xvt.NewEmulator(cols, rows), visible: true, done: make(chan struct{})}
	o.em.SetScrollbackSize(2000)
	o.em.SetCallbacks(xvt.Callbacks{CursorVisibility: func(v bool) { o.visible = v }})
	go func() {
		defer close(o.done)
		_, _ = io.Copy(io.Discard, o.em)
	}()
	return o
}

func (o *oracle) close() {
	// Not Emulator.Close: it writes a field its Read reads unlocked (a data
	// race under -race). Closing the reply pipe ends the reader instead.
	if c, ok := o.em.InputPipe().(io.Closer); ok {
		_ = c.Close()
	}
	<-o.done
}

func (o *oracle) cellView(x, y int, scrollback bool) cellView {
	c := o.em.CellAt(x, y)
	if scrollback {
		c = o.em.ScrollbackCellAt(x, y)
	}
	if c == nil {
		return cellView{Text: " ", Width: 1, Fg: "default", Bg: "default"}
	}
	return oracleCellView(c.Content, c.Width, c.Style.Fg, c.Style.Bg, c.Style.Attrs, c.Style.Underline)
}

func (o *oracle) view() screenView {
	cols, rows := o.em.Width(), o.em.Height()
	v := screenView{Cols: cols, Rows: rows}
	for y := range rows {
		row := make([]cellView, cols)
		for x := range cols {
			row[x] = o.cellView(x, y, false)
		}
		v.Cells = append(v.Cells, row)
	}
	p := o.em.CursorPosition()
	v.CurX, v.CurY = p.X, p.Y
	v.CursorVisible, v.AltScreen = o.visible, o.em.IsAltScreen()
	for y := range o.em.ScrollbackLen() {
		row := make([]cellView, cols)
		for x := range cols {
			row[x] = o.cellView(x, y, true)
		}
		v.Scrollback = append(v.Scrollback, row)
	}
	return v
}

// coverage counts what the corpus exercises, as seen by the oracle.
type coverage struct {
	Fg, Bg, RGB, Idx256                      int
	Bold, Italic, Underline, Reverse, Strike int
	Wide, Combining, Alt, Hidden, Scrollback int
}

func (c *coverage) add(v screenView) {
	if v.AltScreen {
		c.Alt++
	}
	if !v.CursorVisible {
		c.Hidden++
	}
	c.Scrollback += len(v.Scrollback)
	for _, row := range v.Cells {
		for _, x := range row {
			if x.Fg != "default" {
				c.Fg++
			}
			if x.Bg != "default" {
				c.Bg++
			}
			if strings.HasPrefix(x.Fg, "#") || strings.HasPrefix(x.Bg, "#") {
				c.RGB++
			}
			var n int
			if _, err := fmt.Sscanf(x.Fg, "idx(%d)", &n); err == nil && n > 15 {
				c.Idx256++
			}
			for _, a := range strings.Split(x.Attrs, ",") {
				switch a {
				case "bold":
					c.Bold++
				case "italic":
					c.Italic++
				case "underline":
					c.Underline++
				case "reverse":
					c.Reverse++
				case "strike":
					c.Strike++
				}
			}
			if x.Width == 2 {
				c.Wide++
			}
			if len([]rune(x.Text)) > 1 {
				c.Combining++
			}
		}
	}
}

// ---- comparison ----

type screenDiff struct {
	Row, Col      int // Row < 0: scrollback line -Row-1 counted from the newest; Col -1: not a cell
	Field         string
	Ours, Oracle  string
	Known, Reason string
}

func (d screenDiff) String() string {
	where := "screen"
	switch {
	case d.Col < 0:
		where = "terminal"
	case d.Row < 0:
		where = fmt.Sprintf("scrollback[-%d] col %d", -d.Row, d.Col)
	default:
		where = fmt.Sprintf("row %d col %d", d.Row, d.Col)
	}
	return fmt.Sprintf("%s %s: ours %s, oracle %s", where, d.Field, d.Ours, d.Oracle)
}

func compareCells(row, col int, a, b cellView, out *[]screenDiff) {
	add := func(field, x, y string) {
		*out = append(*out, screenDiff{Row: row, Col: col, Field: field, Ours: x, Oracle: y})
	}
	if a.Width != b.Width {
		add("width", fmt.Sprint(a.Width), fmt.Sprint(b.Width))
	}
	if a.Width == 0 || b.Width == 0 {
		return // the tail of a wide character: only its width counts
	}
	if a.Text != b.Text {
		add("text", fmt.Sprintf("%+q", a.Text), fmt.Sprintf("%+q", b.Text))
	}
	if a.Fg != b.Fg {
		add("fg", a.Fg, b.Fg)
	}
	if a.Bg != b.Bg {
		add("bg", a.Bg, b.Bg)
	}
	if a.Attrs != b.Attrs {
		add("attrs", "["+a.Attrs+"]", "["+b.Attrs+"]")
	}
}

func compareViews(ours, orc screenView) []screenDiff {
	var diffs []screenDiff
	term := func(field string, a, b any) {
		if fmt.Sprint(a) != fmt.Sprint(b) {
			diffs = append(diffs, screenDiff{Row: -1, Col: -1, Field: field, Ours: fmt.Sprint(a), Oracle: fmt.Sprint(b)})
		}
	}
	term("alt-screen", ours.AltScreen, orc.AltScreen)
	term("cursor", fmt.Sprintf("(%d,%d)", ours.CurX, ours.CurY), fmt.Sprintf("(%d,%d)", orc.CurX, orc.CurY))
	term("cursor-visible", ours.CursorVisible, orc.CursorVisible)
	for y := range min(ours.Rows, orc.Rows) {
		for x := range min(ours.Cols, orc.Cols) {
			compareCells(y, x, ours.Cells[y][x], orc.Cells[y][x], &diffs)
		}
	}
	term("scrollback-len", len(ours.Scrollback), len(orc.Scrollback))
	// Scrollback lines, newest first, as far as both have them.
	for i := 1; i <= min(len(ours.Scrollback), len(orc.Scrollback)); i++ {
		a, b := ours.Scrollback[len(ours.Scrollback)-i], orc.Scrollback[len(orc.Scrollback)-i]
		for x := range min(len(a), len(b)) {
			compareCells(-i, x, a[x], b[x], &diffs)
		}
	}
	return diffs
}

// rowTexts returns the text of a row (>= 0) or scrollback line (< 0, from
// the newest) of both views, "" where a view has no such row.
func rowTexts(ours, orc screenView, row int) (string, string) {
	get := func(v screenView) string {
		switch {
		case row >= 0 && row < len(v.Cells):
			return rowText(v.Cells[row])
		case row < 0 && -row <= len(v.Scrollback):
			return rowText(v.Scrollback[len(v.Scrollback)+row])
		}
		return ""
	}
	return get(ours), get(orc)
}

func (k knownDifference) matches(file, mark string, d screenDiff, ours, orc screenView) bool {
	if (k.File != "" && k.File != file) || (k.Mark != "" && k.Mark != mark) ||
		(k.Field != "" && k.Field != d.Field) {
		return false
	}
	if k.Row != anyRow && (d.Col < 0 || k.Row != d.Row) {
		return false
	}
	if k.Line != "" {
		if d.Col < 0 {
			return false
		}
		a, b := rowTexts(ours, orc, d.Row)
		return strings.Contains(a, k.Line) || strings.Contains(b, k.Line)
	}
	return true
}

func classify(file, mark string, diffs []screenDiff, ours, orc screenView, used map[int]bool) {
	for i := range diffs {
		for j, k := range knownDifferences {
			if k.matches(file, mark, diffs[i], ours, orc) {
				diffs[i].Known, diffs[i].Reason = "known", k.Reason
				used[j] = true
				break
			}
		}
	}
}

func rowText(row []cellView) string {
	var b strings.Builder
	for _, c := range row {
		b.WriteString(c.Text)
	}
	return strings.TrimRight(b.String(), " ")
}

// chunker yields deterministic pseudo-random chunk sizes: mostly small (the
// sizes a pty read returns when a program writes little), sometimes large.
type chunker struct{ r *rand.Rand }

func newChunker(name string) *chunker {
	var seed uint64 = 14695981039346656037
	for i := 0; i < len(name); i++ {
		seed = (seed ^ uint64(name[i])) * 1099511628211
	}
	return &chunker{rand.New(rand.NewPCG(seed, 0x6c696e676572))}
}

func (c *chunker) next() int {
	switch c.r.IntN(4) {
	case 0:
		return 1 + c.r.IntN(8)
	case 1:
		return 1 + c.r.IntN(64)
	case 2:
		return 1 + c.r.IntN(512)
	default:
		return 1 + c.r.IntN(4096)
	}
}

// writeChunked writes data to t in chunks drawn from ch (ch nil: one Write;
// size 1: byte at a time).
func writeChunked(t *Terminal, data []byte, ch *chunker, size int) {
	for off := 0; off < len(data); {
		n := len(data) - off
		switch {
		case ch != nil:
			n = min(n, ch.next())
		case size > 0:
			n = min(n, size)
		}
		t.Write(data[off : off+n])
		off += n
	}
}

const maxDiffLines = 40

// dumpViews renders both screens and scrollbacks side by side (set
// CORPUS_DUMP=1 to get it with every failure).
func dumpViews(ours, orc screenView) string {
	var b strings.Builder
	lines := func(v screenView) []string {
		var out []string
		for i, r := range v.Scrollback {
			out = append(out, fmt.Sprintf("sb%-4d|%s", i-len(v.Scrollback), rowText(r)))
		}
		for i, r := range v.Cells {
			out = append(out, fmt.Sprintf("%-6d|%s", i, rowText(r)))
		}
		return out
	}
	for _, side := range []struct {
		name string
		v    screenView
	}{{"ours", ours}, {"oracle", orc}} {
		fmt.Fprintf(&b, "  --- %s: cursor (%d,%d) alt %v\n", side.name, side.v.CurX, side.v.CurY, side.v.AltScreen)
		for _, l := range lines(side.v) {
			fmt.Fprintf(&b, "  %s\n", l)
		}
	}
	return b.String()
}

// TestCorpus replays every recorded stream into our Terminal and into x/vt
// and compares the screens at every mark.
func TestCorpus(t *testing.T) {
	files := loadCorpus(t)
	used := map[int]bool{}
	type summary struct {
		name             string
		bytes, marks     int
		unknown, known   int // differing cells/properties, over all marks
		firstBadMark     string
		finalCellsDiffer int
	}
	var sums []summary
	var cov coverage
	for _, f := range files {
		s := summary{name: f.Name, bytes: len(f.Data), marks: len(f.Marks)}
		ran := false
		t.Run(f.Name, func(t *testing.T) {
			ran = true
			ours := New(f.Cols, f.Rows, 2000)
			orc := newOracle(f.Cols, f.Rows)
			defer orc.close()
			ch := newChunker(f.Name)
			prev := 0
			for mi, mk := range f.Marks {
				seg := f.Data[prev:mk.Offset]
				prev = mk.Offset
				writeChunked(ours, seg, ch, 0)
				if len(seg) > 0 {
					_, _ = orc.em.Write(seg)
				}
				if len(seg) == 0 && mi > 0 {
					continue // nothing new since the previous mark
				}
				ov, xv := ourView(ours), orc.view()
				cov.add(xv)
				if os.Getenv("CORPUS_DUMP") == "all" {
					t.Logf("mark %q (byte %d):\n%s", mk.Label, mk.Offset, dumpViews(ov, xv))
				}
				diffs := compareViews(ov, xv)
				classify(f.Name, mk.Label, diffs, ov, xv, used)
				var bad []screenDiff
				cells := map[[2]int]bool{}
				for _, d := range diffs {
					if d.Col >= 0 {
						cells[[2]int{d.Row, d.Col}] = true
					}
					if d.Known == "" {
						bad = append(bad, d)
					} else {
						s.known++
					}
				}
				s.unknown += len(bad)
				s.finalCellsDiffer = len(cells) // the last mark compared is the final state
				for _, d := range diffs {
					if d.Known != "" {
						t.Logf("mark %q (byte %d): known: %s (%s)", mk.Label, mk.Offset, d, d.Reason)
					}
				}
				if len(bad) == 0 {
					continue
				}
				if s.firstBadMark == "" {
					s.firstBadMark = mk.Label
				}
				var b strings.Builder
				fmt.Fprintf(&b, "%s (%dx%d) at mark %q (byte %d of %d): %d differences from x/vt:\n",
					f.Name, f.Cols, f.Rows, mk.Label, mk.Offset, len(f.Data), len(bad))
				rows := map[int]bool{}
				for i, d := range bad {
					if i < maxDiffLines {
						fmt.Fprintf(&b, "  %s\n", d)
					}
					if d.Col >= 0 {
						rows[d.Row] = true
					}
				}
				if len(bad) > maxDiffLines {
					fmt.Fprintf(&b, "  ... and %d more\n", len(bad)-maxDiffLines)
				}
				var rs []int
				for r := range rows {
					rs = append(rs, r)
				}
				sort.Ints(rs)
				for i, r := range rs {
					if i == 8 {
						fmt.Fprintf(&b, "  ... %d more rows differ\n", len(rs)-i)
						break
					}
					var a, o string
					if r >= 0 {
						a, o = rowText(ov.Cells[r]), rowText(xv.Cells[r])
					} else {
						a, o = rowText(ov.Scrollback[len(ov.Scrollback)+r]), rowText(xv.Scrollback[len(xv.Scrollback)+r])
					}
					fmt.Fprintf(&b, "  row %d ours:   %q\n  row %d oracle: %q\n", r, a, r, o)
				}
				if os.Getenv("CORPUS_DUMP") != "" {
					b.WriteString(dumpViews(ov, xv))
				}
				t.Error(b.String())
			}
		})
		if ran {
			sums = append(sums, s)
		}
	}
	t.Log("corpus summary (differences over all marks; cells differing at the end):")
	for _, s := range sums {
		t.Logf("  %-16s %7d bytes %3d marks: %4d unexplained, %4d known; %4d cells differ at the end%s",
			s.name, s.bytes, s.marks, s.unknown, s.known, s.finalCellsDiffer,
			map[bool]string{true: "; first at mark " + s.firstBadMark, false: ""}[s.firstBadMark != ""])
	}
	if len(sums) == len(files) {
		// Guard against a comparison that sees nothing: the corpus must
		// exercise every property compared.
		t.Logf("coverage (oracle cells over all marks): %+v", cov)
		for name, n := range map[string]int{"fg": cov.Fg, "bg": cov.Bg, "rgb": cov.RGB, "index>15": cov.Idx256,
			"bold": cov.Bold, "italic": cov.Italic, "underline": cov.Underline, "reverse": cov.Reverse,
			"strike": cov.Strike, "wide": cov.Wide, "combining": cov.Combining, "alt": cov.Alt,
			"hidden-cursor": cov.Hidden, "scrollback": cov.Scrollback} {
			if n == 0 {
				t.Errorf("corpus has no %s cells: the comparison cannot see that property", name)
			}
		}
	}
	for i, k := range knownDifferences {
		if !used[i] && len(sums) == len(files) {
			t.Logf("known difference %d (%s, %q) matched nothing: stale?", i, k.File, k.Line)
		}
	}
}

// TestCorpusChunking checks that our Terminal reaches the same screens
// whether a stream arrives one byte at a time or in one Write.
func TestCorpusChunking(t *testing.T) {
	for _, f := range loadCorpus(t) {
		t.Run(f.Name, func(t *testing.T) {
			whole, bytewise := New(f.Cols, f.Rows, 2000), New(f.Cols, f.Rows, 2000)
			prev := 0
			for _, mk := range f.Marks {
				seg := f.Data[prev:mk.Offset]
				prev = mk.Offset
				writeChunked(whole, seg, nil, 0)
				writeChunked(bytewise, seg, nil, 1)
				diffs := compareViews(ourView(bytewise), ourView(whole))
				if len(diffs) == 0 {
					continue
				}
				var b strings.Builder
				fmt.Fprintf(&b, "mark %q: byte-at-a-time (ours) differs from one Write (oracle):\n", mk.Label)
				for i, d := range diffs {
					if i == maxDiffLines {
						fmt.Fprintf(&b, "  ... and %d more\n", len(diffs)-i)
						break
					}
					fmt.Fprintf(&b, "  %s\n", d)
				}
				t.Error(b.String())
				return
			}
		})
	}
}

// BenchmarkCorpus feeds the whole corpus into our Terminal, 4 KiB at a time.
func BenchmarkCorpus(b *testing.B) {
	files := loadCorpus(b)
	var total int64
	for _, f := range files {
		total += int64(len(f.Data))
	}
	b.SetBytes(total)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		for _, f := range files {
			t := New(f.Cols, f.Rows, 2000)
			writeChunked(t, f.Data, nil, 4096)
		}
	}
}
