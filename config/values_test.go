package config

import (
	"testing"
	"time"
)

func TestParseSize(t *testing.T) {
	const form = ` (expected a number with B, KiB, MiB or GiB, e.g. "64KiB")`
	for _, tt := range []struct {
		in   string
		want int64
		err  string
	}{
		{in: "4096", want: 4096},
		{in: "0", want: 0},
		{in: "0B", want: 0},
		{in: "100B", want: 100},
		{in: "64KiB", want: 64 << 10},
		{in: "8MiB", want: 8 << 20},
		{in: "1GiB", want: 1 << 30},
		{in: "3GiB", want: 3 << 30},
		{in: "8mib", want: 8 << 20},
		{in: "8MIB", want: 8 << 20},
		{in: "2kib", want: 2048},
		{in: "7b", want: 7},
		{in: "007KiB", want: 7 << 10},
		{in: "8MB", err: `invalid size "8MB"` + form},
		{in: "8K", err: `invalid size "8K"` + form},
		{in: "8TiB", err: `invalid size "8TiB"` + form},
		{in: "KiB", err: `invalid size "KiB"` + form},
		{in: "", err: `invalid size ""` + form},
		{in: "1.5MiB", err: `invalid size "1.5MiB"` + form},
		{in: "-5", err: `invalid size "-5"` + form},
		{in: "+5", err: `invalid size "+5"` + form},
		{in: " 5", err: `invalid size " 5"` + form},
		{in: "5 MiB", err: `invalid size "5 MiB"` + form},
		{in: "5MiB ", err: `invalid size "5MiB "` + form},
		{in: "8589934591GiB", want: 8589934591 << 30},
		{in: "8589934592GiB", err: `invalid size "8589934592GiB" (too large)`},
		{in: "99999999999999999999", err: `invalid size "99999999999999999999" (too large)`},
	} {
		got, err := ParseSize(tt.in)
		switch {
		case tt.err != "" && (err == nil || err.Error() != tt.err):
			t.Errorf("ParseSize(%q) = %d, %v; want error %s", tt.in, got, err, tt.err)
		case tt.err == "" && (err != nil || got != tt.want):
			t.Errorf("ParseSize(%q) = %d, %v; want %d", tt.in, got, err, tt.want)
		}
	}
}

func TestParseBufferSize(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want int64
		err  string
	}{
		{in: "4KiB", want: 4096},
		{in: "4096", want: 4096},
		{in: "1GiB", want: 1 << 30},
		{in: "8MiB", want: DefaultBufferSize},
		{in: "4095B", err: `buffer size "4095B" is out of range (expected: 4KiB to 1GiB)`},
		{in: "1025MiB", err: `buffer size "1025MiB" is out of range (expected: 4KiB to 1GiB)`},
		{in: "0", err: `buffer size "0" is out of range (expected: 4KiB to 1GiB)`},
		{in: "8MB", err: `invalid size "8MB" (expected a number with B, KiB, MiB or GiB, e.g. "64KiB")`},
	} {
		got, err := ParseBufferSize(tt.in)
		switch {
		case tt.err != "" && (err == nil || err.Error() != tt.err):
			t.Errorf("ParseBufferSize(%q) = %d, %v; want error %s", tt.in, got, err, tt.err)
		case tt.err == "" && (err != nil || got != tt.want):
			t.Errorf("ParseBufferSize(%q) = %d, %v; want %d", tt.in, got, err, tt.want)
		}
	}
}

func TestFormatSize(t *testing.T) {
	for n, want := range map[int64]string{
		0:                 "0B",
		1:                 "1B",
		1023:              "1023B",
		1024:              "1KiB",
		1536:              "1536B",
		4096:              "4KiB",
		65536:             "64KiB",
		8388608:           "8MiB",
		8<<20 + 1024:      "8193KiB",
		1 << 30:           "1GiB",
		3 << 30:           "3GiB",
		1<<30 + 1<<20:     "1025MiB",
		(1<<33 - 1) << 30: "8589934591GiB",
		-2048:             "-2KiB",
	} {
		got := FormatSize(n)
		if got != want {
			t.Errorf("FormatSize(%d) = %q, want %q", n, got, want)
		}
		if n >= 0 {
			if back, err := ParseSize(got); err != nil || back != n {
				t.Errorf("ParseSize(FormatSize(%d)) = %d, %v", n, back, err)
			}
		}
	}
}

func TestParseIdleTimeout(t *testing.T) {
	const form = ` (expected a duration like "90s" or "2h", or "none")`
	for _, tt := range []struct {
		in   string
		want time.Duration
		err  string
	}{
		{in: "none", want: 0},
		{in: "None", want: 0},
		{in: "NONE", want: 0},
		{in: "0", want: 0},
		{in: "0s", want: 0},
		{in: "90s", want: 90 * time.Second},
		{in: "2h", want: 2 * time.Hour},
		{in: "48h", want: 48 * time.Hour},
		{in: "1h30m", want: 90 * time.Minute},
		{in: "1.5h", want: 90 * time.Minute},
		{in: "500ms", want: 500 * time.Millisecond},
		{in: "-5m", err: `invalid idle timeout "-5m" (must not be negative)`},
		{in: "x", err: `invalid idle timeout "x"` + form},
		{in: "", err: `invalid idle timeout ""` + form},
		{in: "90", err: `invalid idle timeout "90"` + form},
		{in: "2d", err: `invalid idle timeout "2d"` + form},
		{in: "never", err: `invalid idle timeout "never"` + form},
		{in: " 2h", err: `invalid idle timeout " 2h"` + form},
		{in: "9999999999h", err: `invalid idle timeout "9999999999h"` + form},
	} {
		got, err := ParseIdleTimeout(tt.in)
		switch {
		case tt.err != "" && (err == nil || err.Error() != tt.err):
			t.Errorf("ParseIdleTimeout(%q) = %v, %v; want error %s", tt.in, got, err, tt.err)
		case tt.err == "" && (err != nil || got != tt.want):
			t.Errorf("ParseIdleTimeout(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
}

func TestFormatIdleTimeout(t *testing.T) {
	for d, want := range map[time.Duration]string{
		0:                               "none",
		2 * time.Hour:                   "2h",
		90 * time.Minute:                "1h30m",
		90 * time.Second:                "1m30s",
		time.Minute:                     "1m",
		10 * time.Minute:                "10m",
		48 * time.Hour:                  "48h",
		2*time.Hour + 5*time.Second:     "2h0m5s",
		time.Hour + 30*time.Second:      "1h0m30s",
		1500 * time.Millisecond:         "1.5s",
		500 * time.Millisecond:          "500ms",
		20 * time.Second:                "20s",
		time.Hour + 10*time.Millisecond: "1h0m0.01s",
		-5 * time.Minute:                "-5m",
	} {
		got := FormatIdleTimeout(d)
		if got != want {
			t.Errorf("FormatIdleTimeout(%v) = %q, want %q", d, got, want)
		}
		if d >= 0 {
			if back, err := ParseIdleTimeout(got); err != nil || back != d {
				t.Errorf("ParseIdleTimeout(FormatIdleTimeout(%v)) = %v, %v", d, back, err)
			}
		}
	}
}

func TestParseOutputBuffering(t *testing.T) {
	for _, tt := range []struct {
		in, want, err string
	}{
		{in: "block", want: "block"},
		{in: "drop", want: "drop"},
		{in: "Block", want: "block"},
		{in: "DROP", want: "drop"},
		{in: "x", err: `invalid output buffering "x" (expected: block|drop)`},
		{in: "", err: `invalid output buffering "" (expected: block|drop)`},
		{in: "drop ", err: `invalid output buffering "drop " (expected: block|drop)`},
		{in: "fast", err: `invalid output buffering "fast" (expected: block|drop)`},
	} {
		got, err := ParseOutputBuffering(tt.in)
		switch {
		case tt.err != "" && (err == nil || err.Error() != tt.err || got != ""):
			t.Errorf("ParseOutputBuffering(%q) = %q, %v; want error %s", tt.in, got, err, tt.err)
		case tt.err == "" && (err != nil || got != tt.want):
			t.Errorf("ParseOutputBuffering(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}

func TestCheckLogFile(t *testing.T) {
	for tmpl, want := range map[string]string{
		"":                       "",
		"out.log":                "",
		"~":                      "",
		"~/logs/{name}-{id}.log": "",
		"/var/log/{name}.log":    "",
		"{id}{name}{id}":         "",
		"a{b":                    "",
		"a}b":                    "",
		"{{name}}":               "",
		"{{x}":                   "unknown placeholder {x} (expected: {name}, {id})",
		"{foo}.log":              "unknown placeholder {foo} (expected: {name}, {id})",
		"{name}{Name}":           "unknown placeholder {Name} (expected: {name}, {id})",
		"{}":                     "unknown placeholder {} (expected: {name}, {id})",
		"{ name }":               "unknown placeholder { name } (expected: {name}, {id})",
		"~bob/x":                 `~user in "~bob/x" is not supported (expected: an absolute path, ~/path, or a path relative to the session's directory)`,
		"a\x00b":                 "path may not contain a NUL byte",
	} {
		if got := checkLogFile(tmpl); got != want {
			t.Errorf("checkLogFile(%q) = %q, want %q", tmpl, got, want)
		}
	}
}

func TestExpandLogFile(t *testing.T) {
	const home, cwd = "/home/u", "/work/dir"
	for _, tt := range []struct {
		tmpl, name string
		id         int
		cwd        string
		want       string
	}{
		{tmpl: "", name: "s", id: 1, cwd: cwd, want: ""},
		{tmpl: "out.log", name: "s", id: 1, cwd: cwd, want: "/work/dir/out.log"},
		{tmpl: "logs/{name}-{id}.log", name: "build", id: 42, cwd: cwd, want: "/work/dir/logs/build-42.log"},
		{tmpl: "~/logs/{name}.log", name: "build", id: 42, cwd: cwd, want: "/home/u/logs/build.log"},
		{tmpl: "~", name: "s", id: 1, cwd: cwd, want: "/home/u"},
		{tmpl: "/var/log/linger-{id}.log", name: "s", id: 7, cwd: cwd, want: "/var/log/linger-7.log"},
		{tmpl: "/var//log/./{name}", name: "s", id: 7, cwd: cwd, want: "/var/log/s"},
		{tmpl: "{name}/{name}.{id}", name: "a", id: 0, cwd: cwd, want: "/work/dir/a/a.0"},
		{tmpl: "../{name}", name: "a", id: 1, cwd: cwd, want: "/work/a"},
		{tmpl: "x~/{name}", name: "a", id: 1, cwd: cwd, want: "/work/dir/x~/a"},     // ~ only when leading
		{tmpl: "{name}.log", name: "~x", id: 1, cwd: cwd, want: "/work/dir/~x.log"}, // not from a name
		{tmpl: "{{name}}", name: "a", id: 1, cwd: cwd, want: "/work/dir/{a}"},
		{tmpl: "out.log", name: "s", id: 1, cwd: "", want: "out.log"},
	} {
		if got := ExpandLogFile(tt.tmpl, tt.name, tt.id, home, tt.cwd); got != tt.want {
			t.Errorf("ExpandLogFile(%q, %q, %d, %q, %q) = %q, want %q", tt.tmpl, tt.name, tt.id, home, tt.cwd, got, tt.want)
		}
	}
}

func TestAppendHumanSize(t *testing.T) {
	for n, want := range map[int64]string{
		0:               "0",
		1:               "1",
		1023:            "1023",
		1024:            "1.0KiB",
		1536:            "1.5KiB",
		1280:            "1.2KiB", // 1.25: ties to even
		1331:            "1.3KiB",
		10180:           "9.9KiB",
		10200:           "10KiB", // 9.96 rounds to 10
		65536:           "64KiB",
		1023 << 10:      "1023KiB",
		1<<20 - 1:       "1.0MiB", // 1023.999KiB rounds to the next unit
		8 << 20:         "8.0MiB",
		8<<20 + 1:       "8.0MiB",
		1 << 30:         "1.0GiB",
		3<<40 + 1<<39:   "3.5TiB",
		1<<63 - 1:       "8.0EiB",
		-2048:           "-2.0KiB",
		-1 << 63:        "-8.0EiB",
		100 << 20:       "100MiB",
		100<<20 + 1<<19: "100MiB", // 100.5: ties to even
		101<<20 + 1<<19: "102MiB",
	} {
		if got := string(AppendHumanSize([]byte("x"), n)); got != "x"+want {
			t.Errorf("AppendHumanSize(%d) = %q, want %q", n, got[1:], want)
		}
	}
}

// [server] heartbeat: a duration in its bounds, default 5s.
func TestParseHeartbeat(t *testing.T) {
	for in, want := range map[string]time.Duration{"5s": 5 * time.Second, "300ms": 300 * time.Millisecond, "1h": time.Hour} {
		if d, err := ParseHeartbeat(in); err != nil || d != want {
			t.Errorf("ParseHeartbeat(%q) = %v %v, want %v", in, d, err, want)
		}
	}
	for _, in := range []string{"", "5", "1ms", "0s", "-1s", "2h", "none"} {
		if d, err := ParseHeartbeat(in); err == nil {
			t.Errorf("ParseHeartbeat(%q) = %v, want an error", in, d)
		}
	}
	if Default().Server.Heartbeat != 5*time.Second {
		t.Errorf("default heartbeat %v, want 5s", Default().Server.Heartbeat)
	}
}
