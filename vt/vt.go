// Package vt is linger's model of a terminal screen: a [Terminal] is fed with
// everything a session's program prints and keeps the screen (main and
// alternate), cursor, attributes, colours, tab stops, character sets, title,
// the modes a reattaching client must get back, and a bounded scrollback of
// the lines scrolled off the top of the main screen. A screen cell takes 16
// bytes; a history line is stored encoded, without its trailing blanks, at
// about a byte per character of ASCII text (UTF-8 otherwise) plus a few
// bytes per change of colour or attributes.
//
// It owns no I/O and no locks: it never reads or writes a file descriptor,
// never starts a goroutine and never blocks; the caller serialises every call.
// Replies to terminal queries (DA, DSR, CPR, OSC 10/11) go to the callback set
// with [Terminal.SetReply], and are dropped when none is set.
//
// [Text] turns the same byte stream into plain text, for logs.
package vt

import (
	"strings"
	"sync/atomic"
	"unicode"
	"unicode/utf8"
	"unsafe"

	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/ansi/parser"
)

// Color is a cell colour. The top byte is the kind, the low 24 bits the value:
//
//	0                      the terminal's default colour
//	0x01000000 | n         palette index n (0-7 the ANSI colours of SGR 30-37,
//	                       8-15 the bright ones of SGR 90-97, 16-255 the
//	                       256-colour palette of SGR 38;5;n)
//	0x02000000 | r<<16 | g<<8 | b   truecolor (SGR 38;2;r;g;b)
type Color uint32

const (
	colorIndexed = 1 << 24
	colorRGB     = 2 << 24
)

// Indexed returns the palette colour n (0-255).
func Indexed(n uint8) Color { return Color(colorIndexed | uint32(n)) }

// RGB returns a truecolor colour.
func RGB(r, g, b uint8) Color {
	return Color(colorRGB | uint32(r)<<16 | uint32(g)<<8 | uint32(b))
}

// IsDefault reports whether c is the terminal's default colour.
func (c Color) IsDefault() bool { return c == 0 }

// Index returns the palette index and true if c is a palette colour.
func (c Color) Index() (uint8, bool) { return uint8(c), c>>24 == 1 }

// RGB returns the components and true if c is a truecolor colour.
func (c Color) RGB() (r, g, b uint8, ok bool) {
	return uint8(c >> 16), uint8(c >> 8), uint8(c), c>>24 == 2
}

// Attr is a set of character attributes.
type Attr uint8

// Attributes.
const (
	Bold Attr = 1 << iota
	Faint
	Italic
	Underline
	Blink
	Reverse
	Invisible
	Strike
)

// Style is the rendition of a cell.
type Style struct {
	Fg, Bg Color
	Attrs  Attr
}

// Cell is one screen position. A wide character occupies two cells: the head
// (Width 2, holding the rune) and the tail (Width 0, Rune 0). Blank cells hold
// ' ' with Width 1.
type Cell struct {
	Rune  rune
	Comb  string // combining marks that follow Rune, usually ""
	Width uint8
	Style Style
}

// cell is the compact (16-byte) in-grid form of a Cell; comb indexes the
// terminal's table of combining-mark strings (0: none).
type cell struct {
	r     rune
	fg    Color
	bg    Color
	attr  Attr
	width uint8
	comb  uint16
}

func (c *cell) style() Style { return Style{c.fg, c.bg, c.attr} }

// Cursor shapes as set by DECSCUSR (CSI Ps SP q); 0 is the terminal's default.
const (
	CursorDefault       = 0
	CursorBlinkingBlock = 1
	CursorSteadyBlock   = 2
	CursorBlinkingUnder = 3
	CursorSteadyUnder   = 4
	CursorBlinkingBar   = 5
	CursorSteadyBar     = 6
)

// Modes are the terminal modes a program set that a reattaching client's
// terminal must be put back into, plus the title.
type Modes struct {
	AltScreen      bool   // ?47/?1047/?1049
	CursorVisible  bool   // ?25
	CursorShape    int    // DECSCUSR Ps, 0 = default
	AppCursor      bool   // ?1 DECCKM
	AppKeypad      bool   // ESC = / ESC >
	BracketedPaste bool   // ?2004
	Mouse          int    // tracking: 0 off, 9, 1000, 1002 or 1003
	MouseEncoding  int    // 0 (X10), 1005, 1006 or 1015
	FocusEvents    bool   // ?1004
	Origin         bool   // ?6 DECOM
	Autowrap       bool   // ?7 DECAWM
	Insert         bool   // 4 IRM
	Title          string // OSC 0 / OSC 2
}

type cursor struct {
	x, y     int
	style    Style
	wrapNext bool
	origin   bool
	charsets [2]bool // G0, G1 is DEC special graphics
	gl       uint8
	valid    bool
}

type screen struct {
	// rows are the screen's rows, top to bottom: a window on base that
	// slides down it when the whole screen scrolls up, so that a scroll
	// moves no row headers but once every rowSlack lines. A nil row is
	// blank (default blanks): rows are allocated when first written, so
	// that a terminal costs memory for what was drawn, not for its size.
	rows  [][]cell
	base  [][]cell
	saved cursor
}

// rowSlack is how far a screen's window of rows slides before it is moved
// back to the start of its backing array.
const rowSlack = 8

func newScreen(rows [][]cell) *screen {
	return &screen{rows: rows, base: rows[:cap(rows)]}
}

// Terminal is a terminal emulator without a display. The zero value is not
// usable; use [New].
type Terminal struct {
	cols, rows int
	main, alt  *screen
	scr        *screen // current: main or alt
	altKind    int     // 47, 1047 or 1049 while the alternate screen is on

	cur         cursor
	top, bottom int    // scroll region, inclusive
	tabs        []bool // nil: the default stops, every 8 columns
	modes       Modes
	lastRune    rune

	sbMax   int
	sb      [][]byte // ring of encoded lines (history.go)
	sbHead  int      // index of the oldest line when full
	sbCount int

	// The cell holding the last printed grapheme cluster, which a following
	// combining mark, ZWJ sequence, emoji modifier or regional indicator
	// extends; invalid after any control, escape sequence or resize.
	clusterX, clusterY int
	clusterOK          bool

	eager bool // allocate every row and the tab stops up front (tests: the reference for nil rows and tabs)

	combs   []string
	combIdx map[string]uint16

	p      *ansi.Parser
	oscBuf []byte // the OSC string being collected (see advance)
	reply  func([]byte)
	rbuf   []byte
	sbEnc  []byte // scratch for encoding a history line
	ff     ffScan // scratch for FastForward (skip.go)
}

// New returns a terminal of cols x rows (at least 1x1) keeping up to
// scrollback lines of history (0: none).
func New(cols, rows, scrollback int) *Terminal {
	cols, rows = max(cols, 1), max(rows, 1)
	t := &Terminal{cols: cols, rows: rows, sbMax: max(scrollback, 0)}
	t.main = newScreen(t.newRows(rows))
	t.scr = t.main
	t.resetState()
	// No data buffer: the parser drops the data of string sequences, and
	// advance collects that of OSC, the only ones handled.
	t.p = new(ansi.Parser)
	t.p.SetParamsSize(parser.MaxParamsSize)
	t.p.SetHandler(ansi.Handler{
		Print:     t.print,
		Execute:   t.execute,
		HandleCsi: t.csi,
		HandleEsc: t.esc,
		HandleOsc: t.osc,
	})
	return t
}

// oscMax is the most bytes of an OSC string kept; the rest is dropped.
const oscMax = 4096

// advance feeds b to the parser, collecting in t.oscBuf the bytes it puts in
// an OSC string: a parser data buffer would cost every terminal 4 KiB,
// while OSC strings are rare and short. All bytes go to the parser through
// advance.
func (t *Terminal) advance(b byte) {
	switch t.p.Advance(b) {
	case parser.StartAction:
		if t.p.State() == parser.OscStringState {
			t.oscBuf = t.oscBuf[:0]
		}
	case parser.PutAction:
		if t.p.State() == parser.OscStringState && len(t.oscBuf) < oscMax {
			t.oscBuf = append(t.oscBuf, b)
		}
	}
}

func (t *Terminal) resetState() {
	t.cur = cursor{}
	t.top, t.bottom = 0, t.rows-1
	t.tabs = nil
	if t.eager {
		t.tabs = t.defaultTabs()
	}
	title := t.modes.Title
	t.modes = Modes{CursorVisible: true, Autowrap: true, Title: title}
	t.main.saved = cursor{}
}

// newRows returns n blank (nil) rows, with room for a screen's window to
// slide.
func (t *Terminal) newRows(n int) [][]cell {
	rows := make([][]cell, n, n+rowSlack)
	if t.eager {
		for i := range rows {
			rows[i] = t.newRow()
		}
	}
	return rows
}

// newRow returns an allocated row of default blanks.
func (t *Terminal) newRow() []cell {
	r := make([]cell, t.cols)
	for seg := r; len(seg) > 0; {
		seg = seg[copy(seg, blankRow[:]):]
	}
	return r
}

// row returns row y of the current screen to write to, allocating it if it
// is blank (nil).
func (t *Terminal) row(y int) []cell {
	if r := t.scr.rows[y]; r != nil {
		return r
	}
	return t.allocRow(y)
}

// allocRow allocates row y of the current screen; out of line, to keep the
// write paths that call row small.
//
//go:noinline
func (t *Terminal) allocRow(y int) []cell {
	r := t.newRow()
	t.scr.rows[y] = r
	return r
}

// eraseRow returns row y of the current screen for an erase, insertion or
// deletion of blanks with the current background: nil, which the
// operations take as an empty row, if the row is blank and the background
// the default one, so that they leave it blank and unallocated.
func (t *Terminal) eraseRow(y int) []cell {
	if r := t.scr.rows[y]; r != nil || t.cur.style.Bg == 0 {
		return r
	}
	return t.row(y)
}

// SetReply sets the function that receives replies to terminal queries; nil
// makes the terminal ignore queries. The slice is only valid during the call.
func (t *Terminal) SetReply(f func([]byte)) { t.reply = f }

// Size returns the terminal's size.
func (t *Terminal) Size() (cols, rows int) { return t.cols, t.rows }

// Cursor returns the cursor position (0-based, absolute). While a wrap is
// pending after the last column, x is the last column.
func (t *Terminal) Cursor() (x, y int) { return t.cur.x, t.cur.y }

// Modes returns the tracked modes.
func (t *Terminal) Modes() Modes {
	m := t.modes
	m.AltScreen = t.scr == t.alt
	m.Origin = t.cur.origin
	return m
}

// AltScreen reports whether the alternate screen is active.
func (t *Terminal) AltScreen() bool { return t.scr == t.alt }

// ScrollRegion returns the scroll region's first and last rows (0-based,
// inclusive).
func (t *Terminal) ScrollRegion() (top, bottom int) { return t.top, t.bottom }

func (t *Terminal) toCell(c *cell) Cell {
	out := Cell{Rune: c.r, Width: c.width, Style: c.style()}
	if c.comb != 0 && int(c.comb) <= len(t.combs) {
		out.Comb = t.combs[c.comb-1]
	}
	return out
}

var blankCell = Cell{Rune: ' ', Width: 1}

// Cell returns the cell at column x, row y of the current screen.
func (t *Terminal) Cell(x, y int) Cell {
	if x < 0 || y < 0 || x >= t.cols || y >= t.rows {
		return blankCell
	}
	row := t.scr.rows[y]
	if row == nil {
		return blankCell
	}
	return t.toCell(&row[x])
}

// ScrollbackLen returns the number of history lines held.
func (t *Terminal) ScrollbackLen() int { return t.sbCount }

// sbLine appends the cells of history line y (0 = oldest) to buf.
func (t *Terminal) sbLine(y int, buf []cell) []cell {
	return decodeHistory(buf, t.sbEncoded(y))
}

// sbEncoded returns history line y (0 = oldest) as it is stored.
func (t *Terminal) sbEncoded(y int) []byte { return t.sb[(t.sbHead+y)%len(t.sb)] }

// ScrollbackCell returns the cell at column x of history line y (0 = oldest).
// History lines are stored without trailing blanks; those read as blank.
func (t *Terminal) ScrollbackCell(x, y int) Cell {
	if y < 0 || y >= t.sbCount || x < 0 {
		return blankCell
	}
	c, ok := historyCell(t.sb[(t.sbHead+y)%len(t.sb)], x)
	if !ok {
		return blankCell
	}
	return t.toCell(&c)
}

// Write feeds program output. It never blocks and never fails; escape
// sequences and UTF-8 may be split across calls.
//
// While the parser is in its ground state (no sequence or UTF-8 character
// pending), Write itself handles what the parser would dispatch at once or
// with nothing but digits and ';' collected: runs of printable ASCII, C0
// controls, complete CSI sequences of that form (fastCSI) and complete
// valid UTF-8 characters, calling the same handlers with the same
// arguments. Everything else, and anything cut by the end of p, goes to
// the parser byte by byte. The parser keeps no state from the ground state
// that a later sequence reads, so the result does not depend on where the
// stream is split (TestChunkBoundaries).
func (t *Terminal) Write(p []byte) (int, error) {
	for i := 0; i < len(p); {
		b := p[i]
		if t.p.State() != parser.GroundState {
			t.advance(b)
			i++
			continue
		}
		switch {
		case b >= 0x20 && b < 0x7f:
			i += t.printASCII(p[i:])
			continue
		case b == '\n':
			t.clusterOK = false
			t.cur.wrapNext = false
			t.index()
		case b == '\r':
			t.clusterOK = false
			t.cur.wrapNext = false
			t.cur.x = 0
		case b < 0x20 && b != ansi.ESC || b == 0x7f:
			// C0 controls (but ESC) and DEL execute in the ground state
			// and leave the parser there.
			t.execute(b)
		case b == ansi.ESC:
			if n := t.fastCSI(p[i:]); n > 0 {
				i += n
				continue
			}
			t.advance(b)
		case b >= 0xc2 && b <= 0xf4:
			// A complete, valid UTF-8 character: the parser would collect
			// exactly these bytes and print the same rune. Anything else
			// (truncated, invalid) is left to it.
			if r, n := utf8.DecodeRune(p[i:]); n > 1 {
				t.print(r)
				i += n
				continue
			}
			t.advance(b)
		default:
			t.advance(b)
		}
		i++
	}
	return len(p), nil
}

// fastCSI dispatches the CSI sequence s starts with (ESC [, an optional
// private prefix, up to 16 parameters of up to 9 digits separated by ';',
// a final byte) as the parser would, and returns its length; 0 if s does
// not start with such a complete sequence, which is then left to the parser.
func (t *Terminal) fastCSI(s []byte) int {
	if len(s) < 3 || s[1] != '[' {
		return 0
	}
	var params [16]ansi.Param
	np := 0
	cur, digits := parser.MissingParam, 0
	cmd := 0
	k := 2
	if c := s[k]; c >= 0x3c && c <= 0x3f {
		cmd = int(c) << parser.PrefixShift
		k++
	}
	for ; k < len(s); k++ {
		c := s[k]
		switch {
		case c >= '0' && c <= '9':
			if digits == 9 {
				return 0
			}
			if cur == parser.MissingParam {
				cur = 0
			}
			cur = cur*10 + int(c-'0')
			digits++
		case c == ';':
			if np == len(params)-1 {
				return 0
			}
			params[np] = ansi.Param(cur)
			np++
			cur, digits = parser.MissingParam, 0
		case c >= 0x40 && c <= 0x7e:
			// The parser counts the last parameter if there was a ';'
			// or it has digits.
			if np > 0 || cur != parser.MissingParam {
				params[np] = ansi.Param(cur)
				np++
			}
			t.csi(ansi.Cmd(cmd|int(c)), params[:np])
			return k + 1
		default:
			return 0
		}
	}
	return 0
}

// blank returns an erased cell: a space with the current background (BCE).
func (t *Terminal) blank() cell {
	return cell{r: ' ', width: 1, bg: t.cur.style.Bg}
}

// blankRow is default blanks to copy from.
var blankRow = func() (r [128]cell) {
	for i := range r {
		r[i] = defaultBlank
	}
	return r
}()

func (t *Terminal) fill(row []cell, from, to int) {
	from, to = max(from, 0), min(to, len(row))
	if from >= to {
		return
	}
	seg := row[from:to]
	if t.cur.style.Bg == 0 {
		for len(seg) > 0 {
			seg = seg[copy(seg, blankRow[:]):]
		}
		return
	}
	b := t.blank()
	for i := range seg {
		seg[i] = b
	}
}

var decGraphics = [...]rune{
	'◆', '▒', '␉', '␌', '␍', '␊', '°', '±', '␤', '␋', '┘', '┐', '┌', '└', '┼', '⎺',
	'⎻', '─', '⎼', '⎽', '├', '┤', '┴', '┬', '│', '≤', '≥', 'π', '≠', '£', '·',
}

// printASCII prints the run of printable ASCII (0x20-0x7e) that s starts
// with, as print would rune by rune, and returns its length. The cells
// before the last column are written in bulk.
func (t *Terminal) printASCII(s []byte) int {
	if t.cur.charsets[t.cur.gl] || t.modes.Insert {
		k := 0
		for k < len(s) && s[k]-0x20 < 0x5f {
			t.print(rune(s[k]))
			k++
		}
		return k
	}
	st := t.cur.style
	tmpl := cell{fg: st.Fg, bg: st.Bg, attr: st.Attrs, width: 1}
	done := 0
	for done < len(s) && s[done]-0x20 < 0x5f {
		x := t.cur.x
		n := min(len(s)-done, t.cols-1-x)
		if t.cur.wrapNext || n <= 0 {
			// The last column: print sets or follows the pending wrap.
			t.print(rune(s[done]))
			done++
			continue
		}
		row := t.row(t.cur.y)
		// Overwriting cells one by one would blank the halves of wide
		// characters cut at either end of the run (clearWide); those
		// inside it are overwritten.
		if x > 0 && row[x].width == 0 {
			row[x-1] = t.blankKeep(row[x-1])
		}
		src := s[done : done+n]
		dst := row[x : x+n]
		k := 0
		for ; k < len(src); k++ {
			b := src[k]
			if b-0x20 >= 0x5f {
				break
			}
			dst[k] = tmpl
			dst[k].r = rune(b)
		}
		if row[x+k].width == 0 {
			row[x+k] = t.blankKeep(row[x+k])
		}
		x += k
		t.cur.x = x
		t.lastRune = rune(src[k-1])
		t.clusterX, t.clusterY, t.clusterOK = x-1, t.cur.y, true
		done += k
	}
	return done
}

// widthCache is a process-wide direct-mapped cache of rune widths: entry
// r%len holds r<<8 | width+1 (0: empty). Atomic, so terminals in different
// goroutines share it safely.
var widthCache [4096]atomic.Uint64

func runeWidth(r rune) int {
	if r < 0x300 {
		return 1
	}
	e := &widthCache[uint32(r)%uint32(len(widthCache))]
	if v := e.Load(); v != 0 && rune(v>>8) == r {
		return int(v&0xff) - 1
	}
	var buf [utf8.UTFMax]byte
	n := utf8.EncodeRune(buf[:], r)
	w := ansi.StringWidth(unsafe.String(&buf[0], n))
	e.Store(uint64(r)<<8 | uint64(w+1))
	return w
}

func (t *Terminal) print(r rune) {
	if r >= 0x5f && r <= 0x7e && t.cur.charsets[t.cur.gl] {
		if r == 0x5f {
			r = ' '
		} else {
			r = decGraphics[r-0x60]
		}
	}
	if r >= 0x80 && t.clusterOK && t.extends(r) {
		t.extendCluster(r)
		return
	}
	w := runeWidth(r)
	if w == 0 {
		t.combine(r)
		return
	}
	if w > 2 {
		w = 2
	}
	if w == 2 && t.cols < 2 {
		return
	}
	if t.cur.wrapNext && t.modes.Autowrap {
		t.cur.x = 0
		t.cur.wrapNext = false
		t.index()
	}
	t.cur.wrapNext = false
	row := t.row(t.cur.y)
	if w == 2 && t.cur.x == t.cols-1 {
		if !t.modes.Autowrap {
			return
		}
		t.clearWide(row, t.cur.x, t.cur.x+1)
		row[t.cur.x] = t.blank()
		t.cur.x = 0
		t.index()
		row = t.row(t.cur.y)
	}
	x := t.cur.x
	if t.modes.Insert {
		t.insertCells(row, x, w)
	}
	t.clearWide(row, x, x+w)
	st := t.cur.style
	row[x] = cell{r: r, fg: st.Fg, bg: st.Bg, attr: st.Attrs, width: uint8(w)}
	if w == 2 {
		row[x+1] = cell{fg: st.Fg, bg: st.Bg, attr: st.Attrs}
	}
	t.lastRune = r
	t.clusterX, t.clusterY, t.clusterOK = x, t.cur.y, true
	x += w
	if x >= t.cols {
		x = t.cols - 1
		if t.modes.Autowrap {
			t.cur.wrapNext = true
		}
	}
	t.cur.x = x
}

// clearWide blanks the other halves of wide characters cut by overwriting
// cells [from, to).
func (t *Terminal) clearWide(row []cell, from, to int) {
	if from > 0 && from < len(row) && row[from].width == 0 {
		row[from-1] = t.blankKeep(row[from-1])
	}
	if to > 0 && to < len(row) && row[to].width == 0 {
		row[to] = t.blankKeep(row[to])
	}
}

func (t *Terminal) blankKeep(c cell) cell {
	return cell{r: ' ', width: 1, fg: c.fg, bg: c.bg, attr: c.attr}
}

// combine attaches a zero-width rune that does not continue the last
// printed cluster (e.g. after a cursor movement) to the cell left of the
// cursor, as a cluster extension.
func (t *Terminal) combine(r rune) {
	x, y := t.cur.x, t.cur.y
	if !t.cur.wrapNext {
		x--
	}
	row := t.row(y)
	if x > 0 && x < len(row) && row[x].width == 0 {
		x--
	}
	if x < 0 || x >= len(row) {
		return
	}
	t.clusterX, t.clusterY = x, y
	t.extendCluster(r)
}

// intern returns the index+1 of s in the terminal's table of combining-mark
// strings. The table is bounded (65535 entries); beyond, marks are dropped.
func (t *Terminal) intern(s []byte) uint16 {
	if i, ok := t.combIdx[string(s)]; ok {
		return i
	}
	if len(t.combs) >= 0xffff {
		return 0
	}
	if t.combIdx == nil {
		t.combIdx = make(map[string]uint16)
	}
	t.combs = append(t.combs, string(s))
	i := uint16(len(t.combs))
	t.combIdx[t.combs[i-1]] = i
	return i
}

// insertCells inserts n blanks at x, shifting the rest right; a nil row is
// left as it is (see eraseRow).
func (t *Terminal) insertCells(row []cell, x, n int) {
	if x >= len(row) {
		return
	}
	n = min(n, len(row)-x)
	t.clearWide(row, x, x)
	copy(row[x+n:], row[x:])
	t.fill(row, x, x+n)
	if last := row[len(row)-1]; last.width == 2 {
		row[len(row)-1] = t.blankKeep(last)
	}
}

// deleteCells deletes n cells at x, shifting blanks in from the right; a nil
// row is left as it is (see eraseRow).
func (t *Terminal) deleteCells(row []cell, x, n int) {
	if x >= len(row) {
		return
	}
	n = min(n, len(row)-x)
	t.clearWide(row, x, x+n)
	copy(row[x:], row[x+n:])
	t.fill(row, len(row)-n, len(row))
}

// index moves the cursor down one line, scrolling the region at its bottom.
func (t *Terminal) index() {
	if t.cur.y == t.bottom {
		t.scrollUp(t.top, t.bottom, 1)
	} else if t.cur.y < t.rows-1 {
		t.cur.y++
	}
}

func (t *Terminal) reverseIndex() {
	if t.cur.y == t.top {
		t.scrollDown(t.top, t.bottom, 1)
	} else if t.cur.y > 0 {
		t.cur.y--
	}
}

// scrollUp scrolls rows top..bottom up by n, rotating row slices; lines
// leaving the top of the main screen go to the scrollback. A blank (nil)
// row scrolls in as nil unless the background is not the default one.
func (t *Terminal) scrollUp(top, bottom, n int) {
	n = min(n, bottom-top+1)
	s := t.scr
	for range n {
		rows := s.rows
		r := rows[top]
		end := len(r)
		if top == 0 && s == t.main {
			end = t.pushScrollback(r)
			if t.cur.style.Bg != 0 {
				end = len(r)
			}
		}
		if top == 0 && bottom == len(rows)-1 {
			// The whole screen: slide the window down its backing array.
			if len(rows) < cap(rows) {
				rows = rows[1 : len(rows)+1]
			} else {
				copy(s.base, rows[1:])
				rows = s.base[:len(rows)]
			}
			s.rows = rows
		} else {
			copy(rows[top:bottom], rows[top+1:bottom+1])
		}
		// reuseRow, with its common case inline.
		if r != nil {
			t.fill(r, 0, end)
		} else if t.cur.style.Bg != 0 {
			r = t.reuseRow(nil, 0)
		}
		rows[bottom] = r
	}
}

func (t *Terminal) scrollDown(top, bottom, n int) {
	n = min(n, bottom-top+1)
	rows := t.scr.rows
	for range n {
		r := rows[bottom]
		copy(rows[top+1:bottom+1], rows[top:bottom])
		rows[top] = t.reuseRow(r, len(r))
	}
}

// reuseRow erases a row leaving the screen to scroll it back in: r[:end]
// is filled with blanks of the current background (past end, the cells
// are default blanks already). A blank (nil) row stays nil if the
// background is the default one.
func (t *Terminal) reuseRow(r []cell, end int) []cell {
	if r == nil {
		if t.cur.style.Bg == 0 {
			return nil
		}
		r = t.newRow()
		end = len(r)
	}
	t.fill(r, 0, end)
	return r
}

// defaultBlank is an erased cell with the default background.
var defaultBlank = cell{r: ' ', width: 1}

// A cell is 16 bytes without padding, compared as two words.
var (
	_ [16 - unsafe.Sizeof(cell{})]byte
	_ [unsafe.Sizeof(cell{}) - 16]byte
)

func cellWords(c *cell) *[2]uint64 { return (*[2]uint64)(unsafe.Pointer(c)) }

var blankWords = *cellWords(&defaultBlank)

// trimmedLen is the length of row without its trailing default blanks.
func trimmedLen(row []cell) int {
	w0, w1 := blankWords[0], blankWords[1]
	n := len(row)
	for n > 0 {
		w := cellWords(&row[n-1])
		if w[0] != w0 || w[1] != w1 {
			break
		}
		n--
	}
	return n
}

// pushScrollback stores row, without its trailing default blanks, encoded
// in the scrollback and returns the length stored (len(row) if there is no
// scrollback).
func (t *Terminal) pushScrollback(row []cell) int {
	if t.sbMax == 0 {
		return len(row)
	}
	n := trimmedLen(row)
	var slot *[]byte
	if t.sbCount < t.sbMax {
		if len(t.sb) < t.sbMax {
			t.sb = append(t.sb, nil)
		}
		i := t.sbHead + t.sbCount
		if i >= len(t.sb) {
			i -= len(t.sb)
		}
		slot = &t.sb[i]
		t.sbCount++
	} else {
		slot = &t.sb[t.sbHead]
		t.sbHead++
		if t.sbHead == len(t.sb) {
			t.sbHead = 0
		}
	}
	// Encode into scratch, then into the evicted line's bytes if they fit
	// without wasting much.
	enc := appendHistory(t.sbEnc[:0], row[:n])
	t.sbEnc = enc
	buf := *slot
	if cap(buf) < len(enc) || cap(buf) > 2*len(enc)+16 {
		buf = make([]byte, len(enc))
	}
	buf = buf[:len(enc)]
	copy(buf, enc)
	*slot = buf
	return n
}

func (t *Terminal) clearScrollback() {
	t.sb, t.sbHead, t.sbCount = nil, 0, 0
}

func isRI(r rune) bool { return r >= 0x1F1E6 && r <= 0x1F1FF }

// extends reports whether r continues the last printed grapheme cluster
// (a simplified UAX #29: extenders, spacing marks, ZWJ sequences, emoji
// modifiers and regional-indicator pairs).
func (t *Terminal) extends(r rune) bool {
	// The cluster's row was just written, so it is allocated: whatever
	// could put a nil row at clusterY (a scroll by a control, a screen
	// switch, a resize) clears clusterOK, and print scrolls only after
	// this check and then moves the cluster to the cell it writes.
	return t.mayJoin(&t.scr.rows[t.clusterY][t.clusterX], r)
}

// mayJoin reports whether r printed after the cluster in c joins it.
func (t *Terminal) mayJoin(c *cell, r rune) bool {
	if r < 0x300 {
		return false
	}
	switch {
	case runeWidth(r) == 0:
		return true
	case r >= 0x1F3FB && r <= 0x1F3FF:
		return true
	case isRI(r):
		return isRI(c.r) && c.comb == 0
	case c.comb != 0 && strings.HasSuffix(t.combs[c.comb-1], "\u200d"):
		return true
	case r >= 0x900 && unicode.Is(unicode.Mc, r):
		return true
	}
	return false
}

// extendCluster adds r to the last printed cluster and widens it if the
// cluster became wide (emoji presentation, ZWJ sequences, flags).
func (t *Terminal) extendCluster(r rune) {
	x, y := t.clusterX, t.clusterY
	row := t.row(y)
	c := &row[x]
	var s string
	if c.comb != 0 {
		s = t.combs[c.comb-1]
	}
	if len(s) > 32 {
		return
	}
	var buf [48]byte
	b := utf8.AppendRune(buf[:0], c.r)
	base := len(b)
	b = append(b, s...)
	b = utf8.AppendRune(b, r)
	c.comb = t.intern(b[base:])
	if c.width != 1 || ansi.StringWidth(unsafe.String(&b[0], len(b))) < 2 {
		return
	}
	// Widen in place, or move to the next line from the last column.
	if x+1 >= t.cols {
		if !t.modes.Autowrap || t.cols < 2 {
			return
		}
		head := *c
		*c = t.blankKeep(head)
		t.cur.x, t.cur.wrapNext = 0, false
		t.index()
		x, y = 0, t.cur.y
		row = t.row(y)
		t.clearWide(row, 0, 2)
		row[0] = head
		c = &row[0]
		t.clusterX, t.clusterY = 0, y
	} else {
		t.clearWide(row, x+1, x+2)
	}
	c.width = 2
	row[x+1] = cell{fg: c.fg, bg: c.bg, attr: c.attr}
	if t.cur.y != y || t.cur.x > x+1 {
		return // the cursor is elsewhere: leave it
	}
	t.cur.wrapNext = false
	nx := x + 2
	if nx >= t.cols {
		nx = t.cols - 1
		t.cur.wrapNext = t.modes.Autowrap
	}
	t.cur.x = nx
}
