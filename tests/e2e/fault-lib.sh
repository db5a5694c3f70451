# tests/e2e/fault-lib.sh: shared pieces of the fault injection tests
# (fault-*.sh), sourced after lib.sh.
#
#   fault_conf FILE DATA [SUDOERS [SSHD]]  a vps.conf; [ldap] if slapd runs
#   fault_ldif_members N                   LDIF of members m0..m(N-1)
#   fault_ldif_vps FROM TO [MEMBERS]       LDIF of VPS vFROM..v(TO-1)
#   fault_rules_data FILE N [TAG]          a vps.data of N VPS for sudoers-gen
#   fault_sshd_ok SNIPPET                  sshd -t accepts the snippet
#   fault_no_temp FILE                     no ".FILE.*" temp file beside FILE
#   fault_fill DIR FREE_KIB                fill DIR's file system, leaving
#                                          FREE_KIB free (file DIR/filler)
# shellcheck shell=bash

# fault_conf FILE DATA [SUDOERS [SSHD]]
fault_conf()
{
	{
		printf '[vps]\ndata = %s\nmembers = %s/members\n' "$2" \
		    "$(dirname "$2")"
		printf '[spice]\nport_min = 20000\nport_max = 29999\n'
		printf '[access]\nsudoers = %s\nsshd = %s\n' \
		    "${3:-/nonexistent/sudoers}" "${4:-}"
		[ -z "${LDAP_URI:-}" ] || cat <<-EOC
		[ldap]
		uri = $LDAP_URI
		base = $LDAP_VPS_BASE
		member_base = $LDAP_PEOPLE_BASE
		bind_dn = $LDAP_READER_DN
		bind_password_file = $LDAP_READER_PW_FILE
		page_size = 500
		EOC
	} >"$1"
}

fault_ldif_members()
{
	local i
	for ((i = 0; i < $1; i++)); do
		printf 'dn: uid=m%d,%s\nobjectClass: account\nobjectClass: posixAccount\n' \
		    "$i" "$LDAP_PEOPLE_BASE"
		printf 'uid: m%d\ncn: m%d\nuidNumber: %d\ngidNumber: %d\nhomeDirectory: /home/m%d\n\n' \
		    "$i" "$i" $((20000 + i)) $((20000 + i)) "$i"
	done
}

fault_ldif_vps()
{
	local i members=${3:-10}
	for ((i = $1; i < $2; i++)); do
		printf 'dn: vpsName=v%d,%s\nobjectClass: vpsInstance\nvpsName: v%d\n' \
		    "$i" "$LDAP_VPS_BASE" "$i"
		printf 'vpsOwner: m%d\nvpsVcpus: 1\nvpsMemory: 512\nvpsDisk: 5\n\n' \
		    $((i % members))
	done
}

# fault_rules_data FILE N [TAG]: N VPS of N/2 members; TAG changes the
# names, so two TAGs give two different sets of rules.
fault_rules_data()
{
	local i tag=${3:-a}
	for ((i = 0; i < $2; i++)); do
		printf '%s%d:m%s%d:1:256:1:%d\n' "$tag" "$i" "$tag" $((i / 2)) \
		    $((20000 + i))
	done >"$1"
}

# fault_sshd_ok SNIPPET: sshd -t accepts a configuration that includes
# SNIPPET where Debian's sshd_config includes sshd_config.d/*.conf.
fault_sshd_ok()
{
	local wrapper=$E2E_TMP/fault-sshd_config k args=()
	printf 'Include %s\n' "$1" >"$wrapper"
	for k in /etc/ssh/ssh_host_*_key; do
		args+=(-o "HostKey=$k")
	done
	[ -d /run/sshd ] || { mkdir -m 0755 /run/sshd && defer rmdir /run/sshd; }
	/usr/sbin/sshd -t -f "$wrapper" "${args[@]}"
}

# fault_no_temp FILE: prints any temp file of FILE and fails if there is one.
fault_no_temp()
{
	local left
	left=$(find "$(dirname "$1")" -maxdepth 1 -name ".$(basename "$1").*")
	[ -z "$left" ] && return 0
	printf 'left behind: %s\n' "$left" >&2
	return 1
}

# fault_fill DIR FREE_KIB: fill the file system of DIR (a tmpfs) with
# DIR/filler, then give back FREE_KIB.
fault_fill()
{
	dd if=/dev/zero of="$1/filler" bs=64k status=none 2>/dev/null
	truncate -s "-$2K" "$1/filler"
}
