package mux

import (
	"fmt"
	"strings"
	"time"

	"linger/shell"
)

// attach attaches a client (steps 2-3 of server/attach.go). Under dmu, so
// no live output can overtake it: it registers the client, calls o.Reply
// (which writes the reply and opens the client's output), then replays the
// output nobody has received, which is then received and released. A
// Closed session is not attached: it gets the reply and the replay, and
// closed=true tells the caller to report the status and collect it.
func (s *Session) attach(o AttachOptions) (closed bool, err error) {
	a := &attachment{c: o.Client, ClientInfo: o.Info}
	a.Since = time.Now()
	s.dmu.Lock()
	defer s.dmu.Unlock()
	s.mu.Lock()
	if s.finished {
		replay := s.unreceivedLocked(a)
		s.mu.Unlock()
		if err := o.Reply(s); err != nil {
			return false, err
		}
		s.replay(a, replay, o.OutputBuffering)
		return true, nil
	}
	var stolen *attachment
	switch {
	case a.ReadOnly:
		s.watchers = append(s.watchers, a)
	case s.owner != nil && !o.Steal:
		h := s.owner.ClientInfo
		s.mu.Unlock()
		from := ""
		if h.TTY != "" {
			from = " from " + strings.TrimPrefix(h.TTY, "/dev/")
		}
		return false, fmt.Errorf("%w: session %q is busy: attached since %s%s (use --steal or --read-only)",
			ErrBusy, s.Name, h.Since.Format("15:04"), from)
	default:
		stolen = s.owner
		s.owner = a
	}
	s.broken = false
	s.stopIdleLocked()
	replay := s.unreceivedLocked(a)
	s.mu.Unlock()

	if stolen != nil {
		stolen.c.Detached(s.Name, "detached")
	}
	if !a.ReadOnly {
		s.resizeForAttach(o.Cols, o.Rows)
	}
	if err := o.Reply(s); err != nil {
		s.detach(a.c, true)
		return false, err
	}
	s.replay(a, replay, o.OutputBuffering)
	return false, nil
}

// unreceivedLocked returns the held output nobody has received, which
// starts the stream of attachment a.
func (s *Session) unreceivedLocked(a *attachment) [][]byte {
	if s.x == nil {
		return nil
	}
	a.base = s.x.buf.recv
	return s.x.buf.read(s.x.buf.recv)
}

// replay writes held unreceived output to a client that just attached. It
// counts as received once the client acknowledges it.
func (s *Session) replay(a *attachment, data [][]byte, mode string) {
	var n int64
	for _, p := range data {
		// bounded: the pump waits for this replay
		if a.c.Output(p, time.Now().Add(SlowClientTimeout)) != nil {
			break
		}
		n += int64(len(p))
	}
	s.mu.Lock()
	a.sent += n
	if mode != "" {
		s.dropMode = mode == Drop
	}
	s.wakeLocked()
	s.mu.Unlock()
}

// Receive hands held output to r (a receive request): the unreceived bytes,
// or with all everything still held. It runs under dmu, so with follow the
// receiver is registered with no byte missed or repeated, and live output
// follows. reply is called before any output, with the bytes dropped since
// the last receive. The bytes count as received when r acknowledges them:
// Ack while following, ReceivedUpTo(base + n) at the end. base is the
// offset of the first byte r gets.
func (s *Session) Receive(r Client, all, follow bool, mode string, deadline time.Time, reply func(dropped int64) error) (base int64, err error) {
	s.dmu.Lock()
	defer s.dmu.Unlock()
	s.mu.Lock()
	var data [][]byte
	var dropped int64
	if x := s.x; x != nil {
		from := x.buf.recv
		if all {
			from = x.buf.start
		}
		base = max(from, x.buf.start)
		data = x.buf.read(from)
		dropped, x.buf.unseen = x.buf.unseen, 0
	}
	var a *attachment
	if follow && !s.finished {
		a = &attachment{c: r, base: base, ClientInfo: ClientInfo{Since: time.Now(), ReadOnly: true}}
		x := s.ext()
		x.receivers = append(x.receivers, a)
	}
	if mode != "" {
		s.dropMode = mode == Drop
	}
	s.wakeLocked()
	s.mu.Unlock()

	if err := reply(dropped); err != nil {
		s.StopReceiving(r)
		return base, err
	}
	var n int64
	for _, p := range data {
		if err = r.Output(p, deadline); err != nil {
			break
		}
		n += int64(len(p))
	}
	if a != nil {
		s.mu.Lock()
		a.sent += n
		s.mu.Unlock()
	}
	if err != nil {
		s.StopReceiving(r)
	}
	return base, err
}

// ReceivedUpTo marks the output before offset off received (a receive
// client acknowledged it) and reports whether the session is now Closed
// with nothing left unreceived, with the command's status.
func (s *Session) ReceivedUpTo(off int64) (closed bool, st shell.ExitStatus) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.x != nil {
		s.x.buf.received(off, s.hasClientsLocked())
	}
	s.wakeLocked()
	if s.exitStatus != nil {
		st = *s.exitStatus
	}
	return s.finished && (s.x == nil || s.x.buf.unreceived() == 0), st
}

// StopReceiving removes a follow receiver (its stream ended).
func (s *Session) StopReceiving(r Client) {
	s.mu.Lock()
	if s.x != nil {
		s.x.receivers, _ = removeClient(s.x.receivers, r, nil)
	}
	s.mu.Unlock()
}
