package main

import (
	"bytes"
	"io"
	"os"
	"os/exec"
	"strings"
	"testing"
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
// from this checkout) and raw only. It checks that every figure was
// measured and that output produced while detached came back byte-exact;
// it asserts nothing about timings.
func TestQuick(t *testing.T) {
	o, err := parseFlags([]string{"-quick", "-tools", "linger"}, io.Discard)
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
	// Every summary figure has a value for linger (raw has none for the
	// server-only figures).
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
		if len(row) < 3 || row[2] == "—" || row[2] == "error" {
			t.Errorf("summary row %q has no linger figure: %q", prefix, row)
		}
	}
	if strings.Contains(report, "error: ") {
		t.Errorf("report contains errors")
	}
	// linger registers a session before `new -d` returns: the first ls
	// after it names the session, every time.
	if st := res.start["linger"]; st == nil || st.created == 0 || st.firstList != st.created {
		t.Errorf("a session was not listed by the first ls after new -d returned: %+v", st)
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
		sc := res.scale["linger"]
		if sc == nil || len(sc.steps) == 0 {
			t.Errorf("no scale steps for linger")
		} else {
			for _, s := range sc.steps {
				if s.procs > 0 && (s.fileKiB <= 0 || s.fileKiB >= s.pssKiB) {
					t.Errorf("%d sessions: file-backed PSS %d KiB of %d KiB", s.n, s.fileKiB, s.pssKiB)
				}
			}
		}
		if !strings.Contains(report, "| file-backed MiB |") {
			t.Errorf("section 5 has no file-backed column")
		}
	}
	d := res.detached["linger"]
	if d == nil || !d.hashOK {
		t.Errorf("output produced while detached did not come back byte-exact: %+v", d)
	}
	for _, r := range [][]float64{res.throughput["raw"].mbps, res.throughput["linger"].mbps, res.echo["linger"].us} {
		if len(r) == 0 {
			t.Errorf("missing samples")
		}
	}

	h.cleanup()
	for _, p := range descendants(os.Getpid()) {
		if p.state != 'Z' {
			t.Errorf("process left running after cleanup: %d %s", p.pid, p.comm)
		}
	}
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
