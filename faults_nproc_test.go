package main

// End-to-end test of a session whose program cannot be forked: the user's
// process limit (ulimit -u, RLIMIT_NPROC) is reached. Root is exempt from
// that limit, so the server runs as an otherwise unused uid, and its limit
// is set to exactly the number of processes and threads that uid runs.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// uidTasks counts the tasks (processes and their threads) whose real uid is
// uid, as RLIMIT_NPROC does, and the processes among them.
func uidTasks(uid int) (tasks, procs int) {
	ents, _ := os.ReadDir("/proc")
	want := strconv.Itoa(uid)
	for _, ent := range ents {
		if _, err := strconv.Atoi(ent.Name()); err != nil {
			continue
		}
		status := readFileString("/proc/" + ent.Name() + "/status")
		var real string
		threads := 0
		for _, line := range strings.Split(status, "\n") {
			if rest, ok := strings.CutPrefix(line, "Uid:"); ok {
				if f := strings.Fields(rest); len(f) > 0 {
					real = f[0]
				}
			}
			if rest, ok := strings.CutPrefix(line, "Threads:"); ok {
				threads, _ = strconv.Atoi(strings.TrimSpace(rest))
			}
		}
		if real == want && threads > 0 {
			tasks += threads
			procs++
		}
	}
	return tasks, procs
}

// unusedUID picks a uid that runs nothing, so that its task count is ours
// alone (chosen by pid, so concurrent test binaries pick different ones).
func unusedUID(t *testing.T) int {
	t.Helper()
	base := 1_000_000 + os.Getpid()%1_000_000*10
	for uid := base; uid < base+10; uid++ {
		if n, _ := uidTasks(uid); n == 0 {
			return uid
		}
	}
	t.Skipf("no unused uid in %d..%d", base, base+9)
	return 0
}

// asUser runs the binary as uid, on e's socket, in e's environment.
type asUser struct {
	t            *testing.T
	e            *env
	setpriv, bin string
	uid          int
	serverPid    int
	serverStderr *syncBuffer
	serverDone   chan struct{}
}

// newAsUser gives e's directory to a fresh unused uid and starts a server
// as that uid in the foreground. It skips unless root with setpriv.
func newAsUser(t *testing.T, e *env) *asUser {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root to run the server as another uid (setpriv)")
	}
	setpriv, err := exec.LookPath("setpriv")
	if err != nil {
		t.Skip("setpriv not installed")
	}
	u := &asUser{t: t, e: e, setpriv: setpriv, bin: binForAll(t), uid: unusedUID(t)}
	if p := filepath.Dir(e.Dir); p != os.TempDir() && p != "/" {
		if err := os.Chmod(p, 0o755); err != nil { // t.TempDir's parent is 0700
			t.Fatal(err)
		}
	}
	err = filepath.WalkDir(e.Dir, func(path string, _ fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(path, u.uid, u.uid)
	})
	if err != nil {
		t.Fatal(err)
	}
	e.Env = overlayEnv(e.Env, []string{"PATH=" + filepath.Dir(u.bin) + ":/usr/bin:/bin"})

	c, stderr, done := startServerCmd(t, e, u.argv(u.bin, "-S", e.Sock, "server"))
	u.serverPid, u.serverStderr, u.serverDone = c.Process.Pid, stderr, done
	// Stop it as its own uid (root's client refuses a socket directory owned
	// by another uid); this runs before e's cleanup, which kills leftovers.
	t.Cleanup(func() {
		if u.serverAlive() {
			u.exec("server", "stop")
			select {
			case <-done:
			case <-time.After(harnessWait):
			}
		}
	})
	poll(t, "the server of uid "+strconv.Itoa(u.uid)+" to answer", harnessWait, func() bool {
		if !u.serverAlive() {
			t.Fatalf("the server of uid %d exited: %v\n%s", u.uid, c.ProcessState, stderr.String())
		}
		return strings.Contains(stderr.String(), "listening on") && u.run("ls", "--json").Stdout == "[]\n"
	})
	return u
}

// argv is argv run as u's uid and gid, with no supplementary groups.
func (u *asUser) argv(argv ...string) []string {
	id := strconv.Itoa(u.uid)
	return append([]string{u.setpriv, "--reuid=" + id, "--regid=" + id, "--clear-groups"}, argv...)
}

func (u *asUser) serverAlive() bool {
	select {
	case <-u.serverDone:
		return false
	default:
		return true
	}
}

// exec runs `linger -S sock args...` as u, bounded; safe in goroutines.
func (u *asUser) exec(args ...string) (result, error) {
	ctx, cancel := context.WithTimeout(context.Background(), harnessRunTimeout)
	defer cancel()
	argv := u.argv(append([]string{u.bin, "-S", u.e.Sock}, args...)...)
	c := exec.CommandContext(ctx, argv[0], argv[1:]...)
	c.Env, c.Dir = u.e.Env, u.e.Home
	var stdout, stderr bytes.Buffer
	c.Stdout, c.Stderr = &stdout, &stderr
	c.WaitDelay = 3 * time.Second
	err := c.Run()
	r := result{Stdout: stdout.String(), Stderr: stderr.String(), Code: -1}
	if c.ProcessState != nil {
		r.Code = c.ProcessState.ExitCode()
	}
	if ctx.Err() != nil {
		return r, fmt.Errorf("linger %q as uid %d did not finish within %v", args, u.uid, harnessRunTimeout)
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		err = nil
	}
	return r, err
}

func (u *asUser) run(args ...string) result {
	u.t.Helper()
	r, err := u.exec(args...)
	if err != nil {
		u.t.Fatalf("%v\n%v", err, r)
	}
	return r
}

func (u *asUser) ls() []map[string]any {
	u.t.Helper()
	r := u.run("ls", "--json")
	var list []map[string]any
	if err := json.Unmarshal([]byte(r.Stdout), &list); r.Code != 0 || err != nil {
		u.t.Fatalf("ls --json as uid %d: %v\n%v", u.uid, err, r)
	}
	return list
}

func (u *asUser) names() string {
	u.t.Helper()
	var names []string
	for _, s := range u.ls() {
		n, _ := s["name"].(string)
		names = append(names, n)
	}
	return strings.Join(names, ",")
}

// nproc sets the soft RLIMIT_NPROC of the server. As the server's own uid:
// this root lacks CAP_SYS_RESOURCE, which another uid's process would need.
func (u *asUser) nproc(soft int) {
	u.t.Helper()
	prlimit, err := exec.LookPath("prlimit")
	if err != nil {
		u.t.Skip("prlimit (util-linux) not installed")
	}
	argv := u.argv(prlimit, "--pid", strconv.Itoa(u.serverPid), "--nproc="+strconv.Itoa(soft)+":")
	if out, err := exec.Command(argv[0], argv[1:]...).CombinedOutput(); err != nil {
		u.t.Fatalf("%q: %v\n%s", argv, err, out)
	}
	for _, line := range strings.Split(readFileString("/proc/"+strconv.Itoa(u.serverPid)+"/limits"), "\n") {
		if rest, ok := strings.CutPrefix(line, "Max processes"); ok {
			if f := strings.Fields(rest); len(f) < 1 || f[0] != strconv.Itoa(soft) {
				u.t.Fatalf("server's process limit: %q, want soft %d", line, soft)
			}
			return
		}
	}
	u.t.Fatalf("no \"Max processes\" in the server's limits")
}

func TestFaultForkFails(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	u := newAsUser(t, e)
	for _, n := range []string{"keep", "a", "b"} {
		if r := u.run("new", "-d", n, "--", "sleep", "1000"); r.Code != 0 || r.Stdout != n+"\n" {
			t.Fatalf("new -d %s as uid %d\n%v", n, u.uid, r)
		}
	}
	pids := map[string]int{}
	for _, s := range u.ls() {
		pid, _ := s["pid"].(float64)
		pids[s["name"].(string)] = int(pid)
	}

	// The limit is what the uid runs now (the server's threads and the
	// sleeps), and nothing of it ends: every fork by the server fails (the
	// client, run as the uid too, only adds to the count).
	limit, procs := uidTasks(u.uid)
	if procs != 4 {
		t.Fatalf("uid %d runs %d processes, want 4 (the server and three sessions)", u.uid, procs)
	}
	u.nproc(limit)
	wantAt := func(limit int) string {
		return fmt.Sprintf("linger: cannot start \"sleep\": too many processes (raise the limit with ulimit -u, now %d)\n", limit)
	}
	want := wantAt(limit)
	r := u.run("new", "-d", "x", "--", "sleep", "1000")
	if r.Code != 1 || r.Stdout != "" || r.Stderr != want {
		t.Errorf("new -d x at the process limit: want exit 1 and %q\n%v", want, r)
	}
	if got := u.names(); got != "keep,a,b" {
		t.Errorf("sessions after the failed new = %q, want keep,a,b", got)
	}
	if _, p := uidTasks(u.uid); p != 4 {
		t.Errorf("uid %d runs %d processes after the failed new, want 4", u.uid, p)
	}
	if r := u.run("ls"); r.Code != 0 || len(tableRows(r.Stdout)) != 4 {
		t.Errorf("ls at the process limit\n%v", r)
	}

	// Sessions end at the limit: a kill wakes timers, the reaper and the
	// session's goroutines, and the runtime may want a thread for them.
	for _, name := range []string{"a", "b"} {
		if r := u.run("kill", name); r.Code != 0 {
			t.Fatalf("kill %s\n%v", name, r)
		}
		waitGone(t, pids[name], harnessWait, "killed session "+name)
	}
	// Back at the limit, many clients at once, then many in a row: the
	// server keeps going though it cannot start a thread either (the Go
	// runtime aborts the whole process when it needs one and cannot have
	// it; without threads in reserve this failed about one run in four).
	limit, _ = uidTasks(u.uid)
	u.nproc(limit)
	want = wantAt(limit)
	const n = 12
	var wg sync.WaitGroup
	news, lss := make([]result, n), make([]result, n)
	errs := make([]error, 2*n)
	for i := 0; i < n; i++ {
		wg.Add(2)
		go func() {
			defer wg.Done()
			news[i], errs[i] = u.exec("new", "-d", "c"+strconv.Itoa(i), "--", "sleep", "1000")
		}()
		go func() {
			defer wg.Done()
			lss[i], errs[n+i] = u.exec("ls", "--json")
		}()
	}
	wg.Wait()
	if !u.serverAlive() {
		t.Fatalf("the server died at the process limit\n%s", u.serverStderr.String())
	}
	for i := 0; i < n; i++ {
		if errs[i] != nil || news[i].Code != 1 || news[i].Stderr != want {
			t.Errorf("concurrent new %d at the limit: %v, want exit 1 and %q\n%v", i, errs[i], want, news[i])
		}
		if errs[n+i] != nil || lss[i].Code != 0 {
			t.Errorf("concurrent ls %d at the limit: %v\n%v", i, errs[n+i], lss[i])
		}
	}
	if got := u.names(); got != "keep" {
		t.Errorf("sessions after the concurrent failed news = %q, want keep", got)
	}
	for i := 0; i < 100; i++ {
		if r := u.run("new", "-d", "s", "--", "sleep", "1000"); r.Code != 1 || r.Stderr != want {
			t.Fatalf("sequential new %d at the limit: want exit 1 and %q\n%v\n%s", i, want, r, u.serverStderr.String())
		}
	}

	// Room again. Not by the two freed slots alone: each client run as the
	// uid counts too, with however many threads its runtime starts.
	u.nproc(limit + 64)
	if r := u.run("new", "-d", "again", "--", "sleep", "1000"); r.Code != 0 || r.Stdout != "again\n" {
		t.Errorf("new -d again once the limit allows\n%v", r)
	}
	if got := u.names(); got != "keep,again" {
		t.Errorf("sessions = %q, want keep,again", got)
	}
	if !u.serverAlive() {
		t.Fatalf("the server exited\n%s", u.serverStderr.String())
	}
	if p := theServer(t, e); p != u.serverPid {
		t.Errorf("server pid %d, want the same %d", p, u.serverPid)
	}
	log := u.serverStderr.String()
	noPanic(t, "server stderr", log)
	if regexp.MustCompile(`session (x|s|c\d+) `).MatchString(log) {
		t.Errorf("the log mentions a session that did not start:\n%s", log)
	}
}
