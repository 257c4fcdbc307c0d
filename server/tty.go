package server

// Direct mode's output side: the session's pump queues output for the
// client's terminal and goes back to reading the program at once, while a
// writer goroutine writes the queue to the terminal and acknowledges what
// it wrote, as a relaying client would. The queue keeps the pump and the
// terminal working in parallel, which the socket's buffers did when the
// client relayed; its bound is the back-pressure.

import (
	"errors"
	"os"
	"sync"
	"syscall"
	"time"

	"linger/mux"
	"linger/shell"
)

// maxTTYQueue bounds the output queued for a terminal.
const maxTTYQueue = 256 << 10

// ttyPiece is how much one write to the terminal takes at most, so that a
// deadline renewed for each piece measures progress, not the whole queue.
const ttyPiece = 32 << 10

// ttyWriter writes a direct client's output to its terminal.
type ttyWriter struct {
	f    *os.File
	rc   syscall.RawConn // f's, for tryWrite
	ack  func(n int64)   // acknowledges stream bytes written (Session.Ack)
	done chan struct{}   // closed when the writer has stopped

	mu      sync.Mutex
	idle    *sync.Cond // broadcast when the queue is written, or the writer stopped
	busy    bool       // a batch is being written
	ended   bool       // the writer stopped
	limited bool       // draining: a write that makes no progress for SlowClientTimeout fails
	abort   bool       // stop writing at once
	written int64      // stream bytes written, acknowledged with ack (under mu)
	pending []byte
	marks   []ttyMark // where each queued piece ends, and the stream bytes it stands for
	spare   []byte
	closing bool          // no more output: write what is queued, then stop
	kick    chan struct{} // something was queued, or closing
	room    chan struct{} // the writer took the queue
	stopped chan struct{} // closed by stop: give up waiting for room
}

type ttyMark struct {
	end    int   // offset in pending after the piece
	weight int64 // stream bytes it stands for (its length, or a restore's count)
	exact  bool  // weight is its length: a partly written piece counts its written part
}

// errTTYClosed is returned for output after the terminal was let go.
var errTTYClosed = errors.New("terminal closed")

func newTTYWriter(f *os.File) *ttyWriter {
	w := &ttyWriter{f: f, done: make(chan struct{}), kick: make(chan struct{}, 1),
		room: make(chan struct{}, 1), stopped: make(chan struct{})}
	w.rc, _ = f.SyscallConn()
	w.idle = sync.NewCond(&w.mu)
	return w
}

// queue adds p, which stands for weight stream bytes. It waits while the
// queue is full, until deadline if not zero.
func (w *ttyWriter) queue(p []byte, weight int64, deadline time.Time) error {
	var timeout <-chan time.Time
	for {
		w.mu.Lock()
		if w.closing {
			w.mu.Unlock()
			return errTTYClosed
		}
		if len(w.pending) == 0 && !w.busy && !w.limited && len(p) > 0 {
			// Nothing queued and the writer idle: write what the terminal
			// takes now, from here, so a key's echo does not wait for the
			// writer goroutine to wake; queue the rest.
			w.busy = true
			w.mu.Unlock()
			n := w.tryWrite(p)
			w.mu.Lock()
			w.busy = false
			if n == len(p) || (n > 0 && weight == int64(len(p))) {
				done := weight
				if n < len(p) {
					done = int64(n) // the part that got out
				}
				w.written += done
				weight -= done
				acked := w.written
				w.mu.Unlock()
				w.ack(acked) // not under w.mu: Ack takes the session's lock
				w.mu.Lock()
			}
			p = p[n:]
			if len(p) == 0 {
				w.idle.Broadcast()
				w.mu.Unlock()
				return nil
			}
			if w.closing {
				w.mu.Unlock()
				return errTTYClosed
			}
		}
		if len(w.pending) == 0 || len(w.pending)+len(p) <= maxTTYQueue {
			w.pending = append(w.pending, p...)
			w.marks = append(w.marks, ttyMark{len(w.pending), weight, weight == int64(len(p))})
			w.mu.Unlock()
			select {
			case w.kick <- struct{}{}:
			default:
			}
			return nil
		}
		w.mu.Unlock()
		if timeout == nil && !deadline.IsZero() {
			t := time.NewTimer(time.Until(deadline))
			defer t.Stop()
			timeout = t.C
		}
		select {
		case <-w.room:
		case <-w.stopped:
			return errTTYClosed
		case <-timeout:
			return os.ErrDeadlineExceeded
		}
	}
}

// run writes the queue until closing with nothing queued, or a write
// fails (the terminal is gone, or a deadline cut it short).
func (w *ttyWriter) run() (err error) {
	defer func() {
		w.mu.Lock()
		w.ended, w.busy = true, false
		if !w.closing {
			w.closing = true
			close(w.stopped) // nobody waits for room any more
		}
		w.idle.Broadcast()
		w.mu.Unlock()
		close(w.done)
	}()
	var marks []ttyMark
	for {
		w.mu.Lock()
		w.busy = false
		for len(w.pending) == 0 {
			w.idle.Broadcast()
			if w.closing {
				w.mu.Unlock()
				return nil
			}
			w.mu.Unlock()
			<-w.kick
			w.mu.Lock()
		}
		w.busy = true
		data := w.pending
		marks = append(marks[:0], w.marks...)
		w.pending, w.spare = w.spare[:0], nil
		w.marks = w.marks[:0]
		w.mu.Unlock()
		select {
		case w.room <- struct{}{}:
		default:
		}

		// Each piece is acknowledged once written, not the batch at its
		// end: a client lost mid-batch then leaves at most a piece that its
		// terminal showed unacknowledged (given again to the next reader).
		var credited int64
		err := w.write(data, func(n int) {
			done := weightWritten(marks, n)
			w.mu.Lock()
			w.written += done - credited
			acked := w.written
			w.mu.Unlock()
			credited = done
			w.ack(acked)
		})
		w.mu.Lock()
		w.spare = data[:0]
		w.mu.Unlock()
		if err != nil {
			return err
		}
	}
}

// weightWritten is how many stream bytes the first n bytes of a batch
// with marks stand for: whole pieces count their weight, a partly
// written exact one the part that got out.
func weightWritten(marks []ttyMark, n int) int64 {
	var done int64
	start := 0
	for _, m := range marks {
		if m.end <= n {
			done += m.weight
		} else {
			if m.exact && n > start {
				done += int64(n - start) // the part of it that got out
			}
			break
		}
		start = m.end
	}
	return done
}

// write writes data in pieces, calling wrote with the bytes written so
// far after each. While draining, the terminal must take something within
// SlowClientTimeout: one that takes nothing for that long is given up on,
// but a slow one that makes progress is not: a piece need not get out
// whole in that time, a write cut by the deadline after it got bytes out
// goes on with a new one.
func (w *ttyWriter) write(data []byte, wrote func(n int)) error {
	n := 0
	for n < len(data) {
		w.mu.Lock()
		limited, abort := w.limited, w.abort
		w.mu.Unlock()
		if abort {
			return errTTYClosed
		}
		if limited {
			w.f.SetWriteDeadline(time.Now().Add(mux.SlowClientTimeout))
		}
		m, err := w.f.Write(data[n:min(len(data), n+ttyPiece)])
		n += m
		if m > 0 {
			wrote(n)
		}
		if err != nil {
			if m > 0 && errors.Is(err, os.ErrDeadlineExceeded) {
				continue // progress: a new deadline (or abort) at the top
			}
			return err
		}
	}
	return nil
}

// tryWrite writes what the terminal takes without waiting.
func (w *ttyWriter) tryWrite(p []byte) int {
	n := 0
	w.rc.Write(func(fd uintptr) bool {
		m, err := shell.RawWrite(int(fd), p)
		if err == nil {
			n = m
		}
		return true // one attempt, never wait
	})
	return n
}

// beginDrain makes the writer give up on a terminal that takes nothing for
// SlowClientTimeout, including in the write in progress.
func (w *ttyWriter) beginDrain() {
	w.mu.Lock()
	w.limited = true
	w.mu.Unlock()
	w.f.SetWriteDeadline(time.Now().Add(mux.SlowClientTimeout))
}

// drain waits until what is queued is written, or the writer stopped.
func (w *ttyWriter) drain() {
	w.mu.Lock()
	for (len(w.pending) > 0 || w.busy) && !w.ended {
		w.idle.Wait()
	}
	w.mu.Unlock()
}

// close stops the writer: with drain, once it has written what is queued
// (giving up on a terminal that takes nothing for SlowClientTimeout), else
// at once. It waits for the writer to stop.
func (w *ttyWriter) close(drain bool) {
	w.mu.Lock()
	if !w.closing {
		w.closing = true
		close(w.stopped)
	}
	w.abort = w.abort || !drain
	w.mu.Unlock()
	select {
	case w.kick <- struct{}{}:
	default:
	}
	if drain {
		w.beginDrain()
	} else {
		w.f.SetWriteDeadline(time.Now())
	}
	<-w.done
}
