package main

// Shell completion. The shells' scripts (completion bash|zsh|fish) are
// thin: each calls `linger __complete WORD...` with the words typed after
// "linger", the last being the one to complete, and offers what it
// prints, one candidate a line. The candidates come from the command
// table itself, so new commands and flags complete without touching the
// scripts: commands, subcommands, flags, the values of flags with a fixed
// set, configuration and host entry names (read from the configuration
// file), and session names (asked of the running server: never started
// for this).
// A single line ":files" asks the shell for file names instead.

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/urfave/cli/v2"

	"linger/client"
	"linger/config"
	"linger/socket"
)

// completeFiles is the candidate that means "complete file names".
const completeFiles = ":files"

// flagValues are the fixed values of flags that take one.
var flagValues = map[string][]string{
	"output-buffering": {config.OutputBlock, config.OutputDrop},
	"restore":          {config.RestoreLines, config.RestoreScreen, config.RestoreNone},
	"detach-key":       {"ctrl-\\", "ctrl-a", "ctrl-b", "ctrl-]", "ctrl-^", "ctrl-_", "none"},
	"type":             eventTypes, // events --type
	"event":            eventTypes, // wait --event
}

// sendKeyNames are the key names `send --keys` completes (vt.KeyBytes
// takes more: any C-x, M-x and single character).
var sendKeyNames = []string{"C-c", "C-d", "C-z", "C-\\", "Enter", "Tab", "Escape", "BSpace", "Space",
	"Up", "Down", "Left", "Right", "Home", "End", "PageUp", "PageDown", "Insert", "Delete",
	"F1", "F2", "F3", "F4", "F5", "F6", "F7", "F8", "F9", "F10", "F11", "F12"}

// fileFlags take a path.
var fileFlags = map[string]bool{"config": true, "socket": true, "cwd": true, "log": true}

// complete prints the candidates for the last of words (the words after
// "linger"), to w.
func complete(words []string, w io.Writer) {
	if len(words) == 0 {
		words = []string{""}
	}
	cur, done := words[len(words)-1], words[:len(words)-1]
	app := newApp()
	global := app.Flags
	var cmd *cli.Command
	cmds := app.Commands
	var positionals []string
	seen := map[string]string{} // flag name (canonical) -> value, for -L/-S/-c
	flagsOf := func() []cli.Flag {
		if cmd == nil {
			return global
		}
		return append(slices.Clone(cmd.Flags), global...)
	}
	dashdash := false
	keys := false // send --keys: the words are key names
	for i := 0; i < len(done); i++ {
		word := done[i]
		keys = keys || word == "--keys"
		switch {
		case dashdash:
			positionals = append(positionals, word)
		case word == "--":
			dashdash = true
		case strings.HasPrefix(word, "-") && len(word) > 1:
			name, value, hasValue := strings.Cut(strings.TrimLeft(word, "-"), "=")
			f := findFlag(flagsOf(), name)
			if f == nil || !takesValue(f) {
				continue
			}
			if !hasValue {
				if i+1 == len(done) { // its value is the word being completed
					completeFlagValue(f, cur, w, seen)
					return
				}
				i++
				value = done[i]
			}
			seen[f.Names()[0]] = value
		default:
			if len(positionals) == 0 {
				if c := findCommand(cmds, word); c != nil {
					cmd, cmds = c, c.Subcommands
					continue
				}
			}
			positionals = append(positionals, word)
		}
	}
	if strings.HasPrefix(cur, "-") && !dashdash {
		for _, f := range flagsOf() {
			if isHidden(f) {
				continue
			}
			for _, n := range f.Names() {
				if len(n) == 1 {
					fmt.Fprintln(w, "-"+n)
				} else {
					fmt.Fprintln(w, "--"+n)
				}
			}
		}
		return
	}
	if dashdash {
		return // a command line for the session: the shell's own business
	}
	if len(positionals) == 0 && len(cmds) > 0 {
		for _, c := range cmds {
			if !c.Hidden {
				fmt.Fprintln(w, c.Name)
			}
		}
		if cmd == nil && findCommand(cmds, "help") == nil {
			fmt.Fprintln(w, "help") // urfave/cli's, when not in the table
		}
		return
	}
	if cmd == nil {
		return
	}
	switch {
	case cmd.Name == "help":
		for _, c := range app.Commands {
			if !c.Hidden {
				fmt.Fprintln(w, c.Name)
			}
		}
	case cmd.Name == "completion":
		if len(positionals) == 0 {
			fmt.Fprintln(w, "bash\nzsh\nfish")
		}
	case cmd.Name == "check":
		fmt.Fprintln(w, completeFiles)
	case cmd.Name == "show":
		printLines(w, configurationNames(seen))
	case cmd.Name == "send" && len(positionals) > 0:
		if keys {
			printLines(w, sendKeyNames)
		}
	case strings.Contains(cmd.ArgsUsage, "NAME|ID"):
		if strings.HasSuffix(cmd.ArgsUsage, "NAME|ID...") || strings.HasSuffix(cmd.ArgsUsage, "NAME|ID...]") || len(positionals) == 0 {
			printLines(w, completeSessionNames(seen))
		}
	}
}

// completeFlagValue prints the candidates for flag f's value.
func completeFlagValue(f cli.Flag, cur string, w io.Writer, seen map[string]string) {
	name := f.Names()[0]
	switch {
	case fileFlags[name]:
		fmt.Fprintln(w, completeFiles)
	case name == "configuration":
		printLines(w, configurationNames(seen))
	case name == "server":
		printLines(w, serverNames())
	case name == "session": // events --session, wait --session
		printLines(w, completeSessionNames(seen))
	case name == "host":
		if cfg := completionConfig(seen); cfg != nil {
			printLines(w, cfg.HostNames())
		}
	default:
		printLines(w, flagValues[name])
	}
}

func printLines(w io.Writer, lines []string) {
	for _, l := range lines {
		fmt.Fprintln(w, l)
	}
}

func isHidden(f cli.Flag) bool {
	vf, ok := f.(cli.VisibleFlag)
	return ok && !vf.IsVisible()
}

// configurationNames are the configurations of completionConfig.
func configurationNames(seen map[string]string) []string {
	if cfg := completionConfig(seen); cfg != nil {
		return cfg.Names()
	}
	return nil
}

// completionConfig reads the configuration file the words name (-c),
// else $LINGER_CONFIG or the default one; nil when it cannot.
func completionConfig(seen map[string]string) *config.Config {
	path, explicit := seen["config"], true
	if path == "" {
		if path = os.Getenv("LINGER_CONFIG"); path == "" {
			path, explicit = defaultConfigPath(), false
		}
	}
	cfg, err := config.Load(path, explicit)
	if err != nil {
		return nil
	}
	return cfg
}

// completeSessionNames asks the server the words name (-S, -L), else
// $LINGER_SOCKET's or the default one, for its sessions.
func completeSessionNames(seen map[string]string) []string {
	sock := seen["socket"]
	if sock == "" {
		sock = os.Getenv("LINGER_SOCKET")
	}
	if sock == "" {
		name := seen["server"]
		if name == "" {
			name = "default"
		}
		var err error
		if sock, err = socket.DefaultPath(name); err != nil {
			return nil
		}
	}
	names, err := client.Endpoint{Socket: sock, Program: program()}.SessionNames()
	if err != nil {
		return nil
	}
	return names
}

// serverNames are the -L names whose sockets are in the default directory.
func serverNames() []string {
	sock, err := socket.DefaultPath("default")
	if err != nil {
		return nil
	}
	matches, _ := filepath.Glob(filepath.Join(filepath.Dir(sock), "*.sock"))
	var names []string
	for _, m := range matches {
		names = append(names, strings.TrimSuffix(filepath.Base(m), ".sock"))
	}
	return names
}
