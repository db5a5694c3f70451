#!/usr/bin/env bash
# snapshot-lvm.sh: the menu's snapshot verbs with the lvm backend, through
# the member's ssh, sudo and the root helper, on a VPS that create-vps
# made in a VG on a loop device (activation disabled, so the VPS is
# defined, not started): snapshot makes the LV VPS.snap.NAME.EPOCH with
# the tags vpshost-snap and vpshost-time-EPOCH whose origin is the disk;
# snapshots lists it; forget removes it; another member reaches none of
# it; delete-vps names the snapshots and --purge-disk removes them with
# the disk. vps-doctor's snapshots check weighs the VG's free space.
#
# Without device-mapper, lvcreate refuses any snapshot ("Can't create
# snapshot without using device-mapper kernel driver") and lvconvert
# --merge any merge ("Can't initialize snapshot merge"): then the member's
# snapshot must fail cleanly (exit 1, LVM's reason, no LV left), and the
# snapshot LV is staged as lvcreate -s writes it (a COW LV with the tags,
# and the snapshot segment that ties it to its origin, restored with
# vgcfgrestore), so that listing, forget and purge still run against
# LVM's real metadata; the revert must then fail cleanly too and leave
# the snapshot listed.
# Helpers below run through t_check, which shellcheck cannot follow.
# shellcheck disable=SC2317
# shellcheck source=lib.sh
. "$top_srcdir/tests/e2e/lib.sh"
# shellcheck source=virsh-menu-lib.sh
. "$top_srcdir/tests/e2e/virsh-menu-lib.sh"
# shellcheck source=admin-lib.sh
. "$top_srcdir/tests/e2e/admin-lib.sh"
e2e_require_root
e2e_require_cmd sudo sshd ssh virsh libvirtd lvm losetup python3

t_need "libvirtd is up" start_libvirtd
t_need "menu world is set up" menu_setup
xmldir=$E2E_TMP/xml
t_need "package data" admin_data "$xmldir"
net=$(e2e_name net)
t_need "isolated network" make_libvirt_net "$net"
vg=$(e2e_name vg)
t_need "VG on a loop device" make_vg "$vg" 2048

# The menu world's vps.conf with the lvm backend in that VG.
lvm_conf()
{
	sed "s|^\\[vps\\]\$|[vps]\\ntemplate_dir = $xmldir\\nvirt_type = qemu|" \
	    "$CONF" >"$E2E_TMP/lvm.conf" &&
	    printf '[storage]\nbackend = lvm\nvg = %s\nlvm_config = %s\n' \
	    "$vg" "$LVM_E2E_CONFIG" >>"$E2E_TMP/lvm.conf" &&
	    printf '[network]\nnetwork = %s\n' "$net" >>"$E2E_TMP/lvm.conf" &&
	    printf '[snapshots]\nmax_per_vps = 3\nlvm_size_percent = 20\n' \
	    >>"$E2E_TMP/lvm.conf" &&
	    install -m 0644 "$E2E_TMP/lvm.conf" "$CONF"
}
t_need "vps.conf: lvm backend in $vg" lvm_conf

# The names of the LVs of the VG, sorted, one a line.
lv_names()
{
	lvm_e2e lvs --noheadings -o lv_name "$vg" 2>/dev/null |
	    awk '{ print $1 }' | sort
}

# The LVs that are snapshots of A2: NAME TAGS ORIGIN.
snap_lvs()
{
	lvm_e2e lvs --noheadings -o lv_name,lv_tags,origin "$vg" 2>/dev/null |
	    awk -v o="$A2" '$3 == o { print $1, $2, $3 }'
}

# The names the member's "snapshots" lists (lines with a time), sorted.
listed()
{
	ssh_as "$ALICE" use "$A2" snapshots |
	    awk '/[0-9][0-9]:[0-9][0-9]/ { print $1 }' | sort
}

# Whether the first snapshot LV in $E2E_TMP/snaps has its time tag's
# EPOCH in its name.
epoch_is_tag()
{
	grep -Eq "^$A2\\.snap\\.s1\\.([0-9]+) .*vpshost-time-\\1( |,)" \
	    "$E2E_TMP/snaps"
}

# Whether that LV has 20% of the 1 GiB origin: 205 MiB, 208 in extents.
size_is_20()
{
	lvm_e2e lvs --noheadings --units m --nosuffix -o lv_size \
	    "$vg/$(awk '{ print $1; exit }' "$E2E_TMP/snaps")" 2>/dev/null |
	    awk '{ exit !($1 >= 204 && $1 <= 208) }'
}

# stage NAME: snapshot NAME of A2 as lvcreate -s writes it into the VG's
# metadata (see the top): the COW LV, 20% of the origin, with the tags,
# and a hidden snapshot segment naming origin and COW store.
stage()
{
	local t lv
	t=$(date +%s)
	lv=$A2.snap.$1.$t
	lvm_e2e lvcreate -q -an -Zn -L 205M -n "$lv" --addtag vpshost-snap \
	    --addtag "vpshost-time-$t" "$vg" >/dev/null 2>&1 &&
	    lvm_e2e vgcfgbackup -q -f "$E2E_TMP/vg.meta" "$vg" >/dev/null 2>&1 &&
	    python3 - "$E2E_TMP/vg.meta" "$A2" "$lv" <<-'EOF' &&
	import re, sys, random, string
	path, origin, cow = sys.argv[1:]
	s = open(path).read()
	# The origin's size in extents: its segments' extent counts.
	i = s.index('\n\t\t%s {' % origin)
	block = s[i:s.index('\n\t\t}', i)]
	extents = sum(int(n) for n in re.findall(r'extent_count = (\d+)', block))
	n = 0
	while re.search(r'\n\t\tsnapshot%d \{' % n, s):
	    n += 1
	a = string.ascii_letters + string.digits
	r = ''.join(random.choice(a) for _ in range(32))
	uid = '-'.join([r[0:6], r[6:10], r[10:14], r[14:18], r[18:22],
	    r[22:26], r[26:32]])
	seg = '''
			snapshot%d {
				id = "%s"
				status = ["READ", "WRITE"]
				flags = []
				segment_count = 1

				segment1 {
					start_extent = 0
					extent_count = %d

					type = "snapshot"
					chunk_size = 8
					origin = "%s"
					cow_store = "%s"
				}
			}
	''' % (n, uid, extents, origin, cow)
	# The end of logical_volumes: the last "}" before the VG's own.
	end = s.rstrip().rfind('}')
	end = s[:end].rstrip().rfind('}')
	s = s[:end] + seg.lstrip('\n') + '\t' + s[end:]
	s = re.sub(r'seqno = (\d+)', lambda m: 'seqno = %d' %
	    (int(m.group(1)) + 1), s, count=1)
	open(path, 'w').write(s)
	EOF
	    lvm_e2e vgcfgrestore -q -f "$E2E_TMP/vg.meta" "$vg" >/dev/null 2>&1
}

# take NAME: the member's snapshot NAME; staged (once said) where LVM
# cannot make one on this machine.
real_snap=""
take()
{
	if [ "$real_snap" = yes ]; then
		t_check "snapshot $1" ssh_as "$ALICE" use "$A2" snapshot "$1"
	else
		t_check "snapshot $1 (staged: no device-mapper)" stage "$1"
	fi
}

t_check "$A2's menu domain undefined" e2e_forget_domain "$A2"
t_need "create-vps $A2 (lvm, not started)" "$top_builddir/create-vps" \
    -c "$CONF" --no-autostart "$A2"
t_eq "... its LV is the VG's only one" "$A2" "$(lv_names)"

# ---- vps-doctor's snapshots check on this VG: 3 snapshots of 20% of the
# 1 GiB disks of vps.data (205 MiB each) need 615 MiB, which the VG has;
# 10 need 2050.
snapcheck()
{
	"$top_builddir/vps-doctor" -c "$1" >"$E2E_TMP/doctor.out" 2>&1
	grep -A1 "^[A-Z]*  *snapshots " "$E2E_TMP/doctor.out"
}
t_check "vps-doctor: a snapshots line" snapcheck "$CONF"
diag <"$T_OUT"
t_check "... OK: room for 3 snapshots of 20% of 1 GiB" grep -q \
    "^OK  *snapshots  *up to 3 per VPS; VG $vg has room for the snapshots of the largest VPS disk (615 MiB needed)" \
    "$T_OUT"
sed 's/^max_per_vps = 3$/max_per_vps = 10/' "$CONF" >"$E2E_TMP/ten.conf"
t_check "vps-doctor with max_per_vps = 10" snapcheck "$E2E_TMP/ten.conf"
cp "$T_OUT" "$E2E_TMP/ten.out"
diag <"$E2E_TMP/ten.out"
t_check "... WARN: 2050 MiB needed" grep -Eq \
    "^WARN  *snapshots  *VG $vg has [0-9]+ MiB free, less than the 2050 MiB that its snapshots of the largest VPS disk \(1024 MiB\) may need" \
    "$E2E_TMP/ten.out"
t_check "... with a fix" grep -q "fix: .*max_per_vps" "$E2E_TMP/ten.out"

# ---- no snapshots yet
t_check "snapshots: none" ssh_as "$ALICE" use "$A2" snapshots
diag <"$T_OUT"
t_check "... says so" grep -q "$A2 has no snapshots" "$T_OUT"

# ---- snapshot s1
rc=0
_e2e_run ssh_as "$ALICE" use "$A2" snapshot s1 || rc=$?
if [ "$rc" -eq 0 ]; then
	real_snap=yes
	ok "snapshot s1"
elif grep -q "device-mapper" "$T_ERR"; then
	diag <"$T_ERR"
	t_eq "snapshot s1 without device-mapper: exit 1" 1 "$rc"
	t_check "... with LVM's reason" grep -q \
	    "Can't create snapshot without using device-mapper" "$T_ERR"
	t_eq "... no LV left" "$A2" "$(lv_names)"
	t_skip "snapshot s1 makes the LV" "machine: no device-mapper: lvcreate refuses to make a snapshot LV with activation disabled; staged instead"
	take s1
else
	not_ok "snapshot s1"
	_e2e_diag_failure "$rc" ssh_as "$ALICE" use "$A2" snapshot s1
fi
snap_lvs >"$E2E_TMP/snaps"
diag <"$E2E_TMP/snaps"
t_check "the LV $A2.snap.s1.EPOCH, tagged, its origin $A2" grep -Eq \
    "^$A2\\.snap\\.s1\\.[0-9]+ vpshost-snap,vpshost-time-[0-9]+ $A2\$" \
    "$E2E_TMP/snaps"
t_check "... its EPOCH is its time tag" epoch_is_tag
t_check "... 20% of the 1 GiB disk, in whole extents" size_is_20
t_check "snapshots lists s1" ssh_as "$ALICE" use "$A2" snapshots
diag <"$T_OUT"
t_check "... with its time and size" grep -Eq \
    "^s1 +[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2} +[0-9]" \
    "$T_OUT"
t_check_rc "snapshot s1 again: exit 2" 2 ssh_as "$ALICE" use "$A2" snapshot s1
t_check "... it exists" grep -q "already has a snapshot s1" "$T_ERR"

# ---- another member
t_check_rc "bob: use $A2 snapshots: exit 2" 2 ssh_as "$BOB" use "$A2" snapshots
t_check "... lists nothing" test ! -s "$T_OUT"
t_check_rc "bob: use $A2 forget s1: exit 2" 2 ssh_as "$BOB" use "$A2" forget s1
t_check_rc "bob: use $A2 revert s1 yes: exit 2" 2 \
    ssh_as "$BOB" use "$A2" revert s1 yes
t_eq "... s1 is still there" s1 "$(listed)"

# ---- forget
t_check "forget s1" ssh_as "$ALICE" use "$A2" forget s1
t_eq "... the LV is gone" "$A2" "$(lv_names)"
t_eq "... snapshots lists none" "" "$(listed)"
t_check_rc "forget s1 again: exit 2" 2 ssh_as "$ALICE" use "$A2" forget s1
t_check "... naming it" grep -q "has no snapshot s1" "$T_ERR"

# ---- revert: a merge into the origin, which uses the snapshot up
take s2
take s3
t_eq "s2 and s3 listed" "$(printf 's2\ns3')" "$(listed)"
rc=0
_e2e_run ssh_as "$ALICE" use "$A2" revert s3 yes || rc=$?
diag <"$T_OUT"
diag <"$T_ERR"
if [ "$rc" -eq 0 ]; then
	ok "revert s3 yes"
	t_check "... says LVM merges it" grep -q "LVM merges the snapshot" \
	    "$T_OUT"
	t_eq "... s3 is no longer listed" s2 "$(listed)"
elif grep -q "Can't initialize snapshot merge" "$T_ERR"; then
	t_eq "revert s3 without device-mapper: exit 1" 1 "$rc"
	t_check "... naming the snapshot's LV" grep -q "$A2\\.snap\\.s3\\." \
	    "$T_ERR"
	t_eq "... s3 is still listed" "$(printf 's2\ns3')" "$(listed)"
	t_skip "revert s3 merges the snapshot into $A2" "machine: no device-mapper: lvconvert --merge needs the kernel's snapshot-merge target, also for an inactive origin"
else
	not_ok "revert s3 yes"
	_e2e_diag_failure "$rc" ssh_as "$ALICE" use "$A2" revert s3 yes
fi
t_check_rc "revert of an unknown snapshot: exit 2" 2 \
    ssh_as "$ALICE" use "$A2" revert nosuch yes
t_check "... naming it" grep -q "has no snapshot nosuch" "$T_ERR"

# ---- delete-vps
before=$(listed)
t_check "delete-vps $A2" "$top_builddir/delete-vps" -c "$CONF" "$A2"
cp "$T_OUT" "$E2E_TMP/delete.out"
diag <"$E2E_TMP/delete.out"
for n in $before; do
	t_check "... names snapshot $n as kept" grep -q "^snapshot $n kept" \
	    "$E2E_TMP/delete.out"
done
t_eq "... keeps the LVs" "$before" "$(snap_lvs | awk '{ print $1 }' |
    sed "s/^$A2\\.snap\\.//; s/\\.[0-9]*\$//" | sort)"
t_check "delete-vps --purge-disk $A2 (no domain: create-vps's tag)" \
    "$top_builddir/delete-vps" -c "$CONF" --purge-disk "$A2"
diag <"$T_OUT"
t_check "... says how many snapshots went" grep -q \
    "^$(echo "$before" | wc -l) snapshots\\? of $A2 removed" "$T_OUT"
t_eq "... no LV is left" "" "$(lv_names)"

# ---- with a domain, and a snapshot: both go
t_need "create-vps $A2 again" "$top_builddir/create-vps" -c "$CONF" \
    --no-autostart "$A2"
take s4
t_check "delete-vps --purge-disk $A2" "$top_builddir/delete-vps" \
    -c "$CONF" --purge-disk "$A2"
diag <"$T_OUT"
t_check "... says the snapshot went" grep -q "^1 snapshot of $A2 removed" \
    "$T_OUT"
t_eq "... no LV is left" "" "$(lv_names)"
t_done
