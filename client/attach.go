package client

// What happens on attach, terminal side (the server side is
// server/attach.go):
//
//  1. Attach checks stdin is a terminal, reads its size, and sends the
//     request (attach, or new with attach) carrying that size and the tty.
//     When stdout is the same terminal, the terminal goes into raw mode
//     first and its descriptor goes with the request (direct mode: the
//     server writes and reads the terminal itself, see server/attach.go).
//  2. The server replies; an error (no session, busy, ...) is returned
//     with the terminal as it was.
//  3. The terminal goes into raw mode (golang.org/x/term), if not yet. From
//     here on every way out restores it: detach, exit, lost server,
//     SIGTERM/SIGHUP, and a panic (deferred restore, then re-panic).
//     The terminal's title is saved (xterm's title stack).
//  4. In relay mode two loops run: keyboard -> MsgInput frames (the detach
//     key, which the server decided and named in its reply, is cut out
//     and becomes MsgDetach), and MsgRestore then MsgOutput
//     frames -> stdout, byte for byte: the restore draws the session's
//     screen (and history, in its scrollback) and re-establishes the
//     program's modes, then live output continues from exactly that state.
//     In direct mode the server does both and we only wait for the end.
//     SIGWINCH sends MsgResize at once.
//  5. The server ends the stream with MsgDetached or MsgExited, or the
//     connection drops. MsgExited we answer with our last acknowledgement
//     and MsgDetach, then wait for the server to close (lastWord), so the
//     session is collected, or kept, before we exit. The terminal is restored: raw mode off, the modes a
//     program may have left on reset, the alternate screen left, the
//     title popped; then one bracketed line says why:
//     [detached (from session NAME)], [detached (from session NAME: taken
//     by pts/3)] (another client attached with --steal), [exited (status
//     N)], [server exited], [lost connection].
//  6. A relayed connection that ends without MsgDetached or MsgExited
//     (ssh killed, network reset) is not the end: what happens on
//     reconnect is in reconnect.go (the client dials again and resumes
//     its stream exactly, for up to Endpoint.Reconnect).

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
	"golang.org/x/term"

	"linger/config"
	"linger/socket"
)

// Result is how an attach ended.
type Result struct {
	Message  string // the bracketed line, without brackets
	ExitCode int
	Session  *socket.SessionInfo
}

// ErrNotATerminal is returned when stdin is not a terminal.
var ErrNotATerminal = errors.New("attaching needs a terminal (stdin is not a tty): use 'linger new -d' in scripts")

// TTYName is the path of the terminal on fd, or "".
func TTYName(f *os.File) string {
	name, err := os.Readlink(fmt.Sprintf("/proc/self/fd/%d", f.Fd()))
	if err != nil || !term.IsTerminal(int(f.Fd())) {
		return ""
	}
	return name
}

// TermSize is the size of the terminal on f, or 0, 0.
func TermSize(f *os.File) (cols, rows int) {
	cols, rows, err := term.GetSize(int(f.Fd()))
	if err != nil {
		return 0, 0
	}
	return cols, rows
}

// Attach attaches the terminal in, out to a session (req: OpAttach) and
// returns how the attach ended. req.DetachKey is the user's --detach-key,
// if any: the server decides the key from it and says which in the reply.
func (e Endpoint) Attach(req *socket.Request, in, out *os.File) (Result, error) {
	if !term.IsTerminal(int(in.Fd())) {
		// A session that does not exist is the first thing to say.
		if req.Target != "" {
			if err := e.exists(req.Target); err != nil {
				return Result{}, err
			}
		}
		return Result{}, ErrNotATerminal
	}
	conn, err := e.Connect(false)
	if err != nil {
		return Result{}, err
	}
	defer conn.Close()
	return e.attach(conn, req, in, out)
}

// exists returns the error that says there is no session target, if there
// is none (List says so, server or no server).
func (e Endpoint) exists(target string) error {
	return e.List(&socket.Request{Op: socket.OpList, Format: socket.FormatJSON, Targets: []string{target}}, io.Discard)
}

// New creates a session (req: OpNew). With req.Attach it attaches the
// terminal in, out to it, as Attach does, and returns how that ended;
// otherwise the result names the session. It starts a server when none
// runs, and a fresh one when the server was just exiting (its last
// session ended): that one refuses new sessions or closes us before its
// hello.
func (e Endpoint) New(req *socket.Request, in, out *os.File) (Result, error) {
	for attempt := 0; ; attempt++ {
		conn, err := e.Connect(true)
		if err != nil {
			return Result{}, err
		}
		var res Result
		if req.Attach {
			res, err = e.attach(conn, req, in, out)
		} else {
			var rep *socket.Reply
			if rep, err = conn.Request(req); err == nil {
				res.Session = rep.Session
			}
		}
		conn.Close()
		re, refused := err.(*socket.ReplyError)
		if (refused && re.Code == socket.ErrExiting || IsNoServer(err)) && attempt < 3 {
			continue
		}
		return res, err
	}
}

// attach runs steps 1-5 on conn and returns how the attach ended.
func (e Endpoint) attach(conn *socket.Conn, req *socket.Request, in, out *os.File) (res Result, err error) {
	fd := int(in.Fd())
	if !term.IsTerminal(fd) {
		return res, ErrNotATerminal
	}
	if cols, rows := TermSize(in); cols > 0 {
		req.Cols, req.Rows = cols, rows
	}
	req.Caller.TTY = TTYName(in)
	if req.ClientID == "" {
		req.ClientID = newClientID()
	}

	// Step 1: direct mode when stdin and stdout are one terminal and the
	// server is local (over ssh the client relays); the terminal must be
	// raw, and its title saved, before the server touches it.
	var state *term.State
	direct := sameTerminal(in, out) && conn.Unix()
	if direct {
		if state, err = term.MakeRaw(fd); err != nil {
			return res, fmt.Errorf("cannot put the terminal in raw mode (%v)", err)
		}
		req.TTY = true
		out.WriteString(pushTitle)
	}
	var rep *socket.Reply
	if direct {
		rep, err = conn.RequestFD(req, in)
	} else {
		rep, err = conn.Request(req)
	}
	if err != nil {
		if state != nil {
			out.WriteString(popTitle)
			term.Restore(fd, state)
		}
		return res, err
	}
	res.Session = rep.Session
	key := config.Key{None: true}
	if rep.DetachKey != nil {
		key = config.Key{Byte: *rep.DetachKey}
	}

	// Step 3: raw mode, restored on every way out.
	if state == nil {
		if state, err = term.MakeRaw(fd); err != nil {
			return res, fmt.Errorf("cannot put the terminal in raw mode (%v)", err)
		}
	}
	a := &attached{conn: conn, out: out, name: rep.Session.Name, direct: rep.Direct, base: rep.Offset}
	if !rep.Direct && !req.ReadOnly && e.Reconnect > 0 {
		a.re = &reconnector{e: e, req: req, in: in, id: rep.Session.ID, quit: make(chan string, 1), keyName: "the detach key"}
		if !key.None {
			a.re.keyName = config.KeyName(key.Byte)
		}
	}
	if !direct {
		out.WriteString(pushTitle)
	}
	restore := func() {
		a.resetModes()
		term.Restore(fd, state)
	}
	defer func() {
		if p := recover(); p != nil {
			restore()
			panic(p)
		}
	}()

	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGWINCH, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGINT, syscall.SIGQUIT)
	defer signal.Stop(sigs)
	go a.signals(sigs, in)
	if !rep.Direct && (!req.ReadOnly || !key.None) {
		go a.keyboard(in, key, req.ReadOnly)
	}
	res.Message, res.ExitCode = a.output()
	restore()
	fmt.Fprintf(out, "\r\n[%s]\r\n", res.Message)
	return res, nil
}

// attached is the state of one attached stream.
type attached struct {
	conn *socket.Conn
	out  *os.File
	name string

	mu       sync.Mutex
	detached bool // we asked to detach
	hangup   bool // the terminal went away
	alt      bool // the program is on the alternate screen
	direct   bool // the server writes the terminal (and acknowledges) itself

	base    int64 // the session offset of this stream's first byte (the reply's Offset)
	written int64 // output bytes of this stream written to the terminal (for MsgAck)
	acked   int64 // written when we last said so (output loop only)

	// re reconnects a relayed stream that breaks (reconnect.go); nil: a
	// broken stream ends the attach ([lost connection]).
	re *reconnector
	// imu orders input: each key is counted (inSent), kept (inKept) and
	// written in one go, so that a resume can send again exactly what the
	// program did not get.
	imu       sync.Mutex
	inSent    int64  // input bytes sent, in all
	inKept    []byte // the last of them, up to maxKeptInput
	down      bool   // reconnecting: keys are discarded
	discarded int64  // keys discarded while down
}

// current is the current connection (a resume replaces it).
func (a *attached) current() *socket.Conn {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.conn
}

// keyboard copies stdin to the session, cutting out the detach key
// (config.Key.Forward: pressed twice, it goes to the program once).
func (a *attached) keyboard(in *os.File, key config.Key, readOnly bool) {
	detach, err := key.Forward(32<<10, in.Read, func(p []byte) bool {
		return readOnly || a.input(p)
	})
	switch {
	case detach:
		a.requestDetach()
	case err != nil:
		// the terminal is gone: drop the connection, the session stays
		a.lostTTY()
	}
}

// input sends keys to the program. With a reconnector, they are counted
// and kept until a resume confirms them, and a failed write is not the
// end (the output loop sees the break and reconnects); while
// reconnecting they are discarded and counted.
func (a *attached) input(p []byte) bool {
	if a.re == nil {
		return a.current().WriteFrame(socket.MsgInput, p) == nil
	}
	a.imu.Lock()
	defer a.imu.Unlock()
	if a.down {
		a.discarded += int64(len(p))
		return true
	}
	a.inSent += int64(len(p))
	a.inKept = append(a.inKept, p...)
	if n := len(a.inKept) - maxKeptInput; n > 0 {
		a.inKept = append(a.inKept[:0], a.inKept[n:]...)
	}
	a.current().WriteFrame(socket.MsgInput, p)
	return true
}

// maxKeptInput bounds the input kept for a resume: what can be in flight
// when a connection breaks (socket and ssh buffers) is far less.
const maxKeptInput = 1 << 20

// lostTTY drops the connection when the terminal went away: the session
// stays, Broken, and we do not reconnect.
func (a *attached) lostTTY() {
	a.mu.Lock()
	a.hangup = true
	conn := a.conn
	a.mu.Unlock()
	conn.Close()
	if a.re != nil {
		a.re.stop("")
	}
}

func (a *attached) requestDetach() {
	a.mu.Lock()
	a.detached = true
	conn := a.conn
	a.mu.Unlock()
	if a.re != nil && a.re.stop("detach") {
		return // reconnecting: the detach key gives up
	}
	conn.WriteFrame(socket.MsgDetach, nil)
}

// signals handles window size changes and requests to leave.
func (a *attached) signals(sigs <-chan os.Signal, in *os.File) {
	for sig := range sigs {
		switch sig {
		case syscall.SIGWINCH:
			// (while reconnecting, the resume carries the size)
			if cols, rows := TermSize(in); cols > 0 {
				a.current().WriteFrame(socket.MsgResize, socket.EncodeSize(cols, rows))
			}
		case syscall.SIGHUP:
			// terminal closed: leave without detaching (the session keeps
			// running; the server sees a lost client)
			a.lostTTY()
		default: // SIGTERM, SIGINT, SIGQUIT sent by someone: detach cleanly
			a.requestDetach()
		}
	}
}

// output copies the session's output to the terminal until the stream ends
// and returns the reason line and exit code.
func (a *attached) output() (string, int) {
	for {
		conn := a.current()
		typ, p, err := conn.ReadFrame()
		if err != nil {
			a.mu.Lock()
			hangup, detached := a.hangup, a.detached
			a.mu.Unlock()
			if hangup {
				return "lost tty", 1
			}
			if detached {
				// we asked to detach; the server gave up on telling us
				// (it does when the terminal is too slow to catch up)
				return fmt.Sprintf("detached (from session %s)", a.name), 0
			}
			if a.re != nil {
				// step 6: dial again and resume (reconnect.go)
				if why, code := a.reconnect(conn); why != "" {
					return why, code
				}
				continue
			}
			return "lost connection", 1
		}
		a.noticeDone()
		switch typ {
		case socket.MsgRestore, socket.MsgOutput:
			// A restore's drawing stands for a count of stream bytes;
			// output stands for itself.
			draw, covered := p, int64(len(p))
			if typ == socket.MsgRestore {
				if covered, draw, err = socket.DecodeRestore(p); err != nil {
					conn.Close()
					return "lost connection", 1
				}
			}
			a.track(draw)
			if _, err := a.out.Write(draw); err != nil {
				conn.Close()
				return "lost tty", 1
			}
			// Acknowledge what reached the terminal whenever we have
			// consumed all we read: unacknowledged output is kept by the
			// server for the next client if this one dies.
			a.mu.Lock()
			a.written += covered
			a.mu.Unlock()
			if !conn.Buffered() || a.written-a.acked >= socket.AckEvery {
				conn.WriteFrame(socket.MsgAck, socket.EncodeAck(a.written))
				a.acked = a.written
			}
		case socket.MsgDetached:
			var d socket.Detached
			json.Unmarshal(p, &d)
			if d.Session != "" {
				a.name = d.Session // its name now: it may have been renamed
			}
			a.alt = a.alt || d.AltScreen
			switch d.Reason {
			case socket.ReasonServerExited:
				return "server exited", 1
			case socket.ReasonTooSlow:
				return fmt.Sprintf("detached (from session %s: terminal too slow)", a.name), 1
			case socket.ReasonStolen:
				by := "another client"
				if d.TakenBy != "" {
					by = strings.TrimPrefix(d.TakenBy, "/dev/")
				}
				return fmt.Sprintf("detached (from session %s: taken by %s)", a.name, by), 0
			}
			return fmt.Sprintf("detached (from session %s)", a.name), 0
		case socket.MsgExited:
			var e socket.Exited
			json.Unmarshal(p, &e)
			a.alt = a.alt || e.AltScreen
			a.lastWord()
			if e.Killed && e.Status != "killed" { // not "killed, killed" after a SIGKILL
				return fmt.Sprintf("exited (%s, killed)", e.Status), e.ShellCode
			}
			return fmt.Sprintf("exited (%s)", e.Status), e.ShellCode
		}
	}
}

// lastWord answers MsgExited: it acknowledges all the output written to
// the terminal and says it is done (MsgDetach), then waits for the server
// to close the connection, which it does once the session is collected
// (all output acknowledged) or kept for the next attach or receive. So
// when the client exits, `ls` and `receive` see the outcome.
func (a *attached) lastWord() {
	if !a.direct && a.conn.WriteFrame(socket.MsgAck, socket.EncodeAck(a.written)) != nil {
		return
	}
	if a.conn.WriteFrame(socket.MsgDetach, nil) != nil {
		return
	}
	a.conn.SetReadDeadline(time.Now().Add(lastWordWait))
	for {
		if _, _, err := a.conn.ReadFrame(); err != nil {
			return
		}
	}
}

// lastWordWait bounds how long lastWord waits for the server.
const lastWordWait = 10 * time.Second

// track notes whether the program switched to the alternate screen, so
// leaving can switch back. It only looks at chunks holding an ESC [ ?.
func (a *attached) track(p []byte) {
	if !bytes.Contains(p, []byte("\x1b[?")) {
		return
	}
	on, off := -1, -1
	for _, m := range []string{"1049", "1047", "47"} {
		on = max(on, bytes.LastIndex(p, []byte("\x1b[?"+m+"h")))
		off = max(off, bytes.LastIndex(p, []byte("\x1b[?"+m+"l")))
	}
	if on > off {
		a.alt = true
	} else if off > on {
		a.alt = false
	}
}

// pushTitle saves the terminal's title on attach; popTitle, on the way
// out, puts it back (xterm's title stack; terminals without one ignore
// both).
const (
	pushTitle = "\x1b[22;0t"
	popTitle  = "\x1b[23;0t"
)

// resetModes leaves the terminal as a shell expects it: attributes and
// character sets reset, cursor visible with its default shape, autowrap
// on, insert mode off, no scroll region (the cursor kept where it is),
// normal cursor keys and keypad, no bracketed paste, mouse or focus
// reporting, off the alternate screen if the program was on it, and the
// title saved on attach put back.
func (a *attached) resetModes() {
	s := "\x1b[0m\x1b(B\x1b)B\x0f\x1b[?25h\x1b[0 q\x1b[?7h\x1b[4l\x1b7\x1b[r\x1b8" +
		"\x1b[?1l\x1b>\x1b[?2004l\x1b[?9l\x1b[?1000l\x1b[?1002l\x1b[?1003l" +
		"\x1b[?1005l\x1b[?1006l\x1b[?1015l\x1b[?1004l"
	if a.alt {
		s += "\x1b[?1049l"
	}
	a.out.WriteString(s + popTitle)
}

// sameTerminal reports whether in and out are one terminal (the same
// device), which direct mode needs.
func sameTerminal(in, out *os.File) bool {
	if !term.IsTerminal(int(in.Fd())) || !term.IsTerminal(int(out.Fd())) {
		return false
	}
	var a, b unix.Stat_t
	if unix.Fstat(int(in.Fd()), &a) != nil || unix.Fstat(int(out.Fd()), &b) != nil {
		return false
	}
	return a.Rdev == b.Rdev
}

// IsTerminal reports whether f is a terminal.
func IsTerminal(f *os.File) bool { return term.IsTerminal(int(f.Fd())) }
