package vt

import "github.com/charmbracelet/x/ansi/parser"

// Text turns a terminal byte stream into plain text, for a log a person or
// grep reads (`receive --text`, log_format = "text"): escape sequences
// (CSI, OSC, DCS, SOS/PM/APC, charset designations and the other ESC
// sequences, in their 7- and 8-bit forms) are removed, CRLF (and any run
// of CRs before an LF, as a program writing "\r\n" through a pty gives)
// becomes LF, and control characters other than tab, LF and a lone CR are
// dropped. It follows ansi.Strip's state machine, with the state kept
// between calls, so a sequence or a UTF-8 character split across two
// chunks is handled as if it came whole. CRs are held back until the next
// byte shows whether an LF follows; those still held when a stream ends are
// dropped (a CRLF split between two receives must not leave a CR in the
// log), as is an unfinished escape sequence. The zero value is ready.
type Text struct {
	state parser.State
	ri    int // bytes of the UTF-8 character collected so far
	rw    int // its length
	crs   int // CRs held back: they vanish if an LF follows
}

// Append appends the text of chunk p to dst and returns it.
func (t *Text) Append(dst, p []byte) []byte {
	for _, b := range p {
		if t.state == parser.Utf8State {
			dst = append(dst, b)
			if t.ri++; t.ri < t.rw {
				continue
			}
			t.state, t.ri, t.rw = parser.GroundState, 0, 0
			continue
		}
		state, action := parser.Table.Transition(t.state, b)
		switch action {
		case parser.CollectAction:
			if state == parser.Utf8State {
				dst = t.crsOut(dst)
				t.rw, t.ri = utf8LeadLen(b), 1
				dst = append(dst, b)
			}
		case parser.PrintAction:
			dst = append(t.crsOut(dst), b)
		case parser.ExecuteAction:
			switch b {
			case '\r':
				t.crs++
			case '\n':
				t.crs = 0
				dst = append(dst, '\n')
			case '\t':
				dst = append(t.crsOut(dst), '\t')
			}
		}
		t.state = state
	}
	return dst
}

// crsOut appends the CRs held back: no LF followed them.
func (t *Text) crsOut(dst []byte) []byte {
	for ; t.crs > 0; t.crs-- {
		dst = append(dst, '\r')
	}
	return dst
}

// utf8LeadLen is the length of the UTF-8 character lead byte b starts
// (the parser enters Utf8State only on 0xC2-0xF4).
func utf8LeadLen(b byte) int {
	switch {
	case b >= 0xF0:
		return 4
	case b >= 0xE0:
		return 3
	}
	return 2
}
