# linger: read what bash reads at startup, then linger's integration.
# (This file is given to bash with --init-file by the linger server.)
if [[ ${__LINGER_BASH_LOGIN-} == 1 ]]; then
	unset __LINGER_BASH_LOGIN
	[[ -r /etc/profile ]] && . /etc/profile
	if [[ -r ~/.bash_profile ]]; then . ~/.bash_profile
	elif [[ -r ~/.bash_login ]]; then . ~/.bash_login
	elif [[ -r ~/.profile ]]; then . ~/.profile
	fi
else
	[[ -r ~/.bashrc ]] && . ~/.bashrc
fi
