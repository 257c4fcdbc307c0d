package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/urfave/cli/v2"

	"linger/client"
	"linger/config"
	"linger/socket"
	"linger/transport"
)

// program is what we announce in the protocol hello.
func program() string { return "linger " + version }

// socketPath is the server socket in effect: -S/$LINGER_SOCKET, else the
// socket of the -L server.
func socketPath(c *cli.Context) (string, error) {
	if err := checkGlobalFlags(c); err != nil {
		return "", err
	}
	if p := lookupString(c, "socket"); p != "" {
		return filepath.Abs(p)
	}
	name := lookupString(c, "server")
	if name == "" {
		name = "default"
	}
	return socket.DefaultPath(name)
}

// hasURLScheme reports whether a socket is given as a URL
// ("tcp://host:1"): a letter, then letters, digits, '+', '.' or '-', then
// "://".
func hasURLScheme(s string) bool {
	scheme, _, ok := strings.Cut(s, "://")
	if !ok || scheme == "" || !('a' <= scheme[0]|0x20 && scheme[0]|0x20 <= 'z') {
		return false
	}
	for _, c := range []byte(scheme) {
		if !('a' <= c|0x20 && c|0x20 <= 'z' || '0' <= c && c <= '9' || c == '+' || c == '.' || c == '-') {
			return false
		}
	}
	return true
}

// checkGlobalFlags refuses -L and -S values that cannot name a server: an
// empty -L (it is not "default"), and a -S URL (only unix socket paths
// exist so far; a URL would become a directory named "tcp:").
func checkGlobalFlags(c *cli.Context) error {
	for _, ctx := range c.Lineage() {
		if ctx.IsSet("server") && ctx.String("server") == "" {
			return usagef("-L: empty server name (give a NAME, or leave -L out for the server \"default\")")
		}
		if ctx.IsSet("connect-timeout") && ctx.Duration("connect-timeout") <= 0 {
			return usagef("--connect-timeout: give a duration above 0 (e.g. 10s, 1m)")
		}
		if p := ctx.String("socket"); hasURLScheme(p) {
			from := "-S"
			if os.Getenv("LINGER_SOCKET") == p {
				from = "LINGER_SOCKET"
			}
			return usagef("%s %q: TCP and other URLs are not supported yet: give the path of a unix socket (e.g. -S /tmp/linger.sock)", from, p)
		}
	}
	return nil
}

// logPath is where a server on sock writes its log:
// $XDG_STATE_HOME/linger/NAME.log, else ~/.local/state/linger/NAME.log.
func logPath(sock string) string {
	dir := os.Getenv("XDG_STATE_HOME")
	if dir == "" {
		home, _ := os.UserHomeDir()
		dir = filepath.Join(home, ".local", "state")
	}
	return filepath.Join(dir, "linger", strings.TrimSuffix(filepath.Base(sock), ".sock")+".log")
}

// hostTarget is one host of the command: the value as the user gave it
// (what several-host output and errors name it by), and the host: over
// ssh, or a server's socket on this machine (unix:///PATH, as -S PATH).
type hostTarget struct {
	Given           string
	*transport.Host        // nil for a unix:// target
	Socket          string // unix:///PATH: PATH
}

// endpoint says how to reach the target's server.
func (t hostTarget) endpoint() client.Endpoint {
	if t.Host == nil {
		return client.Endpoint{Socket: t.Socket, Program: program(), LogFile: logPath(t.Socket), Warn: warnConfig}
	}
	return hostEndpoint(t.Host)
}

// name is the target as errors name it.
func (t hostTarget) name() string {
	if t.Host == nil {
		return t.Socket
	}
	return t.Host.Name()
}

// remoteHosts are the hosts -H (repeatable) or $LINGER_HOST (one value)
// name, in the order given, or none for the local server. Flags beat the
// environment: -H with -S is a usage error, -S beats $LINGER_HOST, and
// $LINGER_HOST beats $LINGER_SOCKET. Each value is checked before any
// host is contacted, and each gets --connect-timeout; a single host may
// prompt at the terminal (transport.Host.Interactive).
func remoteHosts(c *cli.Context) ([]hostTarget, error) {
	vals := hostValues(c)
	if len(vals) == 0 {
		return nil, nil
	}
	hostFlag, socketFlag := onLine("-H", "--host"), onLine("-S", "--socket")
	if hostFlag && socketFlag {
		return nil, usagef("-H and -S both name a server: give one")
	}
	if !hostFlag && socketFlag {
		return nil, nil
	}
	hosts := make([]hostTarget, 0, len(vals))
	for _, raw := range vals {
		if path, ok := strings.CutPrefix(raw, "unix://"); ok {
			if !filepath.IsAbs(path) {
				return nil, usagef("%s %q: unix:// takes the absolute path of a server's socket (unix:///PATH, as -S PATH)", hostSource(), raw)
			}
			hosts = append(hosts, hostTarget{Given: raw, Socket: filepath.Clean(path)})
			continue
		}
		h, err := lookupHost(c, raw)
		if err != nil {
			return nil, err
		}
		h.ConnectTimeout = connectTimeout(c)
		h.Interactive = len(vals) == 1 && client.IsTerminal(os.Stdin)
		hosts = append(hosts, hostTarget{Given: raw, Host: h})
	}
	return hosts, nil
}

// hostValues are the -H values on the command line, in order, else
// $LINGER_HOST: one value, never split.
func hostValues(c *cli.Context) []string {
	if onLine("-H", "--host") {
		for _, ctx := range c.Lineage() {
			if ctx.IsSet("host") {
				return ctx.StringSlice("host")
			}
		}
	}
	if v := os.Getenv("LINGER_HOST"); v != "" {
		return []string{v}
	}
	return nil
}

// lookupHost resolves one -H (or $LINGER_HOST) value: an ssh:// URL, or
// the name of a host entry ([hosts.NAME]) in this client's configuration
// (-c, $LINGER_CONFIG, else the default file; without one, no entries).
// Anything else is a usage error naming the entries. With --verbose, the
// host says its ssh command line when it dials.
func lookupHost(c *cli.Context, raw string) (*transport.Host, error) {
	from := hostSource()
	var h *transport.Host
	if hasURLScheme(raw) {
		var err error
		if h, err = transport.Parse(raw); err != nil {
			return nil, usagef("%s %q: %v", from, raw, err)
		}
	} else {
		path, explicit := configPath(c)
		cfg, err := config.Load(path, explicit)
		if err != nil {
			return nil, err
		}
		entry, ok := cfg.Hosts[raw]
		if !ok {
			entries := "no entries in " + path
			if names := cfg.HostNames(); len(names) > 0 {
				entries = "entries: " + strings.Join(names, ", ")
			}
			return nil, usagef("%s %q: no host entry %q (%s; see linger config hosts), or give %s",
				from, raw, raw, entries, transport.URLForm)
		}
		if h, err = entry.Host(); err != nil {
			return nil, err
		}
	}
	for _, ctx := range c.Lineage() {
		if h.Server == "" && ctx.IsSet("server") {
			h.Server = ctx.String("server")
		}
	}
	if c.Bool("verbose") {
		h.Verbose = os.Stderr
	}
	return h, nil
}

// hostSource names where -H values come from, for errors: the flag, else
// $LINGER_HOST.
func hostSource() string {
	if onLine("-H", "--host") {
		return "-H"
	}
	return "LINGER_HOST"
}

// takesSeveralHosts names the commands that accept several -H.
const takesSeveralHosts = "ls, kill --all and detach --all"

// severalHostsError is the usage error of a command given several -H
// that works on one host.
func severalHostsError(c *cli.Context) error {
	return usagef("-H given %d times: only %s take several hosts", len(hostValues(c)), takesSeveralHosts)
}

// checkHostCount, before each command, refuses several -H unless the
// command takes several (ls, kill --all, detach --all).
func checkHostCount(c *cli.Context) error {
	if len(hostValues(c)) < 2 {
		return nil
	}
	if c.Command != nil {
		switch name := c.Command.Name; {
		case name == "ls", (name == "kill" || name == "detach") && c.Bool("all"):
			return nil
		}
	}
	return severalHostsError(c)
}

// connectTimeout is --connect-timeout.
func connectTimeout(c *cli.Context) time.Duration {
	return c.Duration("connect-timeout")
}

// onLine reports whether the command line, before "--", has one of the
// flags (alone or as -F=VALUE).
func onLine(flags ...string) bool {
	for _, a := range rawArgs {
		if a == "--" {
			return false
		}
		for _, f := range flags {
			if a == f || strings.HasPrefix(a, f+"=") {
				return true
			}
		}
	}
	return false
}

// isRemote reports whether the command talks to servers on other hosts.
func isRemote(c *cli.Context) bool {
	hosts, err := remoteHosts(c)
	if err != nil {
		return false
	}
	for _, h := range hosts {
		if h.Host != nil {
			return true
		}
	}
	return false
}

// endpoint says how to reach the server the global options name: on
// another host (-H), a socket given as -H unix:///PATH, else the local
// one (localEndpoint). Several -H are a usage error here, where only one
// is meant.
func endpoint(c *cli.Context) (client.Endpoint, error) {
	hosts, err := remoteHosts(c)
	switch {
	case err != nil:
		return client.Endpoint{}, err
	case len(hosts) > 1:
		return client.Endpoint{}, severalHostsError(c)
	case len(hosts) == 1 && hosts[0].Host != nil:
		return hosts[0].endpoint(), nil
	case len(hosts) == 1:
		return localEndpointAt(c, hosts[0].Socket)
	}
	return localEndpoint(c)
}

// hostEndpoint says how to reach the server on host h. The server there
// reads its own configuration: -c is this host's.
func hostEndpoint(h *transport.Host) client.Endpoint {
	return client.Endpoint{Host: h, Program: program(), Warn: warnConfig}
}

// localEndpoint says how to reach the local server the global options name. A
// configuration file named with -c or $LINGER_CONFIG must exist, whether
// or not this command starts a server; when a running server has loaded
// another one, the command says so once (warnConfig).
func localEndpoint(c *cli.Context) (client.Endpoint, error) {
	sock, err := socketPath(c)
	if err != nil {
		return client.Endpoint{}, err
	}
	return localEndpointAt(c, sock)
}

// localEndpointAt is localEndpoint for the server socket sock.
func localEndpointAt(c *cli.Context, sock string) (client.Endpoint, error) {
	e := client.Endpoint{Socket: sock, Program: program(), LogFile: logPath(sock), Warn: warnConfig}
	if p, explicit := configPath(c); explicit {
		if _, err := os.Stat(p); errors.Is(err, fs.ErrNotExist) {
			return client.Endpoint{}, config.NotFoundError(p)
		}
		e.Config, _ = filepath.Abs(p)
	}
	return e, nil
}

var configWarned sync.Once

// warnConfig says msg on stderr, once per command.
func warnConfig(msg string) {
	configWarned.Do(func() { fmt.Fprintf(os.Stderr, "linger: %s\n", msg) })
}

// request sends one request, from here (caller), to a running server and
// returns its reply.
func request(c *cli.Context, req *socket.Request) (*socket.Reply, error) {
	e, err := endpoint(c)
	if err != nil {
		return nil, err
	}
	req.Caller = caller(c)
	return e.Request(req)
}

// caller describes where this command runs, so the server can answer
// relative to it. Nothing here means anything on another host.
func caller(c *cli.Context) socket.Caller {
	if isRemote(c) {
		return socket.Caller{}
	}
	cwd, _ := os.Getwd()
	id, _ := strconv.Atoi(os.Getenv("LINGER_SESSION_ID"))
	return socket.Caller{TTY: client.TTYName(os.Stdin), SessionID: id, Cwd: cwd}
}

// checkNesting refuses to attach from inside a session unless --nest.
func checkNesting(c *cli.Context) error {
	if name := os.Getenv("LINGER_SESSION"); name != "" && !c.Bool("nest") {
		return usagef("already inside session %q: sessions should be nested with care (use --nest, or unset LINGER_SESSION)", name)
	}
	return nil
}

func nestFlag() cli.Flag {
	return &cli.BoolFlag{Name: "nest", Usage: "allow attaching from inside a linger session"}
}

func detachKeyFlag() cli.Flag {
	return &cli.StringFlag{
		Name:  "detach-key",
		Usage: "detach with `KEY` (e.g. ctrl-a, ^], none) instead of the configured one",
	}
}
