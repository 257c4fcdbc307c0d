package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func candidates(words ...string) []string {
	var b bytes.Buffer
	complete(words, &b)
	return strings.Fields(b.String())
}

// TestCompleteTable: commands, subcommands, flags and flag values come
// from the command table.
func TestCompleteTable(t *testing.T) {
	t.Setenv("LINGER_SOCKET", filepath.Join(t.TempDir(), "none.sock")) // no server: no session names
	hosts := filepath.Join(t.TempDir(), "hosts.toml")
	if err := os.WriteFile(hosts, []byte("[hosts.web1]\nurl = \"ssh://web1\"\n[hosts.db]\nurl = \"ssh://db\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		words []string
		has   []string
		not   []string
	}{
		{[]string{""}, []string{"attach", "new", "ls", "completion", "config"}, []string{"__complete", "--server"}},
		{[]string{"config", ""}, []string{"check", "list", "show"}, []string{"attach"}},
		{[]string{"attach", "--"}, []string{"--steal", "--read-only", "--restore", "--server"}, []string{"--detach", "--all"}},
		{[]string{"attach", "--restore", ""}, []string{"lines", "screen", "none"}, nil},
		{[]string{"new", "--output-buffering", ""}, []string{"block", "drop"}, nil},
		{[]string{"new", "-C", ""}, []string{"default"}, nil},
		{[]string{"-c", ""}, []string{":files"}, nil},
		{[]string{"-c", hosts, "ls", "-H", ""}, []string{"db", "web1"}, []string{"default"}},
		{[]string{"ls", "-H", "ssh://a", "-H", "ssh://b", "--"}, []string{"--json", "--host", "--connect-timeout"}, nil}, // -H repeated changes nothing
		{[]string{"completion", ""}, []string{"bash", "zsh", "fish"}, nil},
		{[]string{"send", "x", "--keys", ""}, []string{"C-c", "Enter", "Up", "F12"}, nil},
		{[]string{"send", "--keys", "x", "C-c", ""}, []string{"C-d", "PageDown"}, nil},
		{[]string{"send", "x", ""}, nil, []string{"C-c", "Enter"}},
		{[]string{"new", "x", "--", "ls", ""}, nil, []string{"attach", "--steal"}},
		{[]string{"server", "--daemon", "--"}, []string{"--socket"}, []string{"--daemon", "--log"}}, // hidden flags stay hidden
	} {
		got := candidates(c.words...)
		for _, w := range c.has {
			if !slices.Contains(got, w) {
				t.Errorf("%q: %q missing from %q", c.words, w, got)
			}
		}
		for _, w := range c.not {
			if slices.Contains(got, w) {
				t.Errorf("%q: %q should not be offered (%q)", c.words, w, got)
			}
		}
	}
}

// TestCompletionBash runs bash's completion function, as the shell does
// when Tab is pressed, for a partial session name: the candidates are the
// running server's sessions that start with it.
func TestCompletionBash(t *testing.T) {
	t.Parallel()
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("no bash")
	}
	e := newEnv(t)
	for _, name := range []string{"alpha", "alps", "beta"} {
		if r := e.Run("new", "-d", name, "--", "sleep", "600"); r.Code != 0 {
			t.Fatalf("new -d %s: %v", name, r)
		}
	}
	run := func(line string, cword int) []string {
		t.Helper()
		script := `source <(linger completion bash) || exit 1
COMP_WORDS=(` + line + `); COMP_CWORD=` + string(rune('0'+cword)) + `
_linger; printf '%s\n' "${COMPREPLY[@]}"`
		c := exec.Command(bash, "-c", script)
		c.Env = e.Env
		out, err := c.CombinedOutput()
		if err != nil {
			t.Fatalf("bash: %v\n%s", err, out)
		}
		got := strings.Fields(string(out))
		slices.Sort(got)
		return got
	}
	if got := run("linger attach al", 2); !slices.Equal(got, []string{"alpha", "alps"}) {
		t.Errorf("linger attach al<Tab>: %q, want alpha alps", got)
	}
	if got := run("linger kill alpha b", 3); !slices.Equal(got, []string{"beta"}) {
		t.Errorf("linger kill alpha b<Tab>: %q, want beta", got)
	}
	if got := run("linger attach --restore s", 3); !slices.Equal(got, []string{"screen"}) {
		t.Errorf("linger attach --restore s<Tab>: %q, want screen (the binary must not reorder the words)", got)
	}
	if got := run("linger send al", 2); !slices.Equal(got, []string{"alpha", "alps"}) {
		t.Errorf("linger send al<Tab>: %q, want alpha alps", got)
	}
	if got := run("linger send alpha al", 3); len(got) != 0 {
		t.Errorf("linger send alpha al<Tab> (TEXT): %q, want nothing", got)
	}
	if got := run("linger att", 1); !slices.Equal(got, []string{"attach"}) {
		t.Errorf("linger att<Tab>: %q, want attach", got)
	}
	if _, err := exec.LookPath("fish"); err == nil {
		c := exec.Command("fish", "-c", `linger completion fish | source; complete -C "linger attach al"`)
		c.Env = e.Env
		out, err := c.CombinedOutput()
		got := strings.Fields(string(out))
		slices.Sort(got)
		if err != nil || !slices.Equal(got, []string{"alpha", "alps"}) {
			t.Errorf("fish: linger attach al<Tab>: %q (%v), want alpha alps", got, err)
		}
	}
	e.Run("kill", "--all")
	if got := run("linger attach al", 2); len(got) != 0 {
		t.Errorf("after kill --all: %q, want nothing", got)
	}
	if _, err := exec.LookPath("zsh"); err == nil {
		if out, err := exec.Command("zsh", "-c", `autoload -U compinit && compinit -u && source <(`+e.Bin+` completion zsh)`).CombinedOutput(); err != nil {
			t.Errorf("zsh cannot load the script: %v\n%s", err, out)
		}
	}
}
