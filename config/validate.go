package config

import (
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"reflect"
	"slices"
	"strings"

	"github.com/BurntSushi/toml"
)

// Load reads and validates the configuration file at path. A missing
// file gives Default() unless mustExist is set (the user named the
// file), when it is an error. A file with problems gives a *Error
// listing all of them.
func Load(path string, mustExist bool) (*Config, error) {
	data, err := os.ReadFile(path)
	if path == "" || errors.Is(err, fs.ErrNotExist) {
		if mustExist {
			return nil, NotFoundError(path)
		}
		return Default(), nil
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

// NotFoundError is the error for a configuration file the user named
// (-c, $LINGER_CONFIG) that does not exist.
func NotFoundError(path string) error {
	return fmt.Errorf("config file %q not found (create it from config.example.toml, or drop -c and $LINGER_CONFIG)", path)
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
		return nil, &Error{Problems: []Problem{p}}
	}

	v := &configValidator{file: file, lines: scanKeyLines(text)}
	v.walk(configSchema, nil, raw)
	v.checkDefaultConfiguration(raw)
	v.checkIdleTimeouts(raw)
	v.checkHostURLs(raw)
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
		return nil, &Error{Problems: v.problems}
	}

	// The document is valid: decode it over the defaults, following the
	// schema. Each configuration starts from newConfiguration, so keys it
	// leaves out keep their defaults.
	cfg := Default()
	if server, ok := raw["server"]; ok {
		decodeValue(serverSchema, server, reflect.ValueOf(&cfg.Server).Elem())
	}
	if client, ok := raw["client"]; ok {
		decodeValue(clientSchema, client, reflect.ValueOf(&cfg.Client).Elem())
	}
	confs, _ := raw["configurations"].(map[string]any)
	for name, val := range confs {
		c := newConfiguration(name)
		decodeValue(configurationSchema, val, reflect.ValueOf(c).Elem())
		cfg.Configurations[name] = c
	}
	hosts, _ := raw["hosts"].(map[string]any)
	for name, val := range hosts {
		h := &HostEntry{Name: name}
		decodeValue(hostSchema, val, reflect.ValueOf(h).Elem())
		if cfg.Hosts == nil {
			cfg.Hosts = map[string]*HostEntry{}
		}
		cfg.Hosts[name] = h
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

// Error holds every problem found in a configuration file.
type Error struct {
	Problems []Problem
}

// Error returns the first problem and how many more there are, on one line.
func (e *Error) Error() string {
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
