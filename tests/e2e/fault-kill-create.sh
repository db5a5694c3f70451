#!/usr/bin/env bash
# fault-kill-create.sh: SIGKILL of create-vps (file backend, real
# libvirtd) at random points of its run.
#
# What create-vps guarantees after a kill, and what is checked here after
# every one:
#   - the state is one of: nothing made; the image made but no domain;
#     the domain defined (with or without autostart). libvirt never holds
#     a partial definition: a domain that exists names the VPS's image as
#     its disk and the SPICE port of vps.data;
#   - a rerun of create-vps refuses every leftover with exit 1, naming
#     the domain or the image, and changes nothing (never overwrites);
#   - a leftover domain is removed by delete-vps --purge-disk (domain and
#     image), after which create-vps succeeds;
#   - a leftover image without a domain: delete-vps without --purge-disk
#     names it and keeps it (exit 1); delete-vps --purge-disk removes it,
#     after which create-vps succeeds.
# Every iteration ends with a complete VPS (autostart on), which
# delete-vps --purge-disk then removes, so the next one starts clean.
# Then the same with libvirtd SIGKILLed at random points of a create-vps
# run (10 times): the same states, and a domain never without its image.
#
# 30 iterations, not 100: each one is four tool runs against libvirtd
# (about 1.5 s on 2 cores), and 30 random points over a run of a few
# hundred ms already hit each state; the file writers' 100 are in
# fault-kill.sh.
# shellcheck source=lib.sh
. "$top_srcdir/tests/e2e/lib.sh"
# shellcheck source=admin-lib.sh
. "$top_srcdir/tests/e2e/admin-lib.sh"
# shellcheck source=fault-lib.sh
. "$top_srcdir/tests/e2e/fault-lib.sh"
e2e_require_root
e2e_require_cmd libvirtd virsh xmllint

N=${FAULT_CREATE_KILLS:-30}
M=${FAULT_LIBVIRTD_KILLS:-10}
admin_setup
conf=$E2E_TMP/vps.conf
admin_conf "$conf" "backend = file" "dir = $imgdir"
name=$(e2e_name k)
port=$(free_port)
printf '%s:alice:1:128:1:%s\n' "$name" "$port" >"$data"
img=$imgdir/$name.img
defer e2e_forget_domain "$name"
defer rm -f "$img"

declare -A FAILS=() STATES=()
fail()
{
	FAILS[$1]+=" $2"
}
report()
{
	t_eq "$2" "" "${FAILS[$1]:-}"
}

defined()
{
	e2e_virsh dominfo "$name" >/dev/null 2>&1
}

# The definition is whole: the image as disk, the port of vps.data.
whole()
{
	local x=$E2E_TMP/dom.xml
	e2e_virsh dumpxml --inactive "$name" >"$x" 2>/dev/null &&
	    [ "$(xmllint --xpath "string(//disk[@device='disk']/source/@file)" "$x")" = "$img" ] &&
	    [ "$(xmllint --xpath "string(//graphics/@port)" "$x")" = "$port" ]
}

autostart()
{
	e2e_virsh dominfo "$name" | grep -q '^Autostart: *enable'
}

# clean_create I: create-vps succeeds and the VPS is complete; then
# delete-vps --purge-disk leaves nothing.
clean_create()
{
	"$create" -c "$conf" "$name" >/dev/null 2>&1 || { fail create "$1"; return; }
	{ defined && whole && autostart && [ -f "$img" ]; } || fail complete "$1"
	"$delete" -c "$conf" --purge-disk "$name" >/dev/null 2>&1 || fail delete "$1"
	{ ! defined && [ ! -e "$img" ]; } || fail gone "$1"
}

# The second run is timed: the first one warms libvirtd's caches.
t_need "a whole create-vps run" "$create" -c "$conf" "$name"
t_need "delete-vps --purge-disk" "$delete" -c "$conf" --purge-disk "$name"
t0=$EPOCHREALTIME
t_need "a second whole create-vps run" "$create" -c "$conf" "$name"
span=$((${EPOCHREALTIME/./} - ${t0/./}))
t_need "delete-vps --purge-disk" "$delete" -c "$conf" --purge-disk "$name"
diag "create-vps: a whole run takes $((span / 1000)) ms; kills at 0 to that"

# settle I: what a kill left (run I) is one of the known states, which
# is counted in STATES; every leftover is refused by a rerun, which
# changes nothing, and removed by delete-vps --purge-disk; then a clean
# create-vps and delete-vps.
settle()
{
	local i=$1 st
	if defined; then
		whole || fail whole "$i"
		if autostart; then st=complete; else st=no-autostart; fi
		"$create" -c "$conf" "$name" >/dev/null 2>"$E2E_TMP/re.err" &&
		    fail refuse "$i"
		grep -q "a domain named $name is already defined" "$E2E_TMP/re.err" ||
		    fail refusemsg "$i"
		whole || fail untouched "$i"
		"$delete" -c "$conf" --purge-disk "$name" >/dev/null 2>&1 ||
		    fail purge "$i"
		{ ! defined && [ ! -e "$img" ]; } || fail purged "$i"
	elif [ -e "$img" ]; then
		st=image-only
		cp -p "$img" "$E2E_TMP/img.before" 2>/dev/null
		"$create" -c "$conf" "$name" >/dev/null 2>"$E2E_TMP/re.err" &&
		    fail refuse "$i"
		grep -qF "$img" "$E2E_TMP/re.err" || fail refusemsg "$i"
		{ ! defined && cmp -s "$img" "$E2E_TMP/img.before"; } ||
		    fail untouched "$i"
		"$delete" -c "$conf" "$name" >/dev/null 2>"$E2E_TMP/del.err" &&
		    fail keep "$i"
		{ grep -qF "$img is left" "$E2E_TMP/del.err" && [ -e "$img" ]; } ||
		    fail keep "$i"
		"$delete" -c "$conf" --purge-disk "$name" >/dev/null 2>&1 ||
		    fail purge "$i"
		[ ! -e "$img" ] || fail purged "$i"
	else
		st=nothing
	fi
	STATES[$st]=$((${STATES[$st]:-0} + 1))
	clean_create "$i"
}

# sleep_random: sleeps for a random part of a whole run's span.
sleep_random()
{
	local us=$(((RANDOM * 32768 + RANDOM) % span))
	sleep "$(printf '%d.%06d' $((us / 1000000)) $((us % 1000000)))"
}

killed=0
for ((i = 1; i <= N; i++)); do
	"$create" -c "$conf" "$name" >/dev/null 2>&1 8>&- 9>&- &
	pid=$!
	sleep_random
	kill -KILL "$pid" 2>/dev/null && killed=$((killed + 1))
	wait "$pid" 2>/dev/null
	settle "$i"
done
diag "create-vps: $killed of $N runs killed alive"

# ---- libvirtd SIGKILLed at random points of a create-vps run
#
# create-vps must end (exit 1 unless it was done), and leave one of the
# same states: a domain it could not undefine keeps its image (a domain
# naming a missing disk is the one state that must never be), and an
# image whose domain libvirt could not account for is kept and named.
libvirtd_gone() { ! _e2e_alive "$LIBVIRTD_PID"; }
if [ -n "$LIBVIRTD_PID" ]; then
	for ((i = 1; i <= M; i++)); do
		timeout -k 5 60 "$create" -c "$conf" "$name" >/dev/null \
		    2>"$E2E_TMP/lk.err" 8>&- 9>&- &
		pid=$!
		sleep_random
		kill -KILL "$LIBVIRTD_PID"
		wait_for -t 10 libvirtd_gone || fail lvdead "L$i"
		rc=0
		wait "$pid" || rc=$?
		[ "$rc" -le 1 ] || fail lvexit "L$i"
		restart_libvirtd || bail_out "libvirtd does not start again"
		if defined && [ ! -e "$img" ]; then
			fail orphan "L$i"
			e2e_virsh undefine "$name" >/dev/null 2>&1
		fi
		if [ "$rc" -eq 0 ]; then
			{ defined && whole && autostart; } || fail lvok "L$i"
		elif ! defined && [ -e "$img" ]; then
			grep -qF "$img" "$E2E_TMP/lk.err" || fail lvname "L$i"
		fi
		settle "L$i"
	done
	report lvdead "libvirtd SIGKILLed during create-vps ($M times)"
	report lvexit "... create-vps ends with exit 0 or 1"
	report orphan "... never a domain left without its image"
	report lvok "... exit 0 only with the whole VPS made"
	report lvname "... an image left behind is named"
else
	t_skip "libvirtd SIGKILLed during create-vps" \
	    "machine: libvirtd already ran (a system service), so this test may not kill it"
fi

total=$((N + M))
[ -n "$LIBVIRTD_PID" ] || total=$N
for st in nothing image-only no-autostart complete; do
	diag "state after the kill: $st: ${STATES[$st]:-0} of $total"
done
t_eq "every kill left a known state" "$total" $((${STATES[nothing]:-0} + \
    ${STATES[image-only]:-0} + ${STATES[no-autostart]:-0} + ${STATES[complete]:-0}))
report whole "a domain left by a kill is a whole definition (image, port)"
report refuse "a rerun of create-vps refuses every leftover with exit 1"
report refusemsg "... naming the domain or the image"
report untouched "... and changes nothing"
report keep "delete-vps without --purge-disk names a leftover image and keeps it"
report purge "delete-vps --purge-disk removes a leftover domain or image"
report purged "... with its image"
report create "then create-vps succeeds"
report complete "... making a complete VPS (domain, image, autostart)"
report delete "... which delete-vps --purge-disk removes"
report gone "... leaving no domain and no image"

t_done
