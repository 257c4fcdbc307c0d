package main

// A fault-injecting TCP proxy for the tests of remote connections: it
// listens on 127.0.0.1 and forwards every connection to a target address
// (the test sshd: sshServer.ViaProxy puts it between ssh and sshd), and
// the test switches what it does at run time:
//
//   - Forward: copy bytes both ways (the start).
//   - Blackhole: keep every socket open but forward nothing either way
//     (a cable pulled, a laptop asleep): only heartbeats can tell. Bytes
//     read meanwhile are held and go on with Forward.
//   - BlackholeToClient: the same, from the target to the client only
//     (the server still hears the client).
//   - Reset: close both sides of every current connection now (with RST);
//     new connections are forwarded.
//   - Refuse(d): for d, accept new connections and close them at once.
//   - Slow(latency, rate): delay every chunk by latency and hold each
//     direction to rate bytes a second (0: no limit).

import (
	"io"
	"net"
	"strconv"
	"sync"
	"testing"
	"time"
)

type faultProxy struct {
	t      *testing.T
	ln     net.Listener
	target string

	mu          sync.Mutex
	cond        *sync.Cond // broadcast on every change of mode and on a close
	blackhole   bool
	darkDown    bool // target to client only
	refuseUntil time.Time
	latency     time.Duration
	rate        int // bytes a second per direction; 0: unlimited
	conns       map[*proxyPair]bool
	accepted    int
}

// proxyPair is one proxied connection: the client's side and the target's.
type proxyPair struct {
	a, b   *net.TCPConn
	closed bool // under faultProxy.mu
}

// startFaultProxy starts a proxy to target in Forward mode; it stops with
// the test.
func startFaultProxy(t *testing.T, target string) *faultProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &faultProxy{t: t, ln: ln, target: target, conns: map[*proxyPair]bool{}}
	p.cond = sync.NewCond(&p.mu)
	done := make(chan struct{})
	go func() { defer close(done); p.accept() }()
	t.Cleanup(func() {
		ln.Close()
		<-done
		p.Reset()
	})
	return p
}

// Port is the port the proxy listens on (127.0.0.1).
func (p *faultProxy) Port() int { return p.ln.Addr().(*net.TCPAddr).Port }

// Accepted counts the connections accepted so far (refused ones too).
func (p *faultProxy) Accepted() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.accepted
}

// Forward makes the proxy copy both ways again (ends Blackhole and Slow).
func (p *faultProxy) Forward() {
	p.mu.Lock()
	p.blackhole, p.darkDown, p.latency, p.rate = false, false, 0, 0
	p.cond.Broadcast()
	p.mu.Unlock()
}

// Blackhole stops forwarding both ways; the sockets stay open.
func (p *faultProxy) Blackhole() {
	p.mu.Lock()
	p.blackhole = true
	p.cond.Broadcast()
	p.mu.Unlock()
}

// BlackholeToClient stops forwarding from the target to the client.
func (p *faultProxy) BlackholeToClient() {
	p.mu.Lock()
	p.darkDown = true
	p.cond.Broadcast()
	p.mu.Unlock()
}

// Slow delays every chunk by latency and limits each direction to rate
// bytes a second (0: no limit).
func (p *faultProxy) Slow(latency time.Duration, rate int) {
	p.mu.Lock()
	p.latency, p.rate = latency, rate
	p.cond.Broadcast()
	p.mu.Unlock()
}

// Refuse closes the new connections of the next d as soon as they come.
func (p *faultProxy) Refuse(d time.Duration) {
	p.mu.Lock()
	p.refuseUntil = time.Now().Add(d)
	p.mu.Unlock()
}

// Reset closes both sides of every current connection, with a reset.
func (p *faultProxy) Reset() {
	p.mu.Lock()
	for c := range p.conns {
		p.closeLocked(c)
	}
	p.cond.Broadcast()
	p.mu.Unlock()
}

func (p *faultProxy) closeLocked(c *proxyPair) {
	if c.closed {
		return
	}
	c.closed = true
	delete(p.conns, c)
	for _, s := range []*net.TCPConn{c.a, c.b} {
		s.SetLinger(0) // RST, not FIN
		s.Close()
	}
}

func (p *faultProxy) accept() {
	for {
		nc, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		p.accepted++
		refuse := time.Now().Before(p.refuseUntil)
		p.mu.Unlock()
		a := nc.(*net.TCPConn)
		if refuse {
			a.SetLinger(0)
			a.Close()
			continue
		}
		go p.connect(a)
	}
}

func (p *faultProxy) connect(a *net.TCPConn) {
	bc, err := net.DialTimeout("tcp", p.target, 5*time.Second)
	if err != nil {
		a.Close()
		return
	}
	c := &proxyPair{a: a, b: bc.(*net.TCPConn)}
	p.mu.Lock()
	p.conns[c] = true
	p.mu.Unlock()
	go p.copy(c, c.b, c.a)
	go p.copy(c, c.a, c.b)
}

// copy forwards src to dst, as the mode says, until either side ends;
// then it closes both.
func (p *faultProxy) copy(c *proxyPair, dst, src *net.TCPConn) {
	defer func() {
		p.mu.Lock()
		p.closeLocked(c)
		p.cond.Broadcast()
		p.mu.Unlock()
	}()
	buf := make([]byte, 32<<10)
	for {
		p.mu.Lock()
		max := len(buf)
		if p.rate > 0 {
			max = min(max, p.rate/20+1) // chunks of 50ms at rate
		}
		p.mu.Unlock()
		n, err := src.Read(buf[:max])
		if n > 0 {
			p.mu.Lock()
			for (p.blackhole || p.darkDown && src == c.b) && !c.closed {
				p.cond.Wait()
			}
			closed, latency, rate := c.closed, p.latency, p.rate
			p.mu.Unlock()
			if closed {
				return
			}
			if latency > 0 {
				time.Sleep(latency)
			}
			if rate > 0 {
				time.Sleep(time.Duration(n) * time.Second / time.Duration(rate))
			}
			if _, err := dst.Write(buf[:n]); err != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// The proxy itself: forward copies, blackhole holds the bytes while the
// sockets stay open (and lets them through after), reset closes both
// sides, refuse closes new connections, slow limits the rate.
func TestFaultProxy(t *testing.T) {
	echo, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer echo.Close()
	go func() {
		for {
			c, err := echo.Accept()
			if err != nil {
				return
			}
			go func() { io.Copy(c, c); c.Close() }()
		}
	}()
	p := startFaultProxy(t, echo.Addr().String())
	dial := func() net.Conn {
		t.Helper()
		c, err := net.Dial("tcp", "127.0.0.1:"+strconv.Itoa(p.Port()))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return c
	}
	roundTrip := func(c net.Conn, msg string, within time.Duration) (string, error) {
		c.SetDeadline(time.Now().Add(within))
		if _, err := c.Write([]byte(msg)); err != nil {
			return "", err
		}
		got := make([]byte, len(msg))
		_, err := io.ReadFull(c, got)
		return string(got), err
	}

	c := dial()
	if got, err := roundTrip(c, "hello", 5*time.Second); err != nil || got != "hello" {
		t.Fatalf("forward: %q %v", got, err)
	}

	p.Blackhole()
	if got, err := roundTrip(c, "dark", 300*time.Millisecond); err == nil {
		t.Fatalf("blackhole forwarded %q", got)
	}
	p.Forward()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	got := make([]byte, 4)
	if _, err := io.ReadFull(c, got); err != nil || string(got) != "dark" {
		t.Fatalf("after the blackhole: %q %v, want the held bytes", got, err)
	}

	p.Slow(0, 20000)
	start := time.Now()
	msg := string(make([]byte, 10000))
	if got, err := roundTrip(c, msg, 10*time.Second); err != nil || got != msg {
		t.Fatalf("slow: %d bytes %v", len(got), err)
	}
	if d := time.Since(start); d < 400*time.Millisecond {
		t.Errorf("10000 bytes at 20000 B/s took %v", d)
	}
	p.Forward()

	p.Reset()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	if n, err := c.Read(got); err == nil {
		t.Fatalf("reset: read %d bytes, want an error", n)
	}

	p.Refuse(time.Hour)
	// the reset may come before the connect returns, or after
	if r, err := net.Dial("tcp", "127.0.0.1:"+strconv.Itoa(p.Port())); err == nil {
		r.SetDeadline(time.Now().Add(5 * time.Second))
		if n, err := r.Read(got); err == nil {
			t.Fatalf("refused connection read %d bytes", n)
		}
		r.Close()
	}
	p.Refuse(0)
	if got, err := roundTrip(dial(), "again", 5*time.Second); err != nil || got != "again" {
		t.Fatalf("after refuse: %q %v", got, err)
	}
}
