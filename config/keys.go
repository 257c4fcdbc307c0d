package config

import (
	"bytes"
	"fmt"
	"strings"
	"time"
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

// DoublePress is how long after the detach key a second press of it is
// waited for: pressed twice within it, the key goes to the program once
// (as screen's C-a a and tmux's send-prefix); pressed once, the client
// detaches when it has passed, or at once when something else is typed.
const DoublePress = 400 * time.Millisecond

// KeyScanner finds the detach key in what is typed at an attached
// terminal, one read after another. Key.Forward runs it; the relay client
// and the server's direct mode both use that.
type KeyScanner struct {
	Key     Key
	pending bool // the key ended the last input: a second press may follow
}

// Scan takes one read's bytes and returns what goes to the program and
// whether to detach. The key followed by the key sends one key; followed
// by anything else it detaches, and what follows it is dropped. The key
// at the end of input leaves the scanner Pending: the caller scans the
// next input if it comes within DoublePress, else detaches.
func (s *KeyScanner) Scan(input []byte) (keys []byte, detach bool) {
	if s.Key.None {
		return input, false
	}
	if !s.pending && bytes.IndexByte(input, s.Key.Byte) < 0 {
		return input, false // the common case: no copy
	}
	var out []byte
	for len(input) > 0 {
		if s.pending {
			s.pending = false
			if input[0] != s.Key.Byte {
				return out, true
			}
			out = append(out, s.Key.Byte)
			input = input[1:]
			continue
		}
		i := bytes.IndexByte(input, s.Key.Byte)
		if i < 0 {
			return append(out, input...), false
		}
		out = append(out, input[:i]...)
		input = input[i+1:]
		s.pending = true
	}
	return out, false
}

// Pending reports whether the key ended the input scanned last, so a
// second press may follow.
func (s *KeyScanner) Pending() bool { return s.pending }

// Forward copies what is typed at an attached terminal to the program
// until the detach key detaches (it returns true), read fails (it returns
// the error) or send returns false. read reads the terminal into its
// buffer (of size bytes); send takes what goes to the program. After the
// key, the next read is waited for up to DoublePress (see KeyScanner); on
// timeout that read is left running, its bytes to be dropped, so the
// caller stops using the terminal after the detach (as it does anyway).
func (k Key) Forward(size int, read func([]byte) (int, error), send func([]byte) bool) (detach bool, err error) {
	sc := KeyScanner{Key: k}
	buf := make([]byte, size)
	for {
		var n int
		if sc.Pending() {
			type result struct {
				n   int
				err error
			}
			done := make(chan result, 1)
			go func(buf []byte) {
				n, err := read(buf)
				done <- result{n, err}
			}(buf)
			timer := time.NewTimer(DoublePress)
			select {
			case r := <-done:
				timer.Stop()
				n, err = r.n, r.err
			case <-timer.C:
				return true, nil
			}
		} else {
			n, err = read(buf)
		}
		if n > 0 {
			keys, detach := sc.Scan(buf[:n])
			if len(keys) > 0 && !send(keys) {
				return false, nil
			}
			if detach {
				return true, nil
			}
		}
		if err != nil {
			return false, err
		}
	}
}
