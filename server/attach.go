package server

// What happens on attach, server side (the terminal side is client/attach.go):
//
//  1. The client's request (OpAttach, or OpNew with Attach) names a session
//     and carries the client's terminal size and tty. When the client's
//     stdin and stdout are one terminal, the request frame also carries
//     that terminal's descriptor (SCM_RIGHTS), already in raw mode: the
//     server then writes the output to the terminal and reads the keyboard
//     itself (direct mode), one process hop instead of two each way. The
//     server opens the terminal anew (its own non-blocking file, never its
//     controlling terminal) and says Direct in the reply; otherwise the
//     client relays both ways over the socket.
//  2. mux attaches the client: a busy session is refused unless Steal (the
//     old client gets MsgDetached) or ReadOnly; the session takes the new
//     owner's size, and the program is made to redraw (SIGWINCH).
//  3. We reply with the session's info and the detach key, decided here
//     once for both modes (newClient). A read-only watcher is then told in
//     one line, in the stream before the restore, that its keys are
//     ignored and which key detaches (readOnlyNotice). Output from the
//     session's pump waits on cl.ready until that reply is written, so the
//     reply is always the first frame. Then MsgRestore frames draw the
//     session's screen (mux/screen.go) as the restore mode says: history
//     and screen (lines), the screen (screen), or nothing (none: the
//     program was sent SIGWINCH to redraw itself). No live output is
//     written between the screen's snapshot and the drawing. A resume
//     (Request.Resume: a client whose connection broke, see Resuming in
//     socket/protocol.go and client/reconnect.go) draws nothing: the
//     output from the offset its terminal has follows (mux.Session.attach),
//     unless that is no longer held or its size changed (then a screen
//     restore); the reply says which, and how much of its input the
//     program got.
//  4. This goroutine then reads the client's frames: MsgInput goes to the
//     program, MsgResize resizes the pty, MsgDetach detaches. Output frames
//     are written by the session's pump goroutine (mux.Session.deliver).
//     In direct mode the pump writes to the terminal instead, and another
//     goroutine (readTTY) reads the keyboard, cuts out the detach key and
//     sends the rest to the program; the client only sends MsgResize and
//     MsgDetach. Before the last message the server stops reading the
//     terminal and closes it, so it never takes a key meant for the shell.
//  5. It ends with MsgDetached (detach key, `linger detach`, --steal
//     elsewhere, server exit), after which the server closes the
//     connection, or MsgExited (the command ended), which the client
//     answers with its last MsgAck and MsgDetach: then the client leaves
//     the session (endExited), which is collected only if the client
//     acknowledged all its output, else kept Closed; then the server
//     closes. A connection that just drops is a lost client: the session
//     is detached and keeps running (or, Closed, keeps what the client did
//     not acknowledge).

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"linger/config"

	"golang.org/x/sys/unix"

	"linger/mux"
	"linger/shell"
	"linger/socket"
)

// client is an attached client: mux.Client over a socket connection, and
// in direct mode over the client's terminal too.
type client struct {
	conn  *socket.Conn
	info  mux.ClientInfo
	ready chan struct{} // closed once the reply has been written
	once  sync.Once
	final chan struct{} // closed once the last message is written or given up on (finish)
	after atomic.Bool   // MsgExited is out: waiting for the client's last word (readClient)
	sess  *mux.Session  // set with the reply
	// result is what the attach tells the client in the reply: where its
	// stream starts, and how a resume goes on (see Resuming in
	// socket/protocol.go)
	result mux.AttachResult

	// Direct mode: the client's terminal, opened by us, and its writer
	// (tty.go), started with the reply.
	tty      *os.File
	ttyRC    syscall.RawConn // tty's, for readTTY
	w        *ttyWriter
	tmu      sync.Mutex // guards started and released
	started  bool
	released bool
	key      config.Key // the detach key: readTTY cuts it out; the reply tells a relaying client
}

// newClient makes the client of an attach request (attach, or new with
// attach). This is where the detach key is decided, once for both modes:
// the user's --detach-key, else the configuration's, else Ctrl-\. The
// reply tells it to a relaying client; in direct mode readTTY watches for
// it. With a terminal passed for direct mode, it opens it (openTTY).
func (s *Server) newClient(c *socket.Conn, req *socket.Request, readOnly bool) (*client, error) {
	key, err := s.config().DetachKey(req.DetachKey)
	if err != nil {
		return nil, mux.Invalidf("--detach-key: %v", err)
	}
	cl := &client{conn: c, info: mux.ClientInfo{TTY: req.Caller.TTY, From: clientFrom(c, req), ReadOnly: readOnly, Since: time.Now(), ID: req.ClientID},
		ready: make(chan struct{}), final: make(chan struct{}), key: key}
	s.openTTY(cl, req)
	return cl, nil
}

// openTTY takes the terminal the client passed with its request, if any,
// and opens it anew for direct mode: a file of our own (non-blocking, on
// the runtime poller, without making it our controlling terminal) so that
// nothing we do changes the client's file. The passed descriptor is
// closed. Without one, or if it is not a terminal, the client relays.
func (s *Server) openTTY(cl *client, req *socket.Request) {
	passed := cl.conn.TakeFD()
	if passed == nil || !req.TTY {
		if passed != nil {
			passed.Close()
		}
		return
	}
	defer passed.Close()
	if _, err := unix.IoctlGetTermios(int(passed.Fd()), unix.TCGETS); err != nil {
		return // not a terminal: relay
	}
	f, err := os.OpenFile(fmt.Sprintf("/proc/self/fd/%d", passed.Fd()), os.O_RDWR|syscall.O_NOCTTY|syscall.O_NONBLOCK|syscall.O_CLOEXEC, 0)
	if err != nil {
		s.limitedf("tty", "cannot open the client's terminal %s (%v): relaying through the client", ttyOr(cl.info.TTY), err)
		return
	}
	rc, err := f.SyscallConn()
	if err != nil {
		f.Close()
		return // cannot happen for an open file: relay
	}
	cl.tty, cl.ttyRC = f, rc
	cl.w = newTTYWriter(f)
	cl.info.WriterAcks = true
}

// Output writes program output. It is called from the session's pump. In
// direct mode it is queued for the terminal's writer, which acknowledges
// it once written.
func (cl *client) Output(p []byte, deadline time.Time) error {
	<-cl.ready
	if cl.w != nil {
		return cl.w.queue(p, int64(len(p)), deadline)
	}
	return cl.conn.WriteFrameDeadline(socket.MsgOutput, p, deadline)
}

// draw writes the restore (step 3), which stands for covered stream
// bytes. Like output to a session's only client it has no deadline.
func (cl *client) draw(p []byte, covered int64) error {
	if cl.w != nil {
		return cl.w.queue(p, covered, time.Time{})
	}
	for _, f := range socket.EncodeRestore(p, covered) {
		if err := cl.conn.WriteFrame(socket.MsgRestore, f); err != nil {
			return err
		}
	}
	return nil
}

// BeginDrain and Drain make a direct client a mux.Drainer: before a clean
// detach, what is queued for its terminal is written (within
// SlowClientTimeout), so that the session counts exactly what it got.
func (cl *client) BeginDrain() {
	if cl.w != nil {
		cl.w.beginDrain()
	}
}

func (cl *client) Drain() {
	cl.tmu.Lock()
	started := cl.started
	cl.tmu.Unlock()
	if started {
		cl.w.drain()
	}
}

// startTTY starts the terminal's writer once the session is known.
func (s *Server) startTTY(cl *client, sess *mux.Session) {
	cl.tmu.Lock()
	defer cl.tmu.Unlock()
	if cl.w == nil || cl.released {
		return
	}
	cl.started = true
	cl.w.ack = func(n int64) { sess.Ack(cl, n) }
	go func() {
		if err := cl.w.run(); err != nil {
			cl.tmu.Lock()
			released := cl.released
			cl.tmu.Unlock()
			if !released && !errors.Is(err, os.ErrDeadlineExceeded) {
				s.ttyLost(cl, sess, err)
			}
		}
	}()
}

// ttyLost handles a terminal that went away under a direct client: the
// client is lost, as when it dies.
func (s *Server) ttyLost(cl *client, sess *mux.Session, err error) {
	if s.reg.Detach(sess, cl, true) {
		s.log.Printf("session %s (%d): client %s lost its terminal (%v)", sess.Name(), sess.ID, ttyOr(cl.info.TTY), err)
	}
	cl.releaseTTY(false)
	cl.conn.Close()
}

// clientFrom names where the client of a request is, as ls's last_client
// says it: what the relay that carries it said ("ssh:ADDRESS", see
// Relays in socket/protocol.go), else its terminal ("pts/3"), else "".
func clientFrom(c *socket.Conn, req *socket.Request) string {
	if r := c.Relayed(); r != nil {
		return r.Label()
	}
	return strings.TrimPrefix(req.Caller.TTY, "/dev/")
}

// Detached tells the client why it is detached (and, when another client
// took the session, where that one is) and closes the connection.
func (cl *client) Detached(session, reason string, takenBy *mux.ClientInfo) {
	d := socket.Detached{Session: session, Reason: reason}
	if takenBy != nil {
		d.TakenBy = takenBy.From
	}
	cl.finish(socket.MsgDetached, func(alt bool) any {
		d.AltScreen = alt
		return d
	})
}

// Exited tells the client the command ended and closes the connection.
func (cl *client) Exited(session string, st shell.ExitStatus, killed bool) {
	cl.finish(socket.MsgExited, func(alt bool) any {
		return socket.Exited{Session: session, Status: st.String(), ShellCode: st.ShellCode(), Killed: killed, AltScreen: alt}
	})
}

// finish sends the last message and closes, at most once, in the
// background so that no caller waits on a slow client: the pump may be in
// a write to it, which a slow reader finishes and one that stopped reading
// is cut from after SlowClientTimeout; then the last message goes once the
// client has read what is ahead of it, within SlowClientTimeout more. In
// direct mode the terminal is let go first.
//
// After MsgExited the connection stays open for the client's last word
// (its last MsgAck, then MsgDetach), which readClient waits for while the
// client keeps acknowledging, giving up after SlowClientTimeout without
// one; then the client leaves the session (endExited), which is collected
// only if the client got everything.
func (cl *client) finish(typ uint8, msg func(alt bool) any) {
	cl.once.Do(func() {
		go func() {
			defer close(cl.final)
			select {
			case <-cl.ready:
			default:
				cl.releaseTTY(false)
				cl.conn.Close()
				return // the reply was never sent: just close
			}
			cl.releaseTTY(true) // direct mode: what is queued goes out first
			limit := time.Now().Add(mux.SlowClientTimeout)
			alt := false
			if cl.tty != nil && cl.sess != nil {
				alt = cl.sess.AltScreen() // the client resets its terminal from it
			}
			p, _ := json.Marshal(msg(alt))
			cl.conn.LimitWrites(limit)
			if cl.conn.WriteFinal(typ, p, mux.SlowClientTimeout) != nil || typ != socket.MsgExited {
				cl.conn.Close()
				return
			}
			cl.after.Store(true)
			cl.conn.SetReadDeadline(time.Now().Add(mux.SlowClientTimeout))
		}()
	})
}

// endExited ends the stream of a client told that the command ended: once
// its last message is out (and in direct mode the terminal's writer has
// stopped, so its acknowledgements are in), it leaves the session, which
// is collected if it got all the output and confirmed the status
// (mux.Session.Leave); then the connection is closed, which tells the
// client it may go.
func (s *Server) endExited(cl *client, sess *mux.Session, confirmed bool) {
	<-cl.final
	sess.Leave(cl, confirmed)
	cl.releaseTTY(false)
	cl.conn.Close()
}

// releaseTTY stops using the terminal: the keyboard reader stops at once;
// with drain the writer writes what is queued while the terminal takes it
// (see ttyWriter.close), else it stops at once; then the file is closed.
func (cl *client) releaseTTY(drain bool) {
	if cl.tty == nil {
		return
	}
	cl.tmu.Lock()
	if cl.released {
		cl.tmu.Unlock()
		return
	}
	cl.released = true
	started := cl.started
	cl.tmu.Unlock()
	cl.tty.SetReadDeadline(time.Now())
	if started {
		cl.w.close(drain)
	}
	cl.tty.Close()
}

// handleAttach attaches the connection's client to an existing session.
func (s *Server) handleAttach(c *socket.Conn, req *socket.Request) {
	mode, err := outputBuffering(req.OutputBuffering)
	if err != nil {
		s.replyErr(c, err)
		return
	}
	restore := ""
	if req.Restore != "" {
		if restore, err = config.ParseRestore(req.Restore); err != nil {
			s.replyErr(c, err)
			return
		}
	}
	cl, err := s.newClient(c, req, req.ReadOnly)
	if err != nil {
		s.replyErr(c, err)
		return
	}
	o := mux.AttachOptions{
		Target: req.Target, Client: cl, Info: cl.info, Steal: req.Steal,
		Cols: req.Cols, Rows: req.Rows, OutputBuffering: mode, Restore: restore,
		Draw: cl.draw, Result: &cl.result,
	}
	o.Reply = func(sess *mux.Session) error { return s.writeReply(cl, sess, req) }
	if r := req.Resume; r != nil {
		if req.ClientID == "" || r.Offset < 0 || r.Input < 0 {
			cl.releaseTTY(false)
			s.replyErr(c, mux.Invalidf("a resume needs client_id, and offsets from 0"))
			return
		}
		o.Resume = &mux.Resume{Offset: r.Offset, Input: r.Input}
	}
	sess, closed, err := s.reg.Attach(o)
	if err != nil {
		cl.releaseTTY(false)
		s.replyErr(c, err)
		return
	}
	if closed {
		// The command ended while nobody was attached: its last screen was
		// drawn; the status follows, and the session is collected once the
		// client has acknowledged it all (endExited).
		st, _ := sess.ExitStatus()
		cl.Exited(sess.Name(), st, false)
		s.readClient(cl, sess, false)
		return
	}
	s.readClient(cl, sess, true)
}

// writeReply sends the attach reply and opens the gate for output.
func (s *Server) writeReply(cl *client, sess *mux.Session, req *socket.Request) error {
	rep := socket.Reply{
		Session: ptr(sessionInfo(sess.Info(caller(req)))),
		Direct:  cl.tty != nil,
	}
	if !cl.key.None {
		rep.DetachKey = &cl.key.Byte
	}
	rep.Offset = cl.result.Offset
	if r := cl.result; r.Resumed {
		rep.Resumed = &socket.Resumed{Exact: r.Exact, Reason: r.Reason, Dropped: r.Dropped, Input: r.Input}
	}
	cl.sess = sess
	err := cl.conn.WriteJSON(socket.MsgReply, rep)
	s.startTTY(cl, sess)
	if err == nil && cl.info.ReadOnly {
		// In the stream, before the restore: nothing can come between,
		// in either mode.
		err = cl.draw(readOnlyNotice(cl.key, req.Rows), 0)
	}
	close(cl.ready)
	return err
}

// readOnlyNotice tells a read-only watcher, once, that its keys are
// ignored and which key detaches. The line is then scrolled off the screen
// (rows-1 newlines from the line below it: only the lines above the
// cursor go), so that the restore, which clears the screen, leaves it in
// the terminal's scrollback above what it draws.
func readOnlyNotice(key config.Key, rows int) []byte {
	line := "\r[read-only: keys are ignored"
	if !key.None {
		line += "; " + config.KeyName(key.Byte) + " detaches"
	}
	return []byte(line + "]\r\n" + strings.Repeat("\n", max(rows-1, 0)))
}

// stream runs a connection attached by new: reply, then the client's frames.
func (s *Server) stream(cl *client, sess *mux.Session, req *socket.Request) {
	if err := s.writeReply(cl, sess, req); err != nil {
		if !s.reg.Detach(sess, cl, true) && sess.Exiting(cl) {
			s.endExited(cl, sess, false) // the command ended meanwhile
			return
		}
		cl.releaseTTY(false)
		cl.conn.Close()
		return
	}
	s.readClient(cl, sess, true)
}

// readClient reads the attached client's frames until the connection ends
// (step 4 above), and in direct mode (with keyboard) starts the keyboard
// reader. A client told that the command ended (it was attached then, or
// attached to the Closed session) leaves with endExited.
func (s *Server) readClient(cl *client, sess *mux.Session, keyboard bool) {
	if cl.tty != nil && keyboard {
		go s.readTTY(cl, sess)
	}
	for {
		typ, p, err := cl.conn.ReadFrame()
		if err != nil {
			// lost client (or we closed it after Detached/Exited)
			if s.reg.Detach(sess, cl, true) {
				how := "went away without detaching"
				if errors.Is(err, socket.ErrSilent) {
					how = "is gone (" + err.Error() + ")" // heartbeats: a remote client
				}
				s.log.Printf("session %s (%d): client %s %s", sess.Name(), sess.ID, clientOr(cl.info), how)
			} else if sess.Exiting(cl) {
				s.endExited(cl, sess, false) // gone, or given up on, before its last word
				return
			}
			cl.releaseTTY(false)
			cl.conn.Close()
			return
		}
		switch typ {
		case socket.MsgInput:
			if cl.info.ReadOnly {
				continue
			}
			if err := sess.Input(cl, p); err != nil {
				s.limitedf("input", "session %s: writing input: %v", sess.Name(), err)
			}
		case socket.MsgResize:
			cols, rows, err := socket.DecodeSize(p)
			if err != nil {
				s.limitedf("resize", "session %s: %v", sess.Name(), err)
				continue
			}
			sess.Resize(cl, cols, rows)
		case socket.MsgAck:
			if n, err := socket.DecodeAck(p); err == nil {
				sess.Ack(cl, n)
			}
			if cl.after.Load() { // it is still reading towards MsgExited
				cl.conn.SetReadDeadline(time.Now().Add(mux.SlowClientTimeout))
			}
		case socket.MsgDetach:
			if s.reg.Detach(sess, cl, false) {
				cl.Detached(sess.Name(), socket.ReasonDetached, nil)
			} else if sess.Exiting(cl) {
				s.endExited(cl, sess, true) // its last word after MsgExited
				return
			}
		default:
			s.limitedf("frame", "session %s: unexpected message 0x%02x from client: closing it", sess.Name(), typ)
			if !s.reg.Detach(sess, cl, true) && sess.Exiting(cl) {
				s.endExited(cl, sess, false)
				return
			}
			cl.releaseTTY(false)
			cl.conn.Close()
			return
		}
	}
}

// readTTY is direct mode's keyboard: it reads the client's terminal and
// sends what is typed to the program, until the detach key (the client
// detaches; pressed twice, it goes to the program: config.Key.Forward), the terminal goes away (the client is lost, as when it dies),
// or the terminal is let go (releaseTTY).
func (s *Server) readTTY(cl *client, sess *mux.Session) {
	read := func(buf []byte) (int, error) { return readNow(cl.ttyRC, buf) }
	detach, err := cl.key.Forward(4096, read, func(p []byte) bool {
		if !cl.info.ReadOnly {
			if err := sess.Input(cl, p); err != nil {
				s.limitedf("input", "session %s: writing input: %v", sess.Name(), err)
			}
		}
		return true
	})
	if detach {
		if s.reg.Detach(sess, cl, false) {
			cl.Detached(sess.Name(), socket.ReasonDetached, nil)
		}
		return
	}
	cl.tmu.Lock()
	released := cl.released
	cl.tmu.Unlock()
	if released || errors.Is(err, os.ErrDeadlineExceeded) || errors.Is(err, os.ErrClosed) {
		return
	}
	s.ttyLost(cl, sess, err) // the terminal is gone (hung up)
}

// clientOr names a client in the log: its terminal, else where it is.
func clientOr(info mux.ClientInfo) string {
	if info.TTY == "" && info.From != "" {
		return info.From
	}
	return ttyOr(info.TTY)
}

func ttyOr(tty string) string {
	if tty == "" {
		return "(no tty)"
	}
	return tty
}

// readNow reads what the terminal has, waiting on the runtime poller while
// it has nothing; the read itself skips the scheduler's syscall state
// (shell.RawRead). Like os.File's Read, it returns io.EOF for end of file,
// and the poller's error after Close or a read deadline.
func readNow(rc syscall.RawConn, buf []byte) (int, error) {
	var (
		n    int
		rerr error
	)
	err := rc.Read(func(fd uintptr) bool {
		for {
			n, rerr = shell.RawRead(int(fd), buf)
			if rerr != unix.EINTR {
				return rerr != unix.EAGAIN // nothing yet: wait on the poller
			}
		}
	})
	switch {
	case err != nil:
		return 0, err
	case rerr != nil:
		return 0, rerr
	case n == 0 && len(buf) > 0:
		return 0, io.EOF
	}
	return n, nil
}
