#!/usr/bin/env bash
# members-access.sh: every member is confined by sshd, whether or not they
# own a VPS, from LDAP through vps-data-gen and sudoers-gen to a real sshd.
#
# Three members in a private slapd: alice and carol own a VPS, dave owns
# none. vps-data-gen writes vps.data and the members file; sudoers-gen
# writes a Match User block for each of the three. dave may forward
# nowhere (-W, -L and -R are refused: "administratively prohibited") and
# may run only "virsh-menu --list" with sudo. Then alice's last VPS is
# removed in LDAP: after the sync and an sshd reload she is confined like
# dave, not left with OpenSSH's defaults (under which -W reached any
# loopback service). Finally alice leaves LDAP: no block and no sudo rule
# is left for her.
. "$top_srcdir/tests/e2e/lib.sh"
e2e_require_root
e2e_require_cmd slapd ldapadd ldapdelete sudo visudo sshd socat

vdg=$top_builddir/vps-data-gen
gen=$top_builddir/sudoers-gen
alice=$(e2e_name a)
carol=$(e2e_name c)
dave=$(e2e_name d)
sudoers=/etc/sudoers.d/$(e2e_name rules | tr -d -- -)
conf=$E2E_TMP/vps.conf
data=$E2E_TMP/vps.data
members=$E2E_TMP/members
snippet=$E2E_TMP/sshd-vps.conf
aport=$(free_port)
cport=$(free_port)
while [ "$cport" = "$aport" ]; do cport=$(free_port); done
defer rm -f "$sudoers"

t_need "slapd starts with ldap/vps.ldif" start_slapd "$top_srcdir/ldap/vps.ldif"
cat >"$conf" <<EOC
[vps]
data = $data
members = $members
[access]
sudoers = $sudoers
sshd = $snippet
[ldap]
uri = $LDAP_URI
base = $LDAP_VPS_BASE
member_base = $LDAP_PEOPLE_BASE
bind_dn = $LDAP_READER_DN
bind_password_file = $LDAP_READER_PW_FILE
max_shrink_percent = 50
EOC

for u in "$alice" "$carol" "$dave"; do
	t_need "local account $u" add_member "$u" /bin/sh
done
# vps NAME OWNER PORT: a vpsInstance entry.
vps()
{
	printf 'dn: vpsName=%s,%s\nobjectClass: vpsInstance\nvpsName: %s\n' \
	    "$1" "$LDAP_VPS_BASE" "$1"
	printf 'vpsOwner: %s\nvpsVcpus: 1\nvpsMemory: 512\nvpsDisk: 5\n' "$2"
	printf 'vpsSpicePort: %s\n\n' "$3"
}
{
	for u in "$alice" "$carol" "$dave"; do
		printf 'dn: uid=%s,%s\nobjectClass: account\nobjectClass: posixAccount\n' "$u" "$LDAP_PEOPLE_BASE"
		printf 'uid: %s\ncn: %s\nuidNumber: %s\ngidNumber: %s\nhomeDirectory: /home/%s\n\n' \
		    "$u" "$u" "$(id -u "$u")" "$(id -g "$u")" "$u"
	done
	vps avm "$alice" "$aport"
	vps cvm "$carol" "$cport"
} >"$E2E_TMP/dir.ldif"
t_need "three members, two VPS in LDAP" ldap_add "$E2E_TMP/dir.ldif"

# sync: what the sync job runs. Once the test's sshd runs, sudoers-gen is
# told its configuration, and reloads it when the rules change.
sync_all()
{
	"$vdg" -c "$conf" &&
	    "$gen" -c "$conf" ${SSHD_CONFIG:+--sshd-config "$SSHD_CONFIG"}
}
# sshd hands its configuration to each connection's child: a changed
# snippet takes effect after SIGHUP, when sshd has re-executed itself
# and says so again.
listening() { grep -c 'Server listening on' "$SSHD_LOG"; }
sshd_listening() { [ "$(listening)" -gt "$1" ]; }
# block_of USER: USER's Match block in the snippet, without the Match line.
block_of()
{
	awk -v u="Match User $1" '$0 == u { on = 1; next }
	    /^Match / { on = 0 } on && NF' "$snippet"
}
# sudo_grant USER: the commands sudo -l lists for USER, ';'-separated.
sudo_grant()
{
	sudo -n -l -U "$1" | sed -n '/may run the following commands/,$p' |
	    tail -n +2 | sed 's/^ *//; s/^(root) NOPASSWD: //' | tr ',' '\n' |
	    sed 's/^ *//; s/ *$//; s|^.*/virsh-menu |virsh-menu |' | grep -v '^$' |
	    sort | tr '\n' ';'
}

t_check "sync" sync_all
t_eq "members file: every member, sorted" \
    "$(printf '%s\n' "$alice" "$carol" "$dave" | sort)" "$(grep -v '^#' "$members")"
t_eq "... mode 0640 root" "640 root" "$(stat -c '%a %U' "$members")"
t_check "sshd block for dave, who owns no VPS" grep -qx "Match User $dave" "$snippet"
t_eq "... forwarding nowhere, the menu forced" "$(printf '%s\n' \
    'AllowTcpForwarding no' 'PermitOpen none' 'PermitListen none' \
    'AllowStreamLocalForwarding no' 'AllowAgentForwarding no' \
    'X11Forwarding no' 'PermitTunnel no' 'PermitUserRC no')" \
    "$(block_of "$dave" | sed 's/^\t//' | grep -v '^ForceCommand')"
t_check "... ForceCommand virsh-menu" bash -c "awk -v u='Match User $dave' \
    '\$0 == u { on = 1; next } /^Match / { on = 0 } on' '$snippet' |
    grep -q '^	ForceCommand /.*/virsh-menu$'"
t_eq "sudo: dave may run only --list" "virsh-menu --list;" "$(sudo_grant "$dave")"
t_eq "sudo: alice --list and --serve avm" "virsh-menu --list;virsh-menu --serve avm;" \
    "$(sudo_grant "$alice")"

export SSHD_INCLUDE=$snippet
t_need "sshd with the generated rules" start_sshd
e2e_hold
socat "TCP-LISTEN:$aport,bind=127.0.0.1,reuseaddr,fork" \
    SYSTEM:'echo spice-stand-in' </dev/null >/dev/null 2>&1 8>&- 9>&- &
defer e2e_stop_pid $! "socat on $aport"
e2e_release
t_need "stand-in listener on alice's SPICE port" wait_for port_open "$aport"
t_check "alice -W to her port reaches it" ssh_as "$alice" -W "127.0.0.1:$aport"
t_check "... banner came through" grep -qx spice-stand-in "$T_OUT"

# confined USER: no -W, -L or -R anywhere, sshd's own port included.
confined()
{
	local u=$1 lport pid
	t_check_fails "$u -W to sshd's own port" ssh_as "$u" -o LogLevel=INFO \
	    -W "127.0.0.1:$SSHD_PORT"
	t_check "... administratively prohibited" grep -q 'administratively prohibited' "$T_ERR"
	t_check_fails "... no SSH banner came through" grep -q '^SSH-' "$T_OUT"
	t_check_fails "$u -W to alice's SPICE port" ssh_as "$u" -o LogLevel=INFO \
	    -W "127.0.0.1:$aport"
	t_check "... administratively prohibited" grep -q 'administratively prohibited' "$T_ERR"
	lport=$(free_port)
	: >"$E2E_TMP/ssh_bg.log"
	ssh_bg "$u" -o LogLevel=INFO -N -L "$lport:127.0.0.1:$SSHD_PORT"
	pid=$E2E_LAST_PID
	t_check "$u's ssh -N -L listens locally" wait_for port_open "$lport"
	t_eq "... but carries nothing" "" \
	    "$(timeout 10 bash -c "exec 3<>/dev/tcp/127.0.0.1/$lport && cat <&3")"
	t_check "... open failed: administratively prohibited" wait_for -t 10 \
	    grep -q 'open failed: administratively prohibited' "$E2E_TMP/ssh_bg.log"
	e2e_stop_pid "$pid" "ssh -L"
	# Where -R is allowed, ssh -N would run on: timeout ends it (124).
	t_check_rc "$u -R refused (ssh exits 255)" 255 timeout 20 \
	    ssh -F "$E2E_SSH_CONFIG" -l "$u" e2e -N -o ExitOnForwardFailure=yes \
	    -R "127.0.0.1:0:127.0.0.1:$aport"
	t_check "... remote port forwarding failed" grep -q 'forwarding failed' "$T_ERR"
}
confined "$dave"

# ---- alice's last VPS goes
t_need "remove alice's VPS from LDAP" ldap_delete "vpsName=avm,$LDAP_VPS_BASE"
before=$(listening)
t_check "sync" sync_all
t_check "... sudoers-gen says it reloaded sshd" grep -qx \
    "sudoers-gen: sshd reloaded" "$T_ERR"
t_check "... avm is gone from vps.data" bash -c "! grep -q '^avm:' '$data'"
t_check "... alice is still a member" grep -qx "$alice" "$members"
t_check "sshd has read its configuration again" wait_for sshd_listening "$before"
t_eq "alice's block: forwarding nowhere" "AllowTcpForwarding no;PermitOpen none;" \
    "$(block_of "$alice" | sed 's/^\t//' | grep -E '^(AllowTcp|PermitOpen)' | tr '\n' ';')"
t_check_fails "alice -W to her old SPICE port" ssh_as "$alice" -o LogLevel=INFO \
    -W "127.0.0.1:$aport"
t_check "... administratively prohibited" grep -q 'administratively prohibited' "$T_ERR"
t_check_fails "... the stand-in was not reached" grep -q spice-stand-in "$T_OUT"
confined "$alice"
t_eq "sudo: alice may run only --list" "virsh-menu --list;" "$(sudo_grant "$alice")"

# ---- alice leaves LDAP
t_need "remove alice from LDAP" ldap_delete "uid=$alice,$LDAP_PEOPLE_BASE"
t_check "sync" sync_all
t_check_fails "... alice is no member" grep -qx "$alice" "$members"
t_check_fails "... no sshd block for alice" grep -q "^Match User $alice\$" "$snippet"
t_check_fails "... no sudoers line names alice" grep -qw "$alice" "$sudoers"
t_check "sudo -l -U alice" sudo -n -l -U "$alice"
t_check "... alice may run nothing" grep -q "is not allowed to run sudo" "$T_OUT"
t_check "dave keeps his block" grep -qx "Match User $dave" "$snippet"
t_eq "carol keeps --serve cvm" "virsh-menu --list;virsh-menu --serve cvm;" \
    "$(sudo_grant "$carol")"
t_done
