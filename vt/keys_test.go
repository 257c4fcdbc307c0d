package vt

import (
	"strings"
	"testing"
)

// Key names encode as an xterm sends them; cursor keys follow DECCKM.
func TestKeyBytes(t *testing.T) {
	for _, c := range []struct {
		name      string
		appCursor bool
		want      string
	}{
		{"C-c", false, "\x03"}, {"C-C", false, "\x03"}, {"C-d", false, "\x04"}, {"C-\\", false, "\x1c"},
		{"C-@", false, "\x00"}, {"C-Space", false, "\x00"}, {"C-[", false, "\x1b"}, {"C-_", false, "\x1f"}, {"C-?", false, "\x7f"},
		{"Enter", false, "\r"}, {"enter", false, "\r"}, {"Tab", false, "\t"}, {"Escape", false, "\x1b"}, {"BSpace", false, "\x7f"},
		{"Up", false, "\x1b[A"}, {"Up", true, "\x1bOA"}, {"Left", true, "\x1bOD"}, {"Home", false, "\x1b[H"}, {"End", true, "\x1bOF"},
		{"PageUp", false, "\x1b[5~"}, {"PageDown", true, "\x1b[6~"}, {"F1", false, "\x1bOP"}, {"F12", false, "\x1b[24~"},
		{"q", false, "q"}, {"é", false, "é"}, {"-", false, "-"}, {"M-x", false, "\x1bx"}, {"M-C-c", false, "\x1b\x03"}, {"M-Up", false, "\x1b\x1b[A"},
	} {
		got, err := KeyBytes(c.name, c.appCursor)
		if err != nil || string(got) != c.want {
			t.Errorf("KeyBytes(%q, %v) = %q, %v; want %q", c.name, c.appCursor, got, err, c.want)
		}
	}
	for _, bad := range []string{"", "Foo", "C-1", "C-", "M-", "M-Foo", "F13", "ab"} {
		if _, err := KeyBytes(bad, false); err == nil || !strings.Contains(err.Error(), "PageUp") {
			t.Errorf("KeyBytes(%q): %v, want an error listing the valid names", bad, err)
		}
	}
}

// ScreenText keeps the cursor's row up to the cursor, trims the others and
// leaves out the blank rows at the bottom.
func TestScreenText(t *testing.T) {
	term := New(20, 6, 10)
	term.Write([]byte("one  \r\n\r\n>>> "))
	if got, want := term.ScreenText(), "one\n\n>>> "; got != want {
		t.Errorf("ScreenText = %q, want %q", got, want)
	}
	term.Write([]byte("\x1b[6;1Hbottom\x1b[1;5H")) // the cursor after "one "
	if got, want := term.ScreenText(), "one \n\n>>>\n\n\nbottom"; got != want {
		t.Errorf("ScreenText with text below the cursor = %q, want %q", got, want)
	}
}
