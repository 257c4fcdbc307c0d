package main

// Reconnect and resume under every kind of network fault: the attached
// client reaches a real sshd through the fault proxy (faultproxy_test.go)
// and the server's [server] heartbeat is 300ms (heartbeat_test.go).

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"linger/socket"
)

// rfGen is a deterministic generator of steps*per numbered lines
// ("L0000001 abc...xyz", 37 bytes each) that waits for the file DIR/goK
// before step K (K from 1) and sleeps a little every 500 lines, so that a
// fault injected once a step streams lands while it streams. Then it
// says gen-done and runs the shell command then.
func rfGen(dir string, steps, per int, then string) string {
	return fmt.Sprintf(`echo ready; awk 'BEGIN{for(i=1;i<=%[1]d;i++){if(i%%%[2]d==1){fflush(); system("while [ ! -e %[3]s/go" int(i/%[2]d)+1 " ]; do sleep 0.02; done")}; printf "L%%07d abcdefghijklmnopqrstuvwxyz\n", i; if(i%%500==0){fflush(); system("sleep 0.03")}}}'; echo gen-done; %[4]s`,
		steps*per, per, dir, then)
}

// rfGo releases step k of rfGen.
func rfGo(t *testing.T, dir string, k int) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, "go"+strconv.Itoa(k)), nil, 0o600); err != nil {
		t.Fatal(err)
	}
}

var rfLine = regexp.MustCompile(`L(\d{7}) abcdefghijklmnopqrstuvwxyz`)

// rfMaxOnScreen is the highest line number on tm's screen (0: none).
func rfMaxOnScreen(tm *term) int {
	n := 0
	for _, m := range rfLine.FindAllStringSubmatch(tm.Screen(), -1) {
		i, _ := strconv.Atoi(m[1])
		n = max(n, i)
	}
	return n
}

// rfLines are the line numbers in raw (a terminal's output, or what
// receive wrote), the client's title writes removed.
func rfLines(raw []byte) []int {
	var got []int
	for _, m := range rfLine.FindAllStringSubmatch(rcClean(raw), -1) {
		i, _ := strconv.Atoi(m[1])
		got = append(got, i)
	}
	return got
}

// rfCheckLines fails unless raw (a terminal's output, the client's title
// writes removed) holds lines from..to, each exactly once, in order.
func rfCheckLines(t *testing.T, what string, raw []byte, from, to int) {
	t.Helper()
	got := rfLines(raw)
	next := from
	for _, i := range got {
		if i != next {
			t.Fatalf("%s: line %d where line %d was due: lost or repeated output (%d lines seen)", what, i, next, len(got))
		}
		next++
	}
	if next != to+1 {
		t.Fatalf("%s: lines %d to %d, want to %d", what, from, next-1, to)
	}
}

// rfSetup is hbSetup's server (heartbeat 300ms) and sshd behind a fault
// proxy, without its session.
func rfSetup(t *testing.T) (e *env, s *sshServer, host string, p *faultProxy) {
	t.Helper()
	e = newEnv(t)
	e.WriteConfig("[server]\nheartbeat = \"300ms\"\n")
	s = startSSHD(t, e)
	alias, p := s.ViaProxy(t, "proxied")
	// started here, so that it reads the configuration (ssh's login does
	// not pass LINGER_CONFIG)
	if r := e.Run("new", "-d", "keep", "--", "sleep", "1000"); r.Code != 0 {
		t.Fatalf("new -d keep: %v", r)
	}
	return e, s, "ssh://" + alias, p
}

// rfNewConn waits until the client dials again through the proxy (more
// than n connections accepted) and returns how long that took.
func rfNewConn(t *testing.T, p *faultProxy, n int, within time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	if !pollQuiet(within, func() bool { return p.Accepted() > n }) {
		t.Fatalf("the client did not dial again within %v", within)
	}
	t.Logf("the client dialed again %v after the fault", time.Since(start))
	return time.Since(start)
}

// rfResumes counts the resumes tm's client showed: each puts the title
// back (client/reconnect.go; so does the end of a notice after one).
func rfResumes(tm *term) int { return strings.Count(string(tm.Output()), "\x1b[23;0t\x1b[22;0t") }

// rfWaitResume waits until tm's client resumed more than n times.
func rfWaitResume(t *testing.T, tm *term, n int) {
	t.Helper()
	poll(t, "the client to resume", tm.Timeout, func() bool { return rfResumes(tm) > n })
}

// Every line of a 4MB generator reaches the attached client's terminal
// exactly once, in order, across three drops of each kind, each while
// output streams: reset (both sides closed), blackhole for a few
// heartbeats then forward (only heartbeats can tell: the client dials
// again after ~3 heartbeats of silence, not at once), refuse for 3s with
// a reset (the retries are spaced by the backoff, not a tight loop, and
// the client resumes once the proxy accepts again).
func TestFaultsResumeEveryKind(t *testing.T) {
	e, s, host, p := rfSetup(t)
	const steps, per = 9, 12000
	tm := e.StartCmd(80, 24, []string{e.Bin, "-H", host, "new", "gen", "--", "sh", "-c", rfGen(e.Dir, steps, per, "exec sleep 1000")},
		[]string{s.Env, "LINGER_SOCKET=/nonexistent/not-used.sock"})
	tm.Timeout = 60 * time.Second
	tm.WaitText("ready")
	kinds := []string{"reset", "blackhole", "refuse"}
	for k := 1; k <= steps; k++ {
		kind := kinds[(k-1)%3]
		rfGo(t, e.Dir, k)
		// streaming: a fault now lands mid-stream
		tm.WaitFor(fmt.Sprintf("step %d to stream", k), func(string) bool { return rfMaxOnScreen(tm) > (k-1)*per+300 })
		n := p.Accepted()
		switch kind {
		case "reset":
			p.Reset()
			rfNewConn(t, p, n, harnessWait)
		case "blackhole":
			p.Blackhole()
			d := rfNewConn(t, p, n, 3*hbInterval+hbMargin)
			if d < 2*hbInterval {
				t.Errorf("step %d: the client dialed again %v after a blackhole: not from heartbeats", k, d)
			}
			naWaitSession(t, e, "gen", "Broken", func(s *socket.SessionInfo) bool { return s.State == "Broken" })
			if k == 2 {
				// the dial hangs in the blackhole: the status line still
				// counts the time lost
				poll(t, "the status line to count the seconds lost while dialing", harnessWait, func() bool {
					return regexp.MustCompile(`lost gen [2-9]s ago, reconnecting \(attempt 1\)`).Match(tm.Output())
				})
			}
			p.Forward()
		case "refuse":
			const window = 3 * time.Second
			p.Refuse(window)
			start := time.Now()
			p.Reset()
			var at []time.Duration // when each connection came
			last := n
			for time.Since(start) < window {
				if a := p.Accepted(); a > last {
					for ; last < a; last++ {
						at = append(at, time.Since(start))
					}
				}
				time.Sleep(5 * time.Millisecond)
			}
			t.Logf("step %d: %d dials in the %v refused: at %v", k, len(at), window, at[:min(len(at), 10)])
			if len(at) < 2 || len(at) > 7 {
				t.Errorf("step %d: %d dials while refused for %v: want a few, spaced by the backoff", k, len(at), window)
			}
			near := 0
			for i := 1; i < len(at); i++ {
				if at[i]-at[i-1] < 200*time.Millisecond {
					near++
				}
			}
			if near > 1 {
				t.Errorf("step %d: retries not spaced: dials at %v", k, at[:min(len(at), 10)])
			}
			// It resumes: output moves on within the longest backoff step
			// (15s) and a margin, whatever the machine's load.
			before := rfMaxOnScreen(tm)
			resumeBy := time.Now().Add(15*time.Second + hbMargin)
			tm.WaitFor(fmt.Sprintf("step %d to resume after the refusal", k), func(string) bool {
				return rfMaxOnScreen(tm) > before || time.Now().After(resumeBy)
			})
			if rfMaxOnScreen(tm) <= before {
				t.Fatalf("step %d: not resumed %v after the proxy accepted again", k, time.Since(start)-window)
			}
		}
		tm.WaitFor(fmt.Sprintf("step %d to end", k), func(string) bool { return rfMaxOnScreen(tm) >= k*per })
	}
	tm.WaitText("gen-done")
	raw := tm.Output()
	if c := strings.Count(string(raw), "reconnecting (attempt 1"); c < steps {
		t.Errorf("the status line said reconnecting %d times, want %d", c, steps)
	}
	rfCheckLines(t, "the terminal", raw, 1, steps*per)
	naDetachAndWait(t, tm, "gen")
}

// rfSeq is "1 2 ... n".
func rfSeq(n int) string {
	w := make([]string, n)
	for i := range w {
		w[i] = strconv.Itoa(i + 1)
	}
	return strings.Join(w, " ")
}

// rfTyped waits until the client has read what was typed on tm (the
// pty's input queue is empty), so that it was sent before a fault that
// comes next, not discarded while reconnecting.
func rfTyped(t *testing.T, tm *term) {
	t.Helper()
	f, err := os.OpenFile(fmt.Sprintf("/proc/%d/fd/0", tm.cmd.Process.Pid), os.O_RDONLY|unix.O_NOCTTY|unix.O_NONBLOCK, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	poll(t, "the client to read the keys", harnessWait, func() bool {
		n, err := unix.IoctlGetInt(int(f.Fd()), unix.TIOCINQ)
		return err == nil && n == 0
	})
}

// Keys typed around drops reach the session exactly once: typed just
// before a reset; typed into a blackhole (the client sent them, the
// proxy holds them, the client then hears nothing and dials again, and
// the held bytes flow on the old connection when the proxy forwards
// again); typed into a blackhole that then resets (the keys are lost on
// the way and must be sent again); typed while only the server's side is
// dark (the server got them and runs them while the client hears nothing
// and dials again). What the commands print reaches the terminal once. The session's shell loop writes every
// line it reads to a file the test reads, then runs it: a byte lost or
// repeated shows there.
func TestFaultsInputOnce(t *testing.T) {
	e, s, host, p := rfSetup(t)
	log := filepath.Join(e.Dir, "typed.log")
	prog := fmt.Sprintf(`echo ready; while IFS= read -r l; do printf '%%s\n' "$l" >> %s; eval "$l"; done`, log)
	tm := e.StartCmd(80, 24, []string{e.Bin, "-H", host, "new", "keys", "--", "sh", "-c", prog},
		[]string{s.Env, "LINGER_SOCKET=/nonexistent/not-used.sock"})
	tm.Timeout = 30 * time.Second
	tm.WaitText("ready")
	want := ""
	i := 0
	redial := time.Hour // the quickest dial after a blackhole
	typeEcho := func() {
		t.Helper()
		i++
		tm.Type(fmt.Sprintf("echo a%d\r", i))
		rfTyped(t, tm)
		want += fmt.Sprintf("echo a%d\n", i)
	}
	landed := func(what string) {
		t.Helper()
		if !pollQuiet(tm.Timeout, func() bool { b, _ := os.ReadFile(log); return len(b) >= len(want) }) {
			b, _ := os.ReadFile(log)
			t.Fatalf("after %s the session wrote %q, want %q", what, b, want)
		}
	}
	for round := 1; round <= 3; round++ {
		typeEcho() // connected
		landed("a key typed while connected")

		n, r := p.Accepted(), rfResumes(tm)
		typeEcho() // just before a reset
		p.Reset()
		rfNewConn(t, p, n, harnessWait)
		rfWaitResume(t, tm, r)
		landed("a reset")
		typeEcho() // after the resume
		landed("typing after a reset")

		n, r = p.Accepted(), rfResumes(tm)
		p.Blackhole()
		typeEcho() // sent, held by the proxy
		redial = min(redial, rfNewConn(t, p, n, 3*hbInterval+hbMargin))
		naWaitSession(t, e, "keys", "Broken", func(s *socket.SessionInfo) bool { return s.State == "Broken" })
		p.Forward()
		rfWaitResume(t, tm, r)
		landed("a blackhole")
		typeEcho()
		landed("typing after a blackhole")

		n, r = p.Accepted(), rfResumes(tm)
		p.Blackhole()
		typeEcho() // sent, then lost in the reset
		p.Reset()
		p.Forward()
		rfNewConn(t, p, n, harnessWait)
		rfWaitResume(t, tm, r)
		landed("a blackhole that reset")

		// dark from the server only: the server gets the keys and runs
		// them, the client hears nothing and dials again
		n, r = p.Accepted(), rfResumes(tm)
		p.BlackholeToClient()
		typeEcho()
		landed("keys typed while the server's side is dark")
		rfNewConn(t, p, n, 3*hbInterval+hbMargin)
		p.Forward()
		rfWaitResume(t, tm, r)
		landed("a one-way blackhole")
	}
	// 3 heartbeats of silence, then a dial at once: not after waiting
	// for the old ssh, stuck on the dead network, to end
	if redial > 3*hbInterval+600*time.Millisecond {
		t.Errorf("the quickest of 3 dials after a blackhole came %v after it, want about %v", redial, 3*hbInterval)
	}
	typeEcho()
	landed("the last key")
	naWaitSession(t, e, "keys", "attached", hbAttached)
	if b, _ := os.ReadFile(log); string(b) != want {
		t.Errorf("the session wrote\n%s\nwant each once, in order:\n%s", b, want)
	}
	// and what each printed reached the terminal once
	tm.WaitText(fmt.Sprintf("a%d", i))
	var printed []string
	for _, m := range regexp.MustCompile(`(?m)^a(\d+)\r$`).FindAllStringSubmatch(rcClean(tm.Output()), -1) {
		printed = append(printed, m[1])
	}
	if got := strings.Join(printed, " "); got != rfSeq(i) {
		t.Errorf("the terminal shows the echoes %s, want %s", got, rfSeq(i))
	}
	if out := string(tm.Output()); strings.Contains(out, "discarded while disconnected") {
		t.Errorf("keys were discarded: the test typed them while connected")
	}
	naDetachAndWait(t, tm, "keys")
}

// kill -9 of a client attached over ssh, mid-stream (output on its way
// to it, not yet on its terminal); then a client on
// another "host" (another [hosts.NAME] entry naming the same server, not
// through the proxy) receives the rest: exactly what the dead client's
// terminal had not acknowledged, so that the two together hold every
// line, nothing lost, and the overlap is only what reached the dead
// terminal unacknowledged (mosh and ET cannot do this: their state dies
// with the client).
func TestFaultsKilledClientAnotherHost(t *testing.T) {
	e, s, _, _ := rfSetup(t)
	e.WriteConfig("[server]\nheartbeat = \"300ms\"\n[hosts.laptop]\nurl = \"ssh://proxied\"\n[hosts.desktop]\nurl = \"ssh://" + s.Alias + "\"\n")
	const steps, per = 2, 40000
	if r := e.Run("new", "-d", "gen", "--", "sh", "-c", rfGen(e.Dir, steps, per, "exit 0")); r.Code != 0 {
		t.Fatalf("new -d gen: %v", r)
	}
	cenv := []string{s.Env, "LINGER_SOCKET=/nonexistent/not-used.sock"}
	tm := e.StartCmd(80, 24, []string{e.Bin, "-H", "laptop", "attach", "gen"}, cenv)
	tm.Timeout = 30 * time.Second
	tm.WaitText("ready")
	naWaitSession(t, e, "gen", "attached", hbAttached)
	rfGo(t, e.Dir, 1)
	rfGo(t, e.Dir, 2)
	tm.WaitFor("output to stream", func(string) bool { return rfMaxOnScreen(tm) > 10000 })
	// Stopped first, so that output is on its way (sent by the server,
	// in ssh's buffers and pipes) but not on its terminal when it dies.
	tm.Kill(unix.SIGSTOP)
	naWaitSession(t, e, "gen", "behind its client", func(s *socket.SessionInfo) bool { return s.BufferedBytes > 512<<10 })
	tm.Kill(unix.SIGKILL)
	tm.WaitExit()
	old := rfLines(tm.Output())
	info := naWaitSession(t, e, "gen", "exited, its client gone", func(s *socket.SessionInfo) bool {
		return s.State != "Opened" && s.Availability != "Busy" && s.ExitCode != nil
	})
	t.Logf("the killed client's terminal got %d lines; the server holds %d bytes unacknowledged", len(old), info.BufferedBytes)
	if len(old) == 0 || len(old) >= steps*per {
		t.Fatalf("the killed client got %d lines: not killed mid-stream", len(old))
	}
	for i, n := range old {
		if n != i+1 {
			t.Fatalf("the killed client's terminal: line %d where %d was due", n, i+1)
		}
	}

	r := e.RunEnv(cenv, "-H", "desktop", "receive", "-f", "gen")
	if r.Code != 0 {
		t.Fatalf("receive -f from the other host: %v", r)
	}
	if int64(len(r.Stdout)) != info.BufferedBytes {
		t.Errorf("received %d bytes, want the %d unacknowledged", len(r.Stdout), info.BufferedBytes)
	}
	got := rfLines([]byte(r.Stdout))
	if len(got) == 0 {
		t.Fatalf("received no line: %q", r.Stdout)
	}
	from := got[0]
	if from > len(old)+1 {
		t.Fatalf("lines %d to %d lost: the other host received from line %d", len(old)+1, from-1, from)
	}
	// what the dead client was shown but had not acknowledged: at most
	// what one read of its connection holds
	if overlap := len(old) - from + 1; overlap*37 > 256<<10 {
		t.Errorf("%d lines both shown and received: the acknowledgements lag", overlap)
	}
	rfCheckLines(t, "receive -f from the other host", []byte(r.Stdout), from, steps*per)
	if !strings.Contains(r.Stdout, "gen-done") {
		t.Errorf("receive -f did not get the end")
	}
}

// Automatic reconnects never prompt: their ssh runs with -o
// BatchMode=yes (a $LINGER_SSH wrapper logs its arguments). When the
// authentication then fails (the sshd no longer accepts the key), the
// client stops at once, says the session is safe on the server and how to
// attach again, exits 1, and leaves the terminal as it found it.
func TestFaultsReconnectBatchModeAuthFails(t *testing.T) {
	e, s, host, p := rfSetup(t)
	argsLog := filepath.Join(e.Dir, "ssh-args.log")
	wrapper := filepath.Join(e.Dir, "logging-ssh")
	script := fmt.Sprintf("#!/bin/sh\necho \"$*\" >> %s\nexec %s \"$@\"\n", argsLog, strings.TrimPrefix(s.Env, "LINGER_SSH="))
	if err := os.WriteFile(wrapper, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	if r := e.Run("new", "-d", "-e", "PS1=P> ", "x", "--", "sh"); r.Code != 0 {
		t.Fatalf("new -d x: %v", r)
	}
	// the shell around the client shows its exit status and the
	// terminal's modes once it is done
	tm := e.StartCmd(80, 24, []string{"sh", "-c", e.Bin + " -H " + host + " attach x; echo exit=$?; stty -a; exec sleep 1000"},
		[]string{"LINGER_SSH=" + wrapper, "LINGER_SOCKET=/nonexistent/not-used.sock"})
	tm.Timeout = 30 * time.Second
	tm.WaitText("P>")
	dials := func() []string {
		b, _ := os.ReadFile(argsLog)
		return strings.Split(strings.TrimSpace(string(b)), "\n")
	}
	if d := dials(); len(d) != 1 {
		t.Fatalf("ssh ran %d times to attach: %q", len(d), d)
	}
	r := rfResumes(tm)
	p.Reset()
	rfWaitResume(t, tm, r)
	d := dials()
	if len(d) != 2 || !strings.Contains(d[1], "-o BatchMode=yes") {
		t.Errorf("the reconnect's ssh arguments: %q, want -o BatchMode=yes", d[1:])
	}

	// the key no longer opens the door
	if err := os.WriteFile(filepath.Join(e.Dir, "sshd", "authorized_keys"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	p.Reset()
	tm.WaitText("exit=")
	took := time.Since(start)
	scr := strings.ReplaceAll(tm.Screen(), "\n", "")
	for _, want := range []string{"authentication failed", "session x is safe on the server: linger -H " + host + " attach x]", "exit=1"} {
		if !strings.Contains(scr, want) {
			t.Errorf("the screen does not say %q:\n%s", want, tm.Screen())
		}
	}
	if d := dials(); len(d) != 3 {
		t.Errorf("ssh ran %d times after the authentication failed: want one try, no more: %q", len(d)-2, d[2:])
	} else if !strings.Contains(d[2], "-o BatchMode=yes") {
		t.Errorf("the reconnect's ssh arguments: %q, want -o BatchMode=yes", d[2])
	}
	if took > 5*time.Second {
		t.Errorf("the client gave up %v after the failure: it should at once", took)
	}
	tm.WaitText("icanon")
	if m := regexp.MustCompile(`(^|\s)-(icanon|echo|icrnl|opost|isig)\b`).FindString(tm.Screen()); m != "" {
		t.Errorf("the terminal was left raw (%s):\n%s", m, tm.Screen())
	}
	naWaitSession(t, e, "x", "still there, Broken", func(s *socket.SessionInfo) bool { return s.State == "Broken" })
}

// A laptop that sleeps: the client (and its ssh) stopped mid-stream for
// longer than 3 heartbeats and than its reconnect timeout, while the session goes on writing, leaves the
// session Broken on the server; woken, the client reconnects and resumes
// exactly (every line once, in order) instead of declaring it lost.
func TestFaultsClientSleeps(t *testing.T) {
	e, s, host, _ := rfSetup(t)
	const steps, per = 2, 20000
	if r := e.Run("new", "-d", "gen", "--", "sh", "-c", rfGen(e.Dir, steps, per, "exec sleep 1000")); r.Code != 0 {
		t.Fatalf("new -d gen: %v", r)
	}
	// it sleeps longer than it may reconnect for: the time asleep is not
	// time spent reconnecting
	tm := e.StartCmd(80, 24, []string{e.Bin, "-H", host, "attach", "--reconnect-timeout", "2s", "gen"}, []string{s.Env, "LINGER_SOCKET=/nonexistent/not-used.sock"})
	tm.Timeout = 30 * time.Second
	tm.WaitText("ready")
	naWaitSession(t, e, "gen", "attached", hbAttached)
	r := rfResumes(tm)
	rfGo(t, e.Dir, 1)
	tm.WaitFor("output to stream", func(string) bool { return rfMaxOnScreen(tm) > 2000 })
	pg := tm.cmd.Process.Pid // the client leads its process group, with its ssh
	if err := unix.Kill(-pg, unix.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	asleep := time.Now()
	stopped := true
	defer func() {
		if stopped {
			unix.Kill(-pg, unix.SIGCONT)
		}
	}()
	naWaitSession(t, e, "gen", "Broken", func(s *socket.SessionInfo) bool { return s.State == "Broken" })
	rfGo(t, e.Dir, 2) // output while it sleeps
	naWaitSession(t, e, "gen", "done writing", func(s *socket.SessionInfo) bool { return s.BufferedBytes > 0 })
	poll(t, "a long sleep", harnessWait, func() bool { return time.Since(asleep) > 3*time.Second })
	unix.Kill(-pg, unix.SIGCONT)
	stopped = false
	rfWaitResume(t, tm, r)
	tm.WaitText("gen-done")
	naWaitSession(t, e, "gen", "attached again", hbAttached)
	rfCheckLines(t, "the terminal", tm.Output(), 1, steps*per)
	if strings.Contains(string(tm.Output()), "lost connection") {
		t.Errorf("the client declared the connection lost")
	}
	naDetachAndWait(t, tm, "gen")
}

// A blackhole longer than the connect timeout: each dial into it gives
// up after --connect-timeout and the next follows, after the backoff;
// once the network forwards again the client resumes, every line once.
// In the next blackhole the detach key gives up at once, though a dial
// hangs.
func TestFaultsLongBlackhole(t *testing.T) {
	e, s, host, p := rfSetup(t)
	const steps, per = 2, 3000
	if r := e.Run("new", "-d", "gen", "--", "sh", "-c", rfGen(e.Dir, steps, per, "exec sleep 1000")); r.Code != 0 {
		t.Fatalf("new -d gen: %v", r)
	}
	tm := e.StartCmd(80, 24, []string{e.Bin, "-H", host, "--connect-timeout", "1s", "attach", "gen"}, []string{s.Env, "LINGER_SOCKET=/nonexistent/not-used.sock"})
	tm.Timeout = 30 * time.Second
	tm.WaitText("ready")
	rfGo(t, e.Dir, 1)
	tm.WaitFor("output to stream", func(string) bool { return rfMaxOnScreen(tm) > 1000 })
	n, r := p.Accepted(), rfResumes(tm)
	p.Blackhole()
	rfNewConn(t, p, n, 3*hbInterval+hbMargin)
	rfGo(t, e.Dir, 2) // output while it is away
	// dials that time out, and more after them
	poll(t, "a third dial", harnessWait, func() bool { return p.Accepted() >= n+3 })
	if out := string(tm.Output()); !strings.Contains(out, "reconnecting (attempt 3") {
		t.Errorf("the status line does not count the attempts")
	}
	start := time.Now()
	p.Forward()
	rfWaitResume(t, tm, r)
	t.Logf("resumed %v after the network came back", time.Since(start))
	tm.WaitText("gen-done")
	rfCheckLines(t, "the terminal", tm.Output(), 1, steps*per)

	// the detach key gives up while a dial hangs in a blackhole
	n = p.Accepted()
	p.Blackhole()
	rfNewConn(t, p, n, 3*hbInterval+hbMargin)
	start = time.Now()
	tm.Type("\x1c")
	tm.WaitFor("the line saying it gave up", func(scr string) bool {
		return strings.Contains(strings.ReplaceAll(scr, "\n", ""), "[lost connection; gave up reconnecting; session gen keeps running: linger -H "+host+" attach gen]")
	})
	if code := tm.WaitExit(); code != 1 {
		t.Errorf("exit %d after giving up, want 1", code)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("the detach key took %v to give up", d)
	}
}

// A slow link (latency, a low rate) is not a lost one: output that takes
// many heartbeats to arrive arrives, every line once, and the client
// never reconnects.
func TestFaultsSlowLinkNoReconnect(t *testing.T) {
	e, s, host, p := rfSetup(t)
	const steps, per = 1, 10000
	if r := e.Run("new", "-d", "gen", "--", "sh", "-c", rfGen(e.Dir, steps, per, "exec sleep 1000")); r.Code != 0 {
		t.Fatalf("new -d gen: %v", r)
	}
	tm := e.StartCmd(80, 24, []string{e.Bin, "-H", host, "attach", "gen"}, []string{s.Env, "LINGER_SOCKET=/nonexistent/not-used.sock"})
	tm.Timeout = 30 * time.Second
	tm.WaitText("ready")
	n := p.Accepted()
	// 10KB every 100ms: 370KB over 3s and more, 10 heartbeats. (ssh
	// delivers whole packets of up to 32KB: a link that takes longer
	// than 3 heartbeats for one looks lost.)
	p.Slow(50*time.Millisecond, 200<<10)
	start := time.Now()
	rfGo(t, e.Dir, 1)
	defer func() {
		if t.Failed() {
			st := regexp.MustCompile("\x1b\\]2;[^\x07]*\x07").FindAllString(string(tm.Output()), -1)
			t.Logf("statuses: %q", st)
			filepath.Walk(e.Dir, func(path string, info os.FileInfo, err error) error {
				if err == nil && strings.HasSuffix(path, ".log") {
					b, _ := os.ReadFile(path)
					t.Logf("%s:\n%s", path, b)
				}
				return nil
			})
		}
	}()
	tm.WaitText("gen-done")
	t.Logf("%d lines in %v", per, time.Since(start))
	p.Forward()
	if p.Accepted() != n || strings.Contains(string(tm.Output()), "reconnecting") {
		t.Errorf("the client reconnected over a slow link")
	}
	rfCheckLines(t, "the terminal", tm.Output(), 1, steps*per)
	naWaitSession(t, e, "gen", "attached", hbAttached)
	naDetachAndWait(t, tm, "gen")
}
