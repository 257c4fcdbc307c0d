package main

// A bounded load test (TestLoad): one server, run in this process so the
// test can count its goroutines, fds and heap, holds 200 sessions (150
// idle, 40 block-mode and 10 drop-mode writers) while 20 clients attach
// (real binary, in the harness's ptys), receive and list at random. At the
// end every byte each writer printed must be accounted for: received
// exactly once in block mode; received at most once, or dropped and
// reported as dropped, in drop mode. Then every session is killed and the
// server must be back to its starting goroutines, heap and fds.
//
// How the output is checked. Every writer prints numbered, self-checking
// lines "W<k> <n> <check> <pad>" (check = n*2654435761 mod 2^32, in hex),
// then "END", then exits 7; the test generates the same bytes (the pty turns
// "\n" into "\r\n"). Each attach or receive yields one chunk: the bytes it
// printed for the session (an attach's output minus the client's mode
// reset and bracketed line). The product guarantees that one chunk is a
// contiguous piece of the session's output (held output is replayed or
// printed under the session's delivery lock, then live output follows).
// Clients of one session may run concurrently, so the order in which their
// processes end says little; instead each chunk is placed in the stream by
// its content (its first "W<k> <n> " names the line it starts in: 'W' and
// "END" occur only at line starts) and compared byte for byte with the
// expected output there. Placed chunks must not overlap (a duplicate) and,
// in block mode, must tile the whole output (no loss). The order in which
// things happened is checked too: a chunk whose client ended before
// another's started must hold earlier bytes. The placed chunks are then
// joined into runs of adjacent chunks and parsed with a regexp, line by
// line: every n exactly once and END once (block); increasing, no
// duplicate, END once (drop).
//
// Drop mode, how partial lines are accounted for: output is dropped by
// bytes, from the front of what is held, so a gap between runs may start or
// end inside a line. Lines cut at a run's edge are not counted as seen;
// their bytes that were delivered are "cut bytes". So
//
//	missing line bytes (P - bytes of lines seen whole) = gap bytes + cut bytes
//
// and the test requires gap bytes == the dropped bytes the product reported
// (the sum of receive's "linger: N bytes dropped" lines when a receive
// collected the session, which then has reported every drop; and ls
// --json dropped_bytes when ls saw the session Closed), hence
// dropped <= missing line bytes <= dropped + cut bytes.
//
// Knobs (environment): LINGER_LOAD_SEED (default 1) seeds the random
// choices; LINGER_LOAD_ATTACH_SLOTS (default 8, 0 = no bound) bounds the
// attaches in progress. The run is logged with its figures.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"linger/config"

	"golang.org/x/sys/unix"

	"linger/server"
	"linger/socket"
)

const (
	loadIdle    = 150
	loadBlock   = 40
	loadDrop    = 10
	loadWorkers = 20
	// loadLoop bounds the random phase (it ends earlier once every writer
	// has been collected).
	loadLoop = 30 * time.Second
	// loadLines per writer: about 52 bytes each, ~380 KB per writer.
	loadLines = 7300
	// loadPad fills the lines; it has no 'W', 'E', 'N' or 'D', which mark
	// line starts.
	loadPad       = "abcdefghijklmnopqrstuvwxyz012345"
	loadBlockSize = 256 << 10
	loadDropSize  = 64 << 10
	loadExit      = 7 // writers' exit status: tells a collecting receive from another

	// loadAttachSlots bounds the attaches in progress: every byte an
	// attach prints goes through the harness's terminal emulator, which
	// under -race takes a few hundred KB/s of one core, shared by all
	// terminals; 20 at once make each a ~10 KB/s terminal and the run
	// long. The workers that find no slot receive instead.
	loadAttachSlots = 8

	// loadAttachStall and loadAttachMax bound an attach client's run (see
	// loadRun.attach): its terminal must get output at least every
	// loadAttachStall, and the client must end within loadAttachMax. With
	// -race beside two busy loops on 2 cores (and other work on top), the
	// longest time without output measured was 11.4s, the slowest terminal
	// 1.6 KB/s; a whole writer's output (~380 KB) then takes 4 minutes.
	loadAttachStall = 30 * time.Second
	loadAttachMax   = 5 * time.Minute

	loadGoroutineSlack = 5
	loadHeapSlack      = 4 << 20
	loadFdSlack        = 3
)

// loadDropBreaks are the line numbers before which a drop-mode writer
// sleeps: a first burst of 2500 lines (~130 KB, more than buffer_size, so
// output is dropped before anyone looks), small bursts, a second big one.
var loadDropBreaks = []int{2500, 2800, 3100, 3400, 3700, 4000, 6000, 6300, 6600, 6900, 7200}

const loadConfigTOML = `[server]
exit_when_empty = false

[configurations.default]
output_buffering = "block"
buffer_size = "256KiB"

[configurations.lossy]
output_buffering = "drop"
buffer_size = "64KiB"
`

// loadLine is line n of writer k as the pty delivers it.
func loadLine(k, n int) string {
	return fmt.Sprintf("W%d %d %08x %s\r\n", k, n, uint32(uint64(n)*2654435761), loadPad)
}

// loadWant is the whole output of writer k with n lines, and the offset of
// each line (lineOff[n] is where END starts).
func loadWant(k, n int) (want []byte, lineOff []int) {
	var b bytes.Buffer
	for i := 0; i < n; i++ {
		lineOff = append(lineOff, b.Len())
		b.WriteString(loadLine(k, i))
	}
	lineOff = append(lineOff, b.Len())
	b.WriteString("END\r\n")
	return b.Bytes(), lineOff
}

// loadScript is the awk program of writer k; breaks (drop mode) are where
// it flushes and sleeps.
func loadScript(k, n int, breaks []int) string {
	var brk strings.Builder
	for i, b := range breaks {
		if i > 0 {
			brk.WriteByte(' ')
		}
		brk.WriteString(strconv.Itoa(b))
	}
	return fmt.Sprintf(`BEGIN{ nb = split("%s", b, " "); for (j = 1; j <= nb; j++) brk[b[j]] = 1;
for (i = 0; i < %d; i++) { if (i in brk) { fflush(); system("sleep 1") }
printf "W%d %%d %%08x %s\n", i, (i*2654435761)%%4294967296 }
print "END"; exit %d }`, brk.String(), n, k, loadPad, loadExit)
}

// ---------------------------------------------------------------------------
// the record of one session

type loadChunk struct {
	op         string // attach, receive, final-receive
	start, end time.Time
	data       []byte
	off        int  // placed offset in the stream (-1: not placed)
	unclean    bool // the client lost its connection: its last bytes may come again
}

type loadSess struct {
	name    string
	k       int
	kind    string // idle, block, drop
	want    []byte
	lineOff []int

	mu          sync.Mutex
	chunks      []loadChunk
	reported    int64     // sum of receive's "N bytes dropped"
	collects    int       // ops that collected it
	recvCollect bool      // a receive collected it (so every drop was reported)
	lsMax       int64     // largest dropped_bytes seen by ls
	lsClosed    int64     // dropped_bytes seen while Closed (-1: never seen Closed)
	lsMaxAt     time.Time // when the ls that saw lsMax ended
	lsSeen      []string
	lostConn    int  // attaches that ended with [lost connection]
	gone        bool // a receive found it gone
	collected   atomic.Bool
}

func (s *loadSess) add(c loadChunk) {
	c.off = -1
	s.mu.Lock()
	s.chunks = append(s.chunks, c)
	s.mu.Unlock()
}

// ---------------------------------------------------------------------------
// a testing.TB for the harness's term in a worker goroutine: its cleanups
// run when the attach is over (not at the end of the test, which would keep
// every term alive), and Fatalf ends only the attach (recovered by it).

type loadTB struct {
	testing.TB
	mu       sync.Mutex
	cleanups []func()
}

type loadFatal struct{ msg string }

func (l *loadTB) Cleanup(f func()) {
	l.mu.Lock()
	l.cleanups = append(l.cleanups, f)
	l.mu.Unlock()
}
func (l *loadTB) Fatalf(format string, args ...any) { panic(loadFatal{fmt.Sprintf(format, args...)}) }
func (l *loadTB) Fatal(args ...any)                 { panic(loadFatal{fmt.Sprint(args...)}) }
func (l *loadTB) FailNow()                          { panic(loadFatal{"FailNow"}) }

func (l *loadTB) runCleanups() {
	l.mu.Lock()
	fs := l.cleanups
	l.cleanups = nil
	l.mu.Unlock()
	for i := len(fs) - 1; i >= 0; i-- {
		fs[i]()
	}
}

// loadTermRaw reports whether the program on tm's pty put it in raw mode
// (TCGETS on a pty master reads the slave's termios): the attach client
// does so once the server accepted it, before it reads the keyboard.
func loadTermRaw(tm *term) bool {
	sc, err := tm.master.SyscallConn()
	if err != nil {
		return false
	}
	raw := false
	sc.Control(func(fd uintptr) {
		tio, err := unix.IoctlGetTermios(int(fd), unix.TCGETS)
		raw = err == nil && tio.Lflag&(unix.ICANON|unix.ISIG|unix.ECHO) == 0
	})
	return raw
}

// loadType writes s to the terminal; unlike term.Type it tolerates a
// program that has just exited.
func loadType(tm *term, s string) {
	done := make(chan error, 1)
	tm.enqueue(termWrite{data: []byte(s), done: done})
	select {
	case <-done:
	case <-time.After(5 * time.Second):
	}
}

// ---------------------------------------------------------------------------
// the run

type loadRun struct {
	t    *testing.T
	e    *env
	sess map[string]*loadSess
	wrs  []*loadSess // writers
	idle []*loadSess

	collected atomic.Int64  // writers collected
	slots     chan struct{} // bounds concurrent attaches (nil: no bound)

	attaches, attachBusy, attachGone, attachExited, attachLost, attachSlow atomic.Int64
	receives, receiveGone, lsCalls                                         atomic.Int64
	maxAttach                                                              atomic.Int64 // longest attach, ms
	slowestRate                                                            atomic.Int64 // bytes/s of the slowest attach that took over 10s (0: none)
	maxStall                                                               atomic.Int64 // longest time an attach's terminal got nothing while the client ran, ms

	pmu      sync.Mutex
	problems map[string]*loadProblem
	pkinds   []string
}

// loadProblem is one kind of failure, counted, with its first examples:
// under load one fault tends to show hundreds of times.
type loadProblem struct {
	n        int
	examples []string
}

func (L *loadRun) problem(kind, format string, args ...any) {
	L.pmu.Lock()
	defer L.pmu.Unlock()
	p := L.problems[kind]
	if p == nil {
		p = &loadProblem{}
		L.problems[kind] = p
		L.pkinds = append(L.pkinds, kind)
	}
	p.n++
	if len(p.examples) < 3 {
		p.examples = append(p.examples, fmt.Sprintf(format, args...))
	}
}

func (L *loadRun) reportProblems() {
	L.pmu.Lock()
	defer L.pmu.Unlock()
	for _, kind := range L.pkinds {
		p := L.problems[kind]
		L.t.Errorf("%s: %d times; first ones:\n  %s", kind, p.n, strings.Join(p.examples, "\n  "))
	}
}

var (
	loadPushTitle = []byte("\x1b[22;0t")                       // the client saves the title first
	loadResetSeq  = []byte("\x1b[0m\x1b(B\x1b)B\x0f\x1b[?25h") // and resets the terminal last
	loadTrailerRE = regexp.MustCompile(`\[(detached \(from session ([^)\]]*)\)|exited \(status (\d+)\)|lost connection)\]`)
	loadDroppedRE = regexp.MustCompile(`^linger: (\d+) bytes dropped \(output_buffering = drop\)$`)
)

func (L *loadRun) attach(s *loadSess, rng *rand.Rand) {
	t := L.t
	// --restore none: the held output itself is replayed, byte for byte,
	// so that every byte is accounted for (lines and screen draw it)
	args := []string{"attach", "--restore", "none"}
	key := "\x1c" // the default detach key, for sessions that never exit
	if s.kind != "idle" {
		// A writer may exit during the attach: the client then restores
		// the terminal (ISIG on) and a Ctrl-\ typed at that moment would
		// SIGQUIT it. ^] is no special character in cooked mode.
		args = append(args, "--detach-key", "^]")
		key = "\x1d"
	}
	args = append(args, s.name)
	tb := &loadTB{TB: t}
	defer func() {
		if p := recover(); p != nil {
			f, ok := p.(loadFatal)
			if !ok {
				panic(p)
			}
			t.Errorf("attach %s: %s", s.name, f.msg)
		}
	}()
	defer tb.runCleanups()

	c := exec.Command(lingerBin, args...)
	c.Env, c.Dir = L.e.Env, L.e.Home
	start := time.Now()
	tm := startTerm(tb, c, 80, 24)
	tm.Timeout = 10 * time.Second // WaitExit is called once the client exited
	stay := time.Duration(100+rng.Intn(400)) * time.Millisecond
	raw := false
	if !pollQuiet(20*time.Second, func() bool {
		if tm.Exited() {
			return true
		}
		raw = loadTermRaw(tm)
		return raw
	}) {
		t.Errorf("attach %s: neither attached (raw mode) nor exited within 20s\n%s", s.name, tm.describe())
	}
	typed := time.Time{}
	if raw {
		until := time.Now().Add(stay)
		for time.Now().Before(until) && !tm.Exited() {
			time.Sleep(harnessPollEvery)
		}
		if !tm.Exited() {
			loadType(tm, key)
			typed = time.Now()
		}
	}
	// The client ends once its terminal has taken what the server queued
	// for it: a detach drains the queue first, an exit writes it all. That
	// is up to a whole writer's output (~370 KB), and under -race on a
	// loaded 2-core machine the harness's emulator takes it at a few KB/s
	// (TestLoad logs the slowest terminal): a minute or more. So the wait
	// is bounded by progress, not by a total: it fails once the terminal
	// got nothing for loadAttachStall, or after loadAttachMax in all.
	lastLen, lastAt := -1, time.Now()
	for !tm.Exited() {
		tm.mu.Lock()
		n := len(tm.raw)
		tm.mu.Unlock()
		now := time.Now()
		if n != lastLen {
			lastLen, lastAt = n, now
		}
		if ms := now.Sub(lastAt).Milliseconds(); ms > L.maxStall.Load() {
			L.maxStall.Store(ms) // a statistic, as maxAttach
		}
		if now.Sub(lastAt) > loadAttachStall || now.Sub(start) > loadAttachMax {
			t.Errorf("attach %s: still running after %v, its terminal got nothing for %v (bounds: %v without output, %v in all)\n%s",
				s.name, now.Sub(start).Round(time.Millisecond), now.Sub(lastAt).Round(time.Millisecond), loadAttachStall, loadAttachMax, tm.describe())
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	code := tm.WaitExit()
	if d := time.Since(start); d > 10*time.Second {
		if r := int64(float64(len(tm.Output())) / d.Seconds()); r < L.slowestRate.Load() || L.slowestRate.Load() == 0 {
			L.slowestRate.Store(r) // a statistic, as maxAttach
		}
	}
	// WaitExit gives the pty reader 1s; under load the emulator behind it
	// may need longer to take what the client printed before it exited.
	select {
	case <-tm.readDone:
	case <-time.After(60 * time.Second):
		t.Errorf("attach %s: the client exited but its output did not drain within 60s", s.name)
	}
	end := time.Now()
	if ms := end.Sub(start).Milliseconds(); ms > L.maxAttach.Load() {
		L.maxAttach.Store(ms) // a statistic: races between workers do not matter
	}
	out := tm.Output()
	L.attaches.Add(1)

	i := bytes.LastIndex(out, loadResetSeq)
	if i < 0 {
		text := string(out)
		switch {
		case code == 1 && strings.Contains(text, "is busy"):
			L.attachBusy.Add(1)
		case code == 1 && strings.Contains(text, "no session named") && s.kind != "idle":
			// collected by another client (checked at the end: some
			// attach or receive of ours must have collected it)
			L.attachGone.Add(1)
			L.over(s)
		default:
			t.Errorf("attach %s: exit %d, unexpected output %q", s.name, code, loadTail(out, 600))
		}
		return
	}
	data, tail := bytes.TrimPrefix(out[:i], loadPushTitle), out[i:]
	m := loadTrailerRE.FindSubmatch(tail)
	s.add(loadChunk{op: "attach", start: start, end: end, data: data, unclean: m != nil && m[1] != nil && string(m[1]) == "lost connection"})
	switch {
	case m == nil:
		t.Errorf("attach %s: exit %d, no [detached]/[exited] line in %q", s.name, code, loadTail(out, 600))
	case m[2] != nil: // detached
		switch {
		case string(m[2]) == s.name+": terminal too slow" && code == 1:
			// A session with other readers (a receive of this test)
			// gives up on an attached terminal whose output write does
			// not finish within mux.SlowClientTimeout, so that it cannot
			// stall them: by design, and what it did not acknowledge
			// goes to the next reader (checked with every byte).
			L.attachSlow.Add(1)
		case string(m[2]) != s.name || code != 0:
			t.Errorf("attach %s: exit %d with %q", s.name, code, m[0])
		}
	case m[3] != nil: // exited
		if s.kind == "idle" || string(m[3]) != strconv.Itoa(loadExit) || code != loadExit {
			t.Errorf("attach %s: exit %d with %q", s.name, code, m[0])
		}
		L.attachExited.Add(1)
		// It saw the status, but the session is collected only if the
		// client got all the output; a receive finds out (gone, or the rest).
		s.mu.Lock()
		s.collects++
		s.mu.Unlock()
	default: // lost connection: the server closed it without a last message
		L.attachLost.Add(1)
		s.mu.Lock()
		s.lostConn++
		s.mu.Unlock()
		what := "after the detach key was typed"
		if typed.IsZero() {
			what = "without the detach key being typed (the command may have ended: its exit status was not shown)"
		}
		L.problem("an attach ended with [lost connection] (exit 1) instead of [detached (from session NAME)] or [exited (status N)]: the server cut a slow but reading client (server/attach.go client.finish, mux/attach.go replay; testdata/load/slow-reader.sh)",
			"attach %s (%s..%s, printed %d bytes) ended with [lost connection] %s (%.1fs after typing it)", s.name,
			start.Format("15:04:05.000"), end.Format("15:04:05.000"), len(data), what, end.Sub(typed).Seconds())
	}
}

// receiveOnce runs `linger receive NAME`; it reports whether the session is
// over for us (collected now or before).
func (L *loadRun) receiveOnce(s *loadSess, op string) (over bool, n int) {
	t := L.t
	start := time.Now()
	r, err := loadRunBin(L.e.Env, L.e.Home, "receive", s.name)
	end := time.Now()
	L.receives.Add(1)
	if err != nil {
		t.Errorf("receive %s: %v (exit %d, stderr %q, %d bytes on stdout)", s.name, err, r.Code, r.Stderr, len(r.Stdout))
		return true, 0
	}
	if r.Code == 1 && strings.Contains(r.Stderr, "no session named") {
		L.receiveGone.Add(1)
		if s.kind == "idle" {
			t.Errorf("receive %s: an idle session is gone: %q", s.name, r.Stderr)
		}
		s.mu.Lock()
		s.gone = true
		s.mu.Unlock()
		if s.kind != "idle" {
			L.over(s)
		}
		return true, 0
	}
	var dropped int64
	for _, line := range strings.Split(strings.TrimSuffix(r.Stderr, "\n"), "\n") {
		if line == "" {
			continue
		}
		m := loadDroppedRE.FindStringSubmatch(line)
		if m == nil || s.kind != "drop" {
			if r.Code == 1 && line == "linger: lost connection to the server" {
				L.problem("a receive ended with \"lost connection to the server\": one 5s deadline for the whole receive (server/receive.go handleReceive; testdata/load/slow-reader.sh)",
					"receive %s (%s..%s): lost connection after %d bytes", s.name, start.Format("15:04:05.000"), end.Format("15:04:05.000"), len(r.Stdout))
				continue
			}
			t.Errorf("receive %s: unexpected stderr line %q (exit %d)", s.name, line, r.Code)
			continue
		}
		d, _ := strconv.ParseInt(m[1], 10, 64)
		dropped += d
	}
	s.mu.Lock()
	s.reported += dropped
	s.mu.Unlock()
	s.add(loadChunk{op: op, start: start, end: end, data: []byte(r.Stdout), unclean: r.Code == 1})
	switch {
	case r.Code == 0:
	case r.Code == loadExit && s.kind != "idle":
		L.markCollected(s, true)
		return true, len(r.Stdout)
	case r.Code == 1 && strings.Contains(r.Stderr, "lost connection"):
	default:
		t.Errorf("receive %s: exit %d, stderr %q", s.name, r.Code, r.Stderr)
	}
	return false, len(r.Stdout)
}

// takeSlot reports whether an attach may start now (see
// LINGER_LOAD_ATTACH_SLOTS); releaseSlot ends it.
func (L *loadRun) takeSlot() bool {
	if L.slots == nil {
		return true
	}
	select {
	case L.slots <- struct{}{}:
		return true
	default:
		return false
	}
}

func (L *loadRun) releaseSlot() {
	if L.slots != nil {
		<-L.slots
	}
}

func (L *loadRun) markCollected(s *loadSess, byReceive bool) {
	s.mu.Lock()
	s.collects++
	if byReceive {
		s.recvCollect = true
	}
	s.mu.Unlock()
	L.over(s)
}

// over notes that writer s's session is gone: collected by a receive, or
// found gone (an attach that saw the status collected it, if it got all
// the output; else the session stayed Closed for a receive).
func (L *loadRun) over(s *loadSess) {
	if !s.collected.Swap(true) {
		L.collected.Add(1)
	}
}

func (L *loadRun) ls() {
	t := L.t
	L.lsCalls.Add(1)
	at := time.Now()
	r, err := loadRunBin(L.e.Env, L.e.Home, "ls", "--json")
	done := time.Now()
	if err != nil || r.Code != 0 {
		t.Errorf("ls --json: %v\n%v", err, r)
		return
	}
	var list []socket.SessionInfo
	if err := json.Unmarshal([]byte(r.Stdout), &list); err != nil {
		t.Errorf("ls --json: %v", err)
		return
	}
	for _, info := range list {
		s := L.sess[info.Name]
		if s == nil {
			t.Errorf("ls --json lists a session we did not create: %+v", info)
			continue
		}
		switch s.kind {
		case "block":
			if info.DroppedBytes != 0 || info.OutputBuffering != "block" || info.BufferedBytes > loadBlockSize+256<<10 {
				t.Errorf("ls --json: block-mode session %s: output_buffering %q buffered_bytes %d dropped_bytes %d",
					s.name, info.OutputBuffering, info.BufferedBytes, info.DroppedBytes)
			}
		case "drop":
			// the limit bounds what is kept; output in flight to an attached
			// client (held until acknowledged) comes on top, bounded by the
			// socket buffers, as in block mode
			if info.OutputBuffering != "drop" || info.BufferedBytes > loadDropSize+256<<10 {
				t.Errorf("ls --json: drop-mode session %s: output_buffering %q buffered_bytes %d (buffer_size %d)",
					s.name, info.OutputBuffering, info.BufferedBytes, loadDropSize)
			}
		case "idle":
			if info.BufferedBytes != 0 || info.State == "Closed" {
				t.Errorf("ls --json: idle session %s: %+v", s.name, info)
			}
		}
		s.mu.Lock()
		obs := fmt.Sprintf("%s id %d pid %d %s dropped %d buffered %d", at.Format("15:04:05.000"), info.ID, info.Pid, info.State, info.DroppedBytes, info.BufferedBytes)
		// ls calls run concurrently: only one that started after the one
		// that saw the largest value ended must not see less.
		if info.DroppedBytes < s.lsMax && at.After(s.lsMaxAt) {
			L.problem("ls --json dropped_bytes of a session went down",
				"session %s: dropped_bytes %d after %d; ls observations: %s; now %s", s.name, info.DroppedBytes, s.lsMax, strings.Join(s.lsSeen, "; "), obs)
		}
		if s.kind == "drop" && len(s.lsSeen) < 40 {
			s.lsSeen = append(s.lsSeen, obs)
		}
		if info.DroppedBytes > s.lsMax {
			s.lsMax, s.lsMaxAt = info.DroppedBytes, done
		}
		if info.State == "Closed" {
			if s.lsClosed >= 0 && s.lsClosed != info.DroppedBytes {
				t.Errorf("ls --json: Closed session %s: dropped_bytes changed from %d to %d", s.name, s.lsClosed, info.DroppedBytes)
			}
			s.lsClosed = info.DroppedBytes
		}
		s.mu.Unlock()
	}
}

// loadRunBin is runBin with more patience: under this load the test
// process may take seconds to read a client's output after it exited, and
// runBin's 3s WaitDelay would then cut the output short.
func loadRunBin(envv []string, dir string, args ...string) (result, error) {
	return runBinFor(90*time.Second, 30*time.Second, envv, dir, args...)
}

func loadTail(b []byte, n int) []byte { return b[max(len(b)-n, 0):] }

// ---------------------------------------------------------------------------
// checking one writer's output

type loadVerdict struct {
	produced, delivered int
	viaAttach, viaRecv  int
	gaps                [][2]int // missing ranges of the stream
	lost                int      // bytes in gaps
	lines, fullBytes    int      // lines seen whole (END included), their bytes
	cutBytes            int      // delivered bytes of lines not seen whole
	searched            int      // chunks placed by search (no line start in them)
	repeated            int      // bytes delivered again after a client lost its connection
	errs                []string
}

func (v *loadVerdict) errorf(format string, args ...any) {
	if len(v.errs) < 20 {
		v.errs = append(v.errs, fmt.Sprintf(format, args...))
	}
}

var loadLineRE = regexp.MustCompile(`^W(\d+) (\d+) ([0-9a-f]{8}) ` + loadPad + `$`)
var loadStartRE = regexp.MustCompile(`^W(\d+) (\d+) `)

// loadRanges formats sorted numbers as ranges: "3..7, 9".
func loadRanges(ns []int) string {
	var parts []string
	for i := 0; i < len(ns); {
		j := i
		for j+1 < len(ns) && ns[j+1] == ns[j]+1 {
			j++
		}
		if j > i {
			parts = append(parts, fmt.Sprintf("%d..%d", ns[i], ns[j]))
		} else {
			parts = append(parts, strconv.Itoa(ns[i]))
		}
		i = j + 1
		if len(parts) == 10 && i < len(ns) {
			parts = append(parts, "...")
			break
		}
	}
	return strings.Join(parts, ", ")
}

func loadLineOf(lineOff []int, off int) int {
	return sort.SearchInts(lineOff, off+1) - 1
}

// loadCheckStream places the chunks of writer k (want, lineOff) and checks
// them: see the comment at the top of the file. drop allows gaps.
func loadCheckStream(k int, want []byte, lineOff []int, chunks []loadChunk, drop bool) loadVerdict {
	v := loadVerdict{produced: len(want)}
	nLines := len(lineOff) - 1
	var placed, unplaced []*loadChunk
	for i := range chunks {
		c := &chunks[i]
		c.off = -1
		if len(c.data) == 0 {
			continue
		}
		start := -1
		if w := bytes.IndexByte(c.data, 'W'); w >= 0 {
			if m := loadStartRE.FindSubmatch(c.data[w:]); m != nil {
				kk, _ := strconv.Atoi(string(m[1]))
				n, _ := strconv.Atoi(string(m[2]))
				if kk != k || n >= nLines {
					v.errorf("%s chunk (%d bytes) holds line %q: not a line of writer W%d", c.op, len(c.data), m[0], k)
					continue
				}
				start = lineOff[n] - w
			}
		} else if j := bytes.Index(c.data, []byte("END\r\n")); j >= 0 {
			start = lineOff[nLines] - j
		}
		if start < 0 {
			unplaced = append(unplaced, c)
			continue
		}
		if start+len(c.data) > len(want) || !bytes.Equal(c.data, want[start:start+len(c.data)]) {
			i := 0
			for start+i < len(want) && i < len(c.data) && c.data[i] == want[start+i] {
				i++
			}
			lo := max(i-80, 0)
			v.errorf("%s chunk (%d bytes, %s..%s) differs from the output at offset %d (line %d): at chunk byte %d got %q, want %q",
				c.op, len(c.data), c.start.Format("15:04:05.000"), c.end.Format("15:04:05.000"), start+i, loadLineOf(lineOff, start+i),
				i, c.data[lo:min(i+40, len(c.data))], want[min(start+lo, len(want)):min(start+i+40, len(want))])
			continue
		}
		c.off = start
		placed = append(placed, c)
	}
	// Chunks shorter than a line: place them by search, in what the others
	// leave uncovered.
	for _, c := range unplaced {
		covered := func(a, b int) bool {
			for _, p := range placed {
				if a < p.off+len(p.data) && p.off < b {
					return true
				}
			}
			return false
		}
		for from := 0; ; {
			j := bytes.Index(want[from:], c.data)
			if j < 0 {
				v.errorf("%s chunk of %d bytes %q is nowhere in the uncovered output", c.op, len(c.data), loadTail(c.data, 100))
				break
			}
			at := from + j
			if !covered(at, at+len(c.data)) {
				c.off = at
				placed = append(placed, c)
				v.searched++
				break
			}
			from = at + 1
		}
	}
	sort.Slice(placed, func(i, j int) bool { return placed[i].off < placed[j].off })

	// Overlaps (duplicates) and gaps (losses).
	cur := 0
	var prev *loadChunk
	for _, c := range placed {
		if c.off < cur && prev.unclean {
			// A client that lost its connection had not acknowledged
			// these bytes: the server keeps them for the next one
			// (protocol 2). Repeated, by design, not lost.
			v.repeated += min(cur, c.off+len(c.data)) - c.off
		} else if c.off < cur {
			when := "one after the other"
			if c.start.Before(prev.end) && prev.start.Before(c.end) {
				when = "at the same time"
			}
			v.errorf("bytes %d..%d (lines %d..%d) delivered twice, to two clients that ended cleanly, %s: %s (%s..%s) and %s (%s..%s)",
				c.off, min(cur, c.off+len(c.data)), loadLineOf(lineOff, c.off), loadLineOf(lineOff, min(cur, c.off+len(c.data))-1), when,
				prev.op, prev.start.Format("15:04:05.000"), prev.end.Format("15:04:05.000"),
				c.op, c.start.Format("15:04:05.000"), c.end.Format("15:04:05.000"))
		} else if c.off > cur {
			v.gaps = append(v.gaps, [2]int{cur, c.off})
		}
		if end := c.off + len(c.data); end > cur {
			cur, prev = end, c
		}
		v.delivered += len(c.data)
		if c.op == "attach" {
			v.viaAttach += len(c.data)
		} else {
			v.viaRecv += len(c.data)
		}
	}
	if cur < len(want) {
		v.gaps = append(v.gaps, [2]int{cur, len(want)})
	}
	for _, g := range v.gaps {
		v.lost += g[1] - g[0]
		if !drop {
			v.errorf("block mode: bytes %d..%d (lines %d..%d, %d bytes) never delivered", g[0], g[1],
				loadLineOf(lineOff, g[0]), loadLineOf(lineOff, g[1]-1), g[1]-g[0])
		}
	}

	// Order: a chunk whose client ended before another's started holds
	// earlier bytes.
	for i, a := range placed {
		for _, b := range placed[i+1:] {
			if b.off >= a.off+len(a.data) && b.end.Before(a.start) {
				v.errorf("order: the %s that ended at %s got bytes %d.. but the %s that started later, at %s, got the earlier bytes %d..",
					b.op, b.end.Format("15:04:05.000"), b.off, a.op, a.start.Format("15:04:05.000"), a.off)
			}
		}
	}

	// Lines: parse runs of adjacent chunks.
	seen := make(map[int]int)
	last, ends := -1, 0
	for i := 0; i < len(placed); {
		a := placed[i].off
		var run []byte
		j := i
		for ; j < len(placed) && placed[j].off <= a+len(run); j++ {
			if e := placed[j].off + len(placed[j].data); e > a+len(run) {
				run = append(run, placed[j].data[a+len(run)-placed[j].off:]...)
			}
		}
		i = j
		first := lineOff[loadLineOf(lineOff, a)] == a // the run starts at a line start
		toks := bytes.Split(run, []byte("\r\n"))
		for ti, tok := range toks {
			if (ti == 0 && !first) || ti == len(toks)-1 {
				// cut at an edge (the last token is what follows the last
				// "\r\n": empty, or a line's head)
				v.cutBytes += len(tok)
				if ti < len(toks)-1 {
					v.cutBytes += 2
				}
				continue
			}
			v.lines++
			v.fullBytes += len(tok) + 2
			if string(tok) == "END" {
				ends++
				continue
			}
			m := loadLineRE.FindSubmatch(tok)
			if m == nil {
				v.errorf("line %q does not match %s", tok, loadLineRE)
				continue
			}
			kk, _ := strconv.Atoi(string(m[1]))
			n, _ := strconv.Atoi(string(m[2]))
			if kk != k || fmt.Sprintf("%08x", uint32(uint64(n)*2654435761)) != string(m[3]) {
				v.errorf("line %q: wrong writer or check value", tok)
			}
			if seen[n]++; seen[n] == 2 && drop {
				v.errorf("line %d seen twice", n)
			}
			if n <= last && drop {
				v.errorf("line %d after line %d", n, last)
			}
			last = n
		}
	}
	if ends != 1 {
		v.errorf("END seen %d times, want once", ends)
	}
	if !drop {
		var missing, twice []int
		for n := 0; n < nLines; n++ {
			switch {
			case seen[n] == 0:
				missing = append(missing, n)
			case seen[n] > 1:
				twice = append(twice, n)
			}
		}
		if len(missing) > 0 {
			v.errorf("block mode: %d lines never seen whole, want each exactly once: %s", len(missing), loadRanges(missing))
		}
		if len(twice) > 0 {
			v.errorf("block mode: %d lines seen more than once: %s", len(twice), loadRanges(twice))
		}
	}
	if miss := v.produced - v.fullBytes; miss != v.lost+v.cutBytes {
		v.errorf("accounting: missing line bytes %d != gap bytes %d + cut bytes %d", miss, v.lost, v.cutBytes)
	}
	return v
}

// loadCheckDrops compares a drop-mode writer's gaps with what the product
// reported. exact reports whether the total was known exactly.
func loadCheckDrops(v loadVerdict, reported, lsMax, lsClosed int64, recvCollect bool) (exact bool, errs []string) {
	lost := int64(v.lost)
	miss := int64(v.produced - v.fullBytes)
	check := func(what string, d int64) {
		exact = true
		if d != lost {
			errs = append(errs, fmt.Sprintf("%s: %d bytes dropped, but %d bytes of output never arrived", what, d, lost))
		}
		if miss < d || miss > d+int64(v.cutBytes) {
			errs = append(errs, fmt.Sprintf("%s: %d bytes dropped, but the bytes of lines not seen whole (%d) are not within [%d, %d+%d cut bytes]",
				what, d, miss, d, d, v.cutBytes))
		}
	}
	if recvCollect {
		check("receive stderr (summed; a receive collected the session)", reported)
	}
	if lsClosed >= 0 {
		check("ls --json dropped_bytes of the Closed session", lsClosed)
	}
	if reported > lost || lsMax > lost {
		errs = append(errs, fmt.Sprintf("reported drops (receive %d, ls up to %d) exceed the bytes that never arrived (%d)", reported, lsMax, lost))
	}
	return exact, errs
}

// ---------------------------------------------------------------------------

func loadCountFds() int {
	ents, _ := os.ReadDir("/proc/self/fd")
	return len(ents)
}

func loadHeap() uint64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapInuse
}

func TestLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("load test: skipped with -short")
	}
	needBinary(t)
	began := time.Now()
	seed := int64(1)
	if s := os.Getenv("LINGER_LOAD_SEED"); s != "" {
		var err error
		if seed, err = strconv.ParseInt(s, 10, 64); err != nil {
			t.Fatalf("LINGER_LOAD_SEED=%q: %v", s, err)
		}
	}
	t.Logf("seed %d (set LINGER_LOAD_SEED to change it)", seed)

	e := newEnv(t)
	cfgPath := filepath.Join(e.Dir, "load.toml")
	if err := os.WriteFile(cfgPath, []byte(loadConfigTOML), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(cfgPath, true)
	if err != nil {
		t.Fatalf("LoadConfig: %v", err)
	}

	// The server, in this process.
	logFile, err := os.Create(filepath.Join(e.Dir, "server.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer logFile.Close()
	ready := make(chan error, 1)
	runDone := make(chan error, 1)
	go func() {
		runDone <- server.Run(server.Options{
			Socket: e.Sock, Config: cfg, Program: program(),
			Log:   log.New(logFile, "", log.LstdFlags|log.Lmicroseconds),
			Ready: func(err error) { ready <- err },
		})
	}()
	if err := <-ready; err != nil {
		t.Fatalf("server.Run: %v", err)
	}
	stopped := false
	stopServer := func() {
		if stopped {
			return
		}
		stopped = true
		if r := e.Run("server", "stop"); r.Code != 0 {
			t.Errorf("linger server stop: %v", r)
		}
		select {
		case err := <-runDone:
			if err != nil {
				t.Errorf("server.Run returned %v", err)
			}
		case <-time.After(15 * time.Second):
			t.Errorf("server.Run did not return within 15s of server stop")
		}
	}
	defer stopServer()
	defer func() {
		if t.Failed() {
			b, _ := os.ReadFile(logFile.Name())
			t.Logf("server log (tail):\n%s", loadTail(b, 4000))
		}
	}()

	time.Sleep(100 * time.Millisecond) // let the server's goroutines settle
	g0, h0, fd0 := runtime.NumGoroutine(), loadHeap(), loadCountFds()
	t.Logf("baseline with the server up: %d goroutines, heap in use %.1f MiB, %d fds", g0, float64(h0)/(1<<20), fd0)

	L := &loadRun{t: t, e: e, sess: map[string]*loadSess{}, problems: map[string]*loadProblem{}}
	defer L.reportProblems()
	slots := loadAttachSlots
	if v := os.Getenv("LINGER_LOAD_ATTACH_SLOTS"); v != "" {
		if slots, err = strconv.Atoi(v); err != nil || slots < 0 {
			t.Fatalf("LINGER_LOAD_ATTACH_SLOTS=%q: want a number (0: no bound)", v)
		}
	}
	if slots > 0 {
		L.slots = make(chan struct{}, slots)
		t.Logf("at most %d attaches at a time (LINGER_LOAD_ATTACH_SLOTS; 0 = up to one per worker)", slots)
	}
	var all []*loadSess
	for i := 0; i < loadIdle; i++ {
		s := &loadSess{name: fmt.Sprintf("i%03d", i), kind: "idle", lsClosed: -1}
		L.idle = append(L.idle, s)
		all = append(all, s)
	}
	produced := 0
	for k := 0; k < loadBlock+loadDrop; k++ {
		s := &loadSess{k: k, kind: "block", lsClosed: -1}
		s.name = fmt.Sprintf("b%02d", k)
		if k >= loadBlock {
			s.kind, s.name = "drop", fmt.Sprintf("d%02d", k-loadBlock)
		}
		s.want, s.lineOff = loadWant(k, loadLines)
		produced += len(s.want)
		L.wrs = append(L.wrs, s)
		all = append(all, s)
	}
	for _, s := range all {
		L.sess[s.name] = s
	}

	// Create the sessions, 8 at a time.
	// Idle sessions first, then the writers (shuffled), so that the
	// writers start close together, just before the random phase.
	order := append([]*loadSess(nil), L.wrs...)
	rand.New(rand.NewSource(seed)).Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
	order = append(append([]*loadSess(nil), L.idle...), order...)
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= len(order) {
					return
				}
				s := order[i]
				args := []string{"new", "-d"}
				var argv []string
				switch s.kind {
				case "idle":
					argv = []string{"sleep", "1000"}
				case "block":
					argv = []string{"awk", loadScript(s.k, loadLines, nil)}
				case "drop":
					args = append(args, "-C", "lossy")
					argv = []string{"awk", loadScript(s.k, loadLines, loadDropBreaks)}
				}
				args = append(append(args, s.name, "--"), argv...)
				st := time.Now()
				r, err := runBin(e.Env, e.Home, args...)
				if d := time.Since(st); d > time.Second {
					t.Logf("slow: linger new %s took %v", s.name, d)
				}
				if err != nil || r.Code != 0 || r.Stdout != s.name+"\n" {
					t.Errorf("linger new %s: %v\n%v", s.name, err, r)
				}
			}
		}()
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	created := time.Now()
	t.Logf("%d sessions created in %v", len(all), created.Sub(began).Round(time.Millisecond))

	// The random phase.
	deadline := time.Now().Add(loadLoop)
	for w := 0; w < loadWorkers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			rng := rand.New(rand.NewSource(seed*1000 + int64(w)))
			for time.Now().Before(deadline) && L.collected.Load() < int64(len(L.wrs)) {
				if rng.Float64() < 0.12 {
					L.ls()
					continue
				}
				var s *loadSess
				if rng.Float64() < 0.65 {
					s = L.wrs[rng.Intn(len(L.wrs))]
					if s.collected.Load() {
						continue
					}
				} else {
					s = L.idle[rng.Intn(len(L.idle))]
				}
				if rng.Intn(2) == 0 && L.takeSlot() {
					L.attach(s, rng)
					L.releaseSlot()
				} else {
					L.receiveOnce(s, "receive")
				}
			}
		}(w)
	}
	wg.Wait()
	loopEnd := time.Now()
	t.Logf("random phase: %v, %d of %d writers collected", loopEnd.Sub(created).Round(time.Millisecond), L.collected.Load(), len(L.wrs))
	L.ls() // a last look at dropped_bytes of Closed sessions

	// Drain: receive each writer until its session is collected.
	next.Store(0)
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= len(L.wrs) {
					return
				}
				s := L.wrs[i]
				end := time.Now().Add(60 * time.Second)
				for !s.collected.Load() {
					over, n := L.receiveOnce(s, "final-receive")
					if over {
						break
					}
					if time.Now().After(end) {
						t.Errorf("session %s: not collected after receiving for 60s", s.name)
						break
					}
					if n == 0 {
						time.Sleep(20 * time.Millisecond)
					}
				}
			}
		}()
	}
	wg.Wait()
	drainEnd := time.Now()
	t.Logf("drain: %v", drainEnd.Sub(loopEnd).Round(time.Millisecond))

	// Check every writer's output; idle sessions printed nothing.
	var viaAttach, viaRecv, lostBlock, dropGap, dropReported, searched, exactDrops, repeated int
	for _, s := range L.idle {
		for _, c := range s.chunks {
			if len(c.data) != 0 {
				t.Errorf("idle session %s: a %s printed %q", s.name, c.op, loadTail(c.data, 200))
			}
		}
	}
	for _, s := range L.wrs {
		s.mu.Lock()
		v := loadCheckStream(s.k, s.want, s.lineOff, s.chunks, s.kind == "drop")
		for _, msg := range v.errs {
			t.Errorf("writer %s (W%d, %s mode, %d chunks): %s", s.name, s.k, s.kind, len(s.chunks), msg)
		}

		switch {
		case s.collects > 0:
		case s.lostConn > 0:
			L.problem("a Closed session was collected by an attach that ended with [lost connection]: its exit status was never shown (server/attach.go handleAttach collects it whether or not MsgExited reached the client)",
				"writer %s: gone=%v, no attach or receive of ours saw its exit status; %d attaches to it ended with [lost connection]", s.name, s.gone, s.lostConn)
		default:
			t.Errorf("writer %s: never collected by any attach or receive of ours (gone=%v)", s.name, s.gone)
		}
		viaAttach += v.viaAttach
		repeated += v.repeated
		viaRecv += v.viaRecv
		searched += v.searched
		if s.kind == "block" {
			lostBlock += v.lost
			if s.reported != 0 || s.lsMax != 0 {
				t.Errorf("block-mode writer %s: drops reported (receive %d, ls %d)", s.name, s.reported, s.lsMax)
			}
		} else {
			exact, errs := loadCheckDrops(v, s.reported, s.lsMax, s.lsClosed, s.recvCollect)
			for _, msg := range errs {
				t.Errorf("drop-mode writer %s: %s", s.name, msg)
			}
			if exact {
				exactDrops++
			}
			dropGap += v.lost
			dropReported += int(max(s.reported, s.lsClosed))
			t.Logf("drop-mode writer %s: %d chunks, %d of %d bytes delivered, %d never arrived in %d gaps; reported dropped: receive %d, ls max %d, ls when Closed %d; %d lines whole, %d cut bytes; collected by %s",
				s.name, len(s.chunks), v.delivered, v.produced, v.lost, len(v.gaps), s.reported, s.lsMax, s.lsClosed,
				v.lines, v.cutBytes, map[bool]string{true: "a receive", false: "an attach"}[s.recvCollect])
		}
		s.chunks, s.want, s.lineOff = nil, nil, nil // free them before measuring the heap
		s.mu.Unlock()
	}

	// Kill everything; the server must be back where it started.
	if r := e.Run("kill", "--all"); r.Code != 0 {
		t.Errorf("linger kill --all: %v", r)
	}
	poll(t, "ls --json to be empty after kill --all", 20*time.Second, func() bool {
		L.lsCalls.Add(1)
		return len(naLsJSON(t, e)) == 0
	})
	var g1, fd1 int
	var h1 uint64
	pollQuiet(10*time.Second, func() bool {
		g1 = runtime.NumGoroutine()
		return g1 <= g0+loadGoroutineSlack
	})
	pollQuiet(10*time.Second, func() bool {
		h1 = loadHeap()
		return h1 <= h0+loadHeapSlack
	})
	pollQuiet(5*time.Second, func() bool {
		fd1 = loadCountFds()
		return fd1 <= fd0+loadFdSlack
	})
	if g1 > g0+loadGoroutineSlack {
		buf := make([]byte, 1<<20)
		n := runtime.Stack(buf, true)
		t.Errorf("goroutines: %d after, %d at the start (slack %d): leaked?\n%s", g1, g0, loadGoroutineSlack, loadTail(buf[:n], 20000))
	}
	if h1 > h0+loadHeapSlack {
		t.Errorf("heap in use: %.1f MiB after, %.1f MiB at the start (slack %d MiB)", float64(h1)/(1<<20), float64(h0)/(1<<20), loadHeapSlack>>20)
	}
	if fd1 > fd0+loadFdSlack {
		ents, _ := os.ReadDir("/proc/self/fd")
		var links []string
		for _, ent := range ents {
			l, _ := os.Readlink("/proc/self/fd/" + ent.Name())
			links = append(links, ent.Name()+"->"+l)
		}
		t.Errorf("fds: %d after, %d at the start (slack %d)\n%s", fd1, fd0, loadFdSlack, strings.Join(links, "\n"))
	}
	stopServer()

	t.Logf("sessions: %d (%d idle, %d block-mode writers, %d drop-mode writers)", len(all), loadIdle, loadBlock, loadDrop)
	t.Logf("bytes produced by writers: %d (%.1f MiB)", produced, float64(produced)/(1<<20))
	t.Logf("bytes delivered: %d via attach, %d via receive (%d chunks placed by search)", viaAttach, viaRecv, searched)
	t.Logf("bytes lost in block mode: %d; bytes delivered again after a client lost its connection (unacknowledged, by design): %d", lostBlock, repeated)
	t.Logf("drop mode: %d bytes never arrived, %d reported dropped (exact for %d of %d writers)", dropGap, dropReported, exactDrops, loadDrop)
	t.Logf("attaches: %d (%d busy, %d found the session gone, %d saw the command exit, %d lost the connection, %d cut as too slow beside another reader; longest %d ms, slowest terminal %d B/s, longest without output %d ms); receives: %d (%d gone); ls calls: %d",
		L.attaches.Load(), L.attachBusy.Load(), L.attachGone.Load(), L.attachExited.Load(), L.attachLost.Load(), L.attachSlow.Load(), L.maxAttach.Load(), L.slowestRate.Load(), L.maxStall.Load(),
		L.receives.Load(), L.receiveGone.Load(), L.lsCalls.Load())
	t.Logf("goroutines: %d before, %d after; heap in use: %.1f MiB before, %.1f MiB after; fds: %d before, %d after",
		g0, g1, float64(h0)/(1<<20), float64(h1)/(1<<20), fd0, fd1)
	t.Logf("wall time: %v (create %v, random phase %v, drain %v)", time.Since(began).Round(time.Millisecond),
		created.Sub(began).Round(time.Millisecond), loopEnd.Sub(created).Round(time.Millisecond), drainEnd.Sub(loopEnd).Round(time.Millisecond))
}

// TestLoadVerifier shows that TestLoad's checks can fail: a lost, a
// duplicated or a corrupted line, and a wrong drop count, are caught.
func TestLoadVerifier(t *testing.T) {
	want, lineOff := loadWant(3, 50)
	at := func(op string, sec int, a, b int) loadChunk {
		base := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
		return loadChunk{op: op, start: base.Add(time.Duration(sec) * time.Second), end: base.Add(time.Duration(sec)*time.Second + 500*time.Millisecond), data: append([]byte(nil), want[a:b]...)}
	}
	mid := lineOff[20] + 7 // inside line 20
	good := []loadChunk{at("receive", 1, 0, mid), at("attach", 2, mid, mid+3), at("receive", 3, mid+3, len(want))}
	if v := loadCheckStream(3, want, lineOff, good, false); len(v.errs) != 0 || v.lost != 0 || v.lines != 51 {
		t.Errorf("a good tiling: %+v", v)
	}
	lost := []loadChunk{at("receive", 1, 0, lineOff[10]), at("receive", 2, lineOff[11], len(want))}
	if v := loadCheckStream(3, want, lineOff, lost, false); len(v.errs) == 0 || v.lost != len(loadLine(3, 10)) {
		t.Errorf("a lost line is not caught: %+v", v)
	}
	dup := []loadChunk{at("receive", 1, 0, lineOff[11]), at("attach", 2, lineOff[10], len(want))}
	if v := loadCheckStream(3, want, lineOff, dup, false); len(v.errs) == 0 {
		t.Errorf("a duplicated line is not caught: %+v", v)
	}
	again := []loadChunk{at("attach", 1, 0, lineOff[20]), at("receive", 2, lineOff[15], len(want))}
	again[0].unclean = true // lost its connection: its tail may come again
	if v := loadCheckStream(3, want, lineOff, again, false); len(v.errs) != 0 || v.repeated != lineOff[20]-lineOff[15] {
		t.Errorf("a repeat after a lost connection: %+v", v)
	}
	bad := []loadChunk{at("receive", 1, 0, len(want))}
	bad[0].data[lineOff[5]+5] ^= 1
	if v := loadCheckStream(3, want, lineOff, bad, false); len(v.errs) == 0 {
		t.Errorf("a corrupted line is not caught: %+v", v)
	}
	swapped := []loadChunk{at("receive", 2, 0, lineOff[10]), at("receive", 1, lineOff[10], len(want))}
	if v := loadCheckStream(3, want, lineOff, swapped, false); len(v.errs) == 0 {
		t.Errorf("bytes received out of order are not caught: %+v", v)
	}
	// drop mode: a gap cutting lines 10 and 12, reported right and wrong
	a, b := lineOff[10]+5, lineOff[12]+9
	drop := []loadChunk{at("receive", 1, 0, a), at("receive", 2, b, len(want))}
	v := loadCheckStream(3, want, lineOff, drop, true)
	if len(v.errs) != 0 || v.lost != b-a {
		t.Fatalf("drop mode: %+v", v)
	}
	if exact, errs := loadCheckDrops(v, int64(b-a), int64(b-a), -1, true); !exact || len(errs) != 0 {
		t.Errorf("drop mode, right count: exact %v, %q", exact, errs)
	}
	if _, errs := loadCheckDrops(v, int64(b-a-1), 0, -1, true); len(errs) == 0 {
		t.Errorf("drop mode: a wrong dropped count is not caught")
	}
	if _, errs := loadCheckDrops(v, 0, 0, int64(b-a+1), false); len(errs) == 0 {
		t.Errorf("drop mode: a wrong ls dropped_bytes is not caught")
	}
}
