package main

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// FuzzParseSizeFlag parses arbitrary `linger new --size` values: no
// panic; a size is 1 to 4096 by 1 to 4096 and its canonical COLSxROWS form
// parses back to it; anything else is a usage error (exit 2) on one line
// (the value is quoted).
func FuzzParseSizeFlag(f *testing.F) {
	for _, s := range []string{"120x40", "80X24", "1x1", "4096x4096", "4097x10", "0x10", "10x0", "-1x5",
		"+80x+24", "080x024", "80x", "x24", "80x24x1", "80 x 24", "80×24", "", "x", "9223372036854775808x1",
		"1_000x1", "８０x24", "80x24\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		cols, rows, err := parseSize(s)
		if err != nil {
			var ue usageError
			if !errors.As(err, &ue) {
				t.Fatalf("parseSize(%q): %T %v is not a usage error", s, err, err)
			}
			if strings.ContainsAny(err.Error(), "\n\r") {
				t.Fatalf("parseSize(%q): %q is not one line", s, err)
			}
			if cols != 0 || rows != 0 {
				t.Fatalf("parseSize(%q) = %dx%d with error %v", s, cols, rows, err)
			}
			return
		}
		if cols < 1 || cols > 4096 || rows < 1 || rows > 4096 {
			t.Fatalf("parseSize(%q) = %dx%d, out of range", s, cols, rows)
		}
		c, r, err := parseSize(fmt.Sprintf("%dx%d", cols, rows))
		if err != nil || c != cols || r != rows {
			t.Fatalf("parseSize(%q) = %dx%d, which reads back as %dx%d %v", s, cols, rows, c, r, err)
		}
	})
}
