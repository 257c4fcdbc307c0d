package main

// How each multiplexer is driven. Every tool gets a private directory (also
// its $HOME) and a minimal environment, so a user's configuration, a
// surrounding $TMUX/$STY or real sessions never leak in.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// peerNames are the tools measured beside linger when installed.
var peerNames = []string{"tmux", "screen", "dtach", "abduco"}

// baseName is the tool -base adds: a second linger binary, typically the
// build before a change, measured in the same rounds as linger so that
// before and after come from one run on one machine state.
const baseName = "linger-base"

// isLinger reports whether tool name is a linger binary (linger or
// linger-base): both are driven, checked and reported the same way.
func isLinger(name string) bool { return name == "linger" || name == baseName }

// toolNames are the tools a run can measure, in report order: linger, the
// -base build when one is given, then the peers.
func toolNames(base bool) []string {
	n := []string{"linger"}
	if base {
		n = append(n, baseName)
	}
	return append(n, peerNames...)
}

type tool struct {
	name    string
	raw     bool   // the plain-pty baseline: no multiplexer
	bin     string // resolved binary: the executable of the tool's processes
	version string
	dir     string // private directory, also $HOME
	env     []string
	detach  string // bytes that make the attached client detach
	note    string

	newArgs    func(name string, argv []string) []string
	attachArgs func(name string) []string
	listArgs   []string // nil: the tool cannot list sessions
	killArgs   func(name string) []string
	stopArgs   []string                            // ends every session (nil: kill by pid)
	capture    func(name string) ([]byte, error)   // scrollback + screen as text, or nil
	sockDirs   []string                            // emptied between tests
	sessionPid func(name string) (int, bool)       // for tools without kill: the session's server process
	run        func(argv []string) ([]byte, error) // set by setup
	timed      func(argv []string) (time.Duration, []byte, error)
}

func baseEnv(dir string) []string {
	path := os.Getenv("PATH")
	if path == "" {
		path = "/usr/local/bin:/usr/bin:/bin"
	}
	user := os.Getenv("USER")
	if user == "" {
		user = "bench"
	}
	return []string{"PATH=" + path, "HOME=" + dir, "TERM=xterm-256color", "LANG=C.UTF-8",
		"SHELL=/bin/sh", "USER=" + user, "LOGNAME=" + user}
}

// defineTool describes tool name whose binary is bin, in private dir.
func defineTool(name, bin, dir string) (*tool, error) {
	t := &tool{name: name, bin: bin, dir: dir, env: baseEnv(dir)}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	kind := name
	if isLinger(name) {
		kind = "linger" // linger-base is another build of the same program
	}
	switch kind {
	case "raw":
		t.raw = true
		t.note = "the workload on a plain pty, no multiplexer"
	case "linger":
		sock := filepath.Join(dir, "s.sock")
		base := []string{bin, "-S", sock}
		t.env = append(t.env, "XDG_RUNTIME_DIR="+dir, "XDG_STATE_HOME="+filepath.Join(dir, "state"),
			"XDG_CONFIG_HOME="+filepath.Join(dir, "config"))
		t.newArgs = func(n string, argv []string) []string {
			return cat(base, append([]string{"new", "-d", n, "--"}, argv...)...)
		}
		t.attachArgs = func(n string) []string { return cat(base, "attach", n) }
		t.listArgs = cat(base, "ls")
		t.killArgs = func(n string) []string { return cat(base, "kill", n) }
		t.stopArgs = cat(base, "server", "stop")
		t.detach = "\x1c"
		t.note = "one server process for all sessions; built-in defaults (block mode, 8 MiB buffer per session)"
	case "tmux":
		base := []string{bin, "-L", "lb", "-f", "/dev/null"}
		t.env = append(t.env, "TMUX_TMPDIR="+dir)
		t.newArgs = func(n string, argv []string) []string {
			return cat(base, append([]string{"new-session", "-d", "-s", n, "-x", "80", "-y", "24"}, argv...)...)
		}
		t.attachArgs = func(n string) []string { return cat(base, "attach-session", "-t", n) }
		t.listArgs = cat(base, "list-sessions")
		t.killArgs = func(n string) []string { return cat(base, "kill-session", "-t", n) }
		t.stopArgs = cat(base, "kill-server")
		t.detach = "\x02d"
		t.capture = func(n string) ([]byte, error) {
			return t.run(cat(base, "capture-pane", "-p", "-J", "-S", "-", "-t", n))
		}
		t.note = "one server process; -f /dev/null: compiled defaults (status line, history-limit 2000)"
	case "screen":
		rc := filepath.Join(dir, "screenrc")
		sdir := filepath.Join(dir, "screens")
		if err := os.MkdirAll(sdir, 0o700); err != nil {
			return nil, err
		}
		// startup_message would wait for a key on the first attach; deflogin
		// off avoids utmp complaints drawn on the screen.
		if err := os.WriteFile(rc, []byte("startup_message off\ndeflogin off\n"), 0o600); err != nil {
			return nil, err
		}
		t.env = append(t.env, "SCREENDIR="+sdir, "SYSSCREENRC=/dev/null")
		t.newArgs = func(n string, argv []string) []string { return cat([]string{bin, "-c", rc, "-dmS", n}, argv...) }
		t.attachArgs = func(n string) []string { return []string{bin, "-c", rc, "-r", n} }
		t.listArgs = []string{bin, "-ls"}
		t.killArgs = func(n string) []string { return []string{bin, "-S", n, "-X", "quit"} }
		t.detach = "\x01d"
		t.sockDirs = []string{sdir}
		t.capture = func(n string) ([]byte, error) {
			f := filepath.Join(dir, "hardcopy")
			os.Remove(f)
			if _, err := t.run([]string{bin, "-S", n, "-X", "hardcopy", "-h", f}); err != nil {
				return nil, err
			}
			// -X returns before the session has written the file: wait for it
			// to appear and stop growing.
			var last int64 = -1
			var b []byte
			ok := poll(10*time.Second, 50*time.Millisecond, func() bool {
				st, err := os.Stat(f)
				if err != nil || st.Size() == 0 {
					return false
				}
				if st.Size() == last {
					b, err = os.ReadFile(f)
					return err == nil
				}
				last = st.Size()
				return false
			})
			if !ok {
				return nil, errors.New("screen wrote no hardcopy within 10s")
			}
			return b, nil
		}
		t.note = "one SCREEN process per session; compiled defaults (scrollback 100) + startup_message off, deflogin off"
	case "dtach":
		sdir := filepath.Join(dir, "sock")
		if err := os.MkdirAll(sdir, 0o700); err != nil {
			return nil, err
		}
		t.newArgs = func(n string, argv []string) []string {
			return cat([]string{bin, "-n", filepath.Join(sdir, n)}, argv...)
		}
		t.attachArgs = func(n string) []string { return []string{bin, "-a", filepath.Join(sdir, n)} }
		t.listArgs = []string{"ls", "-1", sdir}
		t.detach = "\x1c"
		t.sockDirs = []string{sdir}
		t.sessionPid = func(n string) (int, bool) { return pidWithArg(bin, filepath.Join(sdir, n)) }
		t.note = "one master process per session, no screen state, no list command (its socket directory is listed with ls)"
	case "abduco":
		t.env = append(t.env, "ABDUCO_SOCKET_DIR="+dir)
		t.newArgs = func(n string, argv []string) []string { return cat([]string{bin, "-n", n}, argv...) }
		t.attachArgs = func(n string) []string { return []string{bin, "-a", n} }
		t.listArgs = []string{bin}
		t.detach = "\x1c"
		t.sessionPid = func(n string) (int, bool) { return pidWithArg(bin, n) }
		t.note = "one server process per session, no screen state"
	default:
		return nil, fmt.Errorf("unknown tool %q (known: %s)", name, strings.Join(toolNames(true), ", "))
	}
	return t, nil
}

func cat(a []string, b ...string) []string {
	return append(append([]string(nil), a...), b...)
}

// pidWithArg finds the oldest live process of exe below the harness that
// has arg among its arguments: the server of a per-session tool.
func pidWithArg(exe, arg string) (int, bool) {
	for _, p := range descendants(os.Getpid()) {
		if p.state == 'Z' || exeOf(p.pid) != exe {
			continue
		}
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", p.pid))
		if err != nil {
			continue
		}
		for _, a := range strings.Split(string(b), "\x00") {
			if a == arg {
				return p.pid, true
			}
		}
	}
	return 0, false
}

// memfd is an anonymous file for a command's output: unlike a pipe, a
// daemon that inherits it cannot make the command's Wait hang.
func memfd() (*os.File, error) {
	fd, err := unix.MemfdCreate("lbench", unix.MFD_CLOEXEC)
	if err != nil {
		return nil, err
	}
	return os.NewFile(uintptr(fd), "memfd"), nil
}

// runCmd runs argv to completion with env in dir and returns how long it
// took (start to exit), its stdout, and an error carrying the first line
// of its stderr.
func runCmd(pt *procTable, argv, env []string, dir string, timeout time.Duration) (time.Duration, []byte, error) {
	out, err := memfd()
	if err != nil {
		return 0, nil, err
	}
	defer out.Close()
	errf, err := memfd()
	if err != nil {
		return 0, nil, err
	}
	defer errf.Close()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Env, cmd.Dir, cmd.Stdout, cmd.Stderr = env, dir, out, errf
	t0 := time.Now()
	if err := pt.start(cmd); err != nil {
		return 0, nil, fmt.Errorf("%s: %v", filepath.Base(argv[0]), err)
	}
	werr := pt.wait(cmd)
	d := time.Since(t0)
	read := func(f *os.File) []byte {
		f.Seek(0, io.SeekStart)
		b, _ := io.ReadAll(f)
		return b
	}
	stdout := read(out)
	if werr != nil {
		msg := strings.TrimSpace(string(read(errf)))
		if msg == "" {
			msg = strings.TrimSpace(string(stdout))
		}
		if i := strings.IndexByte(msg, '\n'); i >= 0 {
			msg = msg[:i]
		}
		if ctx.Err() != nil {
			werr = fmt.Errorf("no exit within %v", timeout)
		}
		return d, stdout, fmt.Errorf("%s: %v%s", commandName(argv), werr, prefixed(": ", msg))
	}
	return d, stdout, nil
}

func prefixed(p, s string) string {
	if s == "" {
		return ""
	}
	return p + s
}

// commandName is "tmux new-session" for error messages.
func commandName(argv []string) string {
	s := filepath.Base(argv[0])
	for _, a := range argv[1:] {
		if !strings.HasPrefix(a, "-") && !strings.Contains(a, "/") {
			return s + " " + a
		}
	}
	return s
}

// listed counts the distinct session names with prefix (followed by digits)
// in list output.
func listed(out []byte, prefix string) int {
	re := regexp.MustCompile(regexp.QuoteMeta(prefix) + `[0-9]+`)
	seen := map[string]bool{}
	for _, m := range re.FindAll(out, -1) {
		seen[string(m)] = true
	}
	return len(seen)
}

// shows reports whether list output names session name (names are fixed
// width, so none is a substring of another).
func shows(out []byte, name string) bool { return bytes.Contains(out, []byte(name)) }
