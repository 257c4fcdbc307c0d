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
//
// Steps 2 and 5 are redial, which receive and wait run too (receive.go,
// wait.go): a receive resumes from the offset up to which its stdout has
// the output; a wait asks again, and ends with ExitDisconnected when it
// cannot reconnect in time (wait --force: it never gives up for time).

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

	keyName := r.keyName
	again := fmt.Sprintf("linger %sattach %s", hostFlag(r.e), a.name)
	d, err := redial(retry{
		E: r.e, Lost: time.Now(), Timeout: r.e.Reconnect, Quit: r.quit,
		Status: func(lost time.Time, attempt int, next time.Duration) {
			if next < 0 {
				a.status(fmt.Sprintf("lost %s %s ago, reconnecting (attempt %d); %s gives up", a.name, ago(lost), attempt, keyName))
			} else {
				a.status(fmt.Sprintf("lost %s %s ago, reconnecting (attempt %d, next in %s); %s gives up",
					a.name, ago(lost), attempt+1, ago2(next), keyName))
			}
		},
	}, a.redial)
	if err == nil {
		a.resumed(d.c, d.rep)
		return "", 0
	}
	switch err.Reason {
	case upQuit:
		return a.gaveUp(err.Why, again)
	case upMoved:
		return err.Err.Error(), 1
	case upGone:
		return fmt.Sprintf("session %s is gone (lost connection, then no such session)", a.name), 1
	case upNoServer:
		return fmt.Sprintf("lost connection; the server is gone (%v)", err.Err), 1
	case upAuth:
		return fmt.Sprintf("lost connection; reconnecting: authentication failed (%v); session %s is safe on the server: %s", err.Err, a.name, again), 1
	}
	return fmt.Sprintf("lost connection; gave up reconnecting after %s (%v); session %s keeps running: %s",
		formatAgo(r.e.Reconnect), err.Err, a.name, again), 1
}

// retry says how to run the reconnect loop (redial): shared by attach,
// receive and wait.
type retry struct {
	E       Endpoint      // where to dial (its Host dials with Batch)
	Lost    time.Time     // when the connection was lost
	Timeout time.Duration // give up this long after Lost (unless Forever)
	Forever bool          // never give up for time (wait --force)
	Quit    <-chan string // a value stops the loop: upQuit, with it as Why
	// Status is told of each attempt: when it dials (next < 0), then
	// every second while it waits, with the time until the next one.
	Status func(lost time.Time, attempt int, next time.Duration)
}

// Why redial gave up (lostError.Reason).
const (
	upTimeout  = iota // the time was up
	upQuit            // told to (retry.Quit)
	upMoved           // another client attached meanwhile (socket.ErrMoved)
	upGone            // the session is gone (socket.ErrNoSession)
	upNoServer        // a local server that died took the session with it
	upAuth            // ssh's authentication failed: it will not get better
)

// lostError is why redial gave up: Reason, the last dial's error, and for
// upQuit what the quit said.
type lostError struct {
	Reason int
	Err    error
	Why    string
}

func (e *lostError) Error() string {
	if e.Err == nil {
		return "gave up reconnecting"
	}
	return e.Err.Error()
}

// redial is steps 2 and 5 of a reconnect, for every conversation that
// reconnects: it calls dial at once, then after exponential backoff with
// jitter, capped at maxBackoff, until one succeeds (its result is
// returned), the time is up, or an error says trying again is useless.
// Over ssh the dials run with BatchMode=yes: they never prompt. A quit
// stops it at once; a dial then under way is let finish and closed.
func redial[T interface{ Close() error }](r retry, dial func(Endpoint) (T, error)) (T, *lostError) {
	var none T
	e := r.E
	if e.Host != nil {
		h := *e.Host
		h.Batch = true // never prompt
		e.Host = &h
	}
	deadline := r.Lost.Add(r.Timeout)
	status := r.Status
	if status == nil {
		status = func(time.Time, int, time.Duration) {}
	}
	ticker := time.NewTicker(time.Second)
	defer ticker.Stop()
	backoff := firstBackoff
	for attempt := 1; ; attempt++ {
		status(r.Lost, attempt, -1)
		type dialed struct {
			c   T
			err error
		}
		done := make(chan dialed, 1)
		go func() {
			c, err := dial(e)
			done <- dialed{c, err}
		}()
		drop := func() {
			go func() { // let it finish, and drop it
				if d := <-done; d.err == nil {
					d.c.Close()
				}
			}()
		}
		// a dial that hangs (a blackholed network) ends at the deadline too
		timeUp := time.NewTimer(time.Until(deadline))
		if r.Forever {
			timeUp.Stop()
		}
		var d dialed
	dialing: // (a dial over a dead network takes up to ssh's ConnectTimeout: the time lost goes on)
		for {
			select {
			case d = <-done:
				timeUp.Stop()
				break dialing
			case <-ticker.C:
				status(r.Lost, attempt, -1)
			case why := <-r.Quit:
				timeUp.Stop()
				drop()
				return none, &lostError{Reason: upQuit, Why: why}
			case <-timeUp.C:
				drop()
				return none, &lostError{Reason: upTimeout, Err: fmt.Errorf("attempt %d still under way", attempt)}
			}
		}
		if d.err == nil {
			return d.c, nil
		}
		var re *socket.ReplyError
		if errors.As(d.err, &re) {
			switch re.Code {
			case socket.ErrMoved:
				return none, &lostError{Reason: upMoved, Err: d.err}
			case socket.ErrNoSession:
				return none, &lostError{Reason: upGone, Err: d.err}
			}
		}
		if IsNoServer(d.err) {
			return none, &lostError{Reason: upNoServer, Err: d.err}
		}
		if strings.Contains(d.err.Error(), "Permission denied") {
			return none, &lostError{Reason: upAuth, Err: d.err}
		}
		if !r.Forever && !time.Now().Before(deadline) {
			return none, &lostError{Reason: upTimeout, Err: d.err}
		}
		wait := time.Duration(0)
		if attempt > 1 {
			wait = backoff/2 + rand.N(backoff/2+1) // jitter
			backoff = min(2*backoff, maxBackoff)
		}
		if !r.Forever {
			wait = min(wait, time.Until(deadline))
		}
		next := time.Now().Add(wait)
		for time.Now().Before(next) {
			status(r.Lost, attempt, time.Until(next))
			timer := time.NewTimer(time.Until(next))
			select {
			case <-timer.C:
			case <-ticker.C:
			case why := <-r.Quit:
				timer.Stop()
				return none, &lostError{Reason: upQuit, Why: why}
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

// resumedConn is a connection on which the server has resumed a stream.
type resumedConn struct {
	c   *socket.Conn
	rep *socket.Reply
}

func (r resumedConn) Close() error { return r.c.Close() }

// redial dials the server and asks to resume.
func (a *attached) redial(e Endpoint) (resumedConn, error) {
	conn, err := e.Connect(false)
	if err != nil {
		return resumedConn{}, err
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
		return resumedConn{}, err
	}
	if rep.Resumed == nil || rep.Session == nil {
		conn.Close()
		return resumedConn{}, errors.New("the server did not resume")
	}
	return resumedConn{conn, rep}, nil
}

// resumed switches to the new connection: the keys the program did not
// get are sent again first, then typing goes on (step 3); the title comes
// back, with what the user should know (step 4).
func (a *attached) resumed(conn *socket.Conn, rep *socket.Reply) {
	a.imu.Lock()
	a.mu.Lock()
	a.conn = conn
	a.base, a.written, a.acked = rep.Offset, 0, 0
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

// hostFlag is "-H URL " (the host entry's name, if one) for a remote
// endpoint, else "".
func hostFlag(e Endpoint) string {
	if e.Host != nil {
		return "-H " + hostName(e) + " "
	}
	return ""
}

// hostName names a remote endpoint's host as the user gave it: the host
// entry's name, else the URL.
func hostName(e Endpoint) string {
	if e.Host.Entry != "" {
		return e.Host.Entry
	}
	return e.Host.URL
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
