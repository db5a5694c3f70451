# tools/lib.sh: what tools/check and tools/demo share.

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
		echo "$prog: run as root (sudo $0) to install them" >&2
		return 1
	fi
	echo "$prog: installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q &&
	    apt-get install -y -q --no-install-recommends "${missing[@]}" \
	    </dev/null
}
