#!/usr/bin/env bash
# virsh-menu-limits.sh: what one member's menu session may take from the
# host, over the real sshd: the line editor's memory under a hostile
# terminal size and a SIGWINCH storm, a hangup with commands queued
# (nothing of them runs, the menu and its root helpers are gone at once),
# and [limits] idle_minutes.
# shellcheck source=lib.sh
. "$top_srcdir/tests/e2e/lib.sh"
# shellcheck source=virsh-menu-lib.sh
. "$top_srcdir/tests/e2e/virsh-menu-lib.sh"
e2e_require_root
e2e_require_cmd sudo sshd ssh virsh libvirtd qemu-system-x86_64 expect \
    socat pgrep

t_need "libvirtd is up" start_libvirtd
t_need "menu world is set up" menu_setup
# The helpers' audit lines (one per request carried out), read where they
# go: /dev/log.
menu_syslog
export E2E_SSH_CONFIG ALICE A1 E2E_TMP

# exp_run NAME: runs the expect scenario on stdin after the procedures of
# virsh-menu-pty.exp.
exp_run()
{
	local f
	f=$E2E_TMP/exp-$(printf '%s' "$1" | tr -c 'A-Za-z0-9' _).exp
	{
		echo "source $top_srcdir/tests/e2e/virsh-menu-pty.exp"
		cat
	} >"$f"
	t_check "$1" expect -f "$f"
}

# The member's menus, and the sudo and server processes of their helpers
# for A1.
menu_procs()
{
	pgrep -U "$ALICE" -x virsh-menu
	pgrep -f -- "virsh-menu(-serve| --serve) $A1\$"
}

no_menu_procs()
{
	[ -z "$(menu_procs)" ]
}

# ---- a 65535 x 65535 terminal and a SIGWINCH storm
# sshd sets the size the client sends on the menu's terminal; libedit
# sized its display buffers by it (gigabytes). The peak RSS (VmHWM) of
# the menu, and the address-space limits of the menu and of its helper,
# are read while the session is still open.
cat >"$E2E_TMP/hwm.sh" <<'EOF'
as_limit() { awk '/^Max address space/ { print $4 }' "/proc/$1/limits"; }
pid=$(pgrep -U "$ALICE" -x virsh-menu) &&
    sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\) kB$/\1/p' "/proc/$pid/status" \
    >"$E2E_TMP/hwm" &&
    as_limit "$pid" >"$E2E_TMP/as-menu" &&
    as_limit "$(pgrep -f "virsh-menu-serve $A1\$")" >"$E2E_TMP/as-serve"
EOF
exp_run "a 65535x65535 terminal and a SIGWINCH storm: the menu answers" <<'EOF'
spawn sh -c "stty rows 65535 cols 65535 && exec ssh -F $env(E2E_SSH_CONFIG) -tt -l $env(ALICE) e2e"
want "vpshost member shell"
prompt
run_want "status" "State:"
# Each size change of ssh's terminal is a window-change request, which
# sshd passes on to the menu's terminal (TIOCSWINSZ, SIGWINCH).
for {set i 0} {$i < 100} {incr i} {
	stty rows [expr {65535 - $i % 3}] columns [expr {65535 - $i % 2}] \
	    < $spawn_out(slave,name)
	after 10
}
run_want "status" "State:"
send "li"
stty rows 65535 columns 65535 < $spawn_out(slave,name)
send "st\r"
want "(selected)"
prompt
exec bash $env(E2E_TMP)/hwm.sh
send "quit\r"
ends
EOF
hwm=$(cat "$E2E_TMP/hwm" 2>/dev/null)
diag "peak RSS of the menu: ${hwm:-?} kB"
t_check "... its peak RSS stayed under 32 MiB" test "${hwm:-999999}" -lt 32768
# No cap in a sanitizer build: ASan reserves terabytes of address space.
if grep -q '^#define VPS_SANITIZERS 1' "$top_builddir/config.h"; then
	as_menu=unlimited as_serve=unlimited
else
	as_menu=$((256 << 20)) as_serve=$((512 << 20))
fi
t_eq "... the menu's address space is capped" "$as_menu" \
    "$(cat "$E2E_TMP/as-menu" 2>/dev/null)"
t_eq "... and its helper's" "$as_serve" "$(cat "$E2E_TMP/as-serve" 2>/dev/null)"

# ---- a hangup with 20 commands queued
audit_count()
{
	if [ -n "$syslog" ]; then
		syslog_lines "$syslog" |
		    grep -c "member=$ALICE vps=$A1 action=status " || true
	else
		echo 0
	fi
}

audit_at_least()
{
	[ "$(audit_count)" -ge "$1" ]
}

# hangup_case -tt|-T: a session (with a terminal or without) whose helper
# is held up in a request (libvirtd stopped) with 20 more commands queued
# behind it; then the ssh client is killed.
hangup_case()
{
	local t=$1 fifo=$E2E_TMP/hup$1.in out=$E2E_TMP/hup$1.out pid before
	local what="hangup ($t)" audit0
	audit0=$(audit_count)
	mkfifo "$fifo" || return 1
	e2e_hold
	ssh -F "$E2E_SSH_CONFIG" "$t" -l "$ALICE" e2e <"$fifo" >"$out" 2>&1 \
	    8>&- 9>&- &
	pid=$!
	defer e2e_stop_pid "$pid" "ssh $ALICE"
	e2e_release
	exec 7>"$fifo"
	printf 'status\n' >&7
	t_check "$what: the first command answers" \
	    wait_for -t 30 grep -q "^State:" "$out"
	t_check "$what: its helper runs" wait_for -t 10 pgrep -f -- \
	    "virsh-menu-serve $A1\$"
	[ -z "$syslog" ] || wait_for -t 10 audit_at_least $((audit0 + 1))
	before=$(audit_count)
	kill -STOP "$LIBVIRTD_PID"
	printf 'status\n%.0s' $(seq 20) >&7
	sleep 1
	kill -KILL "$pid"
	t_check "$what: menu and helpers gone within 5 s of the kill" \
	    wait_for -t 5 no_menu_procs
	kill -CONT "$LIBVIRTD_PID"
	exec 7>&-
	if [ -n "$syslog" ]; then
		sleep 5	# time for anything left to run
		t_eq "$what: no command ran after the kill" "$before" \
		    "$(audit_count)"
	else
		t_skip "$what: no command ran after the kill" \
		    "machine: a syslog daemon owns /dev/log"
	fi
	# Whatever the old code left, so that the next case starts clean.
	# shellcheck disable=SC2046 # one pid per word
	kill -KILL $(menu_procs) 2>/dev/null
	wait_for -t 5 no_menu_procs
}

if [ -n "$LIBVIRTD_PID" ]; then
	defer kill -CONT "$LIBVIRTD_PID"
	hangup_case -tt
	hangup_case -T
else
	t_skip "hangup with commands queued" \
	    "machine: libvirtd already ran (a system service), so this test may not stop it"
fi

# ---- [limits] idle_minutes = 1
# One session without a terminal, which gets no input at all, and one
# with a terminal, which gets a partial line after 20 s: each must end
# one minute after its last input, with the message and exit status 1.
# The second takes 80 s (E2E_TIMEOUT bounds a check to 60 s).
printf '[limits]\nidle_minutes = 1\n' >>"$CONF"
fifo=$E2E_TMP/idle.in
mkfifo "$fifo"
start=$EPOCHSECONDS
e2e_hold
{
	ssh -F "$E2E_SSH_CONFIG" -T -l "$ALICE" e2e <"$fifo" \
	    >"$E2E_TMP/idle.out" 2>&1
	echo "$? $EPOCHSECONDS" >"$E2E_TMP/idle.end"
} 8>&- 9>&- &
defer e2e_stop_pid "$!" "idle session"
e2e_release
exec 6>"$fifo"
E2E_TIMEOUT=150 exp_run "idle: a terminal session ends a minute after its last key" <<'EOF'
spawn ssh -F $env(E2E_SSH_CONFIG) -tt -l $env(ALICE) e2e
prompt
run_want "status" "State:"
sleep 20
send "sta"
set typed [clock seconds]
set timeout 80
want "virsh-menu: no input for 1 minute: session closed"
set after [expr {[clock seconds] - $typed}]
if {$after < 59 || $after > 70} {
	fail "closed $after s after the last key, not 60"
}
ends
set st [wait]
if {[lindex $st 3] != 1} {
	fail "exit status [lindex $st 3], not 1"
}
EOF
wait_for -t 20 test -s "$E2E_TMP/idle.end"
exec 6>&-
read -r idle_rc idle_end 2>/dev/null <"$E2E_TMP/idle.end"
t_eq "idle: a session without a terminal ended with status 1" 1 "${idle_rc:-}"
t_check "... saying why" grep -q \
    "^virsh-menu: no input for 1 minute: session closed" "$E2E_TMP/idle.out"
elapsed=$(( ${idle_end:-$start} - start ))
t_check "... a minute after it started (${elapsed} s)" \
    test "$elapsed" -ge 59 -a "$elapsed" -le 75

t_done
