#!/usr/bin/env bash
# virsh-menu-serial.sh: serial, the VPS's serial console in the member's
# ssh session, with a real guest (Debian's kernel and a busybox
# initramfs, booted directly) whose shell is on its serial port: a
# command typed through the member's forced command runs in the guest;
# Ctrl-] returns to the menu; one session per VPS unless "serial force";
# no terminal, another member's VPS by any spelling: refused; the
# terminal's settings are the same after every way out (escape, VPS
# stopped, helper killed, a SIGWINCH storm); a hangup leaves no helper;
# nothing the guest prints after the escape runs in the menu.
# shellcheck source=lib.sh
. "$top_srcdir/tests/e2e/lib.sh"
# shellcheck source=virsh-menu-lib.sh
. "$top_srcdir/tests/e2e/virsh-menu-lib.sh"
e2e_require_root
e2e_require_cmd sudo sshd ssh virsh libvirtd qemu-system-x86_64 runuser \
    expect cpio busybox

# serial_run NAME: runs the expect scenario on stdin after the preludes.
serial_run()
{
	local f
	f=$E2E_TMP/serial-$(printf '%s' "$1" | tr -c 'A-Za-z0-9' _).exp
	{
		echo "source $top_srcdir/tests/e2e/virsh-menu-pty.exp"
		echo "source $top_srcdir/tests/e2e/virsh-menu-serial.exp"
		cat
	} >"$f"
	t_check "serial: $1" serial_expect "$f"
}

# expect under a timeout of its own: a scenario may wait for the guest
# to boot (TCG on a busy host), longer than E2E_TIMEOUT.
serial_expect()
{
	timeout -k 5 300 expect -f "$1"
}

# helpers_of VPS: the pids of the root helpers serving VPS.
helpers_of()
{
	pgrep -f "virsh-menu-serve $1\$"
}

no_helper_of()
{
	! helpers_of "$1" >/dev/null
}

t_need "libvirtd is up" start_libvirtd
t_need "menu world is set up" menu_setup
t_need "guest kernel and initramfs" menu_guest_files
t_need "$A1 boots the guest, its console on ttyS0" menu_guest_define "$A1" \
    "$PORT_A1"
t_check "$A1 starts" e2e_virsh start "$A1"

stty_dir=$E2E_TMP/stty
mkdir -m 0777 "$stty_dir"
export E2E_SSH_CONFIG ALICE BOB MENU A1 A2 B1 VIRSH_URI stty_dir

# ---- one command over ssh -t, through the member's forced command
serial_run "ssh -t serial runs a command in the guest" <<'EOF'
spawn ssh -F $env(E2E_SSH_CONFIG) -tt -l $env(ALICE) e2e serial
want "Connected to the serial console of $env(A1)"
guest_ready
guest_want "echo HELLO-\$((20+22)) > /proc/self/fd/1" "HELLO-42"
escape
if {[exit_status] != 0} { fail "serial did not exit 0 after the escape" }
EOF

# ---- the interactive menu: serial, escape, then the menu goes on; what
# the guest prints after the escape never reaches the menu
serial_run "escape returns to the menu; the guest cannot type into it" <<'EOF'
spawn ssh -F $env(E2E_SSH_CONFIG) -tt -l $env(ALICE) e2e
prompt
send -- "serial\r"
want "Connected to the serial console of $env(A1)"
guest_ready
# The guest keeps printing menu commands, fast, from now on.
send -- "(while :; do echo poweroff; echo quit; usleep 20000; done) &\r"
want "poweroff"
# Keys typed after the escape key in the same burst (what a terminal
# answering a guest's query would send) are dropped, not run.
send -- "\x1dpoweroff\r"
prompt
run_want "status" "State:          running"
sleep 1
run_want "status" "State:          running"
send -- "serial\r"
want "Connected to the serial console of $env(A1)"
send -- "kill %1\r"
guest_ready
escape
prompt
send -- "quit\r"
ends
EOF
t_eq "the guest's 'poweroff' lines did not power it off" running \
    "$(dom_field "$A1" State)"

# ---- one session per VPS; serial force takes over
serial_run "a second session is refused, serial force takes over" <<'EOF'
spawn ssh -F $env(E2E_SSH_CONFIG) -tt -l $env(ALICE) e2e serial
set first $spawn_id
want "Connected to the serial console of $env(A1)"
guest_ready
spawn ssh -F $env(E2E_SSH_CONFIG) -tt -l $env(ALICE) e2e serial
set second $spawn_id
want "serial force"
if {[exit_status] != 1} { fail "the second session did not exit 1" }
spawn ssh -F $env(E2E_SSH_CONFIG) -tt -l $env(ALICE) e2e serial force
set third $spawn_id
want "Connected to the serial console of $env(A1)"
guest_ready
set spawn_id $first
want "serial console closed: the console was taken over by another session"
if {[exit_status] != 1} { fail "the first session did not exit 1" }
set spawn_id $third
escape
if {[exit_status] != 0} { fail "the forcing session did not exit 0" }
EOF

# ---- refusals
t_check_rc "serial without a terminal is refused" 2 \
    ssh_as "$ALICE" serial
t_check "... saying why" grep -q "serial: needs a terminal" "$T_ERR"
t_check_fails "bob: use $A1 serial" \
    ssh_as "$BOB" -tt "use $A1 serial"
t_check_fails "bob: serial $A1" ssh_as "$BOB" -tt "serial $A1"
t_check_fails "bob: use $A1 serial force" \
    ssh_as "$BOB" -tt "use $A1 serial force"
t_check_fails "bob: sudo virsh-menu --serve $A1" \
    as_member "$BOB" sudo -n "$MENU" --serve "$A1"
t_check_fails "alice: serial with another argument" \
    ssh_as "$ALICE" -tt "serial $A2"
t_check_rc "alice: serial on a VPS that is not running" 1 \
    ssh_as "$ALICE" -tt "use $A2 serial"
t_check "... saying so" grep -q "not running; start it first" "$T_OUT"

# ---- the terminal after every way out: the member's own menu on a pty
# (runuser), stty -a before and after
stty_scenario()
{
	local n=$1
	cat <<EOF
spawn runuser -u \$env(ALICE) -- /bin/sh -c "stty -a >\$env(stty_dir)/before-$n; \$env(MENU) -c serial; echo MENU-RC=\\\$?; stty -a >\$env(stty_dir)/after-$n"
want "Connected to the serial console of \$env(A1)"
guest_ready
EOF
	cat
	echo 'want "MENU-RC="'
	echo 'expect eof'
}

stty_scenario escape >"$E2E_TMP/stty-escape.exp" <<'EOF'
escape
EOF
serial_run "terminal restored: escape" <"$E2E_TMP/stty-escape.exp"
stty_scenario winch >"$E2E_TMP/stty-winch.exp" <<'EOF'
exec sh -c "for i in \$(seq 300); do pkill -WINCH -u $env(ALICE) -x virsh-menu; done"
guest_want "echo AFTER-\$((40+2))" "AFTER-42"
escape
EOF
serial_run "terminal restored: SIGWINCH storm" <"$E2E_TMP/stty-winch.exp"
stty_scenario killed >"$E2E_TMP/stty-killed.exp" <<'EOF'
exec pkill -KILL -f "virsh-menu-serve $env(A1)\$"
want "the privileged helper has exited"
EOF
serial_run "terminal restored: helper killed" <"$E2E_TMP/stty-killed.exp"
stty_scenario stopped >"$E2E_TMP/stty-stopped.exp" <<'EOF'
exec virsh -q -c $env(VIRSH_URI) destroy $env(A1)
want "serial console closed: the VPS is not running any more"
EOF
serial_run "terminal restored: VPS stopped" <"$E2E_TMP/stty-stopped.exp"
for n in escape winch killed stopped; do
	t_check "stty -a the same after: $n" \
	    cmp "$stty_dir/before-$n" "$stty_dir/after-$n"
done
t_check "$A1 starts again" e2e_virsh start "$A1"

# ---- a hangup during a session leaves no helper behind
serial_run "hangup during a session" <<'EOF'
spawn ssh -F $env(E2E_SSH_CONFIG) -tt -l $env(ALICE) e2e serial
want "Connected to the serial console of $env(A1)"
guest_ready
exec kill -KILL [exp_pid]
EOF
t_check "no helper of $A1 is left after the hangup" \
    wait_for -t 30 no_helper_of "$A1"
serial_run "the console is free again" <<'EOF2'
spawn ssh -F $env(E2E_SSH_CONFIG) -tt -l $env(ALICE) e2e serial
want "Connected to the serial console of $env(A1)"
guest_ready
escape
if {[exit_status] != 0} { fail "serial did not exit 0 after the escape" }
EOF2
t_done
