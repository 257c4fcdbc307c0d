package main

// Helper programs that run inside sessions (the harness re-executes itself
// with helperArg), and the deterministic workloads.

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"flag"
	"fmt"
	"hash"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"

	"linger/vt"
)

// helperArg as argv[1] turns the binary into a helper program.
const helperArg = "__lbench_helper"

// helperMain runs helper args[0]:
//
//	echo                      raw mode; each letter typed is drawn at the
//	                          top-left cell ("\r" + letter); READY on row 3
//	screen [-history N] [-done FILE]
//	                          raw mode; prints N history lines, then draws a
//	                          full screen of known text (screenLine) and
//	                          creates FILE; redraws on SIGWINCH and Ctrl-L
func helperMain(args []string) int {
	if len(args) == 0 {
		fmt.Fprintln(os.Stderr, "helper: which one? (echo, screen)")
		return 2
	}
	switch args[0] {
	case "echo":
		return helperEcho()
	case "screen":
		fs := flag.NewFlagSet("screen", flag.ContinueOnError)
		history := fs.Int("history", 0, "history lines printed before the screen")
		done := fs.String("done", "", "file created once the screen is drawn")
		if err := fs.Parse(args[1:]); err != nil {
			return 2
		}
		return helperScreen(*history, *done)
	}
	fmt.Fprintf(os.Stderr, "helper: unknown helper %q\n", args[0])
	return 2
}

// makeRaw puts fd into raw mode (like cfmakeraw) and returns a restore func.
func makeRaw(fd int) func() {
	old, err := unix.IoctlGetTermios(fd, unix.TCGETS)
	if err != nil {
		return func() {}
	}
	t := *old
	t.Iflag &^= unix.IGNBRK | unix.BRKINT | unix.PARMRK | unix.ISTRIP | unix.INLCR | unix.IGNCR | unix.ICRNL | unix.IXON
	t.Oflag &^= unix.OPOST
	t.Lflag &^= unix.ECHO | unix.ECHONL | unix.ICANON | unix.ISIG | unix.IEXTEN
	t.Cflag &^= unix.CSIZE | unix.PARENB
	t.Cflag |= unix.CS8
	t.Cc[unix.VMIN], t.Cc[unix.VTIME] = 1, 0
	unix.IoctlSetTermios(fd, unix.TCSETS, &t)
	return func() { unix.IoctlSetTermios(fd, unix.TCSETS, old) }
}

const echoReady = "LBECHO-READY"

func helperEcho() int {
	defer makeRaw(0)()
	// Drawn at start and again on SIGWINCH or Ctrl-L: tools without screen
	// state (dtach, abduco) discard what was printed while detached.
	ready := func() { os.Stdout.WriteString("\x1b[H\x1b[2J\r\n\r\n" + echoReady + "\x1b[H") }
	ready()
	winch := make(chan os.Signal, 1)
	signal.Notify(winch, syscall.SIGWINCH)
	go func() {
		for range winch {
			ready()
		}
	}()
	buf := make([]byte, 256)
	out := make([]byte, 0, 512)
	for {
		n, err := os.Stdin.Read(buf)
		if err != nil {
			return 0
		}
		out = out[:0]
		for _, b := range buf[:n] {
			switch {
			case b >= 'a' && b <= 'z':
				out = append(out, '\r', b)
			case b == 0x0c:
				ready()
			}
		}
		if len(out) > 0 {
			os.Stdout.Write(out)
		}
	}
}

// screenLine is the text of row i of the helper's full screen of h rows;
// the last row carries the end marker. Lines are printable ASCII, w-1
// columns wide, so nothing wraps.
func screenLine(i, h, w int) string {
	head := fmt.Sprintf("%02d/%02d ", i, h)
	if i == h-1 {
		head += "LBSCREEN-END "
	}
	var b strings.Builder
	b.WriteString(head)
	r := rng(uint64(i)*7919 + 17)
	for b.Len() < w-1 {
		b.WriteString(asciiWords[r.next()%uint64(len(asciiWords))])
		b.WriteByte(' ')
	}
	return b.String()[:w-1]
}

// fullScreen reports whether the emulated screen shows the helper's whole
// screen: h rows of screenLine, h being the rows the session had (a tool's
// status line takes one or two).
func fullScreen(t *vt.Terminal) bool {
	c, r := t.Size()
	for h := r; h >= r-2 && h > 0; h-- {
		last := rowText(t, h-1)
		if !strings.HasPrefix(last, fmt.Sprintf("%02d/%02d LBSCREEN-END", h-1, h)) {
			continue
		}
		ok := true
		for i := 0; i < h && ok; i++ {
			ok = rowText(t, i) == strings.TrimRight(screenLine(i, h, c), " ")
		}
		if ok {
			return true
		}
	}
	return false
}

// historyLine is line i of the history the screen helper prints first.
func historyLine(i int) string {
	return fmt.Sprintf("h%07d history line: the quick brown fox jumps over the lazy dog\r\n", i)
}

// screenDraw is what the screen helper writes to draw its screen of c x r.
func screenDraw(c, r int) string {
	var b strings.Builder
	b.WriteString("\x1b[H\x1b[2J")
	for i := 0; i < r; i++ {
		if i > 0 {
			b.WriteString("\r\n")
		}
		b.WriteString(screenLine(i, r, c))
	}
	return b.String()
}

// writeScreenFile writes what the screen helper prints on an 80x24
// terminal (history, then the screen): the raw baseline cats it.
func writeScreenFile(path string, history int) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 64<<10)
	for i := 0; i < history; i++ {
		w.WriteString(historyLine(i))
	}
	w.WriteString(screenDraw(cols, rows))
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func helperScreen(history int, done string) int {
	defer makeRaw(0)()
	w := bufio.NewWriterSize(os.Stdout, 64<<10)
	for i := 0; i < history; i++ {
		w.WriteString(historyLine(i))
	}
	w.Flush()
	draw := func() {
		ws, err := unix.IoctlGetWinsize(1, unix.TIOCGWINSZ)
		c, r := cols, rows
		if err == nil && ws.Col > 0 && ws.Row > 0 {
			c, r = int(ws.Col), int(ws.Row)
		}
		os.Stdout.WriteString(screenDraw(c, r))
	}
	draw()
	if done != "" {
		if f, err := os.Create(done); err == nil {
			f.Close()
		}
	}
	winch := make(chan os.Signal, 1)
	signal.Notify(winch, syscall.SIGWINCH)
	keys := make(chan byte, 16)
	go func() {
		buf := make([]byte, 256)
		for {
			n, err := os.Stdin.Read(buf)
			if err != nil {
				close(keys)
				return
			}
			for _, b := range buf[:n] {
				if b == 0x0c {
					keys <- b
				}
			}
		}
	}()
	for {
		select {
		case <-winch:
			draw()
		case _, ok := <-keys:
			if !ok {
				return 0
			}
			draw()
		}
	}
}

// rng is splitmix64: a fixed seed gives the same workload on every run.
type rng uint64

func (r *rng) next() uint64 {
	*r += 0x9e3779b97f4a7c15
	z := uint64(*r)
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

var asciiWords = strings.Fields(`the server client session socket buffer output input terminal
	screen attach detach linger tmux window pane error warning info debug request
	reply frame byte offset kernel process signal resize scroll cursor colour line
	build test deploy commit merge branch cache queue worker thread timeout retry`)

// Words with multi-byte UTF-8, all one column wide.
var utf8Words = strings.Fields(`café naïve résumé über façade → ✓ ─── ±0.5 µs Ω déjà`)

// writeMixed writes about size bytes of log-like text: lines of 10-79
// columns, every 4th with SGR colours (16, 256 and bold), some UTF-8; each
// line ends "\n". It returns the exact number of bytes written.
func writeMixed(w io.Writer, size int64) (int64, error) {
	bw := bufio.NewWriterSize(w, 256<<10)
	r := rng(1)
	var n int64
	var line []byte
	sgr := []string{"\x1b[31m", "\x1b[1;32m", "\x1b[33m", "\x1b[1;34m", "\x1b[35m", "\x1b[36m", "\x1b[7m", "\x1b[4m"}
	for i := 0; n < size; i++ {
		line = line[:0]
		width := 10 + int(r.next()%70)
		col := 0
		colour := i%4 == 0
		if colour {
			line = fmt.Appendf(line, "\x1b[38;5;%dm%06d\x1b[0m ", r.next()%256, i%1000000)
			col = 7
		}
		for {
			word := asciiWords[r.next()%uint64(len(asciiWords))]
			if r.next()%8 == 0 {
				word = utf8Words[r.next()%uint64(len(utf8Words))]
			}
			wl := len([]rune(word))
			if col+wl+1 > width {
				break
			}
			if colour && r.next()%3 == 0 {
				line = append(line, sgr[r.next()%uint64(len(sgr))]...)
				line = append(line, word...)
				line = append(line, "\x1b[0m"...)
			} else {
				line = append(line, word...)
			}
			line = append(line, ' ')
			col += wl + 1
		}
		line = append(line, '\n')
		if _, err := bw.Write(line); err != nil {
			return n, err
		}
		n += int64(len(line))
	}
	return n, bw.Flush()
}

// writeNumbered writes about size bytes of lines "L%08d text", 60-79
// columns, for the detached test (which lines survive is read off the
// numbers). It returns the byte count and the number of lines.
func writeNumbered(w io.Writer, size int64) (int64, int, error) {
	bw := bufio.NewWriterSize(w, 256<<10)
	r := rng(2)
	var n int64
	var line []byte
	i := 0
	for ; n < size; i++ {
		line = fmt.Appendf(line[:0], "L%08d", i)
		width := 60 + int(r.next()%20)
		for {
			word := asciiWords[r.next()%uint64(len(asciiWords))]
			if len(line)+1+len(word) > width {
				break
			}
			line = append(line, ' ')
			line = append(line, word...)
		}
		line = append(line, '\n')
		if _, err := bw.Write(line); err != nil {
			return n, i, err
		}
		n += int64(len(line))
	}
	return n, i, bw.Flush()
}

// onlcr is an io.Writer that hashes what a pty with ONLCR makes of the
// bytes written to it ("\n" becomes "\r\n"): the byte-exact output a
// session's reader should get back.
type onlcr struct {
	h hash.Hash
	n int64
}

func newONLCR() *onlcr { return &onlcr{h: sha256.New()} }

func (o *onlcr) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			o.h.Write(p)
			o.n += int64(len(p))
			break
		}
		o.h.Write(p[:i])
		o.h.Write([]byte("\r\n"))
		o.n += int64(i) + 2
		p = p[i+1:]
	}
	return n, nil
}

func (o *onlcr) sum() string { return fmt.Sprintf("%x", o.h.Sum(nil)) }

// hashCounter hashes and counts what is written to it.
type hashCounter struct {
	h hash.Hash
	n int64
}

func newHashCounter() *hashCounter { return &hashCounter{h: sha256.New()} }

func (c *hashCounter) Write(p []byte) (int, error) {
	c.h.Write(p)
	c.n += int64(len(p))
	return len(p), nil
}

func (c *hashCounter) sum() string { return fmt.Sprintf("%x", c.h.Sum(nil)) }
