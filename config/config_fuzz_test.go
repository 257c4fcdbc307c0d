package config

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"runtime/debug"
	"strings"
	"testing"
)

// fzConfigSeeds are documents for FuzzParseConfig and FuzzKeyLines; the
// files in testdata are added too.
var fzConfigSeeds = []string{
	"",
	"[server]\ndetach_key = \"ctrl-a\"\nexit_when_empty = false\ndefault_configuration = \"work\"\n\n[configurations.work]\ncommand = [\"make\", \"watch\"]\ncwd = \"~/src\"\nenv = { A = \"1\", \"B C\" = \"2\" }\noutput_buffering = \"DROP\"\nbuffer_size = \"64KiB\"\nlog_file = \"~/logs/{name}-{id}.log\"\nidle_timeout = \"1h30m\"\nmax_idle_timeout = \"2h\"\n",
	"[configurations.\"q\\\"uote\"]\ncommand = [\"a\\tb\", \"\\u00fc\"]\nbuffer_size = 5000\nidle_timeout = \"none\"\n",
	"[configurations.a]\nbuffer_size = 1\nidle_timeout = \"3h\"\nmax_idle_timeout = \"1h\"\ncwd = \"rel\"\nlog_file = \"{nope}\"\n[server]\ndetach_key = \"x\"\ndefault_configuration = \"zz\"\nother = 1\n",
	"[configurations]\n\"\" = {}\n\"a b\" = {}\n\"a/b\" = { command = [\"\"] }\n",
	"configurations = 1\nserver = []\n",
	"[[configurations]]\nx = 1\n",
	"[configurations.x.env]\n\"\" = \"v\"\n\"A=B\" = 1\n",
	"[configurations.x]\ncommand = [1, \"a\"]\nenv.A.B = \"c\"\nidle_timeout = 5\nbuffer_size = 1.5\n",
	"a = [\n  1,\n  { k = 1 },\n]\nb = \"\"\"\nx = 2\n\"\"\"\nc = '''\n[d]\n'''\n",
	"[server]\ndetach_key = \"ctrl-\\\\\"\n[server]\n",
	"x = \"unterminated\n",
}

// FuzzParseConfig parses arbitrary text as a configuration file. It must
// not panic (decodeValue panics when validation let a bad value through).
// Problems are a *Error, each naming the file, a line in the file or
// 0, and a one-line message. A valid document gives a Config whose default
// configuration exists and whose configurations each print (TOML) as text
// that parses back to the same configuration.
func FuzzParseConfig(f *testing.F) {
	for _, s := range fzConfigSeeds {
		f.Add(s)
	}
	for _, name := range []string{"valid.toml", "problems.toml", "syntax.toml", "units.toml",
		"units_problems.toml", "names.toml", "../../config.example.toml"} {
		if text, err := os.ReadFile(filepath.Join("testdata", name)); err == nil {
			f.Add(string(text))
		}
	}

	f.Fuzz(func(t *testing.T, text string) {
		const file = "fuzz.toml"
		var cfg *Config
		var err error
		fzNoPanic(t, func() { cfg, err = parseConfig(file, text) })
		if err != nil {
			if cfg != nil {
				t.Fatalf("config returned with error %v", err)
			}
			var ce *Error
			if !errors.As(err, &ce) {
				t.Fatalf("error %T %v is not a *Error", err, err)
			}
			if len(ce.Problems) == 0 {
				t.Fatalf("*Error without problems")
			}
			lines := strings.Count(text, "\n") + 1
			for _, p := range ce.Problems {
				if p.File != file {
					t.Errorf("problem %q: file %q, want %q", p.Msg, p.File, file)
				}
				if p.Line < 0 || p.Line > lines {
					t.Errorf("problem %q: line %d of a %d-line document", p.Msg, p.Line, lines)
				}
				if p.Msg == "" || strings.ContainsAny(p.Msg, "\n\r") {
					t.Errorf("problem message %q is empty or not one line", p.Msg)
				}
				if strings.ContainsAny(p.Key, "\n\r") {
					t.Errorf("problem key %q is not one line", p.Key)
				}
			}
			if msg := ce.Error(); strings.ContainsAny(msg, "\n\r") {
				t.Errorf("Error() %q is not one line", msg)
			}
			return
		}

		if _, err := cfg.Lookup(""); err != nil {
			t.Fatalf("valid config, but its default configuration: %v", err)
		}
		if _, err := cfg.DetachKey(""); err != nil {
			t.Fatalf("valid config, but its detach key: %v", err)
		}
		if _, _, err := ParseKey(cfg.Server.DetachKey); err != nil {
			t.Fatalf("valid config with detach key %q: %v", cfg.Server.DetachKey, err)
		}
		for name, c := range cfg.Configurations {
			if c.Name != name {
				t.Fatalf("configuration %q is named %q", name, c.Name)
			}
			if checkBufferSize(c.BufferSize) != nil || c.IdleTimeout < 0 || c.MaxIdleTimeout < 0 ||
				(c.OutputBuffering != OutputBlock && c.OutputBuffering != OutputDrop) {
				t.Fatalf("configuration %q passed validation with %+v", name, c)
			}
			shown := c.TOML()
			back, err := parseConfig("show.toml", shown)
			if err != nil {
				t.Fatalf("configuration %q prints as text that does not parse: %v\n%s", name, err, shown)
			}
			if got := back.Configurations[name]; !reflect.DeepEqual(got, c) {
				t.Fatalf("configuration %q read back differently:\n got %+v\nwant %+v\n%s", name, got, c, shown)
			}
		}
	})
}

// FuzzKeyLines runs the key line locator on arbitrary text: it must not
// panic (it tolerates what it does not understand), and every line it
// records is a line of the text.
func FuzzKeyLines(f *testing.F) {
	for _, s := range fzConfigSeeds {
		f.Add(s, "configurations", "work")
	}
	f.Add("a.b = { c = [ { d = 1 } ] }\n", "a", "b")
	f.Add("\"a\\\"b\" = 1\n'c' = 2\n", "a\"b", "")
	f.Add("[t]\nx = \"\"\"a\\\"\"\"\"\ny = 1\n", "t", "y")
	f.Add("[ a . 'b' ]\n", "a", "b")

	f.Fuzz(func(t *testing.T, text, k1, k2 string) {
		var k keyLines
		fzNoPanic(t, func() { k = scanKeyLines(text) })
		lines := strings.Count(text, "\n") + 1
		for key, l := range k.lines {
			if l < 1 || l > lines {
				t.Fatalf("key %q on line %d of a %d-line text", key, l, lines)
			}
		}
		for _, path := range [][]string{nil, {k1}, {k1, k2}} {
			if l := k.line(path...); l < 0 || l > lines {
				t.Fatalf("line(%q) = %d of a %d-line text", path, l, lines)
			}
		}
	})
}

// fzNoPanic runs fn and turns a panic into a test failure with its stack,
// so that a crashing seed fails its own test instead of ending the test
// binary (and every test after it).
func fzNoPanic(t *testing.T, fn func()) {
	t.Helper()
	defer func() {
		if r := recover(); r != nil {
			t.Fatalf("panic: %v\n%s", r, debug.Stack())
		}
	}()
	fn()
}
