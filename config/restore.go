package config

import (
	"fmt"
	"strings"
)

// Restore modes: what an attach draws (Configuration.Restore); package mux draws them.
const (
	RestoreLines  = "lines"  // history into the terminal's scrollback, then the screen
	RestoreScreen = "screen" // the screen only
	RestoreNone   = "none"   // the kept output replayed as printed; the program is made to redraw (SIGWINCH)
)

// ParseRestore checks a restore mode (case does not matter).
func ParseRestore(s string) (string, error) {
	switch l := strings.ToLower(s); l {
	case RestoreLines, RestoreScreen, RestoreNone:
		return l, nil
	}
	return "", fmt.Errorf("invalid restore mode %q (expected: %s|%s|%s)", s, RestoreLines, RestoreScreen, RestoreNone)
}
