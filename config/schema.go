package config

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// The schema describes every key a file may contain; validation walks the
// decoded document against it, so that every problem is found, each with
// its line.
//
// To add a setting: one field line in serverSchema or configurationSchema,
// one field in ServerConfig or Configuration (toml tag = the key, a doc
// comment stating the default, the default set in Default or
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
	schemaField{"event_history", tomlInteger(1, MaxEventHistory)},
	schemaField{"heartbeat", tomlConverted(kindString, `a duration like "5s" or "300ms"`, reflect.TypeFor[time.Duration](),
		func(v any) (any, error) { return ParseHeartbeat(v.(string)) },
		func(v any) string { return quoteString(formatDuration(v.(time.Duration))) })},
)

// clientSchema is the [client] table: settings of the client side.
var clientSchema = tomlTable(
	schemaField{"reconnect_timeout", tomlConverted(kindString, `a duration like "4m" or "30s", or "0" (do not reconnect)`,
		reflect.TypeFor[time.Duration](),
		func(v any) (any, error) { return ParseReconnectTimeout(v.(string)) },
		func(v any) string { return quoteString(formatDuration(v.(time.Duration))) })},
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
	schemaField{"log_format", tomlString(tomlOneOf(LogRaw, LogText))},
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

// hostSchema is one [hosts.NAME] table (url is required: see
// checkHostURLs).
var hostSchema = tomlTable(
	schemaField{"url", tomlString(checkHostURL)},
	schemaField{"ssh_options", tomlStrings(checkSSHOptions)},
	schemaField{"remote_command", tomlStrings(checkCommand)},
	schemaField{"reconnect_timeout", tomlConverted(kindString, `a duration like "4m" or "30s", or "0" (do not reconnect)`,
		reflect.TypeFor[*time.Duration](),
		func(v any) (any, error) { d, err := ParseReconnectTimeout(v.(string)); return &d, err },
		func(v any) string { return quoteString(formatDuration(*v.(*time.Duration))) })},
)

// configSchema is the whole file.
var configSchema = tomlTable(
	schemaField{"server", serverSchema},
	schemaField{"client", clientSchema},
	schemaField{"configurations", tomlMap(configurationSchema, checkConfigurationName)},
	schemaField{"hosts", tomlMap(hostSchema, checkHostName)},
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
