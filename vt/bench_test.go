package vt

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"runtime"
	"strings"
	"testing"
)

func plainStream() []byte {
	var b bytes.Buffer
	for i := 0; b.Len() < 1<<20; i++ {
		fmt.Fprintf(&b, "line %6d: the quick brown fox jumps over the lazy dog %d\r\n", i, i*7)
	}
	return b.Bytes()
}

func colorStream() []byte {
	var b bytes.Buffer
	for i := 0; b.Len() < 1<<20; i++ {
		fmt.Fprintf(&b, "-rw-r--r-- 1 user user %6d Jan  1 12:00 \x1b[01;34mdir%d\x1b[0m \x1b[38;5;%dmidx\x1b[0m \x1b[38;2;1;2;%dmrgb\x1b[m\r\n", i, i, i%256, i%256)
	}
	return b.Bytes()
}

// scrollStream mirrors the attached-output workload (`head -c 100MB` of a
// text file on an 80x24 terminal): lines of 50-80 columns of mixed words and
// numbers, CRLF-terminated (the pty's ONLCR), where every 4th line carries
// SGR colour changes.
func scrollStream() []byte {
	words := []string{"the", "quick", "brown", "fox", "jumps", "over", "lazy", "dog",
		"func", "return", "error", "nil", "int64", "buffer", "session", "linger",
		"0x7f3a", "12345", "2026-01-01", "/usr/local/bin", "a", "of", "(x, y)", "{}", "==", "+="}
	colors := []string{"\x1b[1;32m", "\x1b[31m", "\x1b[01;34m", "\x1b[38;5;208m", "\x1b[1;4;33m", "\x1b[7m"}
	r := rand.New(rand.NewPCG(1, 2))
	var b bytes.Buffer
	line := make([]byte, 0, 128)
	for i := 0; b.Len() < 1<<20; i++ {
		width := 50 + r.IntN(31)
		line = line[:0]
		cols := 0
		sgr := i%4 == 3
		for {
			w := words[r.IntN(len(words))]
			if cols+len(w)+1 > width {
				break
			}
			if cols > 0 {
				line = append(line, ' ')
				cols++
			}
			colored := sgr && (cols == 0 || r.IntN(8) == 0)
			if colored {
				line = append(line, colors[r.IntN(len(colors))]...)
			}
			line = append(line, w...)
			cols += len(w)
			if colored {
				line = append(line, "\x1b[0m"...)
			}
		}
		for cols < width && width == 80 { // some lines fill the row exactly
			line = append(line, '.')
			cols++
		}
		b.Write(line)
		b.WriteString("\r\n")
	}
	return b.Bytes()
}

func benchWrite(b *testing.B, data []byte) { benchWriteSize(b, data, 80, 24, 1000) }

func benchWriteSize(b *testing.B, data []byte, cols, rows, scrollback int) {
	t := New(cols, rows, scrollback)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		for off := 0; off < len(data); off += 4096 {
			t.Write(data[off:min(off+4096, len(data))])
		}
	}
}

func BenchmarkWritePlain(b *testing.B) { benchWrite(b, plainStream()) }
func BenchmarkWriteColor(b *testing.B) { benchWrite(b, colorStream()) }

// BenchmarkWriteScroll is the attached-output workload: scrolling ~80-column
// text with some SGR, at 80x24 with 2000 lines of scrollback.
func BenchmarkWriteScroll(b *testing.B) { benchWriteSize(b, scrollStream(), 80, 24, 2000) }

func BenchmarkWriteWrap(b *testing.B) {
	var buf bytes.Buffer
	for i := 0; buf.Len() < 1<<20; i++ {
		fmt.Fprintf(&buf, "%d prose with é, ï, — and “quotes” that wraps over the right margin of the screen; 日本語 more words here and there %d\r\n", i, i)
	}
	benchWrite(b, buf.Bytes())
}

func BenchmarkRestore(b *testing.B) {
	t := New(80, 24, 1000)
	t.Write(colorStream()[:8192])
	var w bytes.Buffer
	b.ReportAllocs()
	for range b.N {
		w.Reset()
		t.Restore(&w, 0)
	}
}

// BenchmarkRestoreHistory is an attach's drawing of a full history (2000
// lines of the throughput workload) and the screen.
func BenchmarkRestoreHistory(b *testing.B) {
	t := New(80, 24, 2000)
	t.Write(scrollStream())
	var w bytes.Buffer
	b.ReportAllocs()
	for range b.N {
		w.Reset()
		t.Restore(&w, 2000)
	}
	b.SetBytes(int64(w.Len()))
}

// heapPer returns the heap bytes held per terminal by n terminals made by
// newTerm.
func heapPer(n int, newTerm func() *Terminal) int64 {
	ts := make([]*Terminal, n)
	var m0, m1 runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&m0)
	for i := range ts {
		ts[i] = newTerm()
	}
	runtime.GC()
	runtime.ReadMemStats(&m1)
	runtime.KeepAlive(ts)
	return (int64(m1.HeapAlloc) - int64(m0.HeapAlloc)) / int64(n)
}

// TestMemoryIdle measures the heap held by idle 80x24 terminals: a
// terminal costs memory for the rows drawn, not for its size.
func TestMemoryIdle(t *testing.T) {
	for _, c := range []struct {
		name, in string
		max      int64
	}{
		{"new", "", 4 << 10},
		// A shell that printed its prompt (and set the title).
		{"prompt", "\x1b]0;user@host: ~\x07\x1b[1;32muser@host\x1b[0m:\x1b[1;34m~\x1b[0m$ ", 6 << 10},
		{"ls, vim", "\x1b[1;32muser@host\x1b[0m:~$ ls\r\nfile1  file2\r\n\x1b[?1049h\x1b[2Jvim\x1b[?1049l$ ", 8 << 10},
		{"full screen", strings.Repeat("\r\n"+strings.Repeat("x", 79), 24), 40 << 10},
	} {
		per := heapPer(1000, func() *Terminal {
			term := New(80, 24, 2000)
			term.Write([]byte(c.in))
			return term
		})
		t.Logf("idle 80x24 terminal, %s: %d bytes", c.name, per)
		if per > c.max {
			t.Errorf("idle 80x24 terminal, %s: %d bytes, want <= %d", c.name, per, c.max)
		}
	}
	// Scrollback line cost.
	var m0, m1 runtime.MemStats
	tt := New(80, 24, 10000)
	runtime.GC()
	runtime.ReadMemStats(&m0)
	for i := range 10000 {
		fmt.Fprintf(tt, "line %d: some text of about sixty characters in length....\r\n", i)
	}
	runtime.GC()
	runtime.ReadMemStats(&m1)
	t.Logf("scrollback: %d bytes per ~60-column line", (int64(m1.HeapAlloc)-int64(m0.HeapAlloc))/10000)
	runtime.KeepAlive(tt)
}
