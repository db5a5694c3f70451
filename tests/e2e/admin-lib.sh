# tests/e2e/admin-lib.sh: the set-up that the create-vps and delete-vps
# tests share. Sourced after lib.sh.
# The names it sets are for the scripts that source it.
# shellcheck shell=bash disable=SC2034,SC2154

# admin_setup: sets create and delete (the built tools), points
# VPS_XML_DIR at the source tree's template, starts libvirtd and makes an
# isolated network, whose name is left in net; data is $E2E_TMP/vps.data,
# isodir $E2E_TMP/iso and imgdir $E2E_TMP/images. Bails out if libvirtd or
# the network cannot be had.
admin_setup()
{
	create=$top_builddir/create-vps
	delete=$top_builddir/delete-vps
	VPS_XML_DIR=$top_srcdir/xml
	export VPS_XML_DIR
	data=$E2E_TMP/vps.data
	isodir=$E2E_TMP/iso
	imgdir=$E2E_TMP/images
	t_need "libvirtd is up" start_libvirtd
	net=$(e2e_name net)
	t_need "isolated network" make_libvirt_net "$net"
}

# admin_conf FILE STORAGE-LINE...: writes to FILE a vps.conf for the
# names admin_setup set, with the given lines in its [storage] group
# (such as "backend = file" "dir = $imgdir").
admin_conf()
{
	local file=$1
	shift
	{
		printf '[vps]\ndata = %s\niso_dir = %s\nuri = %s\n' \
		    "$data" "$isodir" "$VIRSH_URI"
		printf '[storage]\n'
		printf '%s\n' "$@"
		printf '[network]\nnetwork = %s\n' "$net"
	} >"$file"
}
