package config

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/BurntSushi/toml"
)

func TestDefaultConfig(t *testing.T) {
	cfg := Default()
	want := ServerConfig{DefaultConfiguration: "default", DetachKey: `ctrl-\`, ExitWhenEmpty: true, Heartbeat: DefaultHeartbeat, EventHistory: DefaultEventHistory}
	if cfg.Server != want {
		t.Errorf("Server = %+v, want %+v", cfg.Server, want)
	}
	if cfg.Path != "" {
		t.Errorf("Path = %q, want \"\"", cfg.Path)
	}
	if got := cfg.Names(); !slices.Equal(got, []string{"default"}) {
		t.Errorf("Names() = %q", got)
	}
	def := cfg.Configurations["default"]
	if def.Name != "default" || def.Command != nil || def.Cwd != "" || def.Env == nil || len(def.Env) != 0 ||
		def.OutputBuffering != "block" || def.BufferSize != 8<<20 || def.LogFile != "" ||
		def.IdleTimeout != 0 || def.MaxIdleTimeout != 0 {
		t.Errorf("default configuration = %+v", def)
	}
	if k, err := cfg.DetachKey(""); k.Byte != 0x1c || k.None || err != nil {
		t.Errorf("DetachKey(\"\") = %+v, %v", k, err)
	}
}

func TestLoadConfigMissing(t *testing.T) {
	path := filepath.Join(t.TempDir(), "nope.toml")
	cfg, err := Load(path, false)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(cfg, Default()) {
		t.Errorf("missing file: got %+v, want Default()", cfg)
	}
	_, err = Load(path, true)
	want := `config file "` + path + `" not found (create it from config.example.toml, or drop -c and $LINGER_CONFIG)`
	if err == nil || err.Error() != want {
		t.Errorf("missing named file: err = %v, want %s", err, want)
	}
}

func TestLoadConfigUnreadable(t *testing.T) {
	dir := t.TempDir()
	_, err := Load(dir, false)
	want := `cannot read config file "` + dir + `": is a directory`
	if err == nil || err.Error() != want {
		t.Errorf("err = %v, want %s", err, want)
	}
}

func TestLoadConfigValid(t *testing.T) {
	cfg, err := Load("testdata/valid.toml", true)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Path != "testdata/valid.toml" {
		t.Errorf("Path = %q", cfg.Path)
	}
	wantServer := ServerConfig{DefaultConfiguration: "work", DetachKey: "^A", ExitWhenEmpty: false, Heartbeat: DefaultHeartbeat, EventHistory: DefaultEventHistory}
	if cfg.Server != wantServer {
		t.Errorf("Server = %+v, want %+v", cfg.Server, wantServer)
	}
	if k, err := cfg.DetachKey(""); k.Byte != 0x01 || k.None || err != nil {
		t.Errorf("DetachKey(\"\") = %+v, %v", k, err)
	}
	if k, err := cfg.DetachKey("^]"); k.Byte != 0x1d || k.None || err != nil {
		t.Errorf("DetachKey(\"^]\") = %+v, %v: the user's key comes first", k, err)
	}
	if got := cfg.Names(); !slices.Equal(got, []string{"bare", "default", "with.dot", "work"}) {
		t.Errorf("Names() = %q", got)
	}
	want := map[string]*Configuration{
		"work": withDefaults(Configuration{Name: "work", Command: []string{"make", "-C", "~/src", "watch"}, Cwd: "~/src",
			Env: map[string]string{"GOFLAGS": "-race", "WITH SPACE": "ok"}}),
		"with.dot": withDefaults(Configuration{Name: "with.dot", Command: []string{"sh", "-c", "  echo \"hi\" # not a comment\n  "},
			Env: map[string]string{}}),
		"default": withDefaults(Configuration{Name: "default", Cwd: "/", Env: map[string]string{"LANG": "C.UTF-8"}}),
		"bare":    withDefaults(Configuration{Name: "bare", Env: map[string]string{}}),
	}
	if !reflect.DeepEqual(cfg.Configurations, want) {
		for name, c := range cfg.Configurations {
			t.Logf("%s: %+v", name, c)
		}
		t.Error("configurations differ from what valid.toml says")
	}
}

// withDefaults returns c with the settings it leaves at their zero value
// set to their defaults, as newConfiguration would.
func withDefaults(c Configuration) *Configuration {
	if c.OutputBuffering == "" {
		c.OutputBuffering = "block"
	}
	if c.BufferSize == 0 {
		c.BufferSize = 8 << 20
	}
	if c.Restore == "" {
		c.Restore = "lines"
	}
	if c.LogFormat == "" {
		c.LogFormat = "raw"
	}
	if c.ScrollbackLines == 0 {
		c.ScrollbackLines = 2000
	}
	return &c
}

func TestLoadConfigUnits(t *testing.T) {
	cfg, err := Load("testdata/units.toml", true)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]*Configuration{
		"default": {Name: "default", Env: map[string]string{}, OutputBuffering: "drop", BufferSize: 65536,
			LogFile: "~/logs/{name}-{id}.log", LogFormat: "text", IdleTimeout: 90 * time.Second, MaxIdleTimeout: 48 * time.Hour,
			Restore: "screen", ScrollbackLines: 0},
		"caps": {Name: "caps", Env: map[string]string{}, OutputBuffering: "drop", BufferSize: 1 << 30,
			LogFile: "out/{id}{{name}}.{x.log", LogFormat: "raw", MaxIdleTimeout: 90 * time.Minute, Restore: "none", ScrollbackLines: 100000},
		"zero": {Name: "zero", Env: map[string]string{}, OutputBuffering: "block", BufferSize: 4096,
			LogFile: "/var/log/linger.log", LogFormat: "raw", Restore: "lines", ScrollbackLines: 2000},
		"equal": {Name: "equal", Env: map[string]string{}, OutputBuffering: "block", BufferSize: 4096, LogFormat: "raw",
			IdleTimeout: 2 * time.Hour, MaxIdleTimeout: 2 * time.Hour, Restore: "lines", ScrollbackLines: 2000},
	}
	if !reflect.DeepEqual(cfg.Configurations, want) {
		for name, c := range cfg.Configurations {
			t.Logf("%s: %+v", name, c)
		}
		t.Error("configurations differ from what units.toml says")
	}
	got := cfg.Configurations["default"].TOML()
	wantTOML := `[configurations.default]
command = [] # empty: $SHELL -l, else /bin/sh
cwd = "" # empty: the client's current directory
env = {}
output_buffering = "drop"
buffer_size = "64KiB"
log_file = "~/logs/{name}-{id}.log"
log_format = "text"
idle_timeout = "1m30s"
max_idle_timeout = "48h"
restore = "screen"
scrollback_lines = 0
`
	if got != wantTOML {
		t.Errorf("TOML():\n%s\nwant:\n%s", got, wantTOML)
	}
}

func TestLoadConfigUnitsProblems(t *testing.T) {
	const f = "testdata/units_problems.toml"
	checkProblems(t, problems(t, f), []string{
		f + `:3: configurations.default.output_buffering: invalid value "fast" (expected: block|drop)`,
		f + `:4: configurations.default.buffer_size: invalid size "8MB" (expected a number with B, KiB, MiB or GiB, e.g. "64KiB")`,
		f + `:5: configurations.default.log_file: unknown placeholder {session} (expected: {name}, {id})`,
		f + `:6: configurations.default.idle_timeout: idle_timeout 3h is above max_idle_timeout 2h`,
		f + `:10: configurations.sizes.buffer_size: buffer size 100 is out of range (expected: 4KiB to 1GiB)`,
		f + `:11: configurations.sizes.output_buffering: expected a string, got integer`,
		f + `:12: configurations.sizes.idle_timeout: expected a duration like "90s" or "2h", or "none", got integer`,
		f + `:13: configurations.sizes.max_idle_timeout: invalid idle timeout "-5m" (must not be negative)`,
		f + `:16: configurations.more.buffer_size: buffer size "2GiB" is out of range (expected: 4KiB to 1GiB)`,
		f + `:17: configurations.more.log_file: ~user in "~bob/x.log" is not supported (expected: an absolute path, ~/path, or a path relative to the session's directory)`,
		f + `:18: configurations.more.idle_timeout: invalid idle timeout "2 days" (expected a duration like "90s" or "2h", or "none")`,
		f + `:19: configurations.more.max_idle_timeout: expected a duration like "90s" or "2h", or "none", got boolean`,
		f + `:22: configurations.other.buffer_size: expected a size like "8MiB" or an integer number of bytes, got float`,
		f + `:23: configurations.other.log_file: unknown placeholder {} (expected: {name}, {id})`,
		f + `:25: configurations.other.max_idle_timeout: invalid idle timeout "forever" (expected a duration like "90s" or "2h", or "none")`,
		f + `:28: configurations.screens.restore: invalid restore mode "full" (expected: lines|screen|none)`,
		f + `:29: configurations.screens.scrollback_lines: -1 is out of range (expected: 0 to 100000)`,
		f + `:32: configurations.more_screens.restore: expected a string, got integer`,
		f + `:33: configurations.more_screens.scrollback_lines: expected an integer, got string`,
		f + `:36: configurations.logs.log_format: invalid value "ansi" (expected: raw|text)`,
	})
}

// ExitWhenEmpty defaults to true: a file that leaves it out must not turn
// it off, and one that sets it to false must.
func TestExitWhenEmptyUnset(t *testing.T) {
	for text, want := range map[string]bool{
		"":                                       true,
		"[server]\n":                             true,
		"[server]\ndetach_key = \"none\"\n":      true,
		"[server]\nexit_when_empty = false\n":    false,
		"[server]\nexit_when_empty = true\n":     true,
		"server = { exit_when_empty = false }\n": false,
		"[configurations.x]\ncwd = \"/\"\n":      true,
		"server.exit_when_empty = false\n":       false,
		"[server]\ndefault_configuration = \"x\"\n" + "[configurations.x]\n": true,
	} {
		cfg, err := parseConfig("t.toml", text)
		if err != nil {
			t.Errorf("%q: %v", text, err)
			continue
		}
		if cfg.Server.ExitWhenEmpty != want {
			t.Errorf("%q: ExitWhenEmpty = %v, want %v", text, cfg.Server.ExitWhenEmpty, want)
		}
	}
}

func TestDetachKeyNone(t *testing.T) {
	cfg, err := parseConfig("t.toml", "[server]\ndetach_key = \"None\"\n")
	if err != nil {
		t.Fatal(err)
	}
	if k, _ := cfg.DetachKey(""); !k.None {
		t.Error("detach_key = \"None\" is not disabled")
	}
	if k, err := cfg.DetachKey("bogus"); err == nil || k.Byte != DefaultDetachKey || k.None {
		t.Errorf("DetachKey(\"bogus\") = %+v, %v; want an error", k, err)
	}
}

// problems returns the problems of a file as strings.
func problems(t *testing.T, path string) []string {
	t.Helper()
	_, err := Load(path, true)
	var ce *Error
	if !errors.As(err, &ce) {
		t.Fatalf("Load(%s): err = %v, want a *Error", path, err)
	}
	var out []string
	for _, p := range ce.Problems {
		if p.File != path {
			t.Errorf("problem %q: File = %q, want %q", p, p.File, path)
		}
		out = append(out, p.String())
	}
	return out
}

func checkProblems(t *testing.T, got, want []string) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Errorf("problems:\n got:\n\t%s\nwant:\n\t%s", strings.Join(got, "\n\t"), strings.Join(want, "\n\t"))
	}
}

func TestLoadConfigProblems(t *testing.T) {
	const f = "testdata/problems.toml"
	checkProblems(t, problems(t, f), []string{
		f + `:3: server.default_configuration: no configuration named "nope" (expected: a b|default|list|multi|ok|work)`,
		f + `:4: server.detach_key: invalid detach key "ctrl-1" (expected: ctrl-<letter>, ctrl-@|[|\|]|^|_, ^<letter> or none)`,
		f + `:5: server.exit_when_empty: expected a boolean, got string`,
		f + `:6: server: unknown key "colour" (expected: default_configuration|detach_key|event_history|exit_when_empty|heartbeat)`,
		f + `:9: configurations.work: unknown key "comand" (expected: buffer_size|command|cwd|env|idle_timeout|log_file|log_format|max_idle_timeout|output_buffering|restore|scrollback_lines)`,
		f + `:10: configurations.work.cwd: relative directory "src" (expected: an absolute path, ~ or ~/path, or "" for the client's directory)`,
		f + `:11: configurations.work.env: environment variable name may not be empty`,
		f + `:11: configurations.work.env: environment variable name "A=B" may not contain '=' or a NUL byte`,
		f + `:11: configurations.work.env.OK: expected a string, got integer`,
		f + `:13: configurations: configuration name "a b" may not contain whitespace`,
		f + `:14: configurations."a b".command: expected an array of strings, got string`,
		f + `:17: configurations.ok.command: program name (the first element) may not be empty`,
		f + `:18: configurations.ok.cwd: relative directory "~bob/x" (expected: an absolute path, ~ or ~/path, or "" for the client's directory)`,
		f + `:22: configurations.ok.env: environment variable name "X=Y" may not contain '=' or a NUL byte`,
		f + `:25: configurations.multi.command: expected an array of strings, got array containing integer`,
		f + `:31: configurations.multi.env.FOO: value may not contain a NUL byte`,
		f + `:33: unknown key "servr" (expected: client|configurations|hosts|server)`,
		f + `:36: configurations.list: expected a table, got array of tables`,
	})
}

func TestLoadConfigNames(t *testing.T) {
	const f = "testdata/names.toml"
	long := strings.Repeat("0123456789", 7)
	checkProblems(t, problems(t, f), []string{
		f + `:1: configurations: configuration name "a/b" may not contain '/'`,
		f + `:2: configurations: configuration name may not be empty`,
		f + `:3: configurations: configuration name "` + long + `" is longer than 64 characters`,
		f + `:4: configurations: configuration name "tab\there" may not contain whitespace`,
		f + `:6: configurations.x.cwd: expected a string, got integer`,
	})
}

func TestLoadConfigSyntaxError(t *testing.T) {
	got := problems(t, "testdata/syntax.toml")
	if len(got) != 1 || !strings.HasPrefix(got[0], "testdata/syntax.toml:6: ") {
		t.Errorf("problems = %q, want one on line 6", got)
	}
}

func TestTypeProblems(t *testing.T) {
	for text, want := range map[string]string{
		"server = 1":                                           `t.toml:1: server: expected a table, got integer`,
		"configurations = []":                                  `t.toml:1: configurations: expected a table, got array`,
		"[configurations]\nx = 1.5":                            `t.toml:2: configurations.x: expected a table, got float`,
		"[configurations.x]\nenv = \"A=B\"":                    `t.toml:2: configurations.x.env: expected a table, got string`,
		"[configurations.x]\ncommand = [[]]":                   `t.toml:2: configurations.x.command: expected an array of strings, got array containing array`,
		"[configurations.x]\ncwd = 1979-05-27":                 `t.toml:2: configurations.x.cwd: expected a string, got datetime`,
		"[server]\ndetach_key = true":                          `t.toml:2: server.detach_key: expected a string, got boolean`,
		"[server]\nexit_when_empty = 1":                        `t.toml:2: server.exit_when_empty: expected a boolean, got integer`,
		"[server]\ndefault_configuration = {}":                 `t.toml:2: server.default_configuration: expected a string, got table`,
		"Server = {}":                                          `t.toml:1: unknown key "Server" (expected: client|configurations|hosts|server)`,
		"[configurations.x]\nbuffer_size = []":                 `t.toml:2: configurations.x.buffer_size: expected a size like "8MiB" or an integer number of bytes, got array`,
		"[configurations.x]\nbuffer_size = -1":                 `t.toml:2: configurations.x.buffer_size: buffer size -1 is out of range (expected: 4KiB to 1GiB)`,
		"[configurations.x]\nbuffer_size = 1073741825":         `t.toml:2: configurations.x.buffer_size: buffer size 1073741825 is out of range (expected: 4KiB to 1GiB)`,
		"[configurations.x]\nbuffer_size = \"99999999999GiB\"": `t.toml:2: configurations.x.buffer_size: invalid size "99999999999GiB" (too large)`,
		"[configurations.x]\nidle_timeout = 0":                 `t.toml:2: configurations.x.idle_timeout: expected a duration like "90s" or "2h", or "none", got integer`,
		"[configurations.x]\nlog_file = [\"a\"]":               `t.toml:2: configurations.x.log_file: expected a string, got array`,
		"[configurations.x]\nlog_file = \"a\\u0000\"":          `t.toml:2: configurations.x.log_file: path may not contain a NUL byte`,
		"[configurations.x]\noutput_buffering = \"\"":          `t.toml:2: configurations.x.output_buffering: invalid value "" (expected: block|drop)`,
	} {
		_, err := parseConfig("t.toml", text)
		if err == nil || err.Error() != want {
			t.Errorf("%q:\n got %v\nwant %s", text, err, want)
		}
	}
}

func TestConfigErrorMessage(t *testing.T) {
	_, err := Load("testdata/problems.toml", true)
	want := `testdata/problems.toml:3: server.default_configuration: no configuration named "nope" (expected: a b|default|list|multi|ok|work) (and 17 more: run 'linger config check testdata/problems.toml')`
	if err == nil || err.Error() != want {
		t.Errorf("err =\n%v\nwant\n%s", err, want)
	}
	_, err = parseConfig("one.toml", "[server]\ndetach_key = \"x\"\n")
	want = `one.toml:2: server.detach_key: invalid detach key "x" (expected: ctrl-<letter>, ctrl-@|[|\|]|^|_, ^<letter> or none)`
	if err == nil || err.Error() != want {
		t.Errorf("err =\n%v\nwant\n%s", err, want)
	}
}

func TestProblemString(t *testing.T) {
	for p, want := range map[Problem]string{
		{File: "c.toml", Line: 12, Key: "server.x", Msg: "bad"}: "c.toml:12: server.x: bad",
		{File: "c.toml", Key: "server.x", Msg: "bad"}:           "c.toml: server.x: bad",
		{File: "c.toml", Line: 3, Msg: "bad"}:                   "c.toml:3: bad",
		{Msg: "bad"}:                                            "bad",
	} {
		if got := p.String(); got != want {
			t.Errorf("%+v.String() = %q, want %q", p, got, want)
		}
	}
}

func TestLookup(t *testing.T) {
	cfg, err := Load("testdata/valid.toml", true)
	if err != nil {
		t.Fatal(err)
	}
	c, err := cfg.Lookup("")
	if err != nil || c.Name != "work" {
		t.Fatalf(`Lookup("") = %+v, %v; want the "work" configuration`, c, err)
	}
	c.Env["MUTATED"] = "1"
	c.Command[0] = "mutated"
	if again, _ := cfg.Lookup("work"); again.Env["MUTATED"] != "" || again.Command[0] != "make" {
		t.Error("Lookup returned a configuration that shares state with the Config")
	}
	if c, err := cfg.Lookup("bare"); err != nil || c.Name != "bare" || c.Env == nil {
		t.Errorf(`Lookup("bare") = %+v, %v`, c, err)
	}
	_, err = cfg.Lookup("x")
	want := `no configuration named "x" (expected: bare|default|with.dot|work)`
	if err == nil || err.Error() != want {
		t.Errorf(`Lookup("x") err = %v, want %s`, err, want)
	}
	if _, err := Default().Lookup(""); err != nil {
		t.Errorf(`Default().Lookup("") = %v`, err)
	}
}

func TestConfigurationTOML(t *testing.T) {
	cfg, err := Load("testdata/valid.toml", true)
	if err != nil {
		t.Fatal(err)
	}
	got := cfg.Configurations["work"].TOML()
	want := `[configurations.work]
command = ["make", "-C", "~/src", "watch"]
cwd = "~/src"
env = { GOFLAGS = "-race", "WITH SPACE" = "ok" }
output_buffering = "block"
buffer_size = "8MiB"
log_file = "" # empty: no log file
log_format = "raw"
idle_timeout = "none"
max_idle_timeout = "none"
restore = "lines"
scrollback_lines = 2000
`
	if got != want {
		t.Errorf("TOML():\n%s\nwant:\n%s", got, want)
	}
	got = Default().Configurations["default"].TOML()
	want = `[configurations.default]
command = [] # empty: $SHELL -l, else /bin/sh
cwd = "" # empty: the client's current directory
env = {}
output_buffering = "block"
buffer_size = "8MiB"
log_file = "" # empty: no log file
log_format = "raw"
idle_timeout = "none"
max_idle_timeout = "none"
restore = "lines"
scrollback_lines = 2000
`
	if got != want {
		t.Errorf("TOML():\n%s\nwant:\n%s", got, want)
	}
	// Every configuration reads back as itself, awkward names and values
	// included.
	cfg.Configurations[`q"uote`] = &Configuration{Name: `q"uote`, Command: []string{"a\tb\\c\x01\x7f", "ü"},
		Env: map[string]string{"a.b": "\"\n"}, OutputBuffering: "drop", BufferSize: 5000,
		LogFile: "~/\"{name}\"\t{id}", LogFormat: "text", IdleTimeout: 90*time.Minute + time.Second, MaxIdleTimeout: 2 * time.Hour,
		Restore: "screen", ScrollbackLines: 7}
	if got, want := cfg.Configurations[`q"uote`].TOML(), `[configurations."q\"uote"]
command = ["a\tb\\c\u0001\u007f", "ü"]
cwd = "" # empty: the client's current directory
env = { "a.b" = "\"\n" }
output_buffering = "drop"
buffer_size = "5000B"
log_file = "~/\"{name}\"\t{id}"
log_format = "text"
idle_timeout = "1h30m1s"
max_idle_timeout = "2h"
restore = "screen"
scrollback_lines = 7
`; got != want {
		t.Errorf("TOML():\n%s\nwant:\n%s", got, want)
	}
	for name, c := range cfg.Configurations {
		back, err := parseConfig("show.toml", c.TOML())
		if err != nil {
			t.Errorf("%s: %v\n%s", name, err, c.TOML())
			continue
		}
		if !reflect.DeepEqual(back.Configurations[name], c) {
			t.Errorf("%s: read back as %+v, want %+v", name, back.Configurations[name], c)
		}
	}
}

// The example file must load without problems, give exactly the defaults
// (it says copying it changes nothing), mention every key of the schema,
// and comment every key it sets.
func TestExampleConfig(t *testing.T) {
	const path = "../config.example.toml"
	cfg, err := Load(path, true)
	if err != nil {
		var ce *Error
		if errors.As(err, &ce) {
			for _, p := range ce.Problems {
				t.Error(p)
			}
		}
		t.Fatal(err)
	}
	cfg.Path = ""
	if !reflect.DeepEqual(cfg, Default()) {
		t.Errorf("example config is not the defaults: %+v", cfg)
	}

	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var raw map[string]any
	if _, err := toml.Decode(string(data), &raw); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(data), "\n")
	index := scanKeyLines(string(data))
	var check func(s *schema, path []string, val any)
	check = func(s *schema, path []string, val any) {
		switch s.kind {
		case kindTable:
			m, _ := val.(map[string]any)
			for _, f := range s.fields {
				sub := append(slices.Clip(path), f.key)
				v, ok := m[f.key]
				if !ok && f.key == "hosts" { // none by default
					check(f.schema, sub, v)
					continue
				}
				if !ok {
					t.Errorf("%s: key %s is not in the example", path, formatKeyPath(sub))
					continue
				}
				if n := index.line(sub...); n == 0 || !commented(lines, n-1) {
					t.Errorf("%s:%d: key %s has no comment on its line or the one above", path, n, formatKeyPath(sub))
				}
				check(f.schema, sub, v)
			}
		case kindMap:
			if s.elem.kind != kindTable {
				return // names are the user's (env)
			}
			if s == configSchema.field("hosts") {
				// None by default: a commented example shows every key.
				for _, f := range s.elem.fields {
					if !strings.Contains(string(data), "\n# "+f.key+" = ") {
						t.Errorf("%s: no commented example of hosts.NAME.%s", path, f.key)
					}
				}
				return
			}
			m, _ := val.(map[string]any)
			v, ok := m[DefaultConfigurationName]
			if !ok {
				t.Errorf("%s: %s.%s is not in the example", path, formatKeyPath(path), DefaultConfigurationName)
				return
			}
			check(s.elem, append(slices.Clip(path), DefaultConfigurationName), v)
		}
	}
	check(configSchema, nil, raw)
}

// commented reports whether line i (0-based) has a comment or follows one.
func commented(lines []string, i int) bool {
	if strings.Contains(lines[i], "#") {
		return true
	}
	return i > 0 && strings.HasPrefix(strings.TrimSpace(lines[i-1]), "#")
}

// The schema and the structs must agree: every schema key is a struct field
// with that toml tag and a Go type the kind can decode into, and every
// tagged field is in the schema.
func TestSchemaMatchesStructs(t *testing.T) {
	for _, tt := range []struct {
		s   *schema
		typ reflect.Type
	}{
		{serverSchema, reflect.TypeFor[ServerConfig]()},
		{clientSchema, reflect.TypeFor[ClientConfig]()},
		{configurationSchema, reflect.TypeFor[Configuration]()},
		{hostSchema, reflect.TypeFor[HostEntry]()},
		{configSchema, reflect.TypeFor[Config]()},
	} {
		var tags []string
		for f := range tt.typ.Fields() {
			tag, _, _ := strings.Cut(f.Tag.Get("toml"), ",")
			if tag == "-" {
				continue
			}
			if tag == "" {
				t.Errorf("%s.%s has no toml tag", tt.typ, f.Name)
				continue
			}
			tags = append(tags, tag)
			fs := tt.s.field(tag)
			if fs == nil {
				t.Errorf("%s.%s (toml %q) is not in the schema", tt.typ, f.Name, tag)
				continue
			}
			if fs.goType != nil {
				if f.Type != fs.goType {
					t.Errorf("%s.%s: Go type %s, but the schema decodes to %s", tt.typ, f.Name, f.Type, fs.goType)
				}
			} else if !kindFits(fs.kind, f.Type) {
				t.Errorf("%s.%s: Go type %s does not hold %s", tt.typ, f.Name, f.Type, kindNames[fs.kind])
			}
		}
		slices.Sort(tags)
		if keys := tt.s.keys(); !slices.Equal(keys, tags) {
			t.Errorf("%s: schema keys %q, struct tags %q", tt.typ, keys, tags)
		}
	}
}

func kindFits(k schemaKind, typ reflect.Type) bool {
	textType := reflect.TypeFor[interface{ UnmarshalText([]byte) error }]()
	if reflect.PointerTo(typ).Implements(textType) {
		return k == kindString
	}
	switch k {
	case kindString:
		return typ.Kind() == reflect.String
	case kindBool:
		return typ.Kind() == reflect.Bool
	case kindInteger:
		return typ.Kind() >= reflect.Int && typ.Kind() <= reflect.Int64
	case kindStringArray:
		return typ.Kind() == reflect.Slice && typ.Elem().Kind() == reflect.String
	case kindTable:
		return typ.Kind() == reflect.Struct
	case kindMap:
		return typ.Kind() == reflect.Map && typ.Key().Kind() == reflect.String
	}
	return false
}

// Helpers kept for settings to come.
func TestSchemaHelpers(t *testing.T) {
	s := tomlInteger(0, 100)
	if msg := s.check(int64(100)); msg != "" {
		t.Errorf("tomlInteger(0, 100) rejects 100: %s", msg)
	}
	if msg := s.check(int64(101)); msg != "101 is out of range (expected: 0 to 100)" {
		t.Errorf("tomlInteger(0, 100) on 101: %q", msg)
	}
	s = tomlString(tomlOneOf("block", "drop"))
	if msg := s.check("drop"); msg != "" {
		t.Errorf("oneOf rejects drop: %s", msg)
	}
	if msg := s.check("fast"); msg != `invalid value "fast" (expected: block|drop)` {
		t.Errorf("oneOf on fast: %q", msg)
	}
}

func TestKeyLines(t *testing.T) {
	text := `a = 1
"q.k" = 'v'   # comment
b.c = """
x = 2
[not]
"""
[t]
arr = [
  1,
  { k = 1 },
]
inl = { x = 1, y.z = [2,
  3] }
[t."u v".w]
'lit' = '''
y = 3
'''
[[arr2]]
after = true
`
	k := scanKeyLines(text)
	for _, tt := range []struct {
		path []string
		line int
	}{
		{[]string{"a"}, 1},
		{[]string{"q.k"}, 2},
		{[]string{"b"}, 3},
		{[]string{"b", "c"}, 3},
		{[]string{"x"}, 0},
		{[]string{"not"}, 0},
		{[]string{"t"}, 7},
		{[]string{"t", "arr"}, 8},
		{[]string{"t", "arr", "k"}, 10},
		{[]string{"t", "inl", "x"}, 12},
		{[]string{"t", "inl", "y", "z"}, 12},
		{[]string{"t", "inl", "nope"}, 12}, // falls back to its table
		{[]string{"t", "u v"}, 14},
		{[]string{"t", "u v", "w", "lit"}, 15},
		{[]string{"y"}, 0},
		{[]string{"arr2"}, 18},
		{[]string{"arr2", "after"}, 19},
	} {
		if got := k.line(tt.path...); got != tt.line {
			t.Errorf("line(%q) = %d, want %d", tt.path, got, tt.line)
		}
	}
}

// Host entries: decoded with their keys, and every problem on its line.
func TestLoadConfigHosts(t *testing.T) {
	cfg, err := Load("testdata/hosts.toml", true)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]*HostEntry{
		"web1": {Name: "web1", URL: "ssh://alice@web1.example.com:2222/ops",
			SSHOptions:    []string{"-o", "ProxyJump=bastion"},
			RemoteCommand: []string{"/opt/my bin/linger", "-c", "/etc/linger/ops.toml"}},
		"db.prod": {Name: "db.prod", URL: "ssh://db1"},
	}
	if !reflect.DeepEqual(cfg.Hosts, want) {
		t.Errorf("hosts = %+v, want %+v", cfg.Hosts, want)
	}
	if got := cfg.HostNames(); !slices.Equal(got, []string{"db.prod", "web1"}) {
		t.Errorf("HostNames = %q", got)
	}
	h, err := cfg.Hosts["web1"].Host()
	if err != nil || h.Entry != "web1" || h.User != "alice" || h.Host != "web1.example.com" || h.Port != "2222" ||
		h.Server != "ops" || !slices.Equal(h.SSHOptions, want["web1"].SSHOptions) || !slices.Equal(h.RemoteCommand, want["web1"].RemoteCommand) {
		t.Errorf("Host() = %+v, %v", h, err)
	}
	if len(Default().Hosts) != 0 {
		t.Errorf("default hosts: %v", Default().Hosts)
	}

	const f = "testdata/hosts-problems.toml"
	checkProblems(t, problems(t, f), []string{
		f + `:1: hosts.nourl: url is required (e.g. url = "ssh://alice@nourl")`,
		f + `:5: hosts.badurl.url: invalid URL "ssh://host:notaport": port "notaport" is not a number from 1 to 65535`,
		f + `:7: hosts: host entry name "-x": use letters, digits and _ . % + @ - (not first)`,
		f + `:12: hosts.opts.ssh_options: "ProxyJump=bastion" is not an ssh option (expected options such as ["-o", "ProxyJump=bastion"])`,
		f + `:16: hosts.empty.ssh_options: an empty string is not an ssh option`,
		f + `:17: hosts.empty.remote_command: program name (the first element) may not be empty`,
		f + `:20: hosts.ddash.url: invalid URL "web1": expected ssh://[USER@]HOST[:PORT][/SERVER-NAME]`,
		f + `:21: hosts.ddash.ssh_options: "--" would end ssh's options: linger adds it before the host`,
		f + `:22: hosts.ddash: unknown key "rmote_command" (expected: reconnect_timeout|remote_command|ssh_options|url)`,
	})
}

// [client] reconnect_timeout: a duration or "0"; default 4m.
func TestReconnectTimeoutKey(t *testing.T) {
	dir := t.TempDir()
	for text, want := range map[string]time.Duration{
		"":                                      DefaultReconnectTimeout,
		"[client]\nreconnect_timeout = \"30s\"": 30 * time.Second,
		"[client]\nreconnect_timeout = \"0\"":   0,
	} {
		p := filepath.Join(dir, "c.toml")
		os.WriteFile(p, []byte(text), 0o600)
		cfg, err := Load(p, true)
		if err != nil || cfg.Client.ReconnectTimeout != want {
			t.Errorf("%q: %v, %v; want %v", text, cfg, err, want)
		}
	}
	p := filepath.Join(dir, "bad.toml")
	os.WriteFile(p, []byte("[client]\nreconnect_timeout = \"soon\"\n"), 0o600)
	if _, err := Load(p, true); err == nil || !strings.Contains(err.Error(), "reconnect_timeout") {
		t.Errorf("a bad reconnect_timeout: %v", err)
	}
}

// A host entry's reconnect_timeout overrides [client]'s for that host
// only; without one, the host gets [client]'s (or the default).
func TestHostReconnectTimeout(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "c.toml")
	os.WriteFile(p, []byte(`[client]
reconnect_timeout = "30s"

[hosts.flaky]
url = "ssh://flaky"
reconnect_timeout = "30m"

[hosts.never]
url = "ssh://never"
reconnect_timeout = "0"

[hosts.plain]
url = "ssh://plain"
`), 0o600)
	cfg, err := Load(p, true)
	if err != nil {
		t.Fatal(err)
	}
	for entry, want := range map[string]time.Duration{"flaky": 30 * time.Minute, "never": 0, "plain": 30 * time.Second, "": 30 * time.Second, "nosuch": 30 * time.Second} {
		if got := cfg.Reconnect(entry); got != want {
			t.Errorf("Reconnect(%q) = %v, want %v", entry, got, want)
		}
	}
	if got := Default().Reconnect("x"); got != DefaultReconnectTimeout {
		t.Errorf("default Reconnect = %v", got)
	}
	os.WriteFile(p, []byte("[hosts.h]\nurl = \"ssh://h\"\nreconnect_timeout = \"soon\"\n"), 0o600)
	if _, err := Load(p, true); err == nil || !strings.Contains(err.Error(), "hosts.h.reconnect_timeout") {
		t.Errorf("a bad host reconnect_timeout: %v", err)
	}
}
