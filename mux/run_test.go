package mux

import (
	"bytes"
	"testing"
)

// TestFilterMarksSplit feeds output with private marks cut at every
// position: the marks never reach the clients, the run gets exactly the
// bytes between its start and end marks, and a mark with another nonce
// is output like any other.
func TestFilterMarksSplit(t *testing.T) {
	const nonce = "abc123"
	forged := "\x1b]6973;bad;E;1;0\a"
	stream := "before\x1b]6973;" + nonce + ";S;1\aout1\r\n" + forged + "out2\x1b]6973;" + nonce + ";E;1;7\aafter\x1b]6973;" + nonce + ";P\a$ \x1b"
	wantClient := "beforeout1\r\n" + forged + "out2after$ "
	wantRun := "out1\r\n" + forged + "out2"
	for cut := 0; cut <= len(stream); cut++ {
		for cut2 := cut; cut2 <= len(stream); cut2 += 7 {
			s := &Session{rs: &runState{nonce: nonce}}
			s.name.Store(new(string))
			r := &Run{ID: 1, more: make(chan struct{}, 1)}
			s.rs.cur = r
			var got []byte
			for _, part := range []string{stream[:cut], stream[cut:cut2], stream[cut2:]} {
				got = append(got, s.filterMarks([]byte(part))...)
			}
			if string(got) != wantClient {
				t.Fatalf("cut at %d, %d: clients got %q, want %q", cut, cut2, got, wantClient)
			}
			out, done, status, _ := r.Take()
			if !bytes.Equal(out, []byte(wantRun)) || !done || status != 7 {
				t.Fatalf("cut at %d, %d: run got %q done %v status %d", cut, cut2, out, done, status)
			}
			if !s.rs.integrated || string(s.rs.tail) != "\x1b" {
				t.Fatalf("cut at %d, %d: integrated %v tail %q", cut, cut2, s.rs.integrated, s.rs.tail)
			}
		}
	}
}
