package main

// Floors: what no tool built the way linger is can beat on this machine,
// measured in the same run, beside the tools, so that a figure far from
// raw can be read against what bounds it.
//
//   - hello: a Go program that prints one line and exits, built with the
//     same toolchain. Every linger command (new -d, attach, ls) is a Go
//     process start, so start, attach and list cannot take less.
//   - relay: a one-thread C program that runs the echo helper on a pty of
//     its own and copies between its terminal and that pty with poll(2).
//     Every multiplexer puts at least this between a key and the program:
//     a second pty, and a process that wakes for each byte both ways. It is
//     built with cc where there is one (gcc is on a fresh machine here);
//     without cc the report says so and the echo figure has no floor row.

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"time"
)

// floors holds the floor programs built for this run ("" where one could
// not be built; note says why).
type floors struct {
	hello, relay string
	note         []string
}

const helloSource = `package main

import "os"

func main() { os.Stdout.WriteString("hello\n") }
`

// relaySource is the relay floor (see the file comment).
const relaySource = `#define _XOPEN_SOURCE 600
#define _DEFAULT_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

static int put(int fd, const char *p, ssize_t n) {
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= w;
	}
	return 0;
}

int main(int argc, char **argv) {
	if (argc < 2)
		return 2;
	int m = posix_openpt(O_RDWR | O_NOCTTY);
	if (m < 0 || grantpt(m) || unlockpt(m))
		return 1;
	struct winsize ws;
	if (ioctl(0, TIOCGWINSZ, &ws) == 0)
		ioctl(m, TIOCSWINSZ, &ws);
	pid_t pid = fork();
	if (pid < 0)
		return 1;
	if (pid == 0) {
		setsid();
		int s = open(ptsname(m), O_RDWR);
		if (s < 0)
			_exit(127);
		ioctl(s, TIOCSCTTY, 0);
		dup2(s, 0);
		dup2(s, 1);
		dup2(s, 2);
		if (s > 2)
			close(s);
		close(m);
		execvp(argv[1], argv + 1);
		_exit(127);
	}
	struct termios saved, raw;
	int tty = tcgetattr(0, &saved) == 0;
	if (tty) {
		raw = saved;
		cfmakeraw(&raw);
		tcsetattr(0, TCSANOW, &raw);
	}
	struct pollfd p[2] = {{.fd = 0, .events = POLLIN}, {.fd = m, .events = POLLIN}};
	static char buf[65536];
	for (;;) {
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (p[0].revents) {
			ssize_t n = read(0, buf, sizeof buf);
			if (n <= 0 || put(m, buf, n))
				break;
		}
		if (p[1].revents) {
			ssize_t n = read(m, buf, sizeof buf);
			if (n <= 0 || put(1, buf, n))
				break;
		}
	}
	if (tty)
		tcsetattr(0, TCSANOW, &saved);
	kill(pid, SIGHUP);
	waitpid(pid, NULL, 0);
	return 0;
}
`

// buildFloors builds the floor programs into the run directory. A floor
// that cannot be built is left out with a note; the run goes on.
func (h *harness) buildFloors() floors {
	var f floors
	dir := filepath.Join(h.dir, "floor")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		f.note = append(f.note, "floors: "+err.Error())
		return f
	}
	build := func(name, src, file string, argv ...string) (string, error) {
		sdir := filepath.Join(dir, name+"-src")
		if err := os.MkdirAll(sdir, 0o700); err != nil {
			return "", err
		}
		if err := os.WriteFile(filepath.Join(sdir, file), []byte(src), 0o600); err != nil {
			return "", err
		}
		cmd := exec.Command(argv[0], argv[1:]...)
		cmd.Dir = sdir
		if b, err := cmd.CombinedOutput(); err != nil {
			return "", fmt.Errorf("%s", firstLine(string(b)))
		}
		return filepath.Join(dir, name), nil
	}
	gobin, err := exec.LookPath("go")
	if err != nil {
		gobin = "/usr/local/go/bin/go"
	}
	if slices.Contains(h.o.tests, "start") { // the only test that uses it
		if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module floor\n\ngo 1.26\n"), 0o600); err != nil {
			f.note = append(f.note, "hello floor: "+err.Error())
		} else if f.hello, err = build("hello", helloSource, "main.go", gobin, "build", "-o", filepath.Join(dir, "hello"), "."); err != nil {
			f.note = append(f.note, "hello floor not built: "+err.Error())
		}
	}
	if !slices.Contains(h.o.tests, "echo") { // the only test that uses the relay
		return f
	}
	cc := ""
	for _, c := range []string{"cc", "gcc", "clang"} {
		if p, err := exec.LookPath(c); err == nil {
			cc = p
			break
		}
	}
	if cc == "" {
		f.note = append(f.note, "relay floor not built: no C compiler (cc, gcc, clang) on PATH")
	} else if f.relay, err = build("relay", relaySource, "relay.c", cc, "-O2", "-o", filepath.Join(dir, "relay"), "relay.c"); err != nil {
		f.note = append(f.note, "relay floor not built: "+err.Error())
	}
	return f
}

// timeHello runs the hello floor once and returns how long it took.
func (h *harness) timeHello(env []string) (time.Duration, error) {
	d, _, err := runCmd(h.pt, []string{h.floors.hello}, env, h.dir, 10*time.Second)
	return d, err
}
