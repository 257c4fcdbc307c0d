package main

// Host entries ([hosts.NAME] in the client's configuration) through a fake
// ssh ($LINGER_SSH, fakeSSH in cmd_host_test.go): -H NAME and
// $LINGER_HOST=NAME, the ssh command line an entry makes (--verbose
// prints it), unknown names, 'config hosts' (which never dials), and ssh
// asking for a password on the terminal before an attach makes it raw.

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"linger/transport"
)

// hostEntries is a configuration with host entries; "local" reaches this
// host through a fake ssh that runs the remote command.
const hostEntries = `
[hosts.web1]
url = "ssh://alice@web1:2222/ops"
ssh_options = ["-o", "ProxyJump=bastion host"]
remote_command = ["/opt/my bin/linger", "-c", "/etc/x y.toml"]
reconnect_timeout = "30m"

[hosts.web2]
url = "ssh://web2.example.com"

[hosts.local]
url = "ssh://web9"
`

func TestHostEntry(t *testing.T) {
	e := newEnv(t)
	e.WriteConfig(hostEntries)

	// An entry's URL, ssh options and remote command (each word quoted
	// for the remote shell), and its name in the errors.
	ssh := fakeSSH(t, e, "exit 127")
	r := e.RunEnv([]string{ssh}, "ls", "-H", "web1")
	naWantErr(t, r, 1)
	if want := "linger: web1: /opt/my bin/linger not found (check remote_command in [hosts.web1])\n"; r.Stderr != want {
		t.Errorf("exit 127 with a remote_command:\n got %q\nwant %q", r.Stderr, want)
	}
	if got, want := sshArgs(e), `-T -p 2222 -l alice -o ProxyJump=bastion host -o ConnectTimeout=10 -- web1 '/opt/my bin/linger' -c '/etc/x y.toml' dial-stdio --server ops`+"\n"; got != want {
		t.Errorf("ssh ran with\n %q\nwant %q", got, want)
	}
	r = e.RunEnv([]string{ssh, "LINGER_HOST=web2"}, "ls")
	naWantErr(t, r, 1)
	if want := "linger: web2: linger not found (install it there, or set remote_command in [hosts.web2])\n"; r.Stderr != want {
		t.Errorf("exit 127 through LINGER_HOST=web2:\n got %q\nwant %q", r.Stderr, want)
	}
	// A URL: the host names it, and the entry to write for it.
	r = e.RunEnv([]string{ssh}, "ls", "-H", "ssh://web2.example.com")
	if want := `linger: web2.example.com: linger not found (install it there, or set remote_command in [hosts."web2.example.com"])` + "\n"; r.Stderr != want {
		t.Errorf("exit 127 with a URL:\n got %q\nwant %q", r.Stderr, want)
	}

	// --verbose: the ssh command line, shell-quoted, one line before it runs.
	r = e.RunEnv([]string{ssh}, "ls", "-H", "web1", "--verbose")
	lines := strings.Split(strings.TrimSuffix(r.Stderr, "\n"), "\n")
	fake := strings.TrimPrefix(ssh, "LINGER_SSH=")
	want := "linger: web1: " + fake + ` -T -p 2222 -l alice -o 'ProxyJump=bastion host' -o ConnectTimeout=10 -- web1 ''\''/opt/my bin/linger'\''' -c ''\''/etc/x y.toml'\''' dial-stdio --server ops`
	if r.Code != 1 || len(lines) != 2 || lines[0] != want {
		t.Errorf("--verbose:\n got %q\nwant first line %q", r.Stderr, want)
	}
	if r := e.RunEnv([]string{ssh}, "--verbose", "ls"); r.Code != 0 || r.Stderr != "" {
		t.Errorf("--verbose without -H says something: %v", r)
	}

	// An entry that works: the session is made and listed through it.
	ssh = fakeSSH(t, e, `exec "$@"`)
	if r := e.RunEnv([]string{ssh}, "-H", "local", "new", "-d", "job", "--", "sleep", "100"); r.Code != 0 || r.Stdout != "job\n" {
		t.Fatalf("new -d through the entry local: %v", r)
	}
	if r := e.RunEnv([]string{ssh, "LINGER_HOST=local"}, "ls"); r.Code != 0 || !strings.Contains(r.Stdout, "job") {
		t.Errorf("LINGER_HOST=local ls: %v", r)
	}
	if got := sshArgs(e); !strings.HasSuffix(got, "-T -o ConnectTimeout=10 -- web9 linger dial-stdio\n-T -o ConnectTimeout=10 -- web9 linger dial-stdio\n") {
		t.Errorf("ssh args for the entry local: %q", got)
	}
}

func TestHostEntryUnknown(t *testing.T) {
	e := newEnv(t)
	ssh := fakeSSH(t, e, `touch `+filepath.Join(e.Dir, "ran"))
	// No configuration file: no entries.
	r := e.RunEnv([]string{ssh}, "ls", "-H", "web3")
	naWantErr(t, r, 2)
	def := filepath.Join(e.Dir, "cfg", "linger", "config.toml")
	if want := `linger: -H "web3": no host entry "web3" (no entries in ` + def + `; see linger config hosts), or give ` + transport.URLForm + "\n"; r.Stderr != want {
		t.Errorf("unknown entry without a file:\n got %q\nwant %q", r.Stderr, want)
	}
	e.WriteConfig(hostEntries)
	r = e.RunEnv([]string{ssh, "LINGER_HOST=web3"}, "ls")
	naWantErr(t, r, 2)
	if want := `linger: LINGER_HOST "web3": no host entry "web3" (entries: local, web1, web2; see linger config hosts), or give ` + transport.URLForm + "\n"; r.Stderr != want {
		t.Errorf("unknown entry:\n got %q\nwant %q", r.Stderr, want)
	}
	// A broken configuration is said as such.
	e.WriteConfig("[hosts.web1]\nurl = \"ssh://\"\n")
	r = e.RunEnv([]string{ssh}, "-H", "web1", "ls")
	naWantErr(t, r, 1, e.Config+`:2: hosts.web1.url: invalid URL "ssh://": no host`)
	if _, err := os.Stat(filepath.Join(e.Dir, "ran")); err == nil {
		t.Errorf("ssh ran for an unknown entry: %s", sshArgs(e))
	}
}

// 'config hosts' lists the entries from the file, and never runs ssh,
// even with -H.
func TestConfigHosts(t *testing.T) {
	e := newEnv(t)
	ran := filepath.Join(e.Dir, "ran")
	ssh := fakeSSH(t, e, "touch "+ran+"; exit 255")
	r := e.RunEnv([]string{ssh}, "config", "hosts")
	if r.Code != 0 || r.Stdout != "" || !strings.Contains(r.Stderr, "no host entries in ") {
		t.Errorf("config hosts without entries: %v", r)
	}
	if r := e.RunEnv([]string{ssh}, "config", "hosts", "--json"); r.Code != 0 || r.Stdout != "[]\n" {
		t.Errorf("config hosts --json without entries: %v", r)
	}
	e.WriteConfig(hostEntries)
	r = e.RunEnv([]string{ssh}, "config", "hosts")
	want := `NAME   URL                        SSH OPTIONS                  REMOTE COMMAND
local  ssh://web9                 -                            linger
web1   ssh://alice@web1:2222/ops  -o 'ProxyJump=bastion host'  '/opt/my bin/linger' -c '/etc/x y.toml'
web2   ssh://web2.example.com     -                            linger
`
	if r.Code != 0 || r.Stdout != want || r.Stderr != "" {
		t.Errorf("config hosts:\n%v\nwant:\n%s", r, want)
	}
	r = e.RunEnv([]string{ssh, "LINGER_HOST=web1"}, "-H", "web1", "config", "hosts", "--json")
	var got []hostInfo
	if err := json.Unmarshal([]byte(r.Stdout), &got); err != nil || r.Code != 0 || len(got) != 3 {
		t.Fatalf("config hosts --json: %v\n%v", err, r)
	}
	if w := (hostInfo{Name: "local", URL: "ssh://web9", SSHOptions: []string{}, RemoteCommand: []string{}}); !jsonEqual(got[0], w) {
		t.Errorf("config hosts --json [0] = %+v, want %+v", got[0], w)
	}
	if got[1].Name != "web1" || strings.Join(got[1].RemoteCommand, "|") != "/opt/my bin/linger|-c|/etc/x y.toml" ||
		strings.Join(got[1].SSHOptions, "|") != "-o|ProxyJump=bastion host" || got[1].ReconnectTimeout == nil || *got[1].ReconnectTimeout != "30m" {
		t.Errorf("config hosts --json [1] = %+v", got[1])
	}
	if !strings.Contains(r.Stdout, `"reconnect_timeout": null`) {
		t.Errorf("an entry without reconnect_timeout is not null: %s", r.Stdout)
	}
	if !strings.Contains(r.Stdout, `"ssh_options": []`) {
		t.Errorf("an entry without ssh options has no empty array: %s", r.Stdout)
	}
	if _, err := os.Stat(ran); err == nil {
		t.Errorf("config hosts ran ssh: %s", sshArgs(e))
	}
}

func jsonEqual(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}

// ssh may ask for a password (passphrase, host key) on the terminal
// before it connects: the terminal must still be cooked then. The fake
// ssh reads a line from /dev/tty; in raw mode Enter is "\r" and read
// would never return.
func TestHostPromptBeforeRawMode(t *testing.T) {
	e := newEnv(t)
	ssh := fakeSSH(t, e, `printf 'Password: ' >/dev/tty
read pw </dev/tty
[ "$pw" = secret ] || { echo "Permission denied, got $pw" >&2; exit 255; }
exec "$@"`)
	if r := e.Run("new", "-d", "x", "--", "sh", "-c", "echo hello-x; sleep 100"); r.Code != 0 {
		t.Fatalf("new -d x: %v", r)
	}
	tm := e.StartCmd(80, 24, []string{e.Bin, "-H", "ssh://web1", "attach", "x"}, []string{ssh})
	tm.WaitText("Password:")
	tm.Type("secret\r")
	tm.WaitText("hello-x")
	naDetachAndWait(t, tm, "x")

	tm = e.StartCmd(80, 24, []string{e.Bin, "-H", "ssh://web1", "new", "y", "--", "sh", "-c", "echo hello-y; sleep 100"}, []string{ssh})
	tm.WaitText("Password:")
	tm.Type("secret\r")
	tm.WaitText("hello-y")
	naDetachAndWait(t, tm, "y")
}
