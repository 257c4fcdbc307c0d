package server

import (
	"encoding/json"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"linger/config"
	"linger/mux"
	"linger/socket"
)

// Lifecycle events (`linger events`, `wait --event`): mux reports what
// happens to sessions through Registry.Events; the server adds its own
// (server.started, server.stopping) and, later, `linger run`'s
// (run.started, run.finished, command.finished): every event, whatever
// its source, goes through Emit, in this file.
//
// Each event is one JSON object on one line:
//
//	{"seq":7,"time":"2026-12-07T06:30:01.123456789Z","type":"session.exited",
//	 "session":{"id":3,"name":"job"},"exit_code":4,"exit_signal":null}
//
// seq grows by one per event for the server's life; time is RFC 3339 with
// nanoseconds, UTC; session is absent for the server's own events and for
// gap and lagged. The type's fields follow (mux/events.go). Two types are
// a subscriber's own, never held: "gap" (its --since asked for events no
// longer held; seq is the last one missed, "missed" how many) and
// "lagged" (it fell event_history events behind: seq is the last event it
// was sent; the server then closes its connection). Consumers must
// ignore types and fields they do not know.
//
// The server keeps the last event_history events (a ring) for a request
// without --follow and for --since. A following subscriber has a queue
// of as many events; Emit never waits for it: a full queue drops the
// subscriber (lagged). Emit is called with session locks held (mux's
// events come in order that way), so it takes only the hub's own lock,
// held for a copy and a few channel sends that never block.

// Server event types.
const (
	EventServerStarted  = "server.started"
	EventServerStopping = "server.stopping"
	eventGap            = "gap"
	eventLagged         = "lagged"
)

// eventHub keeps the recent events and the following subscribers.
type eventHub struct {
	mu    sync.Mutex
	seq   int64
	ring  []event // oldest first, at most limit
	limit int
	subs  map[*subscriber]struct{}
}

// event is one numbered event, its JSON line made.
type event struct {
	seq     int64
	typ     string
	session int    // 0: none
	names   string // the session's name ("\x00old\x00new" for a rename: either matches)
	line    []byte // the JSON line, "\n"-terminated
}

// subscriber is a following events request.
type subscriber struct {
	f      *eventFilter
	ch     chan event    // the queue: limit events
	lagged chan struct{} // closed when the queue overflowed (the hub forgot it)
	last   int64         // seq of the last event queued
	onLag  func()
}

// eventFilter is a request's --session and --type. A session named by
// --session is followed through renames: once an event named it so,
// its ID matches (ids; the hub's lock is held).
type eventFilter struct {
	targets []string
	types   []string
	ids     map[int]bool
}

func (f *eventFilter) match(e *event) bool {
	return f.sessionMatch(e) && f.typeMatch(e)
}

func (f *eventFilter) typeMatch(e *event) bool {
	if len(f.types) == 0 {
		return true
	}
	for _, t := range f.types {
		if t == e.typ || strings.HasSuffix(t, ".*") && strings.HasPrefix(e.typ, t[:len(t)-1]) {
			return true
		}
	}
	return false
}

func (f *eventFilter) sessionMatch(e *event) bool {
	if len(f.targets) == 0 || e.session == 0 {
		return true // the server's events concern every session
	}
	if f.ids[e.session] {
		return true
	}
	id := strconv.Itoa(e.session)
	for _, t := range f.targets {
		if t == id || t == e.names || strings.Contains(e.names, "\x00") && strings.Contains(e.names+"\x00", "\x00"+t+"\x00") {
			if f.ids == nil {
				f.ids = map[int]bool{}
			}
			f.ids[e.session] = true
			return true
		}
	}
	return false
}

func newEventHub(limit int) *eventHub {
	if limit < 1 {
		limit = config.DefaultEventHistory
	}
	return &eventHub{limit: limit, subs: map[*subscriber]struct{}{}}
}

// setLimit changes event_history (a reload).
func (h *eventHub) setLimit(n int) {
	if n < 1 {
		n = config.DefaultEventHistory
	}
	h.mu.Lock()
	h.limit = n
	if len(h.ring) > n {
		h.ring = append(h.ring[:0:0], h.ring[len(h.ring)-n:]...)
	}
	h.mu.Unlock()
}

// Emit numbers an event and hands it to the ring and the subscribers.
// typ is one of mux's Event* or the server's; session is 0 for none;
// data is the type's payload (a struct or map whose JSON fields join the
// event's; nil for none). It never blocks. `linger run` emits its
// run.started, run.finished and command.finished here.
func (h *eventHub) Emit(typ string, session int, name string, data any) {
	var fields []byte
	if data != nil {
		b, err := json.Marshal(data)
		if err == nil && len(b) > 2 && b[0] == '{' {
			fields = b[1 : len(b)-1]
		}
	}
	names := name
	if r, ok := data.(mux.RenamedEvent); ok {
		names = "\x00" + r.Old + "\x00" + r.New
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.seq++
	e := event{seq: h.seq, typ: typ, session: session, names: names,
		line: eventLine(h.seq, time.Now(), typ, session, name, fields)}
	if len(h.ring) >= h.limit {
		n := copy(h.ring, h.ring[len(h.ring)-h.limit+1:])
		clear(h.ring[n:])
		h.ring = h.ring[:n]
	}
	h.ring = append(h.ring, e)
	for sub := range h.subs {
		if !sub.f.match(&e) {
			continue
		}
		select {
		case sub.ch <- e:
			sub.last = e.seq
		default: // it does not keep up: it must not slow anyone
			delete(h.subs, sub)
			close(sub.lagged)
			if sub.onLag != nil {
				go sub.onLag()
			}
		}
	}
}

// eventLine writes an event's JSON line.
func eventLine(seq int64, t time.Time, typ string, session int, name string, fields []byte) []byte {
	b := make([]byte, 0, 128+len(fields))
	b = append(b, `{"seq":`...)
	b = strconv.AppendInt(b, seq, 10)
	b = append(b, `,"time":"`...)
	b = t.UTC().AppendFormat(b, "2006-01-02T15:04:05.000000000Z07:00")
	b = append(b, `","type":`...)
	b = strconv.AppendQuote(b, typ)
	if session != 0 {
		b = append(b, `,"session":{"id":`...)
		b = strconv.AppendInt(b, int64(session), 10)
		b = append(b, `,"name":`...)
		nb, _ := json.Marshal(name)
		b = append(b, nb...)
		b = append(b, '}')
	}
	if len(fields) > 0 {
		b = append(b, ',')
		b = append(b, fields...)
	}
	return append(b, "}\n"...)
}

// subscribe returns the held events a request gets first (after since;
// since nil: all of them, or with follow none), a gap line first if some
// it asked for were forgotten, and with follow a subscriber registered
// in the same instant (no event twice, none missed).
func (h *eventHub) subscribe(f *eventFilter, since *int64, follow bool) (replay [][]byte, sub *subscriber) {
	h.mu.Lock()
	defer h.mu.Unlock()
	last := h.seq // what a lagged line says if nothing is queued
	if since != nil || !follow {
		from := int64(0)
		if since != nil {
			from = *since
		}
		if since != nil && len(h.ring) > 0 && h.ring[0].seq > from+1 {
			missed := h.ring[0].seq - 1 - from
			replay = append(replay, eventLine(h.ring[0].seq-1, time.Now(), eventGap, 0, "",
				[]byte(`"missed":`+strconv.FormatInt(missed, 10))))
		}
		for i := range h.ring {
			if e := &h.ring[i]; f.sessionMatch(e) && e.seq > from && f.typeMatch(e) {
				replay = append(replay, e.line)
			}
		}
	}
	if follow {
		if since == nil {
			for i := range h.ring { // learn the IDs of the sessions named
				f.sessionMatch(&h.ring[i])
			}
		}
		sub = &subscriber{f: f, ch: make(chan event, h.limit), lagged: make(chan struct{}), last: last}
		h.subs[sub] = struct{}{}
	}
	return replay, sub
}

// unsubscribe forgets sub (its client went away).
func (h *eventHub) unsubscribe(sub *subscriber) {
	h.mu.Lock()
	delete(h.subs, sub)
	h.mu.Unlock()
}

// lastQueued is sub.last, read under the hub's lock.
func (h *eventHub) lastQueued(sub *subscriber) int64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	return sub.last
}

// muxEvent is the Registry.Events hook: mux's events into the hub.
func (s *Server) muxEvent(e mux.Event) {
	s.events.Emit(e.Type, e.SessionID, e.Session, e.Data)
}

// announceStopping emits server.stopping, once, before the sessions end.
func (s *Server) announceStopping(why string) {
	s.stoppingOnce.Do(func() {
		s.events.Emit(EventServerStopping, 0, "", map[string]string{"reason": why})
	})
}

// handleEvents serves `linger events` and `wait --event`: the held
// events asked for, then with Follow the new ones as they come, until the
// client goes away, the server stops (MsgEnd) or the client lags.
func (s *Server) handleEvents(c *socket.Conn, req *socket.Request) {
	f := &eventFilter{targets: req.Targets, types: req.Types}
	replay, sub := s.events.subscribe(f, req.Since, req.Follow)
	if sub != nil {
		smallSendBuffer(c)
		defer s.events.unsubscribe(sub)
		// A client that stopped reading: bound the write in progress.
		sub.onLag = func() { c.LimitWrites(time.Now().Add(mux.SlowClientTimeout)) }
	}
	if err := c.WriteJSON(socket.MsgReply, socket.Reply{}); err != nil {
		c.Close()
		return
	}
	if err := writeLines(c, replay); err != nil || sub == nil {
		if err == nil {
			c.WriteFrame(socket.MsgEnd, nil)
		}
		c.Close()
		return
	}
	gone := make(chan struct{})
	go func() { // the client sends nothing but heartbeats: any end is its going
		for {
			if _, _, err := c.ReadFrame(); err != nil {
				close(gone)
				return
			}
		}
	}()
	defer c.Close()
	var batch [][]byte
	for {
		select {
		case e := <-sub.ch:
			batch = append(batch[:0], e.line)
			for more := true; more && len(batch) < 256; {
				select {
				case e := <-sub.ch:
					batch = append(batch, e.line)
				default:
					more = false
				}
			}
			if writeLines(c, batch) != nil {
				return
			}
		case <-sub.lagged:
			for more := true; more; { // what was queued, then the word
				select {
				case e := <-sub.ch:
					batch = append(batch[:0], e.line)
					if writeLines(c, batch) != nil {
						return
					}
				default:
					more = false
				}
			}
			line := eventLine(s.events.lastQueued(sub), time.Now(), eventLagged, 0, "",
				[]byte(`"reason":"the subscriber fell `+strconv.Itoa(cap(sub.ch))+` events behind"`))
			c.WriteFinal(socket.MsgOutput, line, mux.SlowClientTimeout)
			return
		case <-s.done:
			for more := true; more; { // server.stopping and what came before
				select {
				case e := <-sub.ch:
					batch = append(batch[:0], e.line)
					if writeLines(c, batch) != nil {
						return
					}
				default:
					more = false
				}
			}
			c.WriteFinal(socket.MsgEnd, nil, time.Second)
			return
		case <-gone:
			return
		}
	}
}

// smallSendBuffer makes the kernel hold little of a local subscriber's
// events (a unix socket's default holds 200KiB, some thousand events):
// what bounds a reader that does not keep up is then its queue, so that
// it learns it lagged soon. Events are small and few: a small buffer
// costs nothing.
func smallSendBuffer(c *socket.Conn) {
	sc, ok := c.Stream().(syscall.Conn)
	if !ok || !c.Unix() {
		return
	}
	if rc, err := sc.SyscallConn(); err == nil {
		rc.Control(func(fd uintptr) {
			unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_SNDBUF, 8<<10)
		})
	}
}

// writeLines sends lines as MsgOutput frames of whole lines.
func writeLines(c *socket.Conn, lines [][]byte) error {
	var buf []byte
	for _, l := range lines {
		if len(buf)+len(l) > 64<<10 && len(buf) > 0 {
			if err := c.WriteFrame(socket.MsgOutput, buf); err != nil {
				return err
			}
			buf = buf[:0]
		}
		buf = append(buf, l...)
	}
	if len(buf) > 0 {
		return c.WriteFrame(socket.MsgOutput, buf)
	}
	return nil
}
