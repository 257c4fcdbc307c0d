package config

import (
	"sort"
	"strconv"
	"strings"
)

// keyLines records the line on which every key and table of a TOML document
// is first defined, so validation problems can name a line.
// BurntSushi/toml's MetaData does not expose key positions; this small
// scanner does, and only for documents that have already parsed, so it
// tolerates what it does not understand instead of reporting it.
type keyLines struct {
	lines map[string]int // key path joined with "\x00" -> 1-based line
}

// line returns the line of path, or of its nearest ancestor that has one
// (a key inside an inline table is reported on its table's line), or 0.
func (k keyLines) line(path ...string) int {
	for n := len(path); n > 0; n-- {
		if l, ok := k.lines[strings.Join(path[:n], "\x00")]; ok {
			return l
		}
	}
	return 0
}

// scanKeyLines indexes the keys of the TOML document text.
func scanKeyLines(text string) keyLines {
	s := &lineScanner{s: text, k: keyLines{lines: map[string]int{}}}
	for i := 0; i < len(text); i++ {
		if text[i] == '\n' {
			s.newlines = append(s.newlines, i)
		}
	}
	s.document()
	return s.k
}

type lineScanner struct {
	s        string
	i        int
	newlines []int // offsets of '\n'
	k        keyLines
}

func (s *lineScanner) eof() bool { return s.i >= len(s.s) }

func (s *lineScanner) peek() byte {
	if s.eof() {
		return 0
	}
	return s.s[s.i]
}

// record notes every prefix of path (implicitly defined tables included)
// that has no line yet, at the line of byte offset pos.
func (s *lineScanner) record(path []string, pos int) {
	line := sort.SearchInts(s.newlines, pos) + 1
	for n := 1; n <= len(path); n++ {
		key := strings.Join(path[:n], "\x00")
		if _, ok := s.k.lines[key]; !ok {
			s.k.lines[key] = line
		}
	}
}

func (s *lineScanner) skipSpace() {
	for !s.eof() && (s.peek() == ' ' || s.peek() == '\t' || s.peek() == '\r') {
		s.i++
	}
}

// skipBlank skips spaces, newlines and comments (inside arrays and tables).
func (s *lineScanner) skipBlank() {
	for !s.eof() {
		switch s.peek() {
		case ' ', '\t', '\r', '\n':
			s.i++
		case '#':
			s.skipLine()
		default:
			return
		}
	}
}

// skipLine moves to the start of the next line.
func (s *lineScanner) skipLine() {
	if s.eof() {
		s.i = len(s.s)
		return
	}
	if j := strings.IndexByte(s.s[s.i:], '\n'); j >= 0 {
		s.i += j + 1
	} else {
		s.i = len(s.s)
	}
}

func (s *lineScanner) document() {
	var table []string
	for !s.eof() {
		s.skipBlank()
		if s.eof() {
			return
		}
		start := s.i
		if s.peek() == '[' {
			s.i++
			if s.peek() == '[' {
				s.i++
			}
			s.skipSpace()
			table = s.keyPath()
			s.record(table, start)
			s.skipLine()
			continue
		}
		key := s.keyPath()
		s.skipSpace()
		if len(key) == 0 || s.peek() != '=' {
			s.skipLine()
			continue
		}
		s.i++
		path := append(append([]string(nil), table...), key...)
		s.record(path, start)
		s.value(path)
		s.skipLine()
	}
}

// keyPath reads a possibly dotted key: a, a.b, "a b".'c'.
func (s *lineScanner) keyPath() []string {
	var path []string
	for {
		s.skipSpace()
		part, ok := s.key()
		if !ok {
			return path
		}
		path = append(path, part)
		s.skipSpace()
		if s.peek() != '.' {
			return path
		}
		s.i++
	}
}

func (s *lineScanner) key() (string, bool) {
	switch c := s.peek(); {
	case c == '"':
		return s.basicString(), true
	case c == '\'':
		return s.literalString(), true
	}
	start := s.i
	for !s.eof() && isBareKeyByte(s.peek()) {
		s.i++
	}
	return s.s[start:s.i], s.i > start
}

func isBareKeyByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-'
}

// basicString reads a one-line "string" and returns its value.
func (s *lineScanner) basicString() string {
	start := s.i
	s.i++
	for !s.eof() && s.peek() != '"' && s.peek() != '\n' {
		if s.peek() == '\\' {
			s.i++
			if s.eof() { // a backslash ends the text: the string is cut
				break
			}
		}
		s.i++
	}
	if s.eof() || s.peek() != '"' {
		return s.s[start+1 : s.i]
	}
	s.i++
	raw := s.s[start:s.i]
	if v, err := strconv.Unquote(raw); err == nil {
		return v
	}
	return raw[1 : len(raw)-1]
}

// literalString reads a one-line 'string' and returns its value.
func (s *lineScanner) literalString() string {
	start := s.i + 1
	s.i++
	for !s.eof() && s.peek() != '\'' && s.peek() != '\n' {
		s.i++
	}
	v := s.s[start:s.i]
	if !s.eof() && s.peek() == '\'' {
		s.i++
	}
	return v
}

// multiline skips a multi-line string; s.i is at its opening delimiter.
func (s *lineScanner) multiline(quote byte, escapes bool) {
	s.i += 3
	delim := strings.Repeat(string(quote), 3)
	for !s.eof() {
		if escapes && s.peek() == '\\' {
			s.i = min(s.i+2, len(s.s)) // an escape may be the last byte
			continue
		}
		if strings.HasPrefix(s.s[s.i:], delim) {
			s.i += 3
			for n := 0; n < 2 && s.peek() == quote; n++ { // """a"""" ends in a quote
				s.i++
			}
			return
		}
		s.i++
	}
}

// value skips one value, recording the keys of inline tables under path.
func (s *lineScanner) value(path []string) {
	s.skipSpace()
	switch {
	case strings.HasPrefix(s.s[s.i:], `"""`):
		s.multiline('"', true)
	case strings.HasPrefix(s.s[s.i:], `'''`):
		s.multiline('\'', false)
	case s.peek() == '"':
		s.basicString()
	case s.peek() == '\'':
		s.literalString()
	case s.peek() == '[':
		s.i++
		for {
			s.skipBlank()
			if s.eof() { // unterminated array
				return
			}
			if s.peek() == ']' {
				s.i++
				return
			}
			before := s.i
			s.value(path)
			s.skipBlank()
			if s.peek() == ',' {
				s.i++
			} else if s.i == before {
				s.i++ // not a value we know: step over it
			}
		}
	case s.peek() == '{':
		s.i++
		for {
			s.skipBlank()
			if s.eof() { // unterminated inline table
				return
			}
			if s.peek() == '}' {
				s.i++
				return
			}
			start := s.i
			key := s.keyPath()
			s.skipSpace()
			if len(key) == 0 || s.peek() != '=' {
				s.i = start + 1 // not a key we know: step over it
				continue
			}
			s.i++
			sub := append(append([]string(nil), path...), key...)
			s.record(sub, start)
			s.value(sub)
			s.skipBlank()
			if s.peek() == ',' {
				s.i++
			}
		}
	default: // number, boolean, date: up to the next separator
		for !s.eof() && !strings.ContainsRune(" \t\r\n,]}#", rune(s.peek())) {
			s.i++
		}
	}
}
