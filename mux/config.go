package mux

import (
	"encoding"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/BurntSushi/toml"
)

// Config is a whole configuration file. Every key is optional; each field's
// doc comment states its default, and config.example.toml lists them all.
type Config struct {
	// Server holds the settings of the server itself ([server]).
	Server ServerConfig `toml:"server"`

	// Configurations are the named recipes for new sessions
	// ([configurations.NAME]), keyed by name. A "default" configuration
	// always exists: the built-in one unless the file defines its own.
	Configurations map[string]*Configuration `toml:"configurations"`

	// Path is the file the configuration was read from; "" means the
	// built-in defaults.
	Path string `toml:"-"`
}

// ServerConfig is the [server] table.
type ServerConfig struct {
	// DefaultConfiguration names the configuration used when a new session
	// names none. It must name an existing configuration.
	// Default: "default".
	DefaultConfiguration string `toml:"default_configuration"`

	// DetachKey is the key that detaches an attached client, in a form
	// ParseKey accepts ("ctrl-\\", "ctrl-a", "^]", ...), or "none".
	// Default: "ctrl-\\" (Ctrl-\, byte 0x1c).
	DetachKey string `toml:"detach_key"`

	// ExitWhenEmpty makes the server exit when its last session is gone.
	// Default: true.
	ExitWhenEmpty bool `toml:"exit_when_empty"`
}

// Configuration is one [configurations.NAME] table: what a new session
// runs, where and with which environment. Values given when a session is
// created (a command, a directory) override the configuration's.
type Configuration struct {
	// Name is the configuration's name (the NAME of its table).
	Name string `toml:"-"`

	// Command is the program and its arguments. Default: empty, which
	// means the user's login shell ($SHELL -l, else /bin/sh); the server
	// resolves it.
	Command []string `toml:"command"`

	// Cwd is the session's working directory. "~" and "~/path" are relative
	// to $HOME; anything else must be absolute. Default: "", the client's
	// current directory.
	Cwd string `toml:"cwd"`

	// Env holds variables added to the client's environment (replacing
	// ones of the same name). Default: empty.
	Env map[string]string `toml:"env"`

	// OutputBuffering says what happens when BufferSize bytes of output
	// are unreceived: OutputBlock ("block") stops reading the program's
	// output, so it blocks and nothing is lost; OutputDrop ("drop") keeps
	// reading and discards the oldest output. Default: "block".
	OutputBuffering string `toml:"output_buffering"`

	// BufferSize is how many bytes of output are kept for whoever comes
	// back (receive, attach), MinBufferSize to MaxBufferSize; memory is
	// taken as output arrives. In the file, a size such as "64KiB" (see
	// ParseSize) or an integer number of bytes.
	// Default: DefaultBufferSize (8MiB, 8 << 20).
	BufferSize int64 `toml:"buffer_size"`

	// LogFile is a file every byte of output is also appended to; it may
	// contain {name} and {id}, a leading ~ is $HOME and a relative path is
	// relative to the session's directory (see ExpandLogFile).
	// Default: "", no log file.
	LogFile string `toml:"log_file"`

	// IdleTimeout is how long a session without clients lives before it is
	// removed; 0 means forever. In the file, a Go duration ("90s", "2h") or
	// "none" (see ParseIdleTimeout). Default: 0 ("none").
	IdleTimeout time.Duration `toml:"idle_timeout"`

	// MaxIdleTimeout is the largest idle timeout a session may ask for
	// (new/detach --idle-timeout); 0 means no cap. In the file, as
	// IdleTimeout. Default: 0 ("none").
	MaxIdleTimeout time.Duration `toml:"max_idle_timeout"`

	// Restore is what an attach draws in the client's terminal:
	// RestoreLines ("lines") writes the last ScrollbackLines lines of
	// history into the terminal's scrollback and then draws the screen;
	// RestoreScreen ("screen") draws only the screen; RestoreNone ("none")
	// draws nothing itself: it replays the output kept since the last
	// client as the program printed it (terminal queries left out) and
	// makes the program redraw (SIGWINCH). attach --restore overrides it.
	// Default: "lines".
	Restore string `toml:"restore"`

	// ScrollbackLines is how many lines scrolled off the top of the
	// session's screen its emulator keeps (0 to MaxScrollbackLines), for
	// restore "lines" and capture --scrollback. Memory is taken as lines
	// scroll off. Default: DefaultScrollbackLines (2000).
	ScrollbackLines int `toml:"scrollback_lines"`
}

// DefaultScrollbackLines and MaxScrollbackLines bound scrollback_lines.
const (
	DefaultScrollbackLines = 2000
	MaxScrollbackLines     = 100000
)

// DefaultConfigurationName is the name of the configuration that always
// exists.
const DefaultConfigurationName = "default"

// maxConfigurationName bounds the length of a configuration name.
const maxConfigurationName = 64

// DefaultConfig returns the built-in configuration: the server defaults and
// the "default" configuration.
func DefaultConfig() *Config {
	return &Config{
		Server: ServerConfig{
			DefaultConfiguration: DefaultConfigurationName,
			DetachKey:            KeyName(DefaultDetachKey),
			ExitWhenEmpty:        true,
		},
		Configurations: map[string]*Configuration{
			DefaultConfigurationName: newConfiguration(DefaultConfigurationName),
		},
	}
}

// newConfiguration returns a configuration with every field at its default.
func newConfiguration(name string) *Configuration {
	return &Configuration{
		Name:            name,
		Env:             map[string]string{},
		OutputBuffering: OutputBlock,
		BufferSize:      DefaultBufferSize,
		Restore:         RestoreLines,
		ScrollbackLines: DefaultScrollbackLines,
	}
}

// LoadConfig reads and validates the configuration file at path. A missing
// file gives DefaultConfig() unless mustExist is set (the user named the
// file), when it is an error. A file with problems gives a *ConfigError
// listing all of them.
func LoadConfig(path string, mustExist bool) (*Config, error) {
	data, err := os.ReadFile(path)
	if path == "" || errors.Is(err, fs.ErrNotExist) {
		if mustExist {
			return nil, fmt.Errorf("config file %q not found (create it from config.example.toml, or drop -c and $LINGER_CONFIG)", path)
		}
		return DefaultConfig(), nil
	}
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return nil, fmt.Errorf("cannot read config file %q: %w", path, err)
	}
	cfg, err := parseConfig(path, string(data))
	if err != nil {
		return nil, err
	}
	cfg.Path = path
	return cfg, nil
}

// parseConfig validates and decodes the TOML document text; file names it
// in problems.
func parseConfig(file, text string) (*Config, error) {
	var raw map[string]any
	if _, err := toml.Decode(text, &raw); err != nil {
		p := Problem{File: file, Msg: err.Error()}
		var pe toml.ParseError
		if errors.As(err, &pe) {
			p.Line, p.Msg = pe.Position.Line, pe.Message
		}
		// one line, whatever the library quotes from the file
		p.Msg = strings.NewReplacer("\n", `\n`, "\r", `\r`).Replace(p.Msg)
		return nil, &ConfigError{Problems: []Problem{p}}
	}

	v := &configValidator{file: file, lines: scanKeyLines(text)}
	v.walk(configSchema, nil, raw)
	v.checkDefaultConfiguration(raw)
	v.checkIdleTimeouts(raw)
	if len(v.problems) > 0 {
		slices.SortStableFunc(v.problems, func(a, b Problem) int {
			if a.Line != b.Line {
				if a.Line == 0 || b.Line == 0 { // unknown lines last
					return b.Line - a.Line
				}
				return a.Line - b.Line
			}
			return strings.Compare(a.Key, b.Key)
		})
		return nil, &ConfigError{Problems: v.problems}
	}

	// The document is valid: decode it over the defaults, following the
	// schema. Each configuration starts from newConfiguration, so keys it
	// leaves out keep their defaults.
	cfg := DefaultConfig()
	if server, ok := raw["server"]; ok {
		decodeValue(serverSchema, server, reflect.ValueOf(&cfg.Server).Elem())
	}
	confs, _ := raw["configurations"].(map[string]any)
	for name, val := range confs {
		c := newConfiguration(name)
		decodeValue(configurationSchema, val, reflect.ValueOf(c).Elem())
		cfg.Configurations[name] = c
	}
	return cfg, nil
}

// decodeValue stores val, a value of a decoded TOML document that matches
// s, in rv: a table key by key into the struct fields tagged with them
// (leaving the others alone), a map entry by entry. An empty array is
// stored as nil, so that "command = []" and no command at all decode the
// same.
func decodeValue(s *schema, val any, rv reflect.Value) {
	if s.decode != nil {
		v, err := s.decode(val)
		if err != nil { // validation let it through: a bug
			panic(fmt.Sprintf("decoding %v: %v", val, err))
		}
		rv.Set(reflect.ValueOf(v).Convert(rv.Type()))
		return
	}
	switch s.kind {
	case kindString:
		rv.SetString(val.(string))
	case kindBool:
		rv.SetBool(val.(bool))
	case kindInteger:
		rv.SetInt(val.(int64))
	case kindStringArray:
		a := val.([]any)
		if len(a) == 0 {
			rv.SetZero()
			return
		}
		ss := reflect.MakeSlice(rv.Type(), len(a), len(a))
		for i, e := range a {
			ss.Index(i).SetString(e.(string))
		}
		rv.Set(ss)
	case kindTable:
		for k, e := range val.(map[string]any) {
			if fv, ok := fieldByTag(rv, k); ok {
				decodeValue(s.field(k), e, fv)
			}
		}
	case kindMap:
		if rv.IsNil() {
			rv.Set(reflect.MakeMap(rv.Type()))
		}
		for k, e := range val.(map[string]any) {
			ev := reflect.New(rv.Type().Elem()).Elem()
			decodeValue(s.elem, e, ev)
			rv.SetMapIndex(reflect.ValueOf(k).Convert(rv.Type().Key()), ev)
		}
	default:
		panic(fmt.Sprintf("decodeValue: unexpected kind %d", s.kind))
	}
}

// Lookup returns a copy of the configuration called name, or of the
// default configuration when name is "".
func (c *Config) Lookup(name string) (*Configuration, error) {
	conf, err := c.shared(name)
	if err != nil {
		return nil, err
	}
	d := *conf
	d.Command = slices.Clone(conf.Command)
	d.Env = maps.Clone(conf.Env)
	if d.Env == nil {
		d.Env = map[string]string{}
	}
	return &d, nil
}

// shared returns the configuration called name (or the default) itself,
// not a copy: the caller must not modify it. A Config does not change once
// loaded, so every session made from a configuration keeps the one
// Configuration rather than a copy of its own.
func (c *Config) shared(name string) (*Configuration, error) {
	if name == "" {
		name = c.Server.DefaultConfiguration
	}
	conf, ok := c.Configurations[name]
	if !ok {
		return nil, fmt.Errorf("no configuration named %q (expected: %s)", name, strings.Join(c.Names(), "|"))
	}
	return conf, nil
}

// TOML returns the configuration as a TOML table, header included, every
// key at its effective value ('linger config show' prints it). Empty values
// that have a meaning get a comment saying it.
func (c *Configuration) TOML() string {
	var b strings.Builder
	fmt.Fprintf(&b, "[%s]\n", formatKeyPath([]string{"configurations", c.Name}))
	rv := reflect.ValueOf(c).Elem()
	for _, f := range configurationSchema.fields {
		fv, ok := fieldByTag(rv, f.key)
		if !ok {
			continue
		}
		var line string
		if f.schema.format != nil {
			line = f.key + " = " + f.schema.format(fv.Interface())
		} else {
			line = f.key + " = " + formatValue(fv)
		}
		if note := emptyMeans[f.key]; note != "" && fv.Len() == 0 {
			line += " # empty: " + note
		}
		b.WriteString(line + "\n")
	}
	return b.String()
}

// emptyMeans says what an empty value of a configuration key means.
var emptyMeans = map[string]string{
	"command":  "$SHELL -l, else /bin/sh",
	"cwd":      "the client's current directory",
	"log_file": "no log file",
}

// fieldByTag returns the field of struct value rv whose toml tag is key.
func fieldByTag(rv reflect.Value, key string) (reflect.Value, bool) {
	for i := 0; i < rv.NumField(); i++ {
		if tag, _, _ := strings.Cut(rv.Type().Field(i).Tag.Get("toml"), ","); tag == key {
			return rv.Field(i), true
		}
	}
	return reflect.Value{}, false
}

// formatValue writes a decoded setting as a TOML value.
func formatValue(v reflect.Value) string {
	if m, ok := v.Interface().(encoding.TextMarshaler); ok {
		if text, err := m.MarshalText(); err == nil {
			return quoteString(string(text))
		}
	}
	switch v.Kind() {
	case reflect.String:
		return quoteString(v.String())
	case reflect.Bool:
		return strconv.FormatBool(v.Bool())
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return strconv.FormatInt(v.Int(), 10)
	case reflect.Slice:
		parts := make([]string, v.Len())
		for i := range parts {
			parts[i] = formatValue(v.Index(i))
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case reflect.Map:
		if v.Len() == 0 {
			return "{}"
		}
		keys := v.MapKeys()
		slices.SortFunc(keys, func(a, b reflect.Value) int { return strings.Compare(a.String(), b.String()) })
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = quoteKey(k.String()) + " = " + formatValue(v.MapIndex(k))
		}
		return "{ " + strings.Join(parts, ", ") + " }"
	}
	return quoteString(fmt.Sprint(v.Interface()))
}

// Names returns the names of the configurations, sorted.
func (c *Config) Names() []string {
	return slices.Sorted(maps.Keys(c.Configurations))
}

// DetachKeyByte returns the detach key of Server.DetachKey, or disabled if
// it is "none". A value LoadConfig did not validate that does not parse
// gives DefaultDetachKey.
func (c *Config) DetachKeyByte() (key byte, disabled bool) {
	key, disabled, err := ParseKey(c.Server.DetachKey)
	if err != nil {
		return DefaultDetachKey, false
	}
	return key, disabled
}

// ConfigError holds every problem found in a configuration file.
type ConfigError struct {
	Problems []Problem
}

// Error returns the first problem and how many more there are, on one line.
func (e *ConfigError) Error() string {
	if len(e.Problems) == 0 {
		return "invalid configuration"
	}
	msg := e.Problems[0].String()
	if n := len(e.Problems) - 1; n > 0 {
		msg += fmt.Sprintf(" (and %d more: run 'linger config check %s')", n, e.Problems[0].File)
	}
	return msg
}

// Problem is one thing wrong in a configuration file.
type Problem struct {
	File string // the path as given
	Line int    // 1-based; 0 if unknown
	Key  string // dotted key, such as "configurations.work.cwd"; may be ""
	Msg  string
}

// String formats the problem as FILE:LINE: KEY: MSG, leaving out the parts
// that are unknown.
func (p Problem) String() string {
	var b strings.Builder
	if p.File != "" {
		b.WriteString(p.File)
		if p.Line > 0 {
			fmt.Fprintf(&b, ":%d", p.Line)
		}
		b.WriteString(": ")
	}
	if p.Key != "" {
		b.WriteString(p.Key + ": ")
	}
	b.WriteString(p.Msg)
	return b.String()
}

// The schema describes every key a file may contain; validation walks the
// decoded document against it, so that every problem is found, each with
// its line.
//
// To add a setting: one field line in serverSchema or configurationSchema,
// one field in ServerConfig or Configuration (toml tag = the key, a doc
// comment stating the default, the default set in DefaultConfig or
// newConfiguration), and one documented line in config.example.toml. Tests
// check that the three agree. Keys written in the file in another form
// than their Go value (sizes, durations, case-insensitive words) use
// tomlConverted, whose decode function both checks and converts the value
// and whose format function writes it back; enumerations use tomlOneOf.

// serverSchema is the [server] table.
var serverSchema = tomlTable(
	schemaField{"default_configuration", tomlString(nil)}, // must exist: see checkDefaultConfiguration
	schemaField{"detach_key", tomlString(checkDetachKey)},
	schemaField{"exit_when_empty", tomlBool()},
)

// configurationSchema is one [configurations.NAME] table.
var configurationSchema = tomlTable(
	schemaField{"command", tomlStrings(checkCommand)},
	schemaField{"cwd", tomlString(checkCwd)},
	schemaField{"env", tomlMap(tomlString(checkEnvValue), checkEnvName)},
	schemaField{"output_buffering", tomlConverted(kindString, "", reflect.TypeFor[string](),
		decodeOutputBuffering, func(v any) string { return quoteString(v.(string)) })},
	schemaField{"buffer_size", tomlConverted(kindStringOrInteger, `a size like "8MiB" or an integer number of bytes`,
		reflect.TypeFor[int64](), decodeBufferSize, func(v any) string { return quoteString(FormatSize(v.(int64))) })},
	schemaField{"log_file", tomlString(checkLogFile)},
	schemaField{"idle_timeout", idleTimeoutSchema},
	schemaField{"max_idle_timeout", idleTimeoutSchema},
	schemaField{"restore", tomlConverted(kindString, "", reflect.TypeFor[string](),
		func(v any) (any, error) { return ParseRestore(v.(string)) },
		func(v any) string { return quoteString(v.(string)) })},
	schemaField{"scrollback_lines", tomlInteger(0, MaxScrollbackLines)},
)

// idleTimeoutSchema is idle_timeout and max_idle_timeout.
var idleTimeoutSchema = tomlConverted(kindString, `a duration like "90s" or "2h", or "none"`,
	reflect.TypeFor[time.Duration](),
	func(v any) (any, error) { return ParseIdleTimeout(v.(string)) },
	func(v any) string { return quoteString(FormatIdleTimeout(v.(time.Duration))) })

// configSchema is the whole file.
var configSchema = tomlTable(
	schemaField{"server", serverSchema},
	schemaField{"configurations", tomlMap(configurationSchema, checkConfigurationName)},
)

// schemaKind is the TOML type a schema node accepts.
type schemaKind int

const (
	kindString          schemaKind = iota
	kindBool                       // true or false
	kindInteger                    // a TOML integer (int64)
	kindStringOrInteger            // a string or a TOML integer
	kindStringArray                // an array of strings
	kindTable                      // a table with the keys in fields
	kindMap                        // a table of any keys, each value matching elem
)

// kindNames is how problems describe a kind.
var kindNames = [...]string{
	kindString:          "a string",
	kindBool:            "a boolean",
	kindInteger:         "an integer",
	kindStringOrInteger: "a string or an integer",
	kindStringArray:     "an array of strings",
	kindTable:           "a table",
	kindMap:             "a table",
}

// schema describes one value.
type schema struct {
	kind   schemaKind
	check  func(v any) string    // extra check of a well-typed scalar or array; "" if fine
	fields []schemaField         // kindTable
	elem   *schema               // kindMap: the schema of every value
	name   func(k string) string // kindMap: checks every key; "" if fine

	// For tomlConverted values:
	expect string                   // what a value of the wrong type should be, for problems
	goType reflect.Type             // the type of the struct field
	decode func(v any) (any, error) // checks a well-typed value and returns it as a goType
	format func(v any) string       // writes a goType value as a TOML value
}

// schemaField is a key of a table and the schema of its value.
type schemaField struct {
	key    string
	schema *schema
}

func tomlTable(fields ...schemaField) *schema { return &schema{kind: kindTable, fields: fields} }

func tomlString(check func(string) string) *schema {
	return &schema{kind: kindString, check: func(v any) string {
		if check == nil {
			return ""
		}
		return check(v.(string))
	}}
}

func tomlBool() *schema { return &schema{kind: kindBool} }

// tomlInteger accepts an int64 in [lo, hi].
func tomlInteger(lo, hi int64) *schema {
	return &schema{kind: kindInteger, check: func(v any) string {
		if n := v.(int64); n < lo || n > hi {
			return fmt.Sprintf("%d is out of range (expected: %d to %d)", n, lo, hi)
		}
		return ""
	}}
}

func tomlStrings(check func([]string) string) *schema {
	return &schema{kind: kindStringArray, check: func(v any) string {
		if check == nil {
			return ""
		}
		var ss []string
		for _, e := range v.([]any) {
			ss = append(ss, e.(string))
		}
		return check(ss)
	}}
}

// tomlConverted is a scalar of kind whose Go value, of type goType, decode
// makes (and checks: its error is the problem); format writes a Go value
// back as TOML. expect, if not "", describes the value in type problems.
func tomlConverted(kind schemaKind, expect string, goType reflect.Type,
	decode func(any) (any, error), format func(any) string) *schema {
	return &schema{kind: kind, expect: expect, goType: goType, decode: decode, format: format,
		check: func(v any) string {
			if _, err := decode(v); err != nil {
				return err.Error()
			}
			return ""
		}}
}

func tomlMap(elem *schema, name func(string) string) *schema {
	return &schema{kind: kindMap, elem: elem, name: name}
}

// tomlOneOf is a check for a string with a fixed set of values.
func tomlOneOf(values ...string) func(string) string {
	return func(s string) string {
		if slices.Contains(values, s) {
			return ""
		}
		return fmt.Sprintf("invalid value %q (expected: %s)", s, strings.Join(values, "|"))
	}
}

func (s *schema) keys() []string {
	keys := make([]string, len(s.fields))
	for i, f := range s.fields {
		keys[i] = f.key
	}
	slices.Sort(keys)
	return keys
}

func (s *schema) field(key string) *schema {
	for _, f := range s.fields {
		if f.key == key {
			return f.schema
		}
	}
	return nil
}

type configValidator struct {
	file     string
	lines    keyLines
	problems []Problem
}

// report adds a problem about the key at path, on the line of lineOf.
func (v *configValidator) report(path, lineOf []string, format string, args ...any) {
	v.problems = append(v.problems, Problem{
		File: v.file,
		Line: v.lines.line(lineOf...),
		Key:  formatKeyPath(path),
		Msg:  fmt.Sprintf(format, args...),
	})
}

// walk checks val, found at path, against s, reporting every problem.
func (v *configValidator) walk(s *schema, path []string, val any) {
	if !s.matches(val) {
		expect := s.expect
		if expect == "" {
			expect = kindNames[s.kind]
		}
		v.report(path, path, "expected %s, got %s", expect, tomlTypeName(val))
		return
	}
	switch s.kind {
	case kindTable:
		m := val.(map[string]any)
		for _, k := range slices.Sorted(maps.Keys(m)) {
			sub := append(slices.Clip(path), k)
			if fs := s.field(k); fs != nil {
				v.walk(fs, sub, m[k])
			} else {
				v.report(path, sub, "unknown key %q (expected: %s)", k, strings.Join(s.keys(), "|"))
			}
		}
	case kindMap:
		m := val.(map[string]any)
		for _, k := range slices.Sorted(maps.Keys(m)) {
			sub := append(slices.Clip(path), k)
			if s.name != nil {
				if msg := s.name(k); msg != "" {
					v.report(path, sub, "%s", msg)
				}
			}
			v.walk(s.elem, sub, m[k])
		}
	default:
		if s.check != nil {
			if msg := s.check(val); msg != "" {
				v.report(path, path, "%s", msg)
			}
		}
	}
}

// checkDefaultConfiguration checks that server.default_configuration names
// a configuration, the built-in default or one in the file.
func (v *configValidator) checkDefaultConfiguration(raw map[string]any) {
	server, _ := raw["server"].(map[string]any)
	name, ok := server["default_configuration"].(string)
	if !ok {
		return
	}
	names := map[string]bool{DefaultConfigurationName: true}
	confs, _ := raw["configurations"].(map[string]any)
	for n := range confs {
		names[n] = true
	}
	if !names[name] {
		path := []string{"server", "default_configuration"}
		v.report(path, path, "no configuration named %q (expected: %s)", name,
			strings.Join(slices.Sorted(maps.Keys(names)), "|"))
	}
}

// checkIdleTimeouts checks that no configuration's idle_timeout is above
// its max_idle_timeout when both are set.
func (v *configValidator) checkIdleTimeouts(raw map[string]any) {
	confs, _ := raw["configurations"].(map[string]any)
	for _, name := range slices.Sorted(maps.Keys(confs)) {
		conf, _ := confs[name].(map[string]any)
		idleText, ok1 := conf["idle_timeout"].(string)
		maxText, ok2 := conf["max_idle_timeout"].(string)
		if !ok1 || !ok2 {
			continue
		}
		idle, err1 := ParseIdleTimeout(idleText)
		limit, err2 := ParseIdleTimeout(maxText)
		if err1 == nil && err2 == nil && idle > 0 && limit > 0 && idle > limit {
			path := []string{"configurations", name, "idle_timeout"}
			v.report(path, path, "idle_timeout %s is above max_idle_timeout %s",
				FormatIdleTimeout(idle), FormatIdleTimeout(limit))
		}
	}
}

func (s *schema) matches(val any) bool {
	switch s.kind {
	case kindString:
		_, ok := val.(string)
		return ok
	case kindBool:
		_, ok := val.(bool)
		return ok
	case kindInteger:
		_, ok := val.(int64)
		return ok
	case kindStringOrInteger:
		switch val.(type) {
		case string, int64:
			return true
		}
		return false
	case kindStringArray:
		a, ok := val.([]any)
		for _, e := range a {
			if _, isString := e.(string); !isString {
				return false
			}
		}
		return ok
	case kindTable, kindMap:
		_, ok := val.(map[string]any)
		return ok
	}
	return false
}

// tomlTypeName names the TOML type of a decoded value.
func tomlTypeName(val any) string {
	switch val := val.(type) {
	case string:
		return "string"
	case bool:
		return "boolean"
	case int64:
		return "integer"
	case float64:
		return "float"
	case time.Time:
		return "datetime"
	case map[string]any:
		return "table"
	case []map[string]any:
		return "array of tables"
	case []any:
		for _, e := range val {
			if _, ok := e.(string); !ok {
				return "array containing " + tomlTypeName(e)
			}
		}
		return "array"
	}
	return fmt.Sprintf("%T", val)
}

// formatKeyPath writes a key path the TOML way: bare parts as they are,
// others quoted.
func formatKeyPath(path []string) string {
	parts := make([]string, len(path))
	for i, p := range path {
		parts[i] = quoteKey(p)
	}
	return strings.Join(parts, ".")
}

// quoteKey returns k as a TOML key: bare when it can be, else quoted.
func quoteKey(k string) string {
	if k != "" && strings.IndexFunc(k, func(r rune) bool { return r >= utf8.RuneSelf || !isBareKeyByte(byte(r)) }) < 0 {
		return k
	}
	return quoteString(k)
}

// quoteString returns s as a TOML basic string.
func quoteString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r < 0x20 || r == 0x7f || r == utf8.RuneError:
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// checkConfigurationName says what is wrong with a configuration name, or
// returns "".
func checkConfigurationName(name string) string {
	switch {
	case name == "":
		return "configuration name may not be empty"
	case strings.ContainsFunc(name, unicode.IsSpace):
		return fmt.Sprintf("configuration name %q may not contain whitespace", name)
	case strings.Contains(name, "/"):
		return fmt.Sprintf("configuration name %q may not contain '/'", name)
	case strings.ContainsFunc(name, unicode.IsControl):
		return fmt.Sprintf("configuration name %q may not contain control characters", name)
	case utf8.RuneCountInString(name) > maxConfigurationName:
		return fmt.Sprintf("configuration name %q is longer than %d characters", name, maxConfigurationName)
	}
	return ""
}

func checkDetachKey(spec string) string {
	if _, _, err := ParseKey(spec); err != nil {
		return err.Error()
	}
	return ""
}

func checkCommand(args []string) string {
	if len(args) > 0 && args[0] == "" {
		return "program name (the first element) may not be empty"
	}
	for _, a := range args {
		if strings.ContainsRune(a, 0) {
			return fmt.Sprintf("argument %q may not contain a NUL byte", a)
		}
	}
	return ""
}

func checkCwd(dir string) string {
	if dir == "" || dir == "~" || strings.HasPrefix(dir, "~/") || filepath.IsAbs(dir) {
		return ""
	}
	return fmt.Sprintf("relative directory %q (expected: an absolute path, ~ or ~/path, or \"\" for the client's directory)", dir)
}

func checkEnvName(name string) string {
	switch {
	case name == "":
		return "environment variable name may not be empty"
	case strings.ContainsAny(name, "=\x00"):
		return fmt.Sprintf("environment variable name %q may not contain '=' or a NUL byte", name)
	}
	return ""
}

func decodeOutputBuffering(v any) (any, error) {
	mode, err := ParseOutputBuffering(v.(string))
	if err != nil { // the usual wording of an enumeration in the file
		return nil, fmt.Errorf("invalid value %q (expected: %s|%s)", v, OutputBlock, OutputDrop)
	}
	return mode, nil
}

func decodeBufferSize(v any) (any, error) {
	switch v := v.(type) {
	case int64:
		if err := checkBufferSize(v); err != nil {
			return nil, err
		}
		return v, nil
	case string:
		return ParseBufferSize(v)
	}
	return nil, fmt.Errorf("unexpected %T", v)
}

func checkEnvValue(value string) string {
	if strings.ContainsRune(value, 0) {
		return "value may not contain a NUL byte"
	}
	return ""
}
