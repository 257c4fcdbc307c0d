package vt

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Keys a program reads from its terminal, by the names `linger send
// --keys` takes (tmux's send-keys names). KeyBytes encodes one.

// namedKeys are the keys with names, as an xterm sends them in normal
// cursor mode (cursorKeys differ in application cursor mode, DECCKM).
var namedKeys = map[string]string{
	"Enter": "\r", "Tab": "\t", "Escape": "\x1b", "BSpace": "\x7f", "Space": " ",
	"Up": "\x1b[A", "Down": "\x1b[B", "Right": "\x1b[C", "Left": "\x1b[D",
	"Home": "\x1b[H", "End": "\x1b[F", "PageUp": "\x1b[5~", "PageDown": "\x1b[6~",
	"Insert": "\x1b[2~", "Delete": "\x1b[3~",
	"F1": "\x1bOP", "F2": "\x1bOQ", "F3": "\x1bOR", "F4": "\x1bOS",
	"F5": "\x1b[15~", "F6": "\x1b[17~", "F7": "\x1b[18~", "F8": "\x1b[19~",
	"F9": "\x1b[20~", "F10": "\x1b[21~", "F11": "\x1b[23~", "F12": "\x1b[24~",
}

// cursorKeys are the keys whose CSI becomes SS3 in application cursor
// mode (ESC [ A is then ESC O A).
var cursorKeys = map[string]bool{"Up": true, "Down": true, "Right": true, "Left": true, "Home": true, "End": true}

// KeyNames lists the key names KeyBytes takes, for a usage message.
const KeyNames = "C-<key> (C-a…C-z, C-@, C-[, C-\\, C-], C-^, C-_, C-?), M-<key> (Alt: Escape first), " +
	"Enter, Tab, Escape, BSpace, Space, Up, Down, Left, Right, Home, End, PageUp, PageDown, Insert, Delete, F1…F12, " +
	"or one plain character"

// KeyBytes returns what a terminal sends for the key name: a named key
// (Enter, Up, F5…; names ignore case), C-x for Ctrl with x (a letter or
// one of @ [ \ ] ^ _ ? and Space), M-x for Alt with any key x (ESC, then
// x), or a single character, sent as itself. appCursor is the program's
// application cursor mode (DECCKM), which changes the arrows, Home and
// End. The error names the key and lists the valid names.
func KeyBytes(name string, appCursor bool) ([]byte, error) {
	if b, ok := keyBytes(name, appCursor); ok {
		return b, nil
	}
	return nil, fmt.Errorf("unknown key %q (valid: %s)", name, KeyNames)
}

func keyBytes(name string, appCursor bool) ([]byte, bool) {
	if utf8.RuneCountInString(name) == 1 && name != "\x00" {
		return []byte(name), true
	}
	if rest, ok := strings.CutPrefix(name, "M-"); ok && rest != "" {
		b, ok := keyBytes(rest, appCursor)
		return append([]byte{0x1b}, b...), ok
	}
	if rest, ok := strings.CutPrefix(name, "C-"); ok && len(rest) == 1 {
		switch c := rest[0] | 0x20; {
		case c >= 'a' && c <= 'z':
			return []byte{c - 'a' + 1}, true
		}
		switch rest[0] {
		case '@', ' ':
			return []byte{0}, true
		case '[', '\\', ']', '^', '_':
			return []byte{rest[0] - '@'}, true
		case '?':
			return []byte{0x7f}, true
		}
		return nil, false
	}
	if strings.EqualFold(name, "C-Space") {
		return []byte{0}, true
	}
	for k, seq := range namedKeys {
		if strings.EqualFold(k, name) {
			if appCursor && cursorKeys[k] {
				seq = "\x1bO" + seq[2:]
			}
			return []byte(seq), true
		}
	}
	return nil, false
}
