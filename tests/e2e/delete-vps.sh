#!/usr/bin/env bash
# delete-vps.sh: delete-vps against the real libvirtd with the file
# backend (so the VPS can run): a running VPS is refused without --force
# and powered off with it; the image is kept by default and named, and
# removed with --purge-disk; a disk that create-vps did not make is kept
# even then. (The lvm backend's keep and purge are in create-vps.sh.)
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
printf '%s:alice:1:128:1:%s\n' "$a" "$(free_port)" >"$data"
printf '%s:alice:1:128:1:%s\n' "$b" "$(free_port)" >>"$data"
# A function, so that no wrapper's command line matches the pattern.
qemu_running()
{
	pgrep -f "guest=$1," >/dev/null
}

for n in "$a" "$b" "$c"; do
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

# ---- an image left without a domain (a create-vps killed half-way)
mkdir -p "$imgdir" && truncate -s 1M "$imgdir/$c.img"
t_check_rc "an image but no domain: exit 1" 1 "$delete" -c "$conf" "$c"
t_check "... names the image and how to remove it" grep -qF \
    "its disk $imgdir/$c.img is left (--purge-disk removes it)" "$T_ERR"
t_check "... and keeps it" test -f "$imgdir/$c.img"
t_check "--purge-disk removes it" "$delete" -c "$conf" --purge-disk "$c"
t_check "... says so" grep -qxF "no domain named $c; disk $imgdir/$c.img removed" "$T_OUT"
t_check_fails "... it is gone" test -e "$imgdir/$c.img"

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
