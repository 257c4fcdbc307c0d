package mux

import (
	"strings"
	"sync"
	"testing"
	"time"

	"linger/config"
)

// The registry reports a session's life through Events, in order, from
// the goroutines where it happens (run with -race).
func TestRegistryEvents(t *testing.T) {
	r := NewRegistry(config.Default(), "/tmp/test.sock", nil)
	var mu sync.Mutex
	var got []string
	r.Events = func(e Event) {
		mu.Lock()
		got = append(got, e.Type+" "+e.Session)
		mu.Unlock()
	}
	events := func() string {
		mu.Lock()
		defer mu.Unlock()
		return strings.Join(got, ", ")
	}
	env := []string{"PATH=/usr/bin:/bin"}
	a, err := r.New(NewOptions{Name: "a", Command: []string{"sh", "-c", "exit 4"}, ClientEnv: env, ClientCwd: "/"})
	if err != nil {
		t.Fatal(err)
	}
	b, err := r.New(NewOptions{Name: "b", Command: []string{"sleep", "100"}, ClientEnv: env, ClientCwd: "/"})
	if err != nil {
		t.Fatal(err)
	}
	<-a.Done()
	if _, err := r.Rename("b", "c"); err != nil {
		t.Fatal(err)
	}
	r.Kill(b)
	<-b.Done()
	r.Collect(a)
	want := "session.created a, session.created b, session.exited a, session.renamed c, session.removed c, session.exited c, session.removed a"
	deadline := time.Now().Add(5 * time.Second)
	for events() != want && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond) // the reaper's goroutine reports c's exit
	}
	if g := events(); g != want {
		t.Errorf("events:\n got %s\nwant %s", g, want)
	}
}
