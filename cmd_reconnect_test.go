package main

// Reconnect and resume (client/reconnect.go): an attached client over a
// real sshd whose connection breaks for real (the remote linger
// dial-stdio is killed) comes back by itself and carries on exactly.

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// rcKillRelay kills the remote end of e's ssh connections (linger
// dial-stdio, started by the test sshd with e's LINGER_SOCKET) and
// reports how many it killed.
func rcKillRelay(t *testing.T, e *env) int {
	t.Helper()
	n := 0
	for _, pid := range e.strays() {
		if cmd := pidCmdline(pid); strings.Contains(cmd, "dial-stdio") && !strings.Contains(cmd, "ssh") {
			if syscall.Kill(pid, syscall.SIGKILL) == nil {
				n++
			}
		}
	}
	return n
}

// rcWaitKillRelay kills the relay once there is one.
func rcWaitKillRelay(t *testing.T, e *env) {
	t.Helper()
	poll(t, "a dial-stdio to kill", harnessWait, func() bool { return rcKillRelay(t, e) > 0 })
}

// rcClean is what the terminal got without the client's own title
// writes (the status line, the title saved and put back), which it only
// writes between the session's frames.
var rcTitle = regexp.MustCompile("\x1b\\]2;[^\x07]*\x07|\x1b\\[2[23];0t")

func rcClean(out []byte) string { return rcTitle.ReplaceAllString(string(out), "") }

// rcSSH is a $LINGER_SSH wrapper around the test sshd's that fails like an
// unreachable host while the file it returns exists.
func rcSSH(t *testing.T, e *env, sshEnv string) (env, block string) {
	block = filepath.Join(e.Dir, "block-ssh")
	wrapper := filepath.Join(e.Dir, "rc-ssh")
	script := fmt.Sprintf("#!/bin/sh\nif [ -e %s ]; then echo 'ssh: connect to host testhost port 22: Connection refused' >&2; exit 255; fi\nexec %s \"$@\"\n",
		block, strings.TrimPrefix(sshEnv, "LINGER_SSH="))
	if err := os.WriteFile(wrapper, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return "LINGER_SSH=" + wrapper, block
}

// Every line of a generator of several MB reaches the attached client's
// terminal exactly once, in order, across three real drops (one while
// the program waits, two while output streams), with no restore drawn;
// the status line says it is reconnecting.
func TestReconnectResumesExactly(t *testing.T) {
	e := newEnv(t)
	s := startSSHD(t, e)
	const n, step = 120000, 30000
	gen := fmt.Sprintf(`awk 'BEGIN{for(i=1;i<=%d;i++){printf "L%%07d abcdefghijklmnopqrstuvwxyz\n", i; if(i%%%d==0 && i<%d){fflush(); system("while [ ! -e %s/go" i/%d " ]; do sleep 0.05; done")}}}'`,
		n, step, n, e.Dir, step)
	tm := e.StartCmd(80, 24, []string{e.Bin, "-H", "ssh://" + s.Alias, "new", "gen", "--", "sh", "-c", gen},
		[]string{s.Env, "LINGER_SOCKET=/nonexistent/not-used.sock"})
	tm.Timeout = 60 * time.Second
	for k := 1; k <= 3; k++ {
		tm.WaitText(fmt.Sprintf("L%07d", k*step))
		goFile := filepath.Join(e.Dir, "go"+strconv.Itoa(k))
		if k == 1 {
			rcWaitKillRelay(t, e) // output comes while it is away
			os.WriteFile(goFile, nil, 0o600)
			continue
		}
		os.WriteFile(goFile, nil, 0o600) // a drop while output streams
		tm.WaitFor("output to stream", func(scr string) bool { return !strings.Contains(scr, fmt.Sprintf("L%07d", k*step)) })
		rcWaitKillRelay(t, e)
	}
	tm.WaitText("[exited (status 0)]")
	if code := tm.WaitExit(); code != 0 {
		t.Errorf("exit %d, want 0", code)
	}
	raw := tm.Output()
	if !strings.Contains(string(raw), "[linger: lost gen ") || !strings.Contains(string(raw), "reconnecting (attempt 1") {
		t.Errorf("no status line saying it reconnects")
	}
	got := regexp.MustCompile(`L(\d{7}) `).FindAllStringSubmatch(rcClean(raw), -1)
	next := 1
	for _, m := range got {
		i, _ := strconv.Atoi(m[1])
		if i != next {
			t.Fatalf("line %d where line %d was due: lost or repeated output (%d lines seen)", i, next, len(got))
		}
		next++
	}
	if next != n+1 {
		t.Fatalf("%d lines, want %d", next-1, n)
	}
}
