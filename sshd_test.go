package main

// A real sshd on 127.0.0.1 for the -H tests: /usr/sbin/sshd in the
// foreground with a configuration, host key and authorized key the test
// makes, and an ssh_config for the client ($LINGER_SSH is a wrapper that
// runs ssh -F it). The remote side of the login is this test's env: the
// login's PATH starts with the binary under test, and its LINGER_SOCKET
// and XDG directories are the env's, so the harness's cleanup stops what
// the remote dial-stdio started. Other addresses (ssh://127.0.0.1:PORT)
// get the same keys and BatchMode: whatever fails there is the network,
// never a prompt.

import (
	"encoding/json"
	"fmt"
	"linger/socket"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strings"
	"testing"
)

const sshdPath = "/usr/sbin/sshd"

// sshServer is a running test sshd.
type sshServer struct {
	Alias  string // the ssh_config Host that reaches it
	Env    string // LINGER_SSH=... for the client
	Port   int    // where sshd listens on 127.0.0.1
	Config string // the ssh_config file (ssh -F), which the wrapper in Env uses

	block string // its Host block's settings but the port (for ViaProxy)
}

// ViaProxy starts a fault proxy (faultproxy_test.go) in front of the sshd
// and adds the ssh_config Host alias that reaches the sshd through it
// (host key checked as for Alias), which it returns with the proxy.
func (s *sshServer) ViaProxy(t *testing.T, alias string) (string, *faultProxy) {
	t.Helper()
	p := startFaultProxy(t, fmt.Sprintf("127.0.0.1:%d", s.Port))
	f, err := os.OpenFile(s.Config, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := fmt.Fprintf(f, "\nHost %s\n  Port %d\n  HostKeyAlias [127.0.0.1]:%d\n%s", alias, p.Port(), s.Port, s.block); err != nil {
		t.Fatal(err)
	}
	return alias, p
}

// startSSHD starts sshd for e and returns how to reach it. It skips the
// test when OpenSSH is not installed (.ci/run installs it).
func startSSHD(t *testing.T, e *env) *sshServer {
	t.Helper()
	needBinary(t)
	for _, p := range []string{sshdPath, "ssh", "ssh-keygen"} {
		if _, err := exec.LookPath(p); err != nil {
			t.Skipf("%s not installed (apt-get install openssh-server openssh-client)", p)
		}
	}
	me, err := user.Current()
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(e.Dir, "sshd")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	// privilege separation directory, which sshd checks at start
	if err := os.MkdirAll("/run/sshd", 0o755); err != nil && os.Geteuid() == 0 {
		t.Fatal(err)
	}
	for _, k := range []string{"host_key", "client_key"} {
		out, err := exec.Command("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", k, "-f", filepath.Join(dir, k)).CombinedOutput()
		if err != nil {
			t.Fatalf("ssh-keygen: %v\n%s", err, out)
		}
	}
	read := func(name string) string {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		return strings.TrimSpace(string(b))
	}
	writeFile := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	writeFile("authorized_keys", read("client_key.pub")+"\n")

	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()

	// What the login's environment is: the env's, so that `linger` there
	// is the binary under test and uses the env's socket.
	var setenv []string
	for _, kv := range e.Env {
		if strings.HasPrefix(kv, "PATH=") || strings.HasPrefix(kv, "HOME=") || strings.HasPrefix(kv, "XDG_") ||
			strings.HasPrefix(kv, "LINGER_SOCKET=") || strings.HasPrefix(kv, "LANG=") || strings.HasPrefix(kv, "SHELL=") {
			setenv = append(setenv, kv)
		}
	}
	conf := writeFile("sshd_config", fmt.Sprintf(`ListenAddress 127.0.0.1
Port %d
HostKey %s
PidFile none
AuthorizedKeysFile %s
PermitRootLogin prohibit-password
StrictModes no
UsePAM no
PasswordAuthentication no
KbdInteractiveAuthentication no
PubkeyAuthentication yes
AllowUsers %s
SetEnv %s
LogLevel ERROR
`, port, filepath.Join(dir, "host_key"), filepath.Join(dir, "authorized_keys"), me.Username, strings.Join(setenv, " ")))

	cmd := exec.Command(sshdPath, "-D", "-e", "-f", conf)
	var log strings.Builder
	cmd.Stdout, cmd.Stderr = &log, &log
	if err := cmd.Start(); err != nil {
		t.Fatalf("start sshd: %v", err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-exited
		if t.Failed() {
			t.Logf("sshd's log:\n%s", log.String())
		}
	})
	ok := pollQuiet(harnessWait, func() bool {
		select {
		case <-exited:
			return true
		default:
		}
		c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port))
		if err == nil {
			c.Close()
		}
		return err == nil
	})
	select {
	case <-exited:
		t.Fatalf("sshd exited: %v\n%s", cmd.ProcessState, log.String())
	default:
	}
	if !ok {
		t.Fatalf("sshd does not listen on port %d\n%s", port, log.String())
	}

	writeFile("known_hosts", fmt.Sprintf("[127.0.0.1]:%d %s\n", port, read("host_key.pub")))
	block := fmt.Sprintf(`  HostName 127.0.0.1
  User %s
  IdentityFile %s
  IdentitiesOnly yes
  UserKnownHostsFile %s
  GlobalKnownHostsFile /dev/null
  StrictHostKeyChecking yes
  BatchMode yes
  LogLevel ERROR
`, me.Username, filepath.Join(dir, "client_key"), filepath.Join(dir, "known_hosts"))
	// Host * last: any other address (a closed port, a blackhole) fails on
	// the network, not on host keys or a prompt.
	cfg := writeFile("ssh_config", fmt.Sprintf(`Host testhost
  Port %d
%sHost *
  IdentityFile %s
  IdentitiesOnly yes
  UserKnownHostsFile %s
  GlobalKnownHostsFile /dev/null
  StrictHostKeyChecking yes
  BatchMode yes
  LogLevel ERROR
`, port, block, filepath.Join(dir, "client_key"), filepath.Join(dir, "known_hosts")))
	wrapper := filepath.Join(dir, "ssh")
	if err := os.WriteFile(wrapper, []byte("#!/bin/sh\nexec ssh -F "+cfg+" \"$@\"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	return &sshServer{Alias: "testhost", Env: "LINGER_SSH=" + wrapper, Port: port, Config: cfg, block: block}
}

// The test sshd works: a plain ssh login runs a command with the env's
// PATH (the binary under test first).
func TestSSHDHelper(t *testing.T) {
	e := newEnv(t)
	s := startSSHD(t, e)
	wrapper := strings.TrimPrefix(s.Env, "LINGER_SSH=")
	out, err := exec.Command(wrapper, "-T", s.Alias, "command -v linger").CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != lingerBin {
		t.Fatalf("ssh %s command -v linger: %v\n%s (want %s)", s.Alias, err, out, lingerBin)
	}
}

// Every everyday command through a real sshd: new -d, ls (table and
// JSON), capture, receive -f byte-exact of a few MB with the status, wait
// with a status, an attach in a pty (relayed) with its restore and the
// detach key, kill.
func TestHostEndToEndThroughSSHD(t *testing.T) {
	e := newEnv(t)
	s := startSSHD(t, e)
	host := "ssh://" + s.Alias
	run := func(args ...string) result {
		t.Helper()
		return e.RunEnv([]string{s.Env, "LINGER_SOCKET=/nonexistent/not-used.sock"}, append([]string{"-H", host}, args...)...)
	}
	if r := run("new", "-d", "x", "--", "sh", "-c", "echo hi; sleep 100"); r.Code != 0 || r.Stdout != "x\n" {
		t.Fatalf("new -d over ssh: %v", r)
	}
	if r := run("ls"); r.Code != 0 || !strings.Contains(r.Stdout, "Disconnected") || !strings.Contains(r.Stdout, " x ") {
		t.Errorf("ls over ssh: %v", r)
	}
	r := run("ls", "--json")
	var list []socket.SessionInfo
	if err := json.Unmarshal([]byte(r.Stdout), &list); err != nil || len(list) != 1 || list[0].Name != "x" || list[0].Cwd != e.Home {
		t.Errorf("ls --json over ssh: %v %+v\n%v", err, list, r)
	}
	if !pollQuiet(harnessWait, func() bool { return strings.Contains(run("capture", "x").Stdout, "hi") }) {
		t.Errorf("capture over ssh never showed hi: %v", run("capture", "x"))
	}

	script, want := rxGen(60000, "; exit 3")
	if r := run("new", "-d", "gen", "--", "sh", "-c", script); r.Code != 0 {
		t.Fatalf("new -d gen: %v", r)
	}
	r = run("receive", "-f", "gen")
	if r.Code != 3 || r.Stderr != "" {
		t.Errorf("receive -f over ssh: exit %d stderr %q, want 3 and nothing", r.Code, r.Stderr)
	}
	rxSame(t, "receive -f over ssh", []byte(r.Stdout), want)

	if r := run("new", "-d", "w", "--", "sh", "-c", "sleep 0.2; exit 5"); r.Code != 0 {
		t.Fatalf("new -d w: %v", r)
	}
	if r := run("wait", "w"); r.Code != 5 {
		t.Errorf("wait over ssh: %v, want exit 5", r)
	}

	tm := e.StartCmd(80, 24, []string{e.Bin, "-H", host, "attach", "x"}, []string{s.Env})
	tm.WaitText("hi") // the restore
	naDetachAndWait(t, tm, "x")

	if r := run("kill", "x"); r.Code != 0 {
		t.Errorf("kill over ssh: %v", r)
	}
	if r := run("ls", "x"); r.Code == 0 {
		t.Errorf("x still listed after kill: %v", r)
	}
}

// A host entry through the real sshd, without $LINGER_SSH: its
// ssh_options give ssh the test's ssh_config, and its remote_command runs
// the binary through a path with a space, with a -c file whose path has
// one too (each word quoted for the remote shell).
func TestHostEntryThroughSSHD(t *testing.T) {
	e := newEnv(t)
	s := startSSHD(t, e)
	bin := filepath.Join(e.Dir, "my bin")
	if err := os.Mkdir(bin, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(lingerBin, filepath.Join(bin, "linger")); err != nil {
		t.Fatal(err)
	}
	remoteConf := filepath.Join(e.Dir, "remote conf.toml")
	if err := os.WriteFile(remoteConf, []byte("[configurations.default]\nenv = { WHERE = \"remote-config\" }\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	e.WriteConfig(fmt.Sprintf("[hosts.box]\nurl = %q\nssh_options = [\"-F\", %q]\nremote_command = [%q, \"-c\", %q]\n",
		"ssh://"+s.Alias, s.Config, filepath.Join(bin, "linger"), remoteConf))
	run := func(args ...string) result {
		t.Helper()
		return e.RunEnv([]string{"LINGER_SOCKET=/nonexistent/not-used.sock"}, append([]string{"-H", "box"}, args...)...)
	}
	r := run("--verbose", "new", "-d", "x", "--", "sh", "-c", "echo where=$WHERE; sleep 100")
	if r.Code != 0 || r.Stdout != "x\n" {
		t.Fatalf("new -d through the entry box: %v", r)
	}
	if want := "linger: box: ssh -T -F " + s.Config + " -o ConnectTimeout=10 -- testhost "; !strings.HasPrefix(r.Stderr, want) || !strings.Contains(r.Stderr, "'\\''") {
		t.Errorf("--verbose said %q, want a line starting %q, with the remote words quoted", r.Stderr, want)
	}
	if !pollQuiet(harnessWait, func() bool { return strings.Contains(run("capture", "x").Stdout, "where=remote-config") }) {
		t.Errorf("the session did not get the remote -c file's env: %v", run("capture", "x"))
	}
	if r := run("ls"); r.Code != 0 || !strings.Contains(r.Stdout, " x ") {
		t.Errorf("ls through the entry box: %v", r)
	}
	if r := run("kill", "x"); r.Code != 0 {
		t.Errorf("kill through the entry box: %v", r)
	}
}
