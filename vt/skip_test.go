package vt

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"unicode/utf8"
)

// plainAlphabet maps fuzz bytes to the plain run FastForward skips over,
// weighted towards line ends so that small terminals get enough lines.
var plainAlphabet = []string{
	"\r\n", "\r\n", "\r\n", "\n", "\r", "a", "Z", " ", "~", "é", "日", "👍🏽", "e\u0301",
	"\t", "\b", "\a", "\x1b[1m", "\x1b[38;5;196m", "\x1b[0m", "\x1b[48:2::1:2:3m", "\x1b[4;7m",
	"\x1b[m", "xyzzy plugh", "\r\nq",
}

// checkFastForward writes prefix, then the backlog (split into chunks at
// cuts) into two terminals: one byte by byte through Write, the other
// through FastForward and then Write from where it stopped. Both must end
// in the same state, also after a REP that repeats the last character.
func checkFastForward(t *testing.T, cols, rows, sb int, prefix, backlog []byte, cuts []int) int {
	t.Helper()
	full := New(cols, rows, sb)
	full.SetReply(func([]byte) {})
	full.Write(prefix)
	ff := New(cols, rows, sb)
	ff.SetReply(func([]byte) {})
	ff.Write(prefix)

	var chunks [][]byte
	last := 0
	for _, c := range cuts {
		if c > last && c < len(backlog) {
			chunks = append(chunks, backlog[last:c])
			last = c
		}
	}
	chunks = append(chunks, backlog[last:])
	for _, c := range chunks {
		full.Write(c)
	}
	n := ff.FastForward(chunks)
	if n < 0 || n > len(backlog) {
		t.Fatalf("FastForward = %d of %d bytes", n, len(backlog))
	}
	ff.Write(backlog[n:])
	for _, term := range []*Terminal{full, ff} {
		term.Write([]byte("\x1b[2b|"))
	}
	if d := diffState(ff, full); d != "" {
		t.Fatalf("after skipping %d of %d bytes: %s\nprefix %q\nbacklog %q", n, len(backlog), d, prefix, backlog)
	}
	if a, b := ff.Text(sb, true), full.Text(sb, true); a != b {
		t.Fatalf("after skipping %d bytes: text %q, want %q", n, a, b)
	}
	return n
}

// FuzzFastForward: any state (an arbitrary prefix), then a plain run,
// then arbitrary bytes; the run and the tail cut into chunks anywhere.
func FuzzFastForward(f *testing.F) {
	f.Add([]byte("\x1b[31mhello"), []byte("\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x17"), []byte("\x1b[5;5H"), uint8(10), uint8(3), uint8(2), uint16(7))
	f.Add([]byte("\x1b[?1049h"), bytes.Repeat([]byte{0, 1, 2}, 30), []byte("\x1b[A\x1b[3b"), uint8(5), uint8(2), uint8(0), uint16(13))
	f.Add([]byte("\x1b[2;3r"), bytes.Repeat([]byte{0, 22, 5}, 30), []byte(""), uint8(7), uint8(4), uint8(3), uint16(1))
	f.Fuzz(func(t *testing.T, prefix, run, tail []byte, cols, rows, sb uint8, cut uint16) {
		c, r, s := int(cols%20)+1, int(rows%6)+1, int(sb%6)
		var b strings.Builder
		for _, x := range run {
			b.WriteString(plainAlphabet[int(x)%len(plainAlphabet)])
		}
		backlog := append([]byte(b.String()), tail...)
		cuts := []int{int(cut) % (len(backlog) + 1), int(cut) * 7 % (len(backlog) + 1)}
		if cuts[0] > cuts[1] {
			cuts[0], cuts[1] = cuts[1], cuts[0]
		}
		checkFastForward(t, c, r, s, prefix, backlog, cuts)
	})
}

// TestFastForward: a long log-like run is mostly skipped, with the
// state exact; states and runs that must not be skipped are not.
func TestFastForward(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var log bytes.Buffer
	for i := range 5000 {
		if i%4 == 0 {
			log.WriteString("\x1b[1;38;5;" + string(rune('0'+i%10)) + "m")
		}
		for range rng.IntN(90) {
			log.WriteByte(byte('a' + rng.IntN(26)))
		}
		if i%4 == 0 {
			log.WriteString("\x1b[0m")
		}
		if i%97 == 0 {
			log.WriteString("ünïcödé 日本")
		}
		log.WriteString("\r\n")
	}
	log.WriteString("\x1b[33mprompt$ \x1b]0;title\a\x1b[?2004h")
	backlog := log.Bytes()
	cuts := []int{4096, 65536, 100000, 150001}
	n := checkFastForward(t, 80, 24, 2000, []byte("\x1b[4mstart\r\n"), backlog, cuts)
	if n < len(backlog)/2 {
		t.Errorf("skipped %d of %d bytes, want most of them", n, len(backlog))
	}
	for _, tc := range []struct {
		name, prefix string
	}{
		{"alternate screen", "\x1b[?1049h"},
		{"scroll region", "\x1b[3;10r"},
		{"inside a sequence", "\x1b[3"},
	} {
		if n := checkFastForward(t, 80, 24, 2000, []byte(tc.prefix), backlog, cuts); n != 0 {
			t.Errorf("%s: skipped %d bytes, want none", tc.name, n)
		}
	}
	// A pen set by an SGR too long to read back (over maxSeq) and never
	// reset: the run ends there, and the tail is drawn with that pen.
	long := append([]byte("\x1b["+strings.Repeat("1;", 40)+"31m"), bytes.Repeat([]byte("red\r\n"), 3000)...)
	checkFastForward(t, 80, 24, 2000, nil, append(bytes.Repeat([]byte("x\r\n"), 3000), long...), nil)

	// Not enough lines after the run's end for the history to be rewritten.
	short := bytes.Repeat([]byte("line\r\n"), 2*24+2000-1)
	if n := checkFastForward(t, 80, 24, 2000, nil, short, nil); n != 0 {
		t.Errorf("skipped %d bytes of a run that is too short", n)
	}
	// A cursor movement ends the run: only what precedes it by enough
	// lines is skipped.
	moved := append(bytes.Repeat([]byte("line\r\n"), 3000), "\x1b[H"...)
	moved = append(moved, bytes.Repeat([]byte("more\r\n"), 3000)...)
	if n := checkFastForward(t, 80, 24, 2000, nil, moved, nil); n == 0 || n > 3000*6-(2*24+2000)*6 {
		t.Errorf("skipped %d bytes around a cursor movement", n)
	}
}

// BenchmarkFastForward: a 1 MiB backlog of log lines, skipped and the
// rest written, against BenchmarkWriteLog writing it all.
func BenchmarkFastForward(b *testing.B) { benchLog(b, true) }

func BenchmarkWriteLog(b *testing.B) { benchLog(b, false) }

func benchLog(b *testing.B, skip bool) {
	rng := rand.New(rand.NewPCG(3, 4))
	var log bytes.Buffer
	for i := 0; log.Len() < 1<<20; i++ {
		if i%4 == 0 {
			log.WriteString("\x1b[1;38;5;200m")
		}
		for range 10 + rng.IntN(70) {
			log.WriteByte(byte('a' + rng.IntN(26)))
		}
		if i%4 == 0 {
			log.WriteString("\x1b[0m")
		}
		log.WriteString("\r\n")
	}
	chunks := [][]byte{}
	for p := log.Bytes(); len(p) > 0; {
		n := min(len(p), 64<<10)
		chunks = append(chunks, p[:n])
		p = p[n:]
	}
	t := New(80, 24, 2000)
	b.SetBytes(int64(log.Len()))
	b.ResetTimer()
	for range b.N {
		n := 0
		if skip {
			n = t.FastForward(chunks)
		}
		for _, c := range chunks {
			if n >= len(c) {
				n -= len(c)
				continue
			}
			t.Write(c[n:])
			n = 0
		}
	}
}

// BenchmarkFastForwardMixed: FastForward alone (the scan and the skip) on
// a 1 MiB backlog like bench's throughput text: lines of 10-79 columns,
// every 4th coloured (a 256-colour number, SGRs around some words), one
// word in 8 with multi-byte UTF-8.
func BenchmarkFastForwardMixed(b *testing.B) {
	rng := rand.New(rand.NewPCG(5, 6))
	ascii := strings.Fields("session server client socket attach detach buffer output input terminal pty kernel line scroll")
	utf := strings.Fields("café naïve résumé über façade → ✓ ─── ±0.5 µs Ω déjà")
	var log bytes.Buffer
	for i := 0; log.Len() < 1<<20; i++ {
		width, col := 10+rng.IntN(70), 0
		colour := i%4 == 0
		if colour {
			fmt.Fprintf(&log, "\x1b[38;5;%dm%06d\x1b[0m ", rng.IntN(256), i)
			col = 7
		}
		for {
			w := ascii[rng.IntN(len(ascii))]
			if rng.IntN(8) == 0 {
				w = utf[rng.IntN(len(utf))]
			}
			if col+utf8.RuneCountInString(w)+1 > width {
				break
			}
			if colour && rng.IntN(3) == 0 {
				w = "\x1b[1;32m" + w + "\x1b[0m"
			}
			log.WriteString(w + " ")
			col += utf8.RuneCountInString(w) + 1
		}
		log.WriteString("\r\n")
	}
	var chunks [][]byte
	for p := log.Bytes(); len(p) > 0; {
		n := min(len(p), 64<<10)
		chunks = append(chunks, p[:n])
		p = p[n:]
	}
	t := New(80, 24, 2000)
	b.SetBytes(int64(log.Len()))
	for b.Loop() {
		if t.FastForward(chunks) == 0 {
			b.Fatal("nothing skipped")
		}
	}
}

// TestUTF8Len: the scan's UTF-8 check agrees with utf8.DecodeRune on
// every lead byte it is asked about, any two bytes after it (and a few
// third ones), and every prefix of those.
func TestUTF8Len(t *testing.T) {
	want := func(p []byte) int {
		if !utf8.FullRune(p) {
			return -1
		}
		if _, m := utf8.DecodeRune(p); m > 1 {
			return m
		}
		return 0
	}
	p := make([]byte, 4)
	for b0 := 0xc2; b0 <= 0xf4; b0++ {
		for b1 := range 256 {
			for b2 := range 256 {
				for _, b3 := range []byte{0x00, 0x41, 0x80, 0xbf, 0xc0} {
					p[0], p[1], p[2], p[3] = byte(b0), byte(b1), byte(b2), b3
					for n := 1; n <= 4; n++ {
						if got, w := utf8Len(p[:n]), want(p[:n]); got != w {
							t.Fatalf("utf8Len(% x) = %d, want %d", p[:n], got, w)
						}
					}
				}
			}
		}
	}
}
