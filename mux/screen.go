package mux

// A session's screen: the terminal emulator (package vt) every byte of the
// program's output is fed to, so that an attach can restore what the
// session's terminal shows and capture can print it.
//
// Feeding is off the clients' path. The pump delivers a chunk to the
// attached clients first and keeps it in the output buffer (outbuf) as it
// always does; the emulator then reads the buffer from its own offset
// (outbuf.fed), in a feeder goroutine that runs only while there is
// something to read; a few KiB with no feeder running and nothing waiting
// (an echo, a prompt) the pump feeds itself once the clients have them.
// The buffer keeps bytes until the emulator has seen them, even once
// received or dropped, so nothing is copied twice. If the emulator falls
// maxUnfed bytes behind, the pump feeds it itself, which bounds that
// memory and slows the program down instead.
//
// Output an owner's terminal got is fed lazily, once lazyFeed bytes wait
// or the output pauses for settleDelay (settleMax at most; see
// kickFeederLocked): a big backlog lets the emulator skip all of a long
// run of plain lines but the last ones it must keep
// (vt.Terminal.FastForward, exact), and those wait for the next feed,
// which can skip them in turn (feeder). A `cat` of a big file costs the
// emulator its last lines and a scan of the rest.
//
// Whoever reads the emulator (attach, capture, a resize) first catches it
// up with the buffer under vmu: what it reads is the state after exactly
// the bytes delivered so far. An attach also holds dmu, so that no output
// is delivered between its snapshot and the client's first live byte.
// vmu is never held while writing to a client.
//
// Terminal queries (DA, DSR/CPR, DECRQM, OSC 10/11) are answered by
// exactly one party: output an owner's terminal received is answered by
// that terminal; output nobody's terminal got (detached, or only
// read-only clients, whose input is ignored) is answered by the emulator,
// into the program's input, so programs do not hang. deliver records where
// that flips (screen.flips), and the feeder answers accordingly.

import (
	"io"
	"strings"
	"sync"
	"time"

	"linger/config"
	"linger/vt"
)

// maxUnfed is how far the emulator may lag behind the program's output
// before the pump feeds it itself.
const maxUnfed = 1 << 20

// feedStep is how much the feeder reads under vmu at a time, so a reader
// of the emulator waits at most for one step.
const feedStep = 64 << 10

// Screen is what a session needs of a terminal emulator. Package vt's
// Terminal is the one used (newScreen); it stays behind this interface so
// that another can be swapped in and measured (the corpus test in vt and
// the restore tests at the top level check any of them).
type Screen interface {
	io.Writer
	Resize(cols, rows int)
	SetReply(func([]byte))                // answers to queries; see the package comment
	Restore(w io.Writer, scrollback int)  // draw the state into a fresh terminal
	Text(scrollback int, sgr bool) string // history lines then screen rows, "\n"-joined
	Size() (cols, rows int)
	Cursor() (x, y int)
	ScrollbackLen() int
	AltScreen() bool
	Modes() vt.Modes // the modes the program set (bracketed paste, cursor keys) for send
	// ScreenText is the screen as wait --until matches it (see
	// vt.Terminal.ScreenText).
	ScreenText() string
	// FastForward skips what it can at the start of a backlog of output
	// not yet written, applying its lasting effect, and returns how many
	// bytes it skipped (see vt's skip.go).
	FastForward(backlog [][]byte) int
}

// newScreen makes a session's emulator.
var newScreen = func(cols, rows, scrollback int) Screen { return vt.New(cols, rows, scrollback) }

// screen is a session's emulator state, part of sessionExtra.
type screen struct {
	// vmu is held while the emulator is fed or read. Lock order: dmu,
	// vmu, mu.
	vmu  sync.Mutex
	term Screen // made on the first output (vmu)

	// answer says the emulator answers queries in what it is fed now
	// (vmu).
	answer bool
	data   [][]byte // scratch for what is fed, so feeding allocates nothing (vmu)
	noSkip int64    // no FastForward before this offset: the last try scanned up to it (vmu)

	// Under the session's mu:
	feeding  bool      // a feeder goroutine runs
	settling bool      // a settleDelay timer will start the feeder
	settleAt int64     // the buffer's end when that timer was set
	waiting  time.Time // when output began waiting for the next settle feed
	owned    bool      // the last output delivered reached an owner's terminal
	flips    []int64   // offsets from which owned flips, for the feeder
}

// noteOwned records, for the output about to be kept at offset off,
// whether an owner's terminal got it. mu is held.
func (x *sessionExtra) noteOwned(off int64, owned bool) {
	if owned != x.scr.owned {
		x.scr.owned = owned
		x.scr.flips = append(x.scr.flips, off)
	}
}

// kickFeederLocked starts a feeder if the emulator has bytes to read and
// none runs; it reports whether the pump should feed it itself (a little,
// or it is too far behind). mu is held.
//
// A little output with no feeder running (a key's echo, a prompt) is fed
// by the pump itself, after the clients got it: cheaper than waking a
// goroutine, and it keeps the second core free for the client's side.
//
// While an owner's terminal gets the output (it answers the queries, and
// shows what the emulator would), more output is fed lazily: the feeder
// starts once lazyFeed bytes wait, or once the output has paused for
// settleDelay or waited settleMax (settled). Feeding a big backlog at once lets the emulator
// skip all but its last lines (vt's FastForward).
func (s *Session) kickFeederLocked(x *sessionExtra) (catchUp bool) {
	n := x.buf.unfed()
	if n == 0 {
		return false
	}
	if !x.scr.feeding {
		// A settle pending for an owner's output: this waits with it.
		// Otherwise the emulator may have to answer a query in it now.
		if n <= inlineFeed && !(x.scr.owned && x.scr.settling) {
			return true
		}
		if x.scr.owned && n < lazyFeed {
			s.settleLocked(x)
			return false
		}
		x.scr.feeding = true
		go s.feeder(x)
	}
	return n > maxUnfed
}

// settleLocked makes sure the feeder starts settleDelay from now at the
// latest, or, while an owner's output keeps coming, once it pauses for
// settleDelay, settleMax has passed or lazyFeed bytes wait. mu is held.
func (s *Session) settleLocked(x *sessionExtra) {
	if !x.scr.settling {
		x.scr.waiting = time.Now()
		s.armSettleLocked(x)
	}
}

// armSettleLocked sets the settle timer. mu is held.
func (s *Session) armSettleLocked(x *sessionExtra) {
	x.scr.settling = true
	x.scr.settleAt = x.buf.end
	time.AfterFunc(settleDelay, func() { s.settled(x) })
}

// settled starts the feeder for what waited settleDelay, unless more of
// an owner's output came meanwhile and it has waited less than settleMax:
// then it waits again. Output that keeps coming at less than skipMin per
// settleDelay would otherwise be written whole into the emulator, never
// skipped. Nobody misses the emulator's lag: the owner's terminal answers
// the queries in that output, and everyone who reads the emulator catches
// it up first. lazyFeed bounds the bytes waiting, and settleMax how long.
func (s *Session) settled(x *sessionExtra) {
	s.mu.Lock()
	defer s.mu.Unlock()
	x.scr.settling = false
	if x.scr.feeding || x.buf.unfed() == 0 {
		return
	}
	if x.scr.owned && x.buf.end > x.scr.settleAt && time.Since(x.scr.waiting) < settleMax {
		s.armSettleLocked(x)
		return
	}
	x.scr.feeding = true
	go s.feeder(x)
}

// inlineFeed is the most output the pump feeds to the emulator itself when
// no feeder runs.
const inlineFeed = 4 << 10

// lazyFeed is how much output an owner's terminal got may wait for the
// emulator (see kickFeederLocked).
const lazyFeed = 768 << 10

// settleDelay is the pause in an owner's output after which the emulator
// is fed what waited, and settleMax how long output that keeps coming
// waits at most (see settled): at under 1 MB/s a session holds less than
// skipMin for it. settleDelay is a var: a test lengthens it, to count the
// bytes fed in a burst regardless of pauses the machine makes.
var settleDelay = 20 * time.Millisecond

const settleMax = 250 * time.Millisecond

// skipMin is the backlog from which the feeder tries to skip (vt's
// FastForward needs 2*rows+scrollback_lines lines after the skip: ~100 KB
// of a log at 80x24 with the default 2000 lines).
const skipMin = 256 << 10

// feeder feeds the emulator until it has seen everything or, while an
// owner's terminal gets the output, until what came meanwhile may wait
// again. Lazily fed output the emulator could skip into is left at the
// skip: the lines it must keep (FastForward's tail, ~100 KB of a log)
// wait for the next feed, which skips them in turn if more lines have
// followed, so a long `cat` is written into the emulator only at its end.
// Writing each feed's tail, as it did before, wrote 22-25% of a long `cat`
// into the emulator.
func (s *Session) feeder(x *sessionExtra) {
	for {
		s.mu.Lock()
		lazy := x.scr.owned
		s.mu.Unlock()
		x.scr.vmu.Lock()
		_, kept := s.feedLocked(x, feedStep, lazy)
		scanned := x.scr.noSkip
		x.scr.vmu.Unlock()
		s.mu.Lock()
		n := x.buf.unfed()
		if n == 0 || x.scr.owned && n < lazyFeed && (kept || x.buf.fed >= scanned) {
			x.scr.feeding = false
			if n > 0 {
				s.settleLocked(x)
			}
			s.mu.Unlock()
			return
		}
		s.mu.Unlock()
	}
}

// catchUp feeds the emulator everything delivered so far. vmu is held.
func (s *Session) catchUpLocked(x *sessionExtra) {
	for {
		if more, _ := s.feedLocked(x, 1<<62, false); !more {
			return
		}
	}
}

// feedLocked feeds the emulator up to limit bytes of what it has not seen
// and reports whether more is left. With keepTail, a backlog the emulator
// skipped into is left at the skip (kept): the rest waits for a later
// feed (see feeder). vmu is held, not mu.
func (s *Session) feedLocked(x *sessionExtra, limit int64, keepTail bool) (more, kept bool) {
	s.mu.Lock()
	data, end := x.buf.feed(x.scr.data[:0])
	off := x.buf.fed
	flips := append([]int64(nil), x.scr.flips...)
	s.mu.Unlock()
	if len(data) == 0 {
		return false, false
	}
	t := s.termLocked(x)
	all := data
	if skipped := s.fastForwardLocked(x, t, data, off, end-off); skipped > 0 {
		off += skipped
		for len(data) > 0 && skipped >= int64(len(data[0])) {
			skipped -= int64(len(data[0]))
			data = data[1:]
		}
		if len(data) > 0 {
			data[0] = data[0][skipped:]
		}
		for len(flips) > 0 && flips[0] < off { // one at off applies from off on
			x.scr.answer = !x.scr.answer
			flips = flips[1:]
		}
		if keepTail {
			x.scr.noSkip = off // the next feed scans the tail again
			data, kept = nil, true
		}
	}
	n := int64(0)
	for _, p := range data {
		if int64(len(p)) > limit-n {
			p = p[:limit-n]
		}
		for len(p) > 0 {
			// up to the next flip of who answers queries
			seg := p
			for len(flips) > 0 && flips[0] <= off {
				x.scr.answer = !x.scr.answer
				flips = flips[1:]
			}
			if len(flips) > 0 && flips[0] < off+int64(len(seg)) {
				seg = seg[:flips[0]-off]
			}
			t.Write(seg)
			off += int64(len(seg))
			n += int64(len(seg))
			p = p[len(seg):]
		}
		if n >= limit {
			break
		}
	}
	clear(all) // hold no chunk the buffer frees
	x.scr.data = all[:0]
	s.mu.Lock()
	x.buf.setFed(off)
	// forget the flips passed: each before off was applied above
	i := 0
	for i < len(x.scr.flips) && x.scr.flips[i] < off {
		i++
	}
	x.scr.flips = x.scr.flips[i:]
	if len(x.scr.flips) == 0 {
		x.scr.flips = nil
	}
	more = x.buf.unfed() > 0
	s.mu.Unlock()
	return more, kept
}

// fastForwardLocked lets the emulator skip what it can of a big backlog
// (data: total bytes from offset off) and returns how many bytes it
// skipped. The bytes skipped hold no query (vt.FastForward skips only plain
// output), so who answers queries does not matter there; feedLocked then
// applies the flips passed. vmu is held, not mu.
func (s *Session) fastForwardLocked(x *sessionExtra, t Screen, data [][]byte, off, total int64) int64 {
	if off < x.scr.noSkip || total < skipMin {
		return 0
	}
	// Scan each byte once: the next try is for output after this backlog
	// (the feeder comes back every feedStep; rescanning what it then
	// writes anyway would cost more than writing it).
	x.scr.noSkip = off + total
	return int64(t.FastForward(data))
}

// termLocked returns the emulator, making it at the pty's size. vmu is
// held.
func (s *Session) termLocked(x *sessionExtra) Screen {
	if x.scr.term == nil {
		cols, rows := s.proc.Size()
		x.scr.term = newScreen(cols, rows, s.conf.ScrollbackLines)
		x.scr.answer = true // nobody's terminal got output before the first flip
		x.scr.term.SetReply(func(p []byte) {
			if x.scr.answer {
				s.proc.TryWrite(p) // never blocks: a program not reading its input loses the answer
			}
		})
	}
	return x.scr.term
}

// resizeLocked resizes the pty and the emulator together: the emulator is
// caught up first, so that the output written at the old size is
// interpreted at the old size. vmu is held.
func (s *Session) resizeLocked(x *sessionExtra, cols, rows int) error {
	if x != nil {
		s.catchUpLocked(x)
	}
	if err := s.proc.Resize(cols, rows); err != nil {
		return err
	}
	if x != nil && x.scr.term != nil {
		x.scr.term.Resize(cols, rows)
	}
	return nil
}

// clearScreen is what restoring a session that never printed draws.
const clearScreen = "\x1b[0m\x1b[H\x1b[2J"

// drawLocked renders what brings a fresh terminal to the session's state
// for restore mode mode. vmu is held and the emulator caught up.
func (s *Session) drawLocked(x *sessionExtra, mode string) []byte {
	if mode == config.RestoreNone {
		return nil
	}
	if x == nil || x.scr.term == nil {
		return []byte(clearScreen)
	}
	lines := 0
	if mode == config.RestoreLines {
		lines = s.conf.ScrollbackLines
	}
	var w byteWriter
	x.scr.term.Restore(&w, lines)
	return w
}

type byteWriter []byte

func (w *byteWriter) Write(p []byte) (int, error) {
	*w = append(*w, p...)
	return len(p), nil
}

// AltScreen reports whether the session's terminal is on the alternate
// screen after the output delivered so far.
func (s *Session) AltScreen() bool {
	s.mu.Lock()
	x := s.x
	s.mu.Unlock()
	if x == nil {
		return false
	}
	x.scr.vmu.Lock()
	defer x.scr.vmu.Unlock()
	s.catchUpLocked(x)
	return x.scr.term != nil && x.scr.term.AltScreen()
}

// Capture is a session's screen as capture prints it.
type Capture struct {
	Cols, Rows int
	CursorX    int      // 0-based column
	CursorY    int      // 0-based row of the screen
	History    []string // the last lines of history asked for, oldest first
	Screen     []string // the screen's rows, top to bottom
}

// Capture returns the session's screen and the last scrollback lines of
// its history, as text without trailing blanks (with SGR sequences if
// sgr). It catches the emulator up with everything delivered so far and
// changes nothing else: it works on any session, attached or not.
func (s *Session) Capture(scrollback int, sgr bool) Capture {
	s.mu.Lock()
	x := s.x
	s.mu.Unlock()
	cols, rows := s.proc.Size()
	c := Capture{Cols: cols, Rows: rows, Screen: make([]string, rows)}
	if x == nil {
		return c
	}
	x.scr.vmu.Lock()
	defer x.scr.vmu.Unlock()
	s.catchUpLocked(x)
	t := x.scr.term
	if t == nil {
		return c
	}
	c.Cols, c.Rows = t.Size()
	c.CursorX, c.CursorY = t.Cursor()
	n := min(max(scrollback, 0), t.ScrollbackLen())
	lines := strings.Split(t.Text(n, sgr), "\n")
	c.History, c.Screen = lines[:n], lines[n:]
	return c
}
