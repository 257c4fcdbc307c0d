package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/creack/pty"

	"linger/vt"
)

const mb = 1e6

// ---- shared pieces ----

func (h *harness) create(t *tool, name string, argv []string) (time.Duration, error) {
	d, _, err := t.timed(t.newArgs(name, argv))
	return d, err
}

// killSession removes one session: the tool's kill command, else SIGTERM
// to its server process (the session's program gets SIGHUP from its pty).
func (h *harness) killSession(t *tool, name string) {
	if t.raw {
		return
	}
	if t.killArgs != nil {
		t.run(t.killArgs(name))
		return
	}
	if t.sessionPid != nil {
		if pid, ok := t.sessionPid(name); ok {
			killPid(pid)
		}
	}
}

// waitListed waits until t's list command names session name: screen's
// "-dmS" can return before "-r" finds the session. Setup only, not timed.
func (h *harness) waitListed(t *tool, name string) error {
	if t.listArgs == nil {
		return nil
	}
	var lerr error
	if poll(10*time.Second, 5*time.Millisecond, func() bool {
		var out []byte
		out, lerr = t.run(t.listArgs)
		return shows(out, name)
	}) {
		return nil
	}
	if lerr != nil && t.name != "screen" {
		return fmt.Errorf("session %s not listed within 10s (%v)", name, lerr)
	}
	return fmt.Errorf("session %s not listed within 10s", name)
}

// attachClient starts t's attach client for session name in a new outer
// terminal, with a wait for pred armed.
func (h *harness) attachClient(t *tool, name string, pred func(*vt.Terminal) bool) (*outer, error) {
	return startOuter(h.pt, t.attachArgs(name), t.env, t.dir, true, pred)
}

// detachClient types the detach keys and returns how long the client took
// to exit (from the first keys, if they had to be typed again).
func detachClient(t *tool, o *outer) (time.Duration, error) {
	t0 := time.Now()
	var at time.Time
	var err error
	for try := 0; try < 2; try++ {
		if err = o.write(t.detach); err != nil {
			return 0, err
		}
		if at, err = o.waitExit(3 * time.Second); err == nil {
			break
		}
	}
	if err != nil {
		return 0, err
	}
	return at.Sub(t0), nil
}

// release detaches a client that is still attached (so the server lets go
// of its terminal), then closes the outer terminal.
func release(t *tool, o *outer) {
	if !t.raw {
		select {
		case <-o.exited:
		default:
			o.write(t.detach)
			o.waitExit(2 * time.Second)
		}
	}
	o.close()
}

// waitFile polls for path to exist.
func waitFile(path string, timeout time.Duration) bool {
	return poll(timeout, 5*time.Millisecond, func() bool {
		_, err := os.Stat(path)
		return err == nil
	})
}

// openShell gives an outer terminal with an interactive /bin/sh behind t
// (for raw: on the outer pty itself), answering commands, emulator off.
func (h *harness) openShell(t *tool, name string) (*outer, error) {
	argv := []string{"/bin/sh", "-i"}
	var o *outer
	var err error
	if t.raw {
		o, err = startOuter(h.pt, argv, t.env, t.dir, true, nil)
	} else {
		if _, err = h.create(t, name, argv); err != nil {
			return nil, err
		}
		if err = h.waitListed(t, name); err != nil {
			return nil, err
		}
		o, err = h.attachClient(t, name, nil)
	}
	if err != nil {
		return nil, err
	}
	if err := h.shellReady(o, t.name); err != nil {
		return nil, err
	}
	return o, nil
}

// shellReady waits until the shell behind o (a client named what) answers
// a command, then turns o's emulator off; on failure it closes o.
func (h *harness) shellReady(o *outer, what string) error {
	// Ctrl-U first: dtach types a Ctrl-L into the session on attach, which
	// the shell would take as part of the command. A client may also still
	// be setting up, so retry with a fresh marker.
	var werr error
	for try := 0; try < 8; try++ {
		typed, shown := h.marker("LBRDY")
		o.expect(shown)
		if err := o.write("\x15echo " + typed + "\r"); err != nil {
			werr = err
			break
		}
		if _, werr = o.wait(2 * time.Second); werr == nil {
			break
		}
		if !errors.Is(werr, errTimeout) {
			break
		}
	}
	if werr != nil {
		o.close()
		return fmt.Errorf("the shell behind %s did not answer: %v", what, werr)
	}
	o.setScreen(false)
	return nil
}

// lineEnd is the largest n' <= n at which the workload ends a line, so a
// payload of n' bytes leaves no escape sequence or UTF-8 character cut in
// two (which could swallow the first byte of the marker that follows).
func (h *harness) lineEnd(n int64) (int64, error) {
	f, err := os.Open(h.mixed)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	buf := make([]byte, 4096)
	off := max(0, n-int64(len(buf)))
	k, err := f.ReadAt(buf[:n-off], off)
	if err != nil && err != io.EOF {
		return 0, err
	}
	if i := bytes.LastIndexByte(buf[:k], '\n'); i >= 0 {
		return off + int64(i) + 1, nil
	}
	return 0, fmt.Errorf("no line end within 4 KiB before byte %d of %s", n, h.mixed)
}

// printRun types "head -c n FILE; echo MARKER" and returns the time until
// the marker arrived and how many bytes reached the outer terminal. n must
// be a lineEnd.
func (h *harness) printRun(o *outer, n int64) (time.Duration, int64, error) {
	typed, shown := h.marker("LBEND")
	n0 := o.bytes()
	o.expect(shown)
	t0 := time.Now()
	if err := o.write(fmt.Sprintf("head -c %d %s; echo %s\r", n, h.mixed, typed)); err != nil {
		return 0, 0, err
	}
	at, err := o.waitOrQuiet(time.Duration(n/(200e3))*time.Second+30*time.Second, 20*time.Second)
	if err != nil {
		return 0, 0, err
	}
	o.waitQuiet(250*time.Millisecond, 20*time.Second, t0)
	return at.Sub(t0), o.bytes() - n0, nil
}

// ensureMixed writes the throughput workload once, large enough for n bytes.
func (h *harness) ensureMixed(n int64) error {
	if h.mixed != "" && h.mixedSize >= n {
		return nil
	}
	p := filepath.Join(h.dir, "mixed.txt")
	f, err := os.Create(p)
	if err != nil {
		return err
	}
	t0 := time.Now()
	size, err := writeMixed(f, n)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("writing the workload %s: %v", p, err)
	}
	h.mixed, h.mixedSize = p, size
	h.logf("workload: %.1f MB of mixed text with SGR colours in %.1fs", float64(size)/mb, time.Since(t0).Seconds())
	return nil
}

func ms(d time.Duration) float64 { return d.Seconds() * 1e3 }

// ---- 1. throughput ----

func (h *harness) testThroughput() error {
	if err := h.ensureMixed(int64(h.o.mb) * mb); err != nil {
		return err
	}
	size, err := h.lineEnd(int64(h.o.mb) * mb)
	if err != nil {
		return err
	}
	warm, err := h.lineEnd(min(size, 4*mb))
	if err != nil {
		return err
	}
	h.res.throughputBytes = size
	shells := map[*tool]*outer{}
	var order []*tool
	for _, t := range h.tools {
		r := &tpRes{}
		h.res.throughput = setRes(h.res.throughput, t.name, r)
		o, err := h.openShell(t, "tp0001")
		if err != nil {
			r.err = err.Error()
			h.logf("throughput %s: %v", t.name, err)
			continue
		}
		// warm-up: page cache, server buffers, the client's first writes
		if _, _, err := h.printRun(o, warm); err != nil {
			r.err = "warm-up: " + err.Error()
			o.close()
			continue
		}
		shells[t] = o
		order = append(order, t)
	}
	for rep := 0; rep < h.o.reps; rep++ {
		for _, t := range rotate(order, rep) {
			r := h.res.throughput[t.name]
			if r.err != "" {
				continue
			}
			d, out, err := h.printRun(shells[t], size)
			if err != nil {
				r.err = err.Error()
				h.logf("throughput %s: %v", t.name, err)
				continue
			}
			r.secs = append(r.secs, d.Seconds())
			r.mbps = append(r.mbps, float64(size)/mb/d.Seconds())
			r.outMB = append(r.outMB, float64(out)/mb)
			h.logf("throughput %-6s round %d: %6.1f MB/s, %.1f MB reached the terminal", t.name, rep+1, float64(size)/mb/d.Seconds(), float64(out)/mb)
		}
	}
	for t, o := range shells {
		release(t, o)
	}
	return nil
}

func setRes[T any](m map[string]T, k string, v T) map[string]T {
	if m == nil {
		m = map[string]T{}
	}
	m[k] = v
	return m
}

// ---- 2. echo ----

func (h *harness) testEcho() error {
	ready := func(t *vt.Terminal) bool { return rowText(t, 2) == echoReady }
	argv := []string{h.self, helperArg, "echo"}
	outs := map[*tool]*outer{}
	var order []*tool
	results := map[*tool]*echoRes{}
	tools := h.tools
	var relay *tool // the relay floor (floor.go), alternating with the tools
	if h.floors.relay != "" {
		raw := h.tools[0]
		relay = &tool{name: "relay", raw: true, env: raw.env, dir: raw.dir}
		tools = append(slices.Clip(tools), relay)
	}
	for _, t := range tools {
		r := &echoRes{}
		results[t] = r
		if t == relay {
			h.res.relayEcho = r
		} else {
			h.res.echo = setRes(h.res.echo, t.name, r)
		}
		var o *outer
		var err error
		if t == relay {
			o, err = startOuter(h.pt, append([]string{h.floors.relay}, argv...), t.env, t.dir, true, ready)
		} else if t.raw {
			o, err = startOuter(h.pt, argv, t.env, t.dir, true, ready)
		} else if _, err = h.create(t, "ec0001", argv); err == nil {
			if err = h.waitListed(t, "ec0001"); err == nil {
				o, err = h.attachClient(t, "ec0001", ready)
			}
		}
		if err == nil {
			if _, err = o.wait(15 * time.Second); err != nil {
				o.close()
			}
		}
		if err != nil {
			r.err = err.Error()
			h.logf("echo %s: %v", t.name, err)
			continue
		}
		o.waitQuiet(100*time.Millisecond, 5*time.Second, time.Time{})
		outs[t] = o
		order = append(order, t)
	}
	settle(3 * time.Second)
	var ous []*outer
	var rs []*echoRes
	for _, t := range order {
		ous, rs = append(ous, outs[t]), append(rs, results[t])
	}
	echoKeys(h.o.echoN, ous, rs)
	for t, o := range outs {
		r := results[t]
		h.logf("echo %-6s p50 %.0f µs, p99 %.0f µs", t.name, percentile(r.us, 50), percentile(r.us, 99))
		release(t, o)
	}
	return nil
}

// echoKeys types n letters into every outer terminal of outs (each
// running the echo helper behind its client), interleaved keystroke by
// keystroke in an order rotated each time, and records in the matching
// rs how long each letter took to show in the top-left cell.
func echoKeys(n int, outs []*outer, rs []*echoRes) {
	idx := make([]int, len(outs))
	for i := range idx {
		idx[i] = i
	}
	for i := 0; i < n; i++ {
		c := rune('a' + i%26)
		for _, k := range rotate(idx, i) {
			r, o := rs[k], outs[k]
			if r.err != "" {
				continue
			}
			o.expectScreen(func(t *vt.Terminal) bool { return t.Cell(0, 0).Rune == c })
			t0 := time.Now()
			if err := o.write(string(c)); err != nil {
				r.err = err.Error()
				continue
			}
			at, err := o.wait(2 * time.Second)
			if err != nil {
				r.timeouts++
				if r.timeouts >= 10 {
					r.err = "10 keystrokes not echoed within 2s: " + err.Error()
				}
				continue
			}
			r.us = append(r.us, float64(at.Sub(t0).Nanoseconds())/1e3)
		}
	}
}

// ---- 3. start detached ----

func (h *harness) testStart() error {
	var ptys []*os.File
	defer func() {
		for _, f := range ptys {
			f.Close()
		}
	}()
	for _, t := range h.tools {
		h.res.start = setRes(h.res.start, t.name, &startRes{})
	}
	for i := 0; i < h.o.startN; i++ {
		name := fmt.Sprintf("st%06d", i)
		for _, t := range rotate(h.tools, i) {
			r := h.res.start[t.name]
			if r.err != "" {
				continue
			}
			var ret, list time.Duration
			if t.raw {
				// the floor: spawning the program on a fresh pty
				cmd := exec.Command("sleep", "100000")
				cmd.Env, cmd.Dir = t.env, t.dir
				h.pt.mu.Lock()
				if h.pt.closing {
					h.pt.mu.Unlock()
					return errClosing
				}
				t0 := time.Now()
				f, err := pty.StartWithSize(cmd, &pty.Winsize{Cols: cols, Rows: rows})
				ret = time.Since(t0)
				if err == nil {
					h.pt.live[cmd.Process.Pid] = true
					ptys = append(ptys, f)
					go h.pt.wait(cmd)
				}
				h.pt.mu.Unlock()
				if err != nil {
					r.err = err.Error()
					continue
				}
				list = ret
			} else {
				t0 := time.Now()
				d, err := h.create(t, name, []string{"sleep", "100000"})
				if err != nil {
					r.err = err.Error()
					h.logf("start %s: %v", t.name, err)
					continue
				}
				ret = d
				var lerr error
				runs := 0
				ok := poll(10*time.Second, 0, func() bool {
					runs++
					_, out, err := t.timed(t.listArgs)
					lerr = err
					return shows(out, name)
				})
				r.created++
				if ok && runs == 1 {
					r.firstList++
				}
				if !ok {
					r.err = fmt.Sprintf("session %s not listed within 10s", name)
					if lerr != nil {
						r.err += " (" + lerr.Error() + ")"
					}
					continue
				}
				list = time.Since(t0)
			}
			if i == 0 {
				r.coldRet, r.coldListed = ms(ret), ms(list)
				continue
			}
			r.ret = append(r.ret, ms(ret))
			r.listed = append(r.listed, ms(list))
		}
		if h.floors.hello != "" {
			d, err := h.timeHello(h.tools[0].env)
			if err != nil {
				h.logf("start: hello floor: %v", err)
			} else if i > 0 {
				h.res.hello = append(h.res.hello, ms(d))
			}
		}
	}
	for _, t := range h.tools {
		r := h.res.start[t.name]
		h.logf("start %-6s returns %.2f ms, listed %.2f ms (median)", t.name, median(r.ret), median(r.listed))
	}
	return nil
}

// ---- 4. attach / detach, and the history curve ----

// attachOnce attaches to a session showing the helper's screen and
// detaches; for raw it runs the helper itself on a fresh pty.
func (h *harness) attachOnce(t *tool, name string, history int) (first, full, detach float64, err error) {
	var o *outer
	if t.raw {
		// the floor: cat of exactly what the program draws
		file := filepath.Join(t.dir, fmt.Sprintf("screen-%d.txt", history))
		if _, serr := os.Stat(file); serr != nil {
			if err = writeScreenFile(file, history); err != nil {
				return 0, 0, 0, err
			}
		}
		o, err = startOuter(h.pt, []string{"cat", file}, t.env, t.dir, true, fullScreen)
	} else {
		o, err = h.attachClient(t, name, fullScreen)
	}
	if err != nil {
		return 0, 0, 0, err
	}
	defer o.close()
	at, err := o.wait(time.Duration(history/5000)*time.Second + 15*time.Second)
	if err != nil {
		return 0, 0, 0, err
	}
	o.mu.Lock()
	first, full = ms(o.firstAt.Sub(o.started)), ms(at.Sub(o.started))
	o.mu.Unlock()
	if t.raw {
		return first, full, 0, nil
	}
	o.waitQuiet(50*time.Millisecond, 5*time.Second, time.Time{})
	d, err := detachClient(t, o)
	if err != nil {
		return 0, 0, 0, fmt.Errorf("detach: %v", err)
	}
	return first, full, ms(d), nil
}

// screenSession creates a session running the screen helper and waits
// until it has drawn.
func (h *harness) screenSession(t *tool, name string, history int) error {
	done := filepath.Join(t.dir, name+".drawn")
	os.Remove(done)
	argv := []string{h.self, helperArg, "screen", "-history", strconv.Itoa(history), "-done", done}
	if _, err := h.create(t, name, argv); err != nil {
		return err
	}
	if !waitFile(done, time.Duration(history/2000)*time.Second+15*time.Second) {
		return fmt.Errorf("the session's program did not finish drawing (%d history lines)", history)
	}
	return h.waitListed(t, name)
}

func (h *harness) testAttach() error {
	var order []*tool
	for _, t := range h.tools {
		r := &attachRes{}
		h.res.attach = setRes(h.res.attach, t.name, r)
		if !t.raw {
			if err := h.screenSession(t, "at0001", 0); err != nil {
				r.err = err.Error()
				h.logf("attach %s: %v", t.name, err)
				continue
			}
		}
		order = append(order, t)
	}
	settle(3 * time.Second)
	for i := 0; i < h.o.attachN; i++ {
		for _, t := range rotate(order, i) {
			r := h.res.attach[t.name]
			if r.err != "" {
				continue
			}
			first, full, det, err := h.attachOnce(t, "at0001", 0)
			if err != nil {
				r.err = fmt.Sprintf("cycle %d: %v", i+1, err)
				h.logf("attach %s: %v", t.name, err)
				continue
			}
			r.first = append(r.first, first)
			r.full = append(r.full, full)
			if !t.raw {
				r.detach = append(r.detach, det)
			}
		}
	}
	for _, t := range order {
		r := h.res.attach[t.name]
		h.logf("attach %-6s full screen %.2f ms, detach %.2f ms (median)", t.name, median(r.full), median(r.detach))
	}
	return nil
}

func (h *harness) testHistory() error {
	h.res.history = map[int]map[string]*attachRes{}
	for _, n := range h.o.history {
		m := map[string]*attachRes{}
		h.res.history[n] = m
		for _, t := range h.tools {
			m[t.name] = &attachRes{}
		}
		for rep := 0; rep < h.o.historyReps; rep++ {
			name := fmt.Sprintf("hi%06d", n*10+rep)
			// all sessions first, so their drawing does not overlap a
			// measured attach
			for _, t := range h.peers() {
				if m[t.name].err != "" {
					continue
				}
				if err := h.screenSession(t, name, n); err != nil {
					m[t.name].err = err.Error()
					h.logf("history %d %s: %v", n, t.name, err)
				}
			}
			settle(3 * time.Second)
			for _, t := range rotate(h.tools, rep) {
				r := m[t.name]
				if r.err != "" {
					continue
				}
				first, full, det, err := h.attachOnce(t, name, n)
				h.killSession(t, name)
				if err != nil {
					r.err = err.Error()
					h.logf("history %d %s: %v", n, t.name, err)
					continue
				}
				r.first = append(r.first, first)
				r.full = append(r.full, full)
				if !t.raw {
					r.detach = append(r.detach, det)
				}
			}
		}
		for _, t := range h.tools {
			h.logf("history %6d lines: %-6s full screen after %.1f ms", n, t.name, median(m[t.name].full))
		}
		h.reset()
	}
	return nil
}

// ---- 5. scale: memory and list time with many idle sessions ----

func (h *harness) testScale() error {
	var steps []int
	if h.selected("scale") {
		steps = append(steps, h.o.scale...)
	}
	if h.selected("list") {
		steps = append(steps, h.o.listSizes...)
	}
	slices.Sort(steps)
	steps = slices.Compact(steps)
	for _, t := range h.peers() {
		list := func(s *scaleStep) {
			if t.listArgs == nil {
				return
			}
			k := 5
			if s.reached >= 5000 {
				k = 3
			}
			for j := 0; j < k; j++ {
				d, out, err := t.timed(t.listArgs)
				if err != nil && t.name != "screen" { // screen -ls exits non-zero by design
					s.listErr = err.Error()
					break
				}
				s.list = append(s.list, ms(d))
				s.listed = listed(out, "sc")
			}
		}
		h.res.scale = setRes(h.res.scale, t.name, h.sweep(t, "scale", steps, "sc", []string{"sleep", "100000"}, list))
		h.reset()
	}
	return nil
}

// ---- 5b. sessions showing a prompt: how memory grows ----

// promptCmd is what each session of the prompts sweep runs: it prints a
// prompt as an interactive shell would, then waits without output.
var promptCmd = []string{"sh", "-c", "printf '%s@%s:~/src/project$ ' user host; exec sleep 100000"}

func (h *harness) testPrompts() error {
	for _, t := range h.peers() {
		h.res.prompts = setRes(h.res.prompts, t.name, h.sweep(t, "prompts", h.o.prompts, "pr", promptCmd, nil))
		h.reset()
	}
	return nil
}

// sweep creates sessions of t running argv (named prefix and a number)
// one after another up to each count of steps and, at each, once idle,
// measures the server's memory and calls at (if not nil) to measure more.
// It stops short of the machine's pty limit (other users need some) and
// of the time budget, and measures the count reached.
func (h *harness) sweep(t *tool, test string, steps []int, prefix string, argv []string, at func(*scaleStep)) *scaleRes {
	r := &scaleRes{}
	created := 0
	t0 := time.Now()
	var createTime time.Duration
	for _, step := range steps {
		s := scaleStep{n: step}
		for created < step && s.stopped == "" {
			if created%50 == 0 {
				if free := ptysFree(); free >= 0 && free < ptyMargin {
					s.stopped = fmt.Sprintf("%d ptys left on the machine (kernel.pty.max)", free)
					break
				}
			}
			if time.Since(t0) > h.o.budget {
				s.stopped = fmt.Sprintf("the %v budget ran out (-scale-budget)", h.o.budget)
				break
			}
			d, err := h.create(t, fmt.Sprintf("%s%06d", prefix, created), argv)
			if err != nil {
				s.stopped = err.Error()
				break
			}
			createTime += d
			created++
		}
		s.reached = created
		if s.stopped != "" && (len(r.steps) > 0 && r.steps[len(r.steps)-1].reached == created || created == 0) {
			s.reached = 0 // nothing new to measure
			r.steps = append(r.steps, s)
			h.logf("%s %-6s %5d sessions: stopped at %d: %s", test, t.name, step, created, s.stopped)
			break
		}
		s.createS = createTime.Seconds()
		// Idle: measured after idleAfter with no request, as
		// ../shared/bench does (500 ms), so a server that tidies up
		// after a burst (linger returns memory 300 ms after its last
		// request) is measured at rest, not during the burst's
		// garbage.
		time.Sleep(idleAfter)
		pids := settledPids(t.bin, nil)
		s.procs = len(pids)
		s.mem = memSum(pids)
		if at != nil {
			at(&s)
		}
		r.steps = append(r.steps, s)
		more := ""
		if s.list != nil {
			more = fmt.Sprintf(", list %.1f ms (%d listed)", median(s.list), s.listed)
		}
		if s.fileKnown {
			more = fmt.Sprintf(" (file-backed %.1f MiB)", float64(s.fileKiB)/1024) + more
		}
		h.logf("%s %-6s %5d sessions: %d procs, PSS %.1f KiB/session%s%s",
			test, t.name, created, s.procs, float64(s.pssKiB)/float64(created), more, prefixed("; stopped: ", s.stopped))
		if s.stopped != "" {
			break
		}
	}
	return r
}

// idleAfter is how long a sweep waits after creating sessions before it
// measures memory and list time.
const idleAfter = 500 * time.Millisecond

// ptyMargin is how many free ptys a sweep leaves to the rest of the
// machine.
const ptyMargin = 512

// ---- 6. output while detached ----

var dataLine = regexp.MustCompile(`(?m)^L([0-9]{8})`)

// dataLines counts the workload lines in text and the first and last line
// numbers.
func dataLines(text string) (n, first, last int) {
	first = -1
	for _, m := range dataLine.FindAllStringSubmatch(text, -1) {
		v, _ := strconv.Atoi(m[1])
		if first < 0 {
			first = v
		}
		last = v
		n++
	}
	return n, first, last
}

func (h *harness) testDetached() error {
	size := int64(h.o.detachedMB) * mb
	file := filepath.Join(h.dir, "numbered.txt")
	f, err := os.Create(file)
	if err != nil {
		return err
	}
	exp := newONLCR()
	n, lines, err := writeNumbered(io.MultiWriter(f, exp), size)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("writing %s: %v", file, err)
	}
	h.res.detachedBytes, h.res.detachedLines = n, lines
	for _, t := range h.peers() {
		r := &detRes{}
		h.res.detached = setRes(h.res.detached, t.name, r)
		var err error
		if isLinger(t.name) {
			err = h.detachedLinger(t, file, exp, r)
		} else {
			err = h.detachedPeer(t, file, r)
		}
		if err != nil {
			r.err = err.Error()
			h.logf("detached %s: %v", t.name, err)
		} else {
			h.logf("detached %-6s %s", t.name, r.verdict)
		}
		h.reset()
	}
	return nil
}

// detachedLinger: the program prints the file and ends while nobody is
// attached; receive -f must give back every byte (sha256 of what the
// session's pty produced: the file with "\n" turned into "\r\n").
func (h *harness) detachedLinger(t *tool, file string, exp *onlcr, r *detRes) error {
	const name = "dt0001"
	done := filepath.Join(t.dir, "produced")
	t0 := time.Now()
	if _, err := h.create(t, name, []string{"/bin/sh", "-c", "cat " + file + "; touch " + done}); err != nil {
		return err
	}
	var lerr error
	ok := poll(3*time.Minute, 20*time.Millisecond, func() bool {
		if _, err := os.Stat(done); err == nil {
			r.produceS = time.Since(t0).Seconds()
			return true
		}
		out, err := t.run(cat(t.listArgs, "--json"))
		if err != nil {
			lerr = err
			return false
		}
		var ss []struct {
			Name      string `json:"name"`
			Suspended bool   `json:"suspended"`
			Buffered  int64  `json:"buffered_bytes"`
		}
		if err := json.Unmarshal(out, &ss); err != nil {
			lerr = fmt.Errorf("ls --json: %v", err)
			return false
		}
		for _, s := range ss {
			if s.Name == name && s.Suspended {
				r.stalled, r.stalledAt, r.produceS = true, s.Buffered, time.Since(t0).Seconds()
				return true
			}
		}
		return false
	})
	if !ok {
		return fmt.Errorf("the program neither finished nor was suspended within 3 minutes (%v)", lerr)
	}
	// Where this linger has capture (screen and history from the server's
	// emulator), see what it keeps, before receive collects the session.
	if t.capture != nil {
		if out, err := t.capture(name); err != nil {
			r.sbNote = err.Error()
		} else {
			r.sbLines, r.sbFirst, r.sbLast = dataLines(string(out))
			r.hasSB = true
		}
	}
	hc := newHashCounter()
	cmd := exec.Command(t.bin, "-S", filepath.Join(t.dir, "s.sock"), "receive", "-f", name)
	cmd.Env, cmd.Dir, cmd.Stdout = t.env, t.dir, hc
	var stderr strings.Builder
	cmd.Stderr = &stderr
	t1 := time.Now()
	if err := h.pt.start(cmd); err != nil {
		return err
	}
	timer := time.AfterFunc(5*time.Minute, func() { cmd.Process.Kill() })
	err := h.pt.wait(cmd)
	timer.Stop()
	r.receiveS = time.Since(t1).Seconds()
	if err != nil {
		return fmt.Errorf("linger receive -f: %v: %s", err, firstLine(stderr.String()))
	}
	r.gotBytes = hc.n
	r.hashOK = hc.sum() == exp.sum() && hc.n == exp.n
	r.lines = h.res.detachedLines
	held := "the program finished while detached"
	if r.stalled {
		held = fmt.Sprintf("the program was held after %.1f MB (block mode, buffer full)", float64(r.stalledAt)/mb)
	}
	if r.hashOK {
		r.verdict = fmt.Sprintf("all %.1f MB back byte-exact via receive -f (sha256 ok); %s", float64(hc.n)/mb, held)
	} else {
		r.verdict = fmt.Sprintf("receive -f gave %d bytes, expected %d: sha256 MISMATCH; %s", hc.n, exp.n, held)
	}
	return nil
}

// detachedPeer: the program prints the file and an end line, then sleeps;
// a client attaches and whatever the terminal then shows is read off the
// emulated screen, and the tool's scrollback (where it has a command for
// it) is read too.
func (h *harness) detachedPeer(t *tool, file string, r *detRes) error {
	const name = "dt0001"
	done := filepath.Join(t.dir, "produced")
	t0 := time.Now()
	script := fmt.Sprintf("cat %s; printf '%%s-%%s\\n' LBDET END; touch %s; exec sleep 100000", file, done)
	if _, err := h.create(t, name, []string{"/bin/sh", "-c", script}); err != nil {
		return err
	}
	if !waitFile(done, 3*time.Minute) {
		return errors.New("the program did not finish within 3 minutes while detached")
	}
	r.produceS = time.Since(t0).Seconds()
	o, err := h.attachClient(t, name, nil)
	if err != nil {
		return err
	}
	o.waitQuiet(time.Second, time.Minute, o.started)
	r.attachBytes = o.bytes()
	scr := o.screenText()
	r.screenLines, r.screenFirst, r.screenLast = dataLines(scr)
	r.endVisible = strings.Contains(scr, "LBDET-END")
	if _, err := detachClient(t, o); err != nil {
		o.close()
		return err
	}
	o.close()
	r.lines = h.res.detachedLines
	if t.capture != nil {
		out, err := t.capture(name)
		if err != nil {
			r.sbNote = err.Error()
		} else {
			r.sbLines, r.sbFirst, r.sbLast = dataLines(string(out))
			r.hasSB = true
		}
	}
	kept := max(r.screenLines, r.sbLines)
	switch {
	case kept == 0 && !r.endVisible:
		r.verdict = "nothing: output while detached is discarded"
	case r.hasSB:
		r.verdict = fmt.Sprintf("last %d of %d lines (%d on the screen on attach, %d in scrollback)", kept, r.lines, r.screenLines, r.sbLines)
	default:
		r.verdict = fmt.Sprintf("last %d of %d lines on the screen on attach", kept, r.lines)
	}
	return nil
}

// ---- curves: many sessions printing at once ----

func (h *harness) testStreams() error {
	h.res.streams = map[int]map[string]*streamRes{}
	total := int64(h.o.streamsMB) * mb
	if err := h.ensureMixed(total); err != nil {
		return err
	}
	h.res.streamsBytes = total
	for _, n := range h.o.streams {
		m := map[string]*streamRes{}
		h.res.streams[n] = m
		per, err := h.lineEnd(total / int64(n))
		if err != nil {
			return err
		}
		if free := ptysFree(); free >= 0 && 2*n*len(h.tools) > free-ptyMargin {
			for _, t := range h.tools {
				m[t.name] = &streamRes{err: fmt.Sprintf("needs %d ptys, the kernel has %d free", 2*n*len(h.tools), free)}
			}
			continue
		}
		shells := map[*tool][]*outer{}
		servers := map[*tool][]int{}
		var order []*tool
		for _, t := range h.tools {
			r := &streamRes{}
			m[t.name] = r
			var outs []*outer
			clients := map[int]bool{}
			for j := 0; j < n; j++ {
				o, err := h.openShell(t, fmt.Sprintf("sm%06d", j))
				if err != nil {
					r.err = fmt.Sprintf("session %d: %v", j+1, err)
					break
				}
				outs = append(outs, o)
				clients[o.cmd.Process.Pid] = true
			}
			if r.err != "" {
				h.logf("streams %d %s: %s", n, t.name, r.err)
				for _, o := range outs {
					release(t, o)
				}
				continue
			}
			shells[t] = outs
			if !t.raw {
				servers[t] = settledPids(t.bin, clients)
			}
			order = append(order, t)
		}
		for rep := 0; rep < h.o.streamsReps; rep++ {
			for _, t := range rotate(order, rep) {
				r := m[t.name]
				if r.err != "" {
					continue
				}
				d, out, peak, err := h.streamRun(shells[t], per, servers[t])
				if err != nil {
					r.err = err.Error()
					h.logf("streams %d %s: %v", n, t.name, err)
					continue
				}
				r.secs = append(r.secs, d.Seconds())
				r.mbps = append(r.mbps, float64(per*int64(n))/mb/d.Seconds())
				r.outMB = append(r.outMB, float64(out)/mb)
				if !t.raw {
					r.peakKiB = append(r.peakKiB, float64(peak))
				}
			}
		}
		for _, t := range h.tools {
			r := m[t.name]
			h.logf("streams %3d sessions: %-6s %.1f MB/s, server peak PSS %.0f KiB", n, t.name, median(r.mbps), median(r.peakKiB))
		}
		for t, outs := range shells {
			for _, o := range outs {
				release(t, o)
			}
		}
		h.reset()
	}
	return nil
}

// streamRun makes every shell print per bytes at once and waits for all
// end markers, sampling the servers' PSS meanwhile (peak, KiB).
func (h *harness) streamRun(shells []*outer, per int64, servers []int) (time.Duration, int64, int64, error) {
	var n0 int64
	shown := make([]string, len(shells))
	cmds := make([]string, len(shells))
	for i, o := range shells {
		typed, s := h.marker("LBEND")
		shown[i] = s
		cmds[i] = fmt.Sprintf("head -c %d %s; echo %s\r", per, h.mixed, typed)
		n0 += o.bytes()
	}
	var peak int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	if len(servers) > 0 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tick := time.NewTicker(100 * time.Millisecond)
			defer tick.Stop()
			for {
				if p := memSum(servers).pssKiB; p > peak {
					peak = p
				}
				select {
				case <-stop:
					return
				case <-tick.C:
				}
			}
		}()
	}
	for i, o := range shells {
		o.expect(shown[i])
	}
	t0 := time.Now()
	for i, o := range shells {
		if err := o.write(cmds[i]); err != nil {
			close(stop)
			wg.Wait()
			return 0, 0, 0, err
		}
	}
	var last time.Time
	var werr error
	for _, o := range shells {
		at, err := o.waitOrQuiet(time.Duration(per*int64(len(shells))/200e3)*time.Second+60*time.Second, 20*time.Second)
		if err != nil {
			werr = err
			break
		}
		if at.After(last) {
			last = at
		}
	}
	close(stop)
	wg.Wait()
	if werr != nil {
		return 0, 0, 0, werr
	}
	var n1 int64
	for _, o := range shells {
		o.waitQuiet(250*time.Millisecond, 20*time.Second, t0)
		n1 += o.bytes()
	}
	return last.Sub(t0), n1 - n0, peak, nil
}

// killPid asks a per-session server to end (its program then gets SIGHUP
// from its pty); reset kills whatever is left between tests.
func killPid(pid int) { syscall.Kill(pid, syscall.SIGTERM) }
