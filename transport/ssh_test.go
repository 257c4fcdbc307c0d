package transport

import (
	"slices"
	"testing"
)

func TestRemoteWord(t *testing.T) {
	for w, want := range map[string]string{
		"linger":            "linger",
		"/opt/bin/linger":   "/opt/bin/linger",
		"--server":          "--server",
		"/opt/my bin/l":     "'/opt/my bin/l'",
		"":                  "''",
		"it's":              `'it'\''s'`,
		"$HOME/x":           "'$HOME/x'",
		"~/bin/linger":      "~/bin/linger",
		"~/my bin/linger":   "~/'my bin/linger'",
		"~":                 "'~'",
		"~/":                "'~/'",
		"a;rm -rf x":        "'a;rm -rf x'",
		"ProxyJump=bastion": "'ProxyJump=bastion'",
	} {
		if got := RemoteWord(w); got != want {
			t.Errorf("RemoteWord(%q) = %s, want %s", w, got, want)
		}
	}
	if got, want := CommandLine([]string{"ssh", "-o", "A=b c", "~/x"}), `ssh -o 'A=b c' '~/x'`; got != want {
		t.Errorf("CommandLine = %s, want %s", got, want)
	}
}

func TestCommandWithEntry(t *testing.T) {
	t.Setenv("LINGER_SSH", "")
	h, err := Parse("ssh://alice@web1:2222/ops")
	if err != nil {
		t.Fatal(err)
	}
	h.Entry, h.SSHOptions, h.RemoteCommand = "w", []string{"-o", "ProxyJump=b"}, []string{"~/my bin/linger", "-c", "/etc/l.toml"}
	want := []string{"ssh", "-T", "-p", "2222", "-l", "alice", "-o", "ProxyJump=b", "--", "web1",
		"~/'my bin/linger'", "-c", "/etc/l.toml", "dial-stdio", "--server", "ops"}
	if got := h.Command(); !slices.Equal(got, want) {
		t.Errorf("Command() = %q\nwant %q", got, want)
	}
	if h.Name() != "w" {
		t.Errorf("Name() = %q, want the entry's", h.Name())
	}
	if got := h.Command(); len(h.RemoteCommand) != 3 {
		t.Errorf("Command() changed RemoteCommand: %q (%q)", h.RemoteCommand, got)
	}
}
