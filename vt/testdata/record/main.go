//go:build ignore

// Command record (re)records the terminal emulator correctness corpus in
// vt/testdata/corpus: the raw bytes that real programs (vim, less, top, htop,
// man, git, ls, bash) and a few hand-written escape-sequence scripts write to
// their terminal, at a fixed size, driven by keystrokes.
//
// The corpus is committed test data, recorded once. CI replays it without the
// programs (see vt/corpus_test.go). Re-record only when a scenario changes:
//
//	apt-get install -y vim less procps htop man-db manpages git
//	cd /work/main && go run vt/testdata/record/main.go            # every scenario
//	cd /work/main && go run vt/testdata/record/main.go vim less    # some of them
//
// Each scenario runs in a fresh pty of its own (github.com/creack/pty) with
// TERM=xterm-256color, LANG=C.UTF-8, HOME set to a fresh temporary directory.
// The program's output is fed into github.com/charmbracelet/x/vt acting as the
// recording terminal, and that terminal's replies (DA1/DA2, CPR, DECRQM, OSC
// 10/11 colour queries...) are written back to the pty, so programs that query
// the terminal (vim) do not stall waiting for an answer.
//
// After each keystroke step the recorder waits until the program's output
// has been quiet for 300 ms, bounded by a deadline; a step can add a minimum
// duration (top/htop refresh on a timer) but never relies on a fixed sleep
// alone. The byte offset reached after each step is saved as a "mark" in
// NAME.json, so the oracle test can compare the screens at every step, not
// only at the end.
//
// Output per recorded file: NAME.bin (raw bytes) and NAME.json:
//
//	{"cols":80,"rows":24,"description":"...","command":"...",
//	 "marks":[{"label":"open","offset":1234},...]}
//
// Recordings are not bit-for-bit reproducible (top/htop show live processes,
// ls shows dates, ...); only their shape is.
package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/charmbracelet/x/ansi"
	xvt "github.com/charmbracelet/x/vt"
	"github.com/creack/pty"
)

const (
	quietFor     = 300 * time.Millisecond // output must be idle this long
	stepDeadline = 8 * time.Second        // a step never waits longer
	noOutputWait = 2 * time.Second        // give up waiting for the first byte
	exitDeadline = 8 * time.Second        // wait this long for the program to end
	maxFileSize  = 300 << 10
)

// step is one keystroke batch followed by a bounded wait for quiet output.
type step struct {
	send     string        // bytes typed into the pty ("" = just wait)
	min      time.Duration // minimum time to wait after sending (timers)
	mark     string        // label of the mark recorded after the wait
	noOutput bool          // the keys are not expected to produce output
}

// cut saves the recording up to a mark (or the whole of it) as a file.
type cut struct {
	name, mark, desc string // mark "" = the whole recording
}

type scenario struct {
	name       string
	desc       string
	cols, rows int
	argv       []string
	env        []string
	setup      func(dir string) error
	steps      []step
	cuts       []cut // default: one file NAME with the whole recording
	// sleepers starts that many sleep processes first; "{pids}" in argv
	// becomes their comma-separated pids, so top/htop can be limited to
	// them and record nothing of the machine's own processes.
	sleepers int
}

type mark struct {
	Label  string `json:"label"`
	Offset int    `json:"offset"`
}

type meta struct {
	Cols        int    `json:"cols"`
	Rows        int    `json:"rows"`
	Description string `json:"description"`
	Command     string `json:"command"`
	Marks       []mark `json:"marks"`
}

func main() {
	_, self, _, _ := runtime.Caller(0)
	outDir := filepath.Join(filepath.Dir(self), "..", "corpus")
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		fatal(err)
	}
	want := map[string]bool{}
	for _, a := range os.Args[1:] {
		want[a] = true
	}
	var total int64
	for _, sc := range scenarios() {
		if len(want) > 0 && !want[sc.name] {
			continue
		}
		n, err := record(sc, outDir)
		if err != nil {
			fatal(fmt.Errorf("%s: %w", sc.name, err))
		}
		total += n
	}
	fmt.Printf("wrote %d bytes\n", total)
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "record:", err)
	os.Exit(1)
}

// recorder owns the pty of one scenario.
type recorder struct {
	mu   sync.Mutex
	out  []byte
	last time.Time // time the last output byte arrived
	done chan struct{}
}

func (r *recorder) state() (int, time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.out), r.last
}

// waitQuiet waits until output arrived after since and then stayed quiet for
// quietFor, and at least min has passed since since. Bounded by stepDeadline.
func (r *recorder) waitQuiet(since time.Time, min time.Duration, noOutput bool) {
	deadline := since.Add(stepDeadline)
	for {
		now := time.Now()
		_, last := r.state()
		select {
		case <-r.done:
			return
		default:
		}
		if now.After(deadline) {
			fmt.Fprintln(os.Stderr, "  warning: step deadline reached")
			return
		}
		if now.Sub(since) >= min {
			if last.After(since) && now.Sub(last) >= quietFor {
				return
			}
			if last.Before(since) && now.Sub(since) >= noOutputWait {
				if !noOutput {
					fmt.Fprintln(os.Stderr, "  warning: no output after step")
				}
				return
			}
			if noOutput && last.Before(since) && now.Sub(since) >= quietFor {
				return
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func record(sc scenario, outDir string) (int64, error) {
	fmt.Printf("recording %s (%dx%d): %s\n", sc.name, sc.cols, sc.rows, strings.Join(sc.argv, " "))
	home, err := os.MkdirTemp("", "linger-record-")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(home)
	work := filepath.Join(home, "work")
	if err := os.Mkdir(work, 0o755); err != nil {
		return 0, err
	}
	if sc.setup != nil {
		if err := sc.setup(work); err != nil {
			return 0, fmt.Errorf("setup: %w", err)
		}
	}

	argv := append([]string(nil), sc.argv...)
	var pids []string
	for i := range sc.sleepers {
		sl := exec.Command("sleep", fmt.Sprint(600+i))
		if err := sl.Start(); err != nil {
			return 0, err
		}
		defer func() { _ = sl.Process.Kill(); _ = sl.Wait() }()
		pids = append(pids, fmt.Sprint(sl.Process.Pid))
	}
	for i := range argv {
		argv[i] = strings.ReplaceAll(argv[i], "{pids}", strings.Join(pids, ","))
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = work
	cmd.Env = append([]string{
		"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
		"HOME=" + home,
		"TERM=xterm-256color",
		"LANG=C.UTF-8",
		"USER=root",
		"SHELL=/bin/sh",
		"HISTFILE=/dev/null",
		"LESSHISTFILE=-",
		fmt.Sprintf("COLUMNS=%d", sc.cols),
		fmt.Sprintf("LINES=%d", sc.rows),
	}, sc.env...)

	ptmx, err := pty.StartWithSize(cmd, &pty.Winsize{Cols: uint16(sc.cols), Rows: uint16(sc.rows)})
	if err != nil {
		return 0, err
	}
	defer ptmx.Close()

	// The recording terminal: answers the program's queries.
	em := xvt.NewEmulator(sc.cols, sc.rows)
	go func() {
		buf := make([]byte, 1024)
		for {
			n, err := em.Read(buf)
			if n > 0 {
				_, _ = ptmx.Write(buf[:n])
			}
			if err != nil {
				return
			}
		}
	}()

	r := &recorder{done: make(chan struct{})}
	go func() {
		defer close(r.done)
		buf := make([]byte, 4096)
		for {
			n, err := ptmx.Read(buf)
			if n > 0 {
				r.mu.Lock()
				r.out = append(r.out, buf[:n]...)
				r.last = time.Now()
				r.mu.Unlock()
				_, _ = em.Write(buf[:n])
			}
			if err != nil {
				return
			}
		}
	}()
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()

	var marks []mark
	start := time.Now()
	r.waitQuiet(start.Add(-time.Nanosecond), 0, false)
	n, _ := r.state()
	marks = append(marks, mark{Label: "start", Offset: n})
	for _, st := range sc.steps {
		t := time.Now()
		if st.send != "" {
			if _, err := io.WriteString(ptmx, st.send); err != nil {
				return 0, fmt.Errorf("send %q: %w", st.send, err)
			}
		}
		r.waitQuiet(t, st.min, st.noOutput)
		if st.mark != "" {
			n, _ := r.state()
			marks = append(marks, mark{Label: st.mark, Offset: n})
		}
	}

	select {
	case err := <-exited:
		if err != nil {
			fmt.Fprintln(os.Stderr, "  note: program exited with", err)
		}
	case <-time.After(exitDeadline):
		fmt.Fprintln(os.Stderr, "  warning: program still running; killing it")
		_ = cmd.Process.Kill()
		<-exited
	}
	select {
	case <-r.done: // the slave side is closed: everything was read
	case <-time.After(2 * time.Second):
	}
	_ = em.Close()

	r.mu.Lock()
	out := append([]byte(nil), r.out...)
	r.mu.Unlock()
	marks = append(marks, mark{Label: "end", Offset: len(out)})

	cuts := sc.cuts
	if len(cuts) == 0 {
		cuts = []cut{{name: sc.name, desc: sc.desc}}
	}
	var total int64
	for _, c := range cuts {
		data, ms := out, marks
		if c.mark != "" {
			idx := -1
			for i, m := range marks {
				if m.Label == c.mark {
					idx = i
				}
			}
			if idx < 0 {
				return 0, fmt.Errorf("cut %s: no mark %q", c.name, c.mark)
			}
			data = out[:marks[idx].Offset]
			ms = marks[:idx+1]
		}
		if len(data) > maxFileSize {
			return 0, fmt.Errorf("%s: %d bytes, over %d", c.name, len(data), maxFileSize)
		}
		md := meta{
			Cols:        sc.cols,
			Rows:        sc.rows,
			Description: c.desc,
			Command:     strings.Join(sc.argv, " "),
			Marks:       ms,
		}
		js, err := json.MarshalIndent(md, "", "  ")
		if err != nil {
			return 0, err
		}
		if err := os.WriteFile(filepath.Join(outDir, c.name+".bin"), data, 0o644); err != nil {
			return 0, err
		}
		if err := os.WriteFile(filepath.Join(outDir, c.name+".json"), append(js, '\n'), 0o644); err != nil {
			return 0, err
		}
		fmt.Printf("  %s.bin: %d bytes, %d marks\n", c.name, len(data), len(ms))
		total += int64(len(data))
	}
	return total, nil
}

// ---- scenario inputs ----

func writeLines(path string, n int, line func(i int) string) error {
	var b strings.Builder
	for i := 1; i <= n; i++ {
		b.WriteString(line(i))
		b.WriteByte('\n')
	}
	return os.WriteFile(path, []byte(b.String()), 0o644)
}

var words = []string{"alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel",
	"india", "juliet", "kilo", "lima", "mike", "november", "oscar", "papa"}

func vimFile(dir string) error {
	return writeLines(filepath.Join(dir, "sample.txt"), 200, func(i int) string {
		switch {
		case i%17 == 0: // long line: vim wraps it over several rows
			return fmt.Sprintf("%03d long: %s", i, strings.Repeat(words[i%len(words)]+" ", 30))
		case i%11 == 0:
			return fmt.Sprintf("%03d\ttabbed\tcolumns\t%d", i, i*i)
		case i%13 == 0:
			return ""
		default:
			return fmt.Sprintf("%03d the quick brown %s jumps over the lazy %s", i, words[i%len(words)], words[(i*7)%len(words)])
		}
	})
}

func lessFile(dir string) error {
	return writeLines(filepath.Join(dir, "pager.txt"), 300, func(i int) string {
		s := fmt.Sprintf("%03d %s %s %s", i, words[i%len(words)], words[(i*3)%len(words)], words[(i*5)%len(words)])
		if i%9 == 0 {
			s += " needle in the haystack, needle again"
		}
		if i%25 == 0 {
			s += " " + strings.Repeat("-=", 50) // wraps at 80 columns
		}
		return s
	})
}

func gitRepo(dir string) error {
	n := 0
	run := func(args ...string) error {
		cmd := exec.Command("git", args...)
		cmd.Dir = dir
		date := fmt.Sprintf("2024-01-%02dT12:%02d:00Z", 1+n/10, n%60)
		cmd.Env = append(os.Environ(),
			"GIT_CONFIG_NOSYSTEM=1", "HOME="+dir,
			"GIT_AUTHOR_NAME=Ada", "GIT_AUTHOR_EMAIL=ada@example.com",
			"GIT_COMMITTER_NAME=Ada", "GIT_COMMITTER_EMAIL=ada@example.com",
			"GIT_AUTHOR_DATE="+date, "GIT_COMMITTER_DATE="+date)
		out, err := cmd.CombinedOutput()
		if err != nil {
			return fmt.Errorf("git %v: %v: %s", args, err, out)
		}
		return nil
	}
	commit := func(msg string) error {
		n++
		f := filepath.Join(dir, fmt.Sprintf("file%02d.txt", n))
		fh, err := os.OpenFile(f, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
		if err != nil {
			return err
		}
		fmt.Fprintf(fh, "%s\n", msg)
		fh.Close()
		if err := run("add", "-A"); err != nil {
			return err
		}
		return run("commit", "-q", "-m", msg)
	}
	steps := []func() error{
		func() error { return run("init", "-q", "-b", "main") },
		func() error { return commit("Initial commit") },
		func() error { return commit("Add README") },
		func() error { return run("checkout", "-q", "-b", "feature/parser") },
		func() error { return commit("parser: tokenise CSI sequences") },
		func() error { return commit("parser: handle OSC strings") },
		func() error { return run("checkout", "-q", "main") },
		func() error { return commit("Fix typo in docs") },
		func() error { return run("checkout", "-q", "-b", "feature/screen") },
		func() error { return commit("screen: scroll regions") },
		func() error { return commit("screen: alternate screen") },
		func() error { return commit("screen: wide characters") },
		func() error { return run("checkout", "-q", "main") },
		func() error {
			n++
			return run("merge", "-q", "--no-ff", "-m", "Merge branch 'feature/parser'", "feature/parser")
		},
		func() error { return commit("Bump version to 0.2") },
		func() error {
			n++
			return run("merge", "-q", "--no-ff", "-m", "Merge branch 'feature/screen'", "feature/screen")
		},
		func() error { return run("checkout", "-q", "-b", "hotfix") },
		func() error { return commit("hotfix: guard against zero width") },
		func() error { return run("checkout", "-q", "main") },
		func() error { return commit("Add scrollback ring") },
		func() error { return commit("Add resize handling") },
		func() error { return run("checkout", "-q", "-b", "experiment") },
		func() error { return commit("experiment: sixel stub") },
		func() error { return commit("experiment: kitty keyboard") },
		func() error { return run("checkout", "-q", "main") },
		func() error { n++; return run("merge", "-q", "--no-ff", "-m", "Merge branch 'hotfix'", "hotfix") },
		func() error { return commit("Release 1.0") },
		func() error { return run("tag", "v1.0") },
	}
	for _, s := range steps {
		if err := s(); err != nil {
			return err
		}
	}
	return nil
}

// lsTree makes tree/ with entries of every type ls colours, with fixed times.
func lsTree(dir string) error {
	root := filepath.Join(dir, "tree")
	if err := os.MkdirAll(root, 0o755); err != nil {
		return err
	}
	mk := func(name string, mode os.FileMode, size int) error {
		p := filepath.Join(root, name)
		if err := os.WriteFile(p, []byte(strings.Repeat("x", size)), 0o644); err != nil {
			return err
		}
		return os.Chmod(p, mode)
	}
	exts := []string{".txt", ".go", ".tar.gz", ".zip", ".png", ".jpg", ".mp3", ".mp4", ".deb", ".md", ".sh", ".pdf"}
	for i := range 30 {
		if err := mk(fmt.Sprintf("file%02d%s", i, exts[i%len(exts)]), 0o644, i*37); err != nil {
			return err
		}
	}
	for i := range 10 {
		if err := mk(fmt.Sprintf("tool%02d", i), 0o755, 1000+i); err != nil {
			return err
		}
		if err := os.Mkdir(filepath.Join(root, fmt.Sprintf("dir%d", i)), 0o755); err != nil {
			return err
		}
		if err := os.Symlink(fmt.Sprintf("file%02d.txt", i), filepath.Join(root, fmt.Sprintf("link%d", i))); err != nil {
			return err
		}
	}
	for _, f := range []func() error{
		func() error { return os.Symlink("missing", filepath.Join(root, "broken-link")) },
		func() error { return mk("setuid-tool", 0o755|os.ModeSetuid, 10) },
		func() error { return mk("setgid-tool", 0o755|os.ModeSetgid, 10) },
		func() error { return os.Mkdir(filepath.Join(root, "sticky-dir"), 0o777|os.ModeSticky) },
		func() error { return os.Chmod(filepath.Join(root, "sticky-dir"), 0o777|os.ModeSticky) },
		func() error { return os.Mkdir(filepath.Join(root, "other-writable"), 0o777) },
		func() error { return os.Chmod(filepath.Join(root, "other-writable"), 0o777) },
		func() error { return exec.Command("mkfifo", filepath.Join(root, "pipe")).Run() },
		func() error { return mk("dir1/.hidden", 0o644, 1) },
		func() error { return mk("dir1/inner.txt", 0o644, 1) },
		func() error { return mk("dir1/run.sh", 0o755, 1) },
	} {
		if err := f(); err != nil {
			return err
		}
	}
	when := time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)
	return filepath.Walk(root, func(p string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		if info.Mode()&os.ModeSymlink != 0 {
			return exec.Command("touch", "-h", "-d", when.Format(time.RFC3339), p).Run()
		}
		return os.Chtimes(p, when, when)
	})
}

func writeScript(dir, name, body string) error {
	return os.WriteFile(filepath.Join(dir, name), []byte(body), 0o755)
}

const scrollRegionScript = `#!/bin/sh
# Scroll regions (DECSTBM), IL/DL, RI at the top margin, origin mode (DECOM),
# SU/SD, bare LF with ONLCR off, DECSC/DECRC, ICH/DCH/ECH, IRM, then reset.
e=$(printf '\033')
stty -onlcr
printf '%s[H%s[2J' "$e" "$e"
i=1
while [ $i -le 24 ]; do
  printf '%s[%d;1Hrow %02d %s' "$e" $i $i "........................................"
  i=$((i+1))
done
printf '%s[1;10H%s[1J' "$e" "$e"             # ED 1 on the first row: erases columns 1-10 only
printf '%s[5;20r' "$e"                      # DECSTBM: region rows 5..20, cursor homes
printf '%s[20;1H' "$e"
for n in 1 2 3 4 5; do printf '\r\nscrolled-in-region %d' $n; done
printf '\nbare LF'                           # onlcr off: LF keeps the column
printf '%s[10;1H%s[2L' "$e" "$e"             # IL 2 inside region
printf '%s[10;1Hinserted line A' "$e"
printf '%s[12;1H%s[3M' "$e" "$e"             # DL 3 inside region
printf '%s[5;1H%sM%sM' "$e" "$e" "$e"        # RI twice at the top margin: scroll down
printf 'after RI at top margin'
printf '%s[2;1H%s[1;33mcolour%s[0m outside region' "$e" "$e" "$e"
printf '%s[2;3H%s[4@' "$e" "$e"               # ICH 4 on a row above the region
printf '%s[7;1Hinside region' "$e"
printf '%s[7;3H%s[4@' "$e" "$e"               # ICH 4 inside the region
printf '%s[7;15H%s[2P' "$e" "$e"              # DCH 2 inside the region
printf '%s7' "$e"                             # DECSC
printf '%s[?6h' "$e"                          # DECOM: origin mode, cursor to region home
printf '%s[1;30HORIGIN-TOP' "$e"
printf '%s[16;60HORIGIN-BOTTOM' "$e"           # row 16 of the region = screen row 20
printf '%s[99;1Hclamped' "$e"                  # clamped to the bottom margin
printf '%s[2S' "$e"                            # SU 2 within the region
printf '%s[1T' "$e"                            # SD 1 within the region
printf '%s[?6l' "$e"                           # DECOM off
printf '%s8' "$e"                              # DECRC
printf 'restored'
printf '%s[r' "$e"                             # DECSTBM reset: full screen
printf '%s[24;1Hlast row' "$e"
printf '\r\nscrolled the whole screen\r\n'     # two lines into the scrollback
printf '%s[3;1H%s[2;38;5;141mcolour%s[0m tail text' "$e" "$e" "$e"
printf '%s[3;3H%s[4@' "$e" "$e"                # ICH 4, full-screen region
printf '%s[3;20H%s[2P' "$e" "$e"               # DCH 2
printf '%s[4;5H%s[44m%s[6X%s[0m' "$e" "$e" "$e" "$e"   # ECH 6 with a blue background
printf '%s[4h' "$e"                            # IRM on
printf '%s[21;1H>>' "$e"
printf '%s[4l' "$e"                            # IRM off
printf '%s[22;1Htab\tstops\tare\there' "$e"
printf '%s[22;50H%s[41m%s[K%s[0m' "$e" "$e" "$e" "$e"   # EL with a red background (BCE)
printf '%s[23;10H%s[44m%s[1K%s[0m' "$e" "$e" "$e" "$e"   # EL 1 with a blue background
stty onlcr
printf '%s[24;1Hdone' "$e"
`

const altScreenScript = `#!/bin/sh
# A TUI-like screen: alternate screen (1049), cursor hidden, bracketed paste and
# mouse reporting on, boxes drawn with the DEC special graphics charset.
e=$(printf '\033')
printf '%s[?1049h%s[?25l%s[?2004h%s[?1000h%s[?1006h' "$e" "$e" "$e" "$e" "$e"
printf '%s[H%s[2J' "$e" "$e"
box() { # row col width height title
  r=$1; c=$2; w=$3; h=$4
  printf '%s[%d;%dH%s(0l' "$e" $r $c "$e"
  i=2; while [ $i -lt $w ]; do printf 'q'; i=$((i+1)); done
  printf 'k'
  j=1; while [ $j -lt $((h-1)) ]; do
    printf '%s[%d;%dHx%s[%d;%dHx' "$e" $((r+j)) $c "$e" $((r+j)) $((c+w-1))
    j=$((j+1))
  done
  printf '%s[%d;%dHm' "$e" $((r+h-1)) $c
  i=2; while [ $i -lt $w ]; do printf 'q'; i=$((i+1)); done
  printf 'j%s(B' "$e"
  printf '%s[%d;%dH%s[1;38;5;214m %s %s[0m' "$e" $r $((c+2)) "$e" "$5" "$e"
}
box 2 2 38 10 "Sessions"
box 2 42 37 10 "Details"
box 13 2 77 9 "Log"
printf '%s[4;4H%s[7m > main    %s[27m' "$e" "$e" "$e"
printf '%s[5;4H%s[38;5;33m   build   %s[39m' "$e" "$e" "$e"
printf '%s[6;4H%s[38;2;255;95;135m   deploy  %s[0m' "$e" "$e" "$e"
printf '%s[4;44H%s[3mitalic%s[23m %s[4munderline%s[24m %s[9mstrike%s[29m' "$e" "$e" "$e" "$e" "$e" "$e" "$e"
printf '%s[5;44H%s[1mbold%s[22m %s[2mfaint%s[22m %s[1;7mbold-rev%s[0m' "$e" "$e" "$e" "$e" "$e" "$e" "$e"
printf '%s[6;44H%s[48;2;30;30;60m%s[38;2;200;200;255m truecolor panel %s[0m' "$e" "$e" "$e" "$e"
printf '%s[7;44H%s[48;5;236m%s[38;5;250m 256-colour panel %s[0m' "$e" "$e" "$e" "$e"
printf '%s[8;44H%s[92mbright%s[39m %s[104mbright-bg%s[49m' "$e" "$e" "$e" "$e" "$e"
# G1 = DEC graphics, shifted in with SO/SI
printf '%s[15;4H%s)0' "$e" "$e"
printf 'SO: \016lqwqk x x tqnqu mqvqj\017 SI: back to ASCII'
printf '%s[16;4H%s[32m[ok]%s[0m session started' "$e" "$e" "$e"
printf '%s[17;4H%s[31m[err]%s[0m connection reset' "$e" "$e" "$e"
# status bar: reverse video over the full last row, with BCE erase
printf '%s[24;1H%s[44;97m%s[K linger 0.1  |  3 sessions  |  %s[1mF1%s[22m help' "$e" "$e" "$e" "$e" "$e"
printf '%s[0m' "$e"
printf '%s[10;10H' "$e"
stty -echo
read -r _key
stty echo
printf '%s[?1000l%s[?1006l%s[?2004l%s[?25h%s[?1049l' "$e" "$e" "$e" "$e" "$e"
printf 'left the alternate screen\n'
`

// unicodeLines: first a long line (several wraps at 80 columns) of text on
// which every width model agrees: CJK, Hangul, combining marks, fullwidth and
// halfwidth forms, symbols. It is padded with dots so that no wide character
// starts in the last two columns (x/vt, the oracle, mishandles that; it is
// tested on lines of its own below). Then wide characters and a combining
// mark at the right margin; then one short line per grapheme-cluster case
// (emoji modifier, flags, ZWJ sequences, VS16), where per-code-point (wcwidth)
// and grapheme-cluster width models differ, so a difference stays on its line.
func unicodeLines(cols int) []string {
	tokens := strings.Fields("ASCII then CJK 日本語中文 and 한국어 text, combining e\u0301 a\u0308 n\u0303 (a\u0301\u0327), " +
		"fullwidth ＡＢＣ１２３, halfwidth ｶﾀｶﾅ, arrows →←↑↓, box ─│┌┐└┘, math ∑∫√∞, Greek αβγ, Cyrillic жщ, café naïve.")
	var long strings.Builder
	col := 0
	for len([]rune(long.String())) == 0 || col < 3*cols+40 {
		for _, tok := range tokens {
			for _, r := range tok + " " {
				w := ansi.StringWidthWc(string(r))
				for w == 2 && col%cols >= cols-2 {
					long.WriteByte('.')
					col++
				}
				long.WriteRune(r)
				col += w
			}
		}
	}
	return []string{
		long.String(),
		strings.Repeat("x", cols-1) + "日本語 (wide char at the last column wraps)",
		strings.Repeat("w", cols-2) + "中文 (wide char exactly at the last two columns)",
		strings.Repeat("z", cols-1) + "e\u0301 (combining mark on the last column)",
		"skin tone: 👍🏽 end",
		"flags: 🇫🇷🇩🇪🇯🇵 end",
		"zwj: 👩‍💻 👨‍👩‍👧 end",
		"vs16: ❤️ ✔️ vs ❤ ✔ end",
		strings.Repeat("y", cols-3) + "👍🏽 cluster at the margin",
		"end of unicode test",
	}
}

func scenarios() []scenario {
	vimSteps := []step{
		{send: "5j", mark: "down-5"},
		{send: "\x06", mark: "ctrl-f"},
		{send: "\x06", mark: "ctrl-f-2"},
		{send: "\x04", mark: "ctrl-d"},
		{send: "\x05\x05\x05", mark: "ctrl-e"},
		{send: "\x19\x19", mark: "ctrl-y"},
		{send: "\x15", mark: "ctrl-u"},
		{send: "G", mark: "end"},
		{send: "gg", mark: "top"},
		{send: "40G", mark: "line-40"},
		{send: "o", mark: "insert"},
		{send: "inserted: 日本語 wide, café, e\u0301 combining", mark: "typed"},
		{send: "\r\tsecond line ＡＢ\x1b", mark: "escape"},
		{send: "dd", mark: "delete-line"},
		{send: ":set number\r", mark: "number"},
		{send: "/lazy\r", mark: "search"},
		{send: "\x0c", mark: "redraw"},
		{send: ":q!\r"},
	}
	lessSteps := []step{
		{send: " ", mark: "page-1"},
		{send: " ", mark: "page-2"},
		{send: "/needle\r", mark: "search"},
		{send: "n", mark: "next"},
		{send: "b", mark: "back"},
		{send: "q"},
	}
	ul := unicodeLines(80)
	return []scenario{
		{
			name: "vim", cols: 80, rows: 24,
			argv:  []string{"vim", "-u", "NONE", "-N", "-i", "NONE", "sample.txt"},
			setup: vimFile,
			steps: vimSteps,
			cuts: []cut{
				{name: "vim-screen", mark: "redraw", desc: "vim -u NONE -N on a 200-line file: motions, Ctrl-F/D/E/Y/U scrolling, insert with wide and combining characters, :set number, search; cut while vim is still on the alternate screen"},
				{name: "vim-quit", desc: "same vim session as vim-screen, continued with :q! back to the main screen"},
			},
		},
		{
			name: "vim-120", cols: 120, rows: 40,
			desc:  "vim -u NONE -N at 120x40: scrolling, insert with wide characters, :q!",
			argv:  []string{"vim", "-u", "NONE", "-N", "-i", "NONE", "sample.txt"},
			setup: vimFile,
			steps: []step{
				{send: "\x06", mark: "ctrl-f"},
				{send: "\x04", mark: "ctrl-d"},
				{send: "Ofirst 日本語中文 ＡＢＣ\x1b", mark: "insert"},
				{send: ":q!\r"},
			},
		},
		{
			name: "less", cols: 80, rows: 24,
			desc:  "less on a 300-line file: page down twice, search (highlighted matches), next match, back a page, q",
			argv:  []string{"less", "pager.txt"},
			env:   []string{"LESS="},
			setup: lessFile,
			steps: lessSteps,
		},
		{
			name: "top", cols: 80, rows: 24,
			desc:     "interactive top -d 0.5 for a few refreshes (limited to three sleep processes), then q",
			argv:     []string{"top", "-d", "0.5", "-p", "{pids}"},
			sleepers: 3,
			steps: []step{
				{min: 1100 * time.Millisecond, mark: "refreshed"},
				{send: "q"},
			},
		},
		{
			name: "htop", cols: 120, rows: 40,
			desc:     "htop at 120x40 for a few refreshes (delay 5 = 0.5 s; limited to three sleep processes), F5 tree view, then q",
			argv:     []string{"htop", "-d", "5", "-p", "{pids}"},
			sleepers: 3,
			steps: []step{
				{min: 1100 * time.Millisecond, mark: "refreshed"},
				{send: "\x1b[15~", min: 600 * time.Millisecond, mark: "tree"},
				{send: "q"},
			},
		},
		{
			name: "man", cols: 80, rows: 24,
			desc: "man ls through less: page down, q",
			argv: []string{"man", "ls"},
			env:  []string{"MANPAGER=less", "PAGER=less", "LESS=", "MAN_KEEP_FORMATTING=1"},
			steps: []step{
				{send: " ", mark: "page-1"},
				{send: "q"},
			},
		},
		{
			name: "man-120", cols: 120, rows: 40,
			desc: "man ls through less at 120x40: page down, q",
			argv: []string{"man", "ls"},
			env:  []string{"MANPAGER=less", "PAGER=less", "LESS="},
			steps: []step{
				{send: " ", mark: "page-1"},
				{send: "q"},
			},
		},
		{
			name: "git-log", cols: 80, rows: 24,
			desc:  "git log --graph --color --oneline --all on a repo with branches and merges, no pager",
			argv:  []string{"git", "--no-pager", "log", "--graph", "--color", "--oneline", "--all", "--decorate"},
			env:   []string{"GIT_CONFIG_NOSYSTEM=1"},
			setup: gitRepo,
		},
		{
			name: "git-log-less", cols: 80, rows: 24,
			desc:  "git log --graph --color --oneline --all through less -R: page down, q",
			argv:  []string{"git", "-c", "core.pager=less -R", "log", "--graph", "--color", "--oneline", "--all", "--decorate"},
			env:   []string{"GIT_CONFIG_NOSYSTEM=1", "LESS="},
			setup: gitRepo,
			steps: []step{
				{send: " ", mark: "page-1"},
				{send: "q"},
			},
		},
		{
			name: "ls-color", cols: 80, rows: 24,
			desc:  "ls -la --color=always on a generated directory of 70 entries of every file type (dirs, executables, symlinks, broken links, fifo, setuid, sticky, archives, images), head -60, then ls -F in columns; scrolls off the top",
			argv:  []string{"sh", "-c", "ls -la --color=always tree | head -60; ls --color=always -F tree"},
			setup: lsTree,
		},
		{
			name: "unicode-wrap", cols: 80, rows: 24,
			desc: "printf of a 500+ column line mixing CJK, emoji with skin tone, flags, ZWJ sequences, combining marks, VS16, fullwidth and halfwidth forms; wide characters and combining marks at the right margin",
			argv: append([]string{"printf", "%s\\n"}, ul...),
		},
		{
			name: "prompt-colors", cols: 80, rows: 24,
			desc:  "bash --norc with a PS1 using SGR 256 and truecolor colours, a few commands, scrolling output, clear, more commands, exit",
			argv:  []string{"bash", "--norc", "--noprofile", "-i"},
			env:   []string{"PS1=$ "},
			setup: lsTree,
			steps: []step{
				{send: `PS1='\[\e[38;5;39m\]linger\[\e[0m\]:\[\e[1;38;2;255;135;0m\]\W\[\e[0m\]\$ '` + "\r", mark: "ps1"},
				{send: "echo hello $((6*7))\r", mark: "echo"},
				{send: `printf '\e[1;31mbold red\e[0m \e[48;5;22m 256 bg \e[0m \e[38;2;10;200;250mtruecolor\e[0m \e[3;4mitalic-ul\e[0m\n'` + "\r", mark: "printf"},
				{send: "seq 1 30\r", mark: "seq"},
				{send: "clear\r", mark: "clear"},
				{send: "echo after clear; ls -a --color=always tree/dir1\r", mark: "after-clear"},
				{send: "echo 'a long command line that is long enough to wrap past the right margin of the 80 column terminal' | wc -c\r", mark: "wrap"},
				{send: "exit\r"},
			},
		},
		{
			name: "scroll-region", cols: 80, rows: 24,
			desc:  "escape-sequence script: DECSTBM 5;20, LF scrolling inside the region, IL/DL, RI at the top margin, origin mode, SU/SD, DECSC/DECRC, ICH/DCH/ECH, IRM, reset, bare LF with onlcr off, tabs, BCE",
			argv:  []string{"sh", "./scroll-region.sh"},
			setup: func(dir string) error { return writeScript(dir, "scroll-region.sh", scrollRegionScript) },
		},
		{
			name: "altscreen-tui", cols: 80, rows: 24,
			desc:  "escape-sequence script: alternate screen 1049, cursor hidden, bracketed paste and mouse (1000/1006) on, DEC line-drawing boxes (ESC ( 0 and SO/SI), colours and attributes, BCE status bar; a key leaves the alternate screen",
			argv:  []string{"sh", "./altscreen.sh"},
			setup: func(dir string) error { return writeScript(dir, "altscreen.sh", altScreenScript) },
			steps: []step{
				{send: "", mark: "drawn", noOutput: true},
				{send: "x\r"},
			},
		},
	}
}
