package mux

import (
	"strings"
	"testing"
)

// FuzzValidateName: no panic; an accepted name obeys every documented rule,
// and its error message is one line.
func FuzzValidateName(f *testing.F) {
	for _, s := range []string{"work", "a", "", ".", "..", "...", "a/b", "a b", "a\tb", "123", "12a", "١٢٣",
		"\x00", "a\x7f", "naïve", "\u00a0x", "\u2028x", strings.Repeat("x", 64), strings.Repeat("x", 65),
		strings.Repeat("é", 33), "\xff\xfe"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		err := ValidateName(name)
		if err != nil {
			if strings.ContainsAny(err.Error(), "\n\r") {
				t.Fatalf("ValidateName(%q): %q is not one line", name, err)
			}
			return
		}
		switch {
		case name == "", len(name) > MaxNameLen, name == ".", name == "..":
			t.Fatalf("ValidateName accepted %q", name)
		case strings.ContainsAny(name, "/\x00"):
			t.Fatalf("ValidateName accepted %q (slash or NUL)", name)
		case strings.IndexFunc(name, func(r rune) bool { return r < '0' || r > '9' }) < 0:
			t.Fatalf("ValidateName accepted all-digit %q", name)
		}
		for _, r := range name {
			if r < 0x20 || r == 0x7f || r == ' ' || r == '\t' || r == '\n' {
				t.Fatalf("ValidateName accepted %q (rune %U)", name, r)
			}
		}
	})
}
