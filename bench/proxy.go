package main

// A small fault-injecting TCP proxy for the reconnect figure (ssh-resume):
// it listens on 127.0.0.1 and forwards every connection to the harness's
// sshd, and the harness switches what it does:
//
//   - forwarding (the start): copy bytes both ways;
//   - reset: close both sides of every current connection now, with RST;
//   - refuse(on): while on, accept new connections and reset them at once
//     (ssh fails at once, as against a port that refuses), counting them.
//
// It is the bench's own (the tests have a fuller one in faultproxy_test.go;
// the bench does not import test code).

import (
	"io"
	"net"
	"sync"
	"time"
)

type proxy struct {
	ln     net.Listener
	target string

	mu      sync.Mutex
	refuse  bool
	conns   map[*net.TCPConn]bool
	accepts []proxyAccept // every connection accepted, in order
	wg      sync.WaitGroup
}

// proxyAccept is one connection the proxy accepted.
type proxyAccept struct {
	at      time.Time
	refused bool
}

// startProxy starts a proxy to target, forwarding.
func startProxy(target string) (*proxy, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p := &proxy{ln: ln, target: target, conns: map[*net.TCPConn]bool{}}
	p.wg.Add(1)
	go p.accept()
	return p, nil
}

func (p *proxy) port() int { return p.ln.Addr().(*net.TCPAddr).Port }

// close stops listening and resets every connection.
func (p *proxy) close() {
	p.ln.Close()
	p.reset()
	p.wg.Wait()
}

// reset closes both sides of every current connection with a reset.
func (p *proxy) reset() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for c := range p.conns {
		c.SetLinger(0)
		c.Close()
		delete(p.conns, c)
	}
}

// setRefuse turns refusing new connections on or off, and returns when.
func (p *proxy) setRefuse(on bool) time.Time {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.refuse = on
	return time.Now()
}

// acceptedSince is every connection accepted at or after t.
func (p *proxy) acceptedSince(t time.Time) []proxyAccept {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []proxyAccept
	for _, a := range p.accepts {
		if !a.at.Before(t) {
			out = append(out, a)
		}
	}
	return out
}

func (p *proxy) accept() {
	defer p.wg.Done()
	for {
		nc, err := p.ln.Accept()
		if err != nil {
			return
		}
		c := nc.(*net.TCPConn)
		p.mu.Lock()
		refused := p.refuse
		p.accepts = append(p.accepts, proxyAccept{at: time.Now(), refused: refused})
		p.mu.Unlock()
		if refused {
			c.SetLinger(0)
			c.Close()
			continue
		}
		p.wg.Add(1)
		go p.forward(c)
	}
}

func (p *proxy) forward(a *net.TCPConn) {
	defer p.wg.Done()
	nb, err := net.DialTimeout("tcp", p.target, 5*time.Second)
	if err != nil {
		a.SetLinger(0)
		a.Close()
		return
	}
	b := nb.(*net.TCPConn)
	p.mu.Lock()
	p.conns[a], p.conns[b] = true, true
	p.mu.Unlock()
	done := make(chan struct{}, 2)
	pipe := func(dst, src *net.TCPConn) {
		io.Copy(dst, src)
		dst.CloseWrite()
		done <- struct{}{}
	}
	go pipe(a, b)
	go pipe(b, a)
	<-done
	<-done
	p.mu.Lock()
	delete(p.conns, a)
	delete(p.conns, b)
	p.mu.Unlock()
	a.Close()
	b.Close()
}
