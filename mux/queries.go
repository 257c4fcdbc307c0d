package mux

import "bytes"

// queryStripper removes terminal queries from output replayed to a client
// (restore mode none): they were answered when the program printed them,
// by the server's emulator or by the terminal attached then, and a second
// answer would reach the program as typed input. Everything else passes
// through unchanged, in order. It is a streaming filter: a sequence split
// across chunks is held until it is complete.
//
// Removed: DA1/DA2/DA3 (CSI ... c), DSR and CPR (CSI ... n), DECRQM
// (CSI ... $ p), XTVERSION (CSI > ... q), the kitty keyboard query
// (CSI ? u), XTWINOPS reports (CSI 11/13/14/15/16/18/19/20/21 t), OSC
// colour queries (any OSC with a "?" field, e.g. OSC 10;? and OSC 4;1;?),
// and DECRQSS / XTGETTCAP (DCS $ q, DCS + q).
type queryStripper struct {
	state int
	seq   []byte // the sequence being read, from its ESC
}

const (
	qsGround = iota
	qsEsc
	qsCSI
	qsString // OSC or DCS, until BEL (OSC) or ST
	qsStringEsc
)

// maxQuerySeq bounds a held sequence: a longer one is passed through.
const maxQuerySeq = 4096

// filter appends p, without queries, to out.
func (q *queryStripper) filter(out, p []byte) []byte {
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch q.state {
		case qsGround:
			if c != 0x1b {
				// copy the run of ordinary bytes at once
				j := bytes.IndexByte(p[i:], 0x1b)
				if j < 0 {
					return append(out, p[i:]...)
				}
				out = append(out, p[i:i+j]...)
				i += j - 1
				continue
			}
			q.seq = append(q.seq[:0], c)
			q.state = qsEsc
		case qsEsc:
			q.seq = append(q.seq, c)
			switch c {
			case '[':
				q.state = qsCSI
			case ']', 'P':
				q.state = qsString
			case 0x1b:
				out = append(out, q.seq[:len(q.seq)-1]...)
				q.seq = q.seq[:1]
			default:
				out = q.emit(out)
			}
		case qsCSI:
			switch {
			case c >= 0x20 && c <= 0x3f:
				q.seq = append(q.seq, c)
			case c >= 0x40 && c <= 0x7e:
				q.seq = append(q.seq, c)
				if isQueryCSI(q.seq[2:]) {
					q.seq, q.state = q.seq[:0], qsGround
				} else {
					out = q.emit(out)
				}
			default: // a control inside the sequence: not ours to judge
				out = q.emit(out)
				i--
			}
		case qsString:
			q.seq = append(q.seq, c)
			switch c {
			case 0x07:
				if q.seq[1] == ']' {
					out = q.endString(out, len(q.seq)-1)
				}
			case 0x1b:
				q.state = qsStringEsc
			}
		case qsStringEsc:
			q.seq = append(q.seq, c)
			if c == '\\' {
				out = q.endString(out, len(q.seq)-2)
			} else {
				q.state = qsString
			}
		}
		if len(q.seq) > maxQuerySeq {
			out = q.emit(out)
		}
	}
	return out
}

// flush appends a sequence held at the end of the stream.
func (q *queryStripper) flush(out []byte) []byte {
	if q.state != qsGround {
		out = q.emit(out)
	}
	return out
}

func (q *queryStripper) emit(out []byte) []byte {
	out = append(out, q.seq...)
	q.seq, q.state = q.seq[:0], qsGround
	return out
}

// endString decides on a complete OSC or DCS whose payload ends at end.
func (q *queryStripper) endString(out []byte, end int) []byte {
	body := q.seq[2:end]
	query := false
	if q.seq[1] == ']' {
		for f := range bytes.SplitSeq(body, []byte(";")) {
			if string(f) == "?" {
				query = true
			}
		}
	} else {
		query = bytes.HasPrefix(body, []byte("$q")) || bytes.HasPrefix(body, []byte("+q"))
	}
	if query {
		q.seq, q.state = q.seq[:0], qsGround
		return out
	}
	return q.emit(out)
}

// isQueryCSI reports whether a CSI sequence (after "ESC [": parameters,
// intermediates, final) asks the terminal for an answer.
func isQueryCSI(s []byte) bool {
	final := s[len(s)-1]
	body := s[:len(s)-1]
	switch final {
	case 'c', 'n':
		return true
	case 'p':
		return bytes.HasSuffix(body, []byte("$"))
	case 'q':
		return len(body) > 0 && body[0] == '>'
	case 'u':
		return string(body) == "?"
	case 't':
		first, _, _ := bytes.Cut(body, []byte(";"))
		switch string(first) {
		case "11", "13", "14", "15", "16", "18", "19", "20", "21":
			return true
		}
	}
	return false
}
