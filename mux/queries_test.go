package mux

import (
	"bytes"
	"testing"
)

// Tokens the replay filter must drop (queries a terminal answers) and keep
// (everything else, including sequences that look alike).
var (
	qsQueries = []string{
		"\x1b[c", "\x1b[0c", "\x1b[>c", "\x1b[>0c", "\x1b[=c", // DA1, DA2, DA3
		"\x1b[5n", "\x1b[6n", "\x1b[?6n", "\x1b[?15n", // DSR, CPR
		"\x1b[?2004$p", "\x1b[4$p", // DECRQM
		"\x1b[>q", "\x1b[>0q", "\x1b[?u", // XTVERSION, kitty keyboard
		"\x1b[14t", "\x1b[18t", "\x1b[21t", // XTWINOPS reports
		"\x1b]10;?\x07", "\x1b]11;?\x1b\\", "\x1b]4;1;?\x07", "\x1b]12;?\x1b\\", // OSC colour queries
		"\x1bP$qm\x1b\\", "\x1bP+q544e\x1b\\", // DECRQSS, XTGETTCAP
	}
	qsKept = []string{
		"plain text ", "é漢字🙂", "\r\n", "\x07", "\x1b[31m", "\x1b[0m", "\x1b[?1049h", "\x1b[2J",
		"\x1b[H", "\x1b[10;20r", "\x1b[2 q", "\x1b[22;0t", "\x1b[8;24;80t", "\x1b7", "\x1b8", "\x1b(0",
		"\x1b]0;title\x07", "\x1b]2;a;b\x1b\\", "\x1b]8;;http://x\x1b\\", "\x1bPsomething\x1b\\",
		"\x1b[!p", "\x1b[?25l", "\x1b[u", "\x1b[q", "\x1b=",
	}
)

func qsFilter(chunks ...[]byte) []byte {
	var q queryStripper
	var out []byte
	for _, c := range chunks {
		out = q.filter(out, c)
	}
	return q.flush(out)
}

func TestQueryStripperTokens(t *testing.T) {
	for _, s := range qsQueries {
		if got := qsFilter([]byte("a" + s + "b")); string(got) != "ab" {
			t.Errorf("query %q: got %q, want \"ab\"", s, got)
		}
	}
	for _, s := range qsKept {
		if got := qsFilter([]byte("a" + s + "b")); string(got) != "a"+s+"b" {
			t.Errorf("kept %q: got %q", s, got)
		}
	}
	// incomplete or broken sequences pass through as they are
	for s, want := range map[string]string{
		"\x1b[6": "\x1b[6", "\x1b]11;?": "\x1b]11;?", "\x1b": "\x1b", "\x1b[6\rn": "\x1b[6\rn",
		"\x1b\x1b[c": "\x1b", // a lone ESC, then a query
	} {
		if got := qsFilter([]byte(s)); string(got) != want {
			t.Errorf("%q: got %q, want %q", s, got, want)
		}
	}
}

// FuzzQueryStripper builds a stream from the tokens above (each input byte
// picks one), splits it into chunks at fuzzed points, and checks that the
// filter drops exactly the queries, whatever the split.
func FuzzQueryStripper(f *testing.F) {
	f.Add([]byte{0, 1, 2, 3}, []byte{1})
	f.Add([]byte{0x80, 1, 0x81, 2, 0x90, 7}, []byte{3, 5, 1})
	f.Add([]byte("any bytes at all \x1b[6n\x1b]11;?\x07"), []byte{0, 2})
	f.Fuzz(func(t *testing.T, picks, splits []byte) {
		var in, want []byte
		for _, p := range picks {
			if p&0x80 != 0 {
				in = append(in, qsQueries[int(p&0x7f)%len(qsQueries)]...)
			} else {
				s := qsKept[int(p)%len(qsKept)]
				in = append(in, s...)
				want = append(want, s...)
			}
		}
		var chunks [][]byte
		rest := in
		for _, s := range splits {
			n := min(int(s), len(rest))
			chunks = append(chunks, rest[:n])
			rest = rest[n:]
		}
		chunks = append(chunks, rest)
		if got := qsFilter(chunks...); !bytes.Equal(got, want) {
			t.Fatalf("stream %q split %v:\n got %q\nwant %q", in, splits, got, want)
		}
		// any bytes: the output is a subsequence of the input, and splitting
		// does not change it
		raw := append([]byte(nil), picks...)
		whole := qsFilter(raw)
		if split := qsFilter(raw[:len(raw)/2], raw[len(raw)/2:]); !bytes.Equal(whole, split) {
			t.Fatalf("%q: whole %q, split %q", raw, whole, split)
		}
		i := 0
		for _, c := range whole {
			for i < len(raw) && raw[i] != c {
				i++
			}
			if i == len(raw) {
				t.Fatalf("%q: output %q is not a subsequence", raw, whole)
			}
			i++
		}
	})
}
