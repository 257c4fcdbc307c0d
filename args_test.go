package main

import (
	"errors"
	"strings"
	"testing"

	"github.com/urfave/cli/v2"
)

// TestReorderArgs checks the reordering that lets flags follow positional
// arguments (args.go), against the real command table.
func TestReorderArgs(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		// nothing to move
		{"linger", "linger"},
		// a command that parses no flags keeps its words (the completion's)
		{"linger __complete -c ''", "linger __complete -c ''"},
		{"linger -L x __complete attach --restore ''", "linger -L x __complete attach --restore ''"},
		{"linger ls", "linger ls"},
		{"linger -L x ls", "linger -L x ls"},
		{"linger new -d x -- ls -l", "linger new -d x -- ls -l"},
		// command flags after positionals, with and without values
		{"linger new -d cap --size 60x10 -- cmd", "linger new -d --size 60x10 cap -- cmd"},
		{"linger new cap -d --size=60x10 -e A=1 -- cmd -d", "linger new -d --size=60x10 -e A=1 cap -- cmd -d"},
		{"linger kill name --all", "linger kill --all name"},
		{"linger rm name -a", "linger rm -a name"},
		// global flags after the command name, by name and alias
		{"linger ls -L x", "linger -L x ls"},
		{"linger ls --server=x --json", "linger --server=x ls --json"},
		{"linger new x -S /tmp/s -d -c f -- sh", "linger -S /tmp/s -c f new -d x -- sh"},
		{"linger kill a -L x b --all", "linger -L x kill --all a b"},
		// -H may be repeated: every one moves, in order
		{"linger ls -H a x -H=b --json -H c", "linger -H a -H=b -H c ls --json x"},
		{"linger -H a kill -H b --all --connect-timeout 3s", "linger -H a -H b --connect-timeout 3s kill --all"},
		// a value that looks like a flag or a command stays a value
		{"linger new -C ls x", "linger new -C ls x"},
		{"linger attach x --detach-key -x", "linger attach --detach-key -x x"},
		{"linger ls -L new", "linger -L new ls"},
		// -L '' keeps its empty value
		{"linger ls -L ''", "linger -L '' ls"},
		// nothing after -- moves, even flags linger knows
		{"linger new x -- sh -c 'exit 3' -L y", "linger new x -- sh -c 'exit 3' -L y"},
		{"linger new -- -d", "linger new -- -d"},
		// a command's own flag wins over the global one of the same name
		{"linger server -S /tmp/s", "linger server -S /tmp/s"},
		{"linger server -L x -S /tmp/s", "linger -L x server -S /tmp/s"},
		// subcommands: a parent's flag after the subcommand goes to the parent
		{"linger config list -c f", "linger -c f config list"},
		{"linger config show x -L y", "linger -L y config show x"},
		{"linger server stop -S /tmp/s", "linger server -S /tmp/s stop"},
		// help belongs to the innermost command; -v is global only in front
		{"linger new x --help", "linger new --help x"},
		{"linger config list -h", "linger config list -h"},
		{"linger help new -L x", "linger -L x help new"},
		{"linger -v", "linger -v"},
		{"linger ls -v", "linger ls -v"},
		// unknown flags move as they are, for urfave/cli to report
		{"linger kill x --bogus", "linger kill --bogus x"},
		{"linger bogus -L x y", "linger -L x bogus y"},
		{"linger -a ls kill x", "linger -a ls kill x"}, // kill is an argument of ls
		// a lone - is an argument
		{"linger config check -", "linger config check -"},
	} {
		got, err := reorderArgs(splitArgs(tt.in), appFlags(), commands())
		if err != nil {
			t.Errorf("%s: %v", tt.in, err)
			continue
		}
		if g := joinArgs(got); g != tt.want {
			t.Errorf("%s\n got: %s\nwant: %s", tt.in, g, tt.want)
		}
	}
}

// TestReorderArgsErrors: where a flag cannot go, the error says where it goes.
func TestReorderArgsErrors(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"linger -d new x", `-d is an option of 'linger new': put it after "new" (see 'linger new --help')`},
		{"linger --size 9x9 new x", `--size is an option of 'linger new'`},
		{"linger --all kill x", `--all is an option of 'linger kill'`},
		{"linger new x --size", `--size needs a value (see 'linger new --help')`},
		{"linger new x --size -- sh", `--size needs a value`},
		{"linger ls -L", `-L needs a value (see 'linger --help')`},
	} {
		_, err := reorderArgs(splitArgs(tt.in), appFlags(), commands())
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want %q", tt.in, err, tt.want)
		}
		if exitCodeQuiet(err) != exitUsage {
			t.Errorf("%s: not a usage error: %v", tt.in, err)
		}
	}
}

func TestAsWritten(t *testing.T) {
	for _, tt := range []struct{ msg, args, want string }{
		{"flag provided but not defined: -bogus", "linger new --bogus", "flag provided but not defined: --bogus"},
		{"flag provided but not defined: -bogus", "linger new -bogus", "flag provided but not defined: -bogus"},
		{"flag provided but not defined: -x", "linger new --x=1", "flag provided but not defined: --x"},
		{`invalid value "q" for flag -timeout: parse error`, "linger wait --timeout q", `invalid value "q" for flag --timeout: parse error`},
		{"flag provided but not defined: -y", "linger new -- --y", "flag provided but not defined: -y"},
		{"no flag here", "linger --bogus", "no flag here"},
	} {
		if got := asWritten(tt.msg, splitArgs(tt.args)); got != tt.want {
			t.Errorf("%q with %s: got %q, want %q", tt.msg, tt.args, got, tt.want)
		}
	}
}

// appFlags are the app's global flags as run sees them.
func appFlags() []cli.Flag { return newApp().Flags }

// splitArgs splits on spaces; ” is the empty argument and 'a b' one
// argument (enough for these tables).
func splitArgs(s string) []string {
	var out []string
	for s != "" {
		s = strings.TrimLeft(s, " ")
		if strings.HasPrefix(s, "'") {
			end := strings.Index(s[1:], "'") + 1
			out = append(out, s[1:end])
			s = s[end+1:]
			continue
		}
		w, rest, _ := strings.Cut(s, " ")
		out = append(out, w)
		s = rest
	}
	return out
}

func joinArgs(args []string) string {
	q := make([]string, len(args))
	for i, a := range args {
		if a == "" || strings.Contains(a, " ") {
			a = "'" + a + "'"
		}
		q[i] = a
	}
	return strings.Join(q, " ")
}

// exitCodeQuiet is exitCode's status for err, without printing.
func exitCodeQuiet(err error) int {
	var ue usageError
	if errors.As(err, &ue) {
		return exitUsage
	}
	return exitError
}

// FuzzReorderArgs: reordering only moves arguments (none lost, none added),
// never touches "--" and what follows it, and is idempotent.
func FuzzReorderArgs(f *testing.F) {
	for _, s := range []string{"new|-d|x|--size|1x1|--|ls|-l", "kill|a|--all", "ls|-L|x|--json",
		"config|list|-c|f", "server|stop|-S", "-L||ls", "new|--|--", "help|config|list|-L|x", "-|--|-", "x|-x=|--=|-"} {
		f.Add(s)
	}
	globals, cmds := appFlags(), commands()
	f.Fuzz(func(t *testing.T, s string) {
		in := append([]string{"linger"}, strings.Split(s, "|")...)
		out, err := reorderArgs(in, globals, cmds)
		if err != nil {
			if exitCodeQuiet(err) != exitUsage || strings.Contains(err.Error(), "\n") {
				t.Fatalf("%q: %v is not a one-line usage error", in, err)
			}
			return
		}
		if len(out) != len(in) || out[0] != in[0] {
			t.Fatalf("%q -> %q: arguments added or lost", in, out)
		}
		count := map[string]int{}
		for i := range in {
			count[in[i]]++
			count[out[i]]--
		}
		for a, n := range count {
			if n != 0 {
				t.Fatalf("%q -> %q: %q added or lost", in, out, a)
			}
		}
		for i, a := range in {
			if a == "--" {
				if strings.Join(out[i:], "\x00") != strings.Join(in[i:], "\x00") {
					t.Fatalf("%q -> %q: changed what follows --", in, out)
				}
				break
			}
		}
		again, err := reorderArgs(out, globals, cmds)
		if err != nil || strings.Join(again, "\x00") != strings.Join(out, "\x00") {
			t.Fatalf("%q -> %q -> %q %v: not idempotent", in, out, again, err)
		}
	})
}
