package main

import (
	"fmt"
	"os"

	"github.com/urfave/cli/v2"
)

func completionCommand() *cli.Command {
	return &cli.Command{
		Name:      "completion",
		Usage:     "print a shell completion script (bash, zsh or fish)",
		ArgsUsage: "bash|zsh|fish",
		Description: `Prints a script that makes the shell complete linger's commands, flags,
configuration names and the names of the running server's sessions (the
server is asked, never started). Load it from the shell's startup file:

   bash:  source <(linger completion bash)           in ~/.bashrc
   zsh:   source <(linger completion zsh)            in ~/.zshrc, after compinit
   fish:  linger completion fish | source            in ~/.config/fish/config.fish

or install it where the shell looks for completions, e.g.
linger completion bash > ~/.local/share/bash-completion/completions/linger.`,
		Action: func(c *cli.Context) error {
			if c.NArg() != 1 {
				return usagef("completion takes one shell: bash, zsh or fish")
			}
			script, ok := completionScripts[c.Args().First()]
			if !ok {
				return usagef("no completion for shell %q (expected: bash|zsh|fish)", c.Args().First())
			}
			_, err := fmt.Print(script)
			return err
		},
	}
}

// completeCommand is what the scripts call: `linger __complete WORD...`
// prints the candidates for the last word (complete.go).
func completeCommand() *cli.Command {
	return &cli.Command{
		Name:            "__complete",
		Hidden:          true,
		SkipFlagParsing: true,
		Action: func(c *cli.Context) error {
			complete(c.Args().Slice(), os.Stdout)
			return nil
		},
	}
}

// completionScripts call the program they complete for (./linger too),
// and fall back to file names when it says ":files".
var completionScripts = map[string]string{
	"bash": `# bash completion for linger: source <(linger completion bash)
_linger() {
    local cur=${COMP_WORDS[COMP_CWORD]} IFS=$'\n' out
    out=$("${COMP_WORDS[0]}" __complete "${COMP_WORDS[@]:1:COMP_CWORD}" 2>/dev/null)
    if [[ $out == ":files" ]]; then
        COMPREPLY=($(compgen -f -- "$cur"))
        return
    fi
    COMPREPLY=($(compgen -W "$out" -- "$cur"))
}
complete -o bashdefault -F _linger linger
`,
	"zsh": `#compdef linger
# zsh completion for linger: source <(linger completion zsh), after compinit
_linger() {
    local out
    out=$("${words[1]}" __complete "${(@)words[2,CURRENT]}" 2>/dev/null)
    if [[ $out == ":files" ]]; then
        _files
        return
    fi
    local -a cands
    cands=("${(@f)out}")
    compadd -- "${cands[@]}"
}
compdef _linger linger
`,
	"fish": `# fish completion for linger: linger completion fish | source
function __linger_complete
    set -l tokens (commandline -opc) (commandline -ct)
    set -l out ($tokens[1] __complete $tokens[2..-1] 2>/dev/null)
    if test "$out" = ":files"
        __fish_complete_path (commandline -ct)
        return
    end
    printf '%s\n' $out
end
complete -c linger -f -a '(__linger_complete)'
`,
}
