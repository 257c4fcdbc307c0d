package config

import (
	"bytes"
	"fmt"
	"strings"
)

// DefaultDetachKey is the detach key when nothing else is configured:
// Ctrl-\ (0x1c), which shells and editors rarely bind.
const DefaultDetachKey byte = 0x1c

// ctrlSymbols are the control keys named by a symbol rather than a letter,
// indexed by key-0x1b; ctrl-@ (0x00) is handled separately.
const ctrlSymbols = "[\\]^_"

// ParseKey parses a detach key spec. It accepts, ignoring case:
//
//	ctrl-a … ctrl-z           0x01 … 0x1a
//	ctrl-@, ctrl-space        0x00
//	ctrl-[ ctrl-\ ctrl-] ctrl-^ ctrl-_   0x1b … 0x1f
//	^A, ^\, ^] …              the caret form of any of the above
//	none                      no detach key (disabled is true)
//
// In a TOML basic string the backslash is doubled: detach_key = "ctrl-\\".
func ParseKey(spec string) (key byte, disabled bool, err error) {
	s := strings.ToLower(spec)
	var rest string
	switch {
	case s == "none":
		return 0, true, nil
	case s == "ctrl-space":
		return 0, false, nil
	case strings.HasPrefix(s, "ctrl-"):
		rest = s[len("ctrl-"):]
	case strings.HasPrefix(s, "^"):
		rest = s[1:]
	}
	if len(rest) == 1 {
		switch c := rest[0]; {
		case c >= 'a' && c <= 'z':
			return c - 'a' + 1, false, nil
		case c == '@':
			return 0, false, nil
		case strings.IndexByte(ctrlSymbols, c) >= 0:
			return 0x1b + byte(strings.IndexByte(ctrlSymbols, c)), false, nil
		}
	}
	return 0, false, fmt.Errorf(`invalid detach key %q (expected: ctrl-<letter>, ctrl-@|[|\|]|^|_, ^<letter> or none)`, spec)
}

// KeyName returns the canonical spec of a control key, the one ParseKey
// reads back: 0x01 is "ctrl-a", 0x1c is "ctrl-\\" (one backslash), 0x00 is
// "ctrl-@". Bytes that are not control keys are shown as hex ("0x41").
func KeyName(key byte) string {
	switch {
	case key == 0:
		return "ctrl-@"
	case key <= 0x1a:
		return "ctrl-" + string(rune('a'+key-1))
	case key <= 0x1f:
		return "ctrl-" + string(ctrlSymbols[key-0x1b])
	}
	return fmt.Sprintf("%#02x", key)
}

// Key is a detach key as decided for one attach: the byte that detaches,
// or None.
type Key struct {
	Byte byte
	None bool
}

// Cut looks for the key in input typed at an attached terminal. It
// returns what precedes the key, which goes to the program, and whether
// the key was there (then the client detaches; what follows it is
// dropped). The relay client and the server's direct mode both use it.
func (k Key) Cut(input []byte) (keys []byte, detach bool) {
	if k.None {
		return input, false
	}
	if i := bytes.IndexByte(input, k.Byte); i >= 0 {
		return input[:i], true
	}
	return input, false
}
