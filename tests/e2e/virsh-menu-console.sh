#!/usr/bin/env bash
# virsh-menu-console.sh: console tickets proven with a real SPICE client
# through the member's ssh tunnel. The shown password opens the screen
# once: a wrong password does not use it up; WINDOW seconds (the console
# text says how many) after the first client connected it admits no new
# client, while a client that holds a session (spice-hold.py, on the
# library of spicy-screenshot) keeps it and QEMU still lists its
# channels; a new ticket works and ends the previous one; an unused one
# expires (ticket_minutes = 1). Every ticket is watched by a detached
# virsh-menu-ticket that outlives the one-shot "ssh member@host console"
# and ends with the ticket. And attach_iso of a bootable ISO made here
# plus reset changes the screen, checked against virsh domblklist.
# shellcheck source=lib.sh
. "$top_srcdir/tests/e2e/lib.sh"
# shellcheck source=virsh-menu-lib.sh
. "$top_srcdir/tests/e2e/virsh-menu-lib.sh"
e2e_require_root
e2e_require_cmd sudo sshd ssh virsh libvirtd qemu-system-x86_64 \
    spicy-screenshot grub-mkrescue xorriso
# spice-hold.py runs on the system python with spice-gtk's GObject library.
HOLD_PY=/usr/bin/python3
"$HOLD_PY" -c 'import gi; gi.require_version("SpiceClientGLib", "2.0")' \
    2>/dev/null || bail_out "SpiceClientGLib for $HOLD_PY not installed:" \
    "tools/deps lacks gir1.2-spiceclientglib-2.0 or python3-gi"

t_need "libvirtd is up" start_libvirtd
t_need "menu world is set up" menu_setup 1

# A bootable ISO whose GRUB menu waits forever: a screen that differs.
mkdir -p "$E2E_TMP/isoroot/boot/grub"
printf 'set timeout=-1\nmenuentry "vpshost e2e ISO" { true }\n' \
    >"$E2E_TMP/isoroot/boot/grub/grub.cfg"
t_need "grub-mkrescue makes a bootable ISO" grub-mkrescue -o "$ISODIR/grub.iso" \
    "$E2E_TMP/isoroot"
chmod 0644 "$ISODIR/grub.iso"

t_check_rc "console of a shut off VPS" 1 ssh_as "$ALICE" console
t_check "... says start it first" grep -q "start it first" "$T_ERR"
t_check "start" ssh_as "$ALICE" start

# ticket: issue one, leave PASS and PORT.
ticket()
{
	ssh_as "$ALICE" console >"$E2E_TMP/ticket" || return 1
	PASS=$(sed -n 's/^  password: //p' "$E2E_TMP/ticket")
	PORT=$(sed -n 's/^  port: *//p' "$E2E_TMP/ticket")
	[ -n "$PASS" ] && [ -n "$PORT" ]
}
t_check "console issues a ticket" ticket
t_eq "... on the VPS's SPICE port" "$PORT_A1" "$PORT"
t_check "... with host 127.0.0.1" grep -q '^  host:     127.0.0.1$' "$E2E_TMP/ticket"
t_check "... with the ssh -L line through the sshd she came through" grep -qx \
    "Open the tunnel:  ssh -p $SSHD_PORT -N -L $PORT_A1:127.0.0.1:$PORT_A1 $ALICE@HOST" \
    "$E2E_TMP/ticket"
t_check "... and what HOST is" grep -q '^  (HOST: the name you give ssh' "$E2E_TMP/ticket"
t_check "... and the spice:// URL" grep -q "spice://127.0.0.1:$PORT_A1\$" "$E2E_TMP/ticket"
t_check "... and an expiry" grep -q '^  expires:  ' "$E2E_TMP/ticket"
t_eq "... a password of 24 characters" 24 "${#PASS}"
t_check "... that says it is one-time: WINDOW seconds after the first client" \
    grep -q '^One-time: [1-9][0-9]* seconds after the first SPICE client has connected' \
    "$E2E_TMP/ticket"
window=$(sed -n 's/^One-time: \([0-9]*\) seconds.*/\1/p' "$E2E_TMP/ticket")
t_check "... and when it expires unused" grep -q \
    "Unused, it expires at $(sed -n 's/^  expires:  //p' "$E2E_TMP/ticket")\.\$" \
    "$E2E_TMP/ticket"
pass1=$PASS
t_check "a watcher of the ticket outlives the one-shot ssh console" \
    test -n "$(menu_watchers "$A1")"

# The member's tunnel, from a local port to her SPICE port.
lport=$(free_port)
ssh_bg "$ALICE" -N -o ExitOnForwardFailure=yes -L "$lport:127.0.0.1:$PORT_A1"
t_check "the member's ssh -L tunnel is up" wait_for -p "$E2E_LAST_PID" port_open "$lport"

shot() { spicy-screenshot -h 127.0.0.1 -p "$lport" -w "$1" -o "$2"; }
# A SPICE client that stays connected for $2 seconds, in the background.
hold()
{
	e2e_hold
	"$HOLD_PY" "$top_srcdir/tests/e2e/spice-hold.py" 127.0.0.1 "$lport" \
	    "$1" "$2" >"$E2E_TMP/hold.out" 2>&1 8>&- 9>&- &
	HOLD_PID=$!
	defer e2e_stop_pid "$HOLD_PID" spice-hold.py
	e2e_release
}
held() { wait "$HOLD_PID" || { cat "$E2E_TMP/hold.out"; return 1; }; }
no_watcher() { [ -z "$(menu_watchers "$A1")" ]; }
one_watcher() { [ "$(menu_watchers "$A1" | wc -l)" -eq 1 ]; }
# spice_clients: the SPICE channels QEMU has open, per "info spice".
spice_clients() { e2e_virsh qemu-monitor-command --hmp "$A1" 'info spice' |
    grep -c '^ *channel: '; }

t_check_fails "a wrong password is refused" shot "x$pass1" "$E2E_TMP/bad.ppm"
sleep $((window + 1))
t_check "... and uses nothing up: the ticket opens the console through the tunnel" \
    shot "$pass1" "$E2E_TMP/s1.ppm"
t_check "... as a PPM image" grep -q '^P6' "$E2E_TMP/s1.ppm"
sleep $((window + 1))
t_check_fails "a second use of the ticket, after the window, is refused" \
    shot "$pass1" "$E2E_TMP/again.ppm"
t_check "... and the ticket's watcher has ended" wait_for -t 5 no_watcher

t_check "a new ticket" ticket
pass2=$PASS
t_check_fails "... differs from the first" test "$pass1" = "$pass2"
t_check "... opens the console" shot "$pass2" "$E2E_TMP/s2.ppm"

t_check "a ticket, unused" ticket
pass3=$PASS
t_check "a newer ticket" ticket
pass4=$PASS
t_check_fails "... ends the one before it" shot "$pass3" "$E2E_TMP/old.ppm"
t_check "... and its watcher: one watcher is left" wait_for -t 5 one_watcher

# The session of the first client is kept while its ticket ends: a
# client that stays connected, and then a second client with the same
# password, which would take the session over if it were admitted.
hold "$pass4" $((window + 10))
t_check "a SPICE client that stays connects with the newer ticket" \
    wait_for -t 30 grep -q '^connected$' "$E2E_TMP/hold.out"
sleep $((window + 1))
t_check_fails "... after the window its password admits no other client" \
    shot "$pass4" "$E2E_TMP/other.ppm"
t_check "... QEMU still has the first client's channels open" \
    test "$(spice_clients)" -ge 2
t_check "... and the first client kept its session: no channel closed" held

# ---- attach_iso, reset: the screen changes; domblklist agrees
t_check "attach_iso grub.iso (running VPS)" ssh_as "$ALICE" attach_iso grub.iso
t_eq "... Successfully inserted media." "Successfully inserted media." "$(cat "$T_OUT")"
t_eq "... live CD-ROM per domblklist" "$ISODIR/grub.iso" "$(cdrom_source "$A1")"
t_eq "... persistent CD-ROM per domblklist" "$ISODIR/grub.iso" "$(cdrom_source "$A1" --inactive)"
t_check "status shows the ISO" ssh_as "$ALICE" status
t_eq "... grub.iso" grub.iso "$(menu_field ISO)"
t_check "reset" ssh_as "$ALICE" reset
# Each look at the screen takes a ticket of its own: one ticket, one client.
differs() { ticket && shot "$PASS" "$E2E_TMP/s3.ppm" &&
    ! cmp -s "$E2E_TMP/s2.ppm" "$E2E_TMP/s3.ppm"; }
t_check "the screen after reset with the ISO differs from the one without" \
    wait_for -t 60 differs
t_check "detach_iso" ssh_as "$ALICE" detach_iso
t_eq "... Successfully ejected media." "Successfully ejected media." "$(cat "$T_OUT")"
t_eq "... live CD-ROM empty per domblklist" "-" "$(cdrom_source "$A1")"
t_eq "... persistent CD-ROM empty per domblklist" "-" "$(cdrom_source "$A1" --inactive)"
t_check_rc "detach_iso again fails" 1 ssh_as "$ALICE" detach_iso
t_check "attach_iso on a shut off VPS" ssh_as "$ALICE" use "$A2" attach_iso grub.iso
t_eq "... persistent CD-ROM per domblklist" "$ISODIR/grub.iso" "$(cdrom_source "$A2" --inactive)"

# ---- an unused ticket expires (ticket_minutes = 1)
t_check "a ticket valid for 1 minute" ticket
t_check "... says so" grep -q 'unused it expires in 1 minute)' "$E2E_TMP/ticket"
sleep 65
t_check_fails "... no longer opens the console once it expired" \
    shot "$PASS" "$E2E_TMP/s5.ppm"
t_check "... and its watcher has ended" wait_for -t 5 no_watcher

# ---- libvirtd goes away while a ticket is out: its watcher cannot see
# the ticket used, so it ends it as soon as libvirtd is back.
if [ -n "$LIBVIRTD_PID" ]; then
	t_check "a ticket, unused" ticket
	t_check "libvirtd stops (the VPS runs on)" e2e_stop_pid "$LIBVIRTD_PID" libvirtd
	t_need "libvirtd starts again" restart_libvirtd
	t_check "... the watcher ends the ticket" wait_for -t 10 no_watcher
	t_check_fails "... which no longer opens the console" \
	    shot "$PASS" "$E2E_TMP/s6.ppm"
	t_check "a new ticket after the restart" ticket
	t_check "... opens the console" shot "$PASS" "$E2E_TMP/s7.ppm"
else
	t_skip "a ticket while libvirtd restarts" \
	    "machine: libvirtd already ran (a system service), so this test may not stop it"
fi

t_check "poweroff" ssh_as "$ALICE" poweroff
t_done
