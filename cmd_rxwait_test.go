package main

// receive and wait over a connection that breaks (client/receive.go,
// client/wait.go; the loop is client/reconnect.go's redial): through the
// real sshd behind the fault proxy, receive -f resumes exactly, and wait
// follows PowerShell's Wait-Job (exit 3 when it cannot reconnect; --force
// waits through the outage).

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"linger/socket"
)

// lockedBuffer is a bytes.Buffer a process writes while the test reads.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// bgRun is the binary running in the background: stdout to a file (or a
// buffer), stderr kept, its result on done once it exits.
type bgRun struct {
	cmd    *exec.Cmd
	stderr *lockedBuffer
	stdout *lockedBuffer // nil when stdout is a file
	done   chan result
}

// rxStart starts linger args with e's environment plus extraEnv; stdout
// goes to out ("" keeps it in a buffer).
func rxStart(t *testing.T, e *env, out string, extraEnv []string, args ...string) *bgRun {
	t.Helper()
	needBinary(t)
	b := &bgRun{cmd: exec.Command(e.Bin, args...), stderr: &lockedBuffer{}, done: make(chan result, 1)}
	b.cmd.Env = overlayEnv(e.Env, extraEnv)
	b.cmd.Dir = e.Home
	b.cmd.Stderr = b.stderr
	if out != "" {
		f, err := os.Create(out)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		b.cmd.Stdout = f
	} else {
		b.stdout = &lockedBuffer{}
		b.cmd.Stdout = b.stdout
	}
	if err := b.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	e.track(func() { b.cmd.Process.Kill() })
	go func() {
		b.cmd.Wait()
		r := result{Stderr: b.stderr.String(), Code: b.cmd.ProcessState.ExitCode()}
		if b.stdout != nil {
			r.Stdout = b.stdout.String()
		}
		b.done <- r
	}()
	return b
}

// result waits up to d for the process to exit.
func (b *bgRun) result(t *testing.T, d time.Duration) result {
	t.Helper()
	select {
	case r := <-b.done:
		return r
	case <-time.After(d):
		b.cmd.Process.Kill()
		t.Fatalf("%q still runs after %v; stderr:\n%s", b.cmd.Args, d, b.stderr.String())
	}
	return result{}
}

// exited reports whether the process has exited (its result stays on
// done).
func (b *bgRun) exited() bool {
	select {
	case r := <-b.done:
		b.done <- r
		return true
	default:
		return false
	}
}

// rxSetup starts the env's server (heartbeat 300ms) and returns the sshd
// behind a fault proxy: its ssh URL, the proxy, and ssh's environment.
func rxSetup(t *testing.T, config string) (*env, string, *faultProxy, string) {
	t.Helper()
	e := newEnv(t)
	e.WriteConfig("[server]\nheartbeat = \"300ms\"\n" + config)
	s := startSSHD(t, e)
	alias, p := s.ViaProxy(t, "proxied")
	return e, "ssh://" + alias, p, s.Env
}

// rxConnected waits until n relayed connections are up (their remote
// dial-stdio runs), then a little more for their requests to arrive:
// the client sends its request right after the relay's banner.
func rxConnected(t *testing.T, e *env, n int, runs ...*bgRun) {
	t.Helper()
	poll(t, fmt.Sprintf("%d relayed connections", n), harnessWait, func() bool { return len(rcRelays(e)) == n })
	if pollQuiet(500*time.Millisecond, func() bool {
		for _, b := range runs {
			if b.exited() {
				return true
			}
		}
		return false
	}) {
		t.Fatalf("a client ended while connected")
	}
}

// receive -f of a deterministic generator (numbered lines, 3.7MB, in four
// parts) into a file, through a slowed link so that the drops come while
// output streams: across a reset of the connection while the generator
// waits, a reset while output streams, and a killed ssh while output
// streams, the file's hash is the generator's. stderr says it reconnected.
func TestReceiveFollowResumesAcrossDrops(t *testing.T) {
	e, host, p, sshEnv := rxSetup(t, "")
	const n, step = 100000, 25000
	line := func(i int) string { return fmt.Sprintf("L%07d abcdefghijklmnopqrstuvwxyz\r\n", i) }
	gen := fmt.Sprintf(`awk 'BEGIN{for(i=1;i<=%d;i++){printf "L%%07d abcdefghijklmnopqrstuvwxyz\n", i; if(i%%%d==0 && i<%d){fflush(); system("while [ ! -e %s/go" i/%d " ]; do sleep 0.05; done")}}}'`,
		n, step, n, e.Dir, step)
	if r := e.Run("new", "-d", "gen", "--", "sh", "-c", gen); r.Code != 0 {
		t.Fatalf("new -d gen: %v", r)
	}
	var want bytes.Buffer
	for i := 1; i <= n; i++ {
		want.WriteString(line(i))
	}
	out := filepath.Join(e.Dir, "received.out")
	size := func() int64 {
		st, err := os.Stat(out)
		if err != nil {
			return 0
		}
		return st.Size()
	}
	p.Slow(0, 1<<20) // ~1 MB/s: each part takes about a second to pass
	rx := rxStart(t, e, out, []string{sshEnv}, "-H", host, "receive", "-f", "gen")
	partLen := int64(len(line(1))) * step
	drops := 0
	drop := func(k int, how func()) {
		t.Helper()
		how()
		drops++
		poll(t, fmt.Sprintf("reconnect %d", k), 30*time.Second, func() bool {
			return strings.Count(rx.stderr.String(), "reconnected to") == drops
		})
	}
	for k := 1; k <= 3; k++ {
		goFile := filepath.Join(e.Dir, fmt.Sprintf("go%d", k))
		poll(t, fmt.Sprintf("part %d received", k), 30*time.Second, func() bool { return size() >= int64(k)*partLen })
		switch k {
		case 1: // while the generator waits
			drop(k, p.Reset)
			os.WriteFile(goFile, nil, 0o600)
		case 2: // while output streams
			os.WriteFile(goFile, nil, 0o600)
			poll(t, "output streaming", 30*time.Second, func() bool { return size() > int64(k)*partLen+4096 })
			drop(k, p.Reset)
		case 3: // ssh killed while output streams
			os.WriteFile(goFile, nil, 0o600)
			poll(t, "output streaming", 30*time.Second, func() bool { return size() > int64(k)*partLen+4096 })
			drop(k, func() {
				ssh := rcChild(rx.cmd.Process.Pid, "dial-stdio")
				if ssh == 0 {
					t.Fatalf("no ssh under receive -f")
				}
				syscall.Kill(ssh, syscall.SIGKILL)
			})
		}
		if s := size(); s >= int64(k+1)*partLen {
			t.Logf("drop %d came after part %d had passed (%d bytes)", k, k+1, s)
		}
	}
	r := rx.result(t, 60*time.Second)
	if r.Code != 0 {
		t.Errorf("receive -f: %v, want exit 0 (the generator's)", r)
	}
	got, _ := os.ReadFile(out)
	if sha256.Sum256(got) != sha256.Sum256(want.Bytes()) {
		i := 0
		for i < min(len(got), want.Len()) && got[i] == want.Bytes()[i] {
			i++
		}
		t.Fatalf("received %d bytes, want %d; they differ from byte %d: got %q, want %q", len(got), want.Len(), i,
			got[i:min(i+80, len(got))], want.Bytes()[i:min(i+80, want.Len())])
	}
	if c := strings.Count(r.Stderr, "reconnected to "+host); c != 3 {
		t.Errorf("stderr says it reconnected %d times, want 3:\n%s", c, r.Stderr)
	}
}

// wait during an outage longer than its reconnect timeout ends with exit
// status 3 and one line naming the session, still running, disconnected,
// and the host; the session runs on. A bad --reconnect-timeout is a usage
// error.
func TestWaitDisconnectedExits3(t *testing.T) {
	e, host, p, sshEnv := rxSetup(t, "")
	if r := e.RunEnv([]string{sshEnv}, "-H", host, "wait", "--reconnect-timeout", "soon", "w"); r.Code != 2 || !strings.Contains(r.Stderr, "--reconnect-timeout") {
		t.Errorf("bad --reconnect-timeout: %v, want a usage error", r)
	}
	if r := e.Run("new", "-d", "w", "--", "sleep", "1000"); r.Code != 0 {
		t.Fatalf("new -d w: %v", r)
	}
	w := rxStart(t, e, "", []string{sshEnv}, "-H", host, "wait", "--reconnect-timeout", "2s", "w")
	rxConnected(t, e, 1, w)
	p.Refuse(time.Minute)
	p.Reset()
	start := time.Now()
	r := w.result(t, 30*time.Second)
	if r.Code != 3 {
		t.Fatalf("wait through a long outage: %v, want exit 3", r)
	}
	if el := time.Since(start); el < 2*time.Second {
		t.Errorf("gave up after %v, before its 2s", el)
	}
	last := strings.TrimSpace(r.Stderr)
	last = last[strings.LastIndex(last, "\n")+1:]
	for _, s := range []string{"linger: wait: lost connection to " + host, "within 2s", "session w is still running on " + host + ", disconnected", "--force"} {
		if !strings.Contains(last, s) {
			t.Errorf("last line %q does not say %q", last, s)
		}
	}
	if s := naSession(naLsJSON(t, e), "w"); s == nil || s.State == "Closed" {
		t.Errorf("session w after the wait gave up: %+v, want it running", s)
	}
}

// wait --force keeps reconnecting past its reconnect timeout, and once
// the network is back returns the status of the command, which ended
// during the outage.
func TestWaitForceWaitsThroughOutage(t *testing.T) {
	e, host, p, sshEnv := rxSetup(t, "")
	end := filepath.Join(e.Dir, "end")
	if r := e.Run("new", "-d", "w", "--", "sh", "-c", fmt.Sprintf("while [ ! -e %s ]; do sleep 0.05; done; exit 7", end)); r.Code != 0 {
		t.Fatalf("new -d w: %v", r)
	}
	w := rxStart(t, e, "", []string{sshEnv}, "-H", host, "wait", "--force", "--reconnect-timeout", "1s", "w")
	rxConnected(t, e, 1, w)
	p.Refuse(time.Minute)
	p.Reset()
	// past its reconnect timeout, it still tries
	poll(t, "attempt 3", 30*time.Second, func() bool { return strings.Contains(w.stderr.String(), "(attempt 3,") })
	if pollQuiet(time.Second, w.exited) {
		r := w.result(t, 0)
		t.Fatalf("wait --force ended during the outage: %v", r)
	}
	os.WriteFile(end, nil, 0o600)
	naWaitSession(t, e, "w", "Closed", func(s *socket.SessionInfo) bool { return s.State == "Closed" })
	p.Refuse(0)
	r := w.result(t, 30*time.Second)
	if r.Code != 7 {
		t.Errorf("wait --force: %v, want exit 7 (the command's)", r)
	}
	if !strings.Contains(r.Stderr, "reconnected to "+host) {
		t.Errorf("stderr does not say it reconnected:\n%s", r.Stderr)
	}
}

// The reconnect timeout in force: --reconnect-timeout beats the host
// entry's reconnect_timeout, which beats [client]'s (the line wait ends
// with names it, and the host as the user named it).
func TestReconnectTimeoutPrecedence(t *testing.T) {
	e, host, p, sshEnv := rxSetup(t, "[client]\nreconnect_timeout = \"3s\"\n\n[hosts.flaky]\nurl = \""+"ssh://proxied"+"\"\nreconnect_timeout = \"1s\"\n")
	if r := e.Run("new", "-d", "w", "--", "sleep", "1000"); r.Code != 0 {
		t.Fatalf("new -d w: %v", r)
	}
	runs := map[string]*bgRun{
		"within 3s": rxStart(t, e, "", []string{sshEnv}, "-H", host, "wait", "w"),
		"within 1s": rxStart(t, e, "", []string{sshEnv}, "-H", "flaky", "wait", "w"),
		"within 2s": rxStart(t, e, "", []string{sshEnv}, "-H", "flaky", "wait", "--reconnect-timeout", "2s", "w"),
	}
	var all []*bgRun
	for _, b := range runs {
		all = append(all, b)
	}
	rxConnected(t, e, 3, all...)
	p.Refuse(time.Minute)
	p.Reset()
	for want, b := range runs {
		r := b.result(t, 30*time.Second)
		if r.Code != 3 || !strings.Contains(r.Stderr, want) {
			t.Errorf("%q: %v, want exit 3 and %q", b.cmd.Args, r, want)
		}
		again := "'linger -H " + host + " wait w'"
		if b.cmd.Args[2] == "flaky" {
			again = "'linger -H flaky wait w'"
		}
		if !strings.Contains(r.Stderr, "still running on "+b.cmd.Args[2]+", disconnected: "+again) {
			t.Errorf("%q: the line does not name the host as given: %s", b.cmd.Args, r.Stderr)
		}
	}
}

// A blackholed network (nothing moves, nothing closes): wait finds the
// silence by heartbeats, and its reconnect attempts hang in the blackhole
// too; it still gives up when its reconnect timeout is up (exit 3), not
// when a hanging attempt would time out.
func TestWaitBlackholeGivesUpInTime(t *testing.T) {
	e, host, p, sshEnv := rxSetup(t, "")
	if r := e.Run("new", "-d", "w", "--", "sleep", "1000"); r.Code != 0 {
		t.Fatalf("new -d w: %v", r)
	}
	w := rxStart(t, e, "", []string{sshEnv}, "-H", host, "wait", "--reconnect-timeout", "2s", "w")
	rxConnected(t, e, 1, w)
	p.Blackhole()
	start := time.Now()
	r := w.result(t, 30*time.Second)
	if r.Code != 3 || !strings.Contains(r.Stderr, "session w is still running on "+host+", disconnected") {
		t.Fatalf("wait through a blackhole: %v, want exit 3 and the line", r)
	}
	if el, most := time.Since(start), 3*hbInterval+2*time.Second+hbMargin; el > most {
		t.Errorf("gave up %v after the blackhole, want at most %v", el, most)
	}
	t.Logf("stderr:\n%s", r.Stderr)
}
