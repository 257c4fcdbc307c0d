package vt

import (
	"strconv"

	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/ansi/parser"
)

func (t *Terminal) execute(b byte) {
	t.clusterOK = false
	switch b {
	case '\b':
		t.cur.wrapNext = false
		if t.cur.x > 0 {
			t.cur.x--
		}
	case '\t':
		t.tabForward(1)
	case '\n', '\v', '\f':
		t.cur.wrapNext = false
		t.index()
	case '\r':
		t.cur.wrapNext = false
		t.cur.x = 0
	case 0x0e: // SO
		t.cur.gl = 1
	case 0x0f: // SI
		t.cur.gl = 0
	}
}

func (t *Terminal) tabForward(n int) {
	t.cur.wrapNext = false
	x := t.cur.x
	for ; n > 0 && x < t.cols-1; n-- {
		x++
		for x < t.cols-1 && !t.tabStop(x) {
			x++
		}
	}
	t.cur.x = x
}

func (t *Terminal) tabBackward(n int) {
	t.cur.wrapNext = false
	x := t.cur.x
	for ; n > 0 && x > 0; n-- {
		x--
		for x > 0 && !t.tabStop(x) {
			x--
		}
	}
	t.cur.x = x
}

// defaultTabStop reports whether column x has a tab stop by default.
func defaultTabStop(x int) bool { return x > 0 && x%8 == 0 }

// tabStop reports whether column x has a tab stop.
func (t *Terminal) tabStop(x int) bool {
	if t.tabs == nil {
		return defaultTabStop(x)
	}
	return t.tabs[x]
}

// setTabStop sets or clears the tab stop at column x.
func (t *Terminal) setTabStop(x int, on bool) {
	if t.tabs == nil {
		if on == defaultTabStop(x) {
			return
		}
		t.tabs = t.defaultTabs()
	}
	t.tabs[x] = on
}

// defaultTabs returns the default tab stops as a slice.
func (t *Terminal) defaultTabs() []bool {
	tabs := make([]bool, t.cols)
	for i := range tabs {
		tabs[i] = defaultTabStop(i)
	}
	return tabs
}

func (t *Terminal) saveCursor() {
	c := t.cur
	c.valid = true
	t.scr.saved = c
}

func (t *Terminal) restoreCursor() {
	s := t.scr.saved
	if !s.valid {
		s = cursor{}
	}
	t.cur = s
	t.cur.x = min(t.cur.x, t.cols-1)
	t.cur.y = min(t.cur.y, t.rows-1)
}

func (t *Terminal) esc(cmd ansi.Cmd) {
	t.clusterOK = false
	switch cmd.Intermediate() {
	case 0:
		switch cmd.Final() {
		case '7':
			t.saveCursor()
		case '8':
			t.restoreCursor()
		case 'D':
			t.cur.wrapNext = false
			t.index()
		case 'E':
			t.cur.wrapNext = false
			t.cur.x = 0
			t.index()
		case 'M':
			t.cur.wrapNext = false
			t.reverseIndex()
		case 'H':
			t.setTabStop(t.cur.x, true)
		case '=':
			t.modes.AppKeypad = true
		case '>':
			t.modes.AppKeypad = false
		case 'c':
			t.reset()
		}
	case '(', ')':
		g := 0
		if cmd.Intermediate() == ')' {
			g = 1
		}
		t.cur.charsets[g] = cmd.Final() == '0'
	case '#':
		if cmd.Final() == '8' { // DECALN
			for y := range t.scr.rows {
				row := t.row(y)
				for i := range row {
					row[i] = cell{r: 'E', width: 1}
				}
			}
			t.top, t.bottom = 0, t.rows-1
			t.cur.x, t.cur.y, t.cur.wrapNext = 0, 0, false
		}
	}
}

// reset is RIS: back to the power-on state; history and title are kept.
func (t *Terminal) reset() {
	if t.scr == t.alt {
		t.scr = t.main
	}
	t.alt = nil
	t.resetState()
	t.fillScreen(0, t.rows)
}

func (t *Terminal) fillScreen(from, to int) {
	for y := from; y < to; y++ {
		t.fill(t.eraseRow(y), 0, t.cols)
	}
}

// osc handles the OSC string collected by advance. The parser, which has
// no data buffer, passes no data, and for command MissingCommand: it reads
// the command from its data, so the leading digits of t.oscBuf are read
// here instead. (An OSC that interrupts a DCS keeps a command left by the
// DCS, which the parser does not read then; it is passed on as it was when
// the parser had a buffer.)
func (t *Terminal) osc(cmd int, _ []byte) {
	data := t.oscBuf
	if cap(data) > 256 {
		t.oscBuf = nil // a long string (OSC 52, say): don't keep its buffer
	}
	if cmd == parser.MissingCommand {
		for _, d := range data {
			if d < '0' || d > '9' {
				break
			}
			if cmd == parser.MissingCommand {
				cmd = 0
			}
			cmd = cmd*10 + int(d-'0')
		}
	}
	t.oscCommand(cmd, data)
}

// oscCommand handles OSC command cmd; data holds "cmd;text".
func (t *Terminal) oscCommand(cmd int, data []byte) {
	t.clusterOK = false
	i := 0
	for i < len(data) && data[i] != ';' {
		i++
	}
	var arg []byte
	if i < len(data) {
		arg = data[i+1:]
	}
	switch cmd {
	case 0, 2:
		t.modes.Title = string(arg)
	case 10, 11:
		if string(arg) == "?" && t.reply != nil {
			v := "ffff/ffff/ffff"
			if cmd == 11 {
				v = "0000/0000/0000"
			}
			t.send("\x1b]" + strconv.Itoa(cmd) + ";rgb:" + v + "\x1b\\")
		}
	}
}

func (t *Terminal) send(s string) {
	if t.reply != nil {
		t.rbuf = append(t.rbuf[:0], s...)
		t.reply(t.rbuf)
	}
}

func param(p ansi.Params, i, def int) int {
	v, _, _ := p.Param(i, def)
	return v
}

// param1 is a count parameter: missing or 0 mean 1.
func param1(p ansi.Params, i int) int {
	v := param(p, i, 1)
	if v < 1 {
		return 1
	}
	return v
}

func (t *Terminal) moveTo(x, y int) {
	t.cur.wrapNext = false
	if t.cur.origin {
		y += t.top
		t.cur.y = min(max(y, t.top), t.bottom)
	} else {
		t.cur.y = min(max(y, 0), t.rows-1)
	}
	t.cur.x = min(max(x, 0), t.cols-1)
}

func (t *Terminal) up(n int) {
	t.cur.wrapNext = false
	lim := 0
	if t.cur.y >= t.top {
		lim = t.top
	}
	t.cur.y = max(t.cur.y-n, lim)
}

func (t *Terminal) down(n int) {
	t.cur.wrapNext = false
	lim := t.rows - 1
	if t.cur.y <= t.bottom {
		lim = t.bottom
	}
	t.cur.y = min(t.cur.y+n, lim)
}

func (t *Terminal) csi(cmd ansi.Cmd, p ansi.Params) {
	t.clusterOK = false
	if cmd.Intermediate() != 0 {
		switch {
		case cmd.Intermediate() == ' ' && cmd.Final() == 'q' && cmd.Prefix() == 0:
			t.modes.CursorShape = param(p, 0, 0)
		case cmd.Intermediate() == '!' && cmd.Final() == 'p':
			t.softReset()
		case cmd.Intermediate() == '$' && cmd.Final() == 'p':
			t.decrqm(cmd.Prefix() == '?', param(p, 0, 0))
		}
		return
	}
	switch cmd.Prefix() {
	case '?':
		switch cmd.Final() {
		case 'h', 'l':
			for i := range p {
				t.setPrivate(p[i].Param(0), cmd.Final() == 'h')
			}
		case 'J':
			t.eraseDisplay(param(p, 0, 0))
		case 'K':
			t.eraseLine(param(p, 0, 0))
		case 'n':
			if param(p, 0, 0) == 6 {
				x, y := t.cpr()
				t.send("\x1b[?" + strconv.Itoa(y) + ";" + strconv.Itoa(x) + "R")
			}
		}
		return
	case '>':
		if cmd.Final() == 'c' && param(p, 0, 0) == 0 {
			t.send("\x1b[>1;10;0c")
		}
		return
	case 0:
	default:
		return
	}
	switch cmd.Final() {
	case '@':
		t.cur.wrapNext = false
		t.insertCells(t.eraseRow(t.cur.y), t.cur.x, param1(p, 0))
	case 'A':
		t.up(param1(p, 0))
	case 'B', 'e':
		t.down(param1(p, 0))
	case 'C', 'a':
		t.cur.wrapNext = false
		t.cur.x = min(t.cur.x+param1(p, 0), t.cols-1)
	case 'D':
		t.cur.wrapNext = false
		t.cur.x = max(t.cur.x-param1(p, 0), 0)
	case 'E':
		t.down(param1(p, 0))
		t.cur.x = 0
	case 'F':
		t.up(param1(p, 0))
		t.cur.x = 0
	case 'G', '`':
		t.cur.wrapNext = false
		t.cur.x = min(max(param1(p, 0)-1, 0), t.cols-1)
	case 'H', 'f':
		t.moveTo(param1(p, 1)-1, param1(p, 0)-1)
	case 'I':
		t.tabForward(param1(p, 0))
	case 'Z':
		t.tabBackward(param1(p, 0))
	case 'J':
		t.eraseDisplay(param(p, 0, 0))
	case 'K':
		t.eraseLine(param(p, 0, 0))
	case 'L', 'M':
		if t.cur.y < t.top || t.cur.y > t.bottom {
			return
		}
		if cmd.Final() == 'L' {
			t.scrollDown(t.cur.y, t.bottom, param1(p, 0))
		} else {
			t.scrollDownUp(t.cur.y, t.bottom, param1(p, 0))
		}
		t.cur.x, t.cur.wrapNext = 0, false
	case 'P':
		t.cur.wrapNext = false
		t.deleteCells(t.eraseRow(t.cur.y), t.cur.x, param1(p, 0))
	case 'S':
		if len(p) > 0 && p[0].HasMore() {
			return
		}
		t.scrollUp(t.top, t.bottom, param1(p, 0))
	case 'T':
		if len(p) > 1 {
			return // mouse highlight tracking, not SD
		}
		t.scrollDown(t.top, t.bottom, param1(p, 0))
	case 'X':
		t.cur.wrapNext = false
		n := min(param1(p, 0), t.cols-t.cur.x)
		row := t.eraseRow(t.cur.y)
		t.clearWide(row, t.cur.x, t.cur.x+n)
		t.fill(row, t.cur.x, t.cur.x+n)
	case 'b':
		if r := t.lastRune; r != 0 {
			for range min(param1(p, 0), 65535) {
				t.print(r)
			}
		}
	case 'c':
		if param(p, 0, 0) == 0 {
			t.send("\x1b[?62;22c")
		}
	case 'd':
		t.moveTo(t.cur.x, param1(p, 0)-1)
	case 'g':
		switch param(p, 0, 0) {
		case 0:
			t.setTabStop(t.cur.x, false)
		case 3:
			t.tabs = make([]bool, t.cols)
		}
	case 'h', 'l':
		for i := range p {
			if p[i].Param(0) == 4 {
				t.modes.Insert = cmd.Final() == 'h'
			}
		}
	case 'm':
		t.sgr(p)
	case 'n':
		switch param(p, 0, 0) {
		case 5:
			t.send("\x1b[0n")
		case 6:
			x, y := t.cpr()
			t.send("\x1b[" + strconv.Itoa(y) + ";" + strconv.Itoa(x) + "R")
		}
	case 'r':
		top := param1(p, 0) - 1
		bottom := param(p, 1, t.rows)
		if bottom < 1 || bottom > t.rows {
			bottom = t.rows
		}
		bottom--
		if top < bottom {
			t.top, t.bottom = top, bottom
			t.moveTo(0, 0)
		}
	case 's':
		t.saveCursor()
	case 'u':
		t.restoreCursor()
	}
}

// scrollDownUp deletes n lines at top of the region top..bottom (DL); no
// line goes to the scrollback.
func (t *Terminal) scrollDownUp(top, bottom, n int) {
	n = min(n, bottom-top+1)
	rows := t.scr.rows
	for range n {
		r := rows[top]
		copy(rows[top:bottom], rows[top+1:bottom+1])
		rows[bottom] = t.reuseRow(r, len(r))
	}
}

func (t *Terminal) cpr() (x, y int) {
	y = t.cur.y + 1
	if t.cur.origin {
		y -= t.top
	}
	return t.cur.x + 1, y
}

func (t *Terminal) softReset() {
	t.modes.CursorVisible = true
	t.modes.Insert = false
	t.modes.AppCursor = false
	t.modes.AppKeypad = false
	t.modes.Autowrap = true
	t.cur.origin = false
	t.cur.style = Style{}
	t.cur.charsets = [2]bool{}
	t.cur.gl = 0
	t.top, t.bottom = 0, t.rows-1
	t.scr.saved = cursor{}
}

func (t *Terminal) decrqm(private bool, mode int) {
	if t.reply == nil {
		return
	}
	state := 0 // not recognised
	set := func(b bool) {
		state = 2
		if b {
			state = 1
		}
	}
	m := t.Modes()
	if private {
		switch mode {
		case 1:
			set(m.AppCursor)
		case 6:
			set(m.Origin)
		case 7:
			set(m.Autowrap)
		case 25:
			set(m.CursorVisible)
		case 47, 1047, 1049:
			set(m.AltScreen)
		case 9, 1000, 1002, 1003:
			set(m.Mouse == mode)
		case 1005, 1006, 1015:
			set(m.MouseEncoding == mode)
		case 1004:
			set(m.FocusEvents)
		case 2004:
			set(m.BracketedPaste)
		}
		t.send("\x1b[?" + strconv.Itoa(mode) + ";" + strconv.Itoa(state) + "$y")
		return
	}
	if mode == 4 {
		set(m.Insert)
	}
	t.send("\x1b[" + strconv.Itoa(mode) + ";" + strconv.Itoa(state) + "$y")
}

func (t *Terminal) setPrivate(mode int, on bool) {
	switch mode {
	case 1:
		t.modes.AppCursor = on
	case 6:
		t.cur.origin = on
		t.moveTo(0, 0)
	case 7:
		t.modes.Autowrap = on
		if !on {
			t.cur.wrapNext = false
		}
	case 25:
		t.modes.CursorVisible = on
	case 9, 1000, 1002, 1003:
		if on {
			t.modes.Mouse = mode
		} else if t.modes.Mouse == mode {
			t.modes.Mouse = 0
		}
	case 1005, 1006, 1015:
		if on {
			t.modes.MouseEncoding = mode
		} else if t.modes.MouseEncoding == mode {
			t.modes.MouseEncoding = 0
		}
	case 1004:
		t.modes.FocusEvents = on
	case 2004:
		t.modes.BracketedPaste = on
	case 47, 1047, 1049:
		if on {
			t.enterAlt(mode)
		} else {
			t.leaveAlt(mode)
		}
	}
}

func (t *Terminal) enterAlt(mode int) {
	if t.scr == t.alt {
		return
	}
	if mode == 1049 {
		t.saveCursor()
	}
	if t.alt == nil {
		t.alt = newScreen(t.newRows(t.rows))
	}
	t.scr = t.alt
	t.altKind = mode
	if mode == 1049 {
		t.fillScreen(0, t.rows)
	}
}

func (t *Terminal) leaveAlt(mode int) {
	if t.scr != t.alt {
		return
	}
	t.scr = t.main
	// The alternate screen's content is dropped (xterm clears it for 1047
	// and 1049); this frees its memory while the session idles.
	t.alt = nil
	t.altKind = 0
	if mode == 1049 {
		t.restoreCursor()
	}
}

func (t *Terminal) eraseDisplay(mode int) {
	t.cur.wrapNext = false
	row := t.eraseRow(t.cur.y)
	switch mode {
	case 0:
		t.clearWide(row, t.cur.x, t.cols)
		t.fill(row, t.cur.x, t.cols)
		t.fillScreen(t.cur.y+1, t.rows)
	case 1:
		t.clearWide(row, 0, t.cur.x+1)
		t.fill(row, 0, t.cur.x+1)
		t.fillScreen(0, t.cur.y)
	case 2:
		t.fillScreen(0, t.rows)
	case 3:
		t.clearScrollback()
	}
}

func (t *Terminal) eraseLine(mode int) {
	t.cur.wrapNext = false
	row := t.eraseRow(t.cur.y)
	switch mode {
	case 0:
		t.clearWide(row, t.cur.x, t.cols)
		t.fill(row, t.cur.x, t.cols)
	case 1:
		t.clearWide(row, 0, t.cur.x+1)
		t.fill(row, 0, t.cur.x+1)
	case 2:
		t.fill(row, 0, t.cols)
	}
}

func (t *Terminal) sgr(p ansi.Params) {
	st := &t.cur.style
	if len(p) == 0 {
		*st = Style{}
		return
	}
	for i := 0; i < len(p); i++ {
		v := p[i].Param(0)
		// Sub-parameters (colon form) belong to this parameter.
		j := i
		for j < len(p) && p[j].HasMore() {
			j++
		}
		sub := p[i+1 : min(j+1, len(p))]
		colon := j > i
		switch {
		case v == 0:
			*st = Style{}
		case v == 1:
			st.Attrs |= Bold
		case v == 2:
			st.Attrs |= Faint
		case v == 3:
			st.Attrs |= Italic
		case v == 4:
			if colon && len(sub) > 0 && sub[0].Param(0) == 0 {
				st.Attrs &^= Underline
			} else {
				st.Attrs |= Underline
			}
		case v == 5 || v == 6:
			st.Attrs |= Blink
		case v == 7:
			st.Attrs |= Reverse
		case v == 8:
			st.Attrs |= Invisible
		case v == 9:
			st.Attrs |= Strike
		case v == 21:
			st.Attrs |= Underline
		case v == 22:
			st.Attrs &^= Bold | Faint
		case v == 23:
			st.Attrs &^= Italic
		case v == 24:
			st.Attrs &^= Underline
		case v == 25:
			st.Attrs &^= Blink
		case v == 27:
			st.Attrs &^= Reverse
		case v == 28:
			st.Attrs &^= Invisible
		case v == 29:
			st.Attrs &^= Strike
		case v >= 30 && v <= 37:
			st.Fg = Indexed(uint8(v - 30))
		case v == 39:
			st.Fg = 0
		case v >= 40 && v <= 47:
			st.Bg = Indexed(uint8(v - 40))
		case v == 49:
			st.Bg = 0
		case v >= 90 && v <= 97:
			st.Fg = Indexed(uint8(v - 90 + 8))
		case v >= 100 && v <= 107:
			st.Bg = Indexed(uint8(v - 100 + 8))
		case v == 38 || v == 48 || v == 58:
			var c Color
			var ok bool
			if colon {
				c, ok = extColor(sub, true)
			} else {
				var n int
				c, ok, n = extColorSemi(p[i+1:])
				i += n
			}
			if ok {
				switch v {
				case 38:
					st.Fg = c
				case 48:
					st.Bg = c
				}
			}
		}
		if colon {
			i = j
		}
	}
}

func comp(v int) uint8 { return uint8(min(max(v, 0), 255)) }

// extColor decodes the colon form: 5:n or 2:[cs]:r:g:b (2:r:g:b accepted).
func extColor(sub ansi.Params, colon bool) (Color, bool) {
	if len(sub) < 2 {
		return 0, false
	}
	switch sub[0].Param(0) {
	case 5:
		return Indexed(comp(sub[1].Param(0))), true
	case 2:
		if len(sub) >= 5 {
			return RGB(comp(sub[2].Param(0)), comp(sub[3].Param(0)), comp(sub[4].Param(0))), true
		}
		if len(sub) == 4 {
			return RGB(comp(sub[1].Param(0)), comp(sub[2].Param(0)), comp(sub[3].Param(0))), true
		}
	}
	return 0, false
}

// extColorSemi decodes 5;n or 2;r;g;b and returns how many params it used.
func extColorSemi(p ansi.Params) (Color, bool, int) {
	if len(p) < 1 {
		return 0, false, 0
	}
	switch p[0].Param(0) {
	case 5:
		if len(p) >= 2 {
			return Indexed(comp(p[1].Param(0))), true, 2
		}
		return 0, false, len(p)
	case 2:
		if len(p) >= 4 {
			return RGB(comp(p[1].Param(0)), comp(p[2].Param(0)), comp(p[3].Param(0))), true, 4
		}
		return 0, false, len(p)
	}
	return 0, false, 1
}

// Resize changes the size. Rows are cut or padded (no reflow); when the
// screen gets shorter, rows above the cursor go first (to the scrollback on
// the main screen) so the cursor stays on its line. The scroll region is
// reset.
func (t *Terminal) Resize(cols, rows int) {
	t.clusterOK = false
	cols, rows = max(cols, 1), max(rows, 1)
	if cols == t.cols && rows == t.rows {
		return
	}
	drop := 0
	if t.cur.y >= rows {
		drop = t.cur.y - rows + 1
	}
	oldCols := t.cols
	for _, s := range []*screen{t.main, t.alt} {
		if s == nil {
			continue
		}
		d := drop
		if s != t.scr {
			d = 0
			if sy := s.saved.y; sy >= rows {
				d = sy - rows + 1
			}
		}
		if s == t.main {
			for i := 0; i < d; i++ {
				t.pushScrollback(s.rows[i])
			}
		}
		src := s.rows[d:]
		t.cols = cols
		nr := t.newRows(rows)
		for y := range min(rows, len(src)) {
			switch {
			case src[y] == nil:
			case cols == oldCols:
				nr[y] = src[y]
			default:
				if nr[y] == nil {
					nr[y] = t.newRow()
				}
				copy(nr[y], src[y][:min(cols, oldCols)])
				if last := &nr[y][cols-1]; last.width == 2 {
					*last = t.blankKeep(*last)
				}
			}
		}
		s.rows, s.base = nr, nr[:cap(nr)]
		s.saved.y = max(min(s.saved.y-d, rows-1), 0)
		s.saved.x = min(s.saved.x, cols-1)
		t.cols = oldCols
	}
	t.cols, t.rows = cols, rows
	t.cur.y = max(t.cur.y-drop, 0)
	t.cur.x = min(t.cur.x, cols-1)
	if t.cur.x < cols-1 {
		t.cur.wrapNext = false
	}
	t.top, t.bottom = 0, rows-1
	if t.tabs != nil {
		tabs := make([]bool, cols)
		copy(tabs, t.tabs)
		for i := (oldCols + 7) / 8 * 8; i < cols; i += 8 {
			tabs[i] = true
		}
		t.tabs = tabs
	}
}
