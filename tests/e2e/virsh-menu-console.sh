#!/usr/bin/env bash
# virsh-menu-console.sh: console tickets proven with a real SPICE client
# through the member's ssh tunnel: the shown password opens the screen, a
# new ticket ends the previous one, an expired one (ticket_minutes = 1)
# is refused; and attach_iso of a bootable ISO made here plus reset
# changes the screen, checked against virsh domblklist.
# shellcheck source=lib.sh
. "$top_srcdir/tests/e2e/lib.sh"
# shellcheck source=virsh-menu-lib.sh
. "$top_srcdir/tests/e2e/virsh-menu-lib.sh"
e2e_require_root
e2e_require_cmd sudo sshd ssh virsh libvirtd qemu-system-x86_64 \
    spicy-screenshot grub-mkrescue xorriso

t_need "libvirtd is up" start_libvirtd
t_need "menu world is set up" menu_setup 1

# A bootable ISO whose GRUB menu waits forever: a screen that differs.
mkdir -p "$E2E_TMP/isoroot/boot/grub"
printf 'set timeout=-1\nmenuentry "vpshost e2e ISO" { true }\n' \
    >"$E2E_TMP/isoroot/boot/grub/grub.cfg"
t_need "grub-mkrescue makes a bootable ISO" grub-mkrescue -o "$ISODIR/grub.iso" \
    "$E2E_TMP/isoroot"
chmod 0644 "$ISODIR/grub.iso"

t_check_rc "console of a shut off VPS" 1 ssh_as "$ALICE" console
t_check "... says start it first" grep -q "start it first" "$T_ERR"
t_check "start" ssh_as "$ALICE" start

# ticket: issue one, leave PASS and PORT.
ticket()
{
	ssh_as "$ALICE" console >"$E2E_TMP/ticket" || return 1
	PASS=$(sed -n 's/^  password: //p' "$E2E_TMP/ticket")
	PORT=$(sed -n 's/^  port: *//p' "$E2E_TMP/ticket")
	[ -n "$PASS" ] && [ -n "$PORT" ]
}
t_check "console issues a ticket" ticket
t_eq "... on the VPS's SPICE port" "$PORT_A1" "$PORT"
t_check "... with host 127.0.0.1" grep -q '^  host:     127.0.0.1$' "$E2E_TMP/ticket"
t_check "... with the ssh -L line" grep -q \
    "ssh -N -L $PORT_A1:127.0.0.1:$PORT_A1 $ALICE@" "$E2E_TMP/ticket"
t_check "... and the spice:// URL" grep -q "spice://127.0.0.1:$PORT_A1\$" "$E2E_TMP/ticket"
t_check "... and an expiry" grep -q '^  expires:  ' "$E2E_TMP/ticket"
t_eq "... a password of 24 characters" 24 "${#PASS}"
pass1=$PASS

# The member's tunnel, from a local port to her SPICE port.
lport=$(free_port)
ssh_bg "$ALICE" -N -o ExitOnForwardFailure=yes -L "$lport:127.0.0.1:$PORT_A1"
t_check "the member's ssh -L tunnel is up" wait_for -p "$E2E_LAST_PID" port_open "$lport"

shot() { spicy-screenshot -h 127.0.0.1 -p "$lport" -w "$1" -o "$2"; }
t_check "spicy-screenshot with the ticket through the tunnel" shot "$pass1" "$E2E_TMP/s1.ppm"
t_check "... is a PPM image" grep -q '^P6' "$E2E_TMP/s1.ppm"
t_check_fails "a wrong password is refused" shot "x$pass1" "$E2E_TMP/bad.ppm"

t_check "a second ticket" ticket
pass2=$PASS
t_check_fails "... differs from the first" test "$pass1" = "$pass2"
t_check_fails "the first ticket no longer opens the console" shot "$pass1" "$E2E_TMP/old.ppm"
t_check "the second one does" shot "$pass2" "$E2E_TMP/s2.ppm"

# ---- attach_iso, reset: the screen changes; domblklist agrees
t_check "attach_iso grub.iso (running VPS)" ssh_as "$ALICE" attach_iso grub.iso
t_eq "... Successfully inserted media." "Successfully inserted media." "$(cat "$T_OUT")"
t_eq "... live CD-ROM per domblklist" "$ISODIR/grub.iso" "$(cdrom_source "$A1")"
t_eq "... persistent CD-ROM per domblklist" "$ISODIR/grub.iso" "$(cdrom_source "$A1" --inactive)"
t_check "status shows the ISO" ssh_as "$ALICE" status
t_eq "... grub.iso" grub.iso "$(menu_field ISO)"
t_check "reset" ssh_as "$ALICE" reset
t_check "a fresh ticket" ticket
differs() { shot "$PASS" "$E2E_TMP/s3.ppm" && ! cmp -s "$E2E_TMP/s2.ppm" "$E2E_TMP/s3.ppm"; }
t_check "the screen after reset with the ISO differs from the one without" \
    wait_for -t 60 differs
t_check "detach_iso" ssh_as "$ALICE" detach_iso
t_eq "... Successfully ejected media." "Successfully ejected media." "$(cat "$T_OUT")"
t_eq "... live CD-ROM empty per domblklist" "-" "$(cdrom_source "$A1")"
t_eq "... persistent CD-ROM empty per domblklist" "-" "$(cdrom_source "$A1" --inactive)"
t_check_rc "detach_iso again fails" 1 ssh_as "$ALICE" detach_iso
t_check "attach_iso on a shut off VPS" ssh_as "$ALICE" use "$A2" attach_iso grub.iso
t_eq "... persistent CD-ROM per domblklist" "$ISODIR/grub.iso" "$(cdrom_source "$A2" --inactive)"

# ---- an expired ticket (ticket_minutes = 1) no longer opens the console
t_check "a ticket valid for 1 minute" ticket
t_check "... says so" grep -q 'valid for 1 minute)' "$E2E_TMP/ticket"
t_check "... opens the console now" shot "$PASS" "$E2E_TMP/s4.ppm"
sleep 65
t_check_fails "... and not after it expired" shot "$PASS" "$E2E_TMP/s5.ppm"

t_check "poweroff" ssh_as "$ALICE" poweroff
t_done
