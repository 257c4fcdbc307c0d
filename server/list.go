package server

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"linger/config"
	"linger/mux"
	"linger/socket"
)

// The server renders `linger ls` (the table, or --json) and the client
// copies the bytes to stdout, as `tmux ls` does. With the sessions sent as
// JSON instead, a client spent ~13ms on 1000 of them: 4.4ms decoding them
// (reflection), 5ms indenting them again for --json or 1.3ms for the table,
// on top of its start; each client pays that and the server only saves a
// marshal it does in ~1ms. The renderers here append to one buffer with no
// reflection: ~0.3ms for 1000 sessions.

// listChunk is the payload size of the MsgOutput frames carrying a listing.
const listChunk = 128 << 10

// listWriteTimeout bounds sending a listing to a client that stopped
// reading (the client reads it all before writing to its stdout, so a slow
// pager does not hold the server).
const listWriteTimeout = 10 * time.Second

func (s *Server) handleList(c *socket.Conn, req *socket.Request) {
	defer c.Close()
	sessions, states, err := s.listed(req)
	if err != nil {
		s.replyErr(c, err)
		return
	}
	w := listPool.Get().(*lister)
	defer w.release()
	w.c, w.deadline, w.err = c, time.Now().Add(listWriteTimeout), nil
	cl := caller(req)
	w.buf = listReply(w.buf, len(sessions))
	if c.WriteFrameDeadline(socket.MsgReply, w.buf, w.deadline) != nil {
		return
	}
	w.buf = w.buf[:0]
	// One session's Info at a time: the JSON goes out as it is made, the
	// table keeps only its cells (the widths need every row first). With
	// every Info held at once, 10000 sessions took 3 MB more per ls, grown
	// by doubling, and an ls after an idle spell (which returns that memory)
	// paid page faults and collections for all of it.
	n := 0
	if req.Format == socket.FormatJSON {
		for _, sess := range sessions {
			info := sessionInfo(sess.Info(cl))
			if states.has(info.State) {
				w.buf = w.spill(appendJSONItem(w.buf, n, &info))
				n++
			}
		}
		w.buf = appendJSONEnd(w.buf, n)
	} else {
		now := time.Now()
		w.cells.start(len(sessions), req.Long)
		for _, sess := range sessions {
			info := sessionInfo(sess.Info(cl))
			if states.has(info.State) {
				w.cells.row(&info, now)
				n++
			}
		}
		w.buf = w.cells.appendTable(w.buf, req.Width, w.spill)
		// "no sessions" alone, as when no server runs: a server that is
		// about to exit, empty, must not answer differently.
		if req.Long && n > 0 {
			w.buf = appendConfigLine(w.buf, s.loaded.Load(), now)
		}
	}
	w.flush()
	if w.err == nil {
		c.WriteFrameDeadline(socket.MsgEnd, nil, w.deadline)
	}
}

// appendConfigLine ends `ls -l` with the configuration file the server
// has loaded, when that file was modified and when it was read, and
// whether it changed on disk since (then 'linger server reload' reads it).
func appendConfigLine(b []byte, l *loaded, now time.Time) []byte {
	stamp := func(t time.Time) string { return t.Local().Format("2006-01-02 15:04:05") }
	if l.cfg.Path == "" {
		b = append(b, "configuration: built-in defaults"...)
		if l.path != "" {
			b = append(b, " (no "...)
			b = append(b, l.path...)
			b = append(b, ')')
		}
	} else {
		b = fmt.Appendf(b, "configuration: %s, modified %s, loaded %s", l.cfg.Path, stamp(l.modTime), stamp(l.at))
	}
	if fi, err := os.Stat(l.path); l.path != "" && (err == nil) != (l.cfg.Path != "") ||
		err == nil && l.cfg.Path != "" && (!fi.ModTime().Equal(l.modTime) || fi.Size() != l.size) {
		b = append(b, "; the file changed since: 'linger server reload' reads it"...)
	}
	return append(b, '\n')
}

// listed is the sessions a list request asks for, by ID: those its
// targets name (each must exist), else every one; and the states it keeps.
func (s *Server) listed(req *socket.Request) ([]*mux.Session, stateSet, error) {
	var states stateSet
	for _, st := range req.States {
		i := slices.IndexFunc(socket.SessionStates, func(v string) bool { return strings.EqualFold(v, st) })
		if i < 0 {
			return nil, 0, fmt.Errorf("invalid state %q (expected: %s)", st, strings.Join(socket.SessionStates, "|"))
		}
		states |= 1 << i
	}
	sessions := s.reg.Sessions()
	if len(req.Targets) == 0 {
		return sessions, states, nil
	}
	named := make(map[*mux.Session]bool, len(req.Targets))
	for _, t := range req.Targets {
		sess, err := s.reg.Lookup(t)
		if err != nil {
			return nil, 0, err
		}
		named[sess] = true
	}
	return slices.DeleteFunc(sessions, func(sess *mux.Session) bool { return !named[sess] }), states, nil
}

// stateSet is a set of socket.SessionStates, bit i for the i-th; empty
// means every state.
type stateSet uint8

func (m stateSet) has(state string) bool {
	if m == 0 {
		return true
	}
	i := slices.Index(socket.SessionStates, state)
	return i >= 0 && m&(1<<i) != 0
}

// listReply appends the reply that precedes a listing, a Reply with Count
// n (the client sizes its buffer with it), as json.Marshal writes it.
func listReply(b []byte, n int) []byte {
	if n == 0 {
		return append(b, "{}"...)
	}
	return append(strconv.AppendInt(append(b, `{"count":`...), int64(n), 10), '}')
}

// lister sends a listing as it is rendered, in MsgOutput frames of about
// listChunk bytes, so that 10000 sessions (6 MB of JSON) need no buffer of
// that size. Its buffers are pooled: a server holding 1000 sessions would
// otherwise allocate ~600 KB per ls, and the garbage collections that
// brings scan every session's goroutine stacks (a third of the server's
// time in a loop of ls).
type lister struct {
	c        *socket.Conn
	deadline time.Time
	err      error
	buf      []byte
	cells    cells
}

var listPool = sync.Pool{New: func() any { return &lister{buf: make([]byte, 0, listChunk+4096)} }}

// release empties w (keeping its buffers, not what they point to) and puts
// it back in the pool.
func (w *lister) release() {
	w.buf, w.c = w.buf[:0], nil
	w.cells.b, w.cells.ends, w.cells.runes = w.cells.b[:0], w.cells.ends[:0], w.cells.runes[:0]
	listPool.Put(w)
}

// spill is called by the renderers between sessions: it sends the buffer
// once it holds listChunk bytes and returns it emptied.
func (w *lister) spill(b []byte) []byte {
	w.buf = b
	if len(b) >= listChunk {
		w.flush()
	}
	return w.buf
}

func (w *lister) flush() {
	for p := w.buf; len(p) > 0 && w.err == nil; {
		n := min(len(p), listChunk)
		w.err = w.c.WriteFrameDeadline(socket.MsgOutput, p[:n], w.deadline)
		p = p[n:]
	}
	w.buf = w.buf[:0]
}

// The table's header: shortColumns by default, longColumns with -l (the
// same first five, then what is about output, age and clients). COMMAND comes last,
// unpadded; cells.appendTable cuts it to the terminal's width.
var (
	shortColumns = [...]string{"ID", "NAME", "STATE", "AVAILABILITY", "IDLE", "COMMAND"}
	longColumns  = [...]string{"ID", "NAME", "STATE", "AVAILABILITY", "IDLE", "CONFIGURATION", "BUFFERING", "UNRECEIVED", "DROPPED", "CREATED", "CLIENT", "DISCONNECTED", "COMMAND"}
)

// maxColumns is the most columns a table has: HOST (AppendHostsTable),
// then the long table's.
const maxColumns = 1 + len(longColumns)

// noSessions is the table of no sessions.
const noSessions = "no sessions\n"

// cells collects the table's cells in one buffer: the header's, then each
// row's as it is added, and the widest cell of each column.
type cells struct {
	b     []byte
	ends  []int32           // end of each cell in b
	runes []int32           // each cell's width in runes, for its padding
	width [maxColumns]int32 // widest cell of each column, in runes
	ncol  int               // columns in this table
	long  bool              // longColumns, else shortColumns
}

// rowBytes is about what one row's cells take, to size the buffer once.
const rowBytes = 128

// start empties c and adds the header of the short or long table, after
// the columns first (each row then adds their cells before row's), with
// room for about rows rows.
func (c *cells) start(rows int, long bool, first ...string) {
	head := shortColumns[:]
	if long {
		head = longColumns[:]
	}
	c.long, c.ncol = long, len(first)+len(head)
	c.b = slices.Grow(c.b[:0], (rows+1)*rowBytes)
	c.ends = slices.Grow(c.ends[:0], (rows+1)*c.ncol)
	c.runes = slices.Grow(c.runes[:0], (rows+1)*c.ncol)
	c.width = [maxColumns]int32{}
	for _, h := range first {
		c.add(h)
	}
	for _, h := range head {
		c.add(h)
	}
}

// end ends the cell being added, noting its width while the cell is in
// cache (at 10000 rows a second pass read 1.2 MB of cells back from
// memory), once: the padding used to count them again.
func (c *cells) end() {
	start := int32(0)
	if len(c.ends) > 0 {
		start = c.ends[len(c.ends)-1]
	}
	col := len(c.ends) % c.ncol
	n := runes(c.b[start:])
	c.ends = append(c.ends, int32(len(c.b)))
	c.runes = append(c.runes, n)
	c.width[col] = max(c.width[col], n)
}

func (c *cells) add(s string) {
	c.b = append(c.b, s...)
	c.end()
}

// runes is utf8.RuneCount with a shortcut for ASCII, which most cells are.
func runes(b []byte) int32 {
	for _, x := range b {
		if x >= utf8.RuneSelf {
			return int32(utf8.RuneCount(b))
		}
	}
	return int32(len(b))
}

// spaces pads cells.
var spaces = []byte("                                                                ")

// ellipsis ends a cut COMMAND.
const ellipsis = "\u2026"

// appendTable appends the rows: columns left-aligned to their widest cell
// (in runes) plus two spaces, the last one unpadded; the layout
// text/tabwriter gave with padding 2. With cut > 0 (the terminal's width)
// a COMMAND that would go past it is cut to end there with an ellipsis,
// keeping at least as much of it as the header "COMMAND" takes; not in the
// long table, which is for everything. A table of
// no rows is noSessions. spill (if not nil) is called after each line with
// the buffer and returns the one to go on with.
func (c *cells) appendTable(b []byte, cut int, spill func([]byte) []byte) []byte {
	ncol := c.ncol
	if len(c.ends) <= ncol {
		return append(b, noSessions...)
	}
	room := int32(-1) // runes COMMAND may take; -1: any
	if cut > 0 && !c.long {
		at := int32(0)
		for j := range ncol - 1 {
			at += c.width[j] + 2
		}
		room = max(int32(cut)-at, int32(len("COMMAND")))
	}
	start := int32(0)
	for i, end := range c.ends {
		cell := c.b[start:end]
		start = end
		j := i % ncol
		if j == ncol-1 {
			if room >= 0 && c.runes[i] > room {
				b = appendCut(b, cell, int(room)-1)
				b = append(b, ellipsis...)
			} else {
				b = append(b, cell...)
			}
			b = append(b, '\n')
			if spill != nil {
				b = spill(b)
			}
			continue
		}
		b = append(b, cell...)
		for n := int(c.width[j] + 2 - c.runes[i]); n > 0; n -= len(spaces) {
			b = append(b, spaces[:min(n, len(spaces))]...)
		}
	}
	return b
}

// appendCut appends the first n runes of cell.
func appendCut(b, cell []byte, n int) []byte {
	i := 0
	for ; n > 0 && i < len(cell); n-- {
		if cell[i] < utf8.RuneSelf {
			i++
		} else {
			_, size := utf8.DecodeRune(cell[i:])
			i += size
		}
	}
	return append(b, cell[:i]...)
}

// row adds the cells of one session, in the columns' order.
func (c *cells) row(s *socket.SessionInfo, now time.Time) {
	c.b = strconv.AppendInt(c.b, int64(s.ID), 10)
	c.end()
	c.add(s.Name)
	c.b = append(c.b, s.State...)
	if s.ExitStatus != nil {
		c.b = append(append(append(c.b, " ("...), *s.ExitStatus...), ')')
	}
	c.end()
	c.add(s.Availability)
	c.b = appendIdle(c.b, s, now)
	c.end()
	if c.long {
		c.add(s.Configuration)
		c.b = append(c.b, s.OutputBuffering...)
		if s.Suspended {
			c.b = append(c.b, " (suspended)"...)
		}
		if s.LogError != nil {
			c.b = append(c.b, " (log failing)"...)
		}
		c.end()
		c.b = config.AppendHumanSize(c.b, s.BufferedBytes)
		c.end()
		c.b = config.AppendHumanSize(c.b, s.DroppedBytes)
		c.end()
		c.b = appendAgo(c.b, now.Sub(s.Created))
		c.end()
		if s.LastClient != nil {
			c.b = append(c.b, *s.LastClient...)
		} else {
			c.b = append(c.b, '-')
		}
		c.end()
		if s.DisconnectedSince != nil {
			c.b = appendAgo(c.b, max(now.Sub(*s.DisconnectedSince), 0))
		} else {
			c.b = append(c.b, '-')
		}
		c.end()
	}
	c.b = config.AppendCommandLine(c.b, s.Command)
	c.end()
}

// appendIdle appends the IDLE cell: the idle timeout ("none", "2h") and,
// while it runs, the time left ("2h (1h59m59s left)").
func appendIdle(b []byte, s *socket.SessionInfo, now time.Time) []byte {
	if s.IdleTimeoutSeconds == 0 {
		return append(b, "none"...)
	}
	b = append(b, config.FormatIdleTimeout(time.Duration(s.IdleTimeoutSeconds)*time.Second)...)
	if s.IdleExpiresAt != nil {
		left := max(s.IdleExpiresAt.Sub(now), 0).Round(time.Second)
		b = append(append(append(b, " ("...), config.FormatIdleTimeout(left)...), " left)"...)
	}
	return b
}

// appendAgo renders a duration as "5s ago", "3m ago", "2h ago", "4d ago".
func appendAgo(b []byte, d time.Duration) []byte {
	switch {
	case d < time.Minute:
		return append(strconv.AppendInt(b, int64(d/time.Second), 10), "s ago"...)
	case d < time.Hour:
		return append(strconv.AppendInt(b, int64(d/time.Minute), 10), "m ago"...)
	case d < 48*time.Hour:
		return append(strconv.AppendInt(b, int64(d/time.Hour), 10), "h ago"...)
	}
	return append(strconv.AppendInt(b, int64(d/(24*time.Hour)), 10), "d ago"...)
}

// AppendHostsTable appends the table of `linger ls` across several hosts
// (the client renders it from each host's JSON listing): this table with
// a HOST column first, hosts[i] on the rows of lists[i], COMMAND cut to
// width as here. It has no configuration line: each host has its own.
func AppendHostsTable(b []byte, hosts []string, lists [][]socket.SessionInfo, width int, long bool) []byte {
	var c cells
	n := 0
	for _, l := range lists {
		n += len(l)
	}
	c.start(n, long, "HOST")
	now := time.Now()
	for i, l := range lists {
		for j := range l {
			c.add(hosts[i])
			c.row(&l[j], now)
		}
	}
	return c.appendTable(b, width, nil)
}

// AppendHostsJSON appends the JSON of `linger ls --json` across several
// hosts: one array of every host's sessions, as here, each object with
// "host" (hosts[i] for lists[i]) first.
func AppendHostsJSON(b []byte, hosts []string, lists [][]socket.SessionInfo) []byte {
	n := 0
	for i, l := range lists {
		for j := range l {
			if n == 0 {
				b = append(b, '[')
			} else {
				b = append(b, ',')
			}
			b = appendString(append(b, "\n  {\n    \"host\": "...), hosts[i])
			b = appendSessionJSON(append(b, ','), &l[j])
			b = append(b, "\n  }"...)
			n++
		}
	}
	return appendJSONEnd(b, n)
}

// appendJSONItem appends session i (counting from 0) of a JSON listing.
func appendJSONItem(b []byte, i int, s *socket.SessionInfo) []byte {
	if i == 0 {
		b = append(b, '[')
	} else {
		b = append(b, ',')
	}
	b = appendSessionJSON(append(b, "\n  {"...), s)
	return append(b, "\n  }"...)
}

// appendJSONEnd ends a JSON listing of n sessions.
func appendJSONEnd(b []byte, n int) []byte {
	if n == 0 {
		return append(b, "[]\n"...)
	}
	return append(b, "\n]\n"...)
}

// appendSessionJSON appends the fields of one session at indent level 2,
// in the order of socket.SessionInfo's fields, every one always present.
func appendSessionJSON(b []byte, s *socket.SessionInfo) []byte {
	const in = "\n    "
	b = appendInt(append(b, in+`"id": `...), int64(s.ID))
	b = appendString(append(b, ","+in+`"name": `...), s.Name)
	b = appendString(append(b, ","+in+`"state": `...), s.State)
	b = appendString(append(b, ","+in+`"availability": `...), s.Availability)
	b = appendString(append(b, ","+in+`"configuration": `...), s.Configuration)
	b = append(b, ","+in+`"command": `...)
	switch {
	case s.Command == nil:
		b = append(b, "null"...)
	case len(s.Command) == 0:
		b = append(b, "[]"...)
	default:
		b = append(b, '[')
		for i, a := range s.Command {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendString(append(b, in+"  "...), a)
		}
		b = append(b, in+"]"...)
	}
	b = appendString(append(b, ","+in+`"cwd": `...), s.Cwd)
	b = appendInt(append(b, ","+in+`"pid": `...), int64(s.Pid))
	b = appendTime(append(b, ","+in+`"created": `...), s.Created)
	b = appendInt(append(b, ","+in+`"clients": `...), int64(s.Clients))
	b = appendInt(append(b, ","+in+`"size": {`+in+`  "cols": `...), int64(s.Size.Cols))
	b = appendInt(append(b, ","+in+`  "rows": `...), int64(s.Size.Rows))
	b = append(b, in+"}"...)
	b = appendStringPtr(append(b, ","+in+`"exit_status": `...), s.ExitStatus)
	b = appendString(append(b, ","+in+`"output_buffering": `...), s.OutputBuffering)
	b = appendInt(append(b, ","+in+`"buffer_size": `...), s.BufferSize)
	b = appendInt(append(b, ","+in+`"buffered_bytes": `...), s.BufferedBytes)
	b = appendInt(append(b, ","+in+`"dropped_bytes": `...), s.DroppedBytes)
	b = strconv.AppendBool(append(b, ","+in+`"suspended": `...), s.Suspended)
	b = appendInt(append(b, ","+in+`"idle_timeout_seconds": `...), s.IdleTimeoutSeconds)
	b = append(b, ","+in+`"idle_expires_at": `...)
	if s.IdleExpiresAt == nil {
		b = append(b, "null"...)
	} else {
		b = appendTime(b, *s.IdleExpiresAt)
	}
	b = appendIntPtr(append(b, ","+in+`"exit_code": `...), s.ExitCode)
	b = appendIntPtr(append(b, ","+in+`"exit_signal": `...), s.ExitSignal)
	b = appendStringPtr(append(b, ","+in+`"log_file": `...), s.LogFile)
	b = appendStringPtr(append(b, ","+in+`"log_error": `...), s.LogError)
	b = appendStringPtr(append(b, ","+in+`"last_client": `...), s.LastClient)
	b = append(b, ","+in+`"disconnected_since": `...)
	if s.DisconnectedSince == nil {
		b = append(b, "null"...)
	} else {
		b = appendTime(b, *s.DisconnectedSince)
	}
	return b
}

func appendInt(b []byte, n int64) []byte { return strconv.AppendInt(b, n, 10) }

func appendIntPtr(b []byte, p *int) []byte {
	if p == nil {
		return append(b, "null"...)
	}
	return appendInt(b, int64(*p))
}

func appendStringPtr(b []byte, p *string) []byte {
	if p == nil {
		return append(b, "null"...)
	}
	return appendString(b, *p)
}

// appendString quotes s as encoding/json does. Printable ASCII other than
// the characters it escapes (", \ and, for HTML, < > &) is copied; anything
// else goes through encoding/json.
func appendString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			q, _ := json.Marshal(s) // a string always marshals
			return append(b, q...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// appendTime is time.Time's MarshalJSON (RFC 3339 with nanoseconds),
// without its allocation in the usual case.
func appendTime(b []byte, t time.Time) []byte {
	if y := t.Year(); y >= 0 && y <= 9999 {
		if _, off := t.Zone(); off > -24*3600 && off < 24*3600 {
			b = append(b, '"')
			b = t.AppendFormat(b, time.RFC3339Nano)
			return append(b, '"')
		}
	}
	q, err := t.MarshalJSON()
	if err != nil { // a year outside 0..9999: encoding/json would fail the whole list
		return append(b, "null"...)
	}
	return append(b, q...)
}
