# tests/e2e/admin-lib.sh: the set-up that the create-vps and delete-vps
# tests share. Sourced after lib.sh.
# The names it sets are for the scripts that source it.
# shellcheck shell=bash disable=SC2034,SC2154

# admin_setup: sets create and delete (the built tools), and xmldir, a
# copy of the package data (the source tree's template and the built probe
# image, readable by QEMU) that admin_conf names as [vps] template_dir;
# starts libvirtd and makes an
# isolated network, whose name is left in net; data is $E2E_TMP/vps.data,
# isodir $E2E_TMP/iso and imgdir $E2E_TMP/images. Bails out if libvirtd or
# the network cannot be had.
admin_setup()
{
	create=$top_builddir/create-vps
	delete=$top_builddir/delete-vps
	xmldir=$E2E_TMP/xml
	t_need "package data" admin_data "$xmldir"
	data=$E2E_TMP/vps.data
	isodir=$E2E_TMP/iso
	imgdir=$E2E_TMP/images
	t_need "libvirtd is up" start_libvirtd
	t_need "delete-vps's locks forgotten at cleanup" \
	    e2e_forget_disk_locks "$(admin_runstatedir)"
	net=$(e2e_name net)
	t_need "isolated network" make_libvirt_net "$net"
}

# The build's runstatedir (where the tools keep their locks).
admin_runstatedir()
{
	printf 'print:\n\t@echo $(runstatedir)\n' |
	    make -s --no-print-directory -C "$top_builddir" -f Makefile \
	    -f - print | tail -n 1
}

# admin_data DIR: what create-vps reads from the package data directory.
admin_data()
{
	install -d -m 0755 "$1" &&
	    install -m 0644 "$top_srcdir/xml/domain.xml" \
	    "$top_builddir/xml/probe.img" "$1"
}

# admin_conf FILE STORAGE-LINE...: writes to FILE a vps.conf for the
# names admin_setup set, with the given lines in its [storage] group
# (such as "backend = file" "dir = $imgdir") and, once make_vg made a VG,
# lvm_config = LVM_E2E_CONFIG (the tools read no environment). Its
# virt_type is qemu, so
# that the many create-vps runs of the tests do not each probe KVM
# (virt-type.sh tests that choice), unless ADMIN_VIRT_TYPE says else
# (empty: the default, auto).
admin_conf()
{
	local file=$1
	shift
	{
		printf '[vps]\ndata = %s\niso_dir = %s\nuri = %s\n' \
		    "$data" "$isodir" "$VIRSH_URI"
		printf 'template_dir = %s\n' "$xmldir"
		[ -z "${ADMIN_VIRT_TYPE-qemu}" ] ||
		    printf 'virt_type = %s\n' "${ADMIN_VIRT_TYPE-qemu}"
		printf '[storage]\n'
		printf '%s\n' "$@"
		[ -z "$LVM_E2E_CONFIG" ] ||
		    printf 'lvm_config = %s\n' "$LVM_E2E_CONFIG"
		printf '[network]\nnetwork = %s\n' "$net"
	} >"$file"
}

# admin_domain_xml NAME [DEVICE-XML...]: prints the XML of a minimal
# domain NAME with the given devices, for a domain defined behind the
# tools' back.
admin_domain_xml()
{
	printf "<domain type='qemu'>\n  <name>%s</name>\n" "$1"
	printf "  <memory unit='MiB'>64</memory>\n"
	printf "  <os><type arch='x86_64'>hvm</type></os>\n  <devices>\n"
	shift
	[ $# -eq 0 ] || printf '    %s\n' "$@"
	printf '  </devices>\n</domain>\n'
}
