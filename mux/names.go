package mux

import (
	"fmt"
	"strings"
	"unicode"
)

// MaxNameLen is the longest session name.
const MaxNameLen = 64

// ValidateName checks a session name: non-empty, at most 64 characters, no
// whitespace or '/', not "." or "..", and not all digits (digits are IDs).
func ValidateName(name string) error {
	switch {
	case name == "":
		return fmt.Errorf("empty session name (give a name, or none to get one picked)")
	case len(name) > MaxNameLen:
		return fmt.Errorf("session name %q is too long (%d characters, at most %d)", name, len(name), MaxNameLen)
	case strings.ContainsFunc(name, unicode.IsSpace):
		return fmt.Errorf("session name %q may not contain whitespace", name)
	case strings.ContainsRune(name, '/'):
		return fmt.Errorf("session name %q may not contain '/'", name)
	case name == "." || name == "..":
		return fmt.Errorf("session name %q is not allowed", name)
	case allDigits(name):
		return fmt.Errorf("session name %q is all digits (digits are session IDs: add a letter)", name)
	case strings.ContainsFunc(name, unicode.IsControl):
		return fmt.Errorf("session name %q may not contain control characters", name)
	}
	return nil
}

func allDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}
