package mux

import (
	"fmt"
	"strings"
	"time"
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
		replay, end := s.unreceivedLocked()
		s.mu.Unlock()
		if err := o.Reply(s); err != nil {
			return false, err
		}
		s.replay(a, replay, end, o.OutputBuffering)
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
	replay, end := s.unreceivedLocked()
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
	s.replay(a, replay, end, o.OutputBuffering)
	return false, nil
}

// unreceivedLocked returns the held output nobody has received, and the
// offset it ends at.
func (s *Session) unreceivedLocked() ([][]byte, int64) {
	if s.x == nil {
		return nil, 0
	}
	return s.x.buf.read(s.x.buf.recv), s.x.buf.end
}

// replay writes held unreceived output to a client that just attached,
// marks it received and frees it (an attached session keeps nothing).
func (s *Session) replay(a *attachment, data [][]byte, end int64, mode string) {
	ok := true
	for _, p := range data {
		// bounded: the pump waits for this replay
		if a.c.Output(p, time.Now().Add(SlowClientTimeout)) != nil {
			ok = false
			break
		}
	}
	s.mu.Lock()
	if ok && s.x != nil {
		s.x.buf.recv = max(s.x.buf.recv, end)
		if s.hasClientsLocked() {
			s.x.buf.release()
		}
	}
	if mode != "" {
		s.dropMode = mode == Drop
	}
	s.wakeLocked()
	s.mu.Unlock()
}

// Receive hands held output to r (a receive request): the unreceived bytes,
// or with all everything still held. It is written under dmu, so with
// follow the receiver is registered with no byte missed or repeated, and
// live output follows. Bytes count as received once written. reply is
// called before any output, with the bytes dropped since the last receive.
func (s *Session) Receive(r Client, all, follow bool, mode string, deadline time.Time, reply func(dropped int64) error) (Received, error) {
	s.dmu.Lock()
	defer s.dmu.Unlock()
	s.mu.Lock()
	var res Received
	var data [][]byte
	var end int64
	if x := s.x; x != nil {
		from := x.buf.recv
		if all {
			from = x.buf.start
		}
		data, end = x.buf.read(from), x.buf.end
		res.Dropped, x.buf.unseen = x.buf.unseen, 0
	}
	if mode != "" {
		s.dropMode = mode == Drop
	}
	s.wakeLocked()
	s.mu.Unlock()

	if err := reply(res.Dropped); err != nil {
		return res, err
	}
	for _, p := range data {
		if err := r.Output(p, deadline); err != nil {
			return res, err
		}
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	if x := s.x; x != nil {
		x.buf.recv = max(x.buf.recv, end)
	}
	res.Closed = s.finished && (s.x == nil || s.x.buf.unreceived() == 0)
	if s.exitStatus != nil {
		res.Status = *s.exitStatus
	}
	if follow && !s.finished {
		x := s.ext()
		x.receivers = append(x.receivers, &attachment{c: r, ClientInfo: ClientInfo{Since: time.Now(), ReadOnly: true}})
	}
	s.wakeLocked()
	return res, nil
}

// StopReceiving removes a follow receiver (its connection ended).
func (s *Session) StopReceiving(r Client) {
	s.mu.Lock()
	if s.x != nil {
		s.x.receivers, _ = removeClient(s.x.receivers, r, false)
	}
	s.mu.Unlock()
}
