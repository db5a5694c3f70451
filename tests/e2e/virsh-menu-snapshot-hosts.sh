#!/usr/bin/env bash
# virsh-menu-snapshot-hosts.sh: snapshot, snapshots, revert and forget of
# a VPS of another host whose disk is a volume of that host's storage
# pool (backend = pool, snappool.h), through the member's ssh, sudo and
# the root helper, which reaches the pool only through libvirt's storage
# pool API on hv2 (start_libvirtd2). A real guest on hv2 writes marker A
# to its disk, the member takes a snapshot, the guest writes B, the
# member reverts, and the guest reads A again. Around that: the time
# listed, the limit, forget, a running VPS, another member by every way
# in, a copy left by an interrupted snapshot (not listed, swept), the
# state an interrupted revert leaves (start, snapshot and forget refused,
# the next revert completes), the helper killed (SIGKILL) during a
# snapshot's copy (never listed, swept), hv2's libvirtd killed (SIGKILL)
# during a revert of a big disk, a host without backend = pool refused,
# and delete-vps --purge-disk removing every volume of the VPS's
# snapshots.
# Helpers below run through t_check, which shellcheck cannot follow.
# shellcheck disable=SC2317
# shellcheck source=lib.sh
. "$top_srcdir/tests/e2e/lib.sh"
# shellcheck source=virsh-menu-lib.sh
. "$top_srcdir/tests/e2e/virsh-menu-lib.sh"
e2e_require_root
e2e_require_cmd sudo sshd ssh virsh libvirtd qemu-system-x86_64 runuser \
    cpio busybox sha256sum unshare nsenter

# Boots under TCG on a busy host, and copies: more than the default.
E2E_TIMEOUT=180

t_need "libvirtd is up" start_libvirtd
t_need "a second libvirtd, hv2" start_libvirtd2
t_need "menu world is set up" menu_setup
t_need "guest kernel and an initramfs with virtio_blk" \
    menu_guest_files virtio_pci virtio_blk

A3=$(e2e_name a3)
PORT_A3=$(free_port)
pool=$(e2e_name pool)
pooldir=$E2E_TMP/pool2
disk=$pooldir/$A3.img
delete=$top_builddir/delete-vps
GUEST_VIRSH=e2e_virsh2

t_need "a dir pool on hv2" make_dir_pool "$VIRSH_URI2" "$pool" "$pooldir"

# hv2 in vps.conf with its pool, A3 on it in vps.data, the rules again.
add_hv2()
{
	printf '[host hv2]\nuri = %s\nspice_listen = %s\nbackend = pool\npool = %s\n' \
	    "$VIRSH_URI2" "$HV2_SPICE" "$pool" >>"$CONF" &&
	    printf '[storage]\nbackend = file\ndir = %s\n[snapshots]\nmax_per_vps = 2\n' \
	    "$E2E_TMP/disks" >>"$CONF" &&
	    printf '%s:%s:1:128:1:%s:hv2\n' "$A3" "$ALICE" "$PORT_A3" \
	    >>"$DATA" &&
	    "$top_builddir/sudoers-gen" -c "$CONF" || return 1
	kill -HUP "$SSHD_PID" && sleep 1 &&
	    wait_for -p "$SSHD_PID" port_open "$SSHD_PORT"
}
t_need "vps.conf: [host hv2] backend = pool; vps.data: $A3 there" add_hv2

# A3's disk: a volume of hv2's pool (64 MiB, sparse), the guest booted
# directly, its disk on virtio, defined on hv2 only.
define_a3()
{
	e2e_virsh2 vol-create-as "$pool" "$A3.img" 64M --format raw \
	    >/dev/null || return 1
	menu_domain_xml "$A3" "$PORT_A3" | sed \
	    -e "s|<os>.*</os>|<os><type arch='x86_64' machine='q35'>hvm</type><kernel>$E2E_TMP/guest/vmlinuz</kernel><initrd>$E2E_TMP/guest/initrd.gz</initrd><cmdline>console=ttyS0 panic=-1</cmdline></os>|" \
	    -e "s|<memory unit='MiB'>128</memory>|<memory unit='MiB'>256</memory>|" \
	    -e "s|127\.0\.0\.1|$HV2_SPICE|g" \
	    -e "s|$E2E_TMP/disks/$A3.img|$disk|" \
	    -e "s|  </devices>|<serial type='pty'><target port='0'/></serial><console type='pty'><target type='serial' port='0'/></console></devices>|" \
	    >"$E2E_TMP/$A3.xml" && e2e_virsh2 define "$E2E_TMP/$A3.xml" >/dev/null
}
t_need "$A3 is defined on hv2, its disk a volume of $pool" define_a3

# sum FILE: its SHA-256 (the pool's directory is on this file system).
sum()
{
	sha256sum <"$1" | cut -d' ' -f1
}

# The volumes of the pool that belong to A3's snapshots, sorted (libvirt
# makes them all: no refresh needed, which it refuses while it copies).
snap_vols()
{
	e2e_virsh2 vol-list "$pool" | awk -v p="$A3." \
	    'index($1, p) == 1 && $1 != p "img" { print $1 }' | sort
}

# The path of snapshot NAME's copy (snappool.h), from the pool.
snap_copy()
{
	local f
	f=$(snap_vols | grep -E "^$A3\\.snap\\.$1\\.[0-9]+\\.img\$") &&
	    printf '%s/%s\n' "$pooldir" "$f"
}

# The names "snapshots" lists (first word of each line with a time).
listed()
{
	ssh_as "$ALICE" use "$A3" snapshots |
	    awk '/[0-9][0-9]:[0-9][0-9]/ { print $1 }' | sort | tr '\n' ' '
}

state()
{
	e2e_virsh2 dominfo "$A3" | sed -n 's/^State: *//p'
}

shut_off()
{
	[ "$(state)" = "shut off" ]
}

off()
{
	ssh_as "$ALICE" use "$A3" poweroff >/dev/null &&
	    wait_for -t 30 shut_off
}

boot()
{
	serial=$E2E_TMP/serial.$RANDOM
	guest_serial_start "$A3" "$serial" && guest_wait_marker "$serial"
}

write_marker()
{
	guest_run "$A3" "$serial" \
	    "echo $1 | dd of=/dev/vda conv=fsync 2>/dev/null"
}

guest_marker()
{
	guest_run "$A3" "$serial" "head -c 512 /dev/vda | head -n 1"
}

# ---- marker A, snapshot first
t_check "the guest boots on hv2" boot
t_check "... writes marker A to its disk" write_marker MARKER-A
t_check "poweroff" off
t_eq "the volume starts with marker A" MARKER-A "$(head -n 1 "$disk")"
sum_a=$(sum "$disk")

t_check "snapshot first" ssh_as "$ALICE" use "$A3" snapshot first
t_check "... a copy in hv2's pool" snap_copy first
t_eq "... with the disk's content" "$sum_a" "$(sum "$(snap_copy first)")"
has_mark()
{
	snap_vols | grep -Eq "^$A3\\.snap\\.$1\\.[0-9]+\\.ok\$"
}
t_check "... and its mark" has_mark first
t_eq "... the disk unchanged" "$sum_a" "$(sum "$disk")"
t_check "snapshots" ssh_as "$ALICE" use "$A3" snapshots
diag <"$T_OUT"
t_check "... lists first with its time (UTC, about now)" python3 -c '
import re, sys, time, calendar
m = re.search(r"^first +(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)", open(sys.argv[1]).read(), re.M)
assert m, "no line"
t = calendar.timegm(time.strptime(m.group(1), "%Y-%m-%d %H:%M:%S"))
assert abs(time.time() - t) < 600, t' "$T_OUT"
t_check "snapnames (completion) names it" bash -c \
    "printf 'snapnames\\n' | runuser -u '$ALICE' -- sudo -n '$MENU' --serve '$A3' | grep -qx '| first'"
t_check_rc "snapshot first again: exit 2" 2 ssh_as "$ALICE" use "$A3" snapshot first
t_check "... says it exists" grep -q "already has a snapshot first" "$T_ERR"

# ---- marker B; a running VPS is refused
t_check "the guest boots again" boot
t_check "... reads marker A" guest_marker
t_eq "... (A)" MARKER-A "$GUEST_OUT"
t_check "... writes marker B" write_marker MARKER-B
before=$(snap_vols)
t_check_rc "snapshot of the running VPS: exit 1" 1 \
    ssh_as "$ALICE" use "$A3" snapshot running
t_check "... shut it down first" grep -q "shut it down first" "$T_ERR"
t_check_rc "revert of the running VPS: exit 1" 1 \
    ssh_as "$ALICE" use "$A3" revert first yes
t_check "... shut it down first" grep -q "shut it down first" "$T_ERR"
t_eq "... no volume made or removed" "$before" "$(snap_vols)"
t_check "poweroff" off
t_eq "the disk has marker B" MARKER-B "$(head -n 1 "$disk")"
sum_b=$(sum "$disk")

# ---- another member, by every way in
t_check_rc "bob: use $A3 snapshots: exit 2" 2 ssh_as "$BOB" use "$A3" snapshots
t_check "... lists nothing" test ! -s "$T_OUT"
for v in "revert first yes" "forget first" "snapshot mine"; do
	# shellcheck disable=SC2086
	t_check_rc "bob: use $A3 $v: exit 2" 2 ssh_as "$BOB" use "$A3" $v
done
t_check_fails "bob: sudo --serve $A3 refused" as_member "$BOB" sudo -n \
    "$MENU" --serve "$A3"
# His own helper, raw requests naming alice's volumes: bad names.
bob_raw()
{
	printf '%s\n' "forget $A3.snap.first" "revert ../$A3 yes" \
	    "snapshot $A3.snap.x" "forget first" |
	    as_member "$BOB" sudo -n "$MENU" --serve "$B1"
}
t_check "bob: raw requests to his own helper" bob_raw
diag <"$T_OUT"
t_check "... none is ok" bash -c "! grep -qx ok '$T_OUT'"
t_eq "alice's snapshot volumes unchanged" "$before" "$(snap_vols)"
t_eq "... and her disk" "$sum_b" "$(sum "$disk")"

# The domain's autostart on hv2: enable or disable.
autostart()
{
	e2e_virsh2 dominfo "$A3" | sed -n 's/^Autostart: *//p'
}
# The revert's marks in the pool, if any.
marks()
{
	snap_vols | grep -E "^$A3\\.reverting(-autostart)?\$"
}

# ---- revert
t_check "autostart on" ssh_as "$ALICE" use "$A3" autostart on
t_check "revert first yes" ssh_as "$ALICE" use "$A3" revert first yes
t_eq "... the disk is the snapshot's" "$sum_a" "$(sum "$disk")"
t_eq "... the snapshot stays" "$sum_a" "$(sum "$(snap_copy first)")"
t_eq "... no revert mark left" "" "$(marks)"
t_eq "... autostart is on again" enable "$(autostart)"
t_check "the guest boots after the revert" boot
t_check "... reads its disk" guest_marker
t_eq "... marker A" MARKER-A "$GUEST_OUT"
t_check "poweroff" off

# ---- the limit, forget
t_check "snapshot second" ssh_as "$ALICE" use "$A3" snapshot second
t_eq "snapshots lists both" "first second " "$(listed)"
t_check_rc "a third (max_per_vps = 2): refused" 2 \
    ssh_as "$ALICE" use "$A3" snapshot third
t_check "... saying the limit" grep -q "the most this host allows" "$T_ERR"
t_check_fails "... no copy" snap_copy third
t_check "forget second" ssh_as "$ALICE" use "$A3" forget second
t_check_fails "... its copy is gone" snap_copy second
t_eq "... and its mark" "" "$(snap_vols | grep "\\.second\\.")"
t_eq "snapshots lists first" "first " "$(listed)"
t_check_rc "revert nosuch: exit 2" 2 ssh_as "$ALICE" use "$A3" revert nosuch yes
t_check "... naming it" grep -q nosuch "$T_ERR"
t_eq "... the disk unchanged" "$sum_a" "$(sum "$disk")"

# ---- an interrupted snapshot: a copy without its mark
t_check "a copy without a mark (a snapshot killed mid-copy)" \
    e2e_virsh2 vol-create-as "$pool" "$A3.snap.half.1700000000.img" 1M \
    --format raw
t_eq "... is not listed" "first " "$(listed)"
t_check "... does not count: snapshot second fits" \
    ssh_as "$ALICE" use "$A3" snapshot second
t_eq "... and the copy was swept" "" "$(snap_vols | grep "\\.half\\.")"
t_check "forget second" ssh_as "$ALICE" use "$A3" forget second

# ---- the state an interrupted revert leaves: the mark, a half disk
half_revert()
{
	e2e_virsh2 vol-create-as "$pool" "$A3.reverting" 0 --format raw \
	    >/dev/null && head -c 1M /dev/urandom >"$disk"
}
t_check "a revert mark and a half-written disk" half_revert
t_check_rc "start: refused" 1 ssh_as "$ALICE" use "$A3" start
t_check "... a revert did not finish" grep -q "revert of $A3 did not finish" \
    "$T_ERR"
t_eq "... still shut off" "shut off" "$(state)"
t_check_rc "snapshot: refused" 2 ssh_as "$ALICE" use "$A3" snapshot x
t_check "... a revert did not finish" grep -q "did not finish" "$T_ERR"
t_check_rc "forget first: refused" 2 ssh_as "$ALICE" use "$A3" forget first
t_check "... the snapshot stays" snap_copy first
t_check "revert first completes it" ssh_as "$ALICE" use "$A3" revert first yes
t_eq "... the disk is the snapshot's" "$sum_a" "$(sum "$disk")"
t_eq "... the mark is gone" "" "$(marks)"
t_check "... and the guest boots" boot
t_check "... reads marker A" guest_marker
t_eq "... (A)" MARKER-A "$GUEST_OUT"
t_check "poweroff" off

# ---- hv2's libvirtd killed during a revert of a big disk
# 192 MiB of data in the disk after the first MiB: the copy takes a while.
t_check "192 MiB of data in the disk" dd if=/dev/urandom of="$disk" bs=1M \
    seek=1 count=192 conv=notrunc status=none
e2e_virsh2 pool-refresh "$pool" >/dev/null
sum_big=$(sum "$disk")

# The helper killed (SIGKILL) while libvirt copies a snapshot: libvirtd
# goes on copying, but nobody makes the mark.
snapshot_bg()
{
	as_member "$ALICE" "$MENU" -c "use $A3 snapshot cut" \
	    >"$E2E_TMP/cut.out" 2>&1 &
	bg=$!
}
# The pid of A3's helper (the server "virsh-menu --serve" executes).
helper_pid()
{
	pgrep -f "virsh-menu-serve.* $A3\$" | head -n 1
}
snapshot_bg
cut_started()
{
	compgen -G "$pooldir/$A3.snap.cut.*.img" >/dev/null
}
t_check "snapshot cut: the copy is under way" wait_for -t 60 cut_started
kill_helper()
{
	local pid
	pid=$(helper_pid) && [ -n "$pid" ] && kill -KILL "$pid"
}
t_check "... its helper is killed (SIGKILL)" kill_helper
wait "$bg"
diag <"$E2E_TMP/cut.out"
t_eq "... cut is not listed" "first " "$(listed)"
t_check "snapshot big, maybe while libvirt still copies cut" \
    ssh_as "$ALICE" use "$A3" snapshot big
t_eq "... a whole copy" "$sum_big" "$(sum "$(snap_copy big)")"
t_check "libvirt's copy of cut ends (the pool may be refreshed again)" \
    wait_for -t 120 e2e_virsh2 pool-refresh "$pool"
t_check "revert first (the disk becomes small; sweeps what cut left)" \
    ssh_as "$ALICE" use "$A3" revert first yes
t_eq "... nothing of cut is left" "" "$(snap_vols | grep "\\.cut\\.")"
revert_bg()
{
	as_member "$ALICE" "$MENU" -c "use $A3 revert big yes" \
	    >"$E2E_TMP/bg.out" 2>&1 &
	bg=$!
}
t_eq "autostart is on" enable "$(autostart)"
revert_bg
t_check "... a revert of big is under way (its mark)" \
    wait_for -t 60 test -e "$pooldir/$A3.reverting-autostart"
t_check "hv2's libvirtd is killed (SIGKILL) mid-revert" kill_libvirtd2
wait "$bg"
diag <"$E2E_TMP/bg.out"
t_check "hv2's libvirtd comes back" restart_libvirtd2
pool_up()
{
	e2e_virsh2 pool-info "$pool" | grep -q '^State: *running' ||
	    e2e_virsh2 pool-start "$pool" >/dev/null
}
t_check "... its pool runs" pool_up
consistent()
{
	if [ -e "$pooldir/$A3.reverting-autostart" ]; then
		diag "the revert was cut short: its mark is there, the disk" \
		    "is $(stat -c %s "$disk" 2>/dev/null || echo missing) bytes," \
		    "autostart $(autostart)"
		! ssh_as "$ALICE" use "$A3" start 2>"$E2E_TMP/start.err" &&
		    grep -q "revert of $A3 did not finish" \
		    "$E2E_TMP/start.err" &&
		    # autostart is off once the disk may be gone
		    { [ "$(autostart)" = disable ] ||
		    [ "$(sum "$disk")" = "$sum_a" ]; }
	else
		diag "the revert had finished when libvirtd died"
		[ "$(sum "$disk")" = "$sum_big" ]
	fi
}
t_check "consistent: the revert done, or start refused" consistent
t_eq "... both snapshots whole" "$sum_a $sum_big" \
    "$(sum "$(snap_copy first)") $(sum "$(snap_copy big)")"
t_eq "... and listed" "big first " "$(listed)"
t_check "the next revert of big completes" \
    ssh_as "$ALICE" use "$A3" revert big yes
t_eq "... the disk is big's" "$sum_big" "$(sum "$disk")"
t_eq "... no mark" "" "$(marks)"
t_eq "... autostart is on again" enable "$(autostart)"
t_check "... start works" ssh_as "$ALICE" use "$A3" start
t_check "poweroff" off

# ---- a host whose disks are not in a pool: refused, nothing touched
cp "$CONF" "$E2E_TMP/conf.saved"
t_check "[host hv2] backend = file" sed -i -e 's/^backend = pool$/backend = file/' \
    -e "s|^pool = $pool\$|dir = $pooldir|" "$CONF"
before=$(snap_vols)
for v in snapshots "snapshot x" "revert big yes" "forget big"; do
	# shellcheck disable=SC2086
	t_check_rc "$v: refused" 1 ssh_as "$ALICE" use "$A3" $v
	t_check "... not in a storage pool" grep -q "not in a storage pool" \
	    "$T_ERR"
done
t_eq "... nothing changed" "$before" "$(snap_vols)"
t_check "vps.conf back" install -m 0644 "$E2E_TMP/conf.saved" "$CONF"

# ---- delete-vps --purge-disk
t_check "a leftover copy and a revert mark" eval \
    "e2e_virsh2 vol-create-as '$pool' '$A3.snap.half.1700000000.img' 1M >/dev/null &&
    e2e_virsh2 vol-create-as '$pool' '$A3.reverting' 0 >/dev/null"
t_check "delete-vps $A3 (no purge)" "$delete" -c "$CONF" "$A3"
cp "$T_OUT" "$E2E_TMP/delete.out"
diag <"$E2E_TMP/delete.out"
for n in first big; do
	t_check "... names snapshot $n as kept" grep -q "^snapshot $n kept" \
	    "$E2E_TMP/delete.out"
done
t_check "... the copies stay" snap_copy big
# A new VPS of the name would inherit them, maybe for another member.
t_check_rc "create-vps $A3 while they are there: exit 1" 1 \
    "$top_builddir/create-vps" -c "$CONF" "$A3"
diag <"$T_ERR"
t_check "... names them" grep -q \
    "an earlier VPS named $A3 left what the new VPS's owner would get; remove it first: 2 snapshots of $A3 in pool" "$T_ERR"
t_check_fails "... no domain" e2e_virsh2 dominfo "$A3"
t_check "$A3 defined again" e2e_virsh2 define "$E2E_TMP/$A3.xml"
t_check "delete-vps --purge-disk $A3" "$delete" -c "$CONF" --purge-disk "$A3"
diag <"$T_OUT"
t_check "... says 2 snapshots removed" grep -q "^2 snapshots of $A3 removed" \
    "$T_OUT"
t_check "... the disk is gone" test ! -e "$disk"
t_eq "... and every volume of its snapshots" "" "$(snap_vols)"
t_check_fails "... and the domain" e2e_virsh2 dominfo "$A3"
t_done
