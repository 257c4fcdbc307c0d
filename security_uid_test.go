package main

// End-to-end tests of what another uid cannot do to a user's sessions, and
// of which environment a session gets.

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// otherUID prepares e so that uid 65534 reaches the server through the
// filesystem (socket directory and the one above it 0755, socket 0777) and
// returns setpriv and a copy of the binary that uid 65534 can run. It skips
// unless root with setpriv. As in TestSecurityOtherUIDRefused.
func otherUID(t *testing.T, e *env) (setpriv, bin string) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root to run a client as another uid (setpriv --reuid=65534)")
	}
	setpriv, err := exec.LookPath("setpriv")
	if err != nil {
		t.Skip("setpriv not installed")
	}
	for _, d := range []string{e.Dir, filepath.Dir(e.Dir)} {
		if d == os.TempDir() || d == "/" {
			continue
		}
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Chmod(e.Sock, 0o777); err != nil {
		t.Fatal(err)
	}
	return setpriv, binForAll(t)
}

// binForAll copies the binary under test (in a 0700 directory) to one that
// any uid can run, removed at cleanup.
func binForAll(t *testing.T) string {
	t.Helper()
	binDir, err := os.MkdirTemp("", "lgbin")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(binDir) })
	if err := os.Chmod(binDir, 0o755); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(lingerBin)
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(binDir, "linger")
	if err := os.WriteFile(bin, data, 0o755); err != nil {
		t.Fatal(err)
	}
	return bin
}

// asNobody runs bin -S sock args as uid 65534 with stdin /dev/null.
func asNobody(t *testing.T, setpriv, bin, sock string, args ...string) result {
	t.Helper()
	c := exec.Command(setpriv, append([]string{"--reuid=65534", "--regid=65534", "--clear-groups", bin, "-S", sock}, args...)...)
	c.Env = []string{"PATH=/usr/bin:/bin", "HOME=/", "LANG=C.UTF-8", "TERM=xterm-256color"}
	c.Dir = "/"
	var stdout, stderr syncBuffer
	c.Stdout, c.Stderr = &stdout, &stderr
	c.WaitDelay = 3 * time.Second
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { _ = c.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(harnessRunTimeout):
		_ = c.Process.Kill()
		<-done
		t.Fatalf("%q as uid 65534 did not finish", args)
	}
	return result{Stdout: stdout.String(), Stderr: stderr.String(), Code: c.ProcessState.ExitCode()}
}

func TestSecurityOtherUIDCannotUseSessions(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	newDetached(t, e, "mine", "sh", "-c", "echo secret-output-1234; exec sleep 100")
	pid := sessionPid(t, e, "mine")
	var before map[string]any
	poll(t, "session mine's output to be held", harnessWait, func() bool {
		before = sessionByName(lsJSON(t, e), "mine")
		b, _ := before["buffered_bytes"].(float64)
		return b > 0
	})
	setpriv, bin := otherUID(t, e)

	// attach needs a terminal, or it fails before reaching the server.
	c := exec.Command(setpriv, "--reuid=65534", "--regid=65534", "--clear-groups", bin, "-S", e.Sock, "attach", "mine")
	c.Env = []string{"PATH=/usr/bin:/bin", "HOME=/", "LANG=C.UTF-8", "TERM=xterm-256color"}
	c.Dir = "/"
	tm := startTerm(t, c, 80, 24)
	e.track(tm.killGroup)
	if code := tm.WaitExit(); code == 0 || !strings.Contains(tm.Screen(), "permission denied") {
		t.Errorf("attach mine as uid 65534: exit %d, want non-zero and \"permission denied\"\n%s", code, tm.describe())
	}
	if strings.Contains(string(tm.Output()), "secret-output") {
		t.Errorf("uid 65534's attach got the session's output")
	}

	for _, args := range [][]string{
		{"receive", "mine"},
		{"kill", "mine"},
		{"new", "-d", "y", "--", "true"},
		{"detach", "--all"},
	} {
		r := asNobody(t, setpriv, bin, e.Sock, args...)
		if r.Code == 0 || !strings.Contains(r.Stderr, "permission denied") {
			t.Errorf("%q as uid 65534: want non-zero and \"permission denied\"\n%v", args, r)
		}
		if strings.Contains(r.Stdout+r.Stderr, "secret-output") {
			t.Errorf("%q as uid 65534 got the session's output\n%v", args, r)
		}
		// The client sends its request (new: with its environment)
		// without waiting for the server's hello, so it must refuse
		// another user's server itself, before sending anything; the
		// server's own refusal says "belongs to another user".
		if !strings.Contains(r.Stderr, "it is the server of uid 0, not yours") {
			t.Errorf("%q as uid 65534: the client should refuse root's server before sending\n%v", args, r)
		}
	}

	// The session is as it was.
	if !procAlive(pid) {
		t.Errorf("session mine's process %d ended", pid)
	}
	list := lsJSON(t, e)
	after := sessionByName(list, "mine")
	if len(list) != 1 || after == nil {
		t.Fatalf("sessions after uid 65534's attempts: %v", list)
	}
	for _, k := range []string{"state", "availability", "clients", "buffered_bytes", "pid", "idle_timeout_seconds"} {
		if after[k] != before[k] {
			t.Errorf("session mine's %s changed from %v to %v", k, before[k], after[k])
		}
	}
	if r := e.Run("receive", "mine"); r.Code != 0 || !strings.Contains(r.Stdout, "secret-output-1234") {
		t.Errorf("owner's receive after the refusals: want the held output\n%v", r)
	}

	// Five refusals within a minute: one log line.
	logText := readFileString(serverLog(e))
	if n := strings.Count(logText, "refused connection from uid 65534"); n != 1 {
		t.Errorf("log has %d refusal lines for 5 quick attempts, want 1:\n%s", n, logText)
	}
}

func TestSecurityEnvNotLeaked(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	// The first client starts the server: the daemon inherits its environment.
	r := e.RunEnv([]string{"SECRET_A=1"}, "new", "-d", "a", "--", "sleep", "100")
	if r.Code != 0 || r.Stdout != "a\n" {
		t.Fatalf("new -d a with SECRET_A=1\n%v", r)
	}
	srv := theServer(t, e)
	if !bytes.Contains(readProcFile(srv, "environ"), []byte("\x00SECRET_A=1\x00")) {
		t.Logf("server environ: %q", readProcFile(srv, "environ"))
		t.Fatalf("the daemon did not inherit SECRET_A: the leak is not exercised")
	}
	if !bytes.Contains(readProcFile(sessionPid(t, e, "a"), "environ"), []byte("SECRET_A=1")) {
		t.Errorf("session a lacks the environment of the client that made it (SECRET_A=1)")
	}

	// A second client, without SECRET_A and with OTHER=2.
	r = e.RunEnv([]string{"OTHER=2"}, "new", "-d", "b", "--", "sh", "-c", `echo "A=${SECRET_A-unset} O=${OTHER-unset} end"; exec sleep 100`)
	if r.Code != 0 || r.Stdout != "b\n" {
		t.Fatalf("new -d b with OTHER=2\n%v", r)
	}
	var got string
	poll(t, "session b's line", harnessWait, func() bool {
		got += e.Run("receive", "b").Stdout
		return strings.Contains(got, " end")
	})
	if !strings.Contains(got, "A=unset O=2 end") {
		t.Errorf("session b printed %q, want \"A=unset O=2 end\" (the creating client's env, not the server's)", got)
	}
	envB := readProcFile(sessionPid(t, e, "b"), "environ")
	if bytes.Contains(envB, []byte("SECRET_A")) || !bytes.Contains(envB, []byte("\x00OTHER=2\x00")) {
		t.Errorf("session b's environ: %q", envB)
	}

	logText := readFileString(serverLog(e))
	if logText == "" {
		t.Fatalf("empty server log %s", serverLog(e))
	}
	for _, leak := range []string{"SECRET_A=1", "OTHER=2", "XDG_RUNTIME_DIR="} {
		if strings.Contains(logText, leak) {
			t.Errorf("server log contains %q:\n%s", leak, logText)
		}
	}
}

func readProcFile(pid int, name string) []byte {
	b, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/" + name)
	return append(append([]byte{0}, b...), 0)
}
