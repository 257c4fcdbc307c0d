package config

import (
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// FuzzParseSize: no panic; a size parses to a non-negative number that
// FormatSize writes back as text parsing to the same number; a buffer size
// is a size in range.
func FuzzParseSize(f *testing.F) {
	for _, s := range []string{"4096", "64KiB", "8mib", "1GiB", "0", "0B", "1536B", "KiB", "",
		"-1", "+5", "1.5MiB", "9223372036854775807", "9223372036854775807B", "8589934592GiB",
		"8589934591GiB", "00012kib", "1 KiB", "1KB", "1GiBs", "٣KiB"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := ParseSize(s)
		if err != nil {
			if n != 0 {
				t.Fatalf("ParseSize(%q) = %d with error %v", s, n, err)
			}
		} else {
			if n < 0 {
				t.Fatalf("ParseSize(%q) = %d", s, n)
			}
			text := FormatSize(n)
			back, err := ParseSize(text)
			if err != nil || back != n {
				t.Fatalf("ParseSize(%q) = %d, FormatSize = %q, parsed back as %d %v", s, n, text, back, err)
			}
		}
		b, berr := ParseBufferSize(s)
		switch {
		case err != nil && berr == nil:
			t.Fatalf("ParseBufferSize(%q) = %d but ParseSize fails: %v", s, b, err)
		case err == nil && (berr == nil) != (n >= MinBufferSize && n <= MaxBufferSize):
			t.Fatalf("ParseBufferSize(%q) = %d %v for size %d", s, b, berr, n)
		case berr == nil && b != n:
			t.Fatalf("ParseBufferSize(%q) = %d, ParseSize = %d", s, b, n)
		}
		if berr != nil && strings.Contains(berr.Error(), "\n") {
			t.Fatalf("error %q is not one line", berr)
		}
	})
}

// FuzzParseIdleTimeout: no panic; a timeout is >= 0 and FormatIdleTimeout
// writes it as text that parses back to the same duration.
func FuzzParseIdleTimeout(f *testing.F) {
	for _, s := range []string{"none", "NONE", "0", "0s", "-0s", "90s", "2h", "1h30m", "1h0m0s", "1m30s",
		"-1s", "1.5h", "500ms", "1us", "1µs", "2562047h47m16.854775807s", "2562048h", "", "h", "1d",
		"+3m", ".5s", "1h0m0.5s", "100000000000000000000ns"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseIdleTimeout(s)
		if err != nil {
			return
		}
		if d < 0 {
			t.Fatalf("ParseIdleTimeout(%q) = %v", s, d)
		}
		text := FormatIdleTimeout(d)
		back, err := ParseIdleTimeout(text)
		if err != nil || back != d {
			t.Fatalf("ParseIdleTimeout(%q) = %v, FormatIdleTimeout = %q, parsed back as %v %v", s, d, text, back, err)
		}
		if d == 0 && text != "none" {
			t.Fatalf("FormatIdleTimeout(0) = %q", text)
		}
		if d != 0 && (strings.HasSuffix(text, "m0s") || strings.HasSuffix(text, "h0m")) {
			t.Fatalf("FormatIdleTimeout(%v) = %q keeps a zero unit", d, text)
		}
	})
}

// FuzzExpandLogFile: no panic; the result is what a plain left-to-right
// substitution of {name} and {id} then the ~ and relative-path rules give,
// and with a name and directories free of braces and placeholder letters
// no {name} or {id} is left.
func FuzzExpandLogFile(f *testing.F) {
	f.Add("~/logs/{name}-{id}.log", "work", 3, "/home/u", "/srv")
	f.Add("{name}.log", "a b", 0, "/home/u", "/srv/x")
	f.Add("/var/log/../{id}/{name}", "..", -7, "", "")
	f.Add("~", "x", 1, "/h", "/c")
	f.Add("~user/{name}", "x", 1, "/h", "/c")
	f.Add("{{name}}", "id", 12, "/h", "/c")
	f.Add("{{name}id}", "", 1, "/h", "/c")
	f.Add("{name{id}}", "x", 1, "/h", "/c")
	f.Add("{nam{name}e}{i{id}d}", "y", 42, "/h", "/c")
	f.Add("", "x", 1, "/h", "/c")
	f.Add("rel/{unknown}/{name", "n", 5, "/h", "rel-cwd")

	f.Fuzz(func(t *testing.T, tmpl, name string, id int, home, cwd string) {
		got := ExpandLogFile(tmpl, name, id, home, cwd)
		if want := fzExpandLogFile(tmpl, name, id, home, cwd); got != want {
			t.Fatalf("ExpandLogFile(%q, %q, %d, %q, %q) = %q, want %q", tmpl, name, id, home, cwd, got, want)
		}
		if tmpl == "" {
			return
		}
		// A name and directories that cannot make a placeholder.
		safe := ExpandLogFile(tmpl, "S", 7, "/home/u", "/work")
		if strings.Contains(safe, "{name}") || strings.Contains(safe, "{id}") {
			t.Fatalf("ExpandLogFile(%q) = %q: a placeholder is left", tmpl, safe)
		}
		if !filepath.IsAbs(safe) {
			t.Fatalf("ExpandLogFile(%q) with absolute home and cwd = %q, not absolute", tmpl, safe)
		}
	})
}

// fzExpandLogFile is the model of ExpandLogFile.
func fzExpandLogFile(tmpl, name string, id int, home, cwd string) string {
	if tmpl == "" {
		return ""
	}
	expand := func(s string) string {
		var b strings.Builder
		for i := 0; i < len(s); {
			switch {
			case strings.HasPrefix(s[i:], "{name}"):
				b.WriteString(name)
				i += len("{name}")
			case strings.HasPrefix(s[i:], "{id}"):
				b.WriteString(strconv.Itoa(id))
				i += len("{id}")
			default:
				b.WriteByte(s[i])
				i++
			}
		}
		return b.String()
	}
	if tmpl == "~" || strings.HasPrefix(tmpl, "~/") {
		return filepath.Join(home, expand(tmpl[1:]))
	}
	if p := expand(tmpl); filepath.IsAbs(p) {
		return filepath.Clean(p)
	} else {
		return filepath.Join(cwd, p)
	}
}

// FuzzParseKey: no panic; a key that parses is a control key (0x00 to
// 0x1f) whose KeyName parses back to it; "none" and only it disables.
func FuzzParseKey(f *testing.F) {
	for _, s := range []string{"ctrl-a", "CTRL-Z", "ctrl-\\", "ctrl-]", "ctrl-@", "ctrl-space", "ctrl-_",
		"^A", "^\\", "^^", "^?", "none", "None", "", "ctrl-", "ctrl-aa", "ctrl-\u212a", "^\u0130", "ctrl-1", "0x1c"} {
		f.Add(s, uint8(0x1c))
	}
	f.Fuzz(func(t *testing.T, spec string, b uint8) {
		k, disabled, err := ParseKey(spec)
		if err != nil {
			if k != 0 || disabled {
				t.Fatalf("ParseKey(%q) = %#x %v with error %v", spec, k, disabled, err)
			}
		} else if disabled {
			if !strings.EqualFold(spec, "none") {
				t.Fatalf("ParseKey(%q) disables", spec)
			}
		} else {
			if k > 0x1f {
				t.Fatalf("ParseKey(%q) = %#x, not a control key", spec, k)
			}
			name := KeyName(k)
			k2, off, err := ParseKey(name)
			if err != nil || off || k2 != k {
				t.Fatalf("ParseKey(%q) = %#x, KeyName = %q, parsed back as %#x %v %v", spec, k, name, k2, off, err)
			}
		}
		// every byte: control keys round-trip, others are refused
		name := KeyName(b)
		k2, off, err := ParseKey(name)
		if b <= 0x1f {
			if err != nil || off || k2 != b {
				t.Fatalf("KeyName(%#x) = %q parsed back as %#x %v %v", b, name, k2, off, err)
			}
		} else if err == nil {
			t.Fatalf("KeyName(%#x) = %q parses as a key (%#x %v)", b, name, k2, off)
		}
	})
}
