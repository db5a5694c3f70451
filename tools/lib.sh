# tools/lib.sh: what tools/check and tools/demo share.

# become_root ARGS...: the README's two commands are "sudo tools/demo" and
# "sudo tools/check", and both work from a sudo user's shell and from a
# root shell.  As root this returns at once (install_deps then installs
# sudo with the rest, so on a fresh Debian, where the newcomer is root and
# sudo is not installed yet, "tools/demo" and "tools/check" are the same
# commands).  As anyone else the script runs itself again through sudo
# (with sudo's usual environment reset), or, without sudo, says to run it
# from a root shell.  Call it with the script's arguments ("$@").
become_root()
{
	[ "$(id -u)" -eq 0 ] && return 0
	if command -v sudo >/dev/null 2>&1; then
		exec sudo -- "$0" "$@"
	fi
	echo "$prog: must run as root, and sudo is not installed" >&2
	echo "$prog: run it from a root shell (su -) as:" \
	    "cd $top && $prog${*:+ $*}   (it installs sudo itself)" >&2
	exit 1
}

# Installs the Debian packages of tools/deps that are missing (given
# kinds: build, test). Needs root when anything is missing.
install_deps()
{
	local kinds=$1 missing=() kind pkg
	while read -r kind pkg; do
		case "$kind" in ''|'#'*) continue ;; esac
		case " $kinds " in *" $kind "*) ;; *) continue ;; esac
		dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null |
		    grep -q 'install ok installed' || missing+=("$pkg")
	done < "$top/tools/deps"
	[ ${#missing[@]} -eq 0 ] && return 0
	if [ "$(id -u)" -ne 0 ]; then
		echo "$prog: missing Debian packages: ${missing[*]}" >&2
		echo "$prog: run as root to install them" >&2
		return 1
	fi
	echo "$prog: installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q &&
	    apt-get install -y -q --no-install-recommends "${missing[@]}" \
	    </dev/null
}
