package main

// The outer terminal: a pty whose master the harness owns. A client (or, for
// the raw baseline, the workload itself) runs on the slave; one goroutine
// drains the master as fast as it can, counts bytes, looks for an awaited
// marker in the raw byte stream and, when asked to, feeds a linger/vt
// emulator so the harness can see what a user's terminal would show.

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/creack/pty"

	"linger/vt"
)

const (
	cols = 80
	rows = 24
)

type outer struct {
	cmd     *exec.Cmd
	pt      *procTable
	pty     *os.File
	started time.Time     // just before the process was started
	done    chan struct{} // reader finished (EIO: the slave side is gone)
	exited  chan struct{} // process waited for
	exitAt  time.Time

	mu      sync.Mutex
	n       int64     // bytes read from the master
	firstAt time.Time // first byte
	lastAt  time.Time // latest byte
	term    *vt.Terminal
	tail    []byte // last bytes of the stream, for markers split across reads
	marker  []byte
	pred    func(*vt.Terminal) bool
	hitAt   time.Time
	hit     chan struct{}
	trace   *os.File                      // every byte read, with -trace
	tap     func(p []byte, now time.Time) // sees every read, under mu (setTap)
}

// startOuter runs argv on the slave of a new 80x24 pty. With screen, what
// arrives is fed to a terminal emulator from the first byte; with pred
// (implies screen) a wait for pred is armed before the process starts.
func startOuter(pt *procTable, argv, env []string, dir string, screen bool, pred func(*vt.Terminal) bool) (*outer, error) {
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env, cmd.Dir = env, dir
	o := &outer{cmd: cmd, pt: pt, done: make(chan struct{}), exited: make(chan struct{})}
	if screen || pred != nil {
		o.term = vt.New(cols, rows, 0)
	}
	if pred != nil {
		o.pred, o.hit = pred, make(chan struct{})
	}
	pt.mu.Lock() // no orphan reaping between fork and registration
	if pt.closing {
		pt.mu.Unlock()
		return nil, errClosing
	}
	o.started = time.Now()
	f, err := pty.StartWithSize(cmd, &pty.Winsize{Cols: cols, Rows: rows})
	if err == nil {
		pt.live[cmd.Process.Pid] = true
	}
	pt.mu.Unlock()
	if err != nil {
		return nil, fmt.Errorf("cannot start %s on a pty (%v)", argv[0], err)
	}
	o.pty = f
	if traceDir != "" {
		traceSeq++
		name := fmt.Sprintf("%04d-%s.out", traceSeq, strings.ReplaceAll(strings.Join(argv, " "), "/", "_"))
		if len(name) > 120 {
			name = name[:120]
		}
		o.trace, _ = os.Create(filepath.Join(traceDir, name))
	}
	go o.drain()
	go func() {
		pt.wait(cmd)
		o.mu.Lock()
		o.exitAt = time.Now()
		o.mu.Unlock()
		close(o.exited)
	}()
	return o, nil
}

// traceDir (-trace) receives a file per outer terminal with every byte it
// read; traceSeq numbers them. Set before any outer starts.
var (
	traceDir string
	traceSeq int
)

func (o *outer) drain() {
	defer close(o.done)
	if o.trace != nil {
		defer o.trace.Close()
	}
	buf := make([]byte, 64<<10)
	for {
		n, err := o.pty.Read(buf)
		if n > 0 {
			o.feed(buf[:n], time.Now())
		}
		if err != nil {
			return
		}
	}
}

func (o *outer) feed(p []byte, now time.Time) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.n == 0 {
		o.firstAt = now
	}
	if o.trace != nil {
		o.trace.Write(p)
	}
	o.n += int64(len(p))
	o.lastAt = now
	if o.tap != nil {
		o.tap(p, now)
	}
	if o.term != nil {
		o.term.Write(p)
	}
	if o.hit == nil || !o.hitAt.IsZero() {
		o.keepTail(p)
		return
	}
	switch {
	case o.marker != nil:
		if bytes.Contains(p, o.marker) || o.spans(p) {
			o.hitAt = now
			close(o.hit)
		}
	case o.pred != nil && o.term != nil:
		if o.pred(o.term) {
			o.hitAt = now
			close(o.hit)
		}
	}
	o.keepTail(p)
}

// spans reports whether the marker straddles the previous read and p.
func (o *outer) spans(p []byte) bool {
	k := len(o.marker) - 1
	if k <= 0 || len(o.tail) == 0 {
		return false
	}
	j := append(append([]byte(nil), o.tail...), p[:min(k, len(p))]...)
	return bytes.Contains(j, o.marker)
}

func (o *outer) keepTail(p []byte) {
	const keep = 64
	if len(p) >= keep {
		o.tail = append(o.tail[:0], p[len(p)-keep:]...)
		return
	}
	o.tail = append(o.tail, p...)
	if len(o.tail) > keep {
		o.tail = o.tail[len(o.tail)-keep:]
	}
}

// setTap makes f see every read from now on, with its time (nil: none).
func (o *outer) setTap(f func(p []byte, now time.Time)) {
	o.mu.Lock()
	o.tap = f
	o.mu.Unlock()
}

// expect arms a wait for marker in the bytes read from now on.
func (o *outer) expect(marker string) {
	o.mu.Lock()
	o.marker, o.pred = []byte(marker), nil
	o.tail = o.tail[:0]
	o.hitAt, o.hit = time.Time{}, make(chan struct{})
	o.mu.Unlock()
}

// expectScreen arms a wait for pred to hold on the emulated screen after a
// read; it is checked at once too (the screen may already be there).
func (o *outer) expectScreen(pred func(*vt.Terminal) bool) {
	o.mu.Lock()
	o.marker, o.pred = nil, pred
	o.hitAt, o.hit = time.Time{}, make(chan struct{})
	if o.term != nil && o.n > 0 && pred(o.term) {
		o.hitAt = o.lastAt
		close(o.hit)
	}
	o.mu.Unlock()
}

var errTimeout = errors.New("timed out")

// wait returns when the armed marker or screen was seen, with the time of
// the read that completed it.
func (o *outer) wait(timeout time.Duration) (time.Time, error) {
	o.mu.Lock()
	hit := o.hit
	o.mu.Unlock()
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case <-hit:
	case <-o.done:
		select {
		case <-hit:
		default:
			return time.Time{}, fmt.Errorf("terminal closed before the expected output (%s)", o.lastLine())
		}
	case <-t.C:
		return time.Time{}, fmt.Errorf("%w after %v waiting for output (screen shows: %s)", errTimeout, timeout, o.lastLine())
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.hitAt, nil
}

// waitOrQuiet is wait, but gives up early once nothing has arrived for
// quiet: the awaited output is not coming.
func (o *outer) waitOrQuiet(timeout, quiet time.Duration) (time.Time, error) {
	o.mu.Lock()
	hit := o.hit
	o.mu.Unlock()
	from := time.Now()
	deadline := from.Add(timeout)
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-hit:
			o.mu.Lock()
			defer o.mu.Unlock()
			return o.hitAt, nil
		case <-o.done:
			select {
			case <-hit:
				continue
			default:
				return time.Time{}, fmt.Errorf("terminal closed before the expected output (%s)", o.lastLine())
			}
		case now := <-tick.C:
			o.mu.Lock()
			last := o.lastAt
			o.mu.Unlock()
			if last.Before(from) {
				last = from
			}
			if now.Sub(last) > quiet {
				return time.Time{}, fmt.Errorf("%w: nothing arrived for %v and the expected output was not seen (screen shows: %s)", errTimeout, quiet, o.lastLine())
			}
			if now.After(deadline) {
				return time.Time{}, fmt.Errorf("%w after %v waiting for output (%s)", errTimeout, timeout, o.lastLine())
			}
		}
	}
}

// lastLine describes what the terminal shows, for error messages.
func (o *outer) lastLine() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.term == nil {
		return fmt.Sprintf("%d bytes, ends %q", o.n, o.tail)
	}
	var lines []string
	for _, l := range strings.Split(o.term.Text(0, false), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			lines = append(lines, l)
		}
	}
	if len(lines) == 0 {
		return fmt.Sprintf("blank screen after %d bytes", o.n)
	}
	return fmt.Sprintf("%q", lines[len(lines)-1])
}

// write types p into the terminal.
func (o *outer) write(p string) error {
	_, err := o.pty.Write([]byte(p))
	return err
}

func (o *outer) bytes() int64 {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.n
}

// setScreen turns the emulator on (fresh, blank) or off; off keeps the
// drain loop as cheap as possible for throughput runs.
func (o *outer) setScreen(on bool) {
	o.mu.Lock()
	if on {
		o.term = vt.New(cols, rows, 0)
	} else {
		o.term = nil
	}
	o.mu.Unlock()
}

// screenText is the emulated screen (empty if the emulator is off).
func (o *outer) screenText() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.term == nil {
		return ""
	}
	return o.term.Text(0, false)
}

// waitQuiet returns once nothing has arrived for quiet, counting from the
// latest byte or from since if that is later (since = when the awaited
// activity began, so a terminal that has not answered yet is not "quiet"),
// or after limit.
func (o *outer) waitQuiet(quiet, limit time.Duration, since time.Time) bool {
	return poll(limit, 5*time.Millisecond, func() bool {
		o.mu.Lock()
		last := o.lastAt
		o.mu.Unlock()
		select {
		case <-o.done:
			return true
		default:
		}
		if last.Before(since) {
			last = since
		}
		return time.Since(last) >= quiet
	})
}

// waitExit waits for the process to exit and returns when it did.
func (o *outer) waitExit(timeout time.Duration) (time.Time, error) {
	select {
	case <-o.exited:
		o.mu.Lock()
		defer o.mu.Unlock()
		return o.exitAt, nil
	case <-time.After(timeout):
		return time.Time{}, fmt.Errorf("client still running %v after the detach keys (screen shows: %s)", timeout, o.lastLine())
	}
}

// close kills the process if it still runs and releases the pty. The
// reader ends when the last holder of the slave lets go: tmux and screen
// servers write to their clients' terminals themselves and may hold it a
// little longer (the reader is left to finish then).
func (o *outer) close() {
	select {
	case <-o.exited:
	default:
		o.cmd.Process.Signal(syscall.SIGKILL)
		select {
		case <-o.exited:
		case <-time.After(5 * time.Second):
		}
	}
	o.pty.Close()
	select {
	case <-o.done:
	case <-time.After(100 * time.Millisecond):
	}
}

// rowText is row y of the emulated screen with trailing blanks trimmed.
func rowText(t *vt.Terminal, y int) string {
	c, _ := t.Size()
	var b strings.Builder
	for x := 0; x < c; x++ {
		cell := t.Cell(x, y)
		if cell.Width == 0 {
			continue
		}
		b.WriteRune(cell.Rune)
		b.WriteString(cell.Comb)
	}
	return strings.TrimRight(b.String(), " ")
}
