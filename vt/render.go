package vt

import (
	"bytes"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"
)

// appendSGR appends the SGR sequence that changes the pen from a to b, or
// nothing if they are equal.
func appendSGR(buf []byte, a, b Style) []byte {
	if a == b {
		return buf
	}
	if b == (Style{}) {
		return append(buf, "\x1b[0m"...)
	}
	buf = append(buf, "\x1b["...)
	n0 := len(buf)
	sep := func() {
		if len(buf) > n0 {
			buf = append(buf, ';')
		}
	}
	add := func(s string) {
		sep()
		buf = append(buf, s...)
	}
	off := a.Attrs &^ b.Attrs
	on := b.Attrs &^ a.Attrs
	if off&(Bold|Faint) != 0 {
		add("22")
		on |= b.Attrs & (Bold | Faint)
	}
	for _, x := range [...]struct {
		a  Attr
		on string
		of string
	}{
		{Bold, "1", ""}, {Faint, "2", ""}, {Italic, "3", "23"}, {Underline, "4", "24"},
		{Blink, "5", "25"}, {Reverse, "7", "27"}, {Invisible, "8", "28"}, {Strike, "9", "29"},
	} {
		if off&x.a != 0 && x.of != "" {
			add(x.of)
		}
		if on&x.a != 0 {
			add(x.on)
		}
	}
	if a.Fg != b.Fg {
		sep()
		buf = appendColor(buf, b.Fg, 30)
	}
	if a.Bg != b.Bg {
		sep()
		buf = appendColor(buf, b.Bg, 40)
	}
	return append(buf, 'm')
}

// appendColor appends the SGR parameters selecting c; base is 30 (fg) or
// 40 (bg).
func appendColor(buf []byte, c Color, base int) []byte {
	if c == 0 {
		return strconv.AppendInt(buf, int64(base+9), 10)
	}
	if n, ok := c.Index(); ok {
		switch {
		case n < 8:
			return strconv.AppendInt(buf, int64(base+int(n)), 10)
		case n < 16:
			return strconv.AppendInt(buf, int64(base+60+int(n)-8), 10)
		}
		buf = strconv.AppendInt(buf, int64(base+8), 10)
		buf = append(buf, ";5;"...)
		return strconv.AppendInt(buf, int64(n), 10)
	}
	r, g, b, _ := c.RGB()
	buf = strconv.AppendInt(buf, int64(base+8), 10)
	buf = append(buf, ";2;"...)
	buf = strconv.AppendInt(buf, int64(r), 10)
	buf = append(buf, ';')
	buf = strconv.AppendInt(buf, int64(g), 10)
	buf = append(buf, ';')
	return strconv.AppendInt(buf, int64(b), 10)
}

// appendCells appends the printable form of row[:n] (n is clipped), with SGR
// diffs from *pen if sgr; wide tails are skipped. If split, a cell whose
// rune would join the previous cell's grapheme cluster when printed after it
// is preceded by a CHA to its column, which breaks the cluster.
func (t *Terminal) appendCells(buf []byte, row []cell, n int, sgr, split bool, pen *Style) []byte {
	n = min(n, len(row))
	var prev *cell
	for x := 0; x < n; x++ {
		c := &row[x]
		if c.width == 0 {
			continue
		}
		if split && prev != nil && t.mayJoin(prev, c.r) {
			buf = append(buf, "\x1b["...)
			buf = strconv.AppendInt(buf, int64(x+1), 10)
			buf = append(buf, 'G')
		}
		prev = c
		if sgr {
			st := c.style()
			buf = appendSGR(buf, *pen, st)
			*pen = st
		}
		r := c.r
		if r == 0 {
			r = ' '
		}
		buf = utf8.AppendRune(buf, r)
		if c.comb != 0 {
			buf = append(buf, t.combs[c.comb-1]...)
		}
	}
	return buf
}

// textLen is the length of row without trailing blanks: spaces with any
// style if !sgr, default-styled spaces if sgr (a space in a colour is
// kept: a terminal that gets it back holds the same cell).
func textLen(row []cell, sgr bool) int {
	n := len(row)
	for n > 0 {
		c := &row[n-1]
		if c.r != ' ' || c.width != 1 || c.comb != 0 || (sgr && c.style() != (Style{})) {
			break
		}
		n--
	}
	return n
}

// Text returns the last scrollback history lines (all if larger than the
// history) followed by the current screen's rows, joined by "\n", each with
// its trailing blanks trimmed. With sgr, attributes and colours are
// rendered as SGR sequences (minimal diffs, reset at each line's end).
func (t *Terminal) Text(scrollback int, sgr bool) string {
	var buf []byte
	end := func(pen Style) {
		if pen != (Style{}) {
			buf = append(buf, "\x1b[0m"...)
		}
		buf = append(buf, '\n')
	}
	n := min(max(scrollback, 0), t.sbCount)
	var row []cell
	for y := t.sbCount - n; y < t.sbCount; y++ {
		pen := Style{}
		buf, row = t.appendHistoryLine(buf, row, y, sgr, false, &pen)
		end(pen)
	}
	for _, row := range t.scr.rows {
		pen := Style{}
		buf = t.appendCells(buf, row, textLen(row, sgr), sgr, false, &pen)
		end(pen)
	}
	return strings.TrimSuffix(string(buf), "\n")
}

// ScreenText returns the screen's rows as Text(0, false) does, for
// matching a pattern against what the screen shows (`linger wait
// --until`), except that the cursor's row keeps its blanks up to the
// cursor (the space a prompt such as ">>> " ends with) and the blank rows
// after both the cursor's row and the last row with text are left out.
func (t *Terminal) ScreenText() string {
	last := t.cur.y
	for y, row := range t.scr.rows {
		if y > last && textLen(row, false) > 0 {
			last = y
		}
	}
	var buf []byte
	pen := Style{}
	for y, row := range t.scr.rows[:min(last+1, len(t.scr.rows))] {
		n := textLen(row, false)
		if y == t.cur.y {
			n = max(n, t.cur.x)
		}
		if y > 0 {
			buf = append(buf, '\n')
		}
		buf = t.appendCells(buf, row, n, false, false, &pen)
	}
	return string(buf)
}

func appendCUP(buf []byte, x, y int) []byte {
	buf = append(buf, "\x1b["...)
	buf = strconv.AppendInt(buf, int64(y+1), 10)
	buf = append(buf, ';')
	buf = strconv.AppendInt(buf, int64(x+1), 10)
	return append(buf, 'H')
}

func appendPrivate(buf []byte, mode int, on bool) []byte {
	buf = append(buf, "\x1b[?"...)
	buf = strconv.AppendInt(buf, int64(mode), 10)
	if on {
		return append(buf, 'h')
	}
	return append(buf, 'l')
}

// drawScreen draws s's rows at their positions on a cleared screen.
func (t *Terminal) drawScreen(buf []byte, s *screen, pen *Style) []byte {
	for y, row := range s.rows {
		n := textLen(row, true)
		if n == 0 {
			continue
		}
		buf = appendCUP(buf, 0, y)
		buf = t.appendCells(buf, row, n, true, true, pen)
	}
	return buf
}

func appendCharsets(buf []byte, c *cursor) []byte {
	if c.charsets[0] {
		buf = append(buf, "\x1b(0"...)
	}
	if c.charsets[1] {
		buf = append(buf, "\x1b)0"...)
	}
	if c.gl == 1 {
		buf = append(buf, 0x0e)
	}
	return buf
}

// placeCursor moves to c's position with c's pen; if a wrap is pending, the
// cell under the cursor is reprinted to set it again.
func (t *Terminal) placeCursor(buf []byte, s *screen, c *cursor, pen *Style) []byte {
	if c.wrapNext && c.x == t.cols-1 {
		x := c.x
		cells := blankRow[:1]
		if row := s.rows[c.y]; row != nil {
			if x > 0 && row[x].width == 0 {
				x--
			}
			cells = row[x:]
		}
		buf = appendCUP(buf, x, c.y)
		buf = t.appendCells(buf, cells, 2, true, true, pen)
	} else {
		buf = appendCUP(buf, c.x, c.y)
	}
	buf = appendSGR(buf, *pen, c.style)
	*pen = c.style
	return buf
}

// restoreSaved re-establishes s's saved cursor (DECSC): position, pen,
// pending wrap and character sets. The saved origin mode is not restored.
func (t *Terminal) restoreSaved(buf []byte, s *screen, pen *Style) []byte {
	buf = t.placeCursor(buf, s, &s.saved, pen)
	buf = appendCharsets(buf, &s.saved)
	buf = append(buf, "\x1b7"...)
	if s.saved.charsets != [2]bool{} || s.saved.gl != 0 {
		buf = append(buf, "\x1b(B\x1b)B\x0f"...)
	}
	return buf
}

// Restore writes to w what brings a fresh, cleared terminal of this size
// to this terminal's state:
//
//   - if scrollback > 0, the last scrollback history lines, printed as
//     lines and then scrolled off the screen so that they land in the
//     terminal's own scrollback;
//   - the main screen: clear, every row drawn at its position (CUP per
//     row, SGR diffs), the saved cursor (DECSC) re-established (except
//     its origin mode);
//   - if the alternate screen is active: the cursor is placed where the
//     main screen's saved cursor is and ?1049h is sent (which saves it and
//     enters a cleared alternate screen, whatever mode the program used),
//     which is cleared again with the default pen, then drawn the same way;
//   - tab stops if not the default ones, the scroll region, origin mode,
//     the cursor position (with a pending wrap), pen and character sets;
//   - the modes: autowrap, insert, cursor visibility and shape, application
//     cursor keys and keypad, bracketed paste, mouse tracking and encoding,
//     focus events, and the title.
func (t *Terminal) Restore(w io.Writer, scrollback int) {
	n := min(max(scrollback, 0), t.sbCount)
	size := 4096 + t.rows*(t.cols+32) // the screen, with some SGRs
	for y := t.sbCount - n; y < t.sbCount; y++ {
		size += len(t.sbEncoded(y)) + 8 // about its text, SGRs and CR LF
	}
	buf := make([]byte, 0, size)
	pen := Style{}
	buf = append(buf, "\x1b[0m\x1b[H\x1b[2J"...)
	if n > 0 {
		var row []cell
		for y := t.sbCount - n; y < t.sbCount; y++ {
			buf, row = t.appendHistoryLine(buf, row, y, true, true, &pen)
			buf = appendSGR(buf, pen, Style{})
			pen = Style{}
			buf = append(buf, "\r\n"...)
		}
		buf = append(buf, strings.Repeat("\n", t.rows-1)...)
		buf = append(buf, "\x1b[H\x1b[2J"...)
	}
	buf = t.drawScreen(buf, t.main, &pen)
	if t.main.saved.valid {
		buf = t.restoreSaved(buf, t.main, &pen)
	}
	if t.scr == t.alt {
		buf = appendPrivate(buf, 1049, true)
		// Clear it again with the default pen: the terminal may have
		// cleared it with the pen's background (as ours does), which the
		// program's alternate screen need not have everywhere.
		buf = appendSGR(buf, pen, Style{})
		pen = Style{}
		buf = append(buf, "\x1b[2J"...)
		buf = t.drawScreen(buf, t.alt, &pen)
		if t.alt.saved.valid {
			buf = t.restoreSaved(buf, t.alt, &pen)
		}
	}
	// Tab stops.
	def := true
	for i, on := range t.tabs {
		if on != defaultTabStop(i) {
			def = false
			break
		}
	}
	if !def {
		buf = append(buf, "\x1b[3g"...)
		for i, on := range t.tabs {
			if on {
				buf = appendCUP(buf, i, 0)
				buf = append(buf, "\x1bH"...)
			}
		}
	}
	if t.top != 0 || t.bottom != t.rows-1 {
		buf = append(buf, "\x1b["...)
		buf = strconv.AppendInt(buf, int64(t.top+1), 10)
		buf = append(buf, ';')
		buf = strconv.AppendInt(buf, int64(t.bottom+1), 10)
		buf = append(buf, 'r')
	}
	m := t.modes
	if !m.Autowrap {
		buf = appendPrivate(buf, 7, false)
	}
	c := t.cur
	if c.origin {
		// Origin mode is set after positioning: CUP would be relative.
		c.wrapNext = false
	}
	buf = t.placeCursor(buf, t.scr, &c, &pen)
	if t.cur.origin {
		// ?6h homes the cursor; go back relative to the region.
		buf = appendPrivate(buf, 6, true)
		buf = appendCUP(buf, t.cur.x, t.cur.y-t.top)
	}
	buf = appendCharsets(buf, &t.cur)
	if m.Insert {
		buf = append(buf, "\x1b[4h"...)
	}
	if !m.CursorVisible {
		buf = appendPrivate(buf, 25, false)
	}
	if m.CursorShape != 0 {
		buf = append(buf, "\x1b["...)
		buf = strconv.AppendInt(buf, int64(m.CursorShape), 10)
		buf = append(buf, " q"...)
	}
	if m.AppCursor {
		buf = appendPrivate(buf, 1, true)
	}
	if m.AppKeypad {
		buf = append(buf, "\x1b="...)
	}
	if m.BracketedPaste {
		buf = appendPrivate(buf, 2004, true)
	}
	if m.Mouse != 0 {
		buf = appendPrivate(buf, m.Mouse, true)
	}
	if m.MouseEncoding != 0 {
		buf = appendPrivate(buf, m.MouseEncoding, true)
	}
	if m.FocusEvents {
		buf = appendPrivate(buf, 1004, true)
	}
	if m.Title != "" {
		buf = append(buf, "\x1b]2;"...)
		buf = append(buf, strings.Map(func(r rune) rune {
			if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
				return -1
			}
			return r
		}, m.Title)...)
		buf = append(buf, "\x1b\\"...)
	}
	w.Write(buf)
}

// appendHistoryLine appends history line y as appendCells appends its
// cells up to textLen: from its encoding where appendHistoryText can,
// else decoded into row (scratch space, returned for reuse).
func (t *Terminal) appendHistoryLine(buf []byte, row []cell, y int, sgr, split bool, pen *Style) ([]byte, []cell) {
	buf, ok := appendHistoryText(buf, t.sbEncoded(y), sgr, pen)
	if !ok {
		row = t.sbLine(y, row[:0])
		buf = t.appendCells(buf, row, textLen(row, sgr), sgr, split, pen)
	}
	return buf, row
}

// appendHistoryText appends history line enc (encoded, see history.go) as
// appendCells would append its cells up to textLen, starting from the
// default pen, straight from the encoding: runs of ASCII cells are copied
// as they are, where decoding every cell and rendering it one by one made
// an attach with 2000 lines of history spend ~5 ms here. It handles lines
// of ASCII cells and pen changes, which cannot join a previous cell's
// grapheme cluster (so split does not matter), and reports false for any
// other line, having appended nothing. pen is left as the last cell's
// style (with sgr).
func appendHistoryText(buf, enc []byte, sgr bool, pen *Style) ([]byte, bool) {
	n0, pen0 := len(buf), *pen
	var cur Style
	blanks := 0 // trailing spaces seen and not yet appended: textLen trims them
	flush := func() {
		if blanks == 0 {
			return
		}
		if sgr {
			buf = appendSGR(buf, *pen, Style{})
			*pen = Style{}
		}
		for ; blanks > 0; blanks -= len(spaces) {
			buf = append(buf, spaces[:min(blanks, len(spaces))]...)
		}
		blanks = 0
	}
	for i := 0; i < len(enc); {
		op := enc[i]
		if op >= 0x80 {
			switch {
			case op == hAttr:
				cur.Attrs = Attr(enc[i+1])
				i += 2
			case op >= hComb: // combining marks, wide cells, other cells, UTF-8
				*pen = pen0
				return buf[:n0], false
			default: // a colour
				col, n := decodeColor(enc[i+1:], (op-hFgDefault)%4)
				if op < hBgDefault {
					cur.Fg = col
				} else {
					cur.Bg = col
				}
				i += 1 + n
			}
			continue
		}
		j := i + 1
		for j < len(enc) && enc[j] < 0x80 {
			j++
		}
		run := enc[i:j]
		i = j
		// Spaces at the end of the run may be the line's trailing blanks:
		// without sgr any space, with it a space in the default style.
		k := len(run)
		if !sgr || cur == (Style{}) {
			for k > 0 && run[k-1] == ' ' {
				k--
			}
		}
		if k == 0 {
			blanks += len(run)
			continue
		}
		flush()
		if sgr {
			buf = appendSGR(buf, *pen, cur)
			*pen = cur
		}
		if bytes.IndexByte(run[:k], 0) < 0 {
			buf = append(buf, run[:k]...)
		} else {
			for _, r := range run[:k] {
				if r == 0 {
					r = ' ' // a cell holding rune 0 shows as a space
				}
				buf = append(buf, r)
			}
		}
		blanks = len(run) - k
	}
	return buf, true
}

// spaces pads with blanks.
var spaces = []byte("                                                                ")
