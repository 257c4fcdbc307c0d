package config

import (
	"fmt"
	"io"
	"testing"
	"time"
)

func TestParseKey(t *testing.T) {
	tests := []struct {
		spec     string
		key      byte
		disabled bool
	}{
		{`ctrl-\`, 0x1c, false},
		{`CTRL-\`, 0x1c, false},
		{`^\`, 0x1c, false},
		{"ctrl-a", 0x01, false},
		{"Ctrl-A", 0x01, false},
		{"ctrl-b", 0x02, false},
		{"ctrl-z", 0x1a, false},
		{"^A", 0x01, false},
		{"^a", 0x01, false},
		{"^Z", 0x1a, false},
		{"ctrl-@", 0x00, false},
		{"^@", 0x00, false},
		{"ctrl-space", 0x00, false},
		{"CTRL-SPACE", 0x00, false},
		{"ctrl-[", 0x1b, false},
		{"^[", 0x1b, false},
		{"ctrl-]", 0x1d, false},
		{"^]", 0x1d, false},
		{"ctrl-^", 0x1e, false},
		{"^^", 0x1e, false},
		{"ctrl-_", 0x1f, false},
		{"^_", 0x1f, false},
		{"none", 0, true},
		{"NONE", 0, true},
	}
	for _, tt := range tests {
		key, disabled, err := ParseKey(tt.spec)
		if err != nil || key != tt.key || disabled != tt.disabled {
			t.Errorf("ParseKey(%q) = %#02x, %v, %v; want %#02x, %v, nil", tt.spec, key, disabled, err, tt.key, tt.disabled)
		}
	}
}

func TestParseKeyErrors(t *testing.T) {
	for _, spec := range []string{
		"", "x", "a", "ctrl-", "ctrl-1", "ctrl-ab", "ctrl-?", "ctrl+a", "C-a",
		"^", "^1", "^?", "^ab", " ctrl-a", "ctrl-a ", "alt-a", "ctrl-spacebar", "nonе", "ctrl-\\\\",
	} {
		_, _, err := ParseKey(spec)
		if err == nil {
			t.Errorf("ParseKey(%q) succeeded, want an error", spec)
			continue
		}
		want := fmt.Sprintf(`invalid detach key %q (expected: ctrl-<letter>, ctrl-@|[|\|]|^|_, ^<letter> or none)`, spec)
		if err.Error() != want {
			t.Errorf("ParseKey(%q) error:\n got %s\nwant %s", spec, err, want)
		}
	}
}

func TestKeyNameRoundTrip(t *testing.T) {
	for b := 0; b < 0x20; b++ {
		name := KeyName(byte(b))
		key, disabled, err := ParseKey(name)
		if err != nil || disabled || key != byte(b) {
			t.Errorf("ParseKey(KeyName(%#02x) = %q) = %#02x, %v, %v", b, name, key, disabled, err)
		}
	}
	for b, want := range map[byte]string{
		0x00: "ctrl-@", 0x01: "ctrl-a", 0x1a: "ctrl-z", 0x1b: "ctrl-[",
		0x1c: `ctrl-\`, 0x1d: "ctrl-]", 0x1e: "ctrl-^", 0x1f: "ctrl-_",
		'A': "0x41", 0x7f: "0x7f",
	} {
		if got := KeyName(b); got != want {
			t.Errorf("KeyName(%#02x) = %q, want %q", b, got, want)
		}
	}
	if KeyName(DefaultDetachKey) != `ctrl-\` {
		t.Errorf("KeyName(DefaultDetachKey) = %q", KeyName(DefaultDetachKey))
	}
}

func TestKeyScanner(t *testing.T) {
	for _, c := range []struct {
		key     Key
		in      []string // successive reads
		keys    string   // what went to the program
		detach  bool
		pending bool // the key ended the last read
	}{
		{Key{Byte: 0x1c}, []string{"ls\r"}, "ls\r", false, false},
		{Key{Byte: 0x1c}, []string{"ab\x1ccd"}, "ab", true, false},
		{Key{Byte: 0x1c}, []string{"ab\x1c"}, "ab", false, true},
		{Key{Byte: 0x1c}, []string{"\x1c", "x"}, "", true, false},
		{Key{Byte: 0x1c}, []string{"\x1c", "\x1cx"}, "\x1cx", false, false},
		{Key{Byte: 0x1c}, []string{"a\x1c\x1cb"}, "a\x1cb", false, false},
		{Key{Byte: 0x1c}, []string{"a\x1c\x1c\x1c"}, "a\x1c", false, true},
		{Key{Byte: 0x1c}, []string{"\x1c\x1c\x1c\x1c"}, "\x1c\x1c", false, false},
		{Key{Byte: 0x1c}, []string{"\x1c\x1c", "\x1cq"}, "\x1c", true, false},
		{Key{Byte: 0x01}, []string{"x\x1c"}, "x\x1c", false, false},
		{Key{None: true}, []string{"ab\x1ccd\x00"}, "ab\x1ccd\x00", false, false},
		{Key{Byte: 0x00}, []string{"ab\x00c"}, "ab", true, false}, // ctrl-@ is a key too
	} {
		sc := KeyScanner{Key: c.key}
		var keys []byte
		detach := false
		for _, in := range c.in {
			var p []byte
			p, detach = sc.Scan([]byte(in))
			keys = append(keys, p...)
		}
		if string(keys) != c.keys || detach != c.detach || sc.Pending() != c.pending {
			t.Errorf("%+v: Scan(%q) = %q, detach %v, pending %v; want %q, %v, %v",
				c.key, c.in, keys, detach, sc.Pending(), c.keys, c.detach, c.pending)
		}
	}
}

// TestKeyForward: the key alone detaches once DoublePress has passed;
// twice in a row it goes to the program; anything else after it detaches
// at once.
func TestKeyForward(t *testing.T) {
	key := Key{Byte: 0x1c}
	// run forwards reads; after the last one the terminal hangs (a read
	// that waits) or ends (EOF)
	run := func(hang bool, reads ...string) (sent string, detach bool, took time.Duration) {
		read := func(buf []byte) (int, error) {
			if len(reads) == 0 {
				if hang {
					time.Sleep(10 * DoublePress)
				}
				return 0, io.EOF
			}
			n := copy(buf, reads[0])
			reads = reads[1:]
			return n, nil
		}
		start := time.Now()
		detach, _ = key.Forward(64, read, func(p []byte) bool { sent += string(p); return true })
		return sent, detach, time.Since(start)
	}
	if sent, detach, took := run(true, "ab\x1c"); sent != "ab" || !detach || took < DoublePress || took > 5*DoublePress {
		t.Errorf("one press: sent %q, detach %v after %v; want \"ab\", true after %v", sent, detach, took, DoublePress)
	}
	if sent, detach, took := run(true, "\x1c", "x"); sent != "" || !detach || took > DoublePress {
		t.Errorf("the key then x: sent %q, detach %v after %v; want \"\", true at once", sent, detach, took)
	}
	if sent, detach, _ := run(false, "\x1c", "\x1c", "y"); sent != "\x1cy" || detach {
		t.Errorf("pressed twice: sent %q, detach %v; want \"\\x1cy\", false", sent, detach)
	}
}
