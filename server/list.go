package server

import (
	"encoding/json"
	"slices"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"

	"linger/config"

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
	w := listPool.Get().(*lister)
	defer w.release()
	w.c, w.deadline, w.err = c, time.Now().Add(listWriteTimeout), nil
	cl := caller(req)
	sessions := s.reg.Sessions()
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
	if req.Format == socket.FormatJSON {
		for i, sess := range sessions {
			info := sessionInfo(sess.Info(cl))
			w.buf = w.spill(appendJSONItem(w.buf, i, &info))
		}
		w.buf = appendJSONEnd(w.buf, len(sessions))
	} else {
		now := time.Now()
		w.cells.start(len(sessions))
		for _, sess := range sessions {
			info := sessionInfo(sess.Info(cl))
			w.cells.row(&info, now)
		}
		w.buf = w.cells.appendTable(w.buf, w.spill)
	}
	w.flush()
	if w.err == nil {
		c.WriteFrameDeadline(socket.MsgEnd, nil, w.deadline)
	}
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

// listColumns is the table's header. COMMAND comes last and is not padded.
var listColumns = [...]string{"ID", "NAME", "STATE", "AVAILABILITY", "CONFIGURATION", "BUFFERING", "UNRECEIVED", "DROPPED", "IDLE", "CREATED", "COMMAND"}

// cells collects the table's cells in one buffer: the header's, then each
// row's as it is added, and the widest cell of each column.
type cells struct {
	b     []byte
	ends  []int32                 // end of each cell in b
	runes []int32                 // each cell's width in runes, for its padding
	width [len(listColumns)]int32 // widest cell of each column, in runes
}

// rowBytes is about what one row's cells take, to size the buffer once.
const rowBytes = 128

// start empties c and adds the header, with room for about rows rows.
func (c *cells) start(rows int) {
	c.b = slices.Grow(c.b[:0], (rows+1)*rowBytes)
	c.ends = slices.Grow(c.ends[:0], (rows+1)*len(listColumns))
	c.runes = slices.Grow(c.runes[:0], (rows+1)*len(listColumns))
	c.width = [len(listColumns)]int32{}
	for _, h := range listColumns {
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
	col := len(c.ends) % len(listColumns)
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

// appendTable appends the rows: columns left-aligned to their widest cell
// (in runes) plus two spaces, the last one unpadded; the layout
// text/tabwriter gave with padding 2. spill (if not nil) is called after
// each line with the buffer and returns the one to go on with.
func (c *cells) appendTable(b []byte, spill func([]byte) []byte) []byte {
	const ncol = len(listColumns)
	start := int32(0)
	for i, end := range c.ends {
		cell := c.b[start:end]
		start = end
		b = append(b, cell...)
		if j := i % ncol; j < ncol-1 {
			for n := int(c.width[j] + 2 - c.runes[i]); n > 0; n -= len(spaces) {
				b = append(b, spaces[:min(n, len(spaces))]...)
			}
			continue
		}
		b = append(b, '\n')
		if spill != nil {
			b = spill(b)
		}
	}
	return b
}

// row adds the cells of one session, in listColumns' order.
func (c *cells) row(s *socket.SessionInfo, now time.Time) {
	c.b = strconv.AppendInt(c.b, int64(s.ID), 10)
	c.end()
	c.add(s.Name)
	c.b = append(c.b, s.State...)
	if s.ExitStatus != "" {
		c.b = append(append(append(c.b, " ("...), s.ExitStatus...), ')')
	}
	c.end()
	c.add(s.Availability)
	c.add(s.Configuration)
	c.b = append(c.b, s.OutputBuffering...)
	if s.Suspended {
		c.b = append(c.b, " (suspended)"...)
	}
	if s.LogError != "" {
		c.b = append(c.b, " (log failing)"...)
	}
	c.end()
	c.b = config.AppendSize(c.b, s.BufferedBytes)
	c.end()
	c.b = config.AppendSize(c.b, s.DroppedBytes)
	c.end()
	c.add(idleColumn(*s, now))
	c.b = appendAgo(c.b, now.Sub(s.Created))
	c.end()
	c.b = config.AppendCommandLine(c.b, s.Command)
	c.end()
}

// idleColumn shows the idle timeout and, while it runs, the time left.
func idleColumn(s socket.SessionInfo, now time.Time) string {
	if s.IdleTimeoutSeconds == 0 {
		return "none"
	}
	d := config.FormatIdleTimeout(time.Duration(s.IdleTimeoutSeconds) * time.Second)
	if s.IdleExpiresAt != nil {
		left := max(s.IdleExpiresAt.Sub(now), 0).Round(time.Second)
		d += " (" + config.FormatIdleTimeout(left) + " left)"
	}
	return d
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
// in the order and with the omissions of socket.SessionInfo's tags.
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
	if s.ExitStatus != "" {
		b = appendString(append(b, ","+in+`"exit_status": `...), s.ExitStatus)
	}
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
	if s.LogFile != "" {
		b = appendString(append(b, ","+in+`"log_file": `...), s.LogFile)
	}
	if s.LogError != "" {
		b = appendString(append(b, ","+in+`"log_error": `...), s.LogError)
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
