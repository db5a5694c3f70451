#!/usr/bin/env bash
# vps-data-gen-place.sh: placement of new VPS on several hosts
# (vps-data-gen(8), PLACEMENT), against a private slapd and two real
# libvirtds.
#
# The candidates: this host ([storage] dir on a 2 GiB tmpfs), hv2 (the
# second libvirtd, a dir pool on an 8 GiB tmpfs), hv3 (the first
# libvirtd seen as a [host], a dir pool on a 4 GiB tmpfs) and hv4 (a URI
# where nothing listens). A new VPS without vpsHost lands on the host
# with the most room that its disk fits, with the disks placed before it
# in the same run taken off; one that fits nowhere is skipped with a
# warning naming its DN; hv4 is named in a warning and takes nothing.
# Once placed a VPS stays, whatever the room says at the next sync, also
# when its host is down. Without [host] groups no libvirt connection is
# opened at all (libvirt's own log stays empty), and VPS that existed
# before [host] groups were added stay on this host.
# Helpers below run through t_check, which shellcheck cannot follow.
# shellcheck disable=SC2317
# shellcheck source=lib.sh
. "$top_srcdir/tests/e2e/lib.sh"
e2e_require_root
e2e_require_cmd slapd ldapadd ldapmodify libvirtd virsh

gen=$top_builddir/vps-data-gen
data=$E2E_TMP/vps.data
conf=$E2E_TMP/vps.conf
nohosts=$E2E_TMP/nohosts.conf

t_need "slapd starts with ldap/vps.ldif" start_slapd "$top_srcdir/ldap/vps.ldif"
t_need "load ldap/example.ldif" ldap_add "$top_srcdir/ldap/example.ldif"
t_need "libvirtd is up" start_libvirtd

# room NAME SIZE: a tmpfs of SIZE at $E2E_TMP/NAME (the room of a host).
room()
{
	mkdir -m 0711 "$E2E_TMP/$1" &&
	    mount -t tmpfs -o "size=$2,mode=0711" "vpshost-$1" "$E2E_TMP/$1" &&
	    defer umount "$E2E_TMP/$1"
}
# Mounted before the second libvirtd starts: its mount namespace gets a
# copy of the mount, on the same file system (a remount resizes both).
t_need "this host's room: 2 GiB" room room1 2g
t_need "hv2's room: 8 GiB" room room2 8g
t_need "hv3's room: 4 GiB" room room3 4g
t_need "a second libvirtd (hv2)" start_libvirtd2
pool2=$(e2e_name p2)
pool3=$(e2e_name p3)
t_need "hv2's dir pool" make_dir_pool "$VIRSH_URI2" "$pool2" "$E2E_TMP/room2/pool"
t_need "hv3's dir pool" make_dir_pool "$VIRSH_URI" "$pool3" "$E2E_TMP/room3/pool"
deadport=$(free_port)

# write_conf FILE: the test directory's vps.conf, with this host's storage.
write_conf()
{
	printf '[vps]\ndata = %s\nmembers = %s\n' "$data" "$E2E_TMP/members"
	printf '[storage]\nbackend = file\ndir = %s\n' "$E2E_TMP/room1"
	printf '[access]\nsudoers = /nonexistent/sudoers\nsshd =\n'
	printf '[ldap]\nuri = %s\nbase = %s\nmember_base = %s\n' "$LDAP_URI" \
	    "$LDAP_VPS_BASE" "$LDAP_PEOPLE_BASE"
	printf 'bind_dn = %s\nbind_password_file = %s\n' "$LDAP_READER_DN" \
	    "$LDAP_READER_PW_FILE"
}
write_conf >"$nohosts"
{
	cat "$nohosts"
	printf '[host hv2]\nuri = %s\nspice_listen = %s\n' "$VIRSH_URI2" "$HV2_SPICE"
	printf 'backend = pool\npool = %s\n' "$pool2"
	printf '[host hv3]\nuri = %s\nspice_listen = 127.0.0.1\n' "$VIRSH_URI"
	printf 'backend = pool\npool = %s\n' "$pool3"
	printf '[host hv4]\nuri = qemu+tcp://127.0.0.1:%s/system\n' "$deadport"
	printf 'spice_listen = 127.0.0.4\nbackend = pool\npool = none\n'
} >"$conf"

# new_vps NAME DISK_GIB: a new vpsInstance of alice, without vpsHost.
new_vps()
{
	printf 'dn: vpsName=%s,%s\nobjectClass: vpsInstance\nvpsName: %s\n' \
	    "$1" "$LDAP_VPS_BASE" "$1" >"$E2E_TMP/$1.ldif"
	printf 'vpsOwner: alice\nvpsVcpus: 1\nvpsMemory: 512\nvpsDisk: %s\n' \
	    "$2" >>"$E2E_TMP/$1.ldif"
	ldap_add "$E2E_TMP/$1.ldif"
}

# host_of NAME: the 7th field of NAME's line in vps.data ("" if none).
host_of()
{
	awk -F: -v n="$1" '$1 == n { print $7; found = 1 } END { exit !found }' "$data"
}

# gen_logged LOG ARGS...: vps-data-gen with libvirt's debug log in LOG.
gen_logged()
{
	local log=$1
	shift
	LIBVIRT_LOG_FILTERS=1:libvirt LIBVIRT_LOG_OUTPUTS="1:file:$log" \
	    "$gen" "$@"
}

# ---- without [host] groups: the VPS of LDAP on this host, no libvirt
t_check "first sync without [host] groups" gen_logged "$E2E_TMP/nohosts.log" -c "$nohosts"
t_eq "... the three VPS" "2 members, 3 VPS, +3 -0 ~0" "$(cat "$T_OUT")"
t_eq "... none has a host" "" "$(awk -F: '!/^#/ && NF > 6' "$data")"
t_check "... no libvirt connection (libvirt logged nothing)" \
    test ! -s "$E2E_TMP/nohosts.log"
cp "$data" "$E2E_TMP/before.data"

# ---- [host] groups: new VPS are placed
t_need "new VPS place1 (5 GiB), place2 (3 GiB), huge (100 GiB)" eval \
    'new_vps place1 5 && new_vps place2 3 && new_vps huge 100'
t_check "sync with [host hv2], [host hv3], [host hv4]" \
    gen_logged "$E2E_TMP/hosts.log" -c "$conf"
cp "$T_ERR" "$E2E_TMP/place.err"
diag <"$E2E_TMP/place.err"
t_eq "... two added" "2 members, 5 VPS, +2 -0 ~0" "$(cat "$T_OUT")"
t_check "... libvirt was asked this time" grep -q virConnectOpen "$E2E_TMP/hosts.log"
t_eq "place1 (5 GiB) on hv2, the roomiest (8 GiB)" hv2 "$(host_of place1)"
t_eq "place2 (3 GiB) on hv3: 4 GiB there, 3 left on hv2, 2 here" hv3 \
    "$(host_of place2)"
t_check_fails "huge fits nowhere: left out" grep -q '^huge:' "$data"
t_check "... with a warning naming its DN" grep -q \
    "^vps-data-gen: vpsName=huge,$LDAP_VPS_BASE: VPS 'huge' skipped: no host has room for its disk of 100 GiB" \
    "$E2E_TMP/place.err"
t_check "hv4 is named in a warning" grep -q \
    "^vps-data-gen: host 'hv4' takes no new VPS in this run: host hv4 unreachable: cannot connect to qemu+tcp://127.0.0.1:$deadport/system" \
    "$E2E_TMP/place.err"
t_check "the VPS of before stay on this host, as they were" bash -c \
    "grep -v '^place' '$data' | cmp - '$E2E_TMP/before.data'"

# ---- the room changes: nothing moves
cp -p "$data" "$E2E_TMP/placed.data"
t_check "hv2's room shrinks to 1 GiB" mount -o remount,size=1g "$E2E_TMP/room2"
t_check "hv2's pool says so" bash -c \
    "virsh -q -c '$VIRSH_URI2' pool-refresh '$pool2' >/dev/null &&
     virsh -c '$VIRSH_URI2' pool-info --bytes '$pool2' | grep -Eq '^Available: +10[0-9]{8}\$'"
t_check "sync" "$gen" -c "$conf"
t_eq "... nothing changed" "2 members, 5 VPS, +0 -0 ~0" "$(cat "$T_OUT")"
t_check "... vps.data as it was: place1 stays on hv2" cmp "$E2E_TMP/placed.data" "$data"
t_need "new VPS place3 (1 GiB)" new_vps place3 1
# The rooms are read before vps.data is locked: a host that keeps a
# connect waiting must not keep create-vps waiting on the lock as well.
t_check "vps.data locked by another" _e2e_spawn flock "$E2E_TMP/flock.out" \
    flock -o "$data.lock" -c "touch '$E2E_TMP/locked'; exec sleep 600"
holder=$E2E_LAST_PID
t_check "... held" wait_for -p "$holder" test -e "$E2E_TMP/locked"
t_check "sync started" _e2e_spawn vps-data-gen "$E2E_TMP/locked.out" \
    gen_logged "$E2E_TMP/locked.log" -c "$conf"
syncer=$E2E_LAST_PID
t_check "... it reads the pools while waiting for the lock" wait_for \
    -p "$syncer" eval "[ \"\$(grep -c 'virStoragePoolGetInfo' '$E2E_TMP/locked.log')\" -ge 2 ]"
t_check "... still waiting" kill -0 "$syncer"
t_check "... vps.data not written yet" cmp "$E2E_TMP/placed.data" "$data"
t_check "the lock released" e2e_stop_pid "$holder" flock
t_check "the sync ends well" wait "$syncer"
t_check "... and says so" grep -q '^2 members, 6 VPS, +1 -0 ~0$' "$E2E_TMP/locked.out"
t_eq "place3 on hv3 now (4 GiB; 2 here, 1 on hv2)" hv3 "$(host_of place3)"
t_eq "place1 still on hv2" hv2 "$(host_of place1)"

# ---- hv2 down: not a candidate, its VPS keep it
t_check "hv2's room grows to 16 GiB" mount -o remount,size=16g "$E2E_TMP/room2"
t_check "hv2's libvirtd killed" kill_libvirtd2
t_need "new VPS place4 (1 GiB)" new_vps place4 1
t_check "sync" "$gen" -c "$conf"
cp "$T_ERR" "$E2E_TMP/down.err"
t_check "... a warning names hv2 and its URI" grep -q \
    "host 'hv2' takes no new VPS in this run: host hv2 unreachable: cannot connect to $VIRSH_URI2" \
    "$E2E_TMP/down.err"
t_eq "place4 on hv3, not on the unreachable hv2" hv3 "$(host_of place4)"
t_eq "place1 still on hv2" hv2 "$(host_of place1)"

# ---- hv3's pool stopped as well: only this host is left
t_check "hv3's pool stopped" virsh -q -c "$VIRSH_URI" pool-destroy "$pool3"
t_need "new VPS place5 (1 GiB), place6 (2 GiB)" eval \
    'new_vps place5 1 && new_vps place6 2'
t_check "sync" "$gen" -c "$conf"
cp "$T_ERR" "$E2E_TMP/pools.err"
t_check "... a warning names hv3 and its pool" grep -q \
    "host 'hv3' takes no new VPS in this run: host hv3: storage pool $pool3 is not active" \
    "$E2E_TMP/pools.err"
t_eq "place5 on this host" "" "$(host_of place5)"
t_check_fails "place6: 2 GiB, 1 left here after place5: left out" \
    grep -q '^place6:' "$data"
t_check "... with a warning naming its DN" grep -q \
    "vpsName=place6,$LDAP_VPS_BASE: VPS 'place6' skipped: no host has room" \
    "$E2E_TMP/pools.err"
t_eq "place4 still on hv3" hv3 "$(host_of place4)"

# ---- [host] groups gone again: the placed VPS keep their hosts
t_check "sync without [host] groups" gen_logged "$E2E_TMP/nohosts2.log" \
    -c "$nohosts" -o -
t_check "... place1 still on hv2" grep -q '^place1:.*:hv2$' "$T_OUT"
t_check "... no libvirt connection" test ! -s "$E2E_TMP/nohosts2.log"

t_done
