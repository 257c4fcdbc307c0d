package mux

import (
	"slices"
	"strconv"
	"sync"
	"testing"

	"linger/config"
)

// TestRegistrySessionsOrdered: Sessions lists by ID whatever order the
// sessions finished starting in, and after removals (the registry keeps
// them ordered rather than sorting on each ls).
func TestRegistrySessionsOrdered(t *testing.T) {
	r := NewRegistry(config.Default(), "/tmp/test.sock", nil)
	defer r.Shutdown()
	const n = 16
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := r.New(NewOptions{Command: []string{"sleep", "1000"}, ClientEnv: []string{"PATH=/usr/bin:/bin"}, ClientCwd: "/"}); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	var want []int
	for id := 1; id <= n; id++ {
		want = append(want, id)
	}
	check := func() {
		t.Helper()
		var got []int
		for _, s := range r.Sessions() {
			got = append(got, s.ID)
		}
		if !slices.Equal(got, want) {
			t.Fatalf("Sessions() IDs %v, want %v", got, want)
		}
	}
	check()
	for _, id := range []int{1, 16, 7, 8} {
		s, err := r.Lookup(strconv.Itoa(id))
		if err != nil {
			t.Fatal(err)
		}
		r.Kill(s)
		want = slices.DeleteFunc(want, func(v int) bool { return v == id })
		check()
	}
	if _, err := r.New(NewOptions{Command: []string{"sleep", "1000"}, ClientEnv: []string{"PATH=/usr/bin:/bin"}, ClientCwd: "/"}); err != nil {
		t.Fatal(err)
	}
	want = append(want, n+1)
	check()
}

// TestSessionsShareTheirConfiguration: sessions keep the Config's own
// Configuration, not a copy each (a copy is ~250 bytes per idle session).
func TestSessionsShareTheirConfiguration(t *testing.T) {
	cfg := config.Default()
	r := NewRegistry(cfg, "/tmp/test.sock", nil)
	defer r.Shutdown()
	want, err := cfg.Shared("")
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ {
		s, err := r.New(NewOptions{Command: []string{"sleep", "1000"}, ClientEnv: []string{"PATH=/usr/bin:/bin"}, ClientCwd: "/"})
		if err != nil {
			t.Fatal(err)
		}
		if s.conf != want {
			t.Errorf("session %d has a configuration of its own", s.ID)
		}
	}
}
