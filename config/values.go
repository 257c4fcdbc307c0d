package config

import (
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Sizes of the output buffer of a session (buffer_size).
const (
	DefaultBufferSize int64 = 8 << 20 // 8MiB
	MinBufferSize     int64 = 4 << 10 // 4KiB
	MaxBufferSize     int64 = 1 << 30 // 1GiB
)

// Values of output_buffering.
const (
	OutputBlock = "block" // stop reading the program's output when the buffer is full
	OutputDrop  = "drop"  // keep reading, discard the oldest output
)

// Values of log_format.
const (
	LogRaw  = "raw"  // every byte as the program printed it
	LogText = "text" // plain text: escape sequences removed, CRLF as LF
)

// sizeUnits are the units ParseSize accepts and FormatSize writes, largest
// first.
var sizeUnits = []struct {
	name string
	size int64
}{
	{"GiB", 1 << 30},
	{"MiB", 1 << 20},
	{"KiB", 1 << 10},
	{"B", 1},
}

// ParseSize parses a size: a non-negative integer number of bytes, alone or
// followed by one of the units B, KiB, MiB, GiB (case-insensitive), such
// as "4096", "64KiB", "8MiB" or "1GiB". It checks no range: see
// ParseBufferSize.
func ParseSize(s string) (int64, error) {
	bad := fmt.Errorf("invalid size %q (expected a number with B, KiB, MiB or GiB, e.g. \"64KiB\")", s)
	digits := s
	unit := int64(1)
	if i := strings.IndexFunc(s, func(r rune) bool { return r < '0' || r > '9' }); i >= 0 {
		digits, unit = s[:i], 0
		for _, u := range sizeUnits {
			if strings.EqualFold(s[i:], u.name) {
				unit = u.size
			}
		}
		if unit == 0 {
			return 0, bad
		}
	}
	if digits == "" {
		return 0, bad
	}
	n, err := strconv.ParseInt(digits, 10, 64)
	if err != nil || n > (1<<63-1)/unit {
		return 0, fmt.Errorf("invalid size %q (too large)", s)
	}
	return n * unit, nil
}

// ParseBufferSize parses a size as ParseSize does and checks that it is a
// valid buffer_size, MinBufferSize to MaxBufferSize.
func ParseBufferSize(s string) (int64, error) {
	n, err := ParseSize(s)
	if err != nil {
		return 0, err
	}
	if err := checkBufferSize(n); err != nil {
		return 0, fmt.Errorf("buffer size %q is out of range (expected: %s to %s)", s, FormatSize(MinBufferSize), FormatSize(MaxBufferSize))
	}
	return n, nil
}

// checkBufferSize reports whether n bytes is a valid buffer_size.
func checkBufferSize(n int64) error {
	if n < MinBufferSize || n > MaxBufferSize {
		return fmt.Errorf("buffer size %d is out of range (expected: %s to %s)", n, FormatSize(MinBufferSize), FormatSize(MaxBufferSize))
	}
	return nil
}

// FormatSize writes n bytes in the largest unit that divides it evenly:
// 8388608 is "8MiB", 65536 is "64KiB", 1536 is "1536B", 0 is "0B".
// ParseSize reads it back.
func FormatSize(n int64) string { return string(AppendSize(nil, n)) }

// AppendSize appends FormatSize(n) to b.
func AppendSize(b []byte, n int64) []byte {
	for _, u := range sizeUnits {
		if n != 0 && n%u.size == 0 {
			return append(strconv.AppendInt(b, n/u.size, 10), u.name...)
		}
	}
	return append(strconv.AppendInt(b, n, 10), 'B')
}

// humanUnits are the units AppendHumanSize writes, by their shift.
var humanUnits = [...]string{10: "KiB", 20: "MiB", 30: "GiB", 40: "TiB", 50: "PiB", 60: "EiB"}

// AppendHumanSize appends n bytes as people read sizes (ls -h), the form
// `linger ls` shows: under 1KiB the number alone ("0", "512"); else in the
// largest binary unit it reaches, with one decimal below 10 ("8.0MiB",
// "1.5KiB") and none from 10 on ("64KiB", "1023MiB"), rounded to the
// nearest (ties to even). FormatSize is the exact form, for configuration
// text.
func AppendHumanSize(b []byte, n int64) []byte {
	u := uint64(n)
	if n < 0 {
		b, u = append(b, '-'), uint64(-n) // -MinInt64 is itself, 1<<63 as uint64
	}
	if u < 1<<10 {
		return strconv.AppendUint(b, u, 10)
	}
	shift := uint(10)
	for shift < 60 && u >= 1<<(shift+10) {
		shift += 10
	}
	q, r := u>>shift, u&(1<<shift-1)
	half := uint64(1) << (shift - 1)
	if q < 10 { // one decimal: r*10 < 10<<60 fits
		x := r * 10
		t, rem := x>>shift, x&(1<<shift-1)
		if rem > half || rem == half && t&1 == 1 {
			t++
		}
		if t == 10 {
			q, t = q+1, 0
		}
		if q < 10 {
			b = strconv.AppendUint(b, q, 10)
			return append(append(append(b, '.'), byte('0'+t)), humanUnits[shift]...)
		}
		return append(append(b, "10"...), humanUnits[shift]...) // 9.96 is 10
	}
	if r > half || r == half && q&1 == 1 {
		q++
	}
	if q == 1<<10 { // 1023.6 is the next unit's 1.0
		return append(append(b, "1.0"...), humanUnits[shift+10]...)
	}
	return append(strconv.AppendUint(b, q, 10), humanUnits[shift]...)
}

// DefaultHeartbeat, MinHeartbeat and MaxHeartbeat bound [server] heartbeat.
const (
	DefaultHeartbeat = 5 * time.Second
	MinHeartbeat     = 10 * time.Millisecond
	MaxHeartbeat     = time.Hour
)

// ParseHeartbeat parses a heartbeat interval: a Go duration such as "5s"
// or "300ms", from MinHeartbeat to MaxHeartbeat.
func ParseHeartbeat(s string) (time.Duration, error) {
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("invalid heartbeat %q (expected a duration like \"5s\" or \"300ms\")", s)
	}
	if d < MinHeartbeat || d > MaxHeartbeat {
		return 0, fmt.Errorf("invalid heartbeat %q (expected %v to %v)", s, MinHeartbeat, MaxHeartbeat)
	}
	return d, nil
}

// ParseIdleTimeout parses an idle timeout: "none" (any case) or "0" for
// none (0), else a non-negative Go duration such as "90s", "2h" or
// "1h30m" (time.ParseDuration).
func ParseIdleTimeout(s string) (time.Duration, error) {
	if strings.EqualFold(s, "none") || s == "0" {
		return 0, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("invalid idle timeout %q (expected a duration like \"90s\" or \"2h\", or \"none\")", s)
	}
	if d < 0 {
		return 0, fmt.Errorf("invalid idle timeout %q (must not be negative)", s)
	}
	return d, nil
}

// FormatIdleTimeout writes an idle timeout the way ParseIdleTimeout reads
// it: 0 is "none", others are d.String() without trailing zero units
// ("2h", "1h30m", "1m30s").
func FormatIdleTimeout(d time.Duration) string {
	if d == 0 {
		return "none"
	}
	return formatDuration(d)
}

// formatDuration is d.String() without trailing zero minutes and seconds.
func formatDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
		if strings.HasSuffix(s, "h0m") {
			s = strings.TrimSuffix(s, "0m")
		}
	}
	return s
}

// ParseOutputBuffering checks an output_buffering value, "block" or "drop"
// in any case, and returns it in lower case.
func ParseOutputBuffering(s string) (string, error) {
	switch l := strings.ToLower(s); l {
	case OutputBlock, OutputDrop:
		return l, nil
	}
	return "", fmt.Errorf("invalid output buffering %q (expected: %s|%s)", s, OutputBlock, OutputDrop)
}

// logFilePlaceholders are the placeholders a log_file may contain.
var logFilePlaceholders = []string{"{name}", "{id}"}

// checkLogFile says what is wrong with a log_file template, or returns "".
func checkLogFile(tmpl string) string {
	if strings.ContainsRune(tmpl, 0) {
		return "path may not contain a NUL byte"
	}
	if strings.HasPrefix(tmpl, "~") && tmpl != "~" && !strings.HasPrefix(tmpl, "~/") {
		return fmt.Sprintf("~user in %q is not supported (expected: an absolute path, ~/path, or a path relative to the session's directory)", tmpl)
	}
	rest := tmpl
	for {
		open := strings.IndexByte(rest, '{')
		if open < 0 {
			return ""
		}
		end := strings.IndexAny(rest[open+1:], "{}")
		if end < 0 {
			return "" // a lone '{' is literal
		}
		end += open + 1
		if rest[end] == '{' { // "{a{name}": the first '{' is literal
			rest = rest[end:]
			continue
		}
		if p := rest[open : end+1]; !slices.Contains(logFilePlaceholders, p) {
			return fmt.Sprintf("unknown placeholder %s (expected: %s)", p, strings.Join(logFilePlaceholders, ", "))
		}
		rest = rest[end+1:]
	}
}

// ExpandLogFile turns a log_file template into the path of a session's log:
// {name} and {id} become the session's name and ID, a leading "~" or "~/"
// is $HOME (home), and a relative path is made relative to the session's
// directory cwd. An empty template (no log) gives "".
func ExpandLogFile(tmpl, name string, id int, home, cwd string) string {
	if tmpl == "" {
		return ""
	}
	expand := strings.NewReplacer("{name}", name, "{id}", strconv.Itoa(id)).Replace
	if tmpl == "~" || strings.HasPrefix(tmpl, "~/") {
		return filepath.Join(home, expand(tmpl[1:]))
	}
	path := expand(tmpl)
	if filepath.IsAbs(path) {
		return filepath.Clean(path)
	}
	return filepath.Join(cwd, path)
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
