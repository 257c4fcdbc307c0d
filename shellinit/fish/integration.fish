# linger shell integration for fish: prompt marks (OSC 133) and linger run.
# Load it with: linger init fish | source
if status is-interactive; and not set -q __linger_loaded
    set -g __linger_loaded 1
    set -g __linger_nonce "$LINGER_NONCE"
    set -e LINGER_NONCE
    set -g __linger_run ''

    # __linger_begin RUN LINE: called first by a run's file: the run
    # starts. (LINE starts with a space: fish keeps it out of the history.)
    function __linger_begin
        set -g __linger_run $argv[1]
        builtin printf '\e]6973;%s;S;%s\a' "$__linger_nonce" $argv[1]
    end

    # After each command line: end a run with its status.
    function __linger_postexec --on-event fish_postexec
        set -l st $status
        if test -n "$__linger_run"
            builtin printf '\e]6973;%s;E;%s;%s\a' "$__linger_nonce" $__linger_run $st
            set -g __linger_run ''
        end
        builtin printf '\e]133;D;%s\a' $st
    end

    function __linger_prompt --on-event fish_prompt
        builtin printf '\e]133;A\a'
        test -n "$__linger_nonce"; and builtin printf '\e]6973;%s;P;fish\a' "$__linger_nonce"
    end

    function __linger_preexec --on-event fish_preexec
        builtin printf '\e]133;C\a'
        test -n "$__linger_nonce"; and builtin printf '\e]6973;%s;C\a' "$__linger_nonce"
    end
end
