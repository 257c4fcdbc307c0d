package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestMain lets the test binary serve as the harness's helper programs, as
// the bench binary does.
func TestMain(m *testing.M) {
	if len(os.Args) > 1 && os.Args[1] == helperArg {
		os.Exit(helperMain(os.Args[2:]))
	}
	os.Exit(m.Run())
}

// TestQuick runs the whole harness in -quick mode against linger (built
// from this checkout), a second build of it given with -base (so the
// linger-base path is exercised in every test) and raw only. It checks that
// every figure was measured for both and that output produced while
// detached came back byte-exact; it asserts nothing about timings.
func TestQuick(t *testing.T) {
	base := buildLinger(t)
	o, err := parseFlags([]string{"-quick", "-tools", "linger", "-base", base}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	var progress bytes.Buffer
	h, err := newHarness(o, &progress)
	if h != nil {
		defer h.cleanup()
	}
	if err != nil {
		t.Fatalf("setup: %v\n%s", err, progress.String())
	}
	res, err := h.run()
	if err != nil {
		t.Fatalf("run: %v\n%s", err, progress.String())
	}
	report := res.markdown()
	defer func() {
		if t.Failed() {
			t.Logf("progress:\n%s\nreport:\n%s", progress.String(), report)
		}
	}()

	for _, heading := range []string{
		"## Summary",
		"## 1. Attached output throughput",
		"## 2. Keystroke echo latency",
		"## 3. Start a detached session",
		"## 4. Attach and detach",
		"## 5. Many idle sessions",
		"## 6. Output while detached",
		"### Throughput and server memory with sessions printing at once",
		"### Attach time with history",
		"### List time with many sessions",
		"### Server memory with sessions showing a prompt",
	} {
		if !strings.Contains(report, heading) {
			t.Errorf("report has no %q section", heading)
		}
	}
	// Both builds are named in the header, each with its origin.
	if !strings.Contains(report, "- linger: built from ") || !strings.Contains(report, "- linger-base: -base "+base) {
		t.Errorf("the header does not say which binary linger and linger-base are")
	}
	cols := summaryRow(report, "| figure |")
	lingerCols := map[string]int{}
	for i, c := range cols {
		if isLinger(c) {
			lingerCols[c] = i
		}
	}
	if len(lingerCols) != 2 {
		t.Fatalf("summary columns %q: want linger and linger-base", cols)
	}
	// Every summary figure has a value for both lingers (raw has none for
	// the server-only figures).
	for _, prefix := range []string{
		"| 1. throughput attached", "| 1. MB that reached", "| 2. keystroke echo p50", "| 2. keystroke echo p99",
		"| 3. start detached: command returns", "| 3. start detached: listed", "| 3. start detached: % listed by the first", "| 4. attach until",
		"| 4. detach until", "| 5. server PSS per session", "| 5. list", "| 5. server PSS added per session showing a prompt", "| 6. ",
	} {
		row := summaryRow(report, prefix)
		if row == nil {
			t.Errorf("summary has no row %q", prefix)
			continue
		}
		for name, i := range lingerCols {
			if len(row) <= i || row[i] == "—" || row[i] == "error" {
				t.Errorf("summary row %q has no %s figure: %q", prefix, name, row)
			}
		}
	}
	if strings.Contains(report, "error: ") {
		t.Errorf("report contains errors")
	}
	// linger registers a session before `new -d` returns: the first ls
	// after it names the session, every time.
	for _, name := range []string{"linger", baseName} {
		if st := res.start[name]; st == nil || st.created == 0 || st.firstList != st.created {
			t.Errorf("%s: a session was not listed by the first ls after new -d returned: %+v", name, st)
		}
	}
	// The floors are built (go is here; CI has gcc) and measured.
	if len(res.hello) == 0 {
		t.Errorf("the hello floor was not timed; notes: %q", res.floorNotes)
	}
	if _, err := exec.LookPath("cc"); err == nil && (res.relayEcho == nil || len(res.relayEcho.us) == 0) {
		t.Errorf("cc is on PATH but the relay floor has no echo samples: %+v; notes: %q", res.relayEcho, res.floorNotes)
	}
	if !strings.Contains(report, "Floors measured in this run") {
		t.Errorf("the summary does not state the floors")
	}
	// The server's memory is split into the binary's pages and the rest
	// (where the kernel reports Pss_File, read here without memOf): part
	// of the PSS, never all.
	if rollup, err := os.ReadFile("/proc/self/smaps_rollup"); err == nil && strings.Contains(string(rollup), "\nPss_File:") {
		for _, name := range []string{"linger", baseName} {
			sc := res.scale[name]
			if sc == nil || len(sc.steps) == 0 {
				t.Errorf("no scale steps for %s", name)
				continue
			}
			for _, s := range sc.steps {
				if s.procs > 0 && (s.fileKiB <= 0 || s.fileKiB >= s.pssKiB) {
					t.Errorf("%s, %d sessions: file-backed PSS %d KiB of %d KiB", name, s.n, s.fileKiB, s.pssKiB)
				}
			}
		}
		if !strings.Contains(report, "| file-backed MiB |") {
			t.Errorf("section 5 has no file-backed column")
		}
	}
	for _, name := range []string{"linger", baseName} {
		d := res.detached[name]
		if d == nil || !d.hashOK {
			t.Errorf("%s: output produced while detached did not come back byte-exact: %+v", name, d)
		}
		if res.throughput[name] == nil || len(res.throughput[name].mbps) == 0 || res.echo[name] == nil || len(res.echo[name].us) == 0 {
			t.Errorf("%s: missing throughput or echo samples", name)
		}
	}
	if len(res.throughput["raw"].mbps) == 0 {
		t.Errorf("raw: missing throughput samples")
	}
	checkSSH(t, res, report)

	h.cleanup()
	for _, p := range descendants(os.Getpid()) {
		if p.state != 'Z' {
			t.Errorf("process left running after cleanup: %d %s", p.pid, p.comm)
		}
	}
}

// TestBaseFlags checks that -base adds linger-base to the tools and that
// -tools names it only when -base gives its binary.
func TestBaseFlags(t *testing.T) {
	o, err := parseFlags([]string{"-tools", "linger,tmux", "-base", "/x/linger-before"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(o.tools, []string{"linger", "tmux", baseName}) || o.baseBin != "/x/linger-before" {
		t.Errorf("-base: tools %q, base %q", o.tools, o.baseBin)
	}
	if _, err := parseFlags([]string{"-tools", "linger," + baseName}, io.Discard); err == nil {
		t.Errorf("-tools %s without -base was accepted", baseName)
	}
	if o, err := parseFlags(nil, io.Discard); err != nil {
		t.Error(err)
	} else if o.tools != nil || o.baseBin != "" {
		t.Errorf("no flags: tools %q, base %q", o.tools, o.baseBin)
	}
}

// buildLinger builds linger from this checkout into a test directory, as
// the harness builds its own: a second binary for -base.
func buildLinger(t *testing.T) string {
	t.Helper()
	root := moduleRoot()
	if root == "" {
		t.Skip("not inside the linger module")
	}
	gobin, err := exec.LookPath("go")
	if err != nil {
		gobin = "/usr/local/go/bin/go"
	}
	out := filepath.Join(t.TempDir(), "linger-before")
	cmd := exec.Command(gobin, "build", "-tags", "urfave_cli_no_docs", "-o", out, ".")
	cmd.Dir = root
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building linger for -base: %v\n%s", err, b)
	}
	return out
}

// summaryRow returns the cells of the first summary table row starting
// with prefix.
func summaryRow(report, prefix string) []string {
	for _, l := range strings.Split(report, "\n") {
		if strings.HasPrefix(l, prefix) {
			var cells []string
			for _, c := range strings.Split(strings.Trim(l, "|"), "|") {
				cells = append(cells, strings.TrimSpace(c))
			}
			return cells
		}
	}
	return nil
}

// checkSSH checks section 7: with OpenSSH installed, every ssh figure was
// measured beside its floor (the many-hosts listing, or a note that this
// build takes one -H), and linger -H delivered every byte printed.
func checkSSH(t *testing.T, res *results, report string) {
	t.Helper()
	x := res.ssh
	if x == nil {
		t.Errorf("no ssh figures")
		return
	}
	for _, p := range []string{sshdPath, "ssh", "ssh-keygen"} {
		if _, err := exec.LookPath(p); err != nil {
			if !strings.Contains(report, "Not measured: "+p+" not found") {
				t.Errorf("%s is missing but section 7 does not say so", p)
			}
			return
		}
	}
	if x.note != "" {
		t.Fatalf("ssh figures not measured: %s", x.note)
	}
	if len(x.tpLinger.mbps) == 0 || len(x.tpSSH.mbps) == 0 {
		t.Errorf("ssh throughput: missing samples: linger %+v, ssh %+v", x.tpLinger, x.tpSSH)
	}
	for _, out := range x.tpLinger.outMB {
		if out*mb < float64(x.tpBytes) {
			t.Errorf("ssh throughput: %.0f bytes reached the terminal of %d printed", out*mb, x.tpBytes)
		}
	}
	if len(x.echoLinger.us) == 0 || len(x.echoSSH.us) == 0 {
		t.Errorf("ssh echo: missing samples: linger %+v, ssh %+v", x.echoLinger, x.echoSSH)
	}
	if len(x.ls) == 0 || len(x.sshTrue) == 0 || len(x.localLs) == 0 {
		t.Errorf("ssh ls: missing samples (%s)", x.lsErr)
	}
	if !strings.HasPrefix(x.hostsNote, "not supported by this build") && (len(x.hostsN) == 0 || len(x.hostsOne) == 0) {
		t.Errorf("ssh hosts: neither samples nor a note: %+v", x)
	}
	if !strings.Contains(report, "## 7. Over ssh to 127.0.0.1") || !strings.Contains(report, "| `ls` across 8 hosts, ms |") {
		t.Errorf("report has no section 7 with its rows")
	}
	// issue 18: every drop resumed, every counter line once and in order;
	// throughput measured with both heartbeats.
	y := res.resume
	if y == nil {
		t.Fatalf("no issue 18 figures")
	}
	if y.resumeErr != "" || len(y.resume) != res.opts.resumeRounds || len(y.step) != len(y.resume) {
		t.Errorf("ssh-resume: %d of %d rounds measured (%s)", len(y.resume), res.opts.resumeRounds, y.resumeErr)
	}
	if y.lines == 0 || y.dups != 0 || y.gaps != 0 {
		t.Errorf("ssh-resume: %d counter lines on the terminal, %d repeated, %d missing", y.lines, y.dups, y.gaps)
	}
	if len(y.hbOn.mbps) == 0 || len(y.hbOff.mbps) == 0 {
		t.Errorf("ssh-heartbeat: missing samples: 5s %+v, 1h %+v", y.hbOn, y.hbOff)
	}
	for _, row := range []string{"| network back → first resumed byte on the terminal, ms |", "| attached throughput, 8 MB, heartbeat 5s (default), MB/s |"} {
		if !strings.Contains(report, row) {
			t.Errorf("section 7 has no row %q", row)
		}
	}
	if strings.Contains(report, "idle clients attached over ssh") {
		t.Errorf("ssh-idle ran although it is not in the default set")
	}
}

// TestQuickSSHIdle runs the optional ssh-idle figure in -quick mode: a
// few clients attached over ssh, the server's CPU measured without and
// with them.
func TestQuickSSHIdle(t *testing.T) {
	for _, p := range []string{sshdPath, "ssh", "ssh-keygen"} {
		if _, err := exec.LookPath(p); err != nil {
			t.Skipf("%s not installed", p)
		}
	}
	o, err := parseFlags([]string{"-quick", "-tools", "linger", "-tests", "ssh-idle"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	var progress bytes.Buffer
	h, err := newHarness(o, &progress)
	if h != nil {
		defer h.cleanup()
	}
	if err != nil {
		t.Fatalf("setup: %v\n%s", err, progress.String())
	}
	res, err := h.run()
	if err != nil {
		t.Fatalf("run: %v\n%s", err, progress.String())
	}
	report := res.markdown()
	y := res.resume
	if y == nil || y.idleErr != "" || y.idleN != o.idleClients {
		t.Fatalf("ssh-idle not measured: %+v\nprogress:\n%s", y, progress.String())
	}
	if !strings.Contains(report, fmt.Sprintf("| server CPU over 3s, %d idle clients attached over ssh, heartbeat 5s |", o.idleClients)) {
		t.Errorf("no ssh-idle row in the report:\n%s", report)
	}
}

// The counter check of ssh-resume: escape sequences (the status line in
// the title) are not output; a repeated or missing line is counted.
func TestCounterWatch(t *testing.T) {
	w := &counterWatch{}
	now := time.Now()
	w.feed([]byte("C4\r\nC5"), now)
	w.check() // the rest of "C5" is partial: skipped
	w.feed([]byte("\r\nC6\r\nC7\r"), now)
	w.arm()
	w.feed([]byte("\x1b]2;[linger: lost sr0001 1s ago]\x07\x1b[23;0t"), now)
	if !w.first().IsZero() {
		t.Errorf("escape sequences counted as output")
	}
	later := now.Add(time.Second)
	w.feed([]byte("\nC8\r\nC8\r\nC11\r\n"), later)
	if !w.first().Equal(later) {
		t.Errorf("first output byte at %v, want %v", w.first(), later)
	}
	if w.lines != 5 || w.dups != 1 || w.gaps != 2 {
		t.Errorf("lines %d, repeated %d, missing %d; want 5, 1, 2", w.lines, w.dups, w.gaps)
	}
}

// backoffStep follows client/reconnect.go's schedule (its constants are
// read from the source, so a change there fails here).
func TestBackoffStep(t *testing.T) {
	src, err := os.ReadFile("../client/reconnect.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []string{"const maxBackoff = 15 * time.Second", "const firstBackoff = 500 * time.Millisecond", "backoff = min(2*backoff, maxBackoff)"} {
		if !strings.Contains(string(src), c) {
			t.Errorf("client/reconnect.go no longer has %q: update backoffStep", c)
		}
	}
	want := []time.Duration{0, 0, 0, 500 * time.Millisecond, time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, 15 * time.Second, 15 * time.Second}
	for n, w := range want {
		if got := backoffStep(n); got != w {
			t.Errorf("backoffStep(%d) = %v, want %v", n, got, w)
		}
	}
}

// Without OpenSSH the ssh figures are one line in the report, not an
// error: here ssh is hidden from PATH.
func TestSSHSkippedWithoutOpenSSH(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	h := &harness{o: &options{tests: sshTests}, log: io.Discard}
	s, note, err := h.startSSHD(&tool{name: "linger"})
	if s != nil || err != nil || !strings.Contains(note, " not found (apt-get install openssh-server openssh-client)") {
		t.Fatalf("startSSHD without ssh on PATH: %v, %q, %v", s, note, err)
	}
	r := &results{opts: h.o, ssh: &sshRes{note: note}}
	var m md
	r.sectionSSH(&m)
	if got := m.String(); !strings.Contains(got, "Not measured: ") || strings.Contains(got, "| figure |") {
		t.Errorf("section 7 without ssh:\n%s", got)
	}
}
