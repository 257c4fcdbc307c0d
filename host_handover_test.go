package main

// linger dial-stdio's handover (see Relays in socket/protocol.go): through
// the real sshd, dial-stdio gives the server its stdin and stdout and
// leaves the data path; killed, it ends the client's conversation as a
// lost connection, and the server keeps no descriptor of it; with a
// server of another protocol version it relays the bytes itself.

import (
	"bytes"
	"encoding/json"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"linger/socket"
	"linger/transport"
)

// dialStdioPids lists the live `linger dial-stdio` processes of e's
// ssh logins (their environment has e's socket).
func dialStdioPids(e *env) []int {
	ents, _ := os.ReadDir("/proc")
	var pids []int
	for _, ent := range ents {
		pid, err := strconv.Atoi(ent.Name())
		if err != nil || !procAlive(pid) || !strings.Contains(pidCmdline(pid), "dial-stdio") {
			continue
		}
		env, _ := os.ReadFile("/proc/" + ent.Name() + "/environ")
		for _, kv := range bytes.Split(env, []byte{0}) {
			if string(kv) == "LINGER_SOCKET="+e.Sock {
				pids = append(pids, pid)
				break
			}
		}
	}
	return pids
}

// oneDialStdio waits for e's only dial-stdio process.
func oneDialStdio(t *testing.T, e *env) int {
	t.Helper()
	var pids []int
	if !pollQuiet(harnessWait, func() bool { pids = dialStdioPids(e); return len(pids) == 1 }) {
		t.Fatalf("dial-stdio processes of this test: %v, want one", pids)
	}
	return pids[0]
}

func fdTarget(pid, fd int) string {
	s, _ := os.Readlink("/proc/" + strconv.Itoa(pid) + "/fd/" + strconv.Itoa(fd))
	return s
}

func fdCount(pid int) int {
	ents, _ := os.ReadDir("/proc/" + strconv.Itoa(pid) + "/fd")
	return len(ents)
}

// Through the real sshd, once attached, dial-stdio holds neither the
// login's stdin nor its stdout (both are /dev/null in it): the server
// has them, and the session's output and keys still go through.
func TestHostDialStdioHandsOverThroughSSHD(t *testing.T) {
	h := newHostSSH(t)
	tm := h.start(80, 24, append([]string{"new", "ho"}, naShSession...)...)
	naShRun(tm, `echo "a=$((2*21))"`, "a=42")
	pid := oneDialStdio(t, h.e)
	if !pollQuiet(harnessWait, func() bool { return fdTarget(pid, 0) == os.DevNull && fdTarget(pid, 1) == os.DevNull }) {
		t.Fatalf("dial-stdio (pid %d) still holds the login's stream: fd 0 %s, fd 1 %s, want %s", pid, fdTarget(pid, 0), fdTarget(pid, 1), os.DevNull)
	}
	if !procAlive(pid) {
		t.Fatalf("dial-stdio exited during the conversation")
	}
	naShRun(tm, `echo "b=$((3*11))"`, "b=33")
	tm.Resize(90, 30)
	naShRun(tm, `stty size`, "30 90")
	naDetachAndWait(t, tm, "ho")
	if !pollQuiet(harnessWait, func() bool { return !procAlive(pid) }) {
		t.Errorf("dial-stdio (pid %d) outlived the conversation", pid)
	}
}

// Killing dial-stdio ends the client's attach with its lost-connection
// line (with reconnection off: --reconnect-timeout 0); the session is kept, and after many conversations (ls, attach and
// detach, killed relays) the server holds as many descriptors as before.
func TestHostDialStdioKilledThroughSSHD(t *testing.T) {
	h := newHostSSH(t)
	e := h.e
	if r := h.run(append([]string{"new", "-d", "k"}, naShSession...)...); r.Code != 0 {
		t.Fatalf("new -d k: %v", r)
	}
	if r := h.run("ls"); r.Code != 0 {
		t.Fatalf("ls: %v", r)
	}
	pids := serverPids(e.Sock)
	if len(pids) != 1 {
		t.Fatalf("servers on %s: %v, want one", e.Sock, pids)
	}
	server := pids[0]
	base := fdCount(server)

	for i := 0; i < 3; i++ {
		if r := h.run("ls"); r.Code != 0 || !strings.Contains(r.Stdout, " k ") {
			t.Fatalf("ls: %v", r)
		}
		tm := h.start(80, 24, "attach", "k")
		naShRun(tm, `echo "n=$((`+strconv.Itoa(i)+`+100))"`, "n="+strconv.Itoa(i+100))
		naDetachAndWait(t, tm, "k")

		tm = h.start(80, 24, "attach", "--reconnect-timeout", "0", "k")
		naShRun(tm, `echo "m=$((`+strconv.Itoa(i)+`+200))"`, "m="+strconv.Itoa(i+200))
		pid := oneDialStdio(t, e)
		syscall.Kill(pid, syscall.SIGKILL)
		naWaitLine(tm, "[lost connection]")
		if code := tm.WaitExit(); code != 1 {
			t.Errorf("attach after dial-stdio was killed: exit %d, want 1", code)
		}
		naWaitSession(t, e, "k", "detached", func(s *socket.SessionInfo) bool { return s.Clients == 0 })
	}
	var n int
	if !pollQuiet(harnessWait, func() bool { n = fdCount(server); return n <= base }) {
		t.Errorf("the server holds %d descriptors after the conversations, %d before", n, base)
	}
}

// With a server of another protocol version (its hello says so: here a
// fake one, a unix listener of the test), dial-stdio does not hand over
// but relays: its MsgRelayed without handover and no descriptor, then the
// client's bytes to the server, and the banner, the server's hello and
// the server's bytes to the client.
func TestDialStdioRelaysForAnotherVersion(t *testing.T) {
	needBinary(t)
	e := newEnv(t)
	sock := filepath.Join(e.Dir, "fake.sock")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	old := make([]byte, 4)
	old[3] = byte(socket.ProtocolVersion - 1)
	old = append(old, "linger old"...)
	type got struct {
		relayed socket.Relayed
		fds     int
		data    string
		err     error
	}
	done := make(chan got, 1)
	go func() {
		var g got
		defer func() { done <- g }()
		nc, err := l.Accept()
		if err != nil {
			g.err = err
			return
		}
		c := nc.(*net.UnixConn)
		defer c.Close()
		var h [socket.HeaderSize]byte
		socket.Header(&h, socket.MsgHello, len(old))
		c.Write(append(h[:], old...))
		c.SetReadDeadline(time.Now().Add(harnessWait))
		// the MsgRelayed, with whatever descriptors came
		buf := make([]byte, 4096)
		oob := make([]byte, syscall.CmsgSpace(8))
		n, oobn, _, _, err := c.ReadMsgUnix(buf[:socket.HeaderSize], oob)
		if err != nil || n != socket.HeaderSize {
			g.err = err
			return
		}
		if msgs, _ := syscall.ParseSocketControlMessage(oob[:oobn]); len(msgs) > 0 {
			fds, _ := syscall.ParseUnixRights(&msgs[0])
			g.fds = len(fds)
		}
		typ, size := buf[0], int(buf[1])<<24|int(buf[2])<<16|int(buf[3])<<8|int(buf[4])
		if typ != socket.MsgRelayed {
			g.err = io.ErrUnexpectedEOF
			return
		}
		if _, err := io.ReadFull(c, buf[:size]); err != nil {
			g.err = err
			return
		}
		g.err = json.Unmarshal(buf[:size], &g.relayed)
		// the client's bytes, then ours
		p := make([]byte, 4)
		if _, err := io.ReadFull(c, p); err != nil {
			g.err = err
			return
		}
		g.data = string(p)
		c.Write([]byte("pong"))
	}()

	cmd := exec.Command(e.Bin, "-S", sock, "dial-stdio")
	cmd.Env = append(append([]string{}, e.Env...), "SSH_CONNECTION=192.0.2.9 5555 127.0.0.1 22")
	stdin, _ := cmd.StdinPipe()
	var out bytes.Buffer
	cmd.Stdout = &out
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	stdin.Write([]byte("ping"))
	var g got
	select {
	case g = <-done:
	case <-time.After(harnessWait):
		cmd.Process.Kill()
		t.Fatalf("the fake server got nothing")
	}
	stdin.Close()
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	select {
	case err := <-exited:
		if err != nil {
			t.Errorf("dial-stdio: %v\n%s", err, stderr.String())
		}
	case <-time.After(harnessWait):
		cmd.Process.Kill()
		t.Fatalf("dial-stdio did not exit once the server closed")
	}
	if g.err != nil || g.relayed.Handover || g.fds != 0 || g.relayed.Label() != "ssh:192.0.2.9" || g.data != "ping" {
		t.Errorf("the server got %+v (%d descriptors), want a relay's frame without handover or descriptors, then ping", g, g.fds)
	}
	var h [socket.HeaderSize]byte
	socket.Header(&h, socket.MsgHello, len(old))
	want := transport.Banner(socket.ProtocolVersion, version) + string(h[:]) + string(old) + "pong"
	if out.String() != want {
		t.Errorf("dial-stdio's stdout %q, want %q", out.String(), want)
	}
}
