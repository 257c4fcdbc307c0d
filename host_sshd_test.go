package main

// End-to-end tests of every command through a real sshd (startSSHD), as a
// user on another host runs them: attach with resize, -r and --steal, new
// attached, detach, rename, receive --all and --text, config list and
// show, server reload and stop. The remote server is the env's (the ssh
// login has the env's LINGER_SOCKET), so a local e.Run sees what the
// remote commands did.

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"linger/socket"
)

// hostSSH runs linger against the test sshd's host, from a client whose
// own socket does not exist (so nothing is done locally by mistake).
type hostSSH struct {
	t    *testing.T
	e    *env
	s    *sshServer
	host string
}

// newHostSSH starts a test sshd for a new env (the test runs in parallel).
func newHostSSH(t *testing.T) *hostSSH {
	t.Parallel()
	e := newEnv(t)
	s := startSSHD(t, e)
	return &hostSSH{t: t, e: e, s: s, host: "ssh://" + s.Alias}
}

// clientEnv is what the client side runs with, over e.Env.
func (h *hostSSH) clientEnv(extra ...string) []string {
	return append([]string{h.s.Env, "LINGER_SOCKET=/nonexistent/not-used.sock"}, extra...)
}

func (h *hostSSH) run(args ...string) result {
	h.t.Helper()
	return h.e.RunEnv(h.clientEnv(), append([]string{"-H", h.host}, args...)...)
}

// start runs linger -H ... ARGS in a pty of cols x rows.
func (h *hostSSH) start(cols, rows int, args ...string) *term {
	h.t.Helper()
	return h.e.StartCmd(cols, rows, append([]string{h.e.Bin, "-H", h.host}, args...), h.clientEnv())
}

// An attached `new` over ssh (not -d) follows the terminal's size and
// detaches with the detach key; attach -r watches without typing and
// detaches with the key; attach --steal from a second ssh client takes
// the session from a first one, which is told and exits 0.
func TestHostAttachThroughSSHD(t *testing.T) {
	h := newHostSSH(t)
	e := h.e

	prog := `trap 'stty size' WINCH; echo ready; while :; do sleep 0.05; done`
	tm := h.start(80, 24, "new", "r", "--", "sh", "-c", prog)
	naWaitLine(tm, "ready")
	tm.Resize(100, 30)
	naWaitLine(tm, "30 100")
	tm.Resize(70, 20)
	naWaitLine(tm, "20 70")
	naDetachAndWait(t, tm, "r")
	if s := naWaitSession(t, e, "r", "detached", func(s *socket.SessionInfo) bool { return s.Clients == 0 }); s.Size.Cols != 70 || s.Size.Rows != 20 {
		t.Errorf("ls size %dx%d, want 70x20", s.Size.Cols, s.Size.Rows)
	}
	// reattaching over ssh from another size gives the session that size
	tm = h.start(90, 25, "attach", "r")
	naWaitLine(tm, "25 90")
	tm.Resize(91, 26)
	naWaitLine(tm, "26 91")
	naDetachAndWait(t, tm, "r")

	if r := h.run(append([]string{"new", "-d", "x"}, naShSession...)...); r.Code != 0 {
		t.Fatalf("new -d x: %v", r)
	}
	owner := h.start(120, 24, "attach", "x")
	naShRun(owner, `echo "o=$((6*7))"`, "o=42")
	w := h.start(120, 24, "attach", "-r", "x")
	naWaitSession(t, e, "x", "held by one client and watched by one", func(s *socket.SessionInfo) bool {
		return s.Clients == 2 && s.Availability == "Busy"
	})
	w.WaitText("o=42") // the restore
	w.Type(`echo "w=$((5*5))"` + "\r")
	naShRun(owner, `echo "o2=$((7*7))"`, "o2=49")
	naWaitLine(w, "o2=49")
	for _, tm := range []*term{owner, w} {
		if s := tm.Screen(); strings.Contains(s, "w=25") || strings.Contains(s, `echo "w=`) {
			t.Fatalf("a read-only client's typing over ssh reached the program\n%s", tm.describe())
		}
	}
	naDetachAndWait(t, w, "x")
	if owner.Exited() {
		t.Fatalf("a watcher's detach ended the owner")
	}

	thief := h.start(120, 24, "attach", "--steal", "x")
	owner.WaitText("[detached (from session x: taken by ")
	if code := owner.WaitExit(); code != 0 {
		t.Errorf("stolen client over ssh: exit %d, want 0", code)
	}
	naShRun(thief, `echo "t=$((8*8))"`, "t=64")
	naDetachAndWait(t, thief, "x")
}

// detach NAME and detach --all over ssh end the attached clients (over
// ssh too) as locally; rename renames; receive --all prints everything
// still held again, receive --text a clean log.
func TestHostDetachRenameReceiveThroughSSHD(t *testing.T) {
	h := newHostSSH(t)
	e := h.e
	for _, name := range []string{"a", "b", "c"} {
		if r := h.run(append([]string{"new", "-d", name}, naShSession...)...); r.Code != 0 {
			t.Fatalf("new -d %s: %v", name, r)
		}
	}
	ta := h.start(80, 24, "attach", "a")
	naShRun(ta, `echo "a=$((1+1))"`, "a=2")
	tb := h.start(80, 24, "attach", "b")
	naShRun(tb, `echo "b=$((2+2))"`, "b=4")
	tc := h.start(80, 24, "attach", "c")
	naShRun(tc, `echo "c=$((3+3))"`, "c=6")

	if r := h.run("detach", "a"); r.Code != 0 {
		t.Errorf("detach a over ssh: %v", r)
	}
	naWaitLine(ta, "[detached (from session a)]")
	if code := ta.WaitExit(); code != 0 {
		t.Errorf("client of a detached over ssh: exit %d, want 0", code)
	}
	if tb.Exited() || tc.Exited() {
		t.Fatalf("detach a ended another client")
	}
	if r := h.run("detach", "--all"); r.Code != 0 {
		t.Errorf("detach --all over ssh: %v", r)
	}
	for name, tm := range map[string]*term{"b": tb, "c": tc} {
		naWaitLine(tm, "[detached (from session "+name+")]")
		if code := tm.WaitExit(); code != 0 {
			t.Errorf("client of %s after detach --all over ssh: exit %d, want 0", name, code)
		}
	}

	if r := h.run("rename", "b", "web"); r.Code != 0 {
		t.Errorf("rename over ssh: %v", r)
	}
	list := naLsJSON(t, e)
	if naSession(list, "web") == nil || naSession(list, "b") != nil {
		t.Errorf("after rename b web over ssh: %+v", list)
	}

	if r := h.run("new", "-d", "g", "--", "sh", "-c", `printf '\033[1;31mred\033[0m one\ntwo\n'; sleep 100`); r.Code != 0 {
		t.Fatalf("new -d g: %v", r)
	}
	want := "\x1b[1;31mred\x1b[0m one\r\ntwo\r\n"
	if !pollQuiet(harnessWait, func() bool {
		s := naSession(naLsJSON(t, e), "g")
		return s != nil && s.BufferedBytes >= int64(len(want))
	}) {
		t.Fatalf("g never printed its lines: %+v", naLsJSON(t, e))
	}
	if r := h.run("receive", "g"); r.Code != 0 || r.Stdout != want {
		t.Errorf("receive over ssh: got %q, want %q\n%v", r.Stdout, want, r)
	}
	if r := h.run("receive", "g"); r.Code != 0 || r.Stdout != "" {
		t.Errorf("receive again over ssh: want nothing\n%v", r)
	}
	if r := h.run("receive", "--all", "g"); r.Code != 0 || r.Stdout != want {
		t.Errorf("receive --all over ssh: got %q, want %q\n%v", r.Stdout, want, r)
	}
	if r := h.run("receive", "--all", "--text", "g"); r.Code != 0 || r.Stdout != "red one\ntwo\n" {
		t.Errorf("receive --all --text over ssh: want \"red one\\ntwo\\n\"\n%v", r)
	}
}

// config list and config show over ssh show the remote server's
// configuration, not the client's file; server reload reads the remote
// file again; server stop ends the remote server and its sessions.
func TestHostConfigAndServerThroughSSHD(t *testing.T) {
	h := newHostSSH(t)
	e := h.e
	// the remote server reads $XDG_CONFIG_HOME/linger/config.toml (the
	// login's); the client has another file in $LINGER_CONFIG
	remote := filepath.Join(e.Dir, "cfg", "linger", "config.toml")
	if err := os.MkdirAll(filepath.Dir(remote), 0o700); err != nil {
		t.Fatal(err)
	}
	write := func(path, text string) {
		if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write(remote, "[server]\ndefault_configuration = \"there\"\n[configurations.there]\ncommand = [\"remote-prog\"]\nscrollback_lines = 123\n")
	local := filepath.Join(e.Dir, "local.toml")
	write(local, "[server]\ndefault_configuration = \"here\"\n[configurations.here]\ncommand = [\"local-prog\"]\n")
	run := func(args ...string) result {
		t.Helper()
		return e.RunEnv(h.clientEnv("LINGER_CONFIG="+local), append([]string{"-H", h.host}, args...)...)
	}

	r := run("config", "list")
	if r.Code != 0 || !strings.Contains(r.Stdout, "there *") || !strings.Contains(r.Stdout, "remote-prog") ||
		strings.Contains(r.Stdout, "local-prog") || !strings.Contains(r.Stdout, remote) {
		t.Errorf("config list over ssh: want the remote server's configurations and file\n%v", r)
	}
	if strings.Contains(r.Stdout+r.Stderr, "gone") || strings.Contains(r.Stdout+r.Stderr, "changed") || r.Stderr != "" {
		t.Errorf("config list over ssh looked at this host's files\n%v", r)
	}
	for _, args := range [][]string{{"config", "show"}, {"config", "show", "there"}} {
		r := run(args...)
		if r.Code != 0 || !strings.HasPrefix(r.Stdout, "[configurations.there]\n") ||
			!strings.Contains(r.Stdout, `command = ["remote-prog"]`) || !strings.Contains(r.Stdout, "scrollback_lines = 123\n") {
			t.Errorf("%s over ssh: want the remote configuration there\n%v", strings.Join(args, " "), r)
		}
	}
	naWantErr(t, run("config", "show", "here"), 1, `no configuration named "here"`, "there")

	write(remote, "[server]\ndefault_configuration = \"there\"\n[configurations.there]\ncommand = [\"remote-prog\"]\n[configurations.more]\ncwd = \"/\"\n")
	if r := run("server", "reload"); r.Code != 0 || !strings.Contains(r.Stdout, "reloaded "+remote) || !strings.Contains(r.Stdout, "more") {
		t.Errorf("server reload over ssh: want the remote file reloaded\n%v", r)
	}
	if r := run("config", "show", "more"); r.Code != 0 || !strings.Contains(r.Stdout, `cwd = "/"`) {
		t.Errorf("config show more after reload over ssh\n%v", r)
	}

	if r := run("new", "-d", "x", "--", "sleep", "100"); r.Code != 0 {
		t.Fatalf("new -d over ssh: %v", r)
	}
	if r := run("server", "stop"); r.Code != 0 || !strings.Contains(r.Stdout, "stopped (1 session ended)") {
		t.Errorf("server stop over ssh: %v", r)
	}
	if _, err := os.Lstat(e.Sock); err == nil {
		t.Errorf("the remote server's socket %s is still there after server stop", e.Sock)
	}
}

// livePIDs lists the live processes.
func livePIDs() []int {
	ents, _ := os.ReadDir("/proc")
	var out []int
	for _, ent := range ents {
		if pid, err := strconv.Atoi(ent.Name()); err == nil && procAlive(pid) {
			out = append(out, pid)
		}
	}
	return out
}

// A server started on demand through an ssh login outlives the login: once
// the ssh client and the sshd process of its login are gone, the server
// still runs, in a session of its own, and keeps its sessions, which the
// next login finds.
func TestHostServerOutlivesSSHLogin(t *testing.T) {
	h := newHostSSH(t)
	e := h.e
	if r := h.run("new", "-d", "x", "--", "sleep", "100"); r.Code != 0 {
		t.Fatalf("new -d over ssh: %v", r)
	}
	sshd, server := 0, 0
	conf := filepath.Join(e.Dir, "sshd", "sshd_config")
	for _, pid := range livePIDs() {
		cmd := pidCmdline(pid)
		// sshd rewrites its argv: "sshd: /usr/sbin/sshd -D ... [listener] ..."
		if strings.Contains(cmd, sshdPath+" ") && strings.Contains(cmd, conf) {
			sshd = pid
		}
		if strings.Contains(cmd, " -S "+e.Sock+" server --daemon") {
			server = pid
		}
	}
	if sshd == 0 || server == 0 {
		t.Fatalf("sshd (pid %d) or the server it started (pid %d) not found", sshd, server)
	}
	// the login's sshd process (sshd-session, or sshd on older OpenSSH)
	// ends once the client has gone
	if !pollQuiet(harnessWait, func() bool {
		for _, pid := range livePIDs() {
			if st, ok := readProcStat(pid); ok && st.Ppid == sshd {
				return false
			}
		}
		return true
	}) {
		t.Fatalf("the ssh login's processes did not end")
	}
	st, ok := readProcStat(server)
	if !ok || !procAlive(server) {
		t.Fatalf("the server (pid %d) ended with the ssh login", server)
	}
	if st.Session != server {
		t.Errorf("the server is in session %d, want one of its own (%d)", st.Session, server)
	}
	s := naWaitSession(t, e, "x", "kept", func(s *socket.SessionInfo) bool { return s.State == "Disconnected" })
	if s.Name != "x" {
		t.Errorf("session x after the login ended: %+v", s)
	}
	if r := h.run("ls"); r.Code != 0 || !strings.Contains(r.Stdout, " x ") {
		t.Errorf("the next ssh login does not find x: %v", r)
	}
}
