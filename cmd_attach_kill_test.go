package main

import (
	"bytes"
	"regexp"
	"strconv"
	"syscall"
	"testing"
)

// TestAttachKilledClientLosesNothing: a client SIGKILLed in the middle of a
// large output leaves the session Broken; what was in flight to it (socket
// buffers) was never acknowledged, so it is kept: what that client showed
// plus what receive gets afterwards holds every line, in order. Only lines
// the dead client showed but had not yet acknowledged may appear twice.
func TestAttachKilledClientLosesNothing(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.WriteConfig("[configurations.default]\nbuffer_size = \"1MiB\"\n")
	const lines = 60000
	newDetached(t, e, "big", "sh", "-c",
		`awk 'BEGIN{for(i=0;i<`+strconv.Itoa(lines)+`;i++) printf "L%06d abcdefghijklmnopqrstuvwxyz\n", i}'; echo END; exec sleep 1000`)
	// --restore none: what was kept before the attach is replayed byte for
	// byte (lines would draw the last 2000 lines and count the rest as
	// received), so every line is accounted for
	client := e.Start(80, 24, "attach", "--restore", "none", "big")
	// kill it mid-stream: once it has shown some lines but long before the end
	lineRe := regexp.MustCompile(`L(\d{6}) abcdefghijklmnopqrstuvwxyz`)
	poll(t, "the client to show output", harnessWait, func() bool {
		return len(lineRe.FindAll(client.Output(), 2000)) >= 1000
	})
	client.Kill(syscall.SIGKILL)
	client.WaitExit()
	// The server writes to the client's terminal itself (direct mode) and
	// counts what it wrote as received; it goes on until it sees the client
	// gone and lets go of the terminal, which can be seconds on a loaded
	// machine. Only then is all it wrote readable here (the reader ends
	// once nobody holds the terminal; WaitExit waits just a second for it).
	poll(t, "the server to let go of the client's terminal", harnessWait, func() bool {
		select {
		case <-client.readDone:
			return true
		default:
			return false
		}
	})
	shown := client.Output()

	poll(t, "the session Broken", harnessWait, func() bool {
		for _, s := range lsJSON(t, e) {
			if s["name"] == "big" {
				return s["state"] == "Broken"
			}
		}
		return false
	})
	var rest []byte
	poll(t, "receive to reach END", 2*harnessWait, func() bool {
		r := e.Run("receive", "big")
		if r.Code != 0 {
			t.Fatalf("receive: %v", r)
		}
		rest = append(rest, r.Stdout...)
		return regexp.MustCompile(`(?m)^END\r?$`).Match(rest)
	})

	seen := make([]int, lines)
	for _, m := range lineRe.FindAllSubmatch(shown, -1) {
		n, _ := strconv.Atoi(string(m[1]))
		seen[n]++
	}
	shownCount := 0
	for _, c := range seen {
		if c > 0 {
			shownCount++
		}
	}
	// What the terminal got is counted to the byte: it may end inside a
	// line whose rest is the first thing receive gets. Such a line is
	// whole only across the two; since every line ends alike, the join
	// must also be followed by the next line.
	if i := bytes.LastIndexByte(shown, '\n'); i >= 0 && !lineRe.Match(shown[i+1:]) {
		frag := shown[i+1:]
		joined := append(bytes.Clone(frag), rest...)
		if ms := lineRe.FindAllSubmatchIndex(joined, 2); len(ms) == 2 && ms[0][0] == 0 && ms[0][1] > len(frag) {
			n, _ := strconv.Atoi(string(joined[ms[0][2]:ms[0][3]]))
			next, _ := strconv.Atoi(string(joined[ms[1][2]:ms[1][3]]))
			if next == n+1 {
				rest = joined
			}
		}
	}
	dups := 0
	prev := -1
	for _, m := range lineRe.FindAllSubmatch(rest, -1) {
		n, _ := strconv.Atoi(string(m[1]))
		if n <= prev {
			t.Fatalf("receive went backwards: L%06d after L%06d", n, prev)
		}
		prev = n
		if seen[n] > 0 {
			dups++
		}
		seen[n]++
	}
	for n, c := range seen {
		if c == 0 {
			t.Fatalf("line L%06d lost (client showed %d lines before it was killed)\nshown ends %q\nreceive starts %q",
				n, shownCount, shown[max(0, len(shown)-120):], rest[:min(len(rest), 240)])
		}
	}
	t.Logf("the killed client showed %d lines; receive got the other %d, %d of them again", shownCount, lines-shownCount+dups, dups)
	if dups > 2000 {
		t.Errorf("%d lines repeated: more than the unacknowledged window should hold", dups)
	}
}
