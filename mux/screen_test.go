package mux

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"linger/config"

	"linger/shell"
	"linger/vt"
)

// countingScreen counts the bytes written into a session's emulator.
type countingScreen struct {
	Screen
	n *atomic.Int64
}

func (c countingScreen) Write(p []byte) (int, error) {
	c.n.Add(int64(len(p)))
	return c.Screen.Write(p)
}

// exitClient is a quiet Client that says when the program has exited.
type exitClient struct {
	quietClient
	exited chan struct{}
}

func (c *exitClient) Exited(string, shell.ExitStatus, bool) { close(c.exited) }

// TestLazyFeedWritesTheTailOnce: while an owner's terminal gets a long run
// of plain lines, the emulator skips them (vt's FastForward) and writes
// the last lines it must keep once, when the output stops, not once per
// lazy feed. The state it ends in is exact: the capture here, and
// TestRestoreAfterBurst at the top level, check it.
func TestLazyFeedWritesTheTailOnce(t *testing.T) {
	var written atomic.Int64
	defer func(f func(int, int, int) Screen) { newScreen = f }(newScreen)
	// No feed because the output paused: a busy machine (or -race) makes
	// pauses, and each would write what waited whole.
	defer func(d time.Duration) { settleDelay = d }(settleDelay)
	settleDelay = time.Minute
	newScreen = func(cols, rows, sb int) Screen { return countingScreen{vt.New(cols, rows, sb), &written} }

	var text strings.Builder
	lines := 0
	for ; text.Len() < 16<<20; lines++ {
		fmt.Fprintf(&text, "line %07d %s\n", lines, strings.Repeat("log text ", lines%9))
	}
	file := filepath.Join(t.TempDir(), "log.txt")
	if err := os.WriteFile(file, []byte(text.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	r := NewRegistry(config.Default(), "/tmp/test.sock", nil)
	defer r.Shutdown()
	c := &exitClient{exited: make(chan struct{})}
	s, err := r.New(NewOptions{
		Command: []string{"cat", file}, ClientEnv: []string{"PATH=/usr/bin:/bin"}, ClientCwd: "/",
		Cols: 80, Rows: 24, Attach: &AttachOptions{Client: c},
	})
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-c.exited:
	case <-time.After(60 * time.Second):
		t.Fatal("cat did not finish")
	}
	capt := s.Capture(0, false)
	want := fmt.Sprintf("line %07d %s", lines-1, strings.TrimRight(strings.Repeat("log text ", (lines-1)%9), " "))
	if got := capt.Screen[capt.CursorY-1]; got != want {
		t.Fatalf("last line on the screen: %q, want %q", got, want)
	}
	// Only the lines after the last skip are written: about 2*24+2000
	// lines (~100 KB here), and what came after the last lazy feed.
	if w, total := written.Load(), int64(text.Len()); w > total/20 {
		t.Errorf("the emulator was written %d of %d bytes (%.1f%%), want at most 5%%", w, total, 100*float64(w)/float64(total))
	} else {
		t.Logf("the emulator was written %d of %d bytes (%.1f%%)", w, total, 100*float64(w)/float64(total))
	}
}

// TestSlowOutputWaitsAtMostSettleMax: an owner's output that keeps coming
// without a pause, but too slowly for the emulator to skip any of it,
// waits for the emulator at most settleMax, not until lazyFeed bytes pile
// up: a program printing 8 KiB every 10 ms (0.8 MB/s) leaves 320-350 KB
// unfed at most here (settleMax of output, the feed's own time and the
// timer's lateness), 770 KB without settleMax.
func TestSlowOutputWaitsAtMostSettleMax(t *testing.T) {
	r := NewRegistry(config.Default(), "/tmp/test.sock", nil)
	defer r.Shutdown()
	c := &exitClient{exited: make(chan struct{})}
	script := `line=$(head -c 8191 /dev/zero | tr '\0' x); i=0
while [ $i -lt 150 ]; do printf '%s\n' "$line"; sleep 0.01; i=$((i+1)); done`
	s, err := r.New(NewOptions{
		Command: []string{"sh", "-c", script}, ClientEnv: []string{"PATH=/usr/bin:/bin"}, ClientCwd: "/",
		Cols: 80, Rows: 24, Attach: &AttachOptions{Client: c},
	})
	if err != nil {
		t.Fatal(err)
	}
	most := int64(0)
	for done := false; !done; {
		select {
		case <-c.exited:
			done = true
		case <-time.After(2 * time.Millisecond):
		}
		s.mu.Lock()
		if s.x != nil {
			most = max(most, s.x.buf.unfed())
		}
		s.mu.Unlock()
	}
	if most > 512<<10 {
		t.Errorf("up to %d bytes waited for the emulator, want at most 512 KiB", most)
	}
	t.Logf("up to %d bytes waited for the emulator", most)
}
