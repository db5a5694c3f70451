#!/usr/bin/env bash
# migrate-vps.sh: migrate-vps moves a running VPS from the local libvirtd
# to a second one (hv2, its own mount namespace, qemu+tcp on loopback),
# live, with its disk copied into hv2's dir pool: a real busybox guest
# writes a marker to its disk on the local host, and after the move it
# still runs on hv2, answers on its serial console there and reads the
# marker from its new disk; the domain is gone from the local libvirtd,
# vps.data names hv2, the old disk is kept. Before that, every refusal
# changes nothing (the source runs, vps.data and the pools as they were):
# bad arguments, an unknown VPS or host, the same host, a [host local]
# group, a shut-off VPS, a VPS with snapshots, an unreachable host, hv2's
# libvirtd down, a missing pool, a pool too small, a volume of that name
# there already, a snapshot of that name in hv2's pool, --dry-run; and
# hv2's libvirtd killed in the middle of the copy. On hv2, a snapshot or
# an unfinished revert of the VPS in hv2's pool keeps it there; at the
# end the VPS moves back to the local host.
# Helpers below run through t_check, which shellcheck cannot follow.
# shellcheck disable=SC2317
# shellcheck source=lib.sh
. "$top_srcdir/tests/e2e/lib.sh"
# shellcheck source=admin-lib.sh
. "$top_srcdir/tests/e2e/admin-lib.sh"
e2e_require_root
e2e_require_cmd virsh libvirtd qemu-system-x86_64 cpio busybox nsenter \
    sha256sum

# Boots and copies under TCG on a busy host.
E2E_TIMEOUT=180

migrate=$top_builddir/migrate-vps
data=$E2E_TMP/vps.data
conf=$E2E_TMP/vps.conf
pool1=$E2E_TMP/pool1		# the local [storage] dir, a dir pool too
pool2=$E2E_TMP/pool2		# hv2's pool
vps=$(e2e_name m1)
off=$(e2e_name m2)		# defined, never started
stray=$(e2e_name m3)		# the same, its disk in no pool
port=5961

t_need "libvirtd is up" start_libvirtd
t_need "the second libvirtd (hv2) is up" start_libvirtd2
t_need "locks of the run forgotten at cleanup" \
    e2e_forget_disk_locks "$(admin_runstatedir)"
t_need "a dir pool on the local host" make_dir_pool "$VIRSH_URI" \
    "$(e2e_name p1)" "$pool1"
t_need "a dir pool on hv2" make_dir_pool "$VIRSH_URI2" "$(e2e_name p2)" \
    "$pool2"

# write_conf [LINE...]: vps.conf with the local host (file backend in
# pool1), hv2 (pool backend), hv3 (nobody listens), hv4 (hv2's daemon, a
# pool it does not have), and the LINEs.
write_conf()
{
	{
		printf '[vps]\ndata = %s\nuri = %s\n' "$data" "$VIRSH_URI"
		printf '[storage]\nbackend = file\ndir = %s\n' "$pool1"
		printf '[host hv2]\nuri = %s\nspice_listen = %s\n' \
		    "$VIRSH_URI2" "$HV2_SPICE"
		printf 'backend = pool\npool = %s\n' "$(e2e_name p2)"
		printf '[host hv3]\nuri = qemu+tcp://127.0.0.1:%s/system\n' \
		    "$(free_port)"
		printf 'spice_listen = 127.0.0.3\nbackend = pool\npool = x\n'
		printf '[host hv4]\nuri = %s\nspice_listen = %s\n' \
		    "$VIRSH_URI2" "$HV2_SPICE"
		printf 'backend = pool\npool = %s\n' "$(e2e_name nopool)"
		printf '%s\n' "$@"
	} >"$conf"
}
t_need "vps.conf" write_conf
t_need "vps.data" eval "printf '%s:alice:1:256:1:%s\n' '$vps' '$port' \
    '$off' '$((port + 1))' '$stray' '$((port + 2))' >'$data'"

# The guest: the Debian kernel and a busybox initramfs that reads its disk.
guest_files()
{
	local kernel
	kernel=$(e2e_guest_kernel) || return 1
	mkdir -m 0755 "$E2E_TMP/guest" &&
	    install -m 0644 "$kernel" "$E2E_TMP/guest/vmlinuz" &&
	    make_guest_initrd "$E2E_TMP/guest/initrd.gz" virtio_pci \
	    virtio_blk && chmod 0644 "$E2E_TMP/guest/initrd.gz"
}

# define_vps NAME PORT [DIR]: a domain as create-vps makes one (raw disk
# in DIR, by default the local [storage] dir, SATA CD-ROM, SPICE on
# 127.0.0.1 at PORT with a password) that boots the guest directly, its
# console on a serial pty. The disk is 16 MiB of random data: the copy
# takes a while.
define_vps()
{
	local disk=${3:-$pool1}/$1.img
	dd if=/dev/urandom of="$disk" bs=1M count=16 status=none &&
	    chmod 0600 "$disk" || return 1
	cat >"$E2E_TMP/$1.xml" <<-EOF
	<domain type='qemu'>
	  <name>$1</name>
	  <memory unit='MiB'>256</memory>
	  <vcpu>1</vcpu>
	  <os><type arch='x86_64' machine='q35'>hvm</type>
	    <kernel>$E2E_TMP/guest/vmlinuz</kernel>
	    <initrd>$E2E_TMP/guest/initrd.gz</initrd>
	    <cmdline>console=ttyS0 panic=-1</cmdline></os>
	  <features><acpi/></features>
	  <devices>
	    <disk type='file' device='disk'>
	      <driver name='qemu' type='raw'/>
	      <source file='$disk'/>
	      <target dev='vda' bus='virtio'/>
	    </disk>
	    <disk type='file' device='cdrom'>
	      <driver name='qemu' type='raw'/>
	      <target dev='sda' bus='sata'/>
	      <readonly/>
	    </disk>
	    <graphics type='spice' port='$2' autoport='no' listen='127.0.0.1'
	        passwd='$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')'>
	      <listen type='address' address='127.0.0.1'/>
	    </graphics>
	    <video><model type='qxl'/></video>
	    <serial type='pty'><target port='0'/></serial>
	    <console type='pty'><target type='serial' port='0'/></console>
	  </devices>
	</domain>
	EOF
	defer e2e_forget_domain "$1"
	e2e_virsh define "$E2E_TMP/$1.xml" >/dev/null
}

# serial_attach NAME OUT: copies the serial console of the running
# domain NAME (on GUEST_VIRSH's libvirtd) into OUT from now on.
serial_attach()
{
	local pty pid
	pty=$("$GUEST_VIRSH" ttyconsole "$1") && [ -c "$pty" ] || return 1
	stty -F "$pty" raw -echo || return 1
	e2e_hold
	cat "$pty" >"$2" 2>/dev/null 8>&- 9>&- &
	pid=$!
	defer _e2e_end_reader "$pid"
	e2e_release
}

t_need "guest kernel and initramfs" guest_files
t_need "$vps defined" define_vps "$vps" "$port"
t_need "$off defined" define_vps "$off" "$((port + 1))"
t_need "$stray defined, its disk in no pool" eval "mkdir '$E2E_TMP/nopool' &&
    define_vps '$stray' '$((port + 2))' '$E2E_TMP/nopool'"
t_need "$vps is marked autostart" e2e_virsh autostart "$vps"
serial=$E2E_TMP/serial.1
t_need "$vps boots on the local host" eval \
    "guest_serial_start '$vps' '$serial' && guest_wait_marker '$serial'"
t_need "the guest writes a marker to its disk" guest_run "$vps" "$serial" \
    "echo MIGRATE-MARK-$E2E_RUNID | dd of=/dev/vda conv=fsync 2>/dev/null"
sum_before=$(sha256sum <"$pool1/$vps.img")

# unchanged: the source runs on the local host, vps.data and hv2's pool
# are as they were, the source disk too.
unchanged()
{
	[ "$(e2e_virsh domstate "$vps")" = running ] &&
	    grep -qx "$vps:alice:1:256:1:$port" "$data" &&
	    ! e2e_virsh2 dominfo "$vps" >/dev/null 2>&1 &&
	    [ -z "$(ls -A "$pool2")" ] &&
	    [ "$(sha256sum <"$pool1/$vps.img")" = "$sum_before" ]
}

# fails_with RC TEXT ARGS...: migrate-vps ARGS exits RC, says TEXT on
# stderr, and nothing changed.
fails_with()
{
	local rc=$1 text=$2 got=0
	shift 2
	"$migrate" -c "$conf" "$@" >"$E2E_TMP/out" 2>"$E2E_TMP/err" || got=$?
	cat "$E2E_TMP/err" >&2
	[ "$got" -eq "$rc" ] && grep -q -- "$text" "$E2E_TMP/err" && unchanged
}

# refused_with TEXT HOST: migrate-vps of $vps to HOST exits 1 and says
# TEXT on stderr (what did not change is checked by the caller).
refused_with()
{
	local got=0
	"$migrate" -c "$conf" "$vps" "$2" >"$E2E_TMP/out" 2>"$E2E_TMP/err" ||
	    got=$?
	cat "$E2E_TMP/err" >&2
	[ "$got" -eq 1 ] && grep -qF -- "$1" "$E2E_TMP/err"
}

t_check "no arguments: usage (2)" fails_with 2 usage
t_check "one argument: usage (2)" fails_with 2 usage "$vps"
t_check "three arguments: usage (2)" fails_with 2 "unexpected argument" \
    "$vps" hv2 x
t_check "bad VPS name (2)" fails_with 2 "invalid VPS name" 'x;y' hv2
t_check "bad host name (2)" fails_with 2 "invalid host name" "$vps" 'hv_2'
t_check "unknown VPS (2)" fails_with 2 "is not in" "$(e2e_name nosuch)" hv2
t_check "unknown host (2)" fails_with 2 "no \\[host hv9\\]" "$vps" hv9
t_check "the same host (2)" fails_with 2 "on host local already" "$vps" \
    local
t_need "vps.conf with a [host local] group" write_conf '[host local]' \
    "uri = $VIRSH_URI2" "spice_listen = $HV2_SPICE" 'backend = pool' \
    'pool = x'
t_check "a [host local] group is refused (2)" fails_with 2 \
    "has a \\[host local\\] group" "$vps" hv2
t_need "vps.conf back" write_conf
t_need "a snapshot of $vps" touch "$pool1/$vps.snap.s1.img"
t_check "a VPS with snapshots is refused (1)" fails_with 1 \
    "1 snapshot, which cannot move" "$vps" hv2
t_need "the snapshot gone" rm -f "$pool1/$vps.snap.s1.img"
t_check "an unreachable host is named (1)" fails_with 1 \
    "host hv3 unreachable" "$vps" hv3
t_check "a missing pool is named (1)" fails_with 1 \
    "pool $(e2e_name nopool) of host hv4: Storage pool not found" "$vps" hv4

t_need "hv2's libvirtd killed" kill_libvirtd2
t_check "hv2 down: refused, named (1)" fails_with 1 "host hv2 unreachable" \
    "$vps" hv2
t_need "hv2's libvirtd back" restart_libvirtd2

t_need "a volume $vps.img in hv2's pool" e2e_virsh2 vol-create-as \
    "$(e2e_name p2)" "$vps.img" 1M
# unchanged checks that hv2's pool is empty: this one is expected.
t_check "an existing volume is refused (1)" eval "! '$migrate' -c '$conf' \
    '$vps' hv2 && [ -f '$pool2/$vps.img' ] && [ \$(stat -c %s \
    '$pool2/$vps.img') -eq 1048576 ]"
t_need "the volume gone" e2e_virsh2 vol-delete --pool "$(e2e_name p2)" \
    "$vps.img"

# A snapshot of an earlier VPS of that name in hv2's pool (a copy and its
# mark, snappool.h): the moved VPS would get it.
snap2=$vps.snap.s1.1700000000
# snap2_make, snap2_remove: that snapshot's copy and mark in hv2's pool.
snap2_make()
{
	e2e_virsh2 vol-create-as "$(e2e_name p2)" "$snap2.img" 1M &&
	    e2e_virsh2 vol-create-as "$(e2e_name p2)" "$snap2.ok" 0
}
snap2_remove()
{
	e2e_virsh2 vol-delete --pool "$(e2e_name p2)" "$snap2.ok" &&
	    e2e_virsh2 vol-delete --pool "$(e2e_name p2)" "$snap2.img"
}
t_need "a snapshot of $vps in hv2's pool" snap2_make
msg="$vps cannot move: 1 snapshot of $vps in pool $(e2e_name p2)"
msg+=" of host hv2 (the oldest: s1)"
t_check "... the move there is refused (1)" refused_with "$msg" hv2
t_check "... nothing moved" eval "[ \"\$(e2e_virsh domstate '$vps')\" = \
    running ] && grep -qx '$vps:alice:1:256:1:$port' '$data'"
t_need "the snapshot gone" snap2_remove

# A pool of 1 MiB on hv2: a tmpfs mounted on its directory in hv2's
# mount namespace.
small=$E2E_TMP/small
t_need "a 1 MiB pool on hv2" eval "make_dir_pool '$VIRSH_URI2' \
    '$(e2e_name small)' '$small' &&
    nsenter --mount=/proc/$VIRTLOGD2_PID/ns/mnt \
    mount -t tmpfs -o size=1m vpshost-small '$small' &&
    e2e_virsh2 pool-refresh '$(e2e_name small)' >/dev/null"
t_need "vps.conf with hv5 on that pool" write_conf '[host hv5]' \
    "uri = $VIRSH_URI2" "spice_listen = $HV2_SPICE" 'backend = pool' \
    "pool = $(e2e_name small)"
t_check "a pool too small is refused (1)" fails_with 1 \
    "bytes free, the disk of $vps needs 16777216" "$vps" hv5
t_check "... nothing made in it" eval "[ -z \"\$(nsenter \
    --mount=/proc/$VIRTLOGD2_PID/ns/mnt ls -A '$small')\" ]"

t_need "a medium in the CD-ROM of $vps" eval "truncate -s 1M \
    '$E2E_TMP/x.iso' && chmod 0644 '$E2E_TMP/x.iso' && e2e_virsh \
    change-media '$vps' sda '$E2E_TMP/x.iso' --insert --live >/dev/null"
t_check "a VPS with a CD-ROM medium is refused (1)" fails_with 1 \
    "has a medium in its CD-ROM" "$vps" hv2
t_need "the medium ejected" e2e_virsh change-media "$vps" sda --eject --live

# A domain on hv2 (defined only) with the SPICE port of the VPS.
t_need "a domain on hv2 with port $port" eval "printf \"<domain \
    type='qemu'><name>%s</name><memory unit='MiB'>64</memory><os><type \
    arch='x86_64'>hvm</type></os><devices><graphics type='spice' port='%s' \
    autoport='no'/></devices></domain>\" '$(e2e_name other)' '$port' \
    >'$E2E_TMP/other.xml' && e2e_virsh2 define '$E2E_TMP/other.xml'"
t_check "the VPS's SPICE port taken on hv2: refused (1)" fails_with 1 \
    "host hv2: port $port of $vps is used by another domain there" "$vps" hv2
t_need "that domain gone" e2e_virsh2 undefine "$(e2e_name other)"

t_check "--dry-run prints the plan" "$migrate" -c "$conf" --dry-run \
    "$vps" hv2
t_check "... the new disk in hv2's pool" grep -q \
    "copied to $pool2/$vps.img" "$T_OUT"
t_check "... and changes nothing" unchanged

# hv2's libvirtd killed while the disk is copied (1 MiB/s: 16 s for its
# random 16 MiB): migrate-vps fails, the source still runs.
t_need "migration speed 1 MiB/s" e2e_virsh migrate-setspeed "$vps" 1
mid()
{
	local pid rc=0
	"$migrate" -c "$conf" "$vps" hv2 >"$E2E_TMP/mid.out" \
	    2>"$E2E_TMP/mid.err" &
	pid=$!
	if ! wait_for -t 60 eval "e2e_virsh2 dominfo '$vps' >/dev/null 2>&1" ||
	    ! kill_libvirtd2; then
		kill "$pid"
		wait "$pid"
		return 1
	fi
	wait "$pid" || rc=$?
	cat "$E2E_TMP/mid.err" >&2
	[ "$rc" -eq 1 ]
}
t_check "hv2 killed mid-way: migrate-vps fails (1)" mid
t_check "... it says why" grep -q "cannot migrate $vps" "$E2E_TMP/mid.err"
t_check "... and names the volume it could not remove" grep -q \
    "volume $pool2/$vps.img on host hv2 is left" "$E2E_TMP/mid.err"
t_need "hv2's libvirtd back" restart_libvirtd2
t_check "... hv2 drops the half-made domain" wait_for -t 60 eval \
    "! e2e_virsh2 dominfo '$vps' >/dev/null 2>&1"
t_need "... the volume removed by hand" e2e_virsh2 vol-delete \
    --pool "$(e2e_name p2)" "$vps.img"
t_check "... the source runs, vps.data and its disk unchanged" unchanged
t_check "... the guest still answers" guest_run "$vps" "$serial" "true"

# The move itself, still at 1 MiB/s: a SIGTERM and a SIGINT while the
# disk is copied do not stop it (migrate-vps(8): a half-done move is
# worse than a late stop).
signalled()
{
	local pid rc=0
	"$migrate" -c "$conf" "$vps" hv2 >"$E2E_TMP/moved.out" \
	    2>"$E2E_TMP/moved.err" &
	pid=$!
	if ! wait_for -t 60 eval "e2e_virsh2 dominfo '$vps' >/dev/null 2>&1" ||
	    ! kill -TERM "$pid" || ! kill -INT "$pid"; then
		kill -9 "$pid"
		wait "$pid"
		return 1
	fi
	wait "$pid" || rc=$?
	cat "$E2E_TMP/moved.out" "$E2E_TMP/moved.err" >&2
	[ "$rc" -eq 0 ]
}
t_check "migrate-vps $vps hv2, through SIGTERM and SIGINT" signalled
t_check "... it runs on hv2" eval "[ \"\$(e2e_virsh2 domstate '$vps')\" = \
    running ]"
t_check "... it is gone from the local libvirtd" eval \
    "! e2e_virsh dominfo '$vps' >/dev/null 2>&1"
t_check "... persistent and autostart there" eval "e2e_virsh2 dominfo \
    '$vps' | grep -Eq '^Persistent: +yes' && e2e_virsh2 dominfo '$vps' |
    grep -Eq '^Autostart: +enable'"
t_check "... its disk is in hv2's pool" eval "e2e_virsh2 domblklist '$vps' |
    grep -q ' $pool2/$vps.img\$'"
t_check "... SPICE listens on hv2's address, both XMLs" eval \
    "[ \$(e2e_virsh2 dumpxml '$vps' | grep -c \"'$HV2_SPICE'\") -eq 2 ] &&
    [ \$(e2e_virsh2 dumpxml --inactive '$vps' | grep -c \"'$HV2_SPICE'\") \
    -eq 2 ] && ! e2e_virsh2 dumpxml --inactive '$vps' | grep -q 127.0.0.1"
t_check "... with its SPICE password" eval "e2e_virsh2 dumpxml \
    --security-info --inactive '$vps' | grep -q \"passwd='\""
t_check "... vps.data names hv2" grep -qx "$vps:alice:1:256:1:$port:hv2" \
    "$data"
t_check "... the other line unchanged" grep -qx \
    "$off:alice:1:256:1:$((port + 1))" "$data"
t_check "... the old disk is kept and named" eval "[ -f '$pool1/$vps.img' ] &&
    grep -q 'disk $pool1/$vps.img on host local kept' '$E2E_TMP/moved.out'"
t_check "... the LDAP change is printed" grep -q "vpsHost: hv2" \
    "$E2E_TMP/moved.out"
t_check "... and sudoers-gen's" grep -q \
    "run sudoers-gen, so that alice may forward to $HV2_SPICE:$port" \
    "$E2E_TMP/moved.out"
serial2=$E2E_TMP/serial.2
GUEST_VIRSH=e2e_virsh2
t_need "the guest's console on hv2" serial_attach "$vps" "$serial2"
t_check "... the guest is alive on hv2" guest_run "$vps" "$serial2" "true"
t_check "... and reads its marker from the new disk" eval "guest_run '$vps' \
    '$serial2' 'head -c 512 /dev/vda | head -n 1' |
    grep -qx 'MIGRATE-MARK-$E2E_RUNID'"
t_check "... which is on hv2's disk file" eval "head -c 512 \
    '$pool2/$vps.img' | head -n 1 | grep -qx 'MIGRATE-MARK-$E2E_RUNID'"
t_check "migrating to hv2 again: the same host (2)" eval "'$migrate' -c \
    '$conf' '$vps' hv2; [ \$? -eq 2 ]"
t_check "hv4, another name of hv2's daemon: refused (1)" eval "'$migrate' \
    -c '$conf' '$vps' hv4 2>'$E2E_TMP/err'; [ \$? -eq 1 ] &&
    grep -q 'host hv4 has a domain $vps already' '$E2E_TMP/err' &&
    [ \"\$(e2e_virsh2 domstate '$vps')\" = running ] &&
    grep -qx '$vps:alice:1:256:1:$port:hv2' '$data'"

# On hv2 a VPS may have snapshots in the pool, or a revert left
# unfinished (its disk maybe half a copy): neither moves.
revmark=$vps.reverting
t_need "an unfinished revert of $vps on hv2" e2e_virsh2 vol-create-as \
    "$(e2e_name p2)" "$revmark" 0
msg="$vps cannot move: the mark of an unfinished revert of $vps"
msg+=" in pool $(e2e_name p2) of host hv2"
t_check "... migrate-vps $vps local refused (1)" refused_with "$msg" local
t_check "... nothing moved" eval "[ \"\$(e2e_virsh2 domstate '$vps')\" = \
    running ] && grep -qx '$vps:alice:1:256:1:$port:hv2' '$data'"
t_need "... the mark gone" e2e_virsh2 vol-delete --pool "$(e2e_name p2)" \
    "$revmark"
t_need "a snapshot of $vps on hv2" snap2_make
msg="$vps cannot move: 1 snapshot of $vps in pool $(e2e_name p2)"
msg+=" of host hv2 (the oldest: s1)"
t_check "... migrate-vps $vps local refused (1)" refused_with "$msg" local
t_check "... nothing moved" eval "[ \"\$(e2e_virsh2 domstate '$vps')\" = \
    running ]"
t_need "the snapshot gone" snap2_remove

# Back: the local [storage] dir is a dir pool, where the disk is made.
t_need "the old disk out of the way" mv "$pool1/$vps.img" \
    "$pool1/$vps.img.old"
t_need "the local pool sees that" e2e_virsh pool-refresh "$(e2e_name p1)"
t_check "migrate-vps $vps local" "$migrate" -c "$conf" "$vps" local
t_check "... it runs on the local host" eval "[ \"\$(e2e_virsh domstate \
    '$vps')\" = running ]"
t_check "... gone from hv2" eval "! e2e_virsh2 dominfo '$vps' >/dev/null 2>&1"
t_check "... vps.data without a host" grep -qx "$vps:alice:1:256:1:$port" \
    "$data"
GUEST_VIRSH=e2e_virsh
serial3=$E2E_TMP/serial.3
t_need "the guest's console here" serial_attach "$vps" "$serial3"
t_check "... it reads its marker" eval "guest_run '$vps' '$serial3' \
    'head -c 512 /dev/vda | head -n 1' | grep -qx 'MIGRATE-MARK-$E2E_RUNID'"

# Shut-off VPS: copied.
t_check "a shut-off VPS whose disk is in no pool is refused (1)" eval \
    "'$migrate' -c '$conf' '$stray' hv2 2>'$E2E_TMP/err'; [ \$? -eq 1 ]"
t_check "... it says so" grep -q "the disk $E2E_TMP/nopool/$stray.img of \
$stray is in no storage pool" "$E2E_TMP/err"
t_check "... nothing changed" eval "e2e_virsh dominfo '$stray' >/dev/null &&
    ! e2e_virsh2 dominfo '$stray' >/dev/null 2>&1 &&
    [ ! -e '$pool2/$stray.img' ] &&
    grep -qx '$stray:alice:1:256:1:$((port + 2))' '$data'"
t_check "--dry-run of a shut-off VPS: a copy" "$migrate" -c "$conf" -n \
    "$off" hv2
t_check "... so it says" grep -q "would copy $off (shut off)" "$T_OUT"
sum_off=$(sha256sum <"$pool1/$off.img")
t_check "migrate-vps $off hv2 (shut off)" "$migrate" -c "$conf" "$off" hv2
t_check "... defined on hv2, shut off" eval "[ \"\$(e2e_virsh2 domstate \
    '$off')\" = 'shut off' ]"
t_check "... gone from the local libvirtd" eval \
    "! e2e_virsh dominfo '$off' >/dev/null 2>&1"
t_check "... its disk copied whole" eval "[ \"\$(sha256sum \
    <'$pool2/$off.img')\" = '$sum_off' ]"
t_check "... the old disk kept" eval "[ \"\$(sha256sum <'$pool1/$off.img')\" \
    = '$sum_off' ]"
t_check "... its disk and SPICE are hv2's" eval "e2e_virsh2 dumpxml '$off' |
    grep -q \"file='$pool2/$off.img'\" && [ \$(e2e_virsh2 dumpxml '$off' |
    grep -c \"'$HV2_SPICE'\") -eq 2 ]"
t_check "... vps.data names hv2" grep -qx \
    "$off:alice:1:256:1:$((port + 1)):hv2" "$data"
t_check "... and it starts there" e2e_virsh2 start "$off"
t_done
