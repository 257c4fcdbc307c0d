// Package transport reaches a linger server on another host. It is the
// one place that knows how: the system's ssh program (not an SSH library,
// so ~/.ssh/config, agents, known_hosts, ProxyJump and ControlMaster all
// apply) runs `linger dial-stdio` on the host, which connects to the
// user's server there and relays; the client speaks linger's protocol
// (package socket) over ssh's stdin and stdout.
//
// Before the protocol, dial-stdio writes one banner line (Banner). It lets
// the client tell "linger answered" from "the remote shell's startup files
// printed something" and from "linger is not installed", and refuse
// another protocol version with a message that says which side to
// upgrade. The banner is not a protocol frame.
//
// A host entry of the client's configuration (package config, -H NAME)
// adds options for ssh and the remote command to run in place of
// "linger", each word quoted for the remote shell (RemoteWord).
//
// The client's side: Parse checks a -H URL before anything runs, Dial
// runs ssh, reads the banner and returns the child's pipes as a
// Stream (a socket.Stream) whose Close also ends and reaps ssh. The
// protocol's version is the caller's to give: this package knows nothing
// of linger's protocol, so the configuration (package config) can check
// host entries with Parse. Errors are one line,
// classified (ssh could not connect, linger not found, shell noise,
// another protocol) rather than a dump of ssh's stderr.
package transport

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// BannerMagic starts the banner; BannerVersion is the banner's own format.
const (
	BannerMagic   = "linger-dial-stdio"
	BannerVersion = 1
)

// Banner is the line dial-stdio writes before relaying:
// "linger-dial-stdio 1 PROTOCOL VERSION\n".
func Banner(protocol int, version string) string {
	return fmt.Sprintf("%s %d %d %s\n", BannerMagic, BannerVersion, protocol, version)
}

// bannerTimeout bounds the wait for the banner, ssh's connection and
// authentication included, for a Host without ConnectTimeout.
const bannerTimeout = 30 * time.Second

// Host is a server on another host, from an ssh:// URL.
type Host struct {
	URL    string // as the user gave it
	User   string // "" = ssh's default
	Host   string
	Port   string // "" = ssh's default
	Server string // the remote -L name ("" = default)

	// From a host entry ([hosts.NAME] in the client's configuration):
	Entry         string   // its NAME, which errors use; "" when -H gave a URL
	SSHOptions    []string // given to ssh before "--"
	RemoteCommand []string // the linger program there and its global options; nil = "linger"

	// Verbose, when not nil, is told the ssh command line before it runs
	// (--verbose), one line.
	Verbose io.Writer

	// ConnectTimeout bounds reaching the host: ssh's TCP connect and
	// handshake (-o ConnectTimeout, in whole seconds rounded up), then the
	// wait for dial-stdio's banner (authentication and the remote server's
	// start included). 0: ssh's default, and bannerTimeout.
	ConnectTimeout time.Duration
	// Interactive: ssh may be asking the user at the terminal (a
	// password, a passphrase, a host key), so the wait for the banner has
	// no bound; ssh's ConnectTimeout still bounds the network.
	Interactive bool
	// Batch: ssh must not prompt (BatchMode=yes), for dials nobody
	// watches, such as an attached client's automatic reconnects.
	Batch bool
}

// URLForm is the form Parse accepts, for error messages.
const URLForm = "ssh://[USER@]HOST[:PORT][/SERVER-NAME]"

// wordChars and hostChars say whether s is non-empty and made only of
// the characters a user or server name, or a host, may hold. Loops, not
// regular expressions: those would be compiled at every linger start.
func wordChars(s string) bool { return onlyOf(s, "_.%+@-") }

// ValidName reports whether s may name a server in a URL or a host entry:
// letters, digits and _ . % + @ -, not starting with "-".
func ValidName(s string) bool { return wordChars(s) && s[0] != '-' }
func hostChars(s string) bool { return onlyOf(s, "_.%:-") }

func onlyOf(s, punct string) bool {
	for _, c := range []byte(s) {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte(punct, c) >= 0) {
			return false
		}
	}
	return s != ""
}

// Parse checks raw, an ssh:// URL, before anything runs. Its errors say
// what is wrong with it, without the URL itself (the caller names it).
func Parse(raw string) (*Host, error) {
	rest, ok := strings.CutPrefix(raw, "ssh://")
	if !ok {
		return nil, fmt.Errorf("expected %s", URLForm)
	}
	h := &Host{URL: raw}
	rest, h.Server, _ = strings.Cut(rest, "/")
	if strings.Contains(h.Server, "/") {
		return nil, fmt.Errorf("a server name has no \"/\" (expected %s)", URLForm)
	}
	if i := strings.LastIndex(rest, "@"); i >= 0 {
		h.User, rest = rest[:i], rest[i+1:]
		if strings.Contains(h.User, ":") {
			return nil, errors.New("a password in the URL is refused: ssh asks for it, or use a key or an agent")
		}
		if h.User == "" || strings.HasPrefix(h.User, "-") || !wordChars(h.User) {
			return nil, fmt.Errorf("bad user name %q", h.User)
		}
	}
	h.Host = rest
	if strings.HasPrefix(rest, "[") { // [IPv6]:PORT
		end := strings.Index(rest, "]")
		if end < 0 {
			return nil, errors.New("missing \"]\" after an IPv6 address")
		}
		h.Host, rest = rest[1:end], rest[end+1:]
		if rest != "" && !strings.HasPrefix(rest, ":") {
			return nil, fmt.Errorf("unexpected %q after \"]\"", rest)
		}
		if rest != "" {
			h.Port = rest[1:]
			if h.Port == "" {
				return nil, errors.New("empty port after \":\"")
			}
		}
	} else if host, port, ok := strings.Cut(rest, ":"); ok {
		h.Host, h.Port = host, port
		if strings.Contains(port, ":") {
			return nil, errors.New("an IPv6 address goes in brackets: ssh://[::1]:22")
		}
		if port == "" {
			return nil, errors.New("empty port after \":\"")
		}
	}
	switch {
	case h.Host == "":
		return nil, fmt.Errorf("no host (expected %s)", URLForm)
	case strings.HasPrefix(h.Host, "-"):
		return nil, fmt.Errorf("a host name cannot start with \"-\" (%q)", h.Host)
	case !hostChars(h.Host):
		return nil, fmt.Errorf("bad host name %q", h.Host)
	}
	if h.Port != "" {
		if n, err := strconv.Atoi(h.Port); err != nil || n < 1 || n > 65535 {
			return nil, fmt.Errorf("port %q is not a number from 1 to 65535", h.Port)
		}
	}
	if h.Server != "" && !wordChars(h.Server) {
		return nil, fmt.Errorf("bad server name %q", h.Server)
	}
	return h, nil
}

// Name is the host as errors name it: the host entry's name when -H
// named one, else the host of the URL.
func (h *Host) Name() string {
	if h.Entry != "" {
		return h.Entry
	}
	return h.Host
}

// Command is the command line Dial runs: $LINGER_SSH or ssh, its options
// (-p, -l, the host entry's ssh_options), "--", the host and the remote
// command. ssh joins the words of the remote command with spaces for the
// remote shell, so each is quoted for it when needed (RemoteWord).
func (h *Host) Command() []string {
	prog := os.Getenv("LINGER_SSH")
	if prog == "" {
		prog = "ssh"
	}
	argv := []string{prog, "-T"}
	if h.Batch {
		argv = append(argv, "-o", "BatchMode=yes")
	}
	if h.Port != "" {
		argv = append(argv, "-p", h.Port)
	}
	if h.User != "" {
		argv = append(argv, "-l", h.User)
	}
	argv = append(argv, h.SSHOptions...) // first: an entry's own ConnectTimeout wins
	if h.ConnectTimeout > 0 {
		argv = append(argv, "-o", "ConnectTimeout="+strconv.FormatInt(int64((h.ConnectTimeout+time.Second-1)/time.Second), 10))
	}
	argv = append(argv, "--", h.Host)
	remote := h.RemoteCommand
	if len(remote) == 0 {
		remote = []string{"linger"}
	}
	remote = append(slices.Clip(remote), "dial-stdio")
	if h.Server != "" {
		remote = append(remote, "--server", h.Server)
	}
	for _, w := range remote {
		argv = append(argv, RemoteWord(w))
	}
	return argv
}

// RemoteWord is w quoted for the remote shell (ShellQuote), except that
// a leading "~/" stays unquoted, so that it is the remote home:
// ~/'my bin/linger'.
func RemoteWord(w string) string {
	if rest, ok := strings.CutPrefix(w, "~/"); ok && rest != "" {
		return "~/" + ShellQuote(rest)
	}
	return ShellQuote(w)
}

// ShellQuote quotes w for a POSIX shell when it holds anything but
// letters, digits and , . _ + : @ % / -.
func ShellQuote(w string) string {
	if onlyOf(w, ",._+:@%/-") {
		return w
	}
	return "'" + strings.ReplaceAll(w, "'", `'\''`) + "'"
}

// CommandLine is argv as one line a POSIX shell reads back as argv.
func CommandLine(argv []string) string {
	words := make([]string, len(argv))
	for i, w := range argv {
		words[i] = ShellQuote(w)
		if i > 0 && onlyOf(w, ",._+:@%/-=") { // "=" is plain after the program
			words[i] = w
		}
	}
	return strings.Join(words, " ")
}

// Dial runs ssh to h, waits for dial-stdio's banner and returns the
// stream to the server there. protocol and version are this program's
// (socket.ProtocolVersion), for a mismatch.
func (h *Host) Dial(protocol int, version string) (*Stream, error) {
	argv := h.Command()
	if h.Verbose != nil {
		fmt.Fprintf(h.Verbose, "linger: %s: %s\n", h.Name(), CommandLine(argv))
	}
	inR, inW, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	outR, outW, err := os.Pipe()
	if err != nil {
		inR.Close()
		inW.Close()
		return nil, err
	}
	s := &Stream{r: outR, w: inW, stderr: &tail{}, done: make(chan struct{})}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = inR, outW, s.stderr
	cmd.WaitDelay = time.Second // a ControlMaster ssh left behind keeps stderr
	err = cmd.Start()
	inR.Close()
	outW.Close()
	if err != nil {
		outR.Close()
		inW.Close()
		return nil, fmt.Errorf("%s: cannot run %s (%v)", h.Name(), argv[0], errors.Unwrap(err))
	}
	s.cmd = cmd
	go func() {
		cmd.Wait()
		close(s.done)
	}()
	if err := h.readBanner(s, protocol, version); err != nil {
		cmd.Process.Kill() // stuck connecting, or no use: no second to wait (Close)
		s.Close()
		return nil, err
	}
	return s, nil
}

// readBanner reads up to the banner, one byte at a time (what follows is
// the protocol, for the caller to read), and checks it.
func (h *Host) readBanner(s *Stream, protocol int, version string) error {
	wait := h.ConnectTimeout
	if wait == 0 {
		wait = bannerTimeout
	}
	if !h.Interactive {
		s.r.SetReadDeadline(time.Now().Add(wait))
		defer s.r.SetReadDeadline(time.Time{})
	}
	var seen []byte
	b := make([]byte, 1)
	for {
		n, err := s.r.Read(b)
		if n == 1 {
			seen = append(seen, b[0])
			if b[0] == '\n' {
				if i := bytes.Index(seen, []byte(BannerMagic+" ")); i >= 0 {
					return h.checkBanner(string(seen[:i]), string(seen[i:len(seen)-1]), protocol, version)
				}
			}
			if len(seen) > 4096 {
				return h.noisy(string(seen))
			}
			continue
		}
		if errors.Is(err, os.ErrDeadlineExceeded) {
			return fmt.Errorf("%s: no answer within %v (ssh connecting, or linger dial-stdio starting there; see --connect-timeout)", h.Name(), wait)
		}
		if err != nil {
			return h.exitError(s, string(seen))
		}
	}
}

// checkBanner checks the banner line; before is what came before it.
func (h *Host) checkBanner(before, line string, protocol int, version string) error {
	if strings.TrimSpace(before) != "" {
		return h.noisy(before)
	}
	f := strings.Fields(line)
	if len(f) < 4 || f[1] != strconv.Itoa(BannerVersion) {
		return fmt.Errorf("%s: unexpected answer from linger dial-stdio: %q", h.Name(), line)
	}
	proto, err := strconv.Atoi(f[2])
	if err != nil {
		return fmt.Errorf("%s: unexpected answer from linger dial-stdio: %q", h.Name(), line)
	}
	if proto != protocol {
		upgrade := "linger on " + h.Name()
		if proto > protocol {
			upgrade = "this linger"
		}
		return fmt.Errorf("%s runs linger %s (protocol %d), this is linger %s (protocol %d): upgrade %s",
			h.Name(), f[3], proto, version, protocol, upgrade)
	}
	return nil
}

// entryTable is the TOML table of h's host entry, or of the one to write
// for h: hosts.NAME, NAME quoted when it is not a bare key.
func (h *Host) entryTable() string {
	name := h.Name()
	if !onlyOf(name, "_-") {
		name = strconv.Quote(name)
	}
	return "hosts." + name
}

// noisy is the error for text before the banner.
func (h *Host) noisy(text string) error {
	text = strings.TrimSpace(text)
	if len(text) > 60 {
		text = text[:60] + "..."
	}
	return fmt.Errorf("%s's shell startup printed %q before linger answered: make it quiet for non-interactive sessions", h.Name(), text)
}

// exitError says why ssh ended before the banner (seen: what it printed).
func (h *Host) exitError(s *Stream, seen string) error {
	select {
	case <-s.done:
	case <-time.After(5 * time.Second):
		return fmt.Errorf("%s: ssh closed its output before linger answered", h.Name())
	}
	code := s.cmd.ProcessState.ExitCode()
	last := s.stderr.lastLine()
	switch {
	case code == 255:
		if last == "" {
			return fmt.Errorf("%s: ssh failed (exit status 255)", h.Name())
		}
		return fmt.Errorf("%s: ssh: %s", h.Name(), strings.TrimPrefix(last, "ssh: "))
	case code == 127 && len(h.RemoteCommand) > 0:
		return fmt.Errorf("%s: %s not found (check remote_command in [%s])", h.Name(), h.RemoteCommand[0], h.entryTable())
	case code == 127:
		return fmt.Errorf("%s: linger not found (install it there, or set remote_command in [%s])", h.Name(), h.entryTable())
	case strings.TrimSpace(seen) != "":
		return h.noisy(seen)
	case last != "":
		return fmt.Errorf("%s: %s", h.Name(), strings.TrimPrefix(last, "linger: "))
	}
	return fmt.Errorf("%s: linger dial-stdio ended before answering (exit status %d)", h.Name(), code)
}

// Stream is the ssh child's stdout (read) and stdin (written).
type Stream struct {
	r, w   *os.File
	cmd    *exec.Cmd
	stderr *tail
	done   chan struct{} // closed once ssh is reaped
	once   sync.Once
}

func (s *Stream) Read(p []byte) (int, error)         { return s.r.Read(p) }
func (s *Stream) Write(p []byte) (int, error)        { return s.w.Write(p) }
func (s *Stream) SetReadDeadline(t time.Time) error  { return s.r.SetReadDeadline(t) }
func (s *Stream) SetWriteDeadline(t time.Time) error { return s.w.SetWriteDeadline(t) }

// CloseWrite closes ssh's stdin: the remote server reads EOF.
func (s *Stream) CloseWrite() error { return s.w.Close() }

// Close closes both pipes, which ends ssh (EOF on its input, EPIPE on its
// output), and reaps it; one that lingers is killed after a second.
func (s *Stream) Close() error {
	s.once.Do(func() {
		s.w.Close()
		s.r.Close()
		if s.cmd == nil {
			return
		}
		select {
		case <-s.done:
		case <-time.After(time.Second):
			s.cmd.Process.Kill()
			<-s.done
		}
	})
	return nil
}

// tail keeps the last 4 KiB written to it (ssh's stderr).
type tail struct {
	mu  sync.Mutex
	buf []byte
}

func (t *tail) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if len(t.buf) > 4096 {
		t.buf = t.buf[len(t.buf)-4096:]
	}
	return len(p), nil
}

// lastLine is the last non-empty line written, with CRs removed.
func (t *tail) lastLine() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	lines := strings.Split(strings.ReplaceAll(string(t.buf), "\r", ""), "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		if l := strings.TrimSpace(lines[i]); l != "" {
			return l
		}
	}
	return ""
}
