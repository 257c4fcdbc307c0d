package main

import (
	"bufio"
	"fmt"
	"math"
	"os"
	"runtime"
	"slices"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

type tpRes struct {
	mbps, secs, outMB []float64
	err               string
}

type echoRes struct {
	us       []float64
	timeouts int
	err      string
}

type startRes struct {
	ret, listed         []float64 // ms, without the first (cold) sample
	coldRet, coldListed float64
	// sessions the first list run after the create command returned
	// already named, of those created (cold sample included)
	firstList, created int
	err                string
}

// firstListed is the percentage of sessions listed by the first list
// run after their create command returned.
func (x *startRes) firstListed() float64 {
	if x.created == 0 {
		return math.NaN()
	}
	return 100 * float64(x.firstList) / float64(x.created)
}

type attachRes struct {
	first, full, detach []float64 // ms
	err                 string
}

type scaleStep struct {
	n       int
	createS float64 // creating all sessions so far, summed
	procs   int
	mem               // the server's, summed over its processes
	list    []float64 // ms
	listed  int
	listErr string
	reached int    // sessions measured (< n if stopped)
	stopped string // why the sweep stopped before n
}

type scaleRes struct {
	steps []scaleStep
	err   string
}

func (r *scaleRes) step(n int) *scaleStep {
	if r == nil {
		return nil
	}
	for i := range r.steps {
		if r.steps[i].n == n {
			return &r.steps[i]
		}
	}
	return nil
}

type detRes struct {
	produceS  float64
	stalled   bool
	stalledAt int64
	receiveS  float64
	gotBytes  int64
	hashOK    bool
	lines     int

	attachBytes                          int64
	screenLines, screenFirst, screenLast int
	endVisible                           bool
	hasSB                                bool
	sbLines, sbFirst, sbLast             int
	sbNote                               string
	verdict                              string
	err                                  string
}

type streamRes struct {
	mbps, secs, outMB, peakKiB []float64
	err                        string
}

type results struct {
	opts              *options
	started, finished time.Time
	host              string
	loadStart         string
	loadEnd           string
	tools             []*tool
	found, missing    []string
	lingerFrom        map[string]string // per linger tool (linger, linger-base): where its binary came from
	lingerCapture     bool

	throughputBytes int64
	throughput      map[string]*tpRes
	echo            map[string]*echoRes
	start           map[string]*startRes
	attach          map[string]*attachRes
	scale           map[string]*scaleRes
	prompts         map[string]*scaleRes
	detachedBytes   int64
	detachedLines   int
	detached        map[string]*detRes
	streamsBytes    int64
	streams         map[int]map[string]*streamRes
	history         map[int]map[string]*attachRes
	resume          *resumeRes // issue 18's ssh figures (resume.go)

	// floors (floor.go): a Go program's start, ms without the cold
	// sample, and a one-thread relay's echo
	hello      []float64
	relayEcho  *echoRes
	floorNotes []string

	ssh *sshRes // ssh.go
}

func hostInfo() string {
	model := "unknown CPU"
	if f, err := os.Open("/proc/cpuinfo"); err == nil {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
				model = strings.TrimSpace(v)
				break
			}
		}
		f.Close()
	}
	var u unix.Utsname
	kernel := "unknown kernel"
	if unix.Uname(&u) == nil {
		kernel = fmt.Sprintf("%s %s %s", unix.ByteSliceToString(u.Sysname[:]), unix.ByteSliceToString(u.Release[:]), unix.ByteSliceToString(u.Machine[:]))
	}
	mem := ""
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		var kb int64
		for _, l := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(l, "MemTotal:") {
				fmt.Sscanf(strings.TrimPrefix(l, "MemTotal:"), "%d", &kb)
			}
		}
		if kb > 0 {
			mem = fmt.Sprintf(", %.0f GiB RAM", float64(kb)/(1<<20))
		}
	}
	return fmt.Sprintf("%s, %d cores, %s%s", model, runtime.NumCPU(), kernel, mem)
}

func loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

// commandLine is how the run was started, words quoted where needed.
func commandLine(args []string) string {
	var b strings.Builder
	argv0 := "bench"
	if len(os.Args) > 0 && !strings.Contains(os.Args[0], "go-build") && !strings.HasSuffix(os.Args[0], ".test") {
		argv0 = os.Args[0]
	} else if len(os.Args) > 0 && strings.Contains(os.Args[0], "go-build") {
		argv0 = "go run ./bench"
	}
	b.WriteString(argv0)
	for _, a := range args {
		b.WriteByte(' ')
		if a == "" || strings.ContainsAny(a, " \t\n'\"\\$`;&|<>()*?[]#~!{}") {
			b.WriteString("'" + strings.ReplaceAll(a, "'", `'\''`) + "'")
		} else {
			b.WriteString(a)
		}
	}
	return b.String()
}

type md struct{ strings.Builder }

func (m *md) p(format string, a ...any) { fmt.Fprintf(m, format+"\n", a...) }

func (m *md) row(cells ...string) { m.p("| %s |", strings.Join(cells, " | ")) }

// head writes a table header: the first column and those whose name
// starts with "<" (stripped) are left-aligned text, the others numbers.
func (m *md) head(cells ...string) {
	names := make([]string, len(cells))
	sep := make([]string, len(cells))
	for i, c := range cells {
		names[i], sep[i] = c, "---:"
		if i == 0 || strings.HasPrefix(c, "<") {
			names[i], sep[i] = strings.TrimPrefix(c, "<"), "---"
		}
	}
	m.row(names...)
	m.row(sep...)
}

// rounds is "1 timed round" or "3 timed rounds".
func rounds(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

func errCell(e string) string {
	if e == "" {
		return ""
	}
	return "error: " + strings.ReplaceAll(e, "|", "/")
}

// markdown renders the report.
func (r *results) markdown() string {
	var m md
	o := r.opts
	names := []string{}
	for _, t := range r.tools {
		names = append(names, t.name)
	}
	m.p("# linger beside other terminal multiplexers")
	m.p("")
	m.p("- date: %s (run took %.0f s)", r.started.UTC().Format("2006-01-02 15:04:05 UTC"), r.finished.Sub(r.started).Seconds())
	m.p("- machine: %s; load average %s at the start, %s at the end", r.host, r.loadStart, r.loadEnd)
	m.p("- command: `%s`", commandLine(o.args))
	// Each linger binary with its origin and version, so that a -base run
	// says which build is "before" and which "after".
	for _, t := range r.tools {
		if isLinger(t.name) {
			m.p("- %s: %s; `%s`", t.name, r.lingerFrom[t.name], t.version)
		}
	}
	found := "none"
	if len(r.found) > 0 {
		found = strings.Join(r.found, ", ")
	}
	m.p("- peers found on PATH: %s", found)
	if len(r.missing) > 0 {
		m.p("- not found (not measured): %s", strings.Join(r.missing, ", "))
	}
	m.p("- tests: %s", strings.Join(o.tests, ", "))
	m.p("")
	m.head("tool", "<version", "<binary", "<how it runs here")
	for _, t := range r.tools {
		bin := "`" + t.bin + "`"
		if t.raw {
			bin = "—"
		}
		m.row(t.name, t.version, bin, t.note)
	}
	m.p("")
	m.p("Every figure is the median [min–max] of the samples; ×raw is the ratio to the raw baseline measured in the same rounds (the same workload on a plain pty, the harness being the terminal). Tools alternate within every round, in an order rotated from round to round.")
	m.p("")
	if r.throughput != nil || r.echo != nil || r.start != nil || r.attach != nil || r.scale != nil ||
		r.prompts != nil || r.detached != nil || r.streams != nil || r.history != nil {
		r.summary(&m, names) // (not for the ssh figures alone: section 7 is their summary)
	}
	r.sectionThroughput(&m)
	r.sectionEcho(&m)
	r.sectionStart(&m)
	r.sectionAttach(&m)
	r.sectionScale(&m)
	r.sectionDetached(&m)
	r.sectionCurves(&m)
	r.sectionSSH(&m)
	return m.String()
}

func (r *results) summary(m *md, names []string) {
	m.p("## Summary")
	m.p("")
	m.head(append([]string{"figure"}, names...)...)
	line := func(label string, get func(name string) float64, withRatio bool) {
		cells := []string{label}
		raw := get("raw")
		for _, n := range names {
			v := get(n)
			c := num(v)
			if withRatio && n != "raw" && !math.IsNaN(v) && !math.IsNaN(raw) {
				c += " (" + ratio(v, raw) + ")"
			}
			cells = append(cells, c)
		}
		m.row(cells...)
	}
	if r.throughput != nil {
		line(fmt.Sprintf("1. throughput attached, MB/s (%.0f MB)", float64(r.throughputBytes)/mb), func(n string) float64 {
			if x := r.throughput[n]; x != nil {
				return median(x.mbps)
			}
			return math.NaN()
		}, true)
		line("1. MB that reached the terminal", func(n string) float64 {
			if x := r.throughput[n]; x != nil {
				return median(x.outMB)
			}
			return math.NaN()
		}, false)
	}
	if r.echo != nil {
		for _, p := range []float64{50, 99} {
			line(fmt.Sprintf("2. keystroke echo p%.0f, µs", p), func(n string) float64 {
				if x := r.echo[n]; x != nil {
					return percentile(x.us, p)
				}
				return math.NaN()
			}, true)
		}
	}
	if r.start != nil {
		line("3. start detached: command returns, ms", func(n string) float64 {
			if x := r.start[n]; x != nil {
				return median(x.ret)
			}
			return math.NaN()
		}, true)
		line("3. start detached: listed, ms", func(n string) float64 {
			if x := r.start[n]; x != nil {
				return median(x.listed)
			}
			return math.NaN()
		}, true)
		line("3. start detached: % listed by the first list run after it returned", func(n string) float64 {
			if x := r.start[n]; x != nil && n != "raw" {
				return x.firstListed()
			}
			return math.NaN()
		}, false)
	}
	if r.attach != nil {
		line("4. attach until the full screen shows, ms", func(n string) float64 {
			if x := r.attach[n]; x != nil {
				return median(x.full)
			}
			return math.NaN()
		}, true)
		line("4. detach until the client exits, ms", func(n string) float64 {
			if x := r.attach[n]; x != nil {
				return median(x.detach)
			}
			return math.NaN()
		}, false)
	}
	if r.scale != nil {
		if slices.Contains(o(r).tests, "scale") {
			for _, n := range o(r).scale {
				line(fmt.Sprintf("5. server PSS per session, %d idle sessions, KiB", n), func(name string) float64 {
					if s := r.scale[name].step(n); s != nil && s.reached == n && s.procs > 0 {
						return float64(s.pssKiB) / float64(n)
					}
					return math.NaN()
				}, false)
			}
		}
		sizes := o(r).listSizes
		if !slices.Contains(o(r).tests, "list") {
			sizes = o(r).scale
		}
		for _, n := range sizes {
			cells := []string{fmt.Sprintf("5. list %d sessions, ms", n)}
			for _, name := range names {
				cells = append(cells, listCell(r.scale[name].step(n), n))
			}
			m.row(cells...)
		}
	}
	if steps := o(r).prompts; r.prompts != nil && len(steps) > 0 {
		last := steps[len(steps)-1]
		line(fmt.Sprintf("5. server PSS per session, %d sessions showing a prompt, KiB", last), func(name string) float64 {
			if s := r.prompts[name].step(last); s != nil && s.reached == last && s.procs > 0 {
				return float64(s.pssKiB) / float64(last)
			}
			return math.NaN()
		}, false)
		if len(steps) > 1 {
			first := steps[0]
			line(fmt.Sprintf("5. server PSS added per session showing a prompt, %d → %d sessions, KiB", first, last), func(name string) float64 {
				sa, sb := r.prompts[name].step(first), r.prompts[name].step(last)
				if sa == nil || sb == nil || sa.reached != first || sb.reached != last {
					return math.NaN()
				}
				return growth(sa, sb)
			}, false)
		}
	}
	if r.detached != nil {
		cells := []string{fmt.Sprintf("6. %.0f MB printed while detached: what comes back", float64(r.detachedBytes)/mb)}
		for _, n := range names {
			x := r.detached[n]
			switch {
			case n == "raw":
				cells = append(cells, "—")
			case x == nil:
				cells = append(cells, "—")
			case x.err != "":
				cells = append(cells, "error")
			default:
				cells = append(cells, short(x))
			}
		}
		m.row(cells...)
	}
	m.p("")
	m.p("— = not applicable, not run or failed (see the sections).")
	m.p("")
	r.floorSummary(m)
}

// floorSummary says what the floors (floor.go) measured in this run.
func (r *results) floorSummary(m *md) {
	var parts []string
	if len(r.hello) > 0 {
		parts = append(parts, fmt.Sprintf("a Go program that prints one line starts and exits in %s ms (every linger command is one: figures 3, 4 and 5's list)", num(median(r.hello))))
	}
	if x, raw := r.relayEcho, r.echo["raw"]; x != nil && raw != nil && len(x.us) > 0 {
		parts = append(parts, fmt.Sprintf("a one-thread C relay echoes a key in %s µs p50 (%s), %s µs p99 (%s) (figure 2: no tool that sits between the terminal and the program does less)",
			num(percentile(x.us, 50)), ratio(percentile(x.us, 50), percentile(raw.us, 50)),
			num(percentile(x.us, 99)), ratio(percentile(x.us, 99), percentile(raw.us, 99))))
	}
	if len(parts) > 0 {
		m.p("Floors measured in this run (bench/floor.go): %s.", strings.Join(parts, "; "))
		m.p("")
	}
	for _, n := range r.floorNotes {
		m.p("Note: %s.", n)
		m.p("")
	}
}

func o(r *results) *options { return r.opts }

// listCell is the list time at step n, marked when the sweep stopped short.
func listCell(s *scaleStep, n int) string {
	switch {
	case s == nil:
		return "—"
	case s.reached == 0:
		return "not reached"
	case len(s.list) == 0 && s.listErr != "" && s.reached < n:
		return fmt.Sprintf("failed (at %d)", s.reached)
	case len(s.list) == 0 && s.listErr != "":
		return "failed"
	case s.reached < n:
		return fmt.Sprintf("%s (at %d)", num(median(s.list)), s.reached)
	}
	return num(median(s.list))
}

// short is the detached result in a few words.
func short(x *detRes) string {
	if x.gotBytes > 0 || x.hashOK {
		if x.hashOK {
			return fmt.Sprintf("all %.0f MB, byte-exact", float64(x.gotBytes)/mb)
		}
		return "MISMATCH"
	}
	kept := max(x.screenLines, x.sbLines)
	if kept == 0 {
		return "nothing"
	}
	return fmt.Sprintf("last %d lines", kept)
}

func (r *results) sectionThroughput(m *md) {
	if r.throughput == nil {
		return
	}
	m.p("## 1. Attached output throughput")
	m.p("")
	m.p("A session runs `/bin/sh -i`; its client is attached in an 80×24 pty the harness owns and drains as fast as it can. The harness types `head -c %d FILE; echo MARKER` (FILE: deterministic log-like text, lines of 10–79 columns, every 4th with SGR colours, some UTF-8) and times from the keystrokes until the marker arrives on the outer pty (the typed command line does not contain the marker). One 4 MB warm-up per tool, then %s. \"Reached the terminal\" counts every byte the outer pty received (payload, echo and redraws): a tool that skips output while its client lags shows less than the payload.", r.throughputBytes, rounds(o(r).reps, "timed round", "timed rounds"))
	m.p("")
	m.head("tool", "MB/s", "×raw", "seconds", "MB reached the terminal", "<notes")
	raw := median(r.throughput["raw"].mbps)
	for _, t := range r.tools {
		x := r.throughput[t.name]
		if x == nil {
			continue
		}
		m.row(t.name, spread(x.mbps), ratio(median(x.mbps), raw), spread(x.secs), spread(x.outMB), errCell(x.err))
	}
	m.p("")
}

func (r *results) sectionEcho(m *md) {
	if r.echo == nil {
		return
	}
	m.p("## 2. Keystroke echo latency")
	m.p("")
	m.p("The session runs a raw-mode program that draws each letter it reads at the top-left cell. One letter is written to the outer pty; the clock stops at the read after which the emulated outer screen (linger/vt) shows that letter there. %d keystrokes per tool, tools interleaved keystroke by keystroke.", o(r).echoN)
	m.p("")
	m.head("tool", "p50 µs", "×raw", "p99 µs", "×raw", "min µs", "max µs", "samples", "timeouts", "<notes")
	raw := r.echo["raw"]
	row := func(name string, x *echoRes) {
		lo, hi := minMax(x.us)
		m.row(name, num(percentile(x.us, 50)), ratio(percentile(x.us, 50), percentile(raw.us, 50)),
			num(percentile(x.us, 99)), ratio(percentile(x.us, 99), percentile(raw.us, 99)),
			num(lo), num(hi), fmt.Sprint(len(x.us)), fmt.Sprint(x.timeouts), errCell(x.err))
	}
	for _, t := range r.tools {
		if x := r.echo[t.name]; x != nil {
			row(t.name, x)
		}
	}
	if r.relayEcho != nil {
		row("relay (floor)", r.relayEcho)
	}
	m.p("")
	if r.relayEcho != nil {
		m.p("relay (floor) = the same program run by a one-thread C relay that copies between the outer pty and a pty of its own with poll(2) (bench/floor.go), interleaved with the tools: the least any tool that puts a process and a second pty between the terminal and the program adds.")
		m.p("")
	}
}

func (r *results) sectionStart(m *md) {
	if r.start == nil {
		return
	}
	m.p("## 3. Start a detached session")
	m.p("")
	m.p("The create command with `sleep 100000`, %d times per tool, tools alternating; sessions accumulate. \"returns\" = until the create command exits; \"listed\" = from the same start until the list command's output names the session (list run again at once until it does). The first, cold sample (server start for linger and tmux) is shown apart and left out of the medians. \"first list\" = sessions the first list run after the create command returned already named (a tool that registers a session before its create command returns names every one). raw = starting `sleep` on a fresh pty.", o(r).startN)
	if len(r.hello) > 0 {
		m.p("")
		m.p("Floor: a Go program that prints one line and exits (bench/floor.go), run once per round: %s ms. Every linger command is a Go process start.", spread(r.hello))
	}
	m.p("")
	m.head("tool", "returns ms", "×raw", "listed ms", "×raw", "cold: returns / listed ms", "<first list", "<notes")
	raw := r.start["raw"]
	for _, t := range r.tools {
		x := r.start[t.name]
		if x == nil {
			continue
		}
		first := "—"
		if !t.raw && x.created > 0 {
			first = fmt.Sprintf("%d of %d", x.firstList, x.created)
		}
		m.row(t.name, spread(x.ret), ratio(median(x.ret), median(raw.ret)), spread(x.listed), ratio(median(x.listed), median(raw.listed)),
			num(x.coldRet)+" / "+num(x.coldListed), first, errCell(x.err))
	}
	m.p("")
}

func (r *results) sectionAttach(m *md) {
	if r.attach == nil {
		return
	}
	m.p("## 4. Attach and detach")
	m.p("")
	m.p("The session runs a raw-mode program that has drawn a full screen of known text (every row checked, the last one carrying a marker) and redraws on SIGWINCH or Ctrl-L, which is how tools without a screen of their own (dtach, abduco) get it back. Attach = from starting the client on a fresh 80×24 pty until the emulated outer screen shows every row; detach = from typing the detach keys until the client exits. %d cycles per tool, alternating. raw = `cat` of exactly what that program draws, on a fresh pty: the floor for any client.", o(r).attachN)
	m.p("")
	m.head("tool", "first byte ms", "full screen ms", "×raw", "detach ms", "<notes")
	raw := r.attach["raw"]
	for _, t := range r.tools {
		x := r.attach[t.name]
		if x == nil {
			continue
		}
		m.row(t.name, spread(x.first), spread(x.full), ratio(median(x.full), median(raw.full)), spread(x.detach), errCell(x.err))
	}
	m.p("")
}

func (r *results) sectionScale(m *md) {
	if r.scale == nil {
		return
	}
	m.p("## 5. Many idle sessions: server memory and listing")
	m.p("")
	m.p("Sessions running `sleep 100000` are created one after another (one tool at a time, so tools do not share the pty limit or page cache accounting) up to each count. Memory = PSS from /proc/PID/smaps_rollup summed over the multiplexer's own processes (every live process below the harness whose executable is the tool's binary, so the sessions' `sleep` programs are not counted; PSS splits shared pages, RSS does not). \"file-backed\" = the part of that PSS mapped from files (Pss_File: the tool's binary and libraries), which does not grow with sessions; \"KiB added per session\" = PSS growth since the previous count, divided by the sessions added, the cost of one more session. List = median [min–max] of 5 runs of the list command; \"listed\" = sessions its output names.")
	m.p("")
	m.head("tool", "sessions", "created in s", "server procs", "PSS MiB", "file-backed MiB", "PSS KiB/session", "KiB added per session", "RSS KiB/session", "list ms", "listed", "<notes")
	for _, t := range r.tools {
		x := r.scale[t.name]
		if x == nil {
			continue
		}
		var prev *scaleStep
		for i, s := range x.steps {
			if s.reached == 0 {
				m.row(t.name, fmt.Sprint(s.n), "", "", "", "", "", "", "", "", "", "not reached: "+s.stopped)
				continue
			}
			count := fmt.Sprint(s.n)
			note := errCell(s.listErr)
			if s.reached < s.n {
				count = fmt.Sprintf("%d of %d", s.reached, s.n)
				note = strings.TrimPrefix(note+"; stopped: "+s.stopped, "; ")
			}
			file := "" // older kernels have no Pss_File
			if s.fileKnown {
				file = num(float64(s.fileKiB) / 1024)
			}
			added := num(growth(prev, &x.steps[i]))
			prev = &x.steps[i]
			per := float64(s.reached)
			m.row(t.name, count, num(s.createS), fmt.Sprint(s.procs), num(float64(s.pssKiB)/1024), file,
				num(float64(s.pssKiB)/per), added, num(float64(s.rssKiB)/per), spread(s.list), fmt.Sprint(s.listed), note)
		}
		if x.err != "" {
			m.row(t.name, "", "", "", "", "", "", "", "", "", "", errCell(x.err))
		}
	}
	m.p("")
}

// growth is the server PSS each session added from step a to step b of a
// sweep (KiB), or NaN if either has no measurement.
func growth(a, b *scaleStep) float64 {
	if a == nil || b == nil || a.procs == 0 || b.procs == 0 || b.reached <= a.reached {
		return math.NaN()
	}
	return float64(b.pssKiB-a.pssKiB) / float64(b.reached-a.reached)
}

func (r *results) sectionPrompts(m *md) {
	if r.prompts == nil {
		return
	}
	m.p("### Server memory with sessions showing a prompt")
	m.p("")
	m.p("As in section 5, but each session runs `%s`: it prints a prompt, as an interactive shell would, and waits. A multiplexer that keeps a screen per session holds one for each. \"added per session\" = PSS growth since the previous count, divided by the sessions added: constant when memory grows linearly.", strings.Join(promptCmd, " "))
	m.p("")
	m.head("tool", "sessions", "server procs", "PSS MiB", "PSS KiB/session", "KiB added per session", "<notes")
	for _, t := range r.tools {
		x := r.prompts[t.name]
		if x == nil {
			continue
		}
		var prev *scaleStep
		for i, s := range x.steps {
			if s.reached == 0 {
				m.row(t.name, fmt.Sprint(s.n), "", "", "", "", "not reached: "+s.stopped)
				continue
			}
			count, note := fmt.Sprint(s.n), ""
			if s.reached < s.n {
				count, note = fmt.Sprintf("%d of %d", s.reached, s.n), "stopped: "+s.stopped
			}
			added := num(growth(prev, &x.steps[i]))
			prev = &x.steps[i]
			m.row(t.name, count, fmt.Sprint(s.procs), num(float64(s.pssKiB)/1024), num(float64(s.pssKiB)/float64(s.reached)), added, note)
		}
	}
	m.p("")
}

func (r *results) sectionDetached(m *md) {
	if r.detached == nil {
		return
	}
	m.p("## 6. Output while detached")
	m.p("")
	m.p("A detached session prints %.1f MB (%d numbered lines `L%%08d ...`) while nobody is attached.", float64(r.detachedBytes)/mb, r.detachedLines)
	m.p("")
	m.p("- linger: the program is `cat FILE` and ends; then `linger receive -f` reads everything back, and its output is compared by sha256 with what the session's pty produced (the file with `\\n` turned into `\\r\\n`). linger runs with its defaults: block mode, 8 MiB per session, so the program is held when the buffer is full and continues as receive drains it.")
	m.p("- peers: the program is `cat FILE; print end line; sleep`; once it has finished, a client attaches in a fresh 80×24 pty and what the emulated screen shows after 1 s of quiet is read (numbered lines, end line); then the tool's own history is read where it has a command for it (tmux `capture-pane -S -`, screen `hardcopy -h`).")
	m.p("")
	m.head("tool", "produce s", "<held while detached", "read back s", "bytes back", "sha256", "lines on attach screen", "end line shown", "lines in history", "<result")
	for _, t := range r.tools {
		x := r.detached[t.name]
		if x == nil {
			continue
		}
		if x.err != "" {
			m.row(t.name, "", "", "", "", "", "", "", "", errCell(x.err))
			continue
		}
		lr := func(n, a, b int) string {
			if n == 0 {
				return "0"
			}
			return fmt.Sprintf("%d (L%d–L%d)", n, a, b)
		}
		if isLinger(t.name) {
			held := "all (program finished)"
			if x.stalled {
				held = fmt.Sprintf("%.1f MB, then held (block)", float64(x.stalledAt)/mb)
			}
			sha := "match"
			if !x.hashOK {
				sha = "MISMATCH"
			}
			sb := "no capture in this build"
			if x.hasSB {
				sb = lr(x.sbLines, x.sbFirst, x.sbLast) + " (capture)"
			} else if x.sbNote != "" {
				sb = errCell(x.sbNote)
			}
			m.row(t.name, num(x.produceS), held, num(x.receiveS), fmt.Sprint(x.gotBytes), sha, "—", "—", sb, x.verdict)
			continue
		}
		sb := "no command"
		if x.hasSB {
			sb = lr(x.sbLines, x.sbFirst, x.sbLast)
		} else if x.sbNote != "" {
			sb = errCell(x.sbNote)
		}
		m.row(t.name, num(x.produceS), "—", "—", fmt.Sprintf("%d on attach", x.attachBytes), "—", lr(x.screenLines, x.screenFirst, x.screenLast),
			fmt.Sprint(x.endVisible), sb, x.verdict)
	}
	m.p("")
}

func (r *results) sectionCurves(m *md) {
	if r.streams == nil && r.history == nil && r.prompts == nil && (r.scale == nil || !slices.Contains(o(r).tests, "list")) {
		return
	}
	m.p("## How cost grows")
	m.p("")
	if r.streams != nil {
		ns := o(r).streams
		m.p("### Throughput and server memory with sessions printing at once")
		m.p("")
		m.p("N sessions, each with a client attached in its own 80×24 outer pty, print %.0f MB in all (%.0f MB / N each) at the same moment; time until the last end marker arrives. %s, tools alternating. Server PSS is sampled every 100 ms during the run (peak; the clients are not counted).", float64(r.streamsBytes)/mb, float64(r.streamsBytes)/mb, rounds(o(r).streamsReps, "timed round", "timed rounds"))
		m.p("")
		hdr := []string{"tool"}
		for _, n := range ns {
			hdr = append(hdr, fmt.Sprintf("%d: MB/s", n), "×raw", "peak PSS MiB")
		}
		m.head(append(hdr, "<notes")...)
		for _, t := range r.tools {
			cells := []string{t.name}
			var errs []string
			for _, n := range ns {
				x := r.streams[n][t.name]
				raw := r.streams[n]["raw"]
				if x == nil {
					cells = append(cells, "—", "—", "—")
					continue
				}
				pk := "—"
				if len(x.peakKiB) > 0 {
					pk = num(median(x.peakKiB) / 1024)
				}
				cells = append(cells, spread(x.mbps), ratio(median(x.mbps), median(raw.mbps)), pk)
				if x.err != "" {
					errs = append(errs, fmt.Sprintf("%d: %s", n, errCell(x.err)))
				}
			}
			m.row(append(cells, strings.Join(errs, "; "))...)
		}
		m.p("")
	}
	if r.history != nil {
		ns := o(r).history
		m.p("### Attach time with history")
		m.p("")
		m.p("As in figure 4, but the program first printed N history lines (about 62 bytes each) while detached, then its screen; a fresh session per attach (what a tool hands a client on its first attach — a replay of the unreceived output, a restored screen and history — differs from later attaches). raw = `cat` of the history and the screen onto a fresh pty. %s per tool and size. Time until the full screen shows, ms.", rounds(o(r).historyReps, "attach", "attaches"))
		m.p("")
		hdr := []string{"tool"}
		for _, n := range ns {
			hdr = append(hdr, fmt.Sprintf("%d lines", n), "×raw")
		}
		m.head(append(hdr, "<notes")...)
		for _, t := range r.tools {
			cells := []string{t.name}
			var errs []string
			for _, n := range ns {
				x := r.history[n][t.name]
				raw := r.history[n]["raw"]
				if x == nil {
					cells = append(cells, "—", "—")
					continue
				}
				cells = append(cells, spread(x.full), ratio(median(x.full), median(raw.full)))
				if x.err != "" {
					errs = append(errs, fmt.Sprintf("%d: %s", n, errCell(x.err)))
				}
			}
			m.row(append(cells, strings.Join(errs, "; "))...)
		}
		m.p("")
	}
	if r.scale != nil && slices.Contains(o(r).tests, "list") {
		ns := o(r).listSizes
		m.p("### List time with many sessions")
		m.p("")
		m.p("From the sweep of figure 5: median list command time, ms, with N idle sessions.")
		m.p("")
		hdr := []string{"tool"}
		for _, n := range ns {
			hdr = append(hdr, fmt.Sprintf("%d sessions", n))
		}
		m.head(append(hdr, "<notes")...)
		for _, t := range r.tools {
			x := r.scale[t.name]
			if x == nil {
				continue
			}
			cells := []string{t.name}
			var notes []string
			for _, n := range ns {
				s := x.step(n)
				cells = append(cells, listCell(s, n))
				if s != nil && s.listErr != "" {
					notes = append(notes, fmt.Sprintf("%d: %s", n, errCell(s.listErr)))
				}
				if s != nil && s.stopped != "" {
					notes = append(notes, fmt.Sprintf("%d: stopped at %d: %s", n, s.reached, s.stopped))
				}
			}
			if x.err != "" {
				notes = append(notes, errCell(x.err))
			}
			m.row(append(cells, strings.Join(notes, "; "))...)
		}
		m.p("")
	}
	r.sectionPrompts(m)
}
