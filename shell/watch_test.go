package shell

import (
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestWhenReadable: a quiet process is armed in the idle watcher and its
// callback runs once output arrives, once it exits, or once it is closed;
// with output waiting, or after the exit, nothing is armed and the caller
// reads as usual.
func TestWhenReadable(t *testing.T) {
	t.Parallel()
	p, err := Start(Options{Argv: []string{"sh", "-c", "stty -echo; echo ready; read x; echo got $x; exec sleep 100"}, Env: testEnv}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Signal(syscall.SIGKILL); p.Close() })
	fired := make(chan struct{}, 4)
	arm := func() bool { return p.WhenReadable(func() { fired <- struct{}{} }) }
	wait := func(what string) {
		t.Helper()
		select {
		case <-fired:
		case <-time.After(10 * time.Second):
			t.Fatalf("no callback after %s", what)
		}
	}
	readUntil := func(want string) {
		t.Helper()
		var got string
		for !strings.Contains(got, want) {
			b, err := p.ReadSome()
			if err != nil {
				t.Fatalf("read: %v (got %q)", err, got)
			}
			got += string(b)
			Release(b)
		}
	}

	readUntil("ready")
	// the shell may not have reached its read yet: wait until nothing is
	// readable and the watcher is armed
	if !arm() {
		b, _ := p.ReadSome() // something came: read it and try again
		Release(b)
		if !arm() {
			t.Fatal("a quiet process was not armed")
		}
	}
	p.Write([]byte("hi\n"))
	wait("output")
	if arm() {
		t.Error("armed while output is waiting")
	}
	readUntil("got hi")
	if !arm() {
		t.Fatal("not armed after reading everything")
	}
	select {
	case <-fired:
		t.Fatal("callback with nothing to read")
	default:
	}
	p.Signal(syscall.SIGKILL)
	wait("exit")
	if arm() {
		t.Error("armed after the exit (the caller must drain with ReadSome)")
	}

	// Close wakes an armed caller too.
	q, err := Start(Options{Argv: []string{"sleep", "100"}, Env: testEnv}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { q.Signal(syscall.SIGKILL); q.Close() })
	closed := make(chan struct{}, 1)
	if !q.WhenReadable(func() { closed <- struct{}{} }) {
		t.Fatal("a quiet sleep was not armed")
	}
	q.Close()
	select {
	case <-closed:
	case <-time.After(10 * time.Second):
		t.Fatal("no callback after Close")
	}
}

// TestWatchedProcessLeavesThePoller: a reader that must wait registers a
// duplicate of the master with the runtime poller; handing the process to
// the idle watcher closes it, and output the watcher reports is read
// without registering again. Quiet detached sessions thus cost the runtime
// no poll descriptor.
func TestWatchedProcessLeavesThePoller(t *testing.T) {
	t.Parallel()
	p, registered := quietProcess(t)
	got := make(chan string, 1)
	go func() {
		b, err := p.ReadSome()
		if err != nil {
			got <- err.Error()
			return
		}
		got <- string(b)
		Release(b)
	}()
	waitFor(t, 10*time.Second, "the waiting reader to register", registered)
	p.Write([]byte("x")) // the line discipline echoes it
	if s := <-got; !strings.Contains(s, "x") {
		t.Fatalf("read %q, want the echo", s)
	}
	if !registered() {
		t.Fatal("the registration went away while the reader may still wait")
	}

	fired := make(chan struct{}, 1)
	for !p.WhenReadable(func() { fired <- struct{}{} }) {
		b, err := p.ReadSome() // more echo came: read it and try again
		if err != nil {
			t.Fatal(err)
		}
		Release(b)
	}
	if registered() {
		t.Fatal("still registered with the poller after WhenReadable")
	}
	p.Write([]byte("y"))
	select {
	case <-fired:
	case <-time.After(10 * time.Second):
		t.Fatal("no callback after output")
	}
	b, err := p.ReadSome()
	if err != nil || !strings.Contains(string(b), "y") {
		t.Fatalf("read %q, %v; want the echo", b, err)
	}
	Release(b)
	if registered() {
		t.Error("reading output that was there registered with the poller")
	}
}

// TestUnpark: Unpark ends the current or next wait of ReadSome on the
// poller with ErrUnparked, without reading (output that is there comes
// first); later waits are not affected; the caller can then hand the
// process to the watcher, which drops the registration.
func TestUnpark(t *testing.T) {
	t.Parallel()
	p, registered := quietProcess(t)
	type result struct {
		b   string
		err error
	}
	read := func() <-chan result {
		ch := make(chan result, 1)
		go func() {
			b, err := p.ReadSome()
			ch <- result{string(b), err}
			Release(b)
		}()
		return ch
	}
	pending := func() bool {
		var r bool
		p.withFD(func(fd int) error { r = readable(fd); return nil })
		return r
	}

	// The current wait.
	got := read()
	waitFor(t, 10*time.Second, "the waiting reader to register", registered)
	p.Unpark()
	if r := <-got; r.err != ErrUnparked || r.b != "" {
		t.Fatalf("ReadSome after Unpark: %q, %v; want ErrUnparked", r.b, r.err)
	}

	// Output that is there comes first; the next wait ends.
	p.Write([]byte("x")) // echoed
	waitFor(t, 10*time.Second, "the echo", pending)
	p.Unpark()
	if r := <-read(); r.err != nil || !strings.Contains(r.b, "x") {
		t.Fatalf("ReadSome: %q, %v; want the echo", r.b, r.err)
	}
	if r := <-read(); r.err != ErrUnparked {
		t.Fatalf("ReadSome: %q, %v; want ErrUnparked", r.b, r.err)
	}

	// Later waits end with output only.
	got = read()
	p.Write([]byte("y"))
	if r := <-got; r.err != nil || !strings.Contains(r.b, "y") {
		t.Fatalf("ReadSome: %q, %v; want the echo", r.b, r.err)
	}

	got = read()
	waitFor(t, 10*time.Second, "the reader to wait again", registered)
	p.Unpark()
	if r := <-got; r.err != ErrUnparked {
		t.Fatalf("ReadSome after Unpark: %q, %v; want ErrUnparked", r.b, r.err)
	}
	if !p.WhenReadable(func() {}) {
		t.Fatal("a quiet process was not armed")
	}
	if registered() {
		t.Error("still registered with the poller after WhenReadable")
	}
}

// quietProcess starts a sleep on a pty, killed at the end of the test, and
// returns it with a check of whether its master is registered with the
// runtime poller.
func quietProcess(t *testing.T) (*Process, func() bool) {
	t.Helper()
	p, err := Start(Options{Argv: []string{"sleep", "100"}, Env: testEnv}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Signal(syscall.SIGKILL); p.Close() })
	return p, func() bool {
		p.mu.Lock()
		defer p.mu.Unlock()
		return p.poll != nil
	}
}
