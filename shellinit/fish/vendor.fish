# linger: fish reads this because the linger server put its directory in
# XDG_DATA_DIRS. Put the user's XDG_DATA_DIRS back, then load linger's
# integration.
if set -q __LINGER_XDG_DATA_DIRS
    set -gx XDG_DATA_DIRS $__LINGER_XDG_DATA_DIRS
    set -e __LINGER_XDG_DATA_DIRS
else
    set -e XDG_DATA_DIRS
end
