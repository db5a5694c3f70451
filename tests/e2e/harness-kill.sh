#!/bin/bash
# tests/e2e/harness-kill.sh: a test killed with SIGTERM leaves nothing.
#
# Runs harness.sh until every component is up (it then writes what it
# created to a state file and waits), sends it SIGTERM, and checks that it
# reported a failing TAP result and that its cleanup removed everything:
# processes, member accounts and homes, the /etc/shells line, the VG and
# loop device, the libvirt domain and network, and its temp dir.

# shellcheck disable=SC2317 # helpers are called through t_check
# shellcheck source=lib.sh
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"

e2e_require_root
e2e_require_cmd slapd libvirtd sshd lvm

# state KEY: the value harness.sh recorded for KEY.
state()
{
	sed -n "s/^$1 //p" "$E2E_TMP/state"
}

any_user()
{
	local u
	for u in "$@"; do
		getent passwd "$u" >/dev/null && return 0
		[ ! -e "/home/$u" ] || return 0
	done
	return 1
}

loop_backs()
{
	[ "$(losetup -n -O BACK-FILE "$1" 2>/dev/null | xargs)" = "$2" ]
}

domain_left()
{
	[ -e "/etc/libvirt/qemu/$1.xml" ] || pgrep -f "guest=$1," >/dev/null ||
	    [ -e "/var/log/libvirt/qemu/$1.log" ]
}

shells_before=$(cat /etc/shells)

# The child runs under our lock (E2E_LOCK_HELD), without our fds 8 and 9.
E2E_HARNESS_STATE=$E2E_TMP/state E2E_LOCK_HELD=1 \
    bash "$top_srcdir/tests/e2e/harness.sh" </dev/null \
    >"$E2E_TMP/child.tap" 2>&1 8>&- 9>&- &
child=$!
defer e2e_stop_pid "$child" harness.sh

t_need "harness.sh brings everything up" wait_for -t 120 -p "$child" \
    test -s "$E2E_TMP/state"
kill -TERM "$child"
rc=0
wait "$child" || rc=$?
t_eq "harness.sh exits with 128+SIGTERM" 143 "$rc"
t_check "it says Bail out!" grep -q '^Bail out! killed by SIGTERM' "$E2E_TMP/child.tap"
t_check_fails "it prints no plan" grep -q '^1\.\.' "$E2E_TMP/child.tap"
t_check_fails "its cleanup had no failures" grep -q '^# cleanup failed' "$E2E_TMP/child.tap"
[ "$E2E_FAILED" -eq 0 ] || diag <"$E2E_TMP/child.tap"

# shellcheck disable=SC2046 # lists of words
{
t_check_fails "its daemons are gone" any_alive $(state pids)
t_check_fails "its members and homes are gone" any_user $(state users)
t_eq "/etc/shells is as before" "$shells_before" "$(cat /etc/shells)"
t_check_fails "its VG is gone" vg_exists "$(state vg)"
t_check_fails "its loop device is detached" loop_backs "$(state loop)" \
    "$(state tmp)/lvm-$(state vg).img"
t_check_fails "its domain is gone" domain_left "$(state domain)"
t_check_fails "its network is gone" ls "/etc/libvirt/qemu/networks/$(state net).xml"
t_check_fails "its temp dir is gone" ls -d "$(state tmp)"
}

t_done
