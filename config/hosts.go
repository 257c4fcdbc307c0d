package config

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"linger/transport"
)

// HostEntry is one [hosts.NAME] table: a host that -H NAME (or
// $LINGER_HOST=NAME) reaches through ssh, as the client's configuration
// describes it. Only clients read these; a server ignores them.
type HostEntry struct {
	// Name is the entry's name (the NAME of its table), which -H gives.
	Name string `toml:"-"`

	// URL is ssh://[USER@]HOST[:PORT][/SERVER-NAME], checked as -H checks
	// it (transport.Parse). Required: no default.
	URL string `toml:"url"`

	// SSHOptions are given to ssh before "--", e.g. ["-o",
	// "ProxyJump=bastion"]; the first one must be an option ("-...").
	// Default: empty.
	SSHOptions []string `toml:"ssh_options"`

	// RemoteCommand is the linger program on that host with its global
	// options (e.g. ["/opt/bin/linger", "-c", "/etc/linger/ops.toml"]),
	// run in place of "linger"; each word is quoted for the remote shell,
	// except a leading "~/" (the remote home). Default: empty, "linger"
	// from the PATH of non-interactive ssh sessions.
	RemoteCommand []string `toml:"remote_command"`

	// ReconnectTimeout, when set, is this host's reconnect timeout: it
	// overrides [client] reconnect_timeout (ClientConfig.ReconnectTimeout)
	// for clients of this entry (attach, new, receive, wait); their
	// --reconnect-timeout overrides both. In the file, a Go duration
	// ("4m", "30s") or "0". Default: nil, [client]'s.
	ReconnectTimeout *time.Duration `toml:"reconnect_timeout"`
}

// Reconnect is the reconnect timeout for a client of the host entry named
// entry ("": -H gave a URL): the entry's reconnect_timeout if it has
// one, else [client]'s.
func (c *Config) Reconnect(entry string) time.Duration {
	if h := c.Hosts[entry]; h != nil && h.ReconnectTimeout != nil {
		return *h.ReconnectTimeout
	}
	return c.Client.ReconnectTimeout
}

// Host is the entry as -H reaches it: its URL, with its name, ssh options
// and remote command. Load checked the URL.
func (e *HostEntry) Host() (*transport.Host, error) {
	h, err := transport.Parse(e.URL)
	if err != nil {
		return nil, fmt.Errorf("[hosts.%s] url %q: %v", e.Name, e.URL, err)
	}
	h.Entry = e.Name
	h.SSHOptions = slices.Clone(e.SSHOptions)
	h.RemoteCommand = slices.Clone(e.RemoteCommand)
	return h, nil
}

// HostNames returns the names of the host entries, sorted.
func (c *Config) HostNames() []string {
	return slices.Sorted(maps.Keys(c.Hosts))
}

// maxHostName bounds the length of a host entry's name.
const maxHostName = 64

// checkHostName says what is wrong with a host entry's name (the rule of
// server names: transport.ValidName), or returns "".
func checkHostName(name string) string {
	switch {
	case !transport.ValidName(name):
		return fmt.Sprintf("host entry name %q: use letters, digits and _ . %% + @ - (not first)", name)
	case len(name) > maxHostName:
		return fmt.Sprintf("host entry name %q is longer than %d characters", name, maxHostName)
	}
	return ""
}

// checkHostURL checks a host entry's url as -H checks a URL.
func checkHostURL(url string) string {
	if _, err := transport.Parse(url); err != nil {
		return fmt.Sprintf("invalid URL %q: %v", url, err)
	}
	return ""
}

// checkSSHOptions checks ssh_options: words ssh reads as options.
func checkSSHOptions(opts []string) string {
	if len(opts) > 0 && !strings.HasPrefix(opts[0], "-") {
		return fmt.Sprintf("%q is not an ssh option (expected options such as [\"-o\", \"ProxyJump=bastion\"])", opts[0])
	}
	for _, o := range opts {
		switch {
		case o == "":
			return "an empty string is not an ssh option"
		case o == "--":
			return `"--" would end ssh's options: linger adds it before the host`
		case strings.ContainsRune(o, 0):
			return fmt.Sprintf("option %q may not contain a NUL byte", o)
		}
	}
	return ""
}

// checkHostURLs reports every host entry without a url.
func (v *configValidator) checkHostURLs(raw map[string]any) {
	hosts, _ := raw["hosts"].(map[string]any)
	for _, name := range slices.Sorted(maps.Keys(hosts)) {
		entry, ok := hosts[name].(map[string]any)
		if !ok {
			continue // reported by walk
		}
		if _, ok := entry["url"]; !ok {
			path := []string{"hosts", name}
			v.report(path, path, "url is required (e.g. url = \"ssh://alice@%s\")", name)
		}
	}
}
