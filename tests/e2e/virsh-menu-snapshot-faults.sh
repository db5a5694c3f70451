#!/usr/bin/env bash
# virsh-menu-snapshot-faults.sh: the root helper killed (SIGKILL) at a
# random point of a snapshot, a revert or a forget, 20 times, with the
# file backend and a 256 MiB disk of random data regions and holes (so
# that the copies take a while): after each kill the disk is whole, as it
# was before or as the operation would have left it, never a mix; a
# snapshot that exists is a whole copy; no half-made copy is listed as a
# snapshot; snapshots lists exactly the snapshot files there are; the
# next operation runs (no lock is left held). Then a snapshot asked for
# while another session's revert runs is serialised or refused cleanly.
# Helpers below run through t_check, which shellcheck cannot follow.
# shellcheck disable=SC2317
# shellcheck source=lib.sh
. "$top_srcdir/tests/e2e/lib.sh"
# shellcheck source=virsh-menu-lib.sh
. "$top_srcdir/tests/e2e/virsh-menu-lib.sh"
e2e_require_root
e2e_require_cmd sudo sshd ssh virsh libvirtd runuser sha256sum python3

E2E_TIMEOUT=180
ROUNDS=${SNAPSHOT_FAULT_ROUNDS:-20}

t_need "libvirtd is up" start_libvirtd
t_need "menu world is set up" menu_setup

disks=$E2E_TMP/disks
disk=$disks/$A1.img
t_need "[storage] and [snapshots] in vps.conf" eval "printf \
    '[storage]\\nbackend = file\\ndir = %s\\n[snapshots]\\nmax_per_vps = 3\\n' \
    '$disks' >>'$CONF'"

# scribble: 8 regions of 1 to 16 MiB of random data at random places of
# the disk (256 MiB, the rest holes): a new disk state, as a guest's
# writes would make it.
scribble()
{
	local i
	for i in 1 2 3 4 5 6 7 8; do
		dd if=/dev/urandom of="$disk" bs=1M conv=notrunc status=none \
		    seek=$((RANDOM % 240)) count=$((1 + RANDOM % 16)) ||
		    return 1
	done
}

sum()
{
	sha256sum <"$1" | cut -d' ' -f1
}

# The snapshot files of A1 as NAME lines, sorted.
snap_files()
{
	find "$disks" -maxdepth 1 -name "$A1.snap.*.img" -printf '%f\n' |
	    sed "s/^$A1\\.snap\\.//; s/\\.img\$//" | sort
}

# What "snapshots" lists, names sorted (lines with a time).
listed()
{
	ssh_as "$ALICE" snapshots | awk '/[0-9][0-9]:[0-9][0-9]/ { print $1 }' |
	    sort
}

# ms N: N milliseconds as seconds for sleep(1).
ms()
{
	printf '%d.%03d\n' $(($1 / 1000)) $(($1 % 1000))
}

helper_of_a1()
{
	pgrep -f "virsh-menu-serve $A1\$"
}

# The files in the directory that are neither a disk, nor a snapshot
# file, nor a revert's named copy (.revert.VPS.new, removed by the next
# operation on that VPS).
strays()
{
	find "$disks" -mindepth 1 -maxdepth 1 ! -name "$A1.img" \
	    ! -name "$A2.img" ! -name "$B1.img" ! -name "$A1.snap.*.img" \
	    ! -name ".revert.$A1.new" -printf '%f\n'
}

t_check "$A1's disk: 256 MiB, data regions and holes" \
    truncate -s 256M "$disk"
# Mostly data, as the disk gets in the rounds, before the timing.
for i in 1 2 3 4; do
	t_check "... scribbled ($i)" scribble
done

# timed OP...: the member's OP, run whole; sets took to the milliseconds
# from its helper's start to the end of the session, the window a kill
# must fall in.
timed()
{
	local t0 pid rc=0
	ssh_as "$ALICE" "$@" >/dev/null &
	pid=$!
	while ! helper_of_a1 >/dev/null && kill -0 "$pid" 2>/dev/null; do
		sleep 0.005
	done
	t0=${EPOCHREALTIME/./}
	wait "$pid" || rc=$?
	took=$(( (${EPOCHREALTIME/./} - t0) / 1000 ))
	return "$rc"
}

# One uninterrupted snapshot, revert and forget: how long each takes.
declare -A span
t_check "snapshot base (not interrupted)" timed snapshot base
span[snapshot]=$took
t_eq "... a whole copy" "$(sum "$disk")" "$(sum "$disks/$A1.snap.base.img")"
t_check "revert base yes (not interrupted)" timed revert base yes
span[revert]=$took
t_check "snapshot gone (not interrupted)" ssh_as "$ALICE" snapshot gone
t_check "forget gone (not interrupted)" timed forget gone
span[forget]=$took
diag "from the helper's start: a snapshot took ${span[snapshot]} ms, a revert ${span[revert]} ms, a forget ${span[forget]} ms"
killed=0

# Content of each snapshot by name, as taken.
declare -A content
content[base]=$(sum "$disks/$A1.snap.base.img")

# round N: one operation chosen by the state, its helper killed after a
# random delay; then the checks.
round()
{
	local n=$1 op name pre post ssh_pid pid delay have rc
	local ops=()
	# One snapshot at least, whole, so that revert and forget have one.
	if [ -z "$(snap_files)" ]; then
		t_check "round $n: a whole snapshot w$n first" \
		    ssh_as "$ALICE" snapshot "w$n" || return 1
		content[w$n]=$(sum "$disks/$A1.snap.w$n.img")
	fi
	mapfile -t have < <(snap_files)
	# Each operation the state allows, equally likely.
	[ "${#have[@]}" -ge 3 ] || ops+=(snapshot)
	[ "${#have[@]}" -eq 0 ] || ops+=(revert forget)
	op=${ops[$((RANDOM % ${#ops[@]}))]}
	name=r$n
	[ "$op" = snapshot ] || name=${have[$((RANDOM % ${#have[@]}))]}
	# A new disk state before each, so that pre and post differ.
	scribble || return 1
	pre=$(sum "$disk")
	post=$pre
	[ "$op" != revert ] || post=${content[$name]-unrecorded}
	# Up to twice as long: the disk fills up from round to round.
	delay=$((RANDOM % (2 * ${span[$op]} + 1)))
	if [ "$op" = revert ]; then
		ssh_as "$ALICE" revert "$name" yes >/dev/null 2>&1 &
	else
		ssh_as "$ALICE" "$op" "$name" >/dev/null 2>&1 &
	fi
	ssh_pid=$!
	# The helper, unless the whole session ended before it was seen.
	while ! helper_of_a1 >/dev/null && kill -0 "$ssh_pid" 2>/dev/null; do
		sleep 0.005
	done
	sleep "$(ms "$delay")"
	pid=$(helper_of_a1)
	[ -z "$pid" ] || kill -9 "$pid" 2>/dev/null
	rc=0
	wait "$ssh_pid" || rc=$?
	wait_for -t 30 eval '! helper_of_a1 >/dev/null'
	if [ "$rc" -ne 0 ]; then
		killed=$((killed + 1))
		diag "round $n: $op $name, killed after $delay ms (exit $rc)"
	else
		diag "round $n: $op $name, done before the kill at $delay ms"
	fi
	check_round "$n" "$op" "$name" "$pre" "$post"
}

# check_round N OP NAME PRE POST
check_round()
{
	local n=$1 op=$2 name=$3 pre=$4 post=$5 now f
	now=$(sum "$disk")
	if [ "$now" = "$pre" ]; then
		ok "round $n ($op $name): the disk is as before"
	elif [ "$now" = "$post" ]; then
		ok "round $n ($op $name): the disk is the snapshot's"
	else
		not_ok "round $n ($op $name): the disk is neither before nor after"
	fi
	if [ "$op" = snapshot ] && [ -e "$disks/$A1.snap.$name.img" ]; then
		content[$name]=$(sum "$disks/$A1.snap.$name.img")
		t_eq "round $n: snapshot $name exists, a whole copy" "$pre" \
		    "${content[$name]}"
	fi
	for f in $(snap_files); do
		t_eq "round $n: snapshot $f is whole" "${content[$f]-unrecorded}" \
		    "$(sum "$disks/$A1.snap.$f.img")"
	done
	t_eq "round $n: nothing else in the directory" "" "$(strays)"
	t_eq "round $n: snapshots lists exactly the files" "$(snap_files)" \
	    "$(listed)"
}

for ((i = 1; i <= ROUNDS; i++)); do
	round "$i" || not_ok "round $i could not run"
done
diag "$killed of $ROUNDS operations were killed before they ended"
# Room for two more: the next check's and the concurrent one's.
while [ "$(snap_files | wc -l)" -gt 1 ]; do
	t_check "forget one, for room" ssh_as "$ALICE" forget \
	    "$(snap_files | head -n 1)" || break
done
t_check "after the kills, a snapshot runs" ssh_as "$ALICE" snapshot last
t_eq "... a whole copy" "$(sum "$disk")" "$(sum "$disks/$A1.snap.last.img")"
content[last]=$(sum "$disk")
t_eq "... and no revert's copy is left" "" \
    "$(find "$disks" -name ".revert.*" -printf '%f\n')"

# ---- a snapshot while another session's revert runs
t_check "scribbled again" scribble
pre=$(sum "$disk")
target=last
post=${content[$target]}
ssh_as "$ALICE" revert "$target" yes >"$E2E_TMP/revert.out" \
    2>"$E2E_TMP/revert.err" &
revert_pid=$!
wait_for -t 30 helper_of_a1
sleep "$(ms $((span[revert] / 3)))"
rc=0
_e2e_run ssh_as "$ALICE" snapshot during || rc=$?
diag "snapshot during the revert: exit $rc"
diag <"$T_ERR"
cp "$T_ERR" "$E2E_TMP/during.err"
rrc=0
wait "$revert_pid" || rrc=$?
diag "the revert: exit $rrc"
diag <"$E2E_TMP/revert.err"
t_eq "the revert succeeded" 0 "$rrc"
t_eq "... the disk is the snapshot's" "$post" "$(sum "$disk")"
if [ "$rc" -eq 0 ]; then
	during=$(sum "$disks/$A1.snap.during.img")
	t_check "the snapshot, serialised, is a whole copy of before or after" \
	    eval "[ '$during' = '$pre' ] || [ '$during' = '$post' ]"
else
	t_eq "the snapshot was refused: exit 1" 1 "$rc"
	t_check "... saying the VPS is busy" grep -q "busy" \
	    "$E2E_TMP/during.err"
	t_check "... no file" test ! -e "$disks/$A1.snap.during.img"
fi
t_eq "snapshots lists exactly the files" "$(snap_files)" "$(listed)"
t_eq "nothing else in the directory" "" "$(strays)"
t_done
