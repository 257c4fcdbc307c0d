package config

import (
	"fmt"
	"testing"
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

func TestKeyCut(t *testing.T) {
	for _, c := range []struct {
		key    Key
		in     string
		keys   string
		detach bool
	}{
		{Key{Byte: 0x1c}, "ls\r", "ls\r", false},
		{Key{Byte: 0x1c}, "ab\x1ccd", "ab", true},
		{Key{Byte: 0x1c}, "\x1c", "", true},
		{Key{Byte: 0x01}, "x\x1c", "x\x1c", false},
		{Key{None: true}, "ab\x1ccd\x00", "ab\x1ccd\x00", false},
		{Key{Byte: 0x00}, "ab\x00", "ab", true}, // ctrl-@ is a key too
	} {
		keys, detach := c.key.Cut([]byte(c.in))
		if string(keys) != c.keys || detach != c.detach {
			t.Errorf("%+v.Cut(%q) = %q, %v; want %q, %v", c.key, c.in, keys, detach, c.keys, c.detach)
		}
	}
}
