# linger: zsh reads this first because the linger server set ZDOTDIR to
# its directory. Put the user's ZDOTDIR back (zsh then reads the user's
# .zprofile, .zshrc and .zlogin as usual), read the user's .zshenv, and
# load linger's integration (its hooks run from the first prompt on).
if [[ -n ${__LINGER_ZDOTDIR+x} ]]; then
	ZDOTDIR=$__LINGER_ZDOTDIR
	unset __LINGER_ZDOTDIR
else
	unset ZDOTDIR
fi
[[ -r ${ZDOTDIR:-$HOME}/.zshenv ]] && builtin source ${ZDOTDIR:-$HOME}/.zshenv
