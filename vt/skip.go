package vt

// Fast-forwarding over a long run of plain output.
//
// When a program pours out lines (cat of a big file, a build log), what a
// terminal ends up showing depends only on the last lines: every earlier
// line scrolls off the screen and then out of the history. FastForward
// finds, at the start of a backlog of output not yet drawn, the bytes
// whose only lasting effect is on the pen (SGR), and applies just that:
// the caller then writes the rest as usual. The state afterwards (screen,
// history, cursor, pen, modes, everything a Restore or Text shows) is the
// same as after writing every byte; FuzzFastForward checks that.
//
// Why it is exact. The run skipped, and the part after it that makes it
// safe, hold only "plain" bytes: printable ASCII, complete UTF-8
// characters, CR, LF, BS, TAB, BEL and complete SGR sequences (ESC [
// digits ; : m). None of these moves the cursor up, changes modes, the
// scroll region, the character sets, tab stops or the saved cursor, or
// asks for an answer. The skip ends right after a CR LF and before a
// printable ASCII character, so the column is 0 there, no wrap is
// pending, no grapheme cluster is open, and the next character printed
// sets the last printed rune (REP) before anything could repeat it. Only
// the row differs from a full write; the main screen with the full scroll
// region is required, so each LF moves the cursor down or scrolls the
// whole screen into the history. After rows-1 LFs both cursors are on the
// bottom row, after rows more every row shown before has scrolled off,
// and after scrollback more every line in the history was written after
// the skip. FastForward skips only when at least that many LFs follow.

import (
	"bytes"
	"encoding/binary"
	"math/bits"
	"unicode/utf8"

	"github.com/charmbracelet/x/ansi/parser"
)

// plain classifies bytes for FastForward: 0 ends a plain run, 1 is a
// plain byte, 2 is LF, 3 is ESC (plain only as a complete SGR), 4 starts a
// UTF-8 character (plain only if complete and valid).
var plain = func() (c [256]byte) {
	for b := 0x20; b < 0x7f; b++ {
		c[b] = 1
	}
	c['\b'], c['\t'], c['\r'], c[0x07] = 1, 1, 1, 1
	c['\n'], c[0x1b] = 2, 3
	for b := 0xc2; b <= 0xf4; b++ {
		c[b] = 4
	}
	return c
}()

// FastForward looks at backlog, the output not yet written to t, in order
// (consecutive pieces of one stream), and skips what it can at its start:
// it applies the effect of the first n bytes (their SGR sequences, then a
// carriage return) and returns n; the caller writes the rest, from byte n
// on. It returns 0 and changes nothing unless t is on the main screen with
// the full scroll region and its parser in the ground state, and the
// backlog starts with a plain run holding enough lines.
func (t *Terminal) FastForward(backlog [][]byte) int {
	if t.scr != t.main || t.top != 0 || t.bottom != t.rows-1 || t.p.State() != parser.GroundState {
		return 0
	}
	need := 2*t.rows + t.sbMax // LFs that must follow the skip
	t.ff.scan(backlog)
	lfs := t.ff.lfs
	best := -1
	for k := len(lfs) - 1 - need; k >= 0; k-- {
		at := lfs[k]
		if byteAt(backlog, at-1) == '\r' {
			if b := byteAt(backlog, at+1); b >= 0x20 && b < 0x7f {
				best = at + 1
				break
			}
		}
	}
	if best < 0 {
		return 0
	}
	// The pen: the SGR sequences before best, from the last one that
	// resets it.
	sgrs := t.ff.sgrs
	end := len(sgrs)
	for end > 0 && sgrs[end-1] >= best {
		end--
	}
	from := 0
	var tmp [maxSeq]byte
	for k := end - 1; k >= 0; k-- {
		if seq := gather(tmp[:0], backlog, sgrs[k]); bytes.HasPrefix(seq, []byte("\x1b[m")) || bytes.HasPrefix(seq, []byte("\x1b[0m")) {
			from = k
			break
		}
	}
	for _, off := range sgrs[from:end] {
		seq := gather(tmp[:0], backlog, off)
		t.Write(seq[:sgrLen(seq)])
	}
	t.Write([]byte{'\r'})
	return best
}

// ffScan is what FastForward learns of the plain run that a backlog starts
// with; its slices are reused.
type ffScan struct {
	lfs  []int // offsets of its LFs
	sgrs []int // offsets of its SGR sequences
}

// maxSeq is the longest SGR sequence or character read across a chunk
// boundary; a longer one there ends the plain run.
const maxSeq = 64

// scan records the LFs and SGR sequences of the plain run at the start of
// backlog. Runs of printable ASCII are passed 8 bytes at a time; CR LF
// and 2- and 3-byte UTF-8 characters within a chunk are taken whole.
func (f *ffScan) scan(backlog [][]byte) {
	f.lfs, f.sgrs = f.lfs[:0], f.sgrs[:0]
	var tmp [maxSeq]byte
	const lo, hi = 0x0101010101010101, 0x8080808080808080
	off, i := 0, 0 // at backlog[ci][i]; off is where backlog[ci] starts
	for ci, c := range backlog {
		for i < len(c) {
			// Printable ASCII 8 bytes at a time: a byte below 0x20 or
			// above 0x7e sets its top bit in m (a borrow or carry it
			// causes only reaches the bytes after it), so the lowest bit
			// set in m is the first byte to look at.
			for i+8 <= len(c) {
				x := binary.LittleEndian.Uint64(c[i:])
				if m := ((x-0x20*lo)&^x | (x + lo) | x) & hi; m != 0 {
					i += bits.TrailingZeros64(m) >> 3
					break
				}
				i += 8
			}
			if i >= len(c) {
				break
			}
			n := 0
			switch b := c[i]; plain[b] {
			case 1:
				n = 1
				if b == '\r' && i+1 < len(c) && c[i+1] == '\n' {
					f.lfs = append(f.lfs, off+i+1)
					n = 2
				}
			case 2:
				f.lfs = append(f.lfs, off+i)
				n = 1
			case 3:
				seq := c[i:]
				if len(seq) < maxSeq && ci+1 < len(backlog) {
					seq = gather(tmp[:0], backlog[ci:], i)
				}
				// FastForward reads a recorded SGR back through a maxSeq
				// buffer: a longer one ends the run.
				if n = sgrLen(seq); n > 0 && n <= maxSeq {
					f.sgrs = append(f.sgrs, off+i)
				} else {
					n = 0
				}
			case 4:
				n = utf8Len(c[i:])
				if n < 0 { // cut by the chunk's end
					n = 0
					if ci+1 < len(backlog) {
						if _, m := utf8.DecodeRune(gather(tmp[:0], backlog[ci:], i)); m > 1 {
							n = m
						}
					}
				}
			}
			if n == 0 {
				return
			}
			i += n
		}
		i -= len(c) // a sequence read across the boundary ends past it
		off += len(c)
	}
}

// utf8Len returns the length of the valid UTF-8 character of 2 to 4 bytes
// p starts with (p[0] is 0xc2-0xf4), 0 if it is not one, or -1 if p ends
// before it could tell. It accepts what utf8.DecodeRune decodes in more
// than one byte.
func utf8Len(p []byte) int {
	b := p[0]
	if b < 0xe0 {
		if len(p) < 2 {
			return -1
		}
		if p[1]&0xc0 == 0x80 {
			return 2
		}
		return 0
	}
	if b < 0xf0 && len(p) >= 3 {
		lo, hi := byte(0x80), byte(0xbf)
		switch b {
		case 0xe0:
			lo = 0xa0 // not overlong
		case 0xed:
			hi = 0x9f // not a surrogate
		}
		if p[1] >= lo && p[1] <= hi && p[2]&0xc0 == 0x80 {
			return 3
		}
		return 0
	}
	if !utf8.FullRune(p) {
		return -1
	}
	if _, m := utf8.DecodeRune(p); m > 1 {
		return m
	}
	return 0
}

// gather copies into dst, up to its capacity, the bytes of backlog from
// offset off on.
func gather(dst []byte, backlog [][]byte, off int) []byte {
	for _, c := range backlog {
		if off >= len(c) {
			off -= len(c)
			continue
		}
		n := min(len(c)-off, cap(dst)-len(dst))
		dst = append(dst, c[off:off+n]...)
		off = 0
		if len(dst) == cap(dst) {
			break
		}
	}
	return dst
}

// sgrLen returns the length of the SGR sequence (ESC [ then digits, ';'
// and ':', then m) p starts with, or 0 if p does not start with a
// complete one.
func sgrLen(p []byte) int {
	if len(p) < 3 || p[0] != 0x1b || p[1] != '[' {
		return 0
	}
	for i := 2; i < len(p); i++ {
		switch b := p[i]; {
		case b >= '0' && b <= '9' || b == ';' || b == ':':
		case b == 'm':
			return i + 1
		default:
			return 0
		}
	}
	return 0
}

// byteAt returns the byte at offset off of the concatenated backlog, or
// -1 outside it.
func byteAt(backlog [][]byte, off int) int {
	if off < 0 {
		return -1
	}
	for _, c := range backlog {
		if off < len(c) {
			return int(c[off])
		}
		off -= len(c)
	}
	return -1
}
