package config

import (
	"encoding"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Config is a whole configuration file. Every key is optional; each field's
// doc comment states its default, and config.example.toml lists them all.
type Config struct {
	// Server holds the settings of the server itself ([server]).
	Server ServerConfig `toml:"server"`

	// Client holds the settings of the client side ([client]).
	Client ClientConfig `toml:"client"`

	// Configurations are the named recipes for new sessions
	// ([configurations.NAME]), keyed by name. A "default" configuration
	// always exists: the built-in one unless the file defines its own.
	Configurations map[string]*Configuration `toml:"configurations"`

	// Hosts are the host entries ([hosts.NAME]) that -H NAME reaches,
	// keyed by name. Default: none (nil).
	Hosts map[string]*HostEntry `toml:"hosts"`

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
	// Pressed twice in a row it goes to the program (DoublePress).
	// Default: "ctrl-\\" (Ctrl-\, byte 0x1c).
	DetachKey string `toml:"detach_key"`

	// ExitWhenEmpty makes the server exit when its last session is gone.
	// Default: true.
	ExitWhenEmpty bool `toml:"exit_when_empty"`

	// Heartbeat is how often the two ends of a remote connection (a
	// client relayed through ssh) say they are there when they have
	// nothing else to send; the server announces it in its hello. An end
	// that hears nothing for 3 heartbeats takes the other as gone: the
	// server detaches the client (the session becomes Broken). Between
	// MinHeartbeat and MaxHeartbeat. Default: 5s (DefaultHeartbeat).
	Heartbeat time.Duration `toml:"heartbeat"`

	// EventHistory is how many past lifecycle events the server keeps
	// for `linger events` (without --follow, and --since), 1 to
	// MaxEventHistory; each subscriber's queue holds as many before it is
	// dropped as too slow (lagged). A reload applies it at once.
	// Default: 1024 (DefaultEventHistory).
	EventHistory int `toml:"event_history"`
}

// DefaultEventHistory and MaxEventHistory bound event_history.
const (
	DefaultEventHistory = 1024
	MaxEventHistory     = 1 << 20
)

// ClientConfig is the [client] table.
type ClientConfig struct {
	// ReconnectTimeout is how long an attached client whose connection
	// ended without a detach keeps trying to reconnect and resume; 0 means
	// it does not (it ends with [lost connection]); receive and wait
	// reconnect as long too. A host entry's reconnect_timeout overrides it
	// for that host, and --reconnect-timeout (attach, new, receive, wait)
	// overrides both. In the file, a Go duration ("4m", "30s") or "0".
	// Default: DefaultReconnectTimeout (4m).
	ReconnectTimeout time.Duration `toml:"reconnect_timeout"`
}

// DefaultReconnectTimeout is ClientConfig.ReconnectTimeout's default.
const DefaultReconnectTimeout = 4 * time.Minute

// ParseReconnectTimeout parses a reconnect timeout: a non-negative Go
// duration ("4m", "30s"), or "0" for none.
func ParseReconnectTimeout(s string) (time.Duration, error) {
	if s == "0" {
		return 0, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("invalid reconnect timeout %q (expected a duration like \"4m\" or \"30s\", or \"0\" not to reconnect)", s)
	}
	return d, nil
}

// FormatReconnectTimeout writes a reconnect timeout as the file has it:
// "4m", "30s", or "0".
func FormatReconnectTimeout(d time.Duration) string {
	if d == 0 {
		return "0"
	}
	return formatDuration(d)
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

	// LogFormat is how output goes into LogFile: LogRaw ("raw") every byte
	// as printed; LogText ("text") plain text, as receive --text prints it
	// (escape sequences removed, CRLF as LF). Default: "raw".
	LogFormat string `toml:"log_format"`

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

// Default returns the built-in configuration: the server defaults and
// the "default" configuration.
func Default() *Config {
	return &Config{
		Server: ServerConfig{
			DefaultConfiguration: DefaultConfigurationName,
			DetachKey:            KeyName(DefaultDetachKey),
			ExitWhenEmpty:        true,
			Heartbeat:            DefaultHeartbeat,
			EventHistory:         DefaultEventHistory,
		},
		Client: ClientConfig{ReconnectTimeout: DefaultReconnectTimeout},
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
		LogFormat:       LogRaw,
		Restore:         RestoreLines,
		ScrollbackLines: DefaultScrollbackLines,
	}
}

// Lookup returns a copy of the configuration called name, or of the
// default configuration when name is "".
func (c *Config) Lookup(name string) (*Configuration, error) {
	conf, err := c.Shared(name)
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

// Shared returns the configuration called name (or the default) itself,
// not a copy: the caller must not modify it. A Config does not change once
// loaded, so every session made from a configuration keeps the one
// Configuration rather than a copy of its own.
func (c *Config) Shared(name string) (*Configuration, error) {
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

// DetachKey decides the detach key of one attach: the user's spec (a
// --detach-key), else server.detach_key, else DefaultDetachKey. Only the
// user's spec can be invalid (Load checked the file's).
func (c *Config) DetachKey(spec string) (Key, error) {
	if spec == "" {
		spec = c.Server.DetachKey
	}
	if spec == "" {
		return Key{Byte: DefaultDetachKey}, nil
	}
	key, none, err := ParseKey(spec)
	if err != nil {
		return Key{Byte: DefaultDetachKey}, err
	}
	return Key{Byte: key, None: none}, nil
}
