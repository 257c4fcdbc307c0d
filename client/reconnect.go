package client

// What happens on reconnect, terminal side (steps 1-5 of attach are in
// attach.go; the server's side of a resume is mux.Session.attach, and the
// protocol's in socket/protocol.go, Resuming):
//
//  1. An attached client relaying its stream (over ssh; not direct mode,
//     not read-only) whose connection ends without MsgDetached or
//     MsgExited keeps the terminal in raw mode and shows one status line
//     in the terminal's title, never in the session's output:
//     [linger: lost NAME 12s ago, reconnecting (attempt 4, next in 8s); Ctrl-\ gives up].
//     Keys typed meanwhile are discarded (and counted); the detach key
//     gives up.
//  2. It dials again at once, then after exponential backoff with jitter,
//     capped at maxBackoff, until Endpoint.Reconnect has passed since the
//     loss. Over ssh the dials run with BatchMode=yes: they never prompt.
//  3. Each dial sends an attach request for the session's ID with the
//     same ClientID and Resume: the session offset its terminal has (the
//     reply's Offset plus what it wrote of the stream) and the input bytes
//     it sent. The server continues from that offset (nothing redrawn),
//     or, if the terminal's size changed or the output is no longer held,
//     draws a screen restore; either way it says how many input bytes the
//     program got, and the client sends the rest again, so every key
//     arrives once.
//  4. Once resumed, the title comes back; what the user should know (keys
//     discarded, the screen redrawn, output dropped in drop mode) is shown
//     in the title for a few seconds: [linger: 1.2MiB of output dropped while disconnected].
//  5. It gives up, exit status 1 and one bracketed line, when the time is
//     up, another client attached meanwhile ([session NAME was attached
//     from pts/4 while disconnected]), the session is gone, ssh's
//     authentication fails, or the detach key is pressed.

import (
	crand "crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"linger/socket"
)

// maxBackoff caps the wait between reconnect attempts.
const maxBackoff = 15 * time.Second

// firstBackoff is the wait after the second attempt (the first is at once).
const firstBackoff = 500 * time.Millisecond

// noticeTime is how long a notice stays in the title after a resume.
const noticeTime = 5 * time.Second

// newClientID makes a ClientID (socket.Request): random, for this process.
func newClientID() string {
	var b [12]byte
	crand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// reconnector is what an attached client needs to reconnect.
type reconnector struct {
	e    Endpoint
	req  *socket.Request // the attach (or new) request: ClientID, caller, detach key
	in   *os.File
	id   int // the session's ID: a rename meanwhile does not matter
	quit chan string
	// keyName names the detach key for the status line ("Ctrl-\\")
	keyName string

	mu     sync.Mutex
	active bool      // reconnecting now
	notice time.Time // a notice is in the title until then (zero: none)
}

// stop gives up reconnecting, if reconnecting now (why: "detach", or ""
// when the terminal went away); it reports whether it was.
func (r *reconnector) stop(why string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.active {
		return false
	}
	select {
	case r.quit <- why:
	default:
	}
	return true
}

func (r *reconnector) setActive(on bool) {
	r.mu.Lock()
	r.active = on
	r.mu.Unlock()
	if !on {
		select { // a stop that came too late
		case <-r.quit:
		default:
		}
	}
}

// status shows text as the one status line (the terminal's title).
func (a *attached) status(text string) {
	a.out.WriteString("\x1b]2;[linger: " + text + "]\x07")
}

// noticeDone puts the title back once a notice has been shown long
// enough. The output loop calls it between frames.
func (a *attached) noticeDone() {
	if a.re == nil {
		return
	}
	r := a.re
	r.mu.Lock()
	due := !r.notice.IsZero() && time.Now().After(r.notice)
	if due {
		r.notice = time.Time{}
	}
	r.mu.Unlock()
	if due {
		a.out.WriteString(popTitle + pushTitle)
	}
}

// reconnect runs steps 1-5 after conn broke. It returns "" once resumed
// (a.conn is the new connection), else the line to end with and the exit
// status.
func (a *attached) reconnect(conn *socket.Conn) (why string, code int) {
	r := a.re
	// Closing waits for ssh to end, up to a second, and over a dead
	// network it does not end: redial meanwhile. A client that gives up
	// waits for it (ssh is killed then, not left behind).
	closed := make(chan struct{})
	go func() { conn.Close(); close(closed) }()
	defer func() {
		if why != "" {
			<-closed
		}
	}()
	a.imu.Lock()
	a.down = true
	a.discarded = 0
	a.imu.Unlock()
	r.setActive(true)
	defer r.setActive(false)

	lost := time.Now()
	deadline := lost.Add(r.e.Reconnect)
	e := r.e
	if e.Host != nil {
		h := *e.Host
		h.Batch = true // never prompt
		e.Host = &h
	}
	keyName := r.keyName
	again := fmt.Sprintf("linger %sattach %s", hostFlag(r.e), a.name)
	ticker := time.NewTicker(time.Second)
	defer ticker.Stop()
	backoff := firstBackoff
	for attempt := 1; ; attempt++ {
		trying := func() {
			a.status(fmt.Sprintf("lost %s %s ago, reconnecting (attempt %d); %s gives up", a.name, ago(lost), attempt, keyName))
		}
		trying()
		type dialed struct {
			c   *socket.Conn
			rep *socket.Reply
			err error
		}
		done := make(chan dialed, 1)
		go func() {
			c, rep, err := a.redial(e)
			done <- dialed{c, rep, err}
		}()
		var d dialed
	dialing: // (a dial over a dead network takes up to ssh's ConnectTimeout: the time lost goes on)
		for {
			select {
			case d = <-done:
				break dialing
			case <-ticker.C:
				trying()
			case why := <-r.quit:
				go func() { // let it finish, and drop it
					if d := <-done; d.c != nil {
						d.c.Close()
					}
				}()
				return a.gaveUp(why, again)
			}
		}
		if d.err == nil {
			a.resumed(d.c, d.rep)
			return "", 0
		}
		var re *socket.ReplyError
		if errors.As(d.err, &re) {
			switch re.Code {
			case socket.ErrMoved:
				return re.Msg, 1
			case socket.ErrNoSession:
				return fmt.Sprintf("session %s is gone (lost connection, then no such session)", a.name), 1
			}
		}
		if IsNoServer(d.err) { // a local server that died took the session with it
			return fmt.Sprintf("lost connection; the server is gone (%v)", d.err), 1
		}
		if strings.Contains(d.err.Error(), "Permission denied") {
			return fmt.Sprintf("lost connection; reconnecting: authentication failed (%v); session %s is safe on the server: %s", d.err, a.name, again), 1
		}
		if !time.Now().Before(deadline) {
			return fmt.Sprintf("lost connection; gave up reconnecting after %s (%v); session %s keeps running: %s",
				formatAgo(r.e.Reconnect), d.err, a.name, again), 1
		}
		wait := time.Duration(0)
		if attempt > 1 {
			wait = backoff/2 + rand.N(backoff/2+1) // jitter
			backoff = min(2*backoff, maxBackoff)
		}
		wait = min(wait, time.Until(deadline))
		next := time.Now().Add(wait)
		for time.Now().Before(next) {
			a.status(fmt.Sprintf("lost %s %s ago, reconnecting (attempt %d, next in %s); %s gives up",
				a.name, ago(lost), attempt+1, ago2(time.Until(next)), keyName))
			timer := time.NewTimer(time.Until(next))
			select {
			case <-timer.C:
			case <-ticker.C:
			case why := <-r.quit:
				timer.Stop()
				return a.gaveUp(why, again)
			}
			timer.Stop()
		}
	}
}

// gaveUp is the line for a reconnect stopped by the user (the detach
// key) or by the terminal going away.
func (a *attached) gaveUp(why, again string) (string, int) {
	if why == "" {
		return "lost tty", 1
	}
	return fmt.Sprintf("lost connection; gave up reconnecting; session %s keeps running: %s", a.name, again), 1
}

// redial dials the server and asks to resume.
func (a *attached) redial(e Endpoint) (*socket.Conn, *socket.Reply, error) {
	conn, err := e.Connect(false)
	if err != nil {
		return nil, nil, err
	}
	req := a.re.req
	a.mu.Lock()
	offset := a.base + a.written
	a.mu.Unlock()
	a.imu.Lock()
	sent := a.inSent
	a.imu.Unlock()
	res := &socket.Request{
		Op: socket.OpAttach, Caller: req.Caller, Target: strconv.Itoa(a.re.id),
		DetachKey: req.DetachKey, ClientID: req.ClientID,
		Resume: &socket.Resume{Offset: offset, Input: sent},
	}
	if cols, rows := TermSize(a.re.in); cols > 0 {
		res.Cols, res.Rows = cols, rows
	}
	rep, err := conn.Request(res)
	if err != nil {
		conn.Close()
		return nil, nil, err
	}
	if rep.Resumed == nil || rep.Session == nil {
		conn.Close()
		return nil, nil, errors.New("the server did not resume")
	}
	return conn, rep, nil
}

// resumed switches to the new connection: the keys the program did not
// get are sent again first, then typing goes on (step 3); the title comes
// back, with what the user should know (step 4).
func (a *attached) resumed(conn *socket.Conn, rep *socket.Reply) {
	a.imu.Lock()
	a.mu.Lock()
	a.conn = conn
	a.base, a.written = rep.Offset, 0
	a.name = rep.Session.Name
	a.mu.Unlock()
	var notes []string
	missing := a.inSent - rep.Resumed.Input
	if missing > int64(len(a.inKept)) {
		notes = append(notes, fmt.Sprintf("%d typed bytes lost", missing-int64(len(a.inKept))))
		missing = int64(len(a.inKept))
	}
	if missing < 0 {
		missing = 0
	}
	resend := a.inKept[int64(len(a.inKept))-missing:]
	a.inKept = append(a.inKept[:0], resend...)
	for p := a.inKept; len(p) > 0; {
		n := min(len(p), 32<<10)
		conn.WriteFrame(socket.MsgInput, p[:n])
		p = p[n:]
	}
	discarded := a.discarded
	a.down = false
	a.imu.Unlock()

	if discarded > 0 {
		notes = append(notes, fmt.Sprintf("%d typed bytes discarded while disconnected", discarded))
	}
	switch rep.Resumed.Reason {
	case socket.ResumeResized:
		notes = append(notes, "screen redrawn: the terminal's size changed")
	case socket.ResumeNotHeld:
		notes = append(notes, "screen redrawn: output no longer held")
	}
	if rep.Resumed.Dropped > 0 {
		notes = append(notes, humanSize(rep.Resumed.Dropped)+" of output dropped while disconnected")
	}
	a.out.WriteString(popTitle + pushTitle)
	if len(notes) > 0 {
		a.status(strings.Join(notes, "; "))
		a.re.mu.Lock()
		a.re.notice = time.Now().Add(noticeTime)
		a.re.mu.Unlock()
	}
}

// hostFlag is "-H URL " for a remote endpoint, else "".
func hostFlag(e Endpoint) string {
	if e.Host != nil {
		return "-H " + e.Host.URL + " "
	}
	return ""
}

// ago says how long since t, in whole seconds.
func ago(t time.Time) string { return ago2(time.Since(t)) }

func ago2(d time.Duration) string { return formatAgo(d.Round(time.Second)) }

// formatAgo writes d as "12s", "4m", "1m30s", "1h2m".
func formatAgo(d time.Duration) string {
	d = d.Round(time.Second)
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d/time.Second))
	case d < time.Hour:
		if d%time.Minute == 0 {
			return fmt.Sprintf("%dm", int(d/time.Minute))
		}
		return fmt.Sprintf("%dm%ds", int(d/time.Minute), int(d%time.Minute/time.Second))
	}
	return fmt.Sprintf("%dh%dm", int(d/time.Hour), int(d%time.Hour/time.Minute))
}

// humanSize writes n bytes as "512B", "3.4KiB", "1.2MiB".
func humanSize(n int64) string {
	switch {
	case n < 1<<10:
		return fmt.Sprintf("%dB", n)
	case n < 1<<20:
		return fmt.Sprintf("%.1fKiB", float64(n)/(1<<10))
	case n < 1<<30:
		return fmt.Sprintf("%.1fMiB", float64(n)/(1<<20))
	}
	return fmt.Sprintf("%.1fGiB", float64(n)/(1<<30))
}
