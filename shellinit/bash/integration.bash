# linger shell integration for bash: prompt marks (OSC 133) and linger run.
# Load it with: eval "$(linger init bash)"
if [[ $- == *i* && -z ${__linger_loaded-} ]]; then
__linger_loaded=1
__linger_nonce=${LINGER_NONCE-}
unset LINGER_NONCE
__linger_run=

# __linger_begin RUN LINE: called first by a run's file. Takes LINE, the
# line that sourced the file, out of the history, and says the run starts.
__linger_begin() {
	local h
	h=$(HISTTIMEFORMAT= builtin history 1 2>/dev/null)
	if [[ $h == *"$2" ]]; then
		builtin history -d -1 2>/dev/null
	fi
	__linger_run=$1
	builtin printf '\e]6973;%s;S;%s\a' "$__linger_nonce" "$1"
}

# __linger_hook runs first in PROMPT_COMMAND: it ends a run with its
# status, marks the prompt, and keeps $? for what follows.
__linger_hook() {
	local st=$?
	if [[ -n $__linger_run ]]; then
		builtin printf '\e]6973;%s;E;%s;%s\a' "$__linger_nonce" "$__linger_run" "$st"
		__linger_run=
	fi
	builtin printf '\e]133;D;%s\a\e]133;A\a' "$st"
	[[ $PS1 == *'133;B'* ]] || PS1+='\[\e]133;B\a\]'
	[[ $PS0 == *'133;C'* ]] || PS0+='\e]133;C\a'
	[[ -z $__linger_nonce || $PS0 == *'6973;'* ]] || PS0+=$'\e]6973;'$__linger_nonce$';C\a'
	[[ -z $__linger_nonce ]] || builtin printf '\e]6973;%s;P;bash\a' "$__linger_nonce"
	return $st
}

if [[ $(declare -p PROMPT_COMMAND 2>/dev/null) == 'declare -a'* ]]; then
	PROMPT_COMMAND=(__linger_hook "${PROMPT_COMMAND[@]}")
else
	PROMPT_COMMAND=__linger_hook${PROMPT_COMMAND:+$'\n'$PROMPT_COMMAND}
fi
fi
