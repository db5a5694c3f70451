#!/usr/bin/env bash
# delete-vps.sh: delete-vps against the real libvirtd with the file
# backend (so the VPS can run): a running VPS is refused without --force
# and powered off with it; the image is kept by default and named, and
# removed with --purge-disk; a disk that create-vps did not make is kept
# even then. --purge-disk removes an image only if the domain of that name
# uses it, or, with no domain, if it has create-vps's mark (the attribute
# user.vpshost naming the VPS); an image of a valid name that no domain
# uses and that has no mark is refused, and so is the image of a domain
# that does not use it, before the domain is touched. (The lvm backend's
# keep and purge are in create-vps.sh.)
# Helpers below run through t_check, which shellcheck cannot follow.
# shellcheck disable=SC2317
# shellcheck source=lib.sh
. "$top_srcdir/tests/e2e/lib.sh"
# shellcheck source=admin-lib.sh
. "$top_srcdir/tests/e2e/admin-lib.sh"
e2e_require_root
e2e_require_cmd libvirtd virsh qemu-system-x86_64

admin_setup
conf=$E2E_TMP/vps.conf
admin_conf "$conf" "backend = file" "dir = $imgdir"
a=$(e2e_name a)
b=$(e2e_name b)
c=$(e2e_name c)
d=$(e2e_name d)
l=$(e2e_name l)
printf '%s:alice:1:128:1:%s\n' "$a" "$(free_port)" >"$data"
printf '%s:alice:1:128:1:%s\n' "$b" "$(free_port)" >>"$data"
printf '%s:alice:1:128:1:%s\n' "$l" "$(free_port)" >>"$data"
# A function, so that no wrapper's command line matches the pattern.
qemu_running()
{
	pgrep -f "guest=$1," >/dev/null
}

# mark FILE: the value of its user.vpshost attribute (empty if none).
mark()
{
	python3 -c 'import os, sys
try:
	print(os.getxattr(sys.argv[1], "user.vpshost").decode())
except OSError:
	pass' "$1"
}

for n in "$a" "$b" "$c" "$d" "$l"; do
	defer e2e_forget_domain "$n"
done

# ---- usage
t_check "--help" "$delete" --help
t_check "... shows the synopsis" grep -q '^usage: delete-vps' "$T_OUT"
t_check "--version" "$delete" --version
t_check_rc "no argument: exit 2" 2 "$delete" -c "$conf"
t_check_rc "two names: exit 2" 2 "$delete" -c "$conf" "$a" "$b"
t_check_rc "invalid name: exit 2" 2 "$delete" -c "$conf" '../x'
t_check_rc "no such domain: exit 1" 1 "$delete" -c "$conf" "$c"
t_check "... says so" grep -q "no domain named $c, and no disk" "$T_ERR"
t_check_rc "... also with --purge-disk" 1 "$delete" -c "$conf" --purge-disk "$c"

# ---- an image of a valid name that no domain uses, not create-vps's
mkdir -p "$imgdir" && printf 'precious' >"$imgdir/$c.img"
t_check_rc "an image but no domain: exit 1" 1 "$delete" -c "$conf" "$c"
t_check "... names the image" grep -qF \
    "its disk $imgdir/$c.img is left (--purge-disk removes it if create-vps made it)" \
    "$T_ERR"
t_check "... and keeps it" test -f "$imgdir/$c.img"
t_check_rc "--purge-disk refuses an image without the mark: exit 1" 1 \
    "$delete" -c "$conf" --purge-disk "$c"
t_check "... says what it refused and why" grep -qF -e \
    "--purge-disk refused: no domain named $c uses $imgdir/$c.img, and it lacks create-vps's mark (attribute user.vpshost)" \
    "$T_ERR"
t_eq "... the image is untouched" precious "$(cat "$imgdir/$c.img")"
t_check "the mark of another VPS" python3 -c \
    'import os, sys; os.setxattr(sys.argv[1], "user.vpshost", b"other")' \
    "$imgdir/$c.img"
t_check_rc "--purge-disk refuses it too: exit 1" 1 \
    "$delete" -c "$conf" --purge-disk "$c"
t_eq "... the image is untouched" precious "$(cat "$imgdir/$c.img")"
rm -f "$imgdir/$c.img"

# ---- a domain that does not use the image of its name
admin_domain_xml "$d" "<disk type='file' device='disk'><source file='$E2E_TMP/d-own.img'/><target dev='vda' bus='virtio'/></disk>" \
    >"$E2E_TMP/d.xml"
t_check "a domain $d with a disk elsewhere" e2e_virsh define "$E2E_TMP/d.xml"
printf 'precious' >"$imgdir/$d.img"
t_check_rc "--purge-disk: exit 1" 1 "$delete" -c "$conf" --purge-disk "$d"
t_check "... says what it refused and why" grep -qF -e \
    "--purge-disk refused: domain $d does not use $imgdir/$d.img (its disks: $E2E_TMP/d-own.img); nothing was changed" \
    "$T_ERR"
t_check "... the domain is still defined" e2e_virsh dominfo "$d"
t_eq "... the image is untouched" precious "$(cat "$imgdir/$d.img")"
rm -f "$imgdir/$d.img"

# ---- an image left without a domain (a create-vps killed half-way)
t_need "create-vps $l" "$create" -c "$conf" "$l"
t_eq "... marks the image with the VPS name" "$l" "$(mark "$imgdir/$l.img")"
t_check "its domain goes behind delete-vps's back" e2e_virsh undefine "$l"
t_check "--purge-disk removes the marked image" "$delete" -c "$conf" \
    --purge-disk "$l"
t_check "... says so" grep -qxF "no domain named $l; disk $imgdir/$l.img removed" "$T_OUT"
t_check_fails "... it is gone" test -e "$imgdir/$l.img"

# ---- a running VPS
t_need "create-vps $a" "$create" -c "$conf" "$a"
t_need "create-vps $b" "$create" -c "$conf" "$b"
t_check "start $a" e2e_virsh start "$a"
t_check_rc "running VPS without --force: exit 1" 1 "$delete" -c "$conf" "$a"
t_check "... says it is running" grep -q "is running" "$T_ERR"
t_check "... it is still defined" e2e_virsh domstate "$a"
t_eq "... and still running" running "$(head -n1 "$T_OUT")"
t_check "delete-vps --force" "$delete" -c "$conf" --force "$a"
cp "$T_OUT" "$E2E_TMP/a.out"
diag <"$E2E_TMP/a.out"
t_check "... says it powered it off" grep -qx "$a powered off" "$E2E_TMP/a.out"
t_check "... names the kept image" grep -qx \
    "disk $imgdir/$a.img kept (--purge-disk removes it)" "$E2E_TMP/a.out"
t_check_rc "... the domain is gone" 1 e2e_virsh dominfo "$a"
t_check_fails "... no QEMU is left" qemu_running "$a"
t_check "... the image is kept" test -f "$imgdir/$a.img"

# ---- --purge-disk, and a disk that is not the VPS's own
t_check "a second disk attached to $b" e2e_virsh attach-disk "$b" \
    "$E2E_TMP/extra.img" vdb --config --targetbus virtio
truncate -s 1M "$E2E_TMP/extra.img"
t_check "delete-vps --purge-disk" "$delete" -c "$conf" --purge-disk "$b"
cp "$T_OUT" "$E2E_TMP/b.out"
diag <"$E2E_TMP/b.out"
t_check "... says the image is removed" grep -qx \
    "disk $imgdir/$b.img removed" "$E2E_TMP/b.out"
t_check "... and the other disk kept" grep -qx \
    "disk $E2E_TMP/extra.img kept" "$E2E_TMP/b.out"
t_check_rc "... the domain is gone" 1 e2e_virsh dominfo "$b"
t_check_fails "... the image is gone" test -e "$imgdir/$b.img"
t_check "... the other disk is still there" test -f "$E2E_TMP/extra.img"
t_check "... and the first VPS's image too" test -f "$imgdir/$a.img"

t_done
