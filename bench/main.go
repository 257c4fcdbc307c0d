// Command bench measures linger beside the terminal multiplexers installed
// on this machine (tmux, screen, dtach, abduco), always next to a raw pty
// baseline, and prints a markdown report. Run it from the repository root:
//
//	go run ./bench            # the whole suite, about 10 minutes on 2 cores
//	go run ./bench -quick     # seconds, for CI
//
// See bench/README.md for the flags and what each figure measures.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// allTests in report order.
var allTests = append([]string{"throughput", "echo", "start", "attach", "scale", "detached", "streams", "history", "list", "prompts"}, sshTests...)

type options struct {
	tests        []string
	tools        []string // requested (nil: linger + every peer found)
	quick        bool
	mb           int // throughput payload, MB
	reps         int
	echoN        int
	startN       int
	attachN      int
	scale        []int // memory steps
	listSizes    []int
	prompts      []int
	streams      []int
	streamsMB    int
	streamsReps  int
	history      []int
	historyReps  int
	detachedMB   int
	sshReps      int           // ssh-ls, ssh-hosts: timed rounds
	resumeRounds int           // ssh-resume: drops
	refuse       time.Duration // ssh-resume: how long new connections are refused after a drop
	idleClients  int           // ssh-idle: clients attached over ssh
	idleTime     time.Duration // ssh-idle: each measurement window
	idleBeat     string        // ssh-idle: the server's heartbeat
	budget       time.Duration // per tool, creating sessions in the scale sweep
	lingerBin    string
	baseBin      string // -base: a second linger measured as linger-base ("": none)
	keep         bool
	trace        string
	args         []string // as given, for the report
}

func parseFlags(args []string, stderr io.Writer) (*options, error) {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	o := &options{args: args}
	tests := fs.String("tests", "all", "comma list of tests: "+strings.Join(allTests, ",")+"; all = every one but "+strings.Join(optionalTests, ","))
	tools := fs.String("tools", "", "comma list of tools (default: linger and every peer found on PATH); raw always runs, and linger-base whenever -base is given")
	fs.BoolVar(&o.quick, "quick", false, "small sizes and few repetitions: seconds, for CI")
	fs.IntVar(&o.mb, "mb", 50, "throughput: MB printed per run")
	fs.IntVar(&o.reps, "reps", 3, "throughput: timed rounds per tool")
	fs.IntVar(&o.echoN, "echo", 2000, "echo: keystrokes per tool")
	fs.IntVar(&o.startN, "start", 30, "start: detached sessions created per tool")
	fs.IntVar(&o.attachN, "attach", 20, "attach: attach/detach cycles per tool")
	scale := fs.String("scale", "200,1000", "scale: idle-session counts at which server memory is measured")
	list := fs.String("list", "10,1000,10000", "list: session counts at which listing is timed")
	prompts := fs.String("prompts", "200,1000", "prompts: counts of sessions showing a prompt at which server memory is measured")
	streams := fs.String("streams", "1,10,100", "streams: sessions printing at once")
	fs.IntVar(&o.streamsMB, "streams-mb", 20, "streams: MB printed in all per run, split across the sessions")
	fs.IntVar(&o.streamsReps, "streams-reps", 2, "streams: timed rounds per tool and session count")
	history := fs.String("history", "0,1000,100000", "history: lines printed before the screen the attach must show")
	fs.IntVar(&o.historyReps, "history-reps", 5, "history: attaches per tool and size")
	fs.IntVar(&o.detachedMB, "detached-mb", 50, "detached: MB printed while nobody is attached")
	fs.IntVar(&o.sshReps, "ssh-reps", 10, "ssh-ls, ssh-hosts: timed rounds")
	fs.IntVar(&o.resumeRounds, "resume-rounds", 8, "ssh-resume: connection drops")
	fs.DurationVar(&o.refuse, "refuse", 2*time.Second, "ssh-resume: how long new connections are refused after each drop")
	fs.IntVar(&o.idleClients, "idle-clients", 100, "ssh-idle: idle clients attached over ssh")
	fs.DurationVar(&o.idleTime, "idle-time", time.Minute, "ssh-idle: each CPU measurement window (without, then with the clients)")
	fs.StringVar(&o.idleBeat, "idle-heartbeat", "5s", "ssh-idle: the server's [server] heartbeat while the clients attach (e.g. 1h: in effect none, to compare)")
	fs.DurationVar(&o.budget, "scale-budget", 40*time.Second, "scale/list: time allowed per tool for creating sessions")
	fs.StringVar(&o.lingerBin, "linger", "", "linger binary to measure (default: build this checkout into the run directory)")
	fs.StringVar(&o.baseBin, "base", "", "also measure linger `BIN` (e.g. the build before a change) as tool linger-base, beside linger in the same rounds")
	fs.BoolVar(&o.keep, "keep", false, "keep the run directory")
	fs.StringVar(&o.trace, "trace", "", "write every byte each outer terminal received to a file in `DIR` (debugging)")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: go run ./bench [flags] > report.md\n\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if o.quick {
		def := func(name string, apply func()) {
			if !set[name] {
				apply()
			}
		}
		def("mb", func() { o.mb = 8 })
		def("reps", func() { o.reps = 1 })
		def("echo", func() { o.echoN = 100 })
		def("start", func() { o.startN = 5 })
		def("attach", func() { o.attachN = 5 })
		def("scale", func() { *scale = "20,50" })
		def("list", func() { *list = "10,50" })
		def("prompts", func() { *prompts = "20,50" })
		def("streams", func() { *streams = "1,4" })
		def("streams-mb", func() { o.streamsMB = 4 })
		def("streams-reps", func() { o.streamsReps = 1 })
		def("history", func() { *history = "0,1000" })
		def("history-reps", func() { o.historyReps = 1 })
		def("detached-mb", func() { o.detachedMB = 10 })
		def("ssh-reps", func() { o.sshReps = 5 })
		def("resume-rounds", func() { o.resumeRounds = 2 })
		def("refuse", func() { o.refuse = time.Second })
		def("idle-clients", func() { o.idleClients = 4 })
		def("idle-time", func() { o.idleTime = 3 * time.Second })
	}
	var err error
	if o.tests, err = names(*tests, allTests, "test"); err != nil {
		return nil, err
	}
	if *tools != "" {
		if o.baseBin == "" && strings.Contains(*tools, baseName) {
			return nil, fmt.Errorf("-tools %s: give the binary with -base BIN", baseName)
		}
		if o.tools, err = names(*tools, toolNames(o.baseBin != ""), "tool"); err != nil {
			return nil, err
		}
		// -base is itself the request to measure linger-base.
		if o.baseBin != "" && !slices.Contains(o.tools, baseName) {
			o.tools = append(o.tools, baseName)
		}
	}
	for _, p := range []struct {
		s   string
		dst *[]int
		min int
	}{{*scale, &o.scale, 1}, {*list, &o.listSizes, 1}, {*prompts, &o.prompts, 1}, {*streams, &o.streams, 1}, {*history, &o.history, 0}} {
		if *p.dst, err = ints(p.s, p.min); err != nil {
			return nil, err
		}
	}
	for _, c := range []struct {
		name string
		v    int
	}{{"mb", o.mb}, {"reps", o.reps}, {"echo", o.echoN}, {"start", o.startN}, {"attach", o.attachN},
		{"streams-mb", o.streamsMB}, {"streams-reps", o.streamsReps}, {"history-reps", o.historyReps}, {"detached-mb", o.detachedMB}, {"ssh-reps", o.sshReps}, {"resume-rounds", o.resumeRounds}, {"idle-clients", o.idleClients}} {
		if c.v < 1 {
			return nil, fmt.Errorf("-%s must be at least 1", c.name)
		}
	}
	return o, nil
}

func names(s string, known []string, what string) ([]string, error) {
	if s == "all" {
		if what == "test" {
			return defaultTests(), nil
		}
		return known, nil
	}
	var out []string
	for _, n := range strings.Split(s, ",") {
		n = strings.TrimSpace(n)
		if n == "" || n == "raw" {
			continue
		}
		if !slices.Contains(known, n) {
			return nil, fmt.Errorf("unknown %s %q (known: %s)", what, n, strings.Join(known, ", "))
		}
		if !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	if len(out) == 0 && what == "test" {
		return nil, fmt.Errorf("no test selected (known: %s)", strings.Join(known, ", "))
	}
	return out, nil
}

func ints(s string, lo int) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		n, err := strconv.Atoi(f)
		if err != nil || n < lo {
			return nil, fmt.Errorf("bad count %q in %q (want integers >= %d)", f, s, lo)
		}
		out = append(out, n)
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

type harness struct {
	o     *options
	log   io.Writer
	t0    time.Time
	dir   string // run directory
	self  string // this executable, for helpers
	pt    *procTable
	tools []*tool // raw first
	res   *results

	cleanOnce sync.Once

	floors floors // floor.go

	mixed     string // throughput workload
	mixedSize int64
	seq       int // markers
}

func (h *harness) logf(format string, a ...any) {
	fmt.Fprintf(h.log, "[%6.1fs] %s\n", time.Since(h.t0).Seconds(), fmt.Sprintf(format, a...))
}

// newHarness prepares the run directory, finds or builds linger and finds
// the peers.
func newHarness(o *options, log io.Writer) (*harness, error) {
	h := &harness{o: o, log: log, t0: time.Now(), pt: newProcTable()}
	if err := setSubreaper(); err != nil {
		return nil, err
	}
	self, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("cannot find the harness's own executable (%v)", err)
	}
	h.self = self
	if o.trace != "" {
		if err := os.MkdirAll(o.trace, 0o700); err != nil {
			return nil, fmt.Errorf("-trace: %v", err)
		}
		traceDir = o.trace
	}
	if h.dir, err = os.MkdirTemp("", "lbench-"); err != nil {
		return nil, err
	}
	h.res = &results{opts: o, started: time.Now(), host: hostInfo(), loadStart: loadavg()}
	raw, err := defineTool("raw", "", filepath.Join(h.dir, "raw"))
	if err != nil {
		return h, err
	}
	raw.version = "plain pty, the harness is the terminal"
	h.tools = []*tool{raw}

	known := toolNames(o.baseBin != "")
	want := o.tools
	if want == nil {
		want = known
	}
	h.res.lingerFrom = map[string]string{}
	for _, name := range known {
		requested := slices.Contains(want, name)
		var bin, from string
		if isLinger(name) {
			if !requested {
				continue
			}
			if name == baseName {
				bin, from, err = h.findBase()
			} else {
				bin, from, err = h.findLinger()
			}
			if err != nil {
				return h, err
			}
			h.res.lingerFrom[name] = from
		} else {
			p, err := exec.LookPath(name)
			if err != nil {
				h.res.missing = append(h.res.missing, name)
				if o.tools != nil && requested {
					return h, fmt.Errorf("%s was requested with -tools but is not on PATH", name)
				}
				continue
			}
			h.res.found = append(h.res.found, name+" ("+p+")")
			if !requested {
				continue
			}
			bin = p
		}
		if r, err := filepath.EvalSymlinks(bin); err == nil {
			bin = r
		}
		if bin, err = filepath.Abs(bin); err != nil {
			return h, err
		}
		t, err := defineTool(name, bin, filepath.Join(h.dir, name))
		if err != nil {
			return h, err
		}
		t.version = toolVersion(h.pt, t)
		h.tools = append(h.tools, t)
	}
	for _, t := range h.tools {
		t := t
		t.run = func(argv []string) ([]byte, error) {
			_, out, err := runCmd(h.pt, argv, t.env, t.dir, 30*time.Second)
			return out, err
		}
		t.timed = func(argv []string) (time.Duration, []byte, error) {
			return runCmd(h.pt, argv, t.env, t.dir, 30*time.Second)
		}
	}
	h.floors = h.buildFloors()
	h.res.floorNotes = h.floors.note
	for _, n := range h.floors.note {
		h.logf("%s", n)
	}
	for _, lt := range h.peers() {
		if !isLinger(lt.name) {
			continue
		}
		// capture is being added to linger: use it where this binary has
		// it (one of two builds may have it and the other not).
		if _, out, err := runCmd(h.pt, []string{lt.bin, "capture", "--help"}, lt.env, lt.dir, 10*time.Second); err == nil && strings.Contains(string(out), "capture") {
			sock := filepath.Join(lt.dir, "s.sock")
			lt.capture = func(n string) ([]byte, error) {
				return lt.run([]string{lt.bin, "-S", sock, "capture", "--scrollback", "1000000", n})
			}
			h.res.lingerCapture = true
		}
	}
	return h, nil
}

func (h *harness) tool(name string) *tool {
	for _, t := range h.tools {
		if t.name == name {
			return t
		}
	}
	return nil
}

// peers are the measured tools without raw.
func (h *harness) peers() []*tool { return h.tools[1:] }

// findLinger returns the linger binary: -linger, else this checkout built
// into the run directory, else linger on PATH.
func (h *harness) findLinger() (bin, from string, err error) {
	if h.o.lingerBin != "" {
		if _, err := os.Stat(h.o.lingerBin); err != nil {
			return "", "", fmt.Errorf("-linger %s: %v", h.o.lingerBin, err)
		}
		return h.o.lingerBin, "-linger " + h.o.lingerBin, nil
	}
	if root := moduleRoot(); root != "" {
		out := filepath.Join(h.dir, "bin", "linger")
		gobin, err := exec.LookPath("go")
		if err != nil {
			gobin = "/usr/local/go/bin/go"
		}
		h.logf("building linger from %s", root)
		cmd := exec.Command(gobin, "build", "-tags", "urfave_cli_no_docs", "-o", out, ".") // as the README builds it
		cmd.Dir = root
		if b, err := cmd.CombinedOutput(); err != nil {
			return "", "", fmt.Errorf("building linger in %s failed: %s", root, firstLine(string(b)))
		}
		rev := ""
		if b, err := exec.Command("git", "-C", root, "describe", "--always", "--dirty").Output(); err == nil {
			rev = " at " + strings.TrimSpace(string(b))
		}
		return out, "built from " + root + rev, nil
	}
	p, err := exec.LookPath("linger")
	if err != nil {
		return "", "", fmt.Errorf("no linger to measure: not inside the linger module and not on PATH (use -linger BIN)")
	}
	return p, "found on PATH (" + p + ")", nil
}

// findBase returns the -base binary. Tools' processes are told apart by
// their executable (memory, per-session servers), so when it is the same
// file as linger's (a run that measures the noise between two identical
// builds) it is copied into the run directory under a name of its own.
func (h *harness) findBase() (bin, from string, err error) {
	from = "-base " + h.o.baseBin
	st, err := os.Stat(h.o.baseBin)
	if err != nil {
		return "", "", fmt.Errorf("-base %s: %v", h.o.baseBin, err)
	}
	lt := h.tool("linger")
	if lt == nil {
		return h.o.baseBin, from, nil
	}
	if lst, err := os.Stat(lt.bin); err != nil || !os.SameFile(st, lst) {
		return h.o.baseBin, from, nil
	}
	b, err := os.ReadFile(h.o.baseBin)
	if err != nil {
		return "", "", fmt.Errorf("-base %s: %v", h.o.baseBin, err)
	}
	out := filepath.Join(h.dir, "bin", baseName)
	if err := os.MkdirAll(filepath.Dir(out), 0o700); err != nil {
		return "", "", err
	}
	if err := os.WriteFile(out, b, 0o700); err != nil {
		return "", "", err
	}
	return out, from + " (the same file as linger's, copied)", nil
}

// moduleRoot walks up from the working directory to the go.mod of module
// linger.
func moduleRoot() string {
	dir, err := os.Getwd()
	if err != nil {
		return ""
	}
	for {
		b, err := os.ReadFile(filepath.Join(dir, "go.mod"))
		if err == nil {
			for _, l := range strings.Split(string(b), "\n") {
				if strings.TrimSpace(l) == "module linger" {
					return dir
				}
			}
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

func toolVersion(pt *procTable, t *tool) string {
	var argv []string
	kind := t.name
	if isLinger(kind) {
		kind = "linger"
	}
	switch kind {
	case "linger":
		argv = []string{t.bin, "version"}
	case "tmux":
		argv = []string{t.bin, "-V"}
	case "screen", "abduco":
		argv = []string{t.bin, "-v"}
	case "dtach":
		argv = []string{t.bin, "--help"}
	}
	_, out, err := runCmd(pt, argv, t.env, t.dir, 10*time.Second)
	s := firstLine(string(out))
	if s == "" && err != nil {
		return "unknown (" + err.Error() + ")"
	}
	return s
}

// reset ends every process of the run (tools' own stop commands first) and
// empties socket directories, so each test starts from nothing.
func (h *harness) reset() {
	for _, t := range h.peers() {
		if t.stopArgs != nil {
			runCmd(h.pt, t.stopArgs, t.env, t.dir, 10*time.Second)
		}
	}
	h.pt.killDescendants(2 * time.Second)
	for _, t := range h.peers() {
		for _, d := range t.sockDirs {
			ents, _ := os.ReadDir(d)
			for _, e := range ents {
				os.RemoveAll(filepath.Join(d, e.Name()))
			}
		}
	}
}

// cleanup ends everything the run started and removes the run directory.
func (h *harness) cleanup() {
	h.cleanOnce.Do(func() {
		h.reset()
		if h.dir == "" {
			return
		}
		if h.o.keep {
			h.logf("kept %s", h.dir)
			return
		}
		os.RemoveAll(h.dir)
	})
}

// run runs the selected tests and returns the results.
func (h *harness) run() (*results, error) {
	h.logf("tools: %s", h.toolNames())
	if len(h.res.missing) > 0 {
		h.logf("not found on PATH: %s", strings.Join(h.res.missing, ", "))
	}
	steps := []struct {
		name string
		fn   func() error
	}{
		{"throughput", h.testThroughput},
		{"echo", h.testEcho},
		{"start", h.testStart},
		{"attach", h.testAttach},
		{"scale", h.testScale}, // also "list"
		{"detached", h.testDetached},
		{"streams", h.testStreams},
		{"history", h.testHistory},
		{"prompts", h.testPrompts},
		{"ssh", h.testSSH}, // every ssh-* figure, against one sshd
	}
	for _, s := range steps {
		sel := h.selected(s.name) || (s.name == "scale" && h.selected("list")) ||
			(s.name == "ssh" && slices.ContainsFunc(sshTests, h.selected))
		if !sel {
			continue
		}
		h.logf("== %s", s.name)
		if err := s.fn(); err != nil {
			h.reset()
			return h.res, fmt.Errorf("%s: %v", s.name, err)
		}
		h.reset()
	}
	h.res.finished = time.Now()
	h.res.loadEnd = loadavg()
	h.res.tools = h.tools
	return h.res, nil
}

func (h *harness) selected(test string) bool { return slices.Contains(h.o.tests, test) }

func (h *harness) toolNames() string {
	var n []string
	for _, t := range h.tools {
		n = append(n, t.name)
	}
	return strings.Join(n, ", ")
}

// rotate is the order of round r: tools shifted by r.
func rotate[T any](s []T, r int) []T {
	if len(s) == 0 {
		return nil
	}
	k := r % len(s)
	return append(append([]T(nil), s[k:]...), s[:k]...)
}

func (h *harness) marker(prefix string) (typed, shown string) {
	h.seq++
	n := fmt.Sprintf("%06d", h.seq)
	// The shell prints the marker joined; the typed (echoed) command line
	// has it split by quotes, so it never matches itself.
	return prefix + "''" + n, prefix + n
}

func main() {
	if len(os.Args) > 1 && os.Args[1] == helperArg {
		os.Exit(helperMain(os.Args[2:]))
	}
	o, err := parseFlags(os.Args[1:], os.Stderr)
	if err == flag.ErrHelp {
		os.Exit(0)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "bench: %v\n", err)
		os.Exit(2)
	}
	h, err := newHarness(o, os.Stderr)
	if h != nil {
		sig := make(chan os.Signal, 1)
		signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)
		go func() {
			s := <-sig
			fmt.Fprintf(os.Stderr, "bench: %v: cleaning up\n", s)
			h.pt.shutdown()
			h.cleanup()
			os.Exit(130)
		}()
	}
	if err != nil {
		if h != nil {
			h.cleanup()
		}
		fmt.Fprintf(os.Stderr, "bench: %v\n", err)
		os.Exit(1)
	}
	res, err := h.run()
	h.cleanup()
	if err != nil {
		fmt.Fprintf(os.Stderr, "bench: %v\n", err)
		os.Exit(1)
	}
	os.Stdout.WriteString(res.markdown())
}
