package mux

import (
	"fmt"
	"time"

	"linger/config"
	"linger/shell"
)

// attach attaches a client (steps 2-3 of server/attach.go). Under dmu, so
// no live output can overtake it: it registers the client, takes the
// session's size from it, snapshots the screen emulator (screen.go) and
// renders it for the restore mode, calls o.Reply (which writes the reply
// and opens the client's output), then o.Draw with the drawing. The
// drawing stands for all the output no reader has claimed: it counts as
// received once the client acknowledges it, and goes back to the next
// reader if the client dies first. A Closed session is not attached: it
// gets the reply and the drawing of its last screen, and closed=true tells
// the caller to report the status; the client is then an exiting client,
// whose stream ends with Leave.
//
// A resume (o.Resume) is the lost owner coming back with the offset its
// terminal has: refused with ErrMoved if another client attached since
// (resumeLocked); else its stream continues from that offset, nothing
// drawn, when the output from there is held and the size is unchanged
// (resumeExactly), or gets a screen restore. o.Result tells the reply.
func (s *Session) attach(o AttachOptions) (closed bool, err error) {
	a := &attachment{c: o.Client, ClientInfo: o.Info}
	a.Since = time.Now()
	mode := o.Restore
	if mode == "" {
		mode = s.conf.Restore
	}
	res := o.Result
	if res == nil {
		res = &AttachResult{}
	}
	if o.Resume != nil {
		// Its old connection may not be seen dead yet: let it go.
		s.mu.Lock()
		old := s.owner
		s.mu.Unlock()
		if old != nil && old.ID != "" && old.ID == a.ID && s.detachWhy(old.c, true, ReasonStolen) {
			old.c.Detached(s.Name(), "stolen", &a.ClientInfo)
		}
		s.mu.Lock()
		l := s.lost
		s.mu.Unlock()
		if l != nil {
			// A barrier: input being written for the lost client (Input
			// holds inMu while it writes) is counted before we read it.
			l.a.inMu.Lock()
			//lint:ignore SA2001 the empty critical section is the barrier
			l.a.inMu.Unlock()
		}
		mode = config.RestoreScreen // if it cannot continue exactly
	}
	if o.Steal && !a.ReadOnly {
		// Take the old owner off first: the pump may be blocked writing to
		// it under dmu, and telling it to leave cuts that write short.
		s.mu.Lock()
		old := s.owner
		s.mu.Unlock()
		if old != nil && s.detachWhy(old.c, true, ReasonStolen) { // what it did not acknowledge goes to us
			old.c.Detached(s.Name(), "stolen", &a.ClientInfo)
		}
	}
	s.dmu.Lock()
	defer s.dmu.Unlock()
	s.mu.Lock()
	x := s.x
	if o.Resume != nil {
		if err := s.resumeLocked(a, res); err != nil {
			s.mu.Unlock()
			return false, err
		}
	}
	if s.finished {
		// An exiting client from the start: its acknowledgements count
		// until it leaves (Leave), which collects the session if it got
		// everything.
		x = s.ext()
		x.exiting = append(x.exiting, a)
		s.lastFrom = a.From
		s.stopIdleLocked()
		s.mu.Unlock()
		var draw []byte
		covered, exact := s.resumeExactly(a, x, o, res)
		if !exact {
			draw, covered = s.snapshot(a, x, mode, 0, 0)
		}
		res.Offset = a.base
		if err := o.Reply(s); err != nil {
			s.Leave(a.c, false)
			return false, err
		}
		s.draw(a, o, draw, covered)
		return true, nil
	}
	switch {
	case a.ReadOnly:
		s.watchers = append(s.watchers, a)
	case s.owner != nil:
		h := s.owner.ClientInfo
		s.mu.Unlock()
		from := ""
		if h.From != "" {
			from = " from " + h.From
		}
		return false, fmt.Errorf("%w: session %q is busy: attached since %s%s (use --steal or --read-only)",
			ErrBusy, s.Name(), h.Since.Format("15:04"), from)
	default:
		s.owner = a
		if s.lost != nil && s.lost.takenBy == "" && o.Resume == nil {
			// another client: the lost one can no longer resume
			s.lost.takenBy = a.From
			if s.lost.takenBy == "" {
				s.lost.takenBy = "another terminal"
			}
		}
	}
	s.lastFrom = a.From
	s.broken = false
	s.stopIdleLocked()
	s.reg.emitClient(s, EventAttached, a, "")
	s.mu.Unlock()

	cols, rows := o.Cols, o.Rows
	if a.ReadOnly {
		cols, rows = 0, 0 // a watcher does not resize the session
	}
	var draw []byte
	covered, exact := s.resumeExactly(a, x, o, res)
	if !exact {
		draw, covered = s.snapshot(a, x, mode, cols, rows)
	}
	res.Offset = a.base
	if err := o.Reply(s); err != nil {
		s.detach(a.c, true)
		return false, err
	}
	s.draw(a, o, draw, covered)
	return false, nil
}

// resumeLocked checks that a, resuming, is the session's lost owner and
// that no other client attached since, and carries its input count on.
// mu is held.
func (s *Session) resumeLocked(a *attachment, res *AttachResult) error {
	res.Resumed = true
	l := s.lost
	if l == nil || l.id != a.ID || l.takenBy != "" || s.owner != nil || a.ReadOnly {
		from := s.lastFrom
		switch {
		case s.owner != nil:
			from = s.owner.From
		case l != nil && l.takenBy != "":
			from = l.takenBy
		}
		if from == "" {
			from = "another terminal"
		}
		return fmt.Errorf("%w: session %s was attached from %s while disconnected", ErrMoved, s.Name(), from)
	}
	s.lost = nil
	a.input = l.a.input
	res.Input = a.input
	if s.x != nil {
		res.Dropped = s.x.buf.dropped - l.dropped
	}
	return nil
}

// resumeExactly continues a resuming client's stream from the offset its
// terminal has, when that output is still held and its terminal has the
// session's size: the held output from there is its replay (drawn as in
// restore mode none, see draw), nothing else is drawn. Otherwise it says
// why in res, and the caller draws a restore. dmu is held.
func (s *Session) resumeExactly(a *attachment, x *sessionExtra, o AttachOptions, res *AttachResult) (covered int64, ok bool) {
	if o.Resume == nil {
		return 0, false
	}
	off := o.Resume.Offset
	cols, rows := s.proc.Size()
	s.mu.Lock()
	defer s.mu.Unlock()
	held := x == nil && off == 0 || x != nil && off >= x.buf.start && off <= x.buf.end
	switch {
	case !held:
		res.Reason = "not-held"
		return 0, false
	case !s.finished && (o.Cols != cols || o.Rows != rows):
		res.Reason = "resized"
		res.Dropped = 0
		return 0, false
	}
	res.Exact, res.Dropped = true, 0
	a.base = off
	if x == nil {
		return 0, true
	}
	x.buf.received(off, false) // its terminal has them
	if data := x.buf.read(off); len(data) > 0 {
		a.replay = data
	}
	x.buf.claim = x.buf.end
	return x.buf.end - off, true
}

// snapshot resizes the session to cols x rows (unless 0), catches the
// emulator up, renders it for restore mode mode, and hands the output no
// reader has claimed to a, whose stream it starts: the drawing covers
// those bytes. dmu is held.
func (s *Session) snapshot(a *attachment, x *sessionExtra, mode string, cols, rows int) (draw []byte, covered int64) {
	if x != nil {
		x.scr.vmu.Lock()
	}
	if !s.Closed() {
		s.resizeForAttachLocked(x, cols, rows, mode == config.RestoreNone)
	}
	if x != nil {
		s.catchUpLocked(x)
	}
	draw = s.drawLocked(x, mode)
	if x != nil {
		x.scr.vmu.Unlock()
	}
	s.mu.Lock()
	if x != nil {
		var data [][]byte
		data, a.base = x.buf.take()
		covered = x.buf.end - a.base
		if mode == config.RestoreNone {
			a.replay = data
		}
	}
	s.mu.Unlock()
	return draw, covered
}

// draw writes the drawing to a client that just attached. In restore mode
// none the drawing is the held output itself (a.replay), as the program
// printed it but without the terminal queries in it, which were answered
// when printed (queries.go). Like live output to a session's only client
// it has no deadline: a client that stops reading back-pressures the
// program, and detach or --steal cut it off.
func (s *Session) draw(a *attachment, o AttachOptions, draw []byte, covered int64) {
	var sent int64
	if a.replay != nil {
		// restore mode none: the output itself, chunk by chunk
		var q queryStripper
		var out []byte
		for _, p := range a.replay {
			out = q.filter(out[:0], p)
			if o.Draw(out, int64(len(p))) != nil {
				break
			}
			sent += int64(len(p))
		}
		if sent == covered {
			if out = q.flush(out[:0]); len(out) > 0 {
				o.Draw(out, 0)
			}
		}
		a.replay = nil
	} else if len(draw) > 0 || covered > 0 {
		if o.Draw(draw, covered) == nil {
			sent = covered
		}
	}
	s.mu.Lock()
	a.sent += sent
	s.applyAckLocked(a)
	if o.OutputBuffering != "" {
		s.dropMode = o.OutputBuffering == Drop
	}
	s.wakeLocked()
	s.mu.Unlock()
}

// Receive hands held output to r (a receive request): what no reader has
// claimed, or with all everything still held, or with resume (not nil)
// everything from that offset: a receive whose connection broke resumes
// from what its client wrote, which is then received (bytes before it
// that another reader received meanwhile are not sent again). reply is
// called first, with the offset of r's first byte and the bytes dropped
// since the last receive. It returns the offset of r's
// first byte and how many bytes it wrote; they count as received when the
// client acknowledges them. No lock is held while writing, and there is no
// deadline: a slow reader only slows itself.
//
// With follow, it then keeps taking what arrived meanwhile until it has
// caught up, and registers r as a follow receiver under dmu, so live
// output continues the stream with no byte missed or repeated (r's
// acknowledgements then go through Ack). Every Receive is ended by
// EndReceive.
func (s *Session) Receive(r Client, all, follow bool, resume *int64, mode string, reply func(base, dropped int64) error) (base, n int64, err error) {
	s.mu.Lock()
	x := s.ext()
	x.readers++ // holds a claim until EndReceive
	var data [][]byte
	if resume != nil {
		// The client has everything before *resume: received. The reader
		// it lost may still hold a claim past it, unacknowledged: those
		// bytes are the client's to get now, so read from the offset, not
		// from the claim.
		x.buf.received(max(*resume, 0), s.hasClientsLocked())
		base = min(max(*resume, x.buf.recv), x.buf.end)
		data = x.buf.read(base)
		base = max(base, x.buf.start)
		x.buf.claim = x.buf.end
	} else if all {
		base, data = x.buf.start, x.buf.read(x.buf.start)
		x.buf.claim = x.buf.end
	} else {
		data, base = x.buf.take()
	}
	dropped := x.buf.unseen
	x.buf.unseen = 0
	if mode != "" {
		s.dropMode = mode == Drop
	}
	s.wakeLocked()
	s.mu.Unlock()

	if err := reply(base, dropped); err != nil {
		return base, 0, err
	}
	for {
		for _, p := range data {
			if err = r.Output(p, time.Time{}); err != nil {
				return base, n, err
			}
			n += int64(len(p))
		}
		if !follow {
			return base, n, nil
		}
		// catch up, then join the live stream
		s.dmu.Lock()
		s.mu.Lock()
		data, _ = x.buf.take()
		// Caught up: join the live stream, or, once the command has ended,
		// stop. Output taken here is written first, even (above all) when
		// the command ended meanwhile: it is the end of the stream.
		if len(data) == 0 {
			if !s.finished {
				x.receivers = append(x.receivers, &attachment{c: r, base: base, sent: n,
					ClientInfo: ClientInfo{Since: time.Now(), ReadOnly: true}})
			}
			s.mu.Unlock()
			s.dmu.Unlock()
			return base, n, nil
		}
		s.mu.Unlock()
		s.dmu.Unlock()
	}
}

// EndReceive ends a receive whose stream started at offset base: the
// client acknowledged acked of the sent bytes written to it (live ones
// included). Unacknowledged bytes go back to the next reader unless another
// reader holds a claim. It reports whether the session is now Closed with
// nothing left unreceived, and its status.
func (s *Session) EndReceive(r Client, base, acked, sent int64) (closed bool, st shell.ExitStatus) {
	s.mu.Lock()
	defer s.mu.Unlock()
	x := s.ext()
	x.receivers, _ = removeClient(x.receivers, r, nil)
	if x.readers > 0 {
		x.readers--
	}
	// Only acknowledged bytes move recv. A receive that got nothing started
	// at the claim, past bytes another reader may hold unacknowledged:
	// marking everything before its base received would take those from
	// whoever comes next, if that reader gives them back.
	if acked > 0 {
		x.buf.received(base+acked, s.hasClientsLocked())
	}
	if acked < sent {
		s.unclaimLocked()
	} else {
		s.readerGoneLocked()
	}
	s.wakeLocked()
	if s.exitStatus != nil {
		st = *s.exitStatus
	}
	return s.finished && x.buf.unreceived() == 0, st
}

// unclaimLocked gives output handed to readers that did not acknowledge it
// back to the next reader. While another reader holds a claim (it may be
// reading those bytes now) that waits until the last reader is gone
// (readerGoneLocked): otherwise a receive that got nothing meanwhile would
// leave the bytes claimed by nobody, never to be received.
func (s *Session) unclaimLocked() {
	if s.x == nil {
		return
	}
	if s.hasReadersLocked() || s.x.readers > 0 {
		s.x.unclaimLater = true
		return
	}
	s.x.buf.unclaim()
	s.x.unclaimLater = false
}

// readerGoneLocked is called when a reader (client, receive) has gone: a
// give-back deferred by unclaimLocked happens once none is left.
func (s *Session) readerGoneLocked() {
	if s.x != nil && s.x.unclaimLater {
		s.unclaimLocked()
	}
}
