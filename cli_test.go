package main

// End-to-end tests of the command line itself: help, version, flags after
// arguments, usage errors and the global options' values.

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// `linger help [COMMAND [SUBCOMMAND]]` prints what --help prints.
func TestCLIHelpCommand(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, tt := range []struct{ help, flag []string }{
		{[]string{"help"}, []string{"--help"}},
		{[]string{"help", "new"}, []string{"new", "--help"}},
		{[]string{"help", "ls"}, []string{"ls", "-h"}},
		{[]string{"help", "config"}, []string{"config", "--help"}},
		{[]string{"help", "config", "list"}, []string{"config", "list", "--help"}},
		{[]string{"help", "server", "stop"}, []string{"server", "stop", "--help"}},
	} {
		h, f := e.Run(tt.help...), e.Run(tt.flag...)
		if h.Code != 0 || f.Code != 0 || h.Stdout != f.Stdout || h.Stderr != "" || !strings.Contains(h.Stdout, "USAGE:") {
			t.Errorf("linger %s should print what linger %s prints\n%v\n%v", strings.Join(tt.help, " "), strings.Join(tt.flag, " "), h, f)
		}
	}
	if r := e.Run("help"); !strings.Contains(r.Stdout, "help ") || !strings.Contains(r.Stdout, "show help for linger or a command") {
		t.Errorf("help should be listed among the commands\n%v", r)
	}
	naWantErr(t, e.Run("help", "bogus"), 2, `unknown command "bogus"`, "'linger --help'")
	naWantErr(t, e.Run("help", "config", "bogus"), 2, `unknown config command "bogus"`, "'linger config --help'")
}

// --version, -v and `version` print the same line.
func TestCLIVersionSameEverywhere(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	want := e.Run("version")
	if want.Code != 0 || !strings.HasPrefix(want.Stdout, "linger ") || strings.Count(want.Stdout, "\n") != 1 {
		t.Fatalf("version: %v", want)
	}
	for _, args := range [][]string{{"--version"}, {"-v"}} {
		if r := e.Run(args...); r != want {
			t.Errorf("linger %s: %v\nwant as linger version: %v", args[0], r, want)
		}
	}
}

// Flags after positional arguments; what follows -- is left alone.
func TestCLIFlagsAfterArguments(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	// command flags after NAME, before --
	if r := e.Run("new", "-d", "cap", "--size", "60x10", "--", "sh", "-c", "stty size; exec sleep 100"); r.Code != 0 || r.Stdout != "cap\n" {
		t.Fatalf("new -d cap --size 60x10 -- ...: %v", r)
	}
	poll(t, "stty size in the 60x10 session", harnessWait, func() bool {
		return strings.Contains(e.Run("capture", "cap").Stdout, "10 60")
	})
	// flags after -- belong to the command: linger must not read -d, -L or --size
	if r := e.Run("new", "args", "-d", "--", "sh", "-c", `echo "[$*]"; exec sleep 100`, "sh", "-d", "-L", "x", "--size", "1x1"); r.Code != 0 || r.Stdout != "args\n" {
		t.Fatalf("new args -d -- sh ...: %v", r)
	}
	poll(t, "the command's own flags printed", harnessWait, func() bool {
		return strings.Contains(e.Run("capture", "args").Stdout, "[-d -L x --size 1x1]")
	})
	// a global flag after the command name: -S with a socket other than $LINGER_SOCKET
	env := []string{"LINGER_SOCKET=" + filepath.Join(e.Dir, "nowhere.sock")}
	if r := e.RunEnv(env, "ls", "-S", e.Sock, "--json"); r.Code != 0 || !strings.Contains(r.Stdout, `"cap"`) {
		t.Errorf("ls -S SOCK: %v", r)
	}
	if r := e.RunEnv(env, "capture", "cap", "--socket="+e.Sock); r.Code != 0 || !strings.Contains(r.Stdout, "10 60") {
		t.Errorf("capture cap --socket=SOCK: %v", r)
	}
	// -L after the command name (LINGER_SOCKET, which overrides -L, unset)
	noSock := []string{"LINGER_SOCKET="}
	t.Cleanup(func() { e.RunEnv(noSock, "server", "stop", "-L", "other") })
	if r := e.RunEnv(noSock, "new", "-d", "elsewhere", "-L", "other", "--", "sleep", "100"); r.Code != 0 {
		t.Fatalf("new -d elsewhere -L other: %v", r)
	}
	if r := e.RunEnv(noSock, "ls", "-L", "other", "--json"); r.Code != 0 || !strings.Contains(r.Stdout, `"elsewhere"`) {
		t.Errorf("ls -L other: %v", r)
	}
	if r := e.Run("ls", "--json"); strings.Contains(r.Stdout, `"elsewhere"`) {
		t.Errorf("the session on server other is listed on the default one: %v", r)
	}
	// a flag after names conflicting with them: the command's own check says so
	naWantErr(t, e.Run("kill", "cap", "--all"), 2, "give session names or --all, not both")
	naWantErr(t, e.Run("detach", "cap", "-a"), 2, "give session names or --all, not both")
	// and without a conflict it applies
	if r := e.Run("kill", "args", "cap", "-L", "ignored"); r.Code != 0 {
		t.Errorf("kill args cap -L ignored (-S wins): %v", r)
	}
	if r := e.Run("ls", "--json"); strings.Contains(r.Stdout, `"cap"`) || strings.Contains(r.Stdout, `"args"`) {
		t.Errorf("kill NAME... with a flag after them left sessions: %v", r)
	}
}

// Where a flag cannot go, the error says where it goes.
func TestCLIFlagInWrongPlace(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	naWantErr(t, e.Run("-d", "new", "x"), 2, `-d is an option of 'linger new'`, `put it after "new"`)
	naWantErr(t, e.Run("new", "x", "--size"), 2, "--size needs a value", "'linger new --help'")
	naWantErr(t, e.Run("ls", "-v"), 2, "-v", "'linger ls --help'")
}

// Usage errors exit 2, and name a flag as it was written.
func TestCLIUsageErrorsExit2(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, tt := range []struct {
		args []string
		want []string
	}{
		{[]string{"new", "--bogus"}, []string{"flag provided but not defined: --bogus", "'linger new --help'"}},
		{[]string{"ls", "x", "--bogus=1"}, []string{"flag provided but not defined: --bogus", "'linger ls --help'"}},
		{[]string{"--bogus", "ls"}, []string{"flag provided but not defined: --bogus", "'linger --help'"}},
		{[]string{"wait", "x", "--timeout", "soon"}, []string{`--timeout "soon"`}},
		{[]string{"bogus"}, []string{`unknown command "bogus"`, "'linger --help'"}},
		{[]string{"config", "bogus"}, []string{`unknown config command "bogus"`, "'linger config --help'"}},
		{[]string{"server", "bogus"}, []string{`unknown server command "bogus"`, "'linger server --help'"}},
		{[]string{"server", "stop", "bogus"}, []string{"server stop takes no arguments"}},
		{[]string{"detach"}, []string{"detach needs a session NAME or ID, or --all"}},
		// refused by the server (started on demand), still exit 2
		{[]string{"new", "-d", "a b"}, []string{"may not contain whitespace"}},
		{[]string{"new", "-d", "123"}, []string{"all digits"}},
	} {
		r := e.Run(tt.args...)
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			naWantErr(t, r, 2, tt.want...)
			if strings.Contains(r.Stderr, " -bogus") {
				t.Errorf("the flag should be named as written (--bogus)\n%v", r)
			}
		})
	}
}

// The server's refusal of a bad name exits 2 for an attached new and for
// detach too (the reply's code, not the client's own check).
func TestCLIServerUsageErrorExit2(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	naKeepServer(t, e)
	naWantErr(t, e.Run("new", "-d", "a/b", "--", "true"), 2, "may not contain '/'")
	naWantErr(t, e.Run("detach", "keep", "--idle-timeout", "-5s"), 2, "must not be negative")
	naWantErr(t, e.Run("kill", "nosuch"), 1, `no session named "nosuch"`)
}

// -L ” is an error, not "default"; a -S URL is refused, not made a directory.
func TestCLIServerAndSocketValues(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	naWantErr(t, e.Run("-L", "", "ls"), 2, "-L: empty server name")
	naWantErr(t, e.RunEnv([]string{"LINGER_SOCKET="}, "ls", "-L", ""), 2, "-L: empty server name")
	naWantErr(t, e.Run("--server=", "config", "list"), 2, "-L: empty server name")
	for _, url := range []string{"tcp://host:1", "ssh://me@host", "unix:///tmp/x.sock"} {
		naWantErr(t, e.Run("-S", url, "new", "-d", "x"), 2, `-S "`+url+`"`, "not supported yet", "path")
		naWantErr(t, e.Run("ls", "-S", url), 2, "not supported yet")
		naWantErr(t, e.RunEnv([]string{"LINGER_SOCKET=" + url}, "ls"), 2, `LINGER_SOCKET "`+url+`"`, "not supported yet")
	}
	entries, _ := os.ReadDir(e.Home)
	for _, d := range entries {
		if strings.HasSuffix(d.Name(), ":") {
			t.Errorf("a -S URL made %s in the working directory", d.Name())
		}
	}
	// a path still works, relative included
	if r := e.Run("-S", "rel.sock", "new", "-d", "x", "--", "sleep", "100"); r.Code != 0 {
		t.Errorf("-S rel.sock: %v", r)
	}
	t.Cleanup(func() { e.Run("-S", filepath.Join(e.Home, "rel.sock"), "server", "stop") })
}
