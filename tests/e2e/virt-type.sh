#!/usr/bin/env bash
# virt-type.sh: create-vps with the default [vps] virt_type (auto) and cpu
# (host-passthrough) gives a VPS that really runs a guest: under KVM where
# KVM runs it, under TCG otherwise. The guest is Debian's kernel with a
# busybox initramfs, booted from an ISO as a member would install; the
# proof is its marker on the VPS's serial console.
#
# Where /dev/kvm exists the test also tries the other states of it a
# host of this kind can be in (each restored afterwards, also if the test
# is killed): root-only (0600, no udev), usable by the QEMU user (root:kvm
# 0660, as udev or QEMU's package makes it), and absent (moved aside).
# Each case's name says which one ran and what create-vps chose.
# Helpers below run through t_check, which shellcheck cannot follow.
# shellcheck disable=SC2317
# shellcheck source=lib.sh
. "$top_srcdir/tests/e2e/lib.sh"
# shellcheck source=admin-lib.sh
. "$top_srcdir/tests/e2e/admin-lib.sh"
e2e_require_root
e2e_require_cmd libvirtd virsh qemu-system-x86_64 grub-mkrescue xorriso \
    busybox cpio gzip stty xmllint

# create-vps may wait for the probes and for libvirtd to probe QEMU anew
# after /dev/kvm changed.
E2E_TIMEOUT=240

admin_setup
conf=$E2E_TMP/vps.conf
ADMIN_VIRT_TYPE='' admin_conf "$conf" "backend = file" "dir = $imgdir"
mkdir -p "$isodir"
t_need "a tiny Linux guest on an ISO" make_guest_iso "$isodir/guest.iso"
: >"$data"

# kvm_state: /dev/kvm as a test name says it.
kvm_state()
{
	if [ -e /dev/kvm ]; then
		stat -c '/dev/kvm %U:%G %a' /dev/kvm
	else
		echo "no /dev/kvm"
	fi
}

# dom_type NAME: the domain type create-vps defined.
dom_type()
{
	e2e_virsh dumpxml "$1" | xmllint --xpath 'string(/domain/@type)' -
}

n=0
# boots LABEL [EXPECTED-TYPE]: a new VPS with the defaults; it must boot
# the guest to its shell; with EXPECTED-TYPE its domain type must be that.
boots()
{
	local label=$1 want=${2:-} name type
	n=$((n + 1))
	name=$(e2e_name "v$n")
	printf '%s:alice:1:256:1:%s\n' "$name" "$(free_port)" >>"$data"
	defer e2e_forget_domain "$name"
	t_check "$label: create-vps with the default virt_type and cpu" \
	    "$create" -c "$conf" "$name" guest.iso
	diag <"$T_OUT"
	cp "$T_ERR" "$E2E_TMP/$name.err"
	diag <"$E2E_TMP/$name.err"
	type=$(dom_type "$name")
	if [ -n "$want" ]; then
		t_eq "$label: domain type $want" "$want" "$type"
	fi
	if [ "$type" = qemu ]; then
		t_check "$label: TCG is explained (warning names why)" \
		    grep -q "KVM not used" "$E2E_TMP/$name.err"
	fi
	t_check "$label: the VPS starts ($type)" \
	    guest_serial_start "$name" "$E2E_TMP/$name.serial"
	t_check "$label: its kernel boots to the guest's shell ($type)" \
	    guest_wait_marker "$E2E_TMP/$name.serial"
	e2e_virsh destroy "$name" >/dev/null 2>&1
}

# kvm_restore MODE OWNER: /dev/kvm as it was (also after a kill).
kvm_restore()
{
	[ -e /dev/kvm ] || mv /dev/kvm.vpshost-e2e /dev/kvm || return 1
	chown "$2" /dev/kvm && chmod "$1" /dev/kvm
}

boots "as found: $(kvm_state)"
if [ -e /dev/kvm ]; then
	mode=$(stat -c %a /dev/kvm)
	owner=$(stat -c %u:%g /dev/kvm)
	defer kvm_restore "$mode" "$owner"
	chown root:root /dev/kvm && chmod 0600 /dev/kvm
	boots "root-only: $(kvm_state)" qemu
	t_check "root-only: the warning gives QEMU's reason" \
	    grep -qi "permission denied" "$E2E_TMP/$(e2e_name "v$n").err"
	if getent group kvm >/dev/null; then
		chown root:kvm /dev/kvm && chmod 0660 /dev/kvm
		boots "for the QEMU user: $(kvm_state)"
	fi
	mv /dev/kvm /dev/kvm.vpshost-e2e
	boots "absent: $(kvm_state)" qemu
	t_check "/dev/kvm put back as it was" kvm_restore "$mode" "$owner"
else
	diag "this host has no /dev/kvm: the other states cannot be tried"
fi

# virt_type = qemu is obeyed without a probe, and kvm is kept even where
# it will not run (the admin asked for it).
for vt in qemu kvm; do
	n=$((n + 1))
	name=$(e2e_name "v$n")
	printf '%s:alice:1:256:1:%s\n' "$name" "$(free_port)" >>"$data"
	sed "s/^\[storage\]/virt_type = $vt\n[storage]/" "$conf" \
	    >"$E2E_TMP/$vt.conf"
	t_check "virt_type = $vt: --dry-run" "$create" -c "$E2E_TMP/$vt.conf" \
	    --dry-run "$name"
	t_eq "virt_type = $vt: domain type $vt" "$vt" \
	    "$(xmllint --xpath 'string(/domain/@type)' "$T_OUT")"
done

t_done
