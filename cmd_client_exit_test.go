package main

import (
	"encoding/json"
	"net"
	"syscall"
	"testing"
	"time"

	"linger/socket"
)

// TestAttachServerStopped: the attached client learns that the server ended,
// says [server exited], exits 1 and leaves the terminal as it found it.
func TestAttachServerStopped(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	if r := e.Run(append([]string{"new", "-d", "w"}, naShSession...)...); r.Code != 0 {
		t.Fatalf("new -d: %v", r)
	}
	outer := naStartOuter(t, e, 100, 30)
	outer.Type("linger attach w\r")
	naShRun(outer, `echo "in=$LINGER_SESSION"`, "in=w")
	if r := e.Run("server", "stop"); r.Code != 0 {
		t.Fatalf("server stop: %v", r)
	}
	naWaitLine(outer, "[server exited]")
	naWaitPrompt(outer, "outer$ ")
	naShRun(outer, `echo "rc=$?"`, "rc=1")
	naCheckTTYRestored(t, outer)
}

// TestAttachServerKilled: a server that dies without a word (SIGKILL) gives
// [lost connection], exit 1, and a restored terminal.
func TestAttachServerKilled(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	if r := e.Run(append([]string{"new", "-d", "w"}, naShSession...)...); r.Code != 0 {
		t.Fatalf("new -d: %v", r)
	}
	pids := serverPids(e.Sock)
	if len(pids) != 1 {
		t.Fatalf("want one server, found %v", pids)
	}
	outer := naStartOuter(t, e, 100, 30)
	outer.Type("linger attach w\r")
	naShRun(outer, `echo "in=$LINGER_SESSION"`, "in=w")
	syscall.Kill(pids[0], syscall.SIGKILL)
	naWaitLine(outer, "[lost connection]")
	naWaitPrompt(outer, "outer$ ")
	naShRun(outer, `echo "rc=$?"`, "rc=1")
	naCheckTTYRestored(t, outer)
}

// TestAttachClientStopsReading: a client that attaches and never reads
// stalls only itself. While it is the only client the program is
// back-pressured (like a terminal that stopped); 'linger detach' still
// takes it off within a bounded time, after which others can attach and
// the server answers everyone.
func TestAttachClientStopsReading(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	newDetached(t, e, "flood", "sh", "-c", "while :; do echo xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx; done")
	nc, err := net.DialUnix("unix", nil, &net.UnixAddr{Name: e.Sock, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	nc.SetReadBuffer(4096)
	c := socket.NewConn(nc)
	if _, _, err := c.Hello("test", false, 5*time.Second); err != nil {
		t.Fatal(err)
	}
	req, _ := json.Marshal(socket.Request{Op: socket.OpAttach, Target: "flood", Cols: 80, Rows: 24})
	if err := c.WriteFrame(socket.MsgRequest, req); err != nil {
		t.Fatal(err)
	}
	// read the reply only, then stop reading: the socket buffers fill
	if typ, _, err := c.ReadFrame(); err != nil || typ != socket.MsgReply {
		t.Fatalf("reply: %x %v", typ, err)
	}
	poll(t, "the session held by the stalled client", harnessWait, func() bool {
		for _, s := range lsJSON(t, e) {
			if s["name"] == "flood" && s["availability"] == "Busy" {
				return true
			}
		}
		return false
	})
	start := time.Now()
	if r := e.Run("detach", "flood"); r.Code != 0 {
		t.Fatalf("detach of a session whose client stopped reading: %v", r)
	}
	if d := time.Since(start); d > 8*time.Second {
		t.Errorf("detach took %v", d)
	}
	// free again: a new client attaches and sees the output flowing
	watcher := e.Start(80, 24, "attach", "flood")
	watcher.WaitText("xxxxxxxxxx")
	watcher.Type("\x1c")
	watcher.WaitText("[detached (from session flood)]")
	if code := watcher.WaitExit(); code != 0 {
		t.Errorf("watcher exit %d", code)
	}
}
