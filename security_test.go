package main

// End-to-end tests of who may talk to the server and what the server
// survives: another uid (SO_PEERCRED), unsafe socket directories, garbage
// on the socket, and a resize storm on an attached connection.

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"linger/socket"
)

// ---------------------------------------------------------------------------
// other users, unsafe directories

func TestSecurityOtherUIDRefused(t *testing.T) {
	e := newEnv(t)
	newDetached(t, e, "mine", "sleep", "100")
	setpriv, bin := otherUID(t, e) // only the server's check stands in the way

	// Several tries: whether the refusal reaches the client may depend on
	// timing (who writes first), and every try must see it.
	for try := 0; try < 20; try++ {
		c := exec.Command(setpriv, "--reuid=65534", "--regid=65534", "--clear-groups", bin, "-S", e.Sock, "ls")
		c.Env = []string{"PATH=/usr/bin:/bin", "HOME=/", "LANG=C.UTF-8"}
		c.Dir = "/"
		var stdout, stderr syncBuffer
		c.Stdout, c.Stderr = &stdout, &stderr
		c.WaitDelay = 3 * time.Second
		done := make(chan error, 1)
		if err := c.Start(); err != nil {
			t.Fatal(err)
		}
		go func() { done <- c.Wait() }()
		select {
		case <-done:
		case <-time.After(harnessRunTimeout):
			_ = c.Process.Kill()
			<-done
			t.Fatalf("ls as uid 65534 did not finish")
		}
		if c.ProcessState.ExitCode() == 0 {
			t.Errorf("try %d: ls as uid 65534 succeeded:\n%s", try, stdout.String())
		}
		if !strings.Contains(stderr.String(), "permission denied") {
			t.Errorf("try %d: ls as uid 65534: stderr %q lacks \"permission denied\" (stdout %q)", try, stderr.String(), stdout.String())
		}
		if strings.Contains(stdout.String(), "mine") {
			t.Errorf("try %d: uid 65534 saw the owner's sessions:\n%s", try, stdout.String())
		}
	}
	poll(t, "the log to record the refusal", harnessWait, func() bool {
		return strings.Contains(readFileString(serverLog(e)), "refused connection from uid 65534")
	})
	// The owner is still served.
	if names := sessionNames(t, e); strings.Join(names, ",") != "mine" {
		t.Errorf("after the refusal, sessions = %q", names)
	}
}

func TestSecurityUnsafeSocketDir(t *testing.T) {
	e := newEnv(t)
	dir := filepath.Join(e.Dir, "open")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	sock := filepath.Join(dir, "s.sock")
	r := e.Run("-S", sock, "new", "-d", "x", "--", "sleep", "100")
	if r.Code != 1 || !strings.Contains(r.Stderr, "unsafe permissions") || !strings.Contains(r.Stderr, dir) {
		t.Errorf("new -d on a 0777 socket directory: want exit 1 and \"unsafe permissions\"\n%v", r)
	}
	// By hand too.
	r = e.Run("server", "-S", sock)
	if r.Code != 1 || !strings.Contains(r.Stderr, "unsafe permissions") {
		t.Errorf("server on a 0777 socket directory: want exit 1 and \"unsafe permissions\"\n%v", r)
	}
	// Group-writable is as bad.
	if err := os.Chmod(dir, 0o770); err != nil {
		t.Fatal(err)
	}
	r = e.Run("-S", sock, "new", "-d", "x", "--", "sleep", "100")
	if r.Code != 1 || !strings.Contains(r.Stderr, "unsafe permissions") {
		t.Errorf("new -d on a 0770 socket directory\n%v", r)
	}
	if fileExists(sock) || len(serverPids(sock)) != 0 {
		t.Errorf("a server was started on %s", sock)
	}
}

func TestSecuritySymlinkSocketDir(t *testing.T) {
	e := newEnv(t)
	realDir := filepath.Join(e.Dir, "real")
	if err := os.Mkdir(realDir, 0o700); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(e.Dir, "link")
	if err := os.Symlink(realDir, link); err != nil {
		t.Fatal(err)
	}
	sock := filepath.Join(link, "s.sock")
	r := e.Run("-S", sock, "new", "-d", "x", "--", "sleep", "100")
	if r.Code != 1 || !strings.Contains(r.Stderr, "symlink") {
		t.Errorf("new -d with a symlinked socket directory: want exit 1 and \"symlink\"\n%v", r)
	}
	r = e.Run("server", "-S", sock)
	if r.Code != 1 || !strings.Contains(r.Stderr, "symlink") {
		t.Errorf("server with a symlinked socket directory: want exit 1 and \"symlink\"\n%v", r)
	}
	if fileExists(filepath.Join(realDir, "s.sock")) || len(serverPids(sock)) != 0 {
		t.Errorf("a server was started behind the symlink")
	}
}

// ---------------------------------------------------------------------------
// garbage on the socket

// rawConn is a raw client connection to the server.
type rawConn struct {
	*net.UnixConn
}

func dialRaw(sock string) (*rawConn, error) {
	nc, err := net.DialUnix("unix", nil, &net.UnixAddr{Name: sock, Net: "unix"})
	if err != nil {
		return nil, err
	}
	return &rawConn{nc}, nil
}

func mustDialRaw(t *testing.T, sock string) *rawConn {
	t.Helper()
	c, err := dialRaw(sock)
	if err != nil {
		t.Fatalf("dial %s: %v", sock, err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// frame builds one frame.
func frame(typ uint8, payload []byte) []byte {
	var h [socket.HeaderSize]byte
	socket.Header(&h, typ, len(payload))
	return append(h[:], payload...)
}

// helloPayload is a MsgHello payload with any version.
func helloPayload(version uint32) []byte {
	p := make([]byte, 4, 4+16)
	binary.BigEndian.PutUint32(p, version)
	return append(p, "linger e2e-test"...)
}

// readFrame reads one frame within d.
func (c *rawConn) readFrame(d time.Duration) (uint8, []byte, error) {
	c.SetReadDeadline(time.Now().Add(d))
	return socket.ReadFrame(c, nil)
}

// expectServerHello reads the server's hello, which it sends first.
func (c *rawConn) expectServerHello() error {
	typ, p, err := c.readFrame(harnessWait)
	if err != nil {
		return fmt.Errorf("reading the server's hello: %v", err)
	}
	if typ != socket.MsgHello {
		return fmt.Errorf("first frame 0x%02x, want hello", typ)
	}
	if v, _, _, err := socket.DecodeHello(p); err != nil || v != socket.ProtocolVersion {
		return fmt.Errorf("server hello version %d (%v)", v, err)
	}
	return nil
}

// expectClosed reads until the server closes the connection, within d, and
// returns the types of the frames it sent before.
func (c *rawConn) expectClosed(d time.Duration) ([]uint8, error) {
	c.SetReadDeadline(time.Now().Add(d))
	var types []uint8
	for {
		typ, _, err := socket.ReadFrame(c, nil)
		if err != nil {
			if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, net.ErrClosed) || isReset(err) {
				return types, nil
			}
			return types, fmt.Errorf("the server did not close the connection: %v", err)
		}
		types = append(types, typ)
	}
}

func isReset(err error) bool {
	return strings.Contains(err.Error(), "connection reset")
}

// serverStillServes checks that ls works and lists the session made before.
func serverStillServes(t *testing.T, e *env, name string) {
	t.Helper()
	r := e.Run("ls")
	if r.Code != 0 {
		t.Fatalf("ls after garbage failed\n%v", r)
	}
	rows := tableRows(r.Stdout)
	for _, row := range rows[1:] {
		if len(row) > 1 && row[1] == name {
			return
		}
	}
	t.Fatalf("session %q no longer listed after garbage\n%v", name, r)
}

func TestGarbageRandomBytes(t *testing.T) {
	e := newEnv(t)
	newDetached(t, e, "g", "sleep", "100")
	rng := rand.New(rand.NewSource(1))
	for i := 0; i < 5; i++ {
		junk := make([]byte, 1+rng.Intn(4096))
		rng.Read(junk)
		c := mustDialRaw(t, e.Sock)
		// The server may hang up before reading it all: not an error.
		_, _ = c.Write(junk)
		c.CloseWrite()
		types, err := c.expectClosed(harnessWait)
		if err != nil {
			t.Fatalf("junk %d: %v", i, err)
		}
		for _, typ := range types {
			if typ != socket.MsgHello {
				t.Errorf("junk %d: the server answered garbage with frame 0x%02x", i, typ)
			}
		}
		c.Close()
		serverStillServes(t, e, "g")
	}
}

func TestGarbageHugeFrame(t *testing.T) {
	e := newEnv(t)
	newDetached(t, e, "g", "sleep", "100")
	huge := func() []byte {
		var h [socket.HeaderSize]byte
		h[0] = socket.MsgHello
		binary.BigEndian.PutUint32(h[1:], 2<<30) // 2 GiB
		return h[:]
	}
	// Instead of the hello: the server must close without waiting for 2 GiB.
	c := mustDialRaw(t, e.Sock)
	if _, err := c.Write(huge()); err != nil {
		t.Fatal(err)
	}
	if err := c.expectServerHello(); err != nil {
		t.Fatal(err)
	}
	if _, err := c.expectClosed(3 * time.Second); err != nil {
		t.Errorf("2 GiB hello: %v", err)
	}
	serverStillServes(t, e, "g")

	// As the request, after a valid hello.
	c = mustDialRaw(t, e.Sock)
	if _, err := c.Write(frame(socket.MsgHello, helloPayload(socket.ProtocolVersion))); err != nil {
		t.Fatal(err)
	}
	if err := c.expectServerHello(); err != nil {
		t.Fatal(err)
	}
	h := huge()
	h[0] = socket.MsgRequest
	if _, err := c.Write(h); err != nil {
		t.Fatal(err)
	}
	if _, err := c.expectClosed(3 * time.Second); err != nil {
		t.Errorf("2 GiB request: %v", err)
	}
	serverStillServes(t, e, "g")
}

func TestGarbageTruncatedFrame(t *testing.T) {
	e := newEnv(t)
	newDetached(t, e, "g", "sleep", "100")
	// A hello cut short.
	c := mustDialRaw(t, e.Sock)
	full := frame(socket.MsgHello, helloPayload(socket.ProtocolVersion))
	c.Write(full[:7])
	c.CloseWrite()
	if err := c.expectServerHello(); err != nil {
		t.Fatal(err)
	}
	if _, err := c.expectClosed(harnessWait); err != nil {
		t.Errorf("truncated hello: %v", err)
	}
	serverStillServes(t, e, "g")

	// A request whose header announces more than comes, then a hang-up.
	c = mustDialRaw(t, e.Sock)
	c.Write(full)
	if err := c.expectServerHello(); err != nil {
		t.Fatal(err)
	}
	req := frame(socket.MsgRequest, []byte(`{"op":"list","caller":{}}`))
	c.Write(req[:len(req)-10])
	c.Close()
	serverStillServes(t, e, "g")

	// A header alone (3 of 5 bytes).
	c = mustDialRaw(t, e.Sock)
	c.Write(full)
	c.Write(req[:3])
	c.CloseWrite()
	if err := c.expectServerHello(); err != nil {
		t.Fatal(err)
	}
	if types, err := c.expectClosed(harnessWait); err != nil || len(types) != 0 {
		t.Errorf("truncated header: frames %v, %v", types, err)
	}
	serverStillServes(t, e, "g")
}

func TestGarbageWrongFrameType(t *testing.T) {
	e := newEnv(t)
	newDetached(t, e, "g", "sleep", "100")
	for _, typ := range []uint8{socket.MsgOutput, socket.MsgInput, socket.MsgResize, socket.MsgHello, socket.MsgReply, 0xff} {
		c := mustDialRaw(t, e.Sock)
		c.Write(frame(socket.MsgHello, helloPayload(socket.ProtocolVersion)))
		if err := c.expectServerHello(); err != nil {
			t.Fatal(err)
		}
		// Of the wrong type, though its payload is a valid request.
		c.Write(frame(typ, []byte(`{"op":"kill","all":true,"caller":{}}`)))
		types, err := c.expectClosed(harnessWait)
		if err != nil {
			t.Errorf("request as frame 0x%02x: %v", typ, err)
		}
		if len(types) != 0 {
			t.Errorf("request as frame 0x%02x: server sent frames %v", typ, types)
		}
		c.Close()
		serverStillServes(t, e, "g")
	}
	// A MsgRequest that is not JSON, and a first frame that is not a hello.
	c := mustDialRaw(t, e.Sock)
	c.Write(frame(socket.MsgHello, helloPayload(socket.ProtocolVersion)))
	c.Write(frame(socket.MsgRequest, []byte("{not json")))
	if err := c.expectServerHello(); err != nil {
		t.Fatal(err)
	}
	if _, err := c.expectClosed(harnessWait); err != nil {
		t.Errorf("bad JSON: %v", err)
	}
	c = mustDialRaw(t, e.Sock)
	c.Write(frame(socket.MsgRequest, []byte(`{"op":"list"}`)))
	if err := c.expectServerHello(); err != nil {
		t.Fatal(err)
	}
	if types, err := c.expectClosed(harnessWait); err != nil || len(types) != 0 {
		t.Errorf("request before hello: frames %v, %v", types, err)
	}
	// An unknown op gets an error reply.
	c = mustDialRaw(t, e.Sock)
	c.Write(frame(socket.MsgHello, helloPayload(socket.ProtocolVersion)))
	c.Write(frame(socket.MsgRequest, []byte(`{"op":"explode","caller":{}}`)))
	if err := c.expectServerHello(); err != nil {
		t.Fatal(err)
	}
	typ, p, err := c.readFrame(harnessWait)
	var rep socket.Reply
	if err != nil || typ != socket.MsgReply || json.Unmarshal(p, &rep) != nil || !strings.Contains(rep.Error, `unknown request "explode"`) {
		t.Errorf("unknown op: frame 0x%02x %q %v", typ, p, err)
	}
	serverStillServes(t, e, "g")
}

func TestGarbageVersionMismatch(t *testing.T) {
	e := newEnv(t)
	newDetached(t, e, "g", "sleep", "100")
	c := mustDialRaw(t, e.Sock)
	c.Write(frame(socket.MsgHello, helloPayload(99)))
	if err := c.expectServerHello(); err != nil {
		t.Fatal(err)
	}
	typ, p, err := c.readFrame(harnessWait)
	if err != nil || typ != socket.MsgReply {
		t.Fatalf("after a version 99 hello: frame 0x%02x, %v; want a reply", typ, err)
	}
	var rep socket.Reply
	if err := json.Unmarshal(p, &rep); err != nil {
		t.Fatalf("reply is not JSON: %v: %q", err, p)
	}
	want := fmt.Sprintf("protocol version mismatch (client 99, server %d)", socket.ProtocolVersion)
	if !strings.Contains(rep.Error, want) || rep.Code != socket.ErrVersion {
		t.Errorf("reply = %+v, want code %q and %q", rep, socket.ErrVersion, want)
	}
	if types, err := c.expectClosed(harnessWait); err != nil || len(types) != 0 {
		t.Errorf("after the mismatch reply: frames %v, %v", types, err)
	}
	// A hello too short to hold a version.
	c = mustDialRaw(t, e.Sock)
	c.Write(frame(socket.MsgHello, []byte{0, 1}))
	if err := c.expectServerHello(); err != nil {
		t.Fatal(err)
	}
	if _, err := c.expectClosed(harnessWait); err != nil {
		t.Errorf("short hello: %v", err)
	}
	serverStillServes(t, e, "g")
}

func TestGarbageSilentClient(t *testing.T) {
	e := newEnv(t)
	newDetached(t, e, "g", "sleep", "100")
	silent := mustDialRaw(t, e.Sock)
	if err := silent.expectServerHello(); err != nil {
		t.Fatal(err)
	}
	// A second one that says hello and then nothing.
	half := mustDialRaw(t, e.Sock)
	half.Write(frame(socket.MsgHello, helloPayload(socket.ProtocolVersion)))
	if err := half.expectServerHello(); err != nil {
		t.Fatal(err)
	}
	// Others are served meanwhile.
	serverStillServes(t, e, "g")
	newDetached(t, e, "g2", "sleep", "100")
	if names := sessionNames(t, e); strings.Join(names, ",") != "g,g2" {
		t.Errorf("sessions %q", names)
	}
	// The handshake deadline (5s) ends the silent one.
	if types, err := silent.expectClosed(15 * time.Second); err != nil || len(types) != 0 {
		t.Errorf("silent client: frames %v, %v", types, err)
	}
	serverStillServes(t, e, "g")
}

func TestGarbageParallelBadClients(t *testing.T) {
	e := newEnv(t)
	newDetached(t, e, "g", "sleep", "100")
	const n = 50
	// hello builds a fresh frame each time: the goroutines append to it.
	hello := func() []byte { return frame(socket.MsgHello, helloPayload(socket.ProtocolVersion)) }
	bad := []func(c *rawConn){
		func(c *rawConn) { c.Write([]byte("GET / HTTP/1.0\r\n\r\n")) },
		func(c *rawConn) { c.Write([]byte{socket.MsgHello, 0x80, 0, 0, 0}) },
		func(c *rawConn) { c.Write(frame(socket.MsgHello, helloPayload(99))) },
		func(c *rawConn) { c.Write(append(hello(), frame(socket.MsgOutput, []byte("x"))...)) },
		func(c *rawConn) { c.Write(append(hello(), socket.MsgRequest, 0, 0)) },
		func(c *rawConn) {}, // silent
	}
	var wg sync.WaitGroup
	errs := make(chan error, n)
	conns := make(chan *rawConn, n)
	start := make(chan struct{})
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			<-start
			c, err := dialRaw(e.Sock)
			if err != nil {
				errs <- fmt.Errorf("client %d: dial: %v", i, err)
				return
			}
			conns <- c
			bad[i%len(bad)](c)
			if i%len(bad) != len(bad)-1 {
				c.CloseWrite()
				if _, err := c.expectClosed(harnessWait); err != nil {
					errs <- fmt.Errorf("client %d: %v", i, err)
				}
			}
		}(i)
	}
	close(start)
	// ls works while they are connected.
	serverStillServes(t, e, "g")
	wg.Wait()
	close(errs)
	close(conns)
	for err := range errs {
		t.Error(err)
	}
	for c := range conns {
		c.Close()
	}
	serverStillServes(t, e, "g")
	newDetached(t, e, "after", "sleep", "100")
	serverStillServes(t, e, "after")
}

// ---------------------------------------------------------------------------
// resize storm

func TestGarbageResizeStorm(t *testing.T) {
	e := newEnv(t)
	newDetached(t, e, "rs", "sleep", "100")
	c := mustDialRaw(t, e.Sock)
	c.Write(frame(socket.MsgHello, helloPayload(socket.ProtocolVersion)))
	if err := c.expectServerHello(); err != nil {
		t.Fatal(err)
	}
	req, _ := json.Marshal(socket.Request{Op: socket.OpAttach, Target: "rs", Cols: 80, Rows: 24})
	c.Write(frame(socket.MsgRequest, req))
	typ, p, err := c.readFrame(harnessWait)
	var rep socket.Reply
	if err != nil || typ != socket.MsgReply || json.Unmarshal(p, &rep) != nil || rep.Error != "" || rep.Session == nil || rep.Session.Name != "rs" {
		t.Fatalf("attach reply: frame 0x%02x %q %v", typ, p, err)
	}
	if s := sessionByName(lsJSON(t, e), "rs"); s == nil || s["clients"] != float64(1) || s["availability"] != "Busy" {
		t.Fatalf("raw attach not seen by ls: %v", s)
	}

	// Read whatever the server sends, until it closes.
	type got struct {
		types    []uint8
		detached socket.Detached
		err      error
	}
	reader := make(chan got, 1)
	go func() {
		var g got
		for {
			c.SetReadDeadline(time.Now().Add(30 * time.Second))
			typ, p, err := socket.ReadFrame(c, nil)
			if err != nil {
				if !errors.Is(err, io.EOF) {
					g.err = err
				}
				reader <- g
				return
			}
			g.types = append(g.types, typ)
			if typ == socket.MsgDetached {
				json.Unmarshal(p, &g.detached)
			}
		}
	}()

	// 5000 resizes, some invalid (zero size, wrong payload length); the last
	// valid one is 123x45, followed by invalid ones.
	rng := rand.New(rand.NewSource(2))
	var buf []byte
	size := func(cols, rows int) []byte {
		b := make([]byte, 4)
		binary.BigEndian.PutUint16(b, uint16(cols))
		binary.BigEndian.PutUint16(b[2:], uint16(rows))
		return b
	}
	for i := 0; i < 5000; i++ {
		switch {
		case i == 4990:
			buf = append(buf, frame(socket.MsgResize, size(123, 45))...)
		case i > 4990 || i%7 == 0:
			switch i % 3 {
			case 0:
				buf = append(buf, frame(socket.MsgResize, size(0, 30))...)
			case 1:
				buf = append(buf, frame(socket.MsgResize, size(90, 0))...)
			default:
				buf = append(buf, frame(socket.MsgResize, []byte{0, 80, 0})...)
			}
		default:
			buf = append(buf, frame(socket.MsgResize, size(20+rng.Intn(300), 5+rng.Intn(100)))...)
		}
		if len(buf) > 32<<10 {
			if _, err := c.Write(buf); err != nil {
				t.Fatalf("write resizes: %v", err)
			}
			buf = buf[:0]
		}
	}
	buf = append(buf, frame(socket.MsgDetach, nil)...)
	if _, err := c.Write(buf); err != nil {
		t.Fatalf("write resizes: %v", err)
	}
	var g got
	select {
	case g = <-reader:
	case <-time.After(30 * time.Second):
		t.Fatalf("no end of the attached stream after the resize storm and a detach")
	}
	if g.err != nil {
		t.Errorf("reading the stream: %v", g.err)
	}
	if len(g.types) == 0 || g.types[len(g.types)-1] != socket.MsgDetached || g.detached.Session != "rs" || g.detached.Reason != socket.ReasonDetached {
		t.Errorf("stream ended with frames %v, detached %+v; want MsgDetached for rs (detached)", g.types, g.detached)
	}

	s := sessionByName(lsJSON(t, e), "rs")
	if s == nil {
		t.Fatalf("session rs gone after the resize storm")
	}
	if size, _ := s["size"].(map[string]any); size["cols"] != float64(123) || size["rows"] != float64(45) {
		t.Errorf("size after the storm = %v, want the last valid resize 123x45", s["size"])
	}
	if s["clients"] != float64(0) || s["state"] != "Disconnected" || s["availability"] != "None" {
		t.Errorf("after detach: %v", s)
	}
	serverStillServes(t, e, "rs")
}
