package main

// Process bookkeeping. The harness makes itself a child subreaper, so the
// daemons that tools fork off (tmux and linger servers, SCREEN and dtach
// masters) are re-parented to it instead of to init: every process of the
// run stays in the harness's subtree, where it can be measured (PSS) and
// killed by pid. Nothing is ever killed by name.

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// proc is one entry of the process table.
type proc struct {
	pid, ppid int
	state     byte // R, S, Z, ...
	comm      string
}

// readStat parses /proc/PID/stat: "pid (comm) state ppid ...", where comm
// may itself contain spaces and parentheses.
func readStat(pid int) (proc, bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return proc{}, false
	}
	open, end := bytes.IndexByte(b, '('), bytes.LastIndexByte(b, ')')
	if open < 0 || end < open || end+4 > len(b) {
		return proc{}, false
	}
	f := strings.Fields(string(b[end+2:]))
	if len(f) < 2 {
		return proc{}, false
	}
	ppid, _ := strconv.Atoi(f[1])
	return proc{pid: pid, ppid: ppid, state: f[0][0], comm: string(b[open+1 : end])}, true
}

// descendants lists every process below root (not root itself), zombies
// included.
func descendants(root int) []proc {
	d, err := os.Open("/proc")
	if err != nil {
		return nil
	}
	names, _ := d.Readdirnames(-1)
	d.Close()
	children := map[int][]proc{}
	for _, n := range names {
		pid, err := strconv.Atoi(n)
		if err != nil {
			continue
		}
		if p, ok := readStat(pid); ok {
			children[p.ppid] = append(children[p.ppid], p)
		}
	}
	var out []proc
	queue := []int{root}
	for len(queue) > 0 {
		pid := queue[0]
		queue = queue[1:]
		for _, c := range children[pid] {
			out = append(out, c)
			queue = append(queue, c.pid)
		}
	}
	return out
}

// cpuTicks is the CPU time (user+system, clock ticks) pid has used.
func cpuTicks(pid int) int64 {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0
	}
	end := bytes.LastIndexByte(b, ')')
	if end < 0 || end+2 > len(b) {
		return 0
	}
	f := strings.Fields(string(b[end+2:]))
	if len(f) < 13 {
		return 0
	}
	u, _ := strconv.ParseInt(f[11], 10, 64)
	s, _ := strconv.ParseInt(f[12], 10, 64)
	return u + s
}

// settle waits (at most limit) until the processes below the harness have
// used no CPU for two consecutive 50 ms looks: sessions just created (their
// servers and programs starting up) must not run during a timed attach.
func settle(limit time.Duration) bool {
	total := func() int64 {
		var n int64
		for _, p := range descendants(os.Getpid()) {
			if p.state != 'Z' {
				n += cpuTicks(p.pid)
			}
		}
		return n
	}
	last, still := total(), 0
	return poll(limit, 50*time.Millisecond, func() bool {
		now := total()
		if now == last {
			still++
		} else {
			still = 0
		}
		last = now
		return still >= 2
	})
}

// exeOf is the resolved executable of pid ("" if gone or unreadable).
func exeOf(pid int) string {
	s, err := os.Readlink("/proc/" + strconv.Itoa(pid) + "/exe")
	if err != nil {
		return ""
	}
	return strings.TrimSuffix(s, " (deleted)")
}

// mem is a process's memory in KiB, from /proc/PID/smaps_rollup. PSS
// splits shared pages between the processes mapping them; fileKiB is the
// part of it backed by files (the program's own binary and libraries: a
// Go server maps most of its 4-5 MB binary), the rest is anonymous (heap,
// stacks, runtime data).
type mem struct {
	pssKiB, fileKiB, rssKiB int64
	fileKnown               bool // the kernel reports Pss_File (older ones do not)
}

func (m *mem) add(o mem) {
	m.pssKiB += o.pssKiB
	m.fileKiB += o.fileKiB
	m.rssKiB += o.rssKiB
	m.fileKnown = m.fileKnown || o.fileKnown
}

// memOf reads pid's smaps_rollup.
func memOf(pid int) (m mem, ok bool) {
	f, err := os.Open("/proc/" + strconv.Itoa(pid) + "/smaps_rollup")
	if err != nil {
		return m, false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, found := strings.Cut(sc.Text(), ":")
		if !found {
			continue
		}
		var dst *int64
		switch k {
		case "Pss":
			dst = &m.pssKiB
		case "Pss_File":
			dst, m.fileKnown = &m.fileKiB, true
		case "Rss":
			dst = &m.rssKiB
		default:
			continue
		}
		if f := strings.Fields(v); len(f) >= 1 {
			*dst, _ = strconv.ParseInt(f[0], 10, 64)
		}
	}
	return m, true
}

// memSum adds up the memory of pids.
func memSum(pids []int) (m mem) {
	for _, p := range pids {
		o, _ := memOf(p)
		m.add(o)
	}
	return m
}

// procTable knows which of the harness's children were started through
// exec.Cmd (their Wait reaps them) so that the orphan reaper never steals
// their exit status.
type procTable struct {
	mu      sync.Mutex
	live    map[int]bool
	closing bool // shutting down: start nothing new
}

var errClosing = errors.New("the harness is shutting down")

// shutdown makes every later start fail, so nothing escapes the final
// cleanup while the tests' goroutine is still running.
func (pt *procTable) shutdown() {
	pt.mu.Lock()
	pt.closing = true
	pt.mu.Unlock()
}

func newProcTable() *procTable { return &procTable{live: map[int]bool{}} }

// start starts cmd and records it as ours.
func (pt *procTable) start(cmd *exec.Cmd) error {
	pt.mu.Lock()
	defer pt.mu.Unlock()
	if pt.closing {
		return errClosing
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	pt.live[cmd.Process.Pid] = true
	return nil
}

// wait waits for cmd and forgets it.
func (pt *procTable) wait(cmd *exec.Cmd) error {
	err := cmd.Wait()
	pt.mu.Lock()
	delete(pt.live, cmd.Process.Pid)
	pt.mu.Unlock()
	return err
}

// reapOrphans collects zombie children that exec.Cmd does not own: daemons
// re-parented to us that have exited.
func (pt *procTable) reapOrphans() {
	pt.mu.Lock()
	defer pt.mu.Unlock()
	self := os.Getpid()
	for _, p := range descendants(self) {
		if p.ppid == self && p.state == 'Z' && !pt.live[p.pid] {
			var ws unix.WaitStatus
			unix.Wait4(p.pid, &ws, unix.WNOHANG, nil)
		}
	}
}

// killDescendants ends every process below the harness: SIGTERM, a bounded
// wait, then SIGKILL; zombies re-parented to us are reaped.
func (pt *procTable) killDescendants(grace time.Duration) {
	self := os.Getpid()
	alive := func() []proc {
		var out []proc
		for _, p := range descendants(self) {
			if p.state != 'Z' {
				out = append(out, p)
			}
		}
		return out
	}
	ps := alive()
	for _, p := range ps {
		syscall.Kill(p.pid, syscall.SIGTERM)
	}
	if len(ps) > 0 {
		poll(grace, 20*time.Millisecond, func() bool {
			pt.reapOrphans()
			return len(alive()) == 0
		})
	}
	for round := 0; round < 20; round++ {
		ps = alive()
		if len(ps) == 0 {
			break
		}
		for _, p := range ps {
			syscall.Kill(p.pid, syscall.SIGKILL)
		}
		poll(time.Second, 10*time.Millisecond, func() bool {
			pt.reapOrphans()
			return len(alive()) == 0
		})
	}
	pt.reapOrphans()
}

// toolPids lists the live processes below the harness whose executable is
// exe, minus those in exclude (clients the harness started itself).
func toolPids(exe string, exclude map[int]bool) []int {
	var out []int
	for _, p := range descendants(os.Getpid()) {
		if p.state == 'Z' || exclude[p.pid] {
			continue
		}
		if exeOf(p.pid) == exe {
			out = append(out, p.pid)
		}
	}
	return out
}

// settledPids is toolPids once no process of exe is the child of another:
// a server that has forked for a new session but not yet executed the
// session's program would otherwise be counted twice (bounded wait).
func settledPids(exe string, exclude map[int]bool) []int {
	var pids []int
	poll(3*time.Second, 10*time.Millisecond, func() bool {
		pids = toolPids(exe, exclude)
		in := map[int]bool{}
		for _, p := range pids {
			in[p] = true
		}
		for _, p := range pids {
			if st, ok := readStat(p); ok && in[st.ppid] {
				return false
			}
		}
		return true
	})
	return pids
}

// setSubreaper keeps orphaned descendants in our subtree.
func setSubreaper() error {
	if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
		return fmt.Errorf("cannot become a child subreaper (%v)", err)
	}
	return nil
}

// ptysFree is how many more ptys the kernel will hand out (kernel.pty.max
// minus those in use), or -1 if unknown.
func ptysFree() int {
	read := func(name string) int {
		b, err := os.ReadFile(filepath.Join("/proc/sys/kernel/pty", name))
		if err != nil {
			return -1
		}
		n, err := strconv.Atoi(strings.TrimSpace(string(b)))
		if err != nil {
			return -1
		}
		return n
	}
	mx, nr := read("max"), read("nr")
	if mx < 0 || nr < 0 {
		return -1
	}
	return mx - nr
}

// poll calls cond every interval until it is true or timeout passes; it
// reports whether cond became true.
func poll(timeout, interval time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(timeout)
	for {
		if cond() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(interval)
	}
}
