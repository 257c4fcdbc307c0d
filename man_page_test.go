//go:build !urfave_cli_no_docs

package main

import (
	"fmt"
	"strings"

	"github.com/urfave/cli/v2"
)

// manPage renders man/linger.1 from the command table: urfave/cli's page
// (synopsis, options, commands) plus each command's description and the
// FILES and ENVIRONMENT sections.
func manPage() (string, error) {
	app := newApp()
	s, err := app.ToMan()
	if err != nil {
		return "", err
	}
	s = strings.Replace(s, ".TH linger 8", ".TH linger 1", 1)
	// urfave/cli's synopsis is the bare name and the global flags; ours is
	// the usage line of --help
	start, end := strings.Index(s, ".SH SYNOPSIS\n"), strings.Index(s, ".SH DESCRIPTION")
	if start < 0 || end < start {
		return "", fmt.Errorf("man page: no SYNOPSIS before DESCRIPTION in urfave/cli's page")
	}
	s = s[:start] + ".SH SYNOPSIS\n" + roff(usageText) + "\n\n" + s[end:]
	var b strings.Builder
	b.WriteString(s)
	b.WriteString("\n.SH COMMAND DETAILS\n")
	var walk func(prefix string, cmds []*cli.Command)
	walk = func(prefix string, cmds []*cli.Command) {
		for _, c := range cmds {
			if c.Hidden {
				continue
			}
			name := strings.TrimSpace(prefix + " " + c.Name)
			b.WriteString(".SS linger " + roff(name))
			if c.ArgsUsage != "" {
				b.WriteString(" " + roff(c.ArgsUsage))
			}
			b.WriteString("\n")
			desc := c.Description
			if desc == "" {
				desc = c.Usage
			}
			for _, para := range strings.Split(desc, "\n\n") {
				b.WriteString(".PP\n" + roff(para) + "\n")
			}
			walk(name, c.Subcommands)
		}
	}
	walk("", app.Commands)
	b.WriteString(manHosts)
	b.WriteString(manLogout)
	b.WriteString(manFiles)
	b.WriteString(".SH ENVIRONMENT\n")
	for _, v := range manEnvironment {
		b.WriteString(".TP\n.B " + v.names + "\n" + roff(v.text) + "\n")
	}
	return b.String(), nil
}

// manEnvironment is every environment variable linger reads, one entry
// each (TestManPageEnvironment checks against the source).
var manEnvironment = []struct{ names, text string }{
	{"LINGER_SOCKET", "Same as -S. Set inside a session to its server's socket, so linger commands there talk to that server."},
	{"LINGER_CONFIG", "Same as -c."},
	{"LINGER_HOST", "Same as -H: the server on another host, ssh://[USER@]HOST[:PORT][/SERVER-NAME], unix:///PATH or the name of a host entry. -S on the command line beats it; it beats $LINGER_SOCKET. A local new does not pass it to the session."},
	{"LINGER_SSH", "The program -H runs instead of ssh (a wrapper, or a test's fake); it gets ssh's arguments."},
	{"SSH_CONNECTION", "Read by dial-stdio (set by sshd in the login that runs it): its first field, the client machine's address, is what ls shows as that client's CLIENT, \"ssh:ADDRESS\"."},
	{"LINGER_IDLE_TIMEOUT", "The idle timeout of new sessions when new has no --idle-timeout (e.g. 90s, 2h, none); else the configuration's."},
	{"LINGER_OUTPUT_BUFFERING", "The output buffering of new sessions when new has no --output-buffering (block or drop); else the configuration's."},
	{"LINGER_SESSION, LINGER_SESSION_ID", "Set inside a session to its name and ID. new and attach refuse to nest inside a session unless --nest; detach without a name detaches that session."},
	{"XDG_RUNTIME_DIR", "Server sockets live in $XDG_RUNTIME_DIR/linger, else in /tmp/linger-UID."},
	{"XDG_CONFIG_HOME", "The configuration file is $XDG_CONFIG_HOME/linger/config.toml, else ~/.config/linger/config.toml."},
	{"XDG_STATE_HOME", "A server started on demand logs to $XDG_STATE_HOME/linger/NAME.log, else ~/.local/state/linger/NAME.log."},
	{"HOME", "The base of the default paths above, and what ~ means in a configuration's cwd."},
	{"SHELL", "Passed from the client to the session; a session whose command and configuration name no command runs $SHELL -l, else /bin/sh."},
	{"TERM", "Passed from the client to the session, else xterm-256color."},
	{"LINGER_PPROF", "In a server's environment: a directory to write pprof profiles into (CPU from start; on each SIGUSR2 and at exit a numbered snapshot of CPU, heap, allocs, goroutines and threads). Only in a build with -tags linger_pprof; other builds log how to make one."},
	{"GOGC", "In a server's environment: the Go garbage collector's setting, instead of linger's 50."},
}

// roff escapes text for a man page.
func roff(s string) string {
	s = strings.ReplaceAll(s, `\`, `\\`)
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		if strings.HasPrefix(l, ".") || strings.HasPrefix(l, "'") {
			lines[i] = `\&` + l
		}
	}
	return strings.Join(lines, "\n")
}

// manHosts describes -H and the hidden command behind it.
const manHosts = `
.SH OTHER HOSTS
-H ssh://[USER@]HOST[:PORT][/SERVER-NAME] (or $LINGER_HOST) makes a command talk to the linger server of the ssh login's user on HOST, through the system's ssh program, so ~/.ssh/config, agents and known_hosts apply. The client runs
.PP
.RS
ssh -T [-p PORT] [-l USER] [SSH OPTIONS] -o ConnectTimeout=SECONDS -- HOST linger dial-stdio [--server SERVER-NAME]
.RE
.PP
and speaks linger's protocol over ssh's standard input and output. --verbose prints that command line, shell-quoted, on standard error before running it. ssh may ask for a password, a passphrase or a host key confirmation on the terminal: attach, and new attached, put the terminal in raw mode only once linger has answered. SERVER-NAME is the -L name on that host (default "default"; -L NAME gives it when the URL has none). linger must be on the PATH of non-interactive ssh sessions there. A password in the URL, a host starting with "-" and a port that is not a number are refused before anything runs; -H with -S is a usage error. Attach over ssh is relayed (direct mode is local only). A remote new without --cwd starts in the remote user's home directory, with the environment of the remote server (that of the ssh login that started it).
.PP
-H unix:///PATH is -S PATH: the server whose socket is PATH on this machine (an absolute path), without ssh; several -H may mix such sockets and hosts.
.PP
-H NAME names a host entry of the client's configuration file (-c, $LINGER_CONFIG, else the default file):
.PP
.RS
.nf
[hosts.web1]
url = "ssh://alice@web1.example.com"
ssh_options = ["-o", "ProxyJump=bastion"]
remote_command = ["/opt/bin/linger", "-c", "/etc/linger/ops.toml"]
.fi
.RE
.PP
url is required; ssh_options go to ssh before "--"; remote_command is the linger program on that host with its global options, run in place of "linger", each word quoted for the remote shell (a leading "~/" stays the remote home). A value of -H that is neither an ssh:// URL nor an entry is a usage error that lists the entries. linger config hosts lists the entries without contacting any host.
.PP
--connect-timeout DURATION (default 10s) bounds reaching a host: ssh gets it as ConnectTimeout (whole seconds, rounded up: the TCP connection and ssh's handshake), and the client waits that long for linger dial-stdio to answer (authentication and the remote server's start included), except with one host when standard input is a terminal, where ssh may be asking for a password, a passphrase or a host key: then only ssh's ConnectTimeout applies.
.PP
Several hosts: ls, kill --all and detach --all accept -H more than once (other commands refuse it: usage error); $LINGER_HOST is always one host. The hosts are asked in parallel, each within --connect-timeout. ls prints one table with a HOST column first (the -H value as given), the hosts in the order given and each host's sessions in its own order, without -l's configuration line; ls --json prints one array whose objects also have "host". A host that fails does not stop the others: its error is one line on standard error, "linger: HOST: ...", the others' results are printed, and the exit status is 4 (0 when every host answered). With one -H, output and errors are those of a local command.
.PP
Errors are one line and name the entry, or else the host: "HOST: ssh: ..." (ssh could not connect or authenticate: the last line it printed), "HOST: linger not found (install it there, or set remote_command in [hosts.HOST])", "HOST's shell startup printed ... before linger answered" (make the remote shell quiet for non-interactive sessions), and a protocol mismatch that names both versions and the side to upgrade.
.SS linger dial-stdio [--server NAME]
Hidden from --help: what a client on another host runs through ssh. It connects to this user's server (-L NAME; started on demand, as new starts it, in a session of its own so that it outlives the ssh login: see LOGOUT), writes one line, "linger-dial-stdio 1 PROTOCOL VERSION", then hands its standard input and output over to the server, which from then on reads the client and writes to it itself (dial-stdio copies no byte), and waits, with /dev/null as its standard input and output, until the server ends the conversation. With it goes whom it relays for: the client machine's address from $SSH_CONNECTION, which ls shows as CLIENT "ssh:ADDRESS". With a server of another protocol version, or when standard input or output is a terminal, it relays instead: standard input to the server and the server to standard output until the server closes (the end of standard input half-closes the connection), so that the client reports the mismatch. -H and $LINGER_HOST are ignored: it always talks to the server on its own host.
`

// manLogout says how a server started on demand outlives the login.
const manLogout = `
.SH LOGOUT
A server started on demand (by any command, or by dial-stdio for an ssh login) runs in a session of its own (setsid), so closing the terminal or ending the ssh connection does not end it. Where a systemd user manager runs (the file $XDG_RUNTIME_DIR/systemd/private exists), the server starts under "systemd-run --user --scope --quiet --collect", in a scope of its own under that manager, which systemd-logind's KillUserProcesses=yes does not kill at logout; when systemd-run fails, the server starts without it. The user manager itself, and all that runs under it, ends with the user's last login unless lingering is on for that user:
.PP
.RS
loginctl enable-linger USER
.RE
.PP
(as root, or for yourself where polkit allows it). That "linger" is systemd-logind's setting, which lets a user's services run while the user is logged out; it is not this program, and the names clash by chance. contrib/systemd/linger.service runs the server as a user service instead.
`

const manFiles = `
.SH FILES
.TP
.B $XDG_RUNTIME_DIR/linger/NAME.sock, else /tmp/linger-UID/NAME.sock
The server socket (NAME from -L, default "default"). Its directory is created 0700 and refused when it is a symlink, not owned by the user, or open to group or others; the socket is 0600, the server serves only its own user and root, and the client talks only to its own user's server (root to any) before it sends anything (both checked with SO_PEERCRED).
.TP
.B $XDG_CONFIG_HOME/linger/config.toml, else ~/.config/linger/config.toml
Session configurations and host entries (TOML); see config.example.toml for every key and its default. No file means built-in defaults and no host entries.
.TP
.B $XDG_STATE_HOME/linger/NAME.log, else ~/.local/state/linger/NAME.log
The log of a server started on demand.
`
