#!/usr/bin/env bash
# create-vps-file.sh: create-vps with the file backend and an ISO from
# iso_dir, then the VPS really runs: QEMU (TCG) boots the ISO (a GRUB
# rescue image made with grub-mkrescue) and spicy-screenshot reads its
# screen with the SPICE password read back from the domain XML; a wrong
# password is refused by the SPICE server.
# Helpers below run through t_check, which shellcheck cannot follow.
# shellcheck disable=SC2317
# shellcheck source=lib.sh
. "$top_srcdir/tests/e2e/lib.sh"
# shellcheck source=admin-lib.sh
. "$top_srcdir/tests/e2e/admin-lib.sh"
e2e_require_root
e2e_require_cmd libvirtd virsh qemu-system-x86_64 grub-mkrescue xorriso \
    spicy-screenshot xmllint

admin_setup
conf=$E2E_TMP/vps.conf
admin_conf "$conf" "backend = file" "dir = $imgdir"
name=$(e2e_name f)
port=$(free_port)
printf '%s:alice:1:256:3:%s\n' "$name" "$port" >"$data"
defer e2e_forget_domain "$name"

# A bootable ISO: GRUB waiting in its menu.
make_iso()
{
	mkdir -p "$E2E_TMP/isoroot/boot/grub" "$isodir" &&
	printf 'set timeout=-1\nmenuentry "vpshost e2e" { true }\n' \
	    >"$E2E_TMP/isoroot/boot/grub/grub.cfg" &&
	grub-mkrescue -o "$isodir/boot.iso" "$E2E_TMP/isoroot"
}
t_need "grub-mkrescue makes a bootable ISO" make_iso

# A library ISO only root can change, as the member's start requires.
ln "$isodir/boot.iso" "$isodir/linked.iso"
t_check_rc "create-vps NAME linked.iso (two links): exit 1" 1 \
    "$create" -c "$conf" "$name" linked.iso
t_check "... saying why" grep -q "linked.iso.*link" "$T_ERR"
diag <"$T_ERR"
t_check_fails "... and no domain" e2e_virsh dominfo "$name"
rm -f "$isodir/linked.iso"

t_check "create-vps NAME boot.iso" "$create" -c "$conf" "$name" boot.iso
cp "$T_OUT" "$E2E_TMP/summary"
diag <"$E2E_TMP/summary"
img=$imgdir/$name.img
t_check "summary names the image" grep -qx "disk: *$img (3 GiB)" \
    "$E2E_TMP/summary"
t_check "summary names the cdrom" grep -q "^cdrom: *$isodir/boot.iso" \
    "$E2E_TMP/summary"
t_eq "image is 3 GiB" $((3 << 30)) "$(stat -c %s "$img")"
# No data (lseek SEEK_DATA finds none); the blocks stat counts may hold
# the image's extended attributes.
t_check "image is sparse" python3 -c 'import errno, os, sys
fd = os.open(sys.argv[1], os.O_RDONLY)
try:
	os.lseek(fd, 0, os.SEEK_DATA)
except OSError as e:
	sys.exit(e.errno != errno.ENXIO)
sys.exit(1)' "$img"
t_check "image carries create-vps's mark" python3 -c 'import os, sys
sys.exit(os.getxattr(sys.argv[1], "user.vpshost") != sys.argv[2].encode())' \
    "$img" "$name"
t_eq "image is mode 0600" 600 "$(stat -c %a "$img")"

t_check "dumpxml --security-info" e2e_virsh dumpxml --security-info "$name"
cp "$T_OUT" "$E2E_TMP/dom.xml"
xp()
{
	xmllint --xpath "$1" "$E2E_TMP/dom.xml"
}
t_eq "disk is the image file" "$img" \
    "$(xp "string(//disk[@device='disk']/source/@file)")"
t_eq "cdrom holds the ISO" "$isodir/boot.iso" \
    "$(xp "string(//disk[@device='cdrom']/source/@file)")"
t_eq "cdrom boots first" 1 \
    "$(xp "string(//disk[@device='cdrom']/boot/@order)")"
t_eq "disk boots second" 2 \
    "$(xp "string(//disk[@device='disk']/boot/@order)")"
pw=$(xp "string(//graphics/@passwd)")
t_check "SPICE password has at least 16 characters" test "${#pw}" -ge 16
t_eq "SPICE port of vps.data" "$port" "$(xp "string(//graphics/@port)")"

t_check "the VPS starts under TCG" e2e_virsh start "$name"
t_check "SPICE listens on 127.0.0.1:$port" wait_for port_open "$port"
# spicy-screenshot connects before the guest draws anything useful; the
# point is the SPICE handshake with the password.
t_check "spicy-screenshot with the password from the XML" \
    spicy-screenshot -h 127.0.0.1 -p "$port" -w "$pw" \
    -o "$E2E_TMP/screen.ppm"
t_check "screenshot is a PPM image" grep -q '^P6' "$E2E_TMP/screen.ppm"
t_check_fails "a wrong password is refused" spicy-screenshot -h 127.0.0.1 \
    -p "$port" -w "wrong-$pw" -o "$E2E_TMP/wrong.ppm"
t_check_fails "... and gets no screenshot" test -s "$E2E_TMP/wrong.ppm"
t_check_fails "no password is refused" spicy-screenshot -h 127.0.0.1 \
    -p "$port" -o "$E2E_TMP/none.ppm"
t_check "destroy it" e2e_virsh destroy "$name"

t_check_rc "a second run refuses: exit 1" 1 "$create" -c "$conf" "$name"
t_check "image is untouched" test "$(stat -c %s "$img")" = $((3 << 30))

t_done
