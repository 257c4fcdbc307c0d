package main

// Flags anywhere on the command line.
//
// urfave/cli/v2, like Go's flag package, stops reading flags at the first
// positional argument, and reads global flags only before the command name:
// `linger kill web --all` would take "--all" for a session name and
// `linger ls -L x` would refuse -L. reorderArgs runs before app.Run and moves
// every flag, with its value when it takes one, in front of the positional
// arguments, next to the command it belongs to:
//
//	linger new web --size 60x10 -L x -- top   →   linger -L x new --size 60x10 web -- top
//
// A flag belongs to the innermost command on the line that defines it: the
// subcommand, then its command, then the global flags (-L, -S, -c and any
// added later), so a command's own flag wins over a global one of the same
// name (server's -S). -h/--help belongs to the innermost command; -v/--version
// only counts as the global flag before the command name. The first "--" and
// everything after it are never touched: for new that is the command to run.
// Flags reorderArgs does not know are moved like bool flags, and urfave/cli
// reports them; a command's flag written before the command name is refused
// with an error that says where it goes. A command that parses no flags
// (__complete) keeps its arguments as written.

import (
	"strings"

	"github.com/urfave/cli/v2"
)

// argLevel is the program or one (sub)command on the command line, with the
// flags that belong to it.
type argLevel struct {
	name  string         // the command name as written; "" for the program
	cmd   *cli.Command   // nil for the program
	flags []cli.Flag     // flags defined here
	subs  []*cli.Command // commands that may follow
	out   []string       // flags (and their values) found for this level
}

// lookup returns the flag name (without dashes) defines here, or nil.
func (l *argLevel) lookup(name string, leading bool) cli.Flag {
	if name == "h" || name == "help" {
		return cli.HelpFlag
	}
	if l.cmd == nil && leading && (name == "v" || name == "version") {
		return cli.VersionFlag
	}
	return findFlag(l.flags, name)
}

func findFlag(flags []cli.Flag, name string) cli.Flag {
	for _, f := range flags {
		for _, n := range f.Names() {
			if n == name {
				return f
			}
		}
	}
	return nil
}

// findCommand returns the command in cmds called name (or an alias), or nil.
func findCommand(cmds []*cli.Command, name string) *cli.Command {
	for _, c := range cmds {
		for _, n := range c.Names() {
			if n == name {
				return c
			}
		}
	}
	return nil
}

// takesValue reports whether f reads the next argument as its value.
func takesValue(f cli.Flag) bool {
	if v, ok := f.(cli.DocGenerationFlag); ok {
		return v.TakesValue()
	}
	return false
}

// flagName splits a flag argument ("-L", "--size=60x10") into its name and
// whether the value is in the same argument; ok is false for non-flags ("-",
// "web", "--").
func flagName(arg string) (name string, inline bool, ok bool) {
	if len(arg) < 2 || arg[0] != '-' || arg == "--" {
		return "", false, false
	}
	name = strings.TrimPrefix(arg[1:], "-")
	name, _, inline = strings.Cut(name, "=")
	return name, inline, name != ""
}

// reorderArgs returns args (args[0] is the program) with the flags moved in
// front of the positional arguments, as described above, or a usage error
// for a flag that cannot be where it is.
func reorderArgs(args []string, globals []cli.Flag, cmds []*cli.Command) ([]string, error) {
	if len(args) == 0 {
		return args, nil
	}
	levels := []*argLevel{{flags: globals, subs: cmds}}
	var positional []string
	i := 1
	for ; i < len(args); i++ {
		arg := args[i]
		if arg == "--" {
			break
		}
		name, inline, isFlag := flagName(arg)
		if !isFlag {
			cur := levels[len(levels)-1]
			if len(positional) == 0 {
				if c := findCommand(cur.subs, arg); c != nil {
					levels = append(levels, &argLevel{name: arg, cmd: c, flags: c.Flags, subs: c.Subcommands})
					if c.SkipFlagParsing {
						i++ // its arguments are its own (__complete's words): leave them as they are
						break
					}
					continue
				}
			}
			positional = append(positional, arg)
			continue
		}
		owner, f := levels[len(levels)-1], cli.Flag(nil)
		for j := len(levels) - 1; j >= 0 && f == nil; j-- {
			owner, f = levels[j], levels[j].lookup(name, len(levels) == 1)
		}
		if f == nil && len(levels) == 1 && len(positional) > 0 {
			// After a word that is no command, a flag that is no global
			// one stays where it is: urfave/cli says the command is
			// unknown, and a second reordering gives the same line.
			positional = append(positional, arg)
			continue
		}
		if f == nil {
			owner = levels[len(levels)-1]
			if where := whereFlagGoes(name, owner, helpName(levels, owner), args[i+1:]); where != "" {
				return nil, usagef("%s is an option of '%s': put it after %q (see '%s --help')", arg, where, where[strings.LastIndex(where, " ")+1:], where)
			}
		}
		owner.out = append(owner.out, arg)
		if f != nil && takesValue(f) && !inline {
			if i+1 >= len(args) || args[i+1] == "--" {
				return nil, usagef("%s needs a value (see '%s --help')", arg, helpName(levels, owner))
			}
			i++
			owner.out = append(owner.out, args[i])
		}
	}
	out := []string{args[0]}
	for _, l := range levels {
		if l.name != "" {
			out = append(out, l.name)
		}
		out = append(out, l.out...)
	}
	out = append(out, positional...)
	return append(out, args[i:]...), nil
}

// whereFlagGoes returns the command ("linger config list") of a flag that
// level (called path) does not define but a command further on the line
// does, or "".
func whereFlagGoes(name string, level *argLevel, path string, rest []string) string {
	for l := level; l != nil; {
		next := (*argLevel)(nil)
		for _, arg := range rest {
			if arg == "--" {
				break
			}
			if c := findCommand(l.subs, arg); c != nil {
				if findFlag(c.Flags, name) != nil {
					return path + " " + arg
				}
				next, path = &argLevel{name: arg, cmd: c, subs: c.Subcommands}, path+" "+arg
				break
			}
		}
		l = next
	}
	return ""
}

// helpName is how the help of level is asked for ("linger new").
func helpName(levels []*argLevel, level *argLevel) string {
	s := "linger"
	for _, l := range levels {
		if l.name != "" {
			s += " " + l.name
		}
		if l == level {
			break
		}
	}
	return s
}
