// Package shellinit holds linger's shell integration: the scripts that make
// a shell tell the server where its prompts and commands begin and end,
// and run the commands `linger run` hands it.
//
// The server starts a bash session's shell with --init-file pointing at
// Startup("bash") (written in the server's runtime directory), which reads
// what bash would have read (the login files for a login shell, else
// ~/.bashrc), then the integration, Integration("bash"), which `linger init
// bash` also prints for shells started other ways. A zsh gets $ZDOTDIR
// set to a directory whose .zshenv is Startup("zsh"): it puts the user's
// ZDOTDIR back, reads the user's .zshenv and loads the integration; zsh
// reads the user's other files itself. A fish gets linger's directory
// first in $XDG_DATA_DIRS, whose fish/vendor_conf.d/linger.fish is
// Startup("fish"): it puts the user's XDG_DATA_DIRS back and loads the
// integration.
//
// The integration emits two kinds of marks, as OSC escape sequences:
//
//   - OSC 133 (A prompt start, B command start, C output start, D;STATUS
//     command end), which terminals and tmux understand: they pass through
//     to every client like any output.
//   - linger's private marks, ESC ] 6973 ; NONCE ; KIND [; ARG...] BEL,
//     which the server consumes (mux, marks.go) and no client ever sees.
//     NONCE is the session's secret, given to the shell in $LINGER_NONCE
//     (which the integration takes out of the environment), so output that
//     merely looks like a mark (a cat of a log) is only output. KIND is P;SHELL
//     (the shell, bash, zsh or fish, is at its prompt), C (it accepted a
//     command line: what was typed is consumed), S;RUN (run RUN starts: its output
//     follows) or E;RUN;STATUS (run RUN ended with STATUS, from the
//     prompt hook, so return, Ctrl-C and syntax errors end it too).
//
// A run: the server writes a file only the user can read that calls
// __linger_begin RUN LINE (which emits S; bash's also takes the typed LINE
// out of the history, whatever HISTCONTROL says; zsh's zshaddhistory hook
// keeps it out; fish keeps lines starting with a space out) and then holds
// the command, and types LINE, a fixed " . 'FILE'" (fish: " source
// 'FILE'"), at the prompt.
package shellinit

import (
	_ "embed"
)

//go:embed bash/startup.bash
var bashStartup string

//go:embed bash/integration.bash
var bashIntegration string

//go:embed fish/vendor.fish
var fishStartup string

//go:embed fish/integration.fish
var fishIntegration string

//go:embed zsh/zshenv.zsh
var zshStartup string

//go:embed zsh/integration.zsh
var zshIntegration string

// MarkPrefix starts every private mark: ESC ] 6973 ;.
const MarkPrefix = "\x1b]6973;"

// NonceEnv is the environment variable that gives a shell its session's
// nonce.
const NonceEnv = "LINGER_NONCE"

// Shells are the shells linger has an integration for.
var Shells = []string{"bash", "zsh", "fish"}

// Integration is the integration script for shell ("" if none).
func Integration(shell string) string {
	switch shell {
	case "bash":
		return bashIntegration
	case "zsh":
		return zshIntegration
	case "fish":
		return fishIntegration
	}
	return ""
}

// Startup is the file a shell started by the server reads first: what
// the shell would have read, then the integration. For zsh it is the
// .zshenv of the directory the server gives it as $ZDOTDIR (the user's
// ZDOTDIR, if any, in ZdotdirEnv): it puts the user's back, so that zsh
// then reads the user's other startup files itself.
func Startup(shell string) string {
	switch shell {
	case "bash":
		return bashStartup + bashIntegration
	case "zsh":
		return zshStartup + zshIntegration
	case "fish":
		return fishStartup + fishIntegration
	}
	return ""
}

// XDGDataDirsEnv carries the user's $XDG_DATA_DIRS to linger's fish
// vendor_conf.d file.
const XDGDataDirsEnv = "__LINGER_XDG_DATA_DIRS"

// ZdotdirEnv carries the user's $ZDOTDIR to linger's .zshenv.
const ZdotdirEnv = "__LINGER_ZDOTDIR"

// LoginEnv is set to 1 for a bash started by the server in place of a
// login shell (bash -l): Startup then reads the login files.
const LoginEnv = "__LINGER_BASH_LOGIN"
