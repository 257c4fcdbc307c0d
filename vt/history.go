package vt

import (
	"encoding/binary"
	"slices"
	"unicode/utf8"
	"unsafe"
)

// History lines are stored encoded, as a byte string per line rather than
// 16 bytes per cell: a line of text in one style costs about its length in
// bytes. The encoding is a sequence of cells, each optionally preceded by
// ops that change the pen (the style of this and the following cells,
// default at the start of the line) or describe the next cell. Ops are
// bytes that cannot start a UTF-8 sequence (0x80-0xbf):
//
//	0x00-0x7f        a cell holding that ASCII rune, width 1
//	UTF-8 (>= 0xc0)  a cell holding that non-ASCII rune, width 1
//	hWide            the next cell (ASCII or UTF-8) has width 2
//	hTail            a cell with rune 0, width 0 (a wide character's tail)
//	hCell w uvarint  a cell with width w and that rune: any other cell
//	hComb lo hi      the next cell has combining marks number hi<<8|lo
//	hAttr a          the pen's attributes become a
//	hFg..., hBg...   the pen's colour becomes: default (no operand),
//	                 palette index (1 byte), RGB (3 bytes, r g b) or any
//	                 other value (4 bytes, little-endian)
//
// Every cell takes the pen's style and, unless hComb precedes it, no
// combining marks.
const (
	hFgDefault = 0x80 + iota
	hFgIndexed
	hFgRGB
	hFgRaw
	hBgDefault
	hBgIndexed
	hBgRGB
	hBgRaw
	hAttr
	hComb
	hWide
	hTail
	hCell
)

// littleEndian is whether a cell's two words are laid out as
// r | fg<<32 and bg | attr<<32 | width<<40 | comb<<48, which appendHistory's
// fast path relies on.
var littleEndian = *cellWords(&cell{r: 1, fg: 2, bg: 3, attr: 4, width: 5, comb: 6}) ==
	[2]uint64{1 | 2<<32, 3 | 4<<32 | 5<<40 | 6<<48}

// appendColorOp appends the op setting a colour to c; op is hFgDefault or
// hBgDefault.
func appendColorOp(dst []byte, op byte, c Color) []byte {
	switch {
	case c == 0:
		return append(dst, op)
	case c>>8 == colorIndexed>>8:
		return append(dst, op+1, byte(c))
	case c>>24 == colorRGB>>24:
		return append(dst, op+2, byte(c>>16), byte(c>>8), byte(c))
	}
	return append(dst, op+3, byte(c), byte(c>>8), byte(c>>16), byte(c>>24))
}

// appendHistory appends the encoding of row to dst.
func appendHistory(dst []byte, row []cell) []byte {
	var pen cell
	dst = slices.Grow(dst, len(row))
	for i := 0; i < len(row); i++ {
		if littleEndian {
			// The fast path: a run of ASCII cells of width 1 in the pen's
			// style without combining marks, each tested as two words:
			// the second (bg, attr, width, comb) must be the pen's with
			// width 1, and the first (rune, fg) the pen's plus 0-0x7f.
			base := uint64(pen.fg) << 32
			penW1 := uint64(pen.bg) | uint64(pen.attr)<<32 | 1<<40
			out := dst[len(dst):cap(dst)]
			j := 0
			for i+8 <= len(row) && j+8 <= len(out) {
				// Store the bytes first, then check: a failed block's
				// bytes lie past len(dst), overwritten later.
				c := (*[16]uint64)(unsafe.Pointer(&row[i]))
				o := (*[8]byte)(out[j:])
				w0, w1 := c[0], c[1]
				o[0] = byte(w0)
				a0, a1 := w0^base, w1^penW1
				w0, w1 = c[2], c[3]
				o[1] = byte(w0)
				a0, a1 = a0|(w0^base), a1|(w1^penW1)
				w0, w1 = c[4], c[5]
				o[2] = byte(w0)
				a0, a1 = a0|(w0^base), a1|(w1^penW1)
				w0, w1 = c[6], c[7]
				o[3] = byte(w0)
				a0, a1 = a0|(w0^base), a1|(w1^penW1)
				w0, w1 = c[8], c[9]
				o[4] = byte(w0)
				a0, a1 = a0|(w0^base), a1|(w1^penW1)
				w0, w1 = c[10], c[11]
				o[5] = byte(w0)
				a0, a1 = a0|(w0^base), a1|(w1^penW1)
				w0, w1 = c[12], c[13]
				o[6] = byte(w0)
				a0, a1 = a0|(w0^base), a1|(w1^penW1)
				w0, w1 = c[14], c[15]
				o[7] = byte(w0)
				a0, a1 = a0|(w0^base), a1|(w1^penW1)
				if a0 >= 0x80 || a1 != 0 {
					break
				}
				i, j = i+8, j+8
			}
			for ; i < len(row) && j < len(out); i, j = i+1, j+1 {
				c := cellWords(&row[i])
				if c[1] != penW1 || c[0]^base >= 0x80 {
					break
				}
				out[j] = byte(c[0])
			}
			dst = dst[:len(dst)+j]
			if i == len(row) {
				break
			}
		}
		c := &row[i]
		if c.fg != pen.fg {
			dst = appendColorOp(dst, hFgDefault, c.fg)
			pen.fg = c.fg
		}
		if c.bg != pen.bg {
			dst = appendColorOp(dst, hBgDefault, c.bg)
			pen.bg = c.bg
		}
		if c.attr != pen.attr {
			dst = append(dst, hAttr, byte(c.attr))
			pen.attr = c.attr
		}
		if c.comb != 0 {
			dst = append(dst, hComb, byte(c.comb), byte(c.comb>>8))
		}
		r := c.r
		switch {
		case c.width == 0 && r == 0 && c.comb == 0:
			dst = append(dst, hTail)
		case (c.width == 1 || c.width == 2) && r >= 0 && utf8.ValidRune(r):
			if c.width == 2 {
				dst = append(dst, hWide)
			}
			dst = utf8.AppendRune(dst, r)
		default:
			dst = append(dst, hCell, c.width)
			dst = binary.AppendUvarint(dst, uint64(uint32(r)))
		}
	}
	return dst
}

// historyReader decodes an encoded history line cell by cell.
type historyReader struct {
	b   []byte
	pen cell
}

// next returns the next cell, or false at the end of the line.
func (h *historyReader) next() (cell, bool) {
	c := h.pen
	c.width = 1
	for len(h.b) > 0 {
		op := h.b[0]
		switch {
		case op < 0x80:
			c.r = rune(op)
			h.b = h.b[1:]
			return c, true
		case op >= 0xc0:
			r, n := utf8.DecodeRune(h.b)
			c.r = r
			h.b = h.b[n:]
			return c, true
		case op == hTail:
			c.r, c.width = 0, 0
			h.b = h.b[1:]
			return c, true
		case op == hCell:
			c.width = h.b[1]
			r, n := binary.Uvarint(h.b[2:])
			c.r = rune(uint32(r))
			h.b = h.b[2+n:]
			return c, true
		case op == hWide:
			c.width = 2
			h.b = h.b[1:]
		case op == hComb:
			c.comb = uint16(h.b[1]) | uint16(h.b[2])<<8
			h.b = h.b[3:]
		case op == hAttr:
			h.pen.attr, c.attr = Attr(h.b[1]), Attr(h.b[1])
			h.b = h.b[2:]
		default: // a colour
			col, n := decodeColor(h.b[1:], (op-hFgDefault)%4)
			if op < hBgDefault {
				h.pen.fg, c.fg = col, col
			} else {
				h.pen.bg, c.bg = col, col
			}
			h.b = h.b[1+n:]
		}
	}
	return cell{}, false
}

// decodeColor decodes a colour operand of the given kind (0 default, 1
// indexed, 2 RGB, 3 raw) and returns it and its length.
func decodeColor(b []byte, kind byte) (Color, int) {
	switch kind {
	case 0:
		return 0, 0
	case 1:
		return Color(colorIndexed | uint32(b[0])), 1
	case 2:
		return RGB(b[0], b[1], b[2]), 3
	}
	return Color(binary.LittleEndian.Uint32(b)), 4
}

// decodeHistory appends the cells of an encoded history line to dst.
func decodeHistory(dst []cell, b []byte) []cell {
	h := historyReader{b: b}
	for {
		c, ok := h.next()
		if !ok {
			return dst
		}
		dst = append(dst, c)
	}
}

// historyCell returns cell x of an encoded history line, or false if the
// line is shorter.
func historyCell(b []byte, x int) (cell, bool) {
	h := historyReader{b: b}
	for {
		c, ok := h.next()
		if !ok || x == 0 {
			return c, ok
		}
		x--
	}
}
