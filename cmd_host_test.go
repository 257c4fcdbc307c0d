package main

// -H ssh://... through a fake ssh ($LINGER_SSH, a shell script the test
// writes): the URL checks, the ssh command line, and each class of error.
// The real sshd is in sshd_test.go.

import (
	"linger/socket"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// fakeSSH writes a $LINGER_SSH script whose body runs after it has logged
// its arguments to Dir/ssh.args and dropped them up to the remote command
// ("$@" is then linger dial-stdio ...). It returns the env entry.
func fakeSSH(t *testing.T, e *env, body string) string {
	t.Helper()
	p := filepath.Join(e.Dir, "fakessh")
	script := "#!/bin/sh\necho \"$*\" >> " + filepath.Join(e.Dir, "ssh.args") + "\n" +
		"while [ \"$1\" != -- ]; do shift; done; shift; shift\n" + body + "\n"
	if err := os.WriteFile(p, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return "LINGER_SSH=" + p
}

// sshArgs is what the fake ssh was run with, one line per run.
func sshArgs(e *env) string {
	b, _ := os.ReadFile(filepath.Join(e.Dir, "ssh.args"))
	return string(b)
}

func TestHostThroughFakeSSH(t *testing.T) {
	e := newEnv(t)
	ssh := fakeSSH(t, e, `exec "$@"`) // "the host" is this one
	r := e.RunEnv([]string{ssh}, "new", "-d", "job", "-H", "ssh://alice@web1:2222", "--", "sh", "-c", "pwd; sleep 100")
	if r.Code != 0 || r.Stdout != "job\n" {
		t.Fatalf("new -d over ssh: %v", r)
	}
	if got, want := sshArgs(e), "-T -p 2222 -l alice -o ConnectTimeout=10 -- web1 linger dial-stdio\n"; got != want {
		t.Errorf("ssh ran with %q, want %q", got, want)
	}
	// A remote session starts in the remote home, not in the client's directory.
	out := naWaitSession(t, e, "job", "running", func(s *socket.SessionInfo) bool { return s.Pid > 0 })
	if out.Cwd != e.Home {
		t.Errorf("remote session's cwd %q, want the home directory %q", out.Cwd, e.Home)
	}
	// $LINGER_HOST beats $LINGER_SOCKET (the client's points nowhere; the
	// "remote" linger keeps the test's socket).
	body := `LINGER_SOCKET=` + e.Sock + ` exec "$@"`
	ssh = fakeSSH(t, e, body)
	r = e.RunEnv([]string{ssh, "LINGER_HOST=ssh://web1/other", "LINGER_SOCKET=/nonexistent/s.sock"}, "ls")
	if r.Code != 0 || !strings.Contains(r.Stdout, "job") {
		t.Fatalf("LINGER_HOST ls: %v", r)
	}
	if !strings.HasSuffix(sshArgs(e), "-T -o ConnectTimeout=10 -- web1 linger dial-stdio --server other\n") {
		t.Errorf("ssh args: %q", sshArgs(e))
	}
	// -S on the command line beats $LINGER_HOST.
	r = e.RunEnv([]string{"LINGER_HOST=ssh://nowhere"}, "ls", "-S", e.Sock)
	if r.Code != 0 || !strings.Contains(r.Stdout, "job") {
		t.Fatalf("-S with LINGER_HOST: %v", r)
	}
}

func TestHostURLRefused(t *testing.T) {
	e := newEnv(t)
	ssh := fakeSSH(t, e, `touch `+filepath.Join(e.Dir, "ran"))
	for _, c := range []struct{ url, want string }{
		{"ssh://", "no host"},
		{"ssh://host:notaport", `port "notaport"`},
		{"ssh://host:0", `port "0"`},
		{"ssh://-oProxyCommand=x", `cannot start with "-"`},
		{"ssh://alice:secret@host", "password"},
		{"ssh://-l@host", "bad user name"},
		{"ssh://host/a/b", "server name"},
		{"web1", `no host entry "web1" (no entries in `},
		{"tcp://web1:1", "expected ssh://"},
	} {
		r := e.RunEnv([]string{ssh}, "-H", c.url, "ls")
		naWantErr(t, r, 2, `-H "`+c.url+`"`, c.want)
	}
	r := e.RunEnv([]string{ssh, "LINGER_HOST=ssh://"}, "ls")
	naWantErr(t, r, 2, `LINGER_HOST "ssh://"`)
	r = e.RunEnv([]string{ssh}, "ls", "-H", "ssh://web1", "-S", e.Sock)
	naWantErr(t, r, 2, "-H and -S")
	if _, err := os.Stat(filepath.Join(e.Dir, "ran")); err == nil {
		t.Errorf("ssh ran for a refused URL: %s", sshArgs(e))
	}
}

func TestHostErrorClasses(t *testing.T) {
	e := newEnv(t)
	for _, c := range []struct{ body, want string }{
		{"echo 'debug1: something' >&2; echo 'alice@web1: Permission denied (publickey).' >&2; exit 255",
			"linger: web1: ssh: alice@web1: Permission denied (publickey).\n"},
		{"exit 255", "linger: web1: ssh failed (exit status 255)\n"},
		{"echo 'sh: 1: linger: not found' >&2; exit 127",
			"linger: web1: linger not found (install it there, or set remote_command in [hosts.web1])\n"},
		{`echo "Welcome to web1!"; exec "$@"`,
			`linger: web1's shell startup printed "Welcome to web1!" before linger answered: make it quiet for non-interactive sessions` + "\n"},
		{`printf 'motd'; exit 1`,
			`linger: web1's shell startup printed "motd" before linger answered: make it quiet for non-interactive sessions` + "\n"},
		{`printf 'linger-dial-stdio 1 999 9.9.9\n'; cat >/dev/null`,
			"linger: web1 runs linger 9.9.9 (protocol 999), this is linger " + version + " (protocol " + protoString() + "): upgrade this linger\n"},
		{`printf 'linger-dial-stdio 1 1 0.0.1\n'; cat >/dev/null`,
			"linger: web1 runs linger 0.0.1 (protocol 1), this is linger " + version + " (protocol " + protoString() + "): upgrade linger on web1\n"},
		{`echo 'linger: cannot start the server (no room)' >&2; exit 1`, "linger: web1: cannot start the server (no room)\n"},
	} {
		ssh := fakeSSH(t, e, c.body)
		r := e.RunEnv([]string{ssh}, "-H", "ssh://web1", "ls")
		naWantErr(t, r, 1)
		if r.Stderr != c.want {
			t.Errorf("fake ssh %q:\n got %q\nwant %q", c.body, r.Stderr, c.want)
		}
	}
}

func protoString() string { return strconv.Itoa(socket.ProtocolVersion) }

// -H unix:///PATH is -S PATH: one names the server at that socket, several
// list servers side by side (no ssh runs), and a relative path is refused.
func TestHostUnixSocket(t *testing.T) {
	e := newEnv(t)
	ssh := fakeSSH(t, e, `exit 99`)
	other := filepath.Join(e.Dir, "other.sock")
	if r := e.RunEnv([]string{ssh}, "-H", "unix://"+other, "new", "-d", "x", "--", "sleep", "100"); r.Code != 0 || r.Stdout != "x\n" {
		t.Fatalf("new -d -H unix://: %v", r)
	}
	if r := e.Run("ls", "-S", other); r.Code != 0 || !strings.Contains(r.Stdout, " x ") {
		t.Errorf("the session made with -H unix:// is not on that socket: %v", r)
	}
	if r := e.Run("ls"); r.Code != 0 || strings.Contains(r.Stdout, " x ") {
		t.Errorf("the session made with -H unix:// is on the default socket: %v", r)
	}
	if r := e.RunEnv([]string{ssh}, "new", "-d", "y", "--", "sleep", "100"); r.Code != 0 {
		t.Fatalf("new -d y: %v", r)
	}
	r := e.RunEnv([]string{ssh}, "ls", "-H", "unix://"+e.Sock, "-H", "unix://"+other)
	lines := strings.Split(strings.TrimSpace(r.Stdout), "\n")
	if r.Code != 0 || len(lines) != 3 || !strings.HasPrefix(lines[0], "HOST ") ||
		!strings.HasPrefix(lines[1], "unix://"+e.Sock+" ") || !strings.Contains(lines[1], " y ") ||
		!strings.HasPrefix(lines[2], "unix://"+other+" ") || !strings.Contains(lines[2], " x ") {
		t.Errorf("ls across two unix:// sockets:\n%v", r)
	}
	if sshArgs(e) != "" {
		t.Errorf("ssh ran for unix:// hosts: %q", sshArgs(e))
	}
	r = e.Run("ls", "-H", "unix://rel.sock")
	if r.Code != 2 || !strings.Contains(r.Stderr, "absolute path") {
		t.Errorf("-H unix://rel.sock: want exit 2 naming the absolute path, got %v", r)
	}
	if r := e.Run("kill", "-H", "unix://"+other, "x"); r.Code != 0 {
		t.Errorf("kill -H unix://: %v", r)
	}
}
