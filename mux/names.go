package mux

import (
	"errors"
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
		return Invalidf("empty session name (give a name, or none to get one picked)")
	case len(name) > MaxNameLen:
		return Invalidf("session name %q is too long (%d characters, at most %d)", name, len(name), MaxNameLen)
	case strings.ContainsFunc(name, unicode.IsSpace):
		return Invalidf("session name %q may not contain whitespace", name)
	case strings.ContainsRune(name, '/'):
		return Invalidf("session name %q may not contain '/'", name)
	case name == "." || name == "..":
		return Invalidf("session name %q is not allowed", name)
	case allDigits(name):
		return Invalidf("session name %q is all digits (digits are session IDs: add a letter)", name)
	case strings.ContainsFunc(name, unicode.IsControl):
		return Invalidf("session name %q may not contain control characters", name)
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

// ErrInvalid marks a request the caller got wrong, a bad name, value or
// combination (errors.Is(err, ErrInvalid)); the server answers it with
// socket.ErrUsage and the client exits 2, as for any usage error.
var ErrInvalid = errors.New("invalid request")

// invalidError is an ErrInvalid with its own message.
type invalidError string

func (e invalidError) Error() string        { return string(e) }
func (e invalidError) Is(target error) bool { return target == ErrInvalid }

// Invalidf returns an error that is ErrInvalid, saying what was wrong.
func Invalidf(format string, args ...any) error {
	return invalidError(fmt.Sprintf(format, args...))
}
