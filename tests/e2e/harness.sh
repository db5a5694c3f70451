#!/bin/bash
# tests/e2e/harness.sh: self-test of tests/e2e/lib.sh.
#
# Starts every component the e2e tests use and proves each with its real
# client: slapd (ldapadd/ldapsearch, size limit, paging), libvirtd (a TCG
# domain with SPICE on loopback), LVM on a loop device, sshd with member
# accounts; then runs the cleanup and checks that nothing is left.
#
# With E2E_HARNESS_STATE=FILE (used by harness-kill.sh) it writes what it
# created to FILE once everything is up and waits there to be killed.

# File-wide: some variables (E2E_SLAPD_SIZELIMIT, SSHD_INCLUDE) are read by
# lib.sh, and the helpers below are only called through t_check.
# shellcheck disable=SC2034,SC2317
# shellcheck source=lib.sh
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"

e2e_require_root
e2e_require_cmd slapd ldapsearch libvirtd virsh qemu-system-x86_64 lvm \
    losetup sshd ssh useradd spicy-screenshot

# True if a QEMU process for domain $1 is still around.
qemu_running()
{
	pgrep -f "guest=$1," >/dev/null
}

# True while loop device $1 is backed by file $2.
loop_backs()
{
	[ "$(losetup -n -O BACK-FILE "$1" 2>/dev/null | xargs)" = "$2" ]
}

shells_before=$(cat /etc/shells)
[ -d /run/sshd ] && privsep_before=yes || privsep_before=no

# ---- lib basics

t_check_fails "free_port gives a closed port" port_open "$(free_port)"
t_check_rc "wait_for gives up" 1 wait_for -t 1 false

# ---- slapd

# Five entries is the limit: the seven accounts below exceed it.
E2E_SLAPD_SIZELIMIT=5
t_need "slapd starts" start_slapd "$top_srcdir/ldap/vps.ldif"

# A posixAccount member entry, as vps-data-gen will read them.
ldif_member()
{
	cat <<-EOF
	dn: uid=$1,$LDAP_PEOPLE_BASE
	objectClass: inetOrgPerson
	objectClass: posixAccount
	uid: $1
	cn: $1
	sn: $1
	uidNumber: $2
	gidNumber: $2
	homeDirectory: /home/$1
	loginShell: /bin/sh

	EOF
}

ldif_member alice 20001 >"$E2E_TMP/alice.ldif"
t_check "ldapadd of a posixAccount" ldap_add "$E2E_TMP/alice.ldif"
t_check "ldapsearch finds it" ldap_search -b "$LDAP_PEOPLE_BASE" "(uid=alice)" uidNumber
t_eq "with its uidNumber" "uidNumber: 20001" "$(grep '^uidNumber:' "$T_OUT")"

t_check "vps schema is loaded" ldap_config_search \
    -b cn=schema,cn=config "(olcObjectClasses=*vpsInstance*)" dn
t_eq "vpsInstance is defined" 1 "$(grep -c '^dn:' "$T_OUT")"

for i in 2 3 4 5 6 7; do
	ldif_member "user$i" "2000$i"
done >"$E2E_TMP/more.ldif"
t_check "ldapadd of six more accounts" ldap_add "$E2E_TMP/more.ldif"
t_check_rc "sizelimit 5: plain search gets rc 4" 4 \
    ldap_search_reader -b "$LDAP_PEOPLE_BASE" "(objectClass=posixAccount)" uid
t_check_rc "sizelimit 5: anonymous search gets rc 4" 4 \
    env LDAPNOINIT=1 ldapsearch -x -LLL -H "$LDAP_URI" \
    -b "$LDAP_PEOPLE_BASE" "(objectClass=posixAccount)" uid
t_check "sizelimit 5: paged search succeeds" ldap_search_reader \
    -E pr=2/noprompt -b "$LDAP_PEOPLE_BASE" "(objectClass=posixAccount)" uid
t_eq "paged search returns all 7" 7 "$(grep -c '^uid:' "$T_OUT")"
t_check "rootdn is not limited" ldap_search -b "$LDAP_PEOPLE_BASE" \
    "(objectClass=posixAccount)" uid
t_eq "rootdn search returns all 7" 7 "$(grep -c '^uid:' "$T_OUT")"

# ---- libvirt

t_need "libvirtd is up" start_libvirtd
t_check "virsh version" e2e_virsh version
diag "$(grep -i 'running hypervisor' "$T_OUT")"

# The smallest domain the tools will make: TCG, no disk, SPICE on loopback.
dom=$(e2e_name probe)
spice_port=$(free_port)
cat >"$E2E_TMP/dom.xml" <<EOF
<domain type='qemu'>
  <name>$dom</name>
  <memory unit='MiB'>64</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
  <devices>
    <graphics type='spice' port='$spice_port' autoport='no' listen='127.0.0.1'>
      <listen type='address' address='127.0.0.1'/>
    </graphics>
    <video><model type='qxl'/></video>
  </devices>
</domain>
EOF
defer e2e_forget_domain "$dom"
t_check "define a TCG domain with SPICE" e2e_virsh define "$E2E_TMP/dom.xml"
t_check "start it" e2e_virsh start "$dom"
t_check "domstate is running" e2e_virsh domstate "$dom"
t_eq "domstate says running" running "$(head -n1 "$T_OUT")"
t_check "SPICE listens on 127.0.0.1:$spice_port" wait_for port_open "$spice_port"
t_check "spicy-screenshot reads the display" spicy-screenshot \
    -h 127.0.0.1 -p "$spice_port" -o "$E2E_TMP/screen.ppm"
t_check "screenshot is a PPM image" grep -q '^P6' "$E2E_TMP/screen.ppm"
t_check "destroy it" e2e_virsh destroy "$dom"
t_check "undefine it" e2e_virsh undefine "$dom"
t_check_rc "it is gone" 1 e2e_virsh dominfo "$dom"

net=$(e2e_name net)
t_check "isolated libvirt network" make_libvirt_net "$net"
t_check "network is active" e2e_virsh net-info "$net"
t_check "network reports active" grep -Eq '^Active: +yes' "$T_OUT"

# ---- LVM

vg=$(e2e_name vg)
t_need "VG on a loop device" make_vg "$vg" 64
t_check "lvcreate -L 8M" lvm_e2e lvcreate -q -L 8M -n lv1 "$vg"
t_check "lvs shows the LV" lvm_e2e lvs --noheadings -o lv_name,lv_size \
    --units m "$vg"
t_eq "lvs lists lv1 of 8 MiB" "lv1 8.00m" "$(xargs <"$T_OUT")"
t_check "lvremove" lvm_e2e lvremove -q -y "$vg/lv1"
t_check "lvs shows no LV" lvm_e2e lvs --noheadings -o lv_name "$vg"
t_eq "VG is empty again" "" "$(xargs <"$T_OUT")"

# ---- sshd and members

m1=$(e2e_name m1)
m2=$(e2e_name m2)
# A shell not in /etc/shells, so add_member must add and remove it.
mkdir -m 0755 "$E2E_TMP/bin"
cp /bin/dash "$E2E_TMP/bin/e2e-sh"
# The generated sshd snippet has Match User blocks: one for m2 here.
cat >"$E2E_TMP/match.conf" <<EOF
Match User $m2
    ForceCommand /bin/echo forced-$m2
EOF
SSHD_INCLUDE=$E2E_TMP/match.conf
t_need "sshd starts" start_sshd
t_need "add_member with /bin/sh" add_member "$m1" /bin/sh
t_need "add_member with a new shell" add_member "$m2" "$E2E_TMP/bin/e2e-sh"
t_check "new shell is in /etc/shells" grep -qxF "$E2E_TMP/bin/e2e-sh" /etc/shells
t_check "ssh_as member id -un" ssh_as "$m1" id -un
t_eq "ssh runs as the member" "$m1" "$(cat "$T_OUT")"
t_check "ssh_as the Match User member" ssh_as "$m2" id -un
t_eq "included Match block forces its command" "forced-$m2" "$(cat "$T_OUT")"
t_check_rc "root cannot log in" 255 ssh_as root true

# ---- kill test hook (harness-kill.sh)

# Leave things busy, as a test killed half-way would: a running domain, an
# LV in the VG, a member logged in.
leave_busy()
{
	dom=$(e2e_name busy)
	sed "s/<name>.*</<name>$dom</" "$E2E_TMP/dom.xml" >"$E2E_TMP/busy.xml"
	defer e2e_forget_domain "$dom"
	e2e_virsh define "$E2E_TMP/busy.xml" && e2e_virsh start "$dom" &&
	    lvm_e2e lvcreate -q -L 8M -n busy "$vg" || return 1
	ssh_bg "$m1" sleep 600
	session=$E2E_LAST_PID
	wait_for pgrep -u "$m1" -x sleep
}

if [ -n "${E2E_HARNESS_STATE:-}" ]; then
	t_need "leave things busy" leave_busy
	{
		echo "tmp $E2E_TMP"
		echo "pids $SLAPD_PID $SSHD_PID $session $LIBVIRTD_PID $VIRTLOGD_PID"
		echo "users $m1 $m2"
		echo "vg $vg"
		echo "loop $E2E_VG_DEV"
		echo "domain $dom"
		echo "net $net"
		echo "shell $E2E_TMP/bin/e2e-sh"
	} >"$E2E_HARNESS_STATE.tmp"
	mv "$E2E_HARNESS_STATE.tmp" "$E2E_HARNESS_STATE"
	wait_for -t 120 false	# until killed
	bail_out "harness-kill.sh did not kill us"
fi

# ---- cleanup leaves nothing behind

loopdev=$E2E_VG_DEV
own_pids="$SLAPD_PID $SSHD_PID $LIBVIRTD_PID $VIRTLOGD_PID"
t_cleanup

# shellcheck disable=SC2086 # a list of pids
t_check_fails "daemons we started are gone" any_alive $own_pids
t_check_fails "member 1 is gone" getent passwd "$m1"
t_check_fails "member 2 is gone" getent passwd "$m2"
t_check_fails "member homes are gone" ls -d "/home/$m1" "/home/$m2"
t_eq "/etc/shells is as before" "$shells_before" "$(cat /etc/shells)"
t_eq "/run/sshd is as before" "$privsep_before" \
    "$([ -d /run/sshd ] && echo yes || echo no)"
t_check_fails "VG is gone" vg_exists "$vg"
t_check_fails "loop device is detached" loop_backs "$loopdev" "$E2E_TMP/lvm-$vg.img"
t_check_fails "domain is gone" ls "/etc/libvirt/qemu/$dom.xml"
t_check_fails "QEMU process is gone" qemu_running "$dom"
t_check_fails "network is gone" ls "/etc/libvirt/qemu/networks/$net.xml"
t_check_fails "SPICE port is closed" port_open "$spice_port"
t_check_fails "QEMU log is gone" ls "/var/log/libvirt/qemu/$dom.log"

t_done
