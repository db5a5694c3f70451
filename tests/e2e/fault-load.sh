#!/usr/bin/env bash
# fault-load.sh: the CI-sized variant of bench/menu-load. 8 members are
# logged in at once over the real sshd (interactive menu on a pty, sudo,
# --serve, libvirtd), each running 20 commands of the cycle status,
# start, status, attach_iso, status, detach_iso, shutdown, poweroff on
# their own tiny TCG domain, while 2 more members stay idle. Zero errors
# (every answer is the expected one, every status names the member's own
# VPS), and afterwards every VPS is in the state its own member's
# commands left it in: the idle ones untouched. No timing is asserted;
# the numbers are printed as diagnostics.
# shellcheck source=lib.sh
. "$top_srcdir/tests/e2e/lib.sh"
# shellcheck source=virsh-menu-lib.sh
. "$top_srcdir/tests/e2e/virsh-menu-lib.sh"
# shellcheck source=fault-load-lib.sh
. "$top_srcdir/tests/e2e/fault-load-lib.sh"
e2e_require_root
e2e_require_cmd sudo sshd ssh virsh libvirtd qemu-system-x86_64 python3

t_need "libvirtd is up" start_libvirtd
t_need "10 members with a VPS each, rules, sshd" load_setup 8 2
t_check "8 members x 20 commands at once" load_run 20 120
cp "$T_OUT" "$E2E_TMP/load.out"
diag <"$E2E_TMP/load.out"
t_eq "zero errors" "errors: 0" "$(tail -n 1 "$E2E_TMP/load.out")"
t_check "all 160 commands done" grep -q '^result: 8 members x 20 commands: 160 done' \
    "$E2E_TMP/load.out"
t_check "every VPS as its own member left it, the idle ones untouched" load_check
t_done
