package main

// Reconnect and resume (client/reconnect.go): an attached client over a
// real sshd whose connection breaks for real (the remote linger
// dial-stdio is killed) comes back by itself and carries on exactly.

import (
	"bytes"
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
// unreachable host while the file block exists.
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

// rcChild is the child process of pid whose command line has word (0:
// none).
func rcChild(pid int, word string) int {
	ents, _ := os.ReadDir("/proc")
	for _, ent := range ents {
		c, err := strconv.Atoi(ent.Name())
		if err != nil {
			continue
		}
		st, _ := os.ReadFile("/proc/" + ent.Name() + "/stat")
		i := bytes.LastIndexByte(st, ')')
		if i < 0 {
			continue
		}
		f := strings.Fields(string(st[i+1:]))
		if len(f) > 2 && f[1] == strconv.Itoa(pid) && strings.Contains(pidCmdline(c), word) {
			return c
		}
	}
	return 0
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

// rcRelays lists the remote dial-stdio processes of e.
func rcRelays(e *env) []int {
	var pids []int
	for _, pid := range e.strays() {
		if cmd := pidCmdline(pid); strings.Contains(cmd, "dial-stdio") && !strings.Contains(cmd, "ssh") {
			pids = append(pids, pid)
		}
	}
	return pids
}

// Keys sent before a drop reach the program exactly once: each is typed
// while the relay is stopped (so it is lost in the pipe to it, unwritten)
// and the relay then killed; the client sends it again on resume. Keys
// typed while the client is disconnected are discarded, and it says so.
func TestReconnectInputOnce(t *testing.T) {
	e := newEnv(t)
	s := startSSHD(t, e)
	sshEnv, block := rcSSH(t, e, s.Env)
	log := filepath.Join(e.Dir, "typed.log")
	prog := fmt.Sprintf(`echo ready; while read l; do echo "got:$l" >> %s; echo "ok:$l"; done`, log)
	tm := e.StartCmd(80, 24, []string{e.Bin, "-H", "ssh://" + s.Alias, "new", "keys", "--", "sh", "-c", prog},
		[]string{sshEnv, "LINGER_SOCKET=/nonexistent/not-used.sock"})
	tm.Timeout = 30 * time.Second
	tm.WaitText("ready")
	for i := 1; i <= 3; i++ {
		// Stop ssh and take what the client sends it: the keys are then
		// lost on the way, though the client sent them.
		var ssh int
		poll(t, "the client's ssh", harnessWait, func() bool { ssh = rcChild(tm.cmd.Process.Pid, "dial-stdio"); return ssh != 0 })
		syscall.Kill(ssh, syscall.SIGSTOP)
		in, err := os.OpenFile(fmt.Sprintf("/proc/%d/fd/0", ssh), os.O_RDONLY|syscall.O_NONBLOCK, 0)
		if err != nil {
			t.Fatal(err)
		}
		tm.Type(fmt.Sprintf("a%d\r", i))
		var took []byte
		poll(t, "the client to send the keys", harnessWait, func() bool {
			buf := make([]byte, 4096)
			n, _ := in.Read(buf)
			took = append(took, buf[:max(n, 0)]...)
			return bytes.Contains(took, []byte(fmt.Sprintf("a%d\r", i)))
		})
		in.Close()
		syscall.Kill(ssh, syscall.SIGKILL)
		tm.WaitText(fmt.Sprintf("ok:a%d", i))
		poll(t, "a new ssh", harnessWait, func() bool { n := rcChild(tm.cmd.Process.Pid, "dial-stdio"); return n != 0 && n != ssh })
	}

	os.WriteFile(block, nil, 0o600)
	rcWaitKillRelay(t, e)
	poll(t, "a failed reconnect", tm.Timeout, func() bool { return strings.Contains(string(tm.Output()), "reconnecting (attempt 2") })
	tm.Type("zz\r")
	os.Remove(block)
	poll(t, "a resume saying keys were discarded", tm.Timeout, func() bool {
		return strings.Contains(string(tm.Output()), "3 typed bytes discarded while disconnected")
	})
	tm.Type("a4\r")
	tm.WaitText("ok:a4")
	if b, _ := os.ReadFile(log); string(b) != "got:a1\ngot:a2\ngot:a3\ngot:a4\n" {
		t.Errorf("the program read %q, want a1 to a4 once each", b)
	}
	naDetachAndWait(t, tm, "keys")
}

// reconnect_timeout 0 ([client] in the configuration file) is today's
// [lost connection]; a timeout that passes gives up with its line, exit
// 1; a bad --reconnect-timeout is a usage error.
func TestReconnectTimeout(t *testing.T) {
	e := newEnv(t)
	s := startSSHD(t, e)
	sshEnv, block := rcSSH(t, e, s.Env)
	host := "ssh://" + s.Alias
	cenv := []string{sshEnv, "LINGER_SOCKET=/nonexistent/not-used.sock"}
	if r := e.RunEnv(cenv, "-H", host, "attach", "--reconnect-timeout", "soon", "x"); r.Code != 2 || !strings.Contains(r.Stderr, "--reconnect-timeout") {
		t.Errorf("bad --reconnect-timeout: %v, want a usage error", r)
	}
	e.WriteConfig("[client]\nreconnect_timeout = \"0\"\n")
	tm := e.StartCmd(80, 24, []string{e.Bin, "-H", host, "new", "-e", "PS1=P> ", "zero", "--", "sh"}, cenv)
	tm.WaitText("P>")
	rcWaitKillRelay(t, e)
	naWaitLine(tm, "[lost connection]")
	if code := tm.WaitExit(); code != 1 {
		t.Errorf("exit %d after a lost connection, want 1", code)
	}

	tm = e.StartCmd(80, 24, []string{e.Bin, "-H", host, "attach", "--reconnect-timeout", "2s", "zero"}, cenv)
	tm.WaitText("P>")
	os.WriteFile(block, nil, 0o600)
	rcWaitKillRelay(t, e)
	tm.WaitText("[lost connection; gave up reconnecting after 2s")
	if code := tm.WaitExit(); code != 1 {
		t.Errorf("exit %d after giving up, want 1", code)
	}
	if !strings.Contains(strings.ReplaceAll(tm.Screen(), "\n", ""), "session zero keeps running: linger -H "+host+" attach zero]") {
		t.Errorf("the line does not say how to attach again:\n%s", tm.Screen())
	}
}

// Another client attaching while the client is away: the reconnecting
// client gives up and says where the session was attached from.
func TestReconnectAttachedElsewhere(t *testing.T) {
	e := newEnv(t)
	s := startSSHD(t, e)
	sshEnv, block := rcSSH(t, e, s.Env)
	tm := e.StartCmd(80, 24, []string{e.Bin, "-H", "ssh://" + s.Alias, "new", "-e", "PS1=P> ", "build", "--", "sh"},
		[]string{sshEnv, "LINGER_SOCKET=/nonexistent/not-used.sock"})
	tm.Timeout = 30 * time.Second
	tm.WaitText("P>")
	os.WriteFile(block, nil, 0o600)
	rcWaitKillRelay(t, e)
	poll(t, "a failed reconnect", tm.Timeout, func() bool { return strings.Contains(string(tm.Output()), "reconnecting (attempt 2") })
	other := e.Start(80, 24, "attach", "build")
	other.WaitText("P>")
	os.Remove(block)
	tm.WaitText("[session build was attached from pts/")
	if code := tm.WaitExit(); code != 1 {
		t.Errorf("exit %d, want 1", code)
	}
	if !strings.Contains(tm.Screen(), "while disconnected]") {
		t.Errorf("screen:\n%s", tm.Screen())
	}
	naDetachAndWait(t, other, "build")
}

// A resume that cannot continue exactly draws the screen and says why:
// the terminal's size changed while away; output the client still needed
// was dropped (drop mode) while away, and how much.
func TestReconnectFallsBackToRestore(t *testing.T) {
	e := newEnv(t)
	// the default file: the server the sshd login starts reads it
	os.MkdirAll(filepath.Join(e.Dir, "cfg", "linger"), 0o700)
	os.WriteFile(filepath.Join(e.Dir, "cfg", "linger", "config.toml"), []byte("[configurations.default]\noutput_buffering = \"drop\"\nbuffer_size = \"4KiB\"\n"), 0o600)
	s := startSSHD(t, e)
	sshEnv, block := rcSSH(t, e, s.Env)
	prog := fmt.Sprintf(`echo ready; while [ ! -e %[1]s/go ]; do sleep 0.05; done; seq 1 20000; echo gen-done; while [ ! -e %[1]s/end ]; do sleep 0.05; done`, e.Dir)
	tm := e.StartCmd(80, 24, []string{e.Bin, "-H", "ssh://" + s.Alias, "new", "fb", "--", "sh", "-c", prog},
		[]string{sshEnv, "LINGER_SOCKET=/nonexistent/not-used.sock"})
	tm.Timeout = 30 * time.Second
	tm.WaitText("ready")

	// resized while away
	os.WriteFile(block, nil, 0o600)
	rcWaitKillRelay(t, e)
	poll(t, "a failed reconnect", tm.Timeout, func() bool { return strings.Contains(string(tm.Output()), "reconnecting (attempt 2") })
	tm.Resize(100, 30)
	os.Remove(block)
	poll(t, "a resume saying the screen was redrawn", tm.Timeout, func() bool {
		return strings.Contains(string(tm.Output()), "[linger: screen redrawn: the terminal's size changed]")
	})
	tm.WaitText("ready")

	// output dropped while away
	os.WriteFile(block, nil, 0o600)
	rcWaitKillRelay(t, e)
	poll(t, "a failed reconnect", tm.Timeout, func() bool { return strings.Count(string(tm.Output()), "reconnecting (attempt 2") == 2 })
	os.WriteFile(filepath.Join(e.Dir, "go"), nil, 0o600)
	poll(t, "the output to be dropped", tm.Timeout, func() bool {
		info := naSession(naLsJSON(t, e), "fb")
		return info != nil && info.DroppedBytes > 0 && strings.Contains(e.Run("capture", "fb").Stdout, "gen-done")
	})
	os.Remove(block)
	poll(t, "a resume saying output was dropped", tm.Timeout, func() bool {
		out := string(tm.Output())
		return strings.Contains(out, "screen redrawn: output no longer held") && regexp.MustCompile(`[0-9.]+KiB of output dropped while disconnected\]`).MatchString(out)
	})
	tm.WaitText("gen-done")
	os.WriteFile(filepath.Join(e.Dir, "end"), nil, 0o600)
	tm.WaitText("[exited (status 0)]")
}
