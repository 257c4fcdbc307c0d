# linger shell integration for zsh: prompt marks (OSC 133) and linger run.
# Load it with: eval "$(linger init zsh)"
if [[ -o interactive && -z ${__linger_loaded-} ]]; then
typeset -g __linger_loaded=1
typeset -g __linger_nonce=${LINGER_NONCE-}
unset LINGER_NONCE
typeset -g __linger_run=
typeset -ga __linger_opts

# __linger_begin RUN LINE: called first by a run's file: the run starts.
# PROMPT_SP and PROMPT_CR are off during a run (zsh prints them before
# precmd, so they would end up in the run's output): precmd puts them back.
__linger_begin() {
	__linger_run=$1
	__linger_opts=()
	[[ -o prompt_sp ]] && __linger_opts+=(prompt_sp)
	[[ -o prompt_cr ]] && __linger_opts+=(prompt_cr)
	unsetopt prompt_sp prompt_cr
	builtin printf '\e]6973;%s;S;%s\a' "$__linger_nonce" "$1"
}

# Lines that source a run's file stay out of the history (memory and
# file), whatever the user's options.
__linger_addhistory() {
	[[ ${1%%$'\n'} != " . '"*"/run-"<->"'" ]]
}

# __linger_precmd runs first at each prompt: it ends a run with its
# status and marks the prompt; $? stays for the hooks that follow.
__linger_precmd() {
	local st=$?
	if [[ -n $__linger_run ]]; then
		builtin printf '\e]6973;%s;E;%s;%s\a' "$__linger_nonce" "$__linger_run" "$st"
		__linger_run=
		(( ${#__linger_opts} )) && setopt $__linger_opts
	fi
	builtin printf '\e]133;D;%s\a\e]133;A\a' "$st"
	[[ $PS1 == *'133;B'* ]] || PS1+=$'%{\e]133;B\a%}'
	[[ -z $__linger_nonce ]] || builtin printf '\e]6973;%s;P;zsh\a' "$__linger_nonce"
	return $st
}

__linger_preexec() {
	builtin printf '\e]133;C\a'
	[[ -z $__linger_nonce ]] || builtin printf '\e]6973;%s;C\a' "$__linger_nonce"
}

typeset -ga precmd_functions preexec_functions zshaddhistory_functions
precmd_functions=(__linger_precmd ${precmd_functions[@]})
preexec_functions+=(__linger_preexec)
zshaddhistory_functions+=(__linger_addhistory)
fi
