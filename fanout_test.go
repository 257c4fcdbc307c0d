package main

// Several hosts at once (fanout.go) and --connect-timeout, through the
// real sshd of sshd_test.go, plus the usage errors that need no host.

import (
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// sshdTwoServers starts the test sshd for e with logins that choose the
// server by its -L name (their LINGER_SOCKET is empty), so that
// ssh://testhost/a and ssh://testhost/b are two servers; here, the env
// entry noSock does the same. Both servers are stopped at cleanup (the
// harness finds strays by LINGER_SOCKET, which they do not carry).
func sshdTwoServers(t *testing.T, e *env) (s *sshServer, noSock string) {
	t.Helper()
	noSock = "LINGER_SOCKET="
	saved := e.Env
	e.Env = overlayEnv(e.Env, []string{noSock})
	s = startSSHD(t, e)
	e.Env = saved
	t.Cleanup(func() {
		for _, name := range []string{"a", "b"} {
			e.RunEnv([]string{noSock}, "-L", name, "server", "stop")
		}
	})
	return s, noSock
}

// closedPort is an ssh:// URL where nothing listens.
func closedPort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return fmt.Sprintf("ssh://127.0.0.1:%d", l.Addr().(*net.TCPAddr).Port)
}

// blackhole is an ssh:// URL whose listener accepts and never writes: ssh
// waits for the server's banner until its ConnectTimeout.
func blackhole(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		l.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	return fmt.Sprintf("ssh://127.0.0.1:%d", l.Addr().(*net.TCPAddr).Port)
}

// hostsJSON is ls --json of several hosts.
type hostsJSON []struct {
	Host    *string `json:"host"`
	Name    string  `json:"name"`
	Clients int     `json:"clients"`
}

// One table with a HOST column across two servers, and one JSON array
// whose objects have "host"; with one -H, the local form exactly.
func TestHostsListAcrossServers(t *testing.T) {
	e := newEnv(t)
	s, noSock := sshdTwoServers(t, e)
	for _, c := range [][]string{{"a", "one"}, {"b", "two"}, {"b", "three"}} {
		if r := e.RunEnv([]string{noSock}, "-L", c[0], "new", "-d", c[1], "--", "sleep", "100"); r.Code != 0 {
			t.Fatalf("new -d %s on -L %s: %v", c[1], c[0], r)
		}
	}
	a, b := "ssh://"+s.Alias+"/a", "ssh://"+s.Alias+"/b"
	run := func(args ...string) result {
		t.Helper()
		return e.RunEnv([]string{s.Env, noSock}, args...)
	}

	r := run("ls", "-H", a, "-H", b)
	if r.Code != 0 || r.Stderr != "" {
		t.Fatalf("ls -H a -H b: %v", r)
	}
	lines := strings.Split(strings.TrimSuffix(r.Stdout, "\n"), "\n")
	want := [][]string{
		{"HOST", "ID", "NAME", "STATE", "AVAILABILITY", "IDLE", "COMMAND"},
		{a, "1", "one", "Disconnected", "None", "none", "sleep", "100"},
		{b, "1", "two", "Disconnected", "None", "none", "sleep", "100"},
		{b, "2", "three", "Disconnected", "None", "none", "sleep", "100"},
	}
	if len(lines) != len(want) {
		t.Fatalf("ls -H a -H b: %d lines, want %d:\n%s", len(lines), len(want), r.Stdout)
	}
	for i, l := range lines {
		if got := strings.Fields(l); strings.Join(got, " ") != strings.Join(want[i], " ") {
			t.Errorf("line %d: %q, want the fields %q", i, l, want[i])
		}
		if i > 0 && strings.Index(l, "Disconnected") != strings.Index(lines[0], "STATE") {
			t.Errorf("columns not aligned:\n%s", r.Stdout)
		}
	}

	r = run("ls", "--json", "-H", a, "-H", b)
	var list hostsJSON
	if err := json.Unmarshal([]byte(r.Stdout), &list); err != nil || r.Code != 0 || len(list) != 3 {
		t.Fatalf("ls --json -H a -H b: %v %+v\n%v", err, list, r)
	}
	for i, w := range []struct{ host, name string }{{a, "one"}, {b, "two"}, {b, "three"}} {
		if list[i].Host == nil || *list[i].Host != w.host || list[i].Name != w.name {
			t.Errorf("object %d: host %v name %q, want %q %q", i, list[i].Host, list[i].Name, w.host, w.name)
		}
	}
	if !strings.HasPrefix(r.Stdout, "[\n  {\n    \"host\": \""+a+"\",\n    \"id\": 1,") {
		t.Errorf("ls --json -H a -H b: not the local layout with host first:\n%s", r.Stdout)
	}

	// One -H: the local form, byte for byte (no HOST, no "host").
	for _, args := range [][]string{{"ls"}, {"ls", "--json"}} {
		local := e.RunEnv([]string{noSock}, append(args, "-L", "b")...)
		remote := run(append(args, "-H", b)...)
		if remote != local || strings.Contains(remote.Stdout, "host") || strings.Contains(remote.Stdout, "HOST") {
			t.Errorf("%q with one -H:\n%v\nlocally:\n%v", args, remote, local)
		}
	}
}

// A host that cannot be reached does not stop the others: the live host's
// rows, one line on stderr per failed host, exit 4. Two hosts that
// accept and never answer, with --connect-timeout 3s: asked one after the
// other they would take 6s at least.
func TestHostsListWithFailures(t *testing.T) {
	e := newEnv(t)
	s := startSSHD(t, e)
	if r := e.Run("new", "-d", "live", "--", "sleep", "100"); r.Code != 0 {
		t.Fatalf("new -d live: %v", r)
	}
	live, closed, hole1, hole2 := "ssh://"+s.Alias, closedPort(t), blackhole(t), blackhole(t)
	const timeout = 3 * time.Second
	start := time.Now()
	r := e.RunEnv([]string{s.Env}, "ls", "--connect-timeout", timeout.String(), "-H", live, "-H", hole1, "-H", closed, "-H", hole2)
	took := time.Since(start)
	if r.Code != 4 {
		t.Errorf("exit %d, want 4\n%v", r.Code, r)
	}
	if took >= 2*timeout {
		t.Errorf("took %v, not less than twice the timeout %v: the hosts were not asked in parallel", took, timeout)
	}
	lines := strings.Split(strings.TrimSuffix(r.Stdout, "\n"), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], "HOST ") || !strings.HasPrefix(lines[1], live+" ") || !strings.Contains(lines[1], " live ") {
		t.Errorf("stdout: want the header and the live host's row:\n%s", r.Stdout)
	}
	errs := strings.Split(strings.TrimSuffix(r.Stderr, "\n"), "\n")
	if len(errs) != 3 {
		t.Fatalf("stderr: want one line per failed host:\n%s", r.Stderr)
	}
	for i, h := range []string{hole1, closed, hole2} {
		if !strings.HasPrefix(errs[i], "linger: "+h+": ") {
			t.Errorf("stderr line %d: %q, want it to start with %q", i, errs[i], "linger: "+h+": ")
		}
	}
	if !strings.Contains(errs[1], "refused") || strings.Contains(errs[1], "ssh: ssh:") {
		t.Errorf("closed port: %q, want ssh's connection refused", errs[1])
	}

	// JSON: the live host's sessions, the same errors.
	r = e.RunEnv([]string{s.Env}, "ls", "--json", "--connect-timeout", "3s", "-H", closed, "-H", live)
	var list hostsJSON
	if err := json.Unmarshal([]byte(r.Stdout), &list); err != nil || r.Code != 4 || len(list) != 1 || *list[0].Host != live ||
		!strings.HasPrefix(r.Stderr, "linger: "+closed+": ") || strings.Count(r.Stderr, "\n") != 1 {
		t.Errorf("ls --json with a closed port: %v %+v\n%v", err, list, r)
	}
}

// kill --all and detach --all across two servers; exit 4 when one host
// cannot be reached, the others done all the same.
func TestHostsKillDetachAll(t *testing.T) {
	e := newEnv(t)
	s, noSock := sshdTwoServers(t, e)
	a, b, closed := "ssh://"+s.Alias+"/a", "ssh://"+s.Alias+"/b", closedPort(t)
	run := func(args ...string) result {
		t.Helper()
		return e.RunEnv([]string{s.Env, noSock}, args...)
	}
	var terms []*term
	for _, c := range [][]string{{"a", "one"}, {"b", "two"}} {
		if r := e.RunEnv([]string{noSock}, "-L", c[0], "new", "-d", c[1], "--", "sh", "-c", "echo ready; sleep 100"); r.Code != 0 {
			t.Fatalf("new -d %s on -L %s: %v", c[1], c[0], r)
		}
		tm := e.StartCmd(80, 24, []string{e.Bin, "-L", c[0], "attach", c[1]}, []string{noSock})
		tm.WaitText("ready")
		terms = append(terms, tm)
	}
	attached := func() int {
		var list hostsJSON
		json.Unmarshal([]byte(run("ls", "--json", "-H", a, "-H", b).Stdout), &list)
		n := 0
		for _, s := range list {
			n += s.Clients
		}
		return n
	}
	if !pollQuiet(harnessWait, func() bool { return attached() == 2 }) {
		t.Fatalf("never two clients attached: %v", run("ls", "-H", a, "-H", b))
	}

	if r := run("detach", "--all", "-H", a, "-H", b); r.Code != 0 || r.Stderr != "" {
		t.Fatalf("detach --all -H a -H b: %v", r)
	}
	for _, tm := range terms {
		tm.WaitExit()
	}
	if n := attached(); n != 0 {
		t.Errorf("%d clients still attached after detach --all", n)
	}

	// One unreachable host: the others are done, exit 4, one line.
	tm := e.StartCmd(80, 24, []string{e.Bin, "-L", "a", "attach", "one"}, []string{noSock})
	tm.WaitText("ready")
	if !pollQuiet(harnessWait, func() bool { return attached() == 1 }) {
		t.Fatalf("the client never attached again")
	}
	r := run("detach", "--all", "-H", closed, "-H", a)
	if r.Code != 4 || !strings.HasPrefix(r.Stderr, "linger: "+closed+": ") || strings.Count(r.Stderr, "\n") != 1 {
		t.Errorf("detach --all with a closed port: %v", r)
	}
	tm.WaitExit()

	r = run("kill", "--all", "-H", a, "-H", closed, "-H", b)
	if r.Code != 4 || !strings.HasPrefix(r.Stderr, "linger: "+closed+": ") || strings.Count(r.Stderr, "\n") != 1 {
		t.Errorf("kill --all with a closed port: %v", r)
	}
	if r := run("ls", "-H", a, "-H", b); r.Code != 0 || r.Stdout != "no sessions\n" {
		t.Errorf("ls after kill --all: %v", r)
	}
}

// Several -H on a command that works on one host: a usage error naming
// the commands that take several, before any ssh runs.
func TestHostsSeveralRefused(t *testing.T) {
	e := newEnv(t)
	ssh := fakeSSH(t, e, `touch `+filepath.Join(e.Dir, "ran"))
	for _, args := range [][]string{
		{"new", "-d", "x", "--", "sleep", "1"},
		{"attach", "x"},
		{"kill", "x"},
		{"detach", "x"},
		{"wait", "x"},
		{"receive", "x"},
		{"capture", "x"},
		{"rename", "x", "y"},
		{"server", "stop"},
	} {
		r := e.RunEnv([]string{ssh}, append([]string{"-H", "ssh://web1", "-H", "ssh://web2"}, args...)...)
		naWantErr(t, r, 2, "-H given 2 times", "only ls, kill --all and detach --all take several hosts")
	}
	// Each value is checked before any host is asked.
	r := e.RunEnv([]string{ssh}, "ls", "-H", "ssh://web1", "-H", "ssh://")
	naWantErr(t, r, 2, `-H "ssh://"`)
	// $LINGER_HOST is one value, whatever it holds.
	r = e.RunEnv([]string{ssh, "LINGER_HOST=ssh://web1,ssh://web2"}, "new", "-d", "x")
	naWantErr(t, r, 2, `LINGER_HOST "ssh://web1,ssh://web2"`)
	if _, err := os.Stat(filepath.Join(e.Dir, "ran")); err == nil {
		t.Errorf("ssh ran: %s", sshArgs(e))
	}
}

// --connect-timeout goes to ssh (whole seconds, rounded up) and bounds
// the wait for dial-stdio's answer; with one host at a terminal, where
// ssh may be prompting, that wait has no bound.
func TestHostConnectTimeout(t *testing.T) {
	e := newEnv(t)
	ssh := fakeSSH(t, e, `exec sleep 10`)
	start := time.Now()
	r := e.RunEnv([]string{ssh}, "-H", "ssh://web1", "--connect-timeout", "1500ms", "ls")
	naWantErr(t, r, 1, "linger: web1: no answer within 1.5s", "--connect-timeout")
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("took %v with --connect-timeout 1500ms", took)
	}
	if got := sshArgs(e); got != "-T -o ConnectTimeout=2 -- web1 linger dial-stdio\n" {
		t.Errorf("ssh ran with %q", got)
	}
	r = e.RunEnv([]string{ssh}, "--connect-timeout", "0s", "ls")
	naWantErr(t, r, 2, "--connect-timeout")

	ssh = fakeSSH(t, e, `sleep 2; exec "$@"`)
	tm := e.StartCmd(80, 24, []string{e.Bin, "-H", "ssh://web1", "--connect-timeout", "1s", "ls"}, []string{ssh})
	tm.WaitText("no sessions")
	if code := tm.WaitExit(); code != 0 {
		t.Errorf("ls at a terminal, ssh answering after the timeout: exit %d\n%s", code, tm.Screen())
	}
}
