#!/usr/bin/env bash
# virsh-menu.sh: the menu's commands over "ssh member@host CMD", each
# checked against libvirt's own view (virsh domstate/dominfo), and the
# privileged half's refusals (--list, --serve) with the real sudo.
# shellcheck source=lib.sh
. "$top_srcdir/tests/e2e/lib.sh"
# shellcheck source=virsh-menu-lib.sh
. "$top_srcdir/tests/e2e/virsh-menu-lib.sh"
e2e_require_root
e2e_require_cmd sudo sshd ssh virsh libvirtd qemu-system-x86_64 runuser \
    xmllint

t_need "libvirtd is up" start_libvirtd
t_need "menu world is set up" menu_setup
# The --serve half's audit lines, read where it sends them: /dev/log.
menu_syslog

bin=$top_builddir/virsh-menu

# ---- usage
t_check "--help" "$bin" --help
t_check "... shows the synopsis" grep -q '^usage: virsh-menu' "$T_OUT"
t_check "--version" "$bin" --version
t_check "... names the version" grep -q '^virsh-menu (vpshost) ' "$T_OUT"
t_check_rc "unknown option: exit 2" 2 "$bin" --bogus
t_check_rc "-c without a command: exit 2" 2 "$bin" -c

# ---- --list and --serve: only root under sudo, only one's own VPS
t_check "alice: sudo --list" as_member "$ALICE" sudo -n "$MENU" --list
t_eq "... prints exactly her VPS" "$A1 $A2" "$(xargs <"$T_OUT")"
t_check "bob: sudo --list" as_member "$BOB" sudo -n "$MENU" --list
t_eq "... prints exactly his VPS" "$B1" "$(xargs <"$T_OUT")"
t_check_rc "--list without sudo is refused" 1 as_member "$ALICE" "$MENU" --list
t_check "... saying why" grep -q 'refused' "$T_ERR"
t_check_rc "--list as root without SUDO_USER is refused" 1 \
    env -u SUDO_USER "$MENU" --list
t_check_fails "alice: sudo --serve bob's VPS is refused by sudo" \
    as_member "$ALICE" sudo -n "$MENU" --serve "$B1"
t_check_rc "--serve another member's VPS refused by the server" 1 \
    env SUDO_USER="$ALICE" "$MENU" --serve "$B1"
t_check "... naming the member and VPS" grep -q "$ALICE does not own a VPS named $B1" "$T_ERR"
t_check_rc "--serve of an unknown VPS refused" 1 \
    env SUDO_USER="$ALICE" "$MENU" --serve nosuchvps
t_check_rc "--serve with an invalid name refused" 2 \
    env SUDO_USER="$ALICE" "$MENU" --serve '../x'
t_check_rc "--serve without sudo is refused" 1 as_member "$ALICE" "$MENU" --serve "$A1"

# The protocol spoken directly through sudo, as a member could.
serve_a1() { printf '%s\n' "$@" | as_member "$ALICE" sudo -n "$MENU" --serve "$A1"; }
t_check "protocol: status" serve_a1 status
t_eq "... answers data lines and ok" "| State:          shut off|ok" \
    "$(grep -E '^(\| State:|ok)' "$T_OUT" | tr '\n' '|' | sed 's/|$//')"
t_check "protocol: hostile requests get err 2, the session goes on" \
    serve_a1 'bash' 'status; id' 'attach_iso ../../etc/shadow' \
    'attach_iso /etc/passwd' 'attach_iso a.iso/../x' "$(printf 'a\033[2J')" \
    'use other' status
cp "$T_OUT" "$E2E_TMP/proto.out"
t_eq "... seven errors" 7 "$(grep -c '^err 2 ' "$E2E_TMP/proto.out")"
t_check "... then the status" grep -q '^| State: ' "$E2E_TMP/proto.out"
t_check_fails "... nothing else" grep -v -e '^err 2 ' -e '^| ' -e '^ok$' "$E2E_TMP/proto.out"

# ---- every command over ssh, against virsh
t_check "status" ssh_as "$ALICE" status
t_eq "... state as virsh says" "$(dom_field "$A1" State)" "$(menu_field State)"
t_eq "... CPUs as virsh says" "$(dom_field "$A1" 'CPU(s)')" "$(menu_field 'CPU(s)')"
t_eq "... memory as virsh says" "$(dom_field "$A1" 'Max memory')" "$(menu_field 'Max memory')"
t_eq "... autostart as virsh says" "$(dom_field "$A1" Autostart)" "$(menu_field Autostart)"
t_eq "... no ISO" "(none)" "$(menu_field ISO)"
cp "$T_OUT" "$E2E_TMP/status.out"

# ---- info: the VPS's own facts, as libvirt has them, and nothing else
# (a NIC on an isolated network, so that there is a MAC to show)
info_fields() { sed 's/:.*//' "$T_OUT" | paste -sd,; }
disk_bytes() { e2e_virsh domblkinfo "$1" vda | sed -n 's/^Capacity: *//p'; }
INFO_FIELDS="Name,State,CPU(s),Max memory,Autostart,ISO,Disk size,MAC,SPICE port"
net=$(e2e_name net)
mac=52:54:00:5e:00:a1
t_need "isolated network" make_libvirt_net "$net"
printf "<interface type='network'><mac address='%s'/><source network='%s'/><model type='virtio'/></interface>\n" \
    "$mac" "$net" >"$E2E_TMP/nic.xml"
t_check "a NIC in the definition" e2e_virsh attach-device "$A1" "$E2E_TMP/nic.xml" --config
t_check "info (shut off)" ssh_as "$ALICE" info
t_eq "... exactly these facts" "$INFO_FIELDS" "$(info_fields)"
t_eq "... status's lines first" "$(cat "$E2E_TMP/status.out")" "$(head -n 6 "$T_OUT")"
t_eq "... disk size as virsh says" "$(disk_bytes "$A1")" \
    "$(menu_field 'Disk size' | sed -n 's/^16.0 MiB (\([0-9]*\) bytes)$/\1/p')"
t_eq "... the MAC of the definition" "$mac" "$(menu_field MAC)"
t_eq "... the SPICE port of the definition" "$PORT_A1" "$(menu_field 'SPICE port')"
t_check_fails "... no path of the host" grep -q / "$T_OUT"

t_check_rc "shutdown of a shut off VPS fails" 1 ssh_as "$ALICE" shutdown
t_check "... X is not running" grep -q "$A1 is not running" "$T_ERR"
t_check "start" ssh_as "$ALICE" start
t_eq "... Domain X started" "Domain $A1 started" "$(cat "$T_OUT")"
t_eq "... virsh: running" running "$(e2e_virsh domstate "$A1")"
t_check_rc "start again fails" 1 ssh_as "$ALICE" start
t_check "... already running" grep -q "$A1 is already running" "$T_ERR"
t_check "status says running" ssh_as "$ALICE" status
t_eq "... as virsh says" running "$(menu_field State)"
t_check "info (running)" ssh_as "$ALICE" info
cp "$T_OUT" "$E2E_TMP/info.out"
t_eq "... the same facts and the uptime" "$INFO_FIELDS,Uptime" "$(info_fields)"
t_eq "... running, as virsh says" "$(dom_field "$A1" State)" "$(menu_field State)"
t_eq "... the MAC of the running VPS" "$mac" "$(menu_field MAC)"
t_eq "... its SPICE port" "$PORT_A1" "$(menu_field 'SPICE port')"
t_check "... the uptime of a VPS just started" grep -Eq \
    '^Uptime: +0 days, [0-9]{2}:[0-9]{2}:[0-9]{2}$' "$E2E_TMP/info.out"
t_check_fails "... no path of the host" grep -q / "$E2E_TMP/info.out"
t_check "reset" ssh_as "$ALICE" reset
t_eq "... Domain X was reset" "Domain $A1 was reset" "$(cat "$T_OUT")"
t_eq "... still running" running "$(e2e_virsh domstate "$A1")"
t_check "reboot (ACPI)" ssh_as "$ALICE" reboot
t_eq "... is being rebooted" "Domain $A1 is being rebooted" "$(cat "$T_OUT")"
t_check "shutdown (ACPI)" ssh_as "$ALICE" shutdown
t_eq "... is being shutdown" "Domain $A1 is being shutdown" "$(cat "$T_OUT")"
t_check "poweroff" ssh_as "$ALICE" poweroff
t_eq "... Domain X destroyed" "Domain $A1 destroyed" "$(cat "$T_OUT")"
t_eq "... virsh: shut off" "shut off" "$(e2e_virsh domstate "$A1")"
t_check_rc "poweroff again fails" 1 ssh_as "$ALICE" poweroff

t_check "autostart toggles on" ssh_as "$ALICE" autostart
t_eq "... marked" "Domain $A1 marked as autostarted" "$(cat "$T_OUT")"
t_eq "... virsh: enable" enable "$(dom_field "$A1" Autostart)"
t_check "autostart toggles off" ssh_as "$ALICE" autostart
t_eq "... virsh: disable" disable "$(dom_field "$A1" Autostart)"
t_check "autostart on" ssh_as "$ALICE" autostart on
t_eq "... virsh: enable" enable "$(dom_field "$A1" Autostart)"
t_check "autostart on again stays on" ssh_as "$ALICE" autostart on
t_eq "... virsh: enable" enable "$(dom_field "$A1" Autostart)"
t_check "autostart off" ssh_as "$ALICE" autostart off
t_eq "... virsh: disable" disable "$(dom_field "$A1" Autostart)"
t_check_rc "autostart maybe: exit 2" 2 ssh_as "$ALICE" autostart maybe

# ---- attach_iso / detach_iso keep the boot order (as create-vps sets
# it: the cdrom first while it holds an ISO) and the SPICE password
iso=$ISODIR/boot.iso
: >"$iso"
chmod 0644 "$iso"
passwd=$(spice_passwd "$A1")
t_eq "defined: the disk boots first" disk "$(boot_first "$A1")"
t_check "attach_iso (shut off)" ssh_as "$ALICE" attach_iso boot.iso
t_eq "... Successfully inserted media." "Successfully inserted media." "$(cat "$T_OUT")"
t_eq "... in the definition" "$iso" "$(cdrom_source "$A1" --inactive)"
t_eq "... the cdrom boots first" cdrom "$(boot_first "$A1")"
t_eq "... the SPICE password is kept" "$passwd" "$(spice_passwd "$A1")"
t_check "status shows it" ssh_as "$ALICE" status
t_eq "... ISO: boot.iso" boot.iso "$(menu_field ISO)"
t_check "detach_iso (shut off)" ssh_as "$ALICE" detach_iso
t_eq "... Successfully ejected media." "Successfully ejected media." "$(cat "$T_OUT")"
t_eq "... gone from the definition" "-" "$(cdrom_source "$A1" --inactive)"
t_eq "... the disk boots first" disk "$(boot_first "$A1")"
t_check_rc "detach_iso again fails" 1 ssh_as "$ALICE" detach_iso
t_check "... nothing attached" grep -q "no ISO is attached to $A1" "$T_ERR"
t_check "start for the live case" ssh_as "$ALICE" start
t_check "attach_iso (running)" ssh_as "$ALICE" attach_iso boot.iso
t_eq "... in the running VPS" "$iso" "$(cdrom_source "$A1")"
t_eq "... and in the definition" "$iso" "$(cdrom_source "$A1" --inactive)"
t_eq "... the cdrom boots first" cdrom "$(boot_first "$A1")"
t_check "detach_iso (running)" ssh_as "$ALICE" detach_iso
t_eq "... gone from the running VPS" "-" "$(cdrom_source "$A1")"
t_eq "... and from the definition" "-" "$(cdrom_source "$A1" --inactive)"
t_eq "... the disk boots first" disk "$(boot_first "$A1")"
t_check "attach_iso again (running, started disk first)" ssh_as "$ALICE" attach_iso boot.iso
t_eq "... in the running VPS" "$iso" "$(cdrom_source "$A1")"
t_eq "... the cdrom boots first" cdrom "$(boot_first "$A1")"
t_eq "... the SPICE password is kept" "$passwd" "$(spice_passwd "$A1")"
t_check "poweroff" ssh_as "$ALICE" poweroff
t_check "detach_iso (shut off again)" ssh_as "$ALICE" detach_iso
t_eq "... the disk boots first" disk "$(boot_first "$A1")"

# ---- list, use, help
t_check "list" ssh_as "$ALICE" list
t_eq "... her VPS, first selected" "$A1 (selected)|$A2" \
    "$(sed 's/  */ /' "$T_OUT" | tr '\n' '|' | sed 's/|$//')"
t_check "use A2 start" ssh_as "$ALICE" use "$A2" start
t_eq "... A2 running" running "$(e2e_virsh domstate "$A2")"
t_eq "... A1 untouched" "shut off" "$(e2e_virsh domstate "$A1")"
t_check "use A2 poweroff" ssh_as "$ALICE" use "$A2" poweroff
t_eq "... A2 shut off" "shut off" "$(e2e_virsh domstate "$A2")"
t_check "use A2 (select only)" ssh_as "$ALICE" use "$A2"
t_check "help" ssh_as "$ALICE" help
t_eq "... one line per command" 23 "$(grep -c '^  [a-z_]' "$T_OUT")"
t_check "... info among them" grep -q '^  info  ' "$T_OUT"
t_check "quit" ssh_as "$ALICE" quit
t_check "an empty command does nothing" ssh_as "$ALICE" ''

# ---- isolation over ssh
t_check_rc "use bob's VPS: exit 2" 2 ssh_as "$ALICE" use "$B1" start
t_check "... not among hers" grep -q "no such VPS among yours" "$T_ERR"
t_check_rc "use bob's VPS info: exit 2" 2 ssh_as "$ALICE" use "$B1" info
t_check "... not among hers" grep -q "no such VPS among yours" "$T_ERR"
t_check_fails "... nothing of it shown" grep -q . "$T_OUT"
t_check "protocol: info takes no VPS name" serve_a1 "info $B1" info
t_eq "... refused, then her own VPS's facts" \
    "err 2 invalid request: this request takes no argument|| Name:           $A1" \
    "$(grep -E '^(err|\| Name:)' "$T_OUT" | tr '\n' '|' | sed 's/|$//')"
t_check_fails "... nothing of bob's" grep -q "$B1" "$T_OUT"
t_eq "... bob's VPS untouched" "shut off" "$(e2e_virsh domstate "$B1")"
t_check_rc "ssh alice bash: exit 2" 2 ssh_as "$ALICE" bash
t_check "... unknown command" grep -q "unknown command: bash" "$T_ERR"
t_check_rc "ssh alice /bin/sh -c id: exit 2" 2 ssh_as "$ALICE" /bin/sh -c id
t_check_rc "ssh alice 'status; id': exit 2" 2 ssh_as "$ALICE" 'status; id'
t_check_fails "... no id output" grep -q "uid=" "$T_OUT"
t_check_rc "ssh alice '\$(id)': exit 2" 2 ssh_as "$ALICE" '$(id)'
t_check_rc "bob: status of his own" 0 ssh_as "$BOB" status
t_check "... it is his" grep -q "^Name: *$B1\$" "$T_OUT"

# ---- the audit trail: every --serve action in syslog (authpriv.notice),
# with member, VPS, action and result
if [ -n "$syslog" ]; then
	audit=$E2E_TMP/audit
	syslog_lines "$syslog" | grep -F "<85>" | grep -F " virsh-menu[" |
	    sed -n 's/^.*\]: //p' >"$audit"
	audit_has() { grep -qxF "$1" "$audit"; }
	t_check "audit: alice's status" \
	    audit_has "member=$ALICE vps=$A1 action=status result=ok"
	t_check "audit: alice's info" \
	    audit_has "member=$ALICE vps=$A1 action=info result=ok"
	t_check "audit: alice's start" \
	    audit_has "member=$ALICE vps=$A1 action=start result=ok"
	t_check "audit: a failed start, with the reason" \
	    audit_has "member=$ALICE vps=$A1 action=start result=start: $A1 is already running"
	t_check "audit: use A2 start is logged for A2" \
	    audit_has "member=$ALICE vps=$A2 action=start result=ok"
	t_check "audit: --serve of bob's VPS refused" \
	    audit_has "member=$ALICE vps=$B1 action=serve result=refused"
	t_check "audit: hostile protocol lines" \
	    audit_has "member=$ALICE vps=$A1 action=invalid result=unknown request"
	t_check "audit: bob's status under his name" \
	    audit_has "member=$BOB vps=$B1 action=status result=ok"
	t_eq "audit: of alice on bob's VPS only the refusal" \
	    "member=$ALICE vps=$B1 action=serve result=refused" \
	    "$(grep -F "member=$ALICE vps=$B1 " "$audit" | sort -u)"
else
	t_skip "audit lines in syslog" "machine: a syslog daemon owns /dev/log"
fi

t_done
