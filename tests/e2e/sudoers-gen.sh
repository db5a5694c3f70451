#!/usr/bin/env bash
# sudoers-gen.sh: the generated rules, proven with the real sudo and sshd.
#
# Two member accounts own one VPS each. After sudoers-gen, sudo lets each
# run exactly "virsh-menu --list" and "virsh-menu --serve OWN_VPS"; the
# test sshd, which includes the generated snippet where Debian includes
# sshd_config.d, lets each forward only to their own SPICE port and forces
# the menu. Invalid data and a failing whole-configuration check leave the
# installed files as they were.
#
# The real virsh-menu is installed at BINDIR/virsh-menu (with its server
# and this test's configuration as the compiled-in one; whatever was there
# comes back at cleanup), so what sudo and sshd let run is the menu
# itself: --list and --serve answer as root, and the forced command is
# the menu refusing what is not a menu command.
#
# A system account (root, or any local uid below [access] min_uid) named
# as an owner in vps.data or in the members file, and an invalid members
# file, are refused with FILE:LINE and change nothing. (Members without a
# VPS, from LDAP to sshd, are tested in members-access.sh.)
. "$top_srcdir/tests/e2e/lib.sh"
# shellcheck source=virsh-menu-lib.sh
. "$top_srcdir/tests/e2e/virsh-menu-lib.sh"
e2e_require_root
e2e_require_cmd sudo visudo sshd runuser

gen=$top_builddir/sudoers-gen
alice=$(e2e_name a)
bob=$(e2e_name b)
sudoers=/etc/sudoers.d/$(e2e_name rules | tr -d -- -)
conf=$E2E_TMP/vps.conf
data=$E2E_TMP/vps.data
snippet=$E2E_TMP/sshd-vps.conf
aport=$(free_port)
bport=$(free_port)
while [ "$bport" = "$aport" ]; do bport=$(free_port); done

mkdir -m 0755 "$E2E_TMP/iso"
: >"$E2E_TMP/iso/test.iso"
cat >"$conf" <<EOC
[vps]
data = $data
members = $E2E_TMP/members
iso_dir = $E2E_TMP/iso
[access]
sudoers = $sudoers
sshd = $snippet
EOC
printf '%sweb:%s:1:256:1:%s\n%sweb:%s:1:256:1:%s\n' a "$alice" "$aport" \
    b "$bob" "$bport" >"$data"
defer rm -f "$sudoers"

menu=$("$gen" -c "$conf" -o - | sed -n 's/^Defaults!\([^ ]*\) .*/\1/p')
bindir=$(printf 'print-bindir:\n\t@echo $(bindir)\n' |
    make -s --no-print-directory -C "$top_builddir" -f Makefile -f - print-bindir | tail -n 1)
t_eq "menu path comes from the configured bindir" "$bindir/virsh-menu" "$menu"
install_menu()
{
	local sysconfdir
	sysconfdir=$(menu_make_var sysconfdir) || return 1
	[ -d "$sysconfdir/vps" ] || defer rmdir "$sysconfdir/vps"
	menu_put "$conf" "$sysconfdir/vps/vps.conf" 0644 && MENU=$menu menu_install
}
t_need "the real virsh-menu is installed" install_menu

t_need "members exist" add_member "$alice" /bin/sh
t_need "second member" add_member "$bob" /bin/sh

# ---- usage
t_check "--help" "$gen" --help
t_check "... shows the synopsis" grep -q '^usage: sudoers-gen' "$T_OUT"
t_check "--version" "$gen" --version
t_check_rc "unknown option: exit 2" 2 "$gen" --bogus
t_check_rc "stray argument: exit 2" 2 "$gen" -c "$conf" extra
t_check_rc "missing config file: exit 1" 1 "$gen" -c "$E2E_TMP/none.conf"
t_check "... names the file" grep -q "none.conf" "$T_ERR"

# ---- install
t_check "sudoers-gen installs" "$gen" -c "$conf"
t_eq "sudoers mode and owner" "440 root:root" "$(stat -c '%a %U:%G' "$sudoers")"
t_eq "sshd rules mode" "644" "$(stat -c %a "$snippet")"
t_check "visudo accepts the whole configuration" visudo -c -q
t_check "no temporary file left" test -z "$(find /etc/sudoers.d "$E2E_TMP" \
    -maxdepth 1 -name '.*.*' -newer "$conf")"

# ---- what sudo grants
t_check "sudo -l -U alice" sudo -n -l -U "$alice"
# Every line of the grant, with "(root) NOPASSWD: " taken off where it
# stands (any other grant would show with its prefix), one command each.
cmds=$(sed -n '/may run the following commands/,$p' "$T_OUT" | tail -n +2 |
    sed 's/^ *//; s/^(root) NOPASSWD: //' | tr ',' '\n' |
    sed 's/^ *//; s/ *$//' | grep -v '^$' | sort | tr '\n' ';')
t_eq "alice may run exactly --list and --serve aweb" \
    "$menu --list;$menu --serve aweb;" "$cmds"
as_alice() { runuser -u "$alice" -- "$@"; }
serve_aweb() { printf 'isos\n' | as_alice sudo -n "$menu" --serve aweb; }
t_check "alice: --serve aweb runs" serve_aweb
t_eq "... as root for aweb: it answers from the ISO library" "| test.iso ok" \
    "$(xargs <"$T_OUT")"
t_check "alice: --list runs" as_alice sudo -n "$menu" --list
t_eq "... and prints her VPS" aweb "$(cat "$T_OUT")"
t_check_fails "alice: --serve bweb refused" as_alice sudo -n "$menu" --serve bweb
t_check_fails "alice: --serve aweb extra refused" as_alice sudo -n "$menu" --serve aweb extra
t_check_fails "alice: menu without arguments refused" as_alice sudo -n "$menu"
t_check_fails "alice: sudo -s refused" as_alice sudo -n -s
t_check_fails "alice: other command refused" as_alice sudo -n /bin/true
t_check_fails "alice: sudo -E refused" as_alice sudo -n -E "$menu" --list
t_check_fails "alice: variable passing refused" as_alice sudo -n FOO=1 "$menu" --list

# ---- unchanged data: same bytes, same mtime
before=$(stat -c '%Y.%y %i' "$sudoers" "$snippet"; sha256sum "$sudoers" "$snippet")
sleep 1
t_check "second run" "$gen" -c "$conf"
t_check "second run prints nothing (cron mails output)" test ! -s "$T_ERR" -a ! -s "$T_OUT"
after=$(stat -c '%Y.%y %i' "$sudoers" "$snippet"; sha256sum "$sudoers" "$snippet")
t_eq "files byte- and mtime-identical" "$before" "$after"
t_check "--check: up to date" "$gen" -c "$conf" --check

# ---- hostile data never reaches the rules
sum=$(sha256sum "$sudoers" "$snippet")
for bad in "ALL:$alice:1:256:1:7001" "x:ALL:1:256:1:7001" "x:%wheel:1:256:1:7001" \
    "x:a,b:1:256:1:7001" "x:#include:1:256:1:7001" \
    "x:$alice ALL=(ALL) ALL:1:256:1:7001" \
    "$(printf 'x%.0s' $(seq 40)):$alice:1:256:1:7001"; do
	cp "$data" "$data.good"
	printf '%s\n' "$bad" >>"$data"
	t_check_rc "refused: $bad" 2 "$gen" -c "$conf"
	t_check "... naming file:line" grep -q "vps.data:3: " "$T_ERR"
	mv "$data.good" "$data"
done
# A newline in a name splits it into two lines, the first one invalid.
cp "$data" "$data.good"
printf 'c\nweb:%s:1:256:1:7002\n' "$alice" >>"$data"
t_check_rc "refused: name split by a newline" 2 "$gen" -c "$conf"
mv -f "$data.good" "$data"
t_eq "installed files untouched" "$sum" "$(sha256sum "$sudoers" "$snippet")"

# ---- system accounts never get rules: a Match block with a forced
# command would lock root out of ssh
cp "$data" "$data.good"
printf 'x:root:1:256:1:7001\n' >>"$data"
t_check_rc "owner root: refused, exit 2" 2 "$gen" -c "$conf"
t_check "... naming file:line and the uid" grep -q \
    "vps.data:3: owner 'root' is a system account (uid 0 < 1000)" "$T_ERR"
mv -f "$data.good" "$data"
auid=$(id -u "$alice")
# [access] is the last group of the configuration.
{ cat "$conf"; printf 'min_uid = %s\n' $((auid + 1)); } >"$E2E_TMP/minuid.conf"
t_check_rc "min_uid above alice's uid: refused, exit 2" 2 "$gen" -c "$E2E_TMP/minuid.conf"
t_check "... names her line and uid" grep -q \
    "vps.data:1: owner '$alice' is a system account (uid $auid < $((auid + 1)))" "$T_ERR"
printf '# members\n%s\nroot\n' "$alice" >"$E2E_TMP/members"
t_check_rc "member root in the members file: refused, exit 2" 2 "$gen" -c "$conf"
t_check "... naming file:line" grep -q \
    "members:3: member 'root' is a system account (uid 0 < 1000)" "$T_ERR"
printf '%s\nALL\n' "$alice" >"$E2E_TMP/members"
t_check_rc "invalid members file: refused, exit 2" 2 "$gen" -c "$conf"
t_check "... naming file:line" grep -q "members:2: invalid user name" "$T_ERR"
printf '%s\n%s\n' "$bob" "$bob" >"$E2E_TMP/members"
t_check_rc "a member twice: refused, exit 2" 2 "$gen" -c "$conf"
t_check "... naming file:line" grep -q "members:2: member '$bob' is also on line 1" "$T_ERR"
rm -f "$E2E_TMP/members"
t_eq "installed files untouched" "$sum" "$(sha256sum "$sudoers" "$snippet")"
t_check "--check: a missing members file is no member more" "$gen" -c "$conf" --check

# ---- a VPS of another host: forwarding to its host's SPICE address, and
# only once vps.conf has its [host NAME]
cp "$data" "$data.good"
printf 'cweb:%s:1:256:1:7004:hv2\n' "$bob" >>"$data"
t_check_rc "a VPS on a host vps.conf lacks: refused, exit 2" 2 "$gen" -c "$conf"
t_check "... naming file:line, the VPS and the host" grep -q \
    "vps.data:3: VPS cweb is on host hv2, which has no \\[host hv2\\] group" "$T_ERR"
{ cat "$conf"; printf '[host hv2]\nuri = qemu+tcp://127.0.0.1:1/system\nspice_listen = 127.0.0.2\n'; } \
    >"$E2E_TMP/hosts.conf"
t_check "with [host hv2] it is accepted" "$gen" -c "$E2E_TMP/hosts.conf" -o -
cp "$T_OUT" "$E2E_TMP/hosts.out"
t_check "... bob may forward to 127.0.0.2:7004, not the loopback's" grep -qx \
    "	PermitOpen 127.0.0.1:$bport localhost:$bport 127.0.0.2:7004" \
    "$E2E_TMP/hosts.out"
t_check "... and serve cweb like any VPS of his" grep -q -- "--serve cweb" \
    "$E2E_TMP/hosts.out"
mv -f "$data.good" "$data"
t_eq "installed files untouched" "$sum" "$(sha256sum "$sudoers" "$snippet")"

# ---- a failing whole-configuration check restores the old file
printf '%sweb:%s:1:256:1:%s\n' c "$bob" 7003 >>"$data"
t_check_rc "--check: stale after a data change" 1 "$gen" -c "$conf" --check
broken=/etc/sudoers.d/$(e2e_name broken | tr -d -- -)
defer rm -f "$broken"
printf 'this is not sudoers syntax\n' >"$broken"
chmod 0440 "$broken"
t_check_rc "install refused while sudo's configuration is broken" 1 "$gen" -c "$conf"
rm -f "$broken"
t_eq "old sudoers rules restored" "$sum" "$(sha256sum "$sudoers" "$snippet")"
t_check "visudo accepts the configuration again" visudo -c -q
# A site file that defines the alias the rules use: refused the same way,
# and the error says what clashed.
printf 'User_Alias VPSHOST_MEMBERS = root\n' >"$broken"
chmod 0440 "$broken"
t_check_rc "install refused while another file defines VPSHOST_MEMBERS" 1 \
    "$gen" -c "$conf"
t_check "... naming the alias" grep -q 'VPSHOST_MEMBERS.*already defined' "$T_ERR"
rm -f "$broken"
t_eq "old sudoers rules restored" "$sum" "$(sha256sum "$sudoers" "$snippet")"
sed -i '$d' "$data"

# ---- sshd: forwarding only to the member's own SPICE port
export SSHD_INCLUDE=$snippet
t_need "sshd with the generated rules" start_sshd
# A stand-in for alice's SPICE server answers with a banner; an allowed
# forward reaches it, a forbidden one is refused by policy ("administratively
# prohibited") before any connection is made.
t_need "socat is installed" command -v socat
e2e_hold
socat "TCP-LISTEN:$aport,bind=127.0.0.1,reuseaddr,fork" \
    SYSTEM:'echo spice-stand-in' </dev/null >/dev/null 2>&1 8>&- 9>&- &
defer e2e_stop_pid $! "socat on $aport"
e2e_release
t_need "stand-in listener on alice's port" wait_for port_open "$aport"
t_check "alice -W to her port reaches it" ssh_as "$alice" -W "127.0.0.1:$aport"
t_check "... banner came through" grep -qx spice-stand-in "$T_OUT"
t_check "alice -W to localhost:her port" ssh_as "$alice" -W "localhost:$aport"
t_check "... banner came through" grep -qx spice-stand-in "$T_OUT"
lport=$(free_port)
ssh_bg "$alice" -N -o ExitOnForwardFailure=yes -L "$lport:127.0.0.1:$aport"
t_check "alice's ssh -N -L tunnel is up" wait_for port_open "$lport"
t_eq "... and carries her SPICE port" spice-stand-in \
    "$(timeout 10 bash -c "exec 3<>/dev/tcp/127.0.0.1/$lport && cat <&3")"
t_check_fails "alice -W to bob's port" ssh_as "$alice" -o LogLevel=INFO -W "127.0.0.1:$bport"
t_check "... administratively prohibited" grep -q 'administratively prohibited' "$T_ERR"
t_check_fails "alice -W to sshd's own port" ssh_as "$alice" -o LogLevel=INFO -W "127.0.0.1:$SSHD_PORT"
t_check "... administratively prohibited" grep -q 'administratively prohibited' "$T_ERR"
t_check_fails "alice -R refused" ssh_as "$alice" -N -o ExitOnForwardFailure=yes \
    -R "127.0.0.1:0:127.0.0.1:$aport"
t_check_rc "alice: a command runs the menu instead (exit 2)" 2 ssh_as "$alice" id -un
cp "$T_OUT" "$E2E_TMP/forced.out"
cp "$T_ERR" "$E2E_TMP/forced.err"
t_check "... the forced command ran: the menu refused it" \
    grep -q "unknown command: id" "$E2E_TMP/forced.err"
t_check_fails "... id did not run" grep -q . "$E2E_TMP/forced.out"
t_check "alice: a menu command runs" ssh_as "$alice" list
t_eq "... the menu's list" "aweb (selected)" "$(sed 's/  */ /' "$T_OUT")"
home=$(getent passwd "$alice" | cut -d: -f6)
printf '#!/bin/sh\ntouch %s/rc-ran\n' "$home" >"$home/.ssh/rc"
chown "$alice" "$home/.ssh/rc"
t_check "alice logs in with an ~/.ssh/rc" ssh_as "$alice" list
t_check_fails "... ~/.ssh/rc never ran" test -e "$home/rc-ran"
t_check_fails "sftp does not reach a file server" \
    sftp -F "$E2E_SSH_CONFIG" -o User="$alice" -b - e2e <<<'ls /'
t_done
