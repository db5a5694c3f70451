#!/usr/bin/env bash
# virsh-menu-snapshot.sh: snapshot, snapshots, revert and forget through
# the member's ssh, sudo and the root helper, with the file backend and a
# real guest (the busybox initramfs booted directly, its disk on virtio):
# the guest writes marker A to its disk, the member takes a snapshot,
# the guest writes B, the member reverts, and the guest reads A again.
# Around that: a running VPS, bad names, the limit of [snapshots]
# max_per_vps, unknown names, a revert not confirmed, another member,
# max_per_vps = 0, a file system too small for the copy (refused, nothing
# left, the disk unchanged), and delete-vps naming the snapshots and
# removing them with --purge-disk.
# Helpers below run through t_check, which shellcheck cannot follow.
# shellcheck disable=SC2317
# shellcheck source=lib.sh
. "$top_srcdir/tests/e2e/lib.sh"
# shellcheck source=virsh-menu-lib.sh
. "$top_srcdir/tests/e2e/virsh-menu-lib.sh"
e2e_require_root
e2e_require_cmd sudo sshd ssh virsh libvirtd qemu-system-x86_64 runuser \
    cpio busybox sha256sum

# A boot under TCG on a busy host, then a copy: more than the default.
E2E_TIMEOUT=180

t_need "libvirtd is up" start_libvirtd
t_need "menu world is set up" menu_setup
t_need "guest kernel and an initramfs with virtio_blk" \
    menu_guest_files virtio_pci virtio_blk
t_need "$A1 boots the guest, its disk on virtio" menu_guest_define "$A1" \
    "$PORT_A1"

disks=$E2E_TMP/disks
disk=$disks/$A1.img
delete=$top_builddir/delete-vps
# The menu world's vps.conf with the file backend where its disks are.
t_need "[storage] and [snapshots] in vps.conf" eval "printf \
    '[storage]\\nbackend = file\\ndir = %s\\n[snapshots]\\nmax_per_vps = 3\\n' \
    '$disks' >>'$CONF'"

# snap VPS NAME: the path of snapshot NAME of VPS (snapshot.h).
snap()
{
	printf '%s/%s.snap.%s.img\n' "$disks" "$1" "$2"
}

# sum FILE: its SHA-256.
sum()
{
	sha256sum <"$1" | cut -d' ' -f1
}

# The snapshot files of VPS in the directory, as NAME lines, sorted.
snap_files()
{
	find "$disks" -maxdepth 1 -name "$1.snap.*.img" -printf '%f\n' |
	    sed "s/^$1\\.snap\\.//; s/\\.img\$//" | sort
}

# The names the member's "snapshots" of A1 lists (first word of each line
# that has a time), sorted.
listed()
{
	ssh_as "$ALICE" use "$A1" snapshots |
	    awk '/[0-9][0-9]:[0-9][0-9]/ { print $1 }' | sort
}

# boot NAME: starts the guest, its console copied to $serial, and waits
# for its shell.
boot()
{
	serial=$E2E_TMP/serial.$RANDOM
	guest_serial_start "$A1" "$serial" && guest_wait_marker "$serial"
}

# write_marker WORD: the guest writes WORD at the start of its disk and
# waits until the device has it.
write_marker()
{
	guest_run "$A1" "$serial" \
	    "echo $1 | dd of=/dev/vda conv=fsync 2>/dev/null"
}

# The first line of the disk, as the guest reads it.
guest_marker()
{
	guest_run "$A1" "$serial" "head -c 512 /dev/vda | head -n 1"
}

# exits_1_or_2 CMD...: CMD fails as the tools do (1 or 2), not otherwise.
exits_1_or_2()
{
	local rc=0
	"$@" || rc=$?
	[ "$rc" -eq 1 ] || [ "$rc" -eq 2 ]
}

shut_off()
{
	[ "$(dom_field "$A1" State)" = "shut off" ]
}

# off: the member's poweroff, and the domain is shut off.
off()
{
	ssh_as "$ALICE" use "$A1" poweroff >/dev/null &&
	    wait_for -t 30 shut_off
}

# ---- marker A, snapshot first
t_check "the guest boots" boot
t_check "... it sees its disk" guest_run "$A1" "$serial" "test -b /dev/vda"
t_check "... and writes marker A" write_marker MARKER-A
t_check "poweroff" off
t_eq "the disk starts with marker A" MARKER-A "$(head -n 1 "$disk")"
sum_a=$(sum "$disk")

t_check "snapshot first" ssh_as "$ALICE" snapshot first
t_check "... the file is there" test -f "$(snap "$A1" first)"
t_eq "... with the disk's content" "$sum_a" "$(sum "$(snap "$A1" first)")"
t_eq "... the disk unchanged" "$sum_a" "$(sum "$disk")"
t_check "snapshots" ssh_as "$ALICE" snapshots
diag <"$T_OUT"
t_check "... lists first with its time and size" grep -Eq \
    "^ *first .*[0-9]{4}-?[0-9]{2}-?[0-9]{2}.*[0-9]{2}:?[0-9]{2}.*[0-9]" \
    "$T_OUT"
t_check_rc "snapshot first again: exit 2" 2 ssh_as "$ALICE" snapshot first
t_check "... says it exists" grep -q "already has a snapshot first" "$T_ERR"

# ---- marker B; a running VPS is refused
t_check "the guest boots again" boot
t_check "... reads marker A" guest_marker
t_eq "... (A)" MARKER-A "$GUEST_OUT"
t_check "... writes marker B" write_marker MARKER-B
t_check_rc "snapshot of the running VPS: exit 1" 1 \
    ssh_as "$ALICE" snapshot running
t_check "... shut it down first" grep -q "shut it down first" "$T_ERR"
t_check "... no file" test ! -e "$(snap "$A1" running)"
t_check_rc "revert of the running VPS: exit 1" 1 \
    ssh_as "$ALICE" revert first yes
t_check "... shut it down first" grep -q "shut it down first" "$T_ERR"
t_check "poweroff" off
t_eq "the disk has marker B" MARKER-B "$(head -n 1 "$disk")"
sum_b=$(sum "$disk")

# ---- revert
t_check_rc "revert first, not interactive, no yes: exit 2" 2 \
    ssh_as "$ALICE" revert first
diag <"$T_ERR"
t_check "... asks for yes" grep -q "yes" "$T_ERR"
t_eq "... the disk unchanged" "$sum_b" "$(sum "$disk")"
t_check_rc "revert first no: exit 2" 2 ssh_as "$ALICE" revert first no
t_eq "... the disk unchanged" "$sum_b" "$(sum "$disk")"
t_check "revert first yes" ssh_as "$ALICE" revert first yes
t_eq "... the disk is the snapshot's" "$sum_a" "$(sum "$disk")"
t_check "... the snapshot stays" test -f "$(snap "$A1" first)"
t_check "the guest boots after the revert" boot
t_check "... reads its disk" guest_marker
t_eq "... marker A" MARKER-A "$GUEST_OUT"
t_check "poweroff" off

# ---- names
for bad in ../x A "$(printf 'a%.0s' {1..33})" -x 'a.b' 'a/b'; do
	t_check_rc "snapshot '$bad': exit 2" 2 ssh_as "$ALICE" snapshot "$bad"
	t_check "... says why" grep -q . "$T_ERR"
done
t_eq "... no file made by any" first "$(snap_files "$A1")"

# ---- the default name, the limit, forget
long=$(printf 'b%.0s' {1..32})
t_check "snapshot (the default name)" ssh_as "$ALICE" snapshot
t_check "a 32-character name" ssh_as "$ALICE" snapshot "$long"
def=$(snap_files "$A1" | grep -Ev "^(first|$long)\$")
t_check "... the default name is YYYYMMDD-HHMMSS" eval \
    "[[ '$def' =~ ^20[0-9]{6}-[0-9]{6}\$ ]]"
t_check "... UTC, about now" python3 -c '
import sys, time, calendar
t = calendar.timegm(time.strptime(sys.argv[1], "%Y%m%d-%H%M%S"))
assert abs(time.time() - t) < 600, t' "$def"
t_eq "snapshots lists the three" "$(snap_files "$A1")" "$(listed)"
t_check_rc "a fourth (max_per_vps = 3): refused" 2 \
    ssh_as "$ALICE" snapshot fourth
diag <"$T_ERR"
t_check "... saying the limit" grep -q "3" "$T_ERR"
t_check "... no file" test ! -e "$(snap "$A1" fourth)"
t_check "forget $long" ssh_as "$ALICE" forget "$long"
t_check "... the file is gone" test ! -e "$(snap "$A1" "$long")"
t_eq "... snapshots lists the rest" "$(snap_files "$A1")" "$(listed)"
t_check "a fourth fits now" ssh_as "$ALICE" snapshot fourth
t_check "forget it" ssh_as "$ALICE" forget fourth

# ---- unknown names
t_check "revert of an unknown snapshot: exit 1 or 2" \
    exits_1_or_2 ssh_as "$ALICE" revert nosuch yes
diag <"$T_ERR"
t_check "... naming it" grep -q "nosuch" "$T_ERR"
t_eq "... the disk unchanged" "$sum_a" "$(sum "$disk")"
t_check "forget of an unknown snapshot: exit 1 or 2" \
    exits_1_or_2 ssh_as "$ALICE" forget nosuch
t_check "... naming it" grep -q "nosuch" "$T_ERR"

# ---- another member
before=$(snap_files "$A1")
t_check_rc "bob: use $A1 snapshots: exit 2" 2 ssh_as "$BOB" use "$A1" snapshots
t_check "... lists nothing" test ! -s "$T_OUT"
t_check_rc "bob: use $A1 revert first yes: exit 2" 2 \
    ssh_as "$BOB" use "$A1" revert first yes
t_check_rc "bob: use $A1 forget first: exit 2" 2 \
    ssh_as "$BOB" use "$A1" forget first
t_check_rc "bob: use $A1 snapshot mine: exit 2" 2 \
    ssh_as "$BOB" use "$A1" snapshot mine
t_check "bob: his own VPS's snapshots" ssh_as "$BOB" snapshots
t_check "... name none of alice's" bash -c "! grep -q first '$T_OUT'"
t_check_fails "bob: --serve $A1 through sudo refused" \
    as_member "$BOB" sudo -n "$MENU" --serve "$A1"
t_eq "alice's snapshots unchanged" "$before" "$(snap_files "$A1")"
t_eq "... and her disk" "$sum_a" "$(sum "$disk")"

# ---- max_per_vps = 0
cp "$CONF" "$E2E_TMP/conf.saved"
t_check "max_per_vps = 0" sed -i 's/^max_per_vps = 3$/max_per_vps = 0/' "$CONF"
for v in "snapshot x" snapshots "revert first yes" "forget first"; do
	# shellcheck disable=SC2086
	t_check_fails "$v: refused" ssh_as "$ALICE" $v
	diag <"$T_ERR"
	t_check "... saying snapshots are off" grep -Eqi \
	    "max_per_vps|disabled|off|not enabled" "$T_ERR"
done
t_eq "... nothing changed" "$before" "$(snap_files "$A1")"
t_check "max_per_vps back to 3" install -m 0644 "$E2E_TMP/conf.saved" "$CONF"

# ---- a file system too small for the copy
small=$E2E_TMP/small
mkdir -m 0755 "$small"
t_check "a 24 MiB tmpfs" mount -t tmpfs -o size=24m,mode=0755 \
    vpshost-e2e-small "$small"
defer umount "$small"
t_check "$A2's disk there: 16 MiB of data" dd if=/dev/urandom \
    of="$small/$A2.img" bs=1M count=16 status=none
e2e_virsh dumpxml --inactive "$A2" |
    sed "s|$disks/$A2.img|$small/$A2.img|" >"$E2E_TMP/$A2-small.xml"
t_check "... its domain uses it" e2e_virsh define "$E2E_TMP/$A2-small.xml"
t_check "... [storage] dir is the tmpfs" \
    sed -i "s|^dir = $disks\$|dir = $small|" "$CONF"
sum2=$(sum "$small/$A2.img")
used=$(df --output=used "$small" | tail -n 1)
t_check "snapshots of $A2: none" ssh_as "$ALICE" use "$A2" snapshots
list2=$(cat "$T_OUT")
t_check_rc "snapshot of $A2: no room, exit 1" 1 \
    ssh_as "$ALICE" use "$A2" snapshot full
diag <"$T_ERR"
t_check "... a clear error" grep -Eqi "space|room" "$T_ERR"
t_eq "... nothing left in the directory" "$A2.img" "$(ls -A "$small")"
t_eq "... no space held either" "$used" "$(df --output=used "$small" |
    tail -n 1)"
t_eq "... the disk unchanged" "$sum2" "$(sum "$small/$A2.img")"
t_check "... snapshots" ssh_as "$ALICE" use "$A2" snapshots
t_eq "... unchanged" "$list2" "$(cat "$T_OUT")"
t_check "[storage] dir back" install -m 0644 "$E2E_TMP/conf.saved" "$CONF"

# ---- delete-vps
# Where the snapshots cannot be listed (an LVM backend without its VG):
# --purge-disk is refused before anything changes; without it that is
# only a warning.
sed "s|^backend = file\$|backend = lvm\nvg = $(e2e_name novg)|" "$CONF" \
    >"$E2E_TMP/novg.conf"
t_check_rc "delete-vps --purge-disk $A2, no VG: exit 1" 1 \
    "$delete" -c "$E2E_TMP/novg.conf" --purge-disk "$A2"
diag <"$T_ERR"
t_check "... cannot list the snapshots" grep -q \
    "cannot list the snapshots of $A2" "$T_ERR"
t_check "... the domain is still defined" e2e_virsh dominfo "$A2"
t_check "delete-vps $A2, no VG: a warning only" \
    "$delete" -c "$E2E_TMP/novg.conf" "$A2"
cp "$T_OUT" "$E2E_TMP/novg.out"
diag <"$T_ERR"
cp "$T_ERR" "$E2E_TMP/novg.err"
t_check "... the warning" grep -q "cannot list the snapshots of $A2: " \
    "$E2E_TMP/novg.err"
t_check "... saying they are kept" grep -q "; any snapshots are kept\$" \
    "$E2E_TMP/novg.err"
t_check "... the domain is undefined" grep -q "^domain $A2 undefined" \
    "$E2E_TMP/novg.out"
t_check_fails "... and gone" e2e_virsh dominfo "$A2"
t_check "delete-vps $A1" "$delete" -c "$CONF" "$A1"
cp "$T_OUT" "$E2E_TMP/delete.out"
diag <"$E2E_TMP/delete.out"
for n in $(snap_files "$A1"); do
	t_check "... names snapshot $n as kept" grep -q "^snapshot $n kept" \
	    "$E2E_TMP/delete.out"
done
t_eq "... keeps the files" "$before" "$(snap_files "$A1")"
# A new VPS of the name would inherit them, maybe for another member.
t_check_rc "create-vps $A1 while they are there: exit 1" 1 \
    "$top_builddir/create-vps" -c "$CONF" "$A1"
diag <"$T_ERR"
t_check "... names them" grep -q \
    "snapshots of an earlier VPS named $A1 are still there" "$T_ERR"
t_eq "... and changes nothing" "$before" "$(snap_files "$A1")"
t_check_fails "... no domain" e2e_virsh dominfo "$A1"
t_check "$A1 defined again" e2e_virsh define "$E2E_TMP/$A1-guest.xml"
t_check "delete-vps --purge-disk $A1" "$delete" -c "$CONF" --purge-disk "$A1"
diag <"$T_OUT"
t_check "... says how many snapshots it removed" grep -q \
    "^$(echo "$before" | wc -l) snapshots\\? of $A1 removed" "$T_OUT"
t_check "... the disk is gone" test ! -e "$disk"
t_eq "... and every snapshot" "" "$(snap_files "$A1")"
t_done
