#!/usr/bin/env bash
# virsh-menu-install.sh: install ISO through the member's ssh session,
# sudo and the real libvirtd, with a real installer: an ISO (GRUB, the
# Debian kernel, a busybox initramfs) whose /init writes a boot sector
# onto the VPS's virtio disk and reboots. The watcher that install starts
# ejects the ISO at that reboot and resets the VPS, which then boots its
# disk: the boot sector's marker on the serial console proves it. Also:
# a running VPS asks for "yes" first and is power-cycled into the ISO; a
# power-off ejects the ISO too; a newer install replaces the older
# watcher; a CD-ROM the member changed meanwhile is left alone; ISOs
# outside the library and another member's VPS are refused; no watcher
# is left.
# shellcheck source=lib.sh
. "$top_srcdir/tests/e2e/lib.sh"
# shellcheck source=virsh-menu-lib.sh
. "$top_srcdir/tests/e2e/virsh-menu-lib.sh"
e2e_require_root
e2e_require_cmd sudo sshd ssh virsh libvirtd qemu-system-x86_64 runuser \
    xmllint cpio busybox grub-mkrescue xorriso

DISK_MARKER=VPSHOST-E2E-BOOTED-FROM-DISK
INSTALLED=VPSHOST-E2E-INSTALLER-WROTE-DISK
NEXT="When it first reboots or powers off, the ISO is ejected and it boots \
from its disk."

# make_boot_sector FILE: a boot sector that prints DISK_MARKER on COM1
# and halts, assembled with the build's C compiler (as xml/probe.S).
make_boot_sector()
{
	local cc dir=$E2E_TMP/sector
	cc=$(menu_make_var CC) || return 1
	mkdir -p "$dir" || return 1
	cat >"$dir/sector.S" <<-EOF
	.code16
	.text
	.globl _start
_start:
	cli
	cld
	xorw %ax, %ax
	movw %ax, %ds
	movw \$msg, %si
	movw \$0x3f8, %dx
1:	lodsb
	testb %al, %al
	jz 2f
	outb %al, %dx
	jmp 1b
2:	hlt
	jmp 2b
msg:	.asciz "\r\n$DISK_MARKER\r\n"
	.org 510
	.byte 0x55, 0xaa
	EOF
	$cc -c -o "$dir/sector.o" "$dir/sector.S" &&
	    $cc -nostdlib -static -no-pie -Wl,-Ttext=0x7c00 -Wl,-e,_start \
	    -Wl,--oformat=binary -Wl,--build-id=none -o "$1" "$dir/sector.o" &&
	    [ "$(stat -c %s "$1")" = 512 ]
}

# make_installer ISO: the guest ISO whose /init writes the boot sector
# onto /dev/vda and reboots at once (as an installer's last step).
make_installer()
{
	local add=$E2E_TMP/installer
	mkdir -p "$add" && make_boot_sector "$add/sector.img" || return 1
	cat >"$add/init.extra" <<-EOF
	i=0
	while [ ! -b /dev/vda ] && [ \$i -lt 100 ]; do
		usleep 100000
		i=\$((i + 1))
	done
	dd if=/sector.img of=/dev/vda bs=512 count=1 conv=notrunc,fsync &&
	    echo $INSTALLED
	reboot -f
	EOF
	E2E_GUEST_ADD=$add make_guest_iso "$1" virtio_pci virtio_blk
}

# install_define NAME PORT: NAME as menu_domain_xml makes it (firmware
# boot, per-device boot order: the disk first), with enough memory for
# the guest and its serial port written to $E2E_TMP/NAME.serial, which
# the VPS appends to across resets and restarts.
install_define()
{
	menu_domain_xml "$1" "$2" | sed \
	    -e "s|<memory unit='MiB'>128</memory>|<memory unit='MiB'>256</memory>|" \
	    -e "s|  </devices>|<serial type='file'><source path='$E2E_TMP/$1.serial' append='on'/><target port='0'/></serial></devices>|" \
	    >"$E2E_TMP/$1-install.xml" &&
	    e2e_virsh undefine "$1" >/dev/null &&
	    e2e_virsh define "$E2E_TMP/$1-install.xml" >/dev/null
}

# The pids of the install watchers of the menu world (of VPS only).
watchers()
{
	pgrep -f "^virsh-menu-install ($ALICE|$BOB) ${1:-[^ ]*} "
}

no_watcher()
{
	[ -z "$(watchers "$@")" ]
}

# one_new_watcher VPS OLD: VPS has one watcher, and its pid is not OLD.
one_new_watcher()
{
	local w
	w=$(watchers "$1")
	[ "$(printf '%s\n' "$w" | wc -l)" = 1 ] && [ -n "$w" ] &&
	    [ "$w" != "$2" ]
}

# audited VPS RESULT: the watcher's audit line for VPS ends with RESULT.
audited()
{
	syslog_lines "$syslog" | grep -qF " virsh-menu-install[" &&
	    syslog_lines "$syslog" | grep -qF \
	    "member=$ALICE vps=$1 action=install iso=installer.iso result=$2"
}

# check_audit VPS RESULT: audited, unless a syslog daemon owns /dev/log.
check_audit()
{
	if [ -z "$syslog" ]; then
		t_skip "logged: $2" "machine: a syslog daemon owns /dev/log"
	else
		t_check "logged: $2" wait_for -t 10 audited "$@" ||
		    syslog_lines "$syslog" |
		    grep -F " virsh-menu-install[" | diag
	fi
}

# serial_has NAME TEXT: the serial output of NAME shows TEXT.
serial_has()
{
	tr -d '\r' <"$E2E_TMP/$1.serial" 2>/dev/null | grep -q "$2"
}

# At cleanup: the watchers' record files go (and the directory, if it
# is new); a watcher still running then is stopped and a failure.
forget_installs()
{
	local rundir
	rundir=$(menu_make_var runstatedir) || return 1
	INSTALLS=$rundir/vpshost/installs
	defer _installs_remove "$([ -e "$INSTALLS" ] || echo new)"
}

_installs_remove()
{
	local rc=0 p
	if ! wait_for -t 20 no_watcher; then
		echo "install watchers still running: $(watchers)" >&2
		for p in $(watchers); do
			kill "$p"
		done
		rc=1
	fi
	rm -f -- "$INSTALLS/$A1" "$INSTALLS/$A2" "$INSTALLS/$B1"
	[ "$1" != new ] || [ ! -d "$INSTALLS" ] ||
	    rmdir --ignore-fail-on-non-empty -- "$INSTALLS"
	return "$rc"
}

t_need "libvirtd is up" start_libvirtd
t_need "menu world is set up" menu_setup
menu_syslog
t_need "install records are removed at cleanup" forget_installs
t_need "the installer ISO" make_installer "$ISODIR/installer.iso"
t_need "another ISO in the library" \
    install -m 0644 /dev/null "$ISODIR/other.iso"
t_need "$A1 with a serial log" install_define "$A1" "$PORT_A1"
t_need "... which is empty" touch "$E2E_TMP/$A1.serial"
iso=$ISODIR/installer.iso

# ---- a shut-off VPS: install starts it from the ISO, asking nothing
t_check "install installer.iso ($A1 shut off)" \
    ssh_as "$ALICE" install installer.iso
t_eq "... says it boots the ISO now, and what comes next" \
    "Domain $A1 boots from installer.iso now.
$NEXT" "$(cat "$T_OUT")"
t_eq "... running" running "$(e2e_virsh domstate "$A1")"
t_eq "... the ISO in the definition" "$iso" "$(cdrom_source "$A1" --inactive)"
t_eq "... which boots the CD-ROM first" cdrom "$(boot_first "$A1")"
t_check "... one watcher" test "$(watchers "$A1" | wc -l)" = 1
t_check "the installer wrote the disk" \
    wait_for -t 300 serial_has "$A1" "$INSTALLED"
t_check "after its reboot, $A1 boots from its disk" \
    wait_for -t 120 serial_has "$A1" "$DISK_MARKER"
t_check "... and the watcher is gone" wait_for -t 30 no_watcher "$A1"
check_audit "$A1" "rebooted; ejected; reset to boot from the disk"
t_eq "... still running" running "$(e2e_virsh domstate "$A1")"
t_check "status" ssh_as "$ALICE" status
t_eq "... no ISO" "(none)" "$(menu_field ISO)"
t_eq "... none in the definition" "-" "$(cdrom_source "$A1" --inactive)"
t_eq "... none in the running VPS" "-" "$(cdrom_source "$A1")"
t_eq "... which boots the disk first" disk "$(boot_first "$A1")"

# ---- a running VPS: confirmation first, then power-cycled into the ISO
t_check_rc "install on the running $A1 without yes: exit 2" 2 \
    ssh_as "$ALICE" install installer.iso
t_check "... saying it would be reset" \
    grep -q "$A1 is running: install resets it" "$T_ERR"
t_eq "... no ISO attached" "-" "$(cdrom_source "$A1" --inactive)"
t_check_rc "install installer.iso no: exit 2" 2 \
    ssh_as "$ALICE" install installer.iso no
t_check "no watcher meanwhile" no_watcher "$A1"
t_check "serial log emptied" truncate -s 0 "$E2E_TMP/$A1.serial"
t_check "install installer.iso yes" \
    ssh_as "$ALICE" install installer.iso yes
t_eq "... says it was powered off and boots the ISO" \
    "Domain $A1 was powered off and boots from installer.iso now.
$NEXT" "$(cat "$T_OUT")"
t_eq "... the ISO in the definition" "$iso" "$(cdrom_source "$A1" --inactive)"
t_check "the installer ran again" \
    wait_for -t 300 serial_has "$A1" "$INSTALLED"
t_check "... then $A1 booted from its disk" \
    wait_for -t 120 serial_has "$A1" "$DISK_MARKER"
t_check "... the watcher is gone" wait_for -t 30 no_watcher "$A1"
t_check "status" ssh_as "$ALICE" status
t_eq "... no ISO" "(none)" "$(menu_field ISO)"
t_eq "... none in the definition" "-" "$(cdrom_source "$A1" --inactive)"
t_check "poweroff $A1" ssh_as "$ALICE" poweroff

# ---- a power-off during the install ejects the ISO from the definition;
# a newer install replaces the older watcher (on A2: no guest needed)
t_check "use $A2 install installer.iso" \
    ssh_as "$ALICE" use "$A2" install installer.iso
first=$(watchers "$A2")
t_check "... a watcher" test -n "$first"
t_check "use $A2 install installer.iso yes (again)" \
    ssh_as "$ALICE" use "$A2" install installer.iso yes
t_check "... the first watcher is gone" \
    wait_for -t 30 eval "! kill -0 $first 2>/dev/null"
t_check "... one watcher, a new one" one_new_watcher "$A2" "$first"
t_check "use $A2 poweroff" ssh_as "$ALICE" use "$A2" poweroff
t_check "... the watcher is gone" wait_for -t 30 no_watcher "$A2"
t_eq "... the ISO is ejected from the definition" "-" \
    "$(cdrom_source "$A2" --inactive)"
check_audit "$A2" "a newer install replaced it"
check_audit "$A2" "stopped; ejected"
t_eq "... which boots the disk first" disk "$(boot_first "$A2")"

# ---- a CD-ROM the member changed during the install is left alone
t_check "use $A2 install installer.iso" \
    ssh_as "$ALICE" use "$A2" install installer.iso
t_check "use $A2 attach_iso other.iso" \
    ssh_as "$ALICE" use "$A2" attach_iso other.iso
t_check "use $A2 poweroff" ssh_as "$ALICE" use "$A2" poweroff
t_check "... the watcher is gone" wait_for -t 30 no_watcher "$A2"
t_eq "... other.iso still attached" "$ISODIR/other.iso" \
    "$(cdrom_source "$A2" --inactive)"
check_audit "$A2" "stopped; the CD-ROM holds another medium now, left as it is"

# ---- refusals
t_check_rc "install nosuch.iso: exit 2" 2 \
    ssh_as "$ALICE" use "$A2" install nosuch.iso
t_check "... no such ISO in the library" \
    grep -q "nosuch.iso: no such ISO in the library" "$T_ERR"
t_check_fails "install ../installer.iso" \
    ssh_as "$ALICE" use "$A2" install ../installer.iso
t_check_fails "install $iso (a path)" \
    ssh_as "$ALICE" use "$A2" install "$iso"
t_check_fails "install /etc/passwd" \
    ssh_as "$ALICE" use "$A2" install /etc/passwd yes
t_check "... still other.iso in $A2" \
    test "$(cdrom_source "$A2" --inactive)" = "$ISODIR/other.iso"
t_check_fails "bob: use $A1 install installer.iso yes" \
    ssh_as "$BOB" use "$A1" install installer.iso yes
t_check_fails "bob: sudo virsh-menu --serve $A1" \
    as_member "$BOB" sudo -n "$MENU" --serve "$A1"
t_eq "... $A1 untouched: shut off" "shut off" "$(e2e_virsh domstate "$A1")"
t_eq "... no ISO in $A1" "-" "$(cdrom_source "$A1" --inactive)"
t_check_fails "bob cannot run the watcher" \
    as_member "$BOB" "$(menu_make_var pkglibexecdir)/virsh-menu-install" \
    "$ALICE" "$A1" AAAAAAAAAAAAAAAA installer.iso 9999999999
t_check "no watcher is left" no_watcher
t_done
