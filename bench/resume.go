package main

// Figures of issue 18 over ssh (a dropped connection loses nothing),
// measured against the harness's sshd like the other ssh figures:
//
//   - ssh-resume: an attached `linger -H` client whose ssh connection runs
//     through the harness's fault proxy (proxy.go); the session prints a
//     counter line every 50 ms; each round resets the connection, refuses
//     new connections for -refuse, then accepts again, and times from
//     that moment to the first byte of the session's output on the
//     client's terminal, beside the client's backoff step in force then.
//   - ssh-heartbeat: attached throughput over ssh through a connection
//     with the default heartbeat (5s) beside one with heartbeats in effect
//     off (1h), rounds alternating.
//   - ssh-idle: the server's CPU, from /proc/PID/stat, over -idle-time
//     with -idle-clients `linger -H ... attach` clients attached and idle
//     (heartbeat 5s, -idle-heartbeat), beside the same server over the same time before
//     they attached. Not in the default set (it takes minutes).

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"
)

// optionalTests are run only when named: ssh-idle takes minutes.
var optionalTests = []string{"ssh-idle"}

// defaultTests are what -tests all runs: every test but the optional ones.
func defaultTests() []string {
	var out []string
	for _, t := range allTests {
		if !slices.Contains(optionalTests, t) {
			out = append(out, t)
		}
	}
	return out
}

// The client's reconnect schedule (client/reconnect.go): the first two
// attempts at once, then a wait drawn from [b/2, b] before attempt n >= 3,
// b = 500ms * 2^(n-3), capped at 15s.
const (
	clientFirstBackoff = 500 * time.Millisecond
	clientMaxBackoff   = 15 * time.Second
)

// backoffStep is the longest the client waits before attempt n.
func backoffStep(n int) time.Duration {
	if n <= 2 {
		return 0
	}
	b := clientFirstBackoff
	for k := 3; k < n; k++ {
		b = min(2*b, clientMaxBackoff)
	}
	return b
}

// resumeRes holds the figures of issue 18.
type resumeRes struct {
	// ssh-resume, ms per round
	refuse           time.Duration
	resume           []float64 // the proxy accepts again -> first byte of output on the terminal
	waitNext         []float64 // the proxy accepts again -> the client's next attempt reaches it
	reconnect        []float64 // that attempt reaches the proxy -> first byte on the terminal
	step             []float64 // the backoff step in force when the proxy accepted again (the schedule's longest wait before that attempt)
	attempts         []float64 // attempts refused during the outage
	met              int       // rounds with resume < 1 s + step
	lines            int       // counter lines checked on the terminal
	dups, gaps       int       // lines repeated / missing across the drops
	resumeErr        string
	hbOn, hbOff      tpRes // ssh-heartbeat: throughput with heartbeat 5s / 1h
	hbBytes          int64
	hbCPUOn, hbCPUOf []float64 // ms of CPU, all processes, per MB

	// ssh-idle
	idleN       int           // clients attached
	idleWindow  time.Duration // each measurement
	idleBeat    string        // the server's heartbeat
	idleBase    float64       // server CPU ms over the window, no remote client
	idleServer  float64       // server CPU ms over the window, idleN clients attached
	idleKinds   map[string]float64
	idleBaseAll float64 // every process below the harness, ms, no remote client
	idleAll     float64 // the same with the clients
	idleErr     string
}

// configPath is the linger tool's configuration file.
func configPath(lt *tool) string { return filepath.Join(lt.dir, "config", "linger", "config.toml") }

// setHeartbeat writes [server] heartbeat = hb into the linger tool's
// configuration ("" removes the file: built-in defaults) and has the
// running server, if any, read it: connections made from then on use it.
func (h *harness) setHeartbeat(lt *tool, hb string) error {
	p := configPath(lt)
	if hb == "" {
		os.Remove(p)
	} else {
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			return err
		}
		if err := os.WriteFile(p, []byte(fmt.Sprintf("[server]\nheartbeat = %q\n", hb)), 0o600); err != nil {
			return err
		}
	}
	if serverPid(lt) == 0 {
		return nil // the server started next reads it
	}
	_, out, err := runCmd(h.pt, []string{lt.bin, "-S", filepath.Join(lt.dir, "s.sock"), "server", "reload"}, lt.env, lt.dir, 10*time.Second)
	if err != nil {
		return fmt.Errorf("server reload with heartbeat %q: %v (%s)", hb, err, firstLine(string(out)))
	}
	return nil
}

// counterWatch reads a client's terminal stream: escape sequences (the
// client's status line is the window title) are skipped; the rest is the
// session's output, lines "C<n>". It notes the first output byte after
// arm and checks that every counter line arrives once, in order.
type counterWatch struct {
	mu       sync.Mutex
	st       int // 0 text, 1 after ESC, 2 CSI, 3 OSC, 4 ESC in OSC
	line     []byte
	checking bool
	skip     bool // the first line after check may be partial
	last     int
	lines    int
	dups     int
	gaps     int
	armed    bool
	firstAt  time.Time
}

func (w *counterWatch) feed(p []byte, now time.Time) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, b := range p {
		switch w.st {
		case 1:
			switch b {
			case '[':
				w.st = 2
			case ']':
				w.st = 3
			default:
				w.st = 0
			}
			continue
		case 2:
			if b >= 0x40 && b <= 0x7e {
				w.st = 0
			}
			continue
		case 3:
			if b == 7 {
				w.st = 0
			} else if b == 0x1b {
				w.st = 4
			}
			continue
		case 4:
			w.st = 0
			continue
		}
		if b == 0x1b {
			w.st = 1
			continue
		}
		if w.armed && w.firstAt.IsZero() {
			w.firstAt = now
		}
		switch b {
		case '\r':
		case '\n':
			w.endLine()
		default:
			if len(w.line) < 64 {
				w.line = append(w.line, b)
			}
		}
	}
}

func (w *counterWatch) endLine() {
	l := w.line
	w.line = w.line[:0]
	if !w.checking {
		return
	}
	if w.skip {
		w.skip = false
		return
	}
	n := 0
	if len(l) < 2 || l[0] != 'C' {
		w.gaps++ // not a counter line: output the harness cannot account for
		return
	}
	for _, c := range l[1:] {
		if c < '0' || c > '9' {
			w.gaps++
			return
		}
		n = 10*n + int(c-'0')
	}
	w.lines++
	switch {
	case w.last == 0 || n == w.last+1:
	case n <= w.last:
		w.dups++
	default:
		w.gaps += n - w.last - 1
	}
	w.last = max(w.last, n)
}

// check starts checking the counter from the next whole line.
func (w *counterWatch) check() {
	w.mu.Lock()
	w.checking, w.skip, w.last = true, true, 0
	w.mu.Unlock()
}

func (w *counterWatch) count() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.lines
}

// arm notes the next output byte's time from now on.
func (w *counterWatch) arm() {
	w.mu.Lock()
	w.armed, w.firstAt = true, time.Time{}
	w.mu.Unlock()
}

func (w *counterWatch) first() time.Time {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.firstAt
}

// waitLines waits until n more counter lines than now have arrived.
func (w *counterWatch) waitLines(n int, timeout time.Duration) bool {
	base := w.count()
	return poll(timeout, 5*time.Millisecond, func() bool { return w.count() >= base+n })
}

// counterScript prints "C<n>" every 50 ms.
const counterScript = `i=0; while :; do i=$((i+1)); echo C$i; sleep 0.05; done`

// proxyAlias is the ssh alias that reaches the harness's sshd through the
// fault proxy.
const proxyAlias = "lbproxy"

// sshResume measures how long an attached client takes to show output
// again once the network is back, over -resume-rounds drops.
func (h *harness) sshResume(s *sshd, lt *tool, r *resumeRes) error {
	r.refuse = h.o.refuse
	px, err := startProxy(fmt.Sprintf("127.0.0.1:%d", s.port))
	if err != nil {
		return err
	}
	defer px.close()
	if err := s.addAlias(proxyAlias, px.port()); err != nil {
		return err
	}
	if _, err := h.create(lt, "sr0001", []string{"/bin/sh", "-c", counterScript}); err != nil {
		return err
	}
	if err := h.waitListed(lt, "sr0001"); err != nil {
		return err
	}
	o, err := startOuter(h.pt, []string{lt.bin, "-H", "ssh://" + proxyAlias, "attach", "sr0001"}, s.env, lt.dir, false, nil)
	if err != nil {
		return err
	}
	defer release(lt, o)
	w := &counterWatch{}
	o.setTap(w.feed)
	// the attach has drawn the screen: check the counter from here on
	if !poll(15*time.Second, 10*time.Millisecond, func() bool { return o.bytes() > 0 }) {
		return fmt.Errorf("linger -H ssh://%s attach showed nothing in 15 s", proxyAlias)
	}
	w.check()
	if !w.waitLines(5, 15*time.Second) {
		return fmt.Errorf("the session's counter does not reach the attached terminal (%s)", o.lastLine())
	}
	for i := 0; i < h.o.resumeRounds; i++ {
		if !w.waitLines(3, 15*time.Second) {
			return fmt.Errorf("round %d: the counter stopped before the drop (%s)", i+1, o.lastLine())
		}
		tReset := px.setRefuse(true)
		px.reset()
		time.Sleep(h.o.refuse) // the outage: a fixed time, on purpose
		w.arm()
		tOpen := px.setRefuse(false)
		if !poll(h.o.refuse+clientMaxBackoff+30*time.Second, 2*time.Millisecond, func() bool { return !w.first().IsZero() }) {
			return fmt.Errorf("round %d: no output on the terminal %v after the network came back (%s)", i+1, clientMaxBackoff+30*time.Second, o.lastLine())
		}
		first := w.first()
		var refused int
		var next time.Time
		for _, a := range px.acceptedSince(tReset) {
			switch {
			case a.refused:
				refused++
			case next.IsZero() && !a.at.Before(tOpen):
				next = a.at
			}
		}
		if next.IsZero() {
			return fmt.Errorf("round %d: output came back but the proxy saw no new connection", i+1)
		}
		step := backoffStep(refused + 1)
		lat := first.Sub(tOpen)
		r.resume = append(r.resume, ms(lat))
		r.waitNext = append(r.waitNext, ms(next.Sub(tOpen)))
		r.reconnect = append(r.reconnect, ms(first.Sub(next)))
		r.step = append(r.step, ms(step))
		r.attempts = append(r.attempts, float64(refused))
		if lat < time.Second+step {
			r.met++
		}
		h.logf("ssh-resume round %d: first byte %.0f ms after the network came back (next attempt after %.0f ms, then %.0f ms); %d attempts refused, step in force %v",
			i+1, ms(lat), ms(next.Sub(tOpen)), ms(first.Sub(next)), refused, step)
	}
	if !w.waitLines(3, 15*time.Second) {
		return fmt.Errorf("the counter stopped after the last round (%s)", o.lastLine())
	}
	w.mu.Lock()
	r.lines, r.dups, r.gaps = w.lines, w.dups, w.gaps
	w.mu.Unlock()
	h.logf("ssh-resume: %d counter lines on the terminal, %d repeated, %d missing", r.lines, r.dups, r.gaps)
	return nil
}

// sshHeartbeat: attached throughput over ssh through a connection with
// heartbeat 5s (the default) beside one with heartbeat 1h (in effect
// off), rounds alternating. The server announces its heartbeat when a
// connection starts: the first client attaches before the reload to 1h.
func (h *harness) sshHeartbeat(s *sshd, lt *tool, r *resumeRes) error {
	size, warm, err := h.sshWorkload()
	if err != nil {
		return err
	}
	r.hbBytes = size
	defer h.setHeartbeat(lt, "")
	var outs []*outer
	for i, hb := range []string{"5s", "1h"} {
		name := fmt.Sprintf("sh%04d", i+1)
		if _, err := h.create(lt, name, []string{"/bin/sh", "-i"}); err != nil {
			return err
		}
		if err := h.waitListed(lt, name); err != nil {
			return err
		}
		if err := h.setHeartbeat(lt, hb); err != nil {
			return err
		}
		o, err := startOuter(h.pt, []string{lt.bin, "-H", hostURL(1), "attach", name}, s.env, lt.dir, true, nil)
		if err != nil {
			return err
		}
		defer release(lt, o)
		if err := h.shellReady(o, "linger -H, heartbeat "+hb); err != nil {
			return err
		}
		outs = append(outs, o)
	}
	res := []*tpRes{&r.hbOn, &r.hbOff}
	cpu := []*[]float64{&r.hbCPUOn, &r.hbCPUOf}
	label := []string{"heartbeat 5s", "heartbeat 1h"}
	for k, o := range outs {
		if _, _, err := h.printRun(o, warm); err != nil {
			res[k].err = "warm-up: " + err.Error()
		}
	}
	for rep := 0; rep < h.o.reps; rep++ {
		for _, k := range rotate([]int{0, 1}, rep) {
			x := res[k]
			if x.err != "" {
				continue
			}
			c0 := cpuMs()
			d, out, err := h.printRun(outs[k], size)
			c1 := cpuMs()
			if err == nil && out < size {
				err = fmt.Errorf("only %d of the %d bytes printed reached the terminal", out, size)
			}
			if err != nil {
				x.err = err.Error()
				continue
			}
			x.secs = append(x.secs, d.Seconds())
			x.mbps = append(x.mbps, float64(size)/mb/d.Seconds())
			x.outMB = append(x.outMB, float64(out)/mb)
			*cpu[k] = append(*cpu[k], (c1-c0)/(float64(size)/mb))
			h.logf("ssh-heartbeat %s round %d: %6.1f MB/s, %.1f ms CPU per MB", label[k], rep+1, float64(size)/mb/d.Seconds(), (c1-c0)/(float64(size)/mb))
		}
	}
	return nil
}

// serverPid is the linger tool's server process (0: none).
func serverPid(lt *tool) int {
	for _, p := range descendants(os.Getpid()) {
		if p.state == 'Z' || exeOf(p.pid) != lt.bin {
			continue
		}
		b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", p.pid))
		if bytes.Contains(b, []byte("\x00server\x00--daemon")) {
			return p.pid
		}
	}
	return 0
}

// sshIdle: the server's CPU over -idle-time with no remote client, then
// with -idle-clients idle clients attached over ssh (heartbeat
// -idle-heartbeat, 5s by default).
func (h *harness) sshIdle(s *sshd, lt *tool, r *resumeRes) error {
	n := h.o.idleClients
	r.idleWindow, r.idleBeat = h.o.idleTime, h.o.idleBeat
	if err := h.setHeartbeat(lt, h.o.idleBeat); err != nil {
		return err
	}
	defer h.setHeartbeat(lt, "")
	for i := 1; i <= n; i++ {
		if _, err := h.create(lt, fmt.Sprintf("si%04d", i), []string{"sleep", "100000"}); err != nil {
			return err
		}
	}
	if err := h.waitListed(lt, fmt.Sprintf("si%04d", n)); err != nil {
		return err
	}
	srv := serverPid(lt)
	if srv == 0 {
		return fmt.Errorf("no linger server process found")
	}
	window := func() (server, all float64, kinds map[string]float64) {
		k0, s0 := cpuByProcess(), cpuTicks(srv)
		time.Sleep(h.o.idleTime) // the measurement window
		k1, s1 := cpuByProcess(), cpuTicks(srv)
		kinds = map[string]float64{}
		for k, v := range k1 {
			if d := v - k0[k]; d > 0 {
				kinds[k] = d
				all += d
			}
		}
		return float64(s1-s0) * 10, all, kinds // USER_HZ 100
	}
	settle(3 * time.Second)
	r.idleBase, r.idleBaseAll, _ = window()
	h.logf("ssh-idle: server %.0f ms of CPU in %v with no remote client", r.idleBase, h.o.idleTime)

	// attach the clients, a few logins at a time (sshd's MaxStartups)
	outs := make([]*outer, n)
	defer func() {
		var wg sync.WaitGroup
		for _, o := range outs {
			if o != nil {
				wg.Add(1)
				go func() { defer wg.Done(); o.close() }()
			}
		}
		wg.Wait()
	}()
	var mu sync.Mutex
	var firstErr error
	sem := make(chan struct{}, 4)
	var wg sync.WaitGroup
	t0 := time.Now()
	for i := range outs {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			o, err := startOuter(h.pt, []string{lt.bin, "-H", hostURL(1 + i%sshAliasN), "attach", fmt.Sprintf("si%04d", i+1)}, s.env, lt.dir, false, nil)
			if err == nil {
				mu.Lock()
				outs[i] = o
				mu.Unlock()
				if !poll(30*time.Second, 10*time.Millisecond, func() bool { return o.bytes() > 0 }) {
					err = fmt.Errorf("client %d showed nothing in 30 s", i+1)
				}
			}
			if err != nil {
				mu.Lock()
				if firstErr == nil {
					firstErr = err
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if firstErr != nil {
		return firstErr
	}
	// every session attached: ls --json says Busy (held by another
	// terminal) for each
	var opened int
	poll(30*time.Second, 100*time.Millisecond, func() bool {
		opened = 0
		out, err := lt.run(cat(lt.listArgs, "--json"))
		if err != nil {
			return false
		}
		var list []struct {
			Name         string `json:"name"`
			Availability string `json:"availability"`
		}
		if json.Unmarshal(out, &list) != nil {
			return false
		}
		for _, x := range list {
			if strings.HasPrefix(x.Name, "si") && x.Availability == "Busy" {
				opened++
			}
		}
		return opened == n
	})
	if opened != n {
		return fmt.Errorf("%d of %d sessions are attached after the clients started", opened, n)
	}
	h.logf("ssh-idle: %d clients attached over ssh in %.1f s", n, time.Since(t0).Seconds())
	r.idleN = n
	settle(5 * time.Second)
	r.idleServer, r.idleAll, r.idleKinds = window()
	h.logf("ssh-idle: server %.0f ms of CPU in %v with %d idle clients attached (all processes %.0f ms)", r.idleServer, h.o.idleTime, n, r.idleAll)
	return nil
}

// sectionResume reports issue 18's figures (a part of section 7).
func (r *results) sectionResume(m *md) {
	x := r.resume
	if x == nil || r.ssh == nil || r.ssh.note != "" {
		return
	}
	sel := func(t string) bool { return slices.Contains(o(r).tests, t) }
	m.p("### Reconnect and heartbeats (issue 18)")
	m.p("")
	m.head("figure", "linger -H", "beside", "<notes")
	if sel("ssh-resume") {
		notes := []string{errCell(x.resumeErr)}
		if len(x.resume) > 0 {
			notes = append(notes,
				fmt.Sprintf("%d rounds: reset, %v refused, then accepted; the client's next attempt reached the proxy %s ms after it accepted again, and output was back %s ms after that attempt (ssh login, dial-stdio, resume)",
					len(x.resume), x.refuse, spread(x.waitNext), spread(x.reconnect)),
				fmt.Sprintf("attempts refused per outage: %s", spread(x.attempts)),
				fmt.Sprintf("target (under 1 s + the step) met in %d of %d rounds", x.met, len(x.resume)),
				fmt.Sprintf("%d counter lines on the terminal across the drops: %d repeated, %d missing", x.lines, x.dups, x.gaps))
		}
		m.row("network back → first resumed byte on the terminal, ms", spread(x.resume), "backoff step in force: "+spread(x.step)+" ms",
			strings.Join(nonEmpty(notes...), "; "))
	}
	if sel("ssh-heartbeat") {
		m.row(fmt.Sprintf("attached throughput, %.0f MB, heartbeat 5s (default), MB/s", float64(x.hbBytes)/mb), spread(x.hbOn.mbps),
			"heartbeat 1h: "+spread(x.hbOff.mbps)+" ("+ratio(median(x.hbOn.mbps), median(x.hbOff.mbps))+")",
			strings.Join(nonEmpty(errCell(x.hbOn.err), errCell(x.hbOff.err),
				fmt.Sprintf("rounds alternating; CPU of all processes per MB: %s (5s) / %s (1h) ms", spread(x.hbCPUOn), spread(x.hbCPUOf))), "; "))
	}
	if sel("ssh-idle") {
		if x.idleErr != "" || x.idleN == 0 {
			m.row("idle server CPU with remote clients attached", errCell(x.idleErr), "—", "")
		} else {
			secs := x.idleWindow.Seconds()
			pct := func(v float64) string { return fmt.Sprintf("%s ms (%s%% of a core)", num(v), num(100*v/1000/secs)) }
			var kinds []string
			for _, k := range []string{"linger server", "linger client", "ssh", "sshd", "dial-stdio", ""} {
				name := k
				if k == "" {
					name = "other"
				}
				kinds = append(kinds, fmt.Sprintf("%s %s", name, num(x.idleKinds[k])))
			}
			m.row(fmt.Sprintf("server CPU over %v, %d idle clients attached over ssh, heartbeat %s", x.idleWindow, x.idleN, x.idleBeat), pct(x.idleServer),
				"no remote client: "+pct(x.idleBase),
				fmt.Sprintf("from /proc/PID/stat (10 ms ticks); all processes below the harness: %s ms with the clients (%s), %s ms without", num(x.idleAll), strings.Join(kinds, ", "), num(x.idleBaseAll)))
		}
	}
	m.p("")
	if sel("ssh-resume") {
		m.p("ssh-resume: the client's ssh connection runs through the harness's fault proxy on 127.0.0.1 (alias %s); the session prints a counter line every 50 ms. A drop resets both sides of the connection (RST), so both ends see it at once: the server's heartbeat is left at its default (5 s). The step in force is the longest wait the client's schedule (client/reconnect.go: two attempts at once, then 0.5 s doubling to 15 s, jittered down to half) allows before the attempt that got through.", proxyAlias)
		m.p("")
	}
}
