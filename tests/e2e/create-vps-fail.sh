#!/usr/bin/env bash
# create-vps-fail.sh: every refusal and every failure leaves nothing behind.
#
# Checked before any change: VG too small, domain of that name defined,
# LV or image of that name present, SPICE port used by another domain,
# libvirt network or bridge missing.
# Failing after a change: libvirtd stops between the LV creation and the
# define (an lvm wrapper first in PATH stops it once lvcreate succeeded:
# libblockdev runs lvm from PATH), and libvirt refuses the XML after the
# image was made (a template with an unknown machine type). Each time:
# exit 1, no LV, no image, no new domain, and what existed is untouched.
# Someone else acting by name meanwhile: once create-vps's lvcreate
# succeeded, another admin replaces the LV with one of their own and
# defines a domain of the same name (an lvm wrapper again); create-vps's
# define fails, and its rollback, which goes by the UUID it gave its
# domain and the UUID of the LV it made, leaves both of theirs alone.
# Helpers below run through t_check, which shellcheck cannot follow.
# shellcheck disable=SC2317
# shellcheck source=lib.sh
. "$top_srcdir/tests/e2e/lib.sh"
# shellcheck source=admin-lib.sh
. "$top_srcdir/tests/e2e/admin-lib.sh"
e2e_require_root
e2e_require_cmd libvirtd virsh lvm losetup xmllint

admin_setup
vg=$(e2e_name vg)
t_need "VG of 4 GiB" make_vg "$vg" 4096

lvmconf=$E2E_TMP/lvm.conf
fileconf=$E2E_TMP/file.conf
admin_conf "$lvmconf" "backend = lvm" "vg = $vg"
admin_conf "$fileconf" "backend = file" "dir = $imgdir"

big=$(e2e_name big)
dup=$(e2e_name dup)
lvx=$(e2e_name lv)
prt=$(e2e_name port)
other=$(e2e_name other)
gone=$(e2e_name gone)
bad=$(e2e_name bad)
img=$(e2e_name img)
race=$(e2e_name race)
used_port=$(free_port)
{
	printf '%s:alice:1:128:100:%s\n' "$big" "$(free_port)"
	printf '%s:alice:1:128:1:%s\n' "$dup" "$(free_port)"
	printf '%s:alice:1:128:1:%s\n' "$lvx" "$(free_port)"
	printf '%s:alice:1:128:1:%s\n' "$prt" "$used_port"
	printf '%s:alice:1:128:1:%s\n' "$gone" "$(free_port)"
	printf '%s:alice:1:128:1:%s\n' "$bad" "$(free_port)"
	printf '%s:alice:1:128:1:%s\n' "$img" "$(free_port)"
	printf '%s:alice:1:128:1:%s\n' "$race" "$(free_port)"
} >"$data"
for n in "$big" "$dup" "$lvx" "$prt" "$other" "$gone" "$bad" "$img" \
    "$race"; do
	defer e2e_forget_domain "$n"
done

lv_names()
{
	lvm_e2e lvs --noheadings -o lv_name "$vg" 2>/dev/null | xargs
}

# A minimal domain, defined behind create-vps's back.
define_small()
{
	admin_domain_xml "$1" "<graphics type='spice' port='$2' autoport='no' listen='127.0.0.1'/>" \
	    >"$E2E_TMP/small.xml"
	e2e_virsh define "$E2E_TMP/small.xml"
}

# nothing_left NAME: no LV, no image, no domain of that name.
nothing_left()
{
	! lvm_e2e lvs "$vg/$1" >/dev/null 2>&1 &&
	    [ ! -e "$imgdir/$1.img" ] &&
	    ! e2e_virsh dominfo "$1" >/dev/null 2>&1
}

# ---- refused before any change
t_check_rc "VG too small: exit 1" 1 "$create" -c "$lvmconf" "$big"
t_check "... says how much is free" grep -q "MiB free, 102400 MiB needed" \
    "$T_ERR"
t_check "... nothing left" nothing_left "$big"

t_check "a domain named like the VPS" define_small "$dup" "$(free_port)"
t_check_rc "name already defined: exit 1" 1 "$create" -c "$lvmconf" "$dup"
t_check "... says so" grep -q "already defined" "$T_ERR"
t_eq "... no LV made" "" "$(lv_names)"
t_check "... the domain is still there" e2e_virsh dominfo "$dup"

t_check "an LV named like the VPS" lvm_e2e lvcreate -q -L 8M -n "$lvx" "$vg"
t_check_rc "LV already exists: exit 1" 1 "$create" -c "$lvmconf" "$lvx"
t_check "... says so" grep -q "/dev/$vg/$lvx already exists" "$T_ERR"
t_check "... the LV is untouched" lvm_e2e lvs --noheadings --units m \
    -o lv_size "$vg/$lvx"
t_eq "... still 8 MiB" 8.00m "$(xargs <"$T_OUT")"
t_check_rc "... no domain defined" 1 e2e_virsh dominfo "$lvx"
t_check "lvremove it" lvm_e2e lvremove -q -y "$vg/$lvx"

t_check "another domain uses port $used_port" define_small "$other" \
    "$used_port"
t_check_rc "port in use: exit 1" 1 "$create" -c "$lvmconf" "$prt"
t_check "... says so" grep -q "SPICE port $used_port is used" "$T_ERR"
t_check "... nothing left" nothing_left "$prt"

sed "s/^network = .*/network = $(e2e_name nonet)/" "$lvmconf" >"$E2E_TMP/nonet.conf"
t_check_rc "network not defined: exit 1" 1 "$create" -c "$E2E_TMP/nonet.conf" \
    "$prt"
t_check "... says so" grep -q "libvirt network $(e2e_name nonet)" "$T_ERR"
t_check "... nothing left" nothing_left "$prt"
sed "s/^network = .*/bridge = nobr$E2E_RUNID/" "$lvmconf" >"$E2E_TMP/nobr.conf"
t_check_rc "bridge missing: exit 1" 1 "$create" -c "$E2E_TMP/nobr.conf" "$prt"
t_check "... says so" grep -q "no such bridge" "$T_ERR"
t_check "... nothing left" nothing_left "$prt"

mkdir -m 0711 "$imgdir"
printf 'precious' >"$imgdir/$img.img"
t_check_rc "image already exists: exit 1" 1 "$create" -c "$fileconf" "$img"
t_eq "... the image is untouched" precious "$(cat "$imgdir/$img.img")"
t_check_rc "... no domain defined" 1 e2e_virsh dominfo "$img"
rm -f "$imgdir/$img.img"

# ---- failing after the disk was made
#
# The wrapper runs the real lvm; once an lvcreate succeeded it stops
# libvirtd and waits until it is gone, so create-vps's define finds no
# daemon.
wrapdir=$E2E_TMP/wrap
mkdir "$wrapdir"
cat >"$wrapdir/lvm" <<EOW
#!/bin/bash
$(command -v lvm) "\$@"
rc=\$?
if [ "\$1" = lvcreate ] && [ \$rc -eq 0 ]; then
	pid=\$(cat "$E2E_TMP/libvirt/libvirtd.pid")
	kill -TERM "\$pid"
	for i in \$(seq 200); do
		kill -0 "\$pid" 2>/dev/null || break
		sleep 0.1
	done
fi
exit \$rc
EOW
chmod 0755 "$wrapdir/lvm"

if [ -n "$LIBVIRTD_PID" ]; then
	t_check_rc "libvirtd stopped after lvcreate: exit 1" 1 \
	    env PATH="$wrapdir:$PATH" "$create" -c "$lvmconf" "$gone"
	cp "$T_ERR" "$E2E_TMP/gone.err"
	diag <"$E2E_TMP/gone.err"
	t_check "... says the define failed" grep -q "cannot define domain" \
	    "$E2E_TMP/gone.err"
	t_check "... and that the LV was removed" grep -q \
	    "/dev/$vg/$gone removed again" "$E2E_TMP/gone.err"
	t_check_fails "libvirtd is really down" e2e_virsh uri
	t_need "libvirtd starts again" restart_libvirtd
	t_check "... nothing left" nothing_left "$gone"
else
	t_skip "libvirtd stopped after lvcreate" \
	    "machine: libvirtd already ran (a system service), so this test may not stop it"
fi

# Someone else, by name, between create-vps's lvcreate and its define.
admin_domain_xml "$race" >"$E2E_TMP/race.xml"
racedir=$E2E_TMP/race
mkdir "$racedir"
cat >"$racedir/lvm" <<EOW
#!/bin/bash
lvm=$(command -v lvm)
"\$lvm" "\$@"
rc=\$?
if [ "\$1" = lvcreate ] && [ \$rc -eq 0 ]; then
	"\$lvm" lvremove --config '$LVM_E2E_CONFIG' -q -y "$vg/$race" &&
	"\$lvm" lvcreate --config '$LVM_E2E_CONFIG' -q -y -L 8M -n "$race" \
	    "$vg" && virsh -q -c '$VIRSH_URI' define "$E2E_TMP/race.xml"
fi >/dev/null 2>&1
exit \$rc
EOW
chmod 0755 "$racedir/lvm"
lv_uuid()
{
	lvm_e2e lvs --noheadings -o lv_uuid "$vg/$1" 2>/dev/null | xargs
}
t_check_rc "a domain and an LV of the same name made meanwhile: exit 1" 1 \
    env PATH="$racedir:$PATH" "$create" -c "$lvmconf" "$race"
cp "$T_ERR" "$E2E_TMP/race.err"
diag <"$E2E_TMP/race.err"
t_check "... says the define failed" grep -q "cannot define domain" \
    "$E2E_TMP/race.err"
t_check "... the other domain is still defined" e2e_virsh dominfo "$race"
t_check "... and has no disk (it is theirs, not create-vps's)" \
    test -z "$(e2e_virsh domblklist "$race")"
t_check "... says it left that domain alone" grep -q \
    "a domain named $race that this run did not define is left" \
    "$E2E_TMP/race.err"
t_check "... the other LV is still there" test -n "$(lv_uuid "$race")"
t_check "... says it left that LV alone" grep -q \
    "/dev/$vg/$race is not the disk this run made" "$E2E_TMP/race.err"
t_eq "... and it has no vpshost tag" "" \
    "$(lvm_e2e lvs --noheadings -o lv_tags "$vg/$race" 2>/dev/null | xargs)"
t_check "... remove them" e2e_forget_domain "$race"
t_check "... lvremove" lvm_e2e lvremove -q -y "$vg/$race"

# libvirt refuses the XML (unknown machine type) after the image exists.
mkdir "$E2E_TMP/badxml"
sed "s/machine='q35'/machine='no-such-machine'/" "$top_srcdir/xml/domain.xml" \
    >"$E2E_TMP/badxml/domain.xml"
sed "s|^template_dir = .*|template_dir = $E2E_TMP/badxml|" "$fileconf" \
    >"$E2E_TMP/badxml.conf"
t_check_rc "libvirt refuses the XML: exit 1" 1 "$create" \
    -c "$E2E_TMP/badxml.conf" "$bad"
cp "$T_ERR" "$E2E_TMP/bad.err"
t_check "... says the define failed" grep -q "cannot define domain" \
    "$E2E_TMP/bad.err"
t_check "... and that the image was removed" grep -q \
    "$imgdir/$bad.img removed again" "$E2E_TMP/bad.err"
t_check "... nothing left" nothing_left "$bad"

t_eq "no LV of create-vps is left" "" "$(lv_names)"
t_eq "no image is left" "" "$(ls -A "$imgdir")"
t_check "the domains it did not make are still there" e2e_virsh dominfo "$other"

t_done
