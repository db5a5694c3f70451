#!/usr/bin/env bash
# virsh-menu-hosts.sh: one member, VPS on two hypervisors, one menu.
# A second libvirtd (start_libvirtd2: its own mount namespace, qemu+tcp
# on loopback) is vps.conf's [host hv2]; alice's A3 runs there (a real
# guest), A1 and A2 here. Through the same menu and helper she lists,
# starts and stops A3, types into its serial console, attaches an ISO,
# and gets a console ticket whose tunnel leads to hv2's SPICE address
# (127.0.0.2), which sshd permits her and a real SPICE client opens;
# bob reaches none of it. hv2's libvirtd killed: A3 says "host hv2
# unreachable" while A1 keeps working in the same session, and works
# again once hv2 is back. An admin moving A3 (vps.data's host field), and
# migrate-vps moving it back while it runs, are followed by a session
# that is already open.
# shellcheck source=lib.sh
. "$top_srcdir/tests/e2e/lib.sh"
# shellcheck source=virsh-menu-lib.sh
. "$top_srcdir/tests/e2e/virsh-menu-lib.sh"
e2e_require_root
e2e_require_cmd sudo sshd ssh virsh libvirtd qemu-system-x86_64 runuser \
    expect cpio busybox spicy-screenshot xorriso unshare nsenter

t_need "libvirtd is up" start_libvirtd
t_need "a second libvirtd, hv2, answers on $HV2_SPICE's loopback" \
    start_libvirtd2
t_need "menu world is set up" menu_setup
t_need "guest kernel and initramfs" menu_guest_files

A3=$(e2e_name a3)
PORT_A3=$(free_port)

# hv2 in vps.conf, A3 on it in vps.data, the rules made again.
add_hv2()
{
	printf '[host hv2]\nuri = %s\nspice_listen = %s\nbackend = file\ndir = %s\n' \
	    "$VIRSH_URI2" "$HV2_SPICE" "$E2E_TMP/disks" >>"$CONF" &&
	    printf '%s:%s:1:128:1:%s:hv2\n' "$A3" "$ALICE" "$PORT_A3" \
	    >>"$DATA" &&
	    "$top_builddir/sudoers-gen" -c "$CONF" || return 1
	# The test's sshd reads its rules again (sudoers-gen signals the
	# system's sshd only).
	kill -HUP "$SSHD_PID" && sleep 1 &&
	    wait_for -p "$SSHD_PID" port_open "$SSHD_PORT"
}
t_need "vps.conf has [host hv2], vps.data puts $A3 there" add_hv2

# A3: the guest, its SPICE display on hv2's address, defined on hv2 only.
define_a3()
{
	menu_domain_xml "$A3" "$PORT_A3" | sed \
	    -e "s|<os>.*</os>|<os><type arch='x86_64' machine='q35'>hvm</type><kernel>$E2E_TMP/guest/vmlinuz</kernel><initrd>$E2E_TMP/guest/initrd.gz</initrd><cmdline>console=ttyS0 panic=-1</cmdline></os>|" \
	    -e "s|<memory unit='MiB'>128</memory>|<memory unit='MiB'>256</memory>|" \
	    -e "s|127\.0\.0\.1|$HV2_SPICE|g" \
	    -e "s|  </devices>|<serial type='pty'><target port='0'/></serial><console type='pty'><target type='serial' port='0'/></console></devices>|" \
	    >"$E2E_TMP/$A3.xml" && e2e_virsh2 define "$E2E_TMP/$A3.xml" >/dev/null
}
t_need "$A3 is defined on hv2" define_a3
t_check_fails "... and not here" e2e_virsh dominfo "$A3"

t_check "list shows her VPS of both hosts" ssh_as "$ALICE" list
cp "$T_OUT" "$E2E_TMP/list"
for v in "$A1" "$A2" "$A3"; do
	t_check "... $v" grep -qw -- "$v" "$E2E_TMP/list"
done
t_check "status of $A3 comes from hv2" ssh_as "$ALICE" "use $A3 status"
t_eq "... shut off" "shut off" "$(menu_field State)"
t_check "start $A3" ssh_as "$ALICE" "use $A3 start"
t_eq "... it runs on hv2" running \
    "$(e2e_virsh2 dominfo "$A3" | sed -n 's/^State: *//p')"
t_check_fails "... and nothing of it here" e2e_virsh dominfo "$A3"

# One session, both hosts: the menu's own input, no terminal.
both()
{
	printf 'status\nuse %s\nstatus\nuse %s\nstatus\n' "$A3" "$A1" |
	    as_member "$ALICE" "$MENU"
}
t_check "one session: $A1, then $A3, then $A1 again" both
t_eq "... states in order" "shut off;running;shut off;" \
    "$(sed -n 's/^State: *//p' "$T_OUT" | tr '\n' ';')"

# The serial console of the VPS on hv2, through the same helper.
export E2E_SSH_CONFIG ALICE A3
cat >"$E2E_TMP/serial.exp" <<EOF
source $top_srcdir/tests/e2e/virsh-menu-pty.exp
source $top_srcdir/tests/e2e/virsh-menu-serial.exp
spawn ssh -F \$env(E2E_SSH_CONFIG) -tt -l \$env(ALICE) e2e "use \$env(A3) serial"
want "Connected to the serial console of \$env(A3)"
guest_ready
guest_want "echo HV2-\\\$((40+2)) > /proc/self/fd/1" "HV2-42"
escape
if {[exit_status] != 0} { fail "serial did not exit 0 after the escape" }
EOF
t_check "serial: a command typed into $A3's console runs in the guest on hv2" \
    timeout -k 5 300 expect -f "$E2E_TMP/serial.exp"

# An ISO of the library, in the CD-ROM of the VPS on hv2 (the library is
# at the same path on every host: here, one file system).
mkdir -p "$E2E_TMP/isoroot" && echo hv2 >"$E2E_TMP/isoroot/readme"
t_need "an ISO in the library" xorriso -as mkisofs -quiet -o "$ISODIR/hv2.iso" \
    "$E2E_TMP/isoroot"
chmod 0644 "$ISODIR/hv2.iso"
t_check "attach_iso on $A3" ssh_as "$ALICE" "use $A3 attach_iso hv2.iso"
t_eq "... in hv2's live definition" "$ISODIR/hv2.iso" \
    "$(e2e_virsh2 domblklist "$A3" | awk '$1 == "sda" { print $2 }')"
t_check "detach_iso on $A3" ssh_as "$ALICE" "use $A3 detach_iso"
t_eq "... gone again" "-" \
    "$(e2e_virsh2 domblklist "$A3" | awk '$1 == "sda" { print $2 }')"

# The console: a ticket, a tunnel to hv2's SPICE address, a real client.
t_check "console of $A3, as JSON" ssh_as "$ALICE" "json use $A3 console"
t_check "... spice_address is hv2's, and so is the tunnel's" python3 -c '
import json, sys
o = json.load(open(sys.argv[1]))
assert o["spice_address"] == sys.argv[2], o
assert (":%s:" % sys.argv[2]) in o["tunnel"], o' "$T_OUT" "$HV2_SPICE"
t_check "console of $A3" ssh_as "$ALICE" "use $A3 console"
cp "$T_OUT" "$E2E_TMP/ticket"
PASS=$(sed -n 's/^  password: //p' "$E2E_TMP/ticket")
t_check "... the tunnel leads to hv2's SPICE address" grep -qx \
    "Open the tunnel:  ssh -p $SSHD_PORT -N -L $PORT_A3:$HV2_SPICE:$PORT_A3 $ALICE@HOST" \
    "$E2E_TMP/ticket"
t_check "... the client still connects to its own end" grep -q \
    "spice://127.0.0.1:$PORT_A3\$" "$E2E_TMP/ticket"
lport=$(free_port)
ssh_bg "$ALICE" -N -o ExitOnForwardFailure=yes -L "$lport:$HV2_SPICE:$PORT_A3"
t_check "her ssh -L tunnel to $HV2_SPICE:$PORT_A3 is up" \
    wait_for -p "$E2E_LAST_PID" port_open "$lport"
t_check "... a SPICE client opens $A3's screen through it" \
    spicy-screenshot -h 127.0.0.1 -p "$lport" -w "$PASS" -o "$E2E_TMP/a3.ppm"
t_check "... a PPM image" grep -q '^P6' "$E2E_TMP/a3.ppm"

# ---- bob, another member: nothing of A3 by any spelling.
t_check_rc "bob: use $A3" 2 ssh_as "$BOB" "use $A3 status"
t_check_fails "... no state of it shown" grep -q '^State:' "$T_OUT"
t_check_fails "bob: sudo --serve $A3" as_member "$BOB" sudo -n "$MENU" \
    --serve "$A3"
blport=$(free_port)
: >"$E2E_TMP/ssh_bg.log"
ssh_bg "$BOB" -o LogLevel=INFO -N -L "$blport:$HV2_SPICE:$PORT_A3"
bpid=$E2E_LAST_PID
t_check "bob's ssh -L to $HV2_SPICE:$PORT_A3 listens locally" \
    wait_for port_open "$blport"
t_eq "... but carries nothing" "" \
    "$(timeout 10 bash -c "exec 3<>/dev/tcp/127.0.0.1/$blport && head -c 4 <&3")"
t_check "... open failed: administratively prohibited" wait_for -t 10 \
    grep -q 'open failed: administratively prohibited' "$E2E_TMP/ssh_bg.log"
e2e_stop_pid "$bpid" "ssh -L"

# ---- hv2 gone: a clear word for A3, A1 unharmed, in one session.
t_check "hv2's libvirtd is killed" kill_libvirtd2
t_check_rc "status of $A3" 1 ssh_as "$ALICE" "use $A3 status"
t_check "... host hv2 unreachable" grep -q "host hv2 unreachable" "$T_ERR"
t_check "status of $A1 still works" ssh_as "$ALICE" "use $A1 status"
session_after_kill()
{
	printf 'use %s\nstatus\nuse %s\nstatus\n' "$A3" "$A1" |
	    as_member "$ALICE" "$MENU"
}
t_check "one session: $A3 fails, $A1 answers" session_after_kill
t_eq "... $A1's state shown" "shut off" "$(menu_field State)"
t_check "... $A3: host hv2 unreachable" grep -q "host hv2 unreachable" "$T_ERR"

# A session open while hv2 dies and comes back: a coprocess menu.
coproc MENU_CO { as_member "$ALICE" "$MENU" 2>&1; }
co_pid=$MENU_CO_PID
defer e2e_stop_pid "$co_pid" "menu session"
# co_ask LINE: sends LINE, then a "use" of no VPS, and reads until the
# menu's answer to it (an error line) marks the end of LINE's answer.
co_ask()
{
	local line
	: >"$E2E_TMP/co.out"
	printf '%s\nuse nosuchvps-%s\n' "$1" "$E2E_RUNID" >&"${MENU_CO[1]}"
	while IFS= read -r -t 60 line <&"${MENU_CO[0]}"; do
		case $line in
		*nosuchvps-*) return 0 ;;
		esac
		printf '%s\n' "$line" >>"$E2E_TMP/co.out"
	done
	return 1
}
t_check "open session: use $A3" co_ask "use $A3"
t_check "... status while hv2 is down" co_ask status
t_check "... host hv2 unreachable" grep -q "host hv2 unreachable" "$E2E_TMP/co.out"
t_check "hv2's libvirtd comes back" restart_libvirtd2
t_check "... the same session: status of $A3 again" co_ask status
t_check "... running (its QEMU outlived the daemon)" grep -qx \
    "State: *running" "$E2E_TMP/co.out"
t_check "... stop it" co_ask poweroff

# ---- an admin moves A3 here: the open session follows.
move_a3_here()
{
	e2e_virsh2 dumpxml --inactive --security-info "$A3" |
	    sed "s|$HV2_SPICE|127.0.0.1|g" >"$E2E_TMP/$A3-here.xml" &&
	    e2e_virsh define "$E2E_TMP/$A3-here.xml" >/dev/null &&
	    e2e_virsh2 undefine "$A3" >/dev/null &&
	    sed -i "s/^\($A3:.*\):hv2\$/\1/" "$DATA"
}
defer e2e_forget_domain "$A3"
t_check "admin: $A3 defined here, undefined on hv2, vps.data says so" \
    move_a3_here
t_check "... the open session: start $A3, now here" co_ask start
t_eq "... it runs here" running "$(dom_field "$A3" State)"
t_check_fails "... and not on hv2" e2e_virsh2 dominfo "$A3"
t_check "... status" co_ask status
t_check "... running" grep -qx "State: *running" "$E2E_TMP/co.out"
t_check "... console: the tunnel leads to the loopback now" co_ask console
t_check "... $PORT_A3:127.0.0.1:$PORT_A3" grep -q \
    -- "-L $PORT_A3:127.0.0.1:$PORT_A3 " "$E2E_TMP/co.out"
t_check "... destroy" co_ask poweroff

# ---- migrate-vps takes the running A3 back to hv2 (a pool there now):
# the same open session follows it after a list.
pool2=$(e2e_name pool)
t_need "a dir pool on hv2" make_dir_pool "$VIRSH_URI2" "$pool2" "$E2E_TMP/pool2"
# This host's storage as it is (migrate-vps looks for snapshots there).
hv2_pool()
{
	sed -i -e 's/^backend = file$/backend = pool/' \
	    -e "s|^dir = $E2E_TMP/disks\$|pool = $pool2|" "$CONF" &&
	    printf '[storage]\nbackend = file\ndir = %s\n' "$E2E_TMP/disks" \
	    >>"$CONF"
}
t_need "[host hv2] has backend = pool, this host backend = file" hv2_pool
t_check "the open session: start $A3 here" co_ask start
t_check "migrate-vps $A3 hv2, while it runs" "$top_builddir/migrate-vps" \
    -c "$CONF" "$A3" hv2
t_eq "... it runs on hv2" running \
    "$(e2e_virsh2 dominfo "$A3" | sed -n 's/^State: *//p')"
t_check_fails "... and is gone here" e2e_virsh dominfo "$A3"
t_check "... vps.data says hv2" grep -q "^$A3:.*:hv2\$" "$DATA"
t_check "the open session: list" co_ask list
t_check "... $A3 still listed" grep -qw -- "$A3" "$E2E_TMP/co.out"
t_check "... status" co_ask status
t_check "... running (on hv2)" grep -qx "State: *running" "$E2E_TMP/co.out"
t_check "... poweroff" co_ask poweroff
t_eq "... it stops on hv2" "shut off" \
    "$(e2e_virsh2 dominfo "$A3" | sed -n 's/^State: *//p')"
exec {MENU_CO[1]}>&-
t_check "the session ends at end of input" wait "$co_pid"

t_done
