package server

// The server's own part of the commands whose figures bench/ measures end
// to end: what a request costs once it has arrived, without the client's
// process start (a Go program's start is bench's "hello" floor). Real
// sessions, real processes, a real socketpair; compare across commits, they
// assert nothing about time.

import (
	"bytes"
	"net"
	"os"
	"syscall"
	"testing"
	"time"

	"linger/config"

	"linger/mux"
	"linger/socket"
)

// socketPair returns the two ends of a connected unix socket as Conns.
func socketPair(tb testing.TB) (*socket.Conn, *socket.Conn) {
	tb.Helper()
	fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		tb.Fatal(err)
	}
	conn := func(fd int) *socket.Conn {
		f := os.NewFile(uintptr(fd), "socketpair")
		defer f.Close()
		c, err := net.FileConn(f)
		if err != nil {
			tb.Fatal(err)
		}
		return socket.NewConn(c.(*net.UnixConn))
	}
	return conn(fds[0]), conn(fds[1])
}

// BenchmarkHandleNew: `new -d` as the server handles it (a pty, the
// program's fork and exec, the reply), with this process's environment as
// the client's. It reports the handler's own time per session as µs/new;
// ns/op also counts reading the reply.
func BenchmarkHandleNew(b *testing.B) {
	r := mux.NewRegistry(config.Default(), "/tmp/bench.sock", nil)
	defer r.Shutdown()
	s := &Server{reg: r}
	env := os.Environ()
	var handler time.Duration
	for b.Loop() {
		sc, cc := socketPair(b)
		req := &socket.Request{Op: socket.OpNew, Command: []string{"sleep", "1000"}, Env: env, Caller: socket.Caller{Cwd: "/"}}
		t0 := time.Now()
		s.handleNew(sc, req)
		handler += time.Since(t0)
		var rep socket.Reply
		if err := cc.ReadJSON(socket.MsgReply, &rep); err != nil || rep.Session == nil {
			b.Fatalf("reply %+v: %v", rep, err)
		}
		cc.Close()
		sc.Close()
	}
	b.ReportMetric(float64(handler.Microseconds())/float64(b.N), "µs/new")
}

// BenchmarkList1000 and BenchmarkList1000AfterTrim: `ls` of 1000 idle
// sessions, the listing read back as the client reads it. AfterTrim first
// returns free memory as the server does after a quiet spell (memory.go),
// as before each `ls` bench/ times; both sides then fault in fresh pages
// for their buffers, so it overstates the server's part of that cost.
func BenchmarkList1000(b *testing.B)          { benchListSessions(b, false) }
func BenchmarkList1000AfterTrim(b *testing.B) { benchListSessions(b, true) }

func benchListSessions(b *testing.B, trimFirst bool) {
	r := mux.NewRegistry(config.Default(), "/tmp/bench.sock", nil)
	defer r.Shutdown()
	for range 1000 {
		if _, err := r.New(mux.NewOptions{Command: []string{"sleep", "1000"}, ClientEnv: []string{"PATH=/usr/bin:/bin"}, ClientCwd: "/"}); err != nil {
			b.Fatal(err)
		}
	}
	s := &Server{reg: r}
	req := &socket.Request{Op: socket.OpList}
	for b.Loop() {
		if trimFirst {
			b.StopTimer()
			trim()
			b.StartTimer()
		}
		sc, cc := socketPair(b)
		got := make(chan int)
		go func() {
			var rep socket.Reply
			cc.ReadJSON(socket.MsgReply, &rep)
			var ob bytes.Buffer
			ob.Grow((rep.Count + 1) * 160) // as client.List does
			cc.CopyOutput(&ob, false)
			out := ob.Bytes()
			got <- len(out)
		}()
		s.handleList(sc, req)
		if n := <-got; n < 1000*50 { // the short table: ~58 bytes a session
			b.Fatalf("the listing of 1000 sessions is %d bytes", n)
		}
		cc.Close()
	}
}
