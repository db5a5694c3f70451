#!/usr/bin/env bash
# virsh-menu-json.sh: the menu's machine-readable output over "ssh
# member@host json CMD", parsed with python3's json module and checked
# against libvirt's own view (virsh); its refusals (another member's VPS,
# commands without a JSON form, failures: exit status as without json,
# nothing on stdout); and console's tunnel line and "console vv": the
# printed ssh command opens the tunnel through the sshd the member came
# through, and remote-viewer(1) connects with the .vv file through it.
# shellcheck source=lib.sh
. "$top_srcdir/tests/e2e/lib.sh"
# shellcheck source=virsh-menu-lib.sh
. "$top_srcdir/tests/e2e/virsh-menu-lib.sh"
e2e_require_root
e2e_require_cmd sudo sshd ssh virsh libvirtd qemu-system-x86_64 runuser \
    python3 remote-viewer Xvfb

t_need "libvirtd is up" start_libvirtd
t_need "menu world is set up" menu_setup

# run CMD...: CMD, its stdout and stderr also kept in $R_OUT and $R_ERR
# for the checks that follow (each check replaces $T_OUT and $T_ERR).
R_OUT=$E2E_TMP/r.out
R_ERR=$E2E_TMP/r.err
run()
{
	local rc=0
	"$@" >"$R_OUT" 2>"$R_ERR" || rc=$?
	cat "$R_OUT"
	cat "$R_ERR" >&2
	return "$rc"
}
# jv EXPR: EXPR of the JSON document d in $R_OUT, a string as it is,
# anything else as JSON.
jv()
{
	python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
v = eval(sys.argv[2], {"d": d})
print(v if isinstance(v, str) else json.dumps(v))' "$R_OUT" "$1"
}
is_json() { python3 -m json.tool "$R_OUT" >/dev/null; }
no_stdout() { [ ! -s "$R_OUT" ]; }
dom_mem_kib() { dom_field "$1" 'Max memory' | sed 's/ KiB$//'; }
disk_bytes() { e2e_virsh domblkinfo "$1" vda | sed -n 's/^Capacity: *//p'; }

STATUS_KEYS='["autostart", "cdrom", "iso", "max_memory_kib", "name", "state", "vcpus"]'
INFO_KEYS='["autostart", "cdrom", "disk_bytes", "iso", "macs", "max_memory_kib", "name", "spice_port", "state", "uptime_seconds", "vcpus"]'
CONSOLE_KEYS='["expires", "expires_text", "host", "password", "port", "spice_address", "ssh_address", "ssh_port", "ticket_minutes", "tunnel", "url", "vps", "window_seconds"]'

# ---- list
t_check "json list" run ssh_as "$ALICE" json list
t_check "... is one JSON document" is_json
t_eq "... her VPS, in order" "[\"$A1\", \"$A2\"]" "$(jv 'd["vps"]')"
t_eq "... the first selected" "$A1" "$(jv 'd["selected"]')"
t_eq "... nothing else" '["selected", "vps"]' "$(jv 'sorted(d)')"

# ---- status, info of a shut off VPS, against virsh
t_check "json status" run ssh_as "$ALICE" json status
t_check "... is one JSON document" is_json
t_eq "... exactly these keys" "$STATUS_KEYS" "$(jv 'sorted(d)')"
t_eq "... name" "$A1" "$(jv 'd["name"]')"
t_eq "... state as virsh says" "$(dom_field "$A1" State)" "$(jv 'd["state"]')"
t_eq "... vcpus as virsh says, a number" "$(dom_field "$A1" 'CPU(s)')" \
    "$(jv 'd["vcpus"] if type(d["vcpus"]) is int else "not a number"')"
t_eq "... memory in KiB as virsh says, a number" "$(dom_mem_kib "$A1")" \
    "$(jv 'd["max_memory_kib"] if type(d["max_memory_kib"]) is int else "?"')"
t_eq "... autostart a boolean: false" false "$(jv 'd["autostart"]')"
t_eq "... a CD-ROM drive: true" true "$(jv 'd["cdrom"]')"
t_eq "... no ISO: null" null "$(jv 'd["iso"]')"

t_check "json info (shut off)" run ssh_as "$ALICE" json info
t_check "... is one JSON document" is_json
t_eq "... exactly these keys" "$INFO_KEYS" "$(jv 'sorted(d)')"
t_eq "... disk bytes as virsh says" "$(disk_bytes "$A1")" "$(jv 'd["disk_bytes"]')"
t_eq "... the SPICE port, a number" "$PORT_A1" "$(jv 'd["spice_port"]')"
t_eq "... no NIC: an empty list" '[]' "$(jv 'd["macs"]')"
t_eq "... no uptime: null" null "$(jv 'd["uptime_seconds"]')"
t_check_fails "... no path of the host" grep -q / "$R_OUT"
t_check "json use A2 info" run ssh_as "$ALICE" json use "$A2" info
t_eq "... A2's facts" "$A2 $PORT_A2" "$(jv 'd["name"] + " " + str(d["spice_port"])')"

# ---- the human forms are what they were: no key=value leaks out
t_check "status (text)" run ssh_as "$ALICE" status
t_check "... Name: line" grep -q "^Name: *$A1\$" "$R_OUT"
t_check_fails "... no key=value line" grep -q '^[a-z_]*=' "$R_OUT"

# ---- refusals and failures: the exit status as without json, stdout empty
t_check_rc "json start: no JSON form, exit 2" 2 run ssh_as "$ALICE" json start
t_check "... saying so" grep -q "json: start has no JSON form" "$R_ERR"
t_check "... nothing on stdout" no_stdout
t_check_rc "json help: exit 2" 2 run ssh_as "$ALICE" json help
t_check_rc "json json list: exit 2" 2 run ssh_as "$ALICE" json json list
t_check_rc "json alone: exit 2" 2 run ssh_as "$ALICE" json
t_check_rc "json use A2 (no command): exit 2" 2 run ssh_as "$ALICE" json use "$A2"
t_check_rc "json console vv: two forms, exit 2" 2 run ssh_as "$ALICE" json console vv
t_check_rc "console xx: exit 2" 2 run ssh_as "$ALICE" console xx
t_check_rc "status kv is not the member's: exit 2" 2 run ssh_as "$ALICE" status kv
t_check_rc "json console of a shut off VPS: exit 1" 1 run ssh_as "$ALICE" json console
t_check "... says start it first" grep -q "start it first" "$R_ERR"
t_check "... nothing on stdout" no_stdout

# ---- another member's VPS, through json
for cmd in status info console; do
	t_check_rc "json use bob's VPS $cmd: exit 2" 2 \
	    run ssh_as "$ALICE" json use "$B1" "$cmd"
	t_check "... not among hers" grep -q "no such VPS among yours" "$R_ERR"
	t_check "... nothing on stdout" no_stdout
done
t_check_rc "use bob's VPS json status: exit 2" 2 run ssh_as "$ALICE" use "$B1" json status
t_check "... nothing on stdout" no_stdout
# The protocol spoken directly through sudo, as a member could.
serve_a1() { printf '%s\n' "$@" | as_member "$ALICE" sudo -n "$MENU" --serve "$A1"; }
t_check "protocol: status kv" run serve_a1 "status kv"
t_check "... answers name=A1" grep -qx "| name=$A1" "$R_OUT"
t_check "protocol: kv with a VPS name, and forms that are the menu's" \
    run serve_a1 "status $B1" "status kv $B1" "info kv$B1" "console kv" \
    "console vv" "json status" "status json"
t_eq "... seven refusals" 7 "$(grep -c '^err 2 ' "$R_OUT")"
t_check_fails "... nothing else" grep -v '^err 2 ' "$R_OUT"
t_check_fails "... nothing of bob's" grep -q "name=$B1" "$R_OUT"
t_eq "... bob's VPS untouched" "shut off" "$(e2e_virsh domstate "$B1")"

# ---- running: uptime, console
t_check "start" run ssh_as "$ALICE" start
t_check "json status (running)" run ssh_as "$ALICE" json status
t_eq "... state running" running "$(jv 'd["state"]')"
t_check "json info (running)" run ssh_as "$ALICE" json info
t_check "... uptime, a number of seconds" \
    test "$(jv 'type(d["uptime_seconds"]).__name__')" = int

t_check "json console" run ssh_as "$ALICE" json console
t_check "... is one JSON document" is_json
t_eq "... exactly these keys" "$CONSOLE_KEYS" "$(jv 'sorted(d)')"
t_eq "... the VPS" "$A1" "$(jv 'd["vps"]')"
t_eq "... host 127.0.0.1" 127.0.0.1 "$(jv 'd["host"]')"
t_eq "... its SPICE port, a number" "$PORT_A1" "$(jv 'd["port"]')"
t_eq "... a password of 24 characters" 24 "$(jv 'len(d["password"])')"
t_eq "... the URL" "spice://127.0.0.1:$PORT_A1" "$(jv 'd["url"]')"
t_eq "... the sshd port this session came through" "$SSHD_PORT" "$(jv 'd["ssh_port"]')"
t_eq "... and its address" 127.0.0.1 "$(jv 'd["ssh_address"]')"
t_eq "... the tunnel, with -p for it" \
    "ssh -p $SSHD_PORT -N -L $PORT_A1:127.0.0.1:$PORT_A1 $ALICE@HOST" \
    "$(jv 'd["tunnel"]')"
t_check "... an expiry in the future, in seconds" \
    test "$(jv 'd["expires"]')" -gt "$(date +%s)"

t_check "console (text)" run ssh_as "$ALICE" console
cp "$R_OUT" "$E2E_TMP/console.txt"
t_check "... the tunnel line with the sshd port and HOST" grep -qx \
    "Open the tunnel:  ssh -p $SSHD_PORT -N -L $PORT_A1:127.0.0.1:$PORT_A1 $ALICE@HOST" \
    "$E2E_TMP/console.txt"
t_check "... a line saying what HOST is" grep -q \
    "^  (HOST: the name you give ssh for this host, which sshd does not pass on;\$" \
    "$E2E_TMP/console.txt"
t_check "... and where this connection came in" grep -qx \
    "  this connection came to 127.0.0.1 port $SSHD_PORT)" "$E2E_TMP/console.txt"
t_check "... then the URL" grep -qx "Then connect to:  spice://127.0.0.1:$PORT_A1" \
    "$E2E_TMP/console.txt"
t_eq "... thirteen lines in all" 13 "$(wc -l <"$E2E_TMP/console.txt")"
# Without SSH_CONNECTION (a login that sshd did not make): no -p, and
# the note says what is unknown.
t_check "console without SSH_CONNECTION" \
    run as_member "$ALICE" env -u SSH_CONNECTION "$MENU" -c console
t_check "... the tunnel line without -p" grep -qx \
    "Open the tunnel:  ssh -N -L $PORT_A1:127.0.0.1:$PORT_A1 $ALICE@HOST" "$R_OUT"
t_check "... says to add -p" grep -q "add -p PORT" "$R_OUT"
t_check "console with a hostile SSH_CONNECTION" as_member "$ALICE" \
    env SSH_CONNECTION="$(printf '1.2.3.4 1 1.2.3.4\033[2J 22')" "$MENU" -c console
t_check "... is taken as none" grep -q "add -p PORT" "$R_OUT"
t_check_fails "... and never shown" grep -q "$(printf '\033')" "$R_OUT"

# ---- console vv: the file, and remote-viewer through the tunnel
vv=$E2E_TMP/c.vv
t_check "console vv > c.vv" eval 'run ssh_as "$ALICE" console vv >"$vv"'
t_check "... parses as an ini file with the keys remote-viewer reads" python3 -c '
import configparser, sys
c = configparser.ConfigParser(interpolation=None)
c.read_string(open(sys.argv[1]).read())
g = c["virt-viewer"]
assert g["type"] == "spice" and g["host"] == "127.0.0.1", dict(g)
assert g["port"] == sys.argv[2] and len(g["password"]) == 24, dict(g)
assert g["delete-this-file"] == "1", dict(g)' "$vv" "$PORT_A1"
t_check "... the tunnel line on stderr" grep -qx \
    "Open the tunnel:  ssh -p $SSHD_PORT -N -L $PORT_A1:127.0.0.1:$PORT_A1 $ALICE@HOST" \
    "$R_ERR"

# The printed ssh command, run as printed but for two things this one
# machine needs: HOST is the test's sshd (127.0.0.1, with the client
# key of -F), and the tunnel's local end, which on the member's machine
# is the SPICE port, is a free port here (QEMU itself listens on the
# SPICE port of 127.0.0.1). The -p is the one console printed.
lport=$(free_port)
read -ra words <<<"$(sed -n 's/^Open the tunnel:  //p' "$R_ERR")"
t_eq "... is an ssh command" ssh "${words[0]}"
words=("${words[@]/#$PORT_A1:127.0.0.1:/$lport:127.0.0.1:}")
words=("${words[@]/%@HOST/@127.0.0.1}")
e2e_hold
ssh -F "$E2E_SSH_CONFIG" -o ExitOnForwardFailure=yes "${words[@]:1}" \
    </dev/null >>"$E2E_TMP/tunnel.log" 2>&1 8>&- 9>&- &
tunnel_pid=$!
defer e2e_stop_pid "$tunnel_pid" "ssh tunnel"
e2e_release
t_check "the printed tunnel is up" wait_for -p "$tunnel_pid" port_open "$lport"
sed -i "s/^port=$PORT_A1\$/port=$lport/" "$vv"

# spice_clients: the SPICE channels QEMU has open, per "info spice".
spice_clients() { e2e_virsh qemu-monitor-command --hmp "$A1" 'info spice' |
    grep -c '^ *channel: '; }
t_eq "no SPICE client yet" 0 "$(spice_clients)"
# remote-viewer on an X server of its own (Xvfb picks a free display).
e2e_hold
Xvfb -displayfd 3 -nolisten tcp 3>"$E2E_TMP/xdisplay" </dev/null \
    >"$E2E_TMP/xvfb.log" 2>&1 8>&- 9>&- &
xvfb_pid=$!
defer e2e_stop_pid "$xvfb_pid" Xvfb
e2e_release
t_need "Xvfb runs" wait_for -p "$xvfb_pid" test -s "$E2E_TMP/xdisplay"
e2e_hold
DISPLAY=:$(head -n 1 "$E2E_TMP/xdisplay") remote-viewer "$vv" </dev/null \
    >"$E2E_TMP/rv.log" 2>&1 8>&- 9>&- &
rv_pid=$!
defer e2e_stop_pid "$rv_pid" remote-viewer
e2e_release
has_client() { [ "$(spice_clients)" -ge 1 ]; }
t_check "remote-viewer c.vv connects through the tunnel" \
    wait_for -t 60 -p "$rv_pid" has_client
t_check "... and deleted the file (delete-this-file=1)" test ! -e "$vv"
t_check "... and stays connected" _e2e_alive "$rv_pid"
t_check "remote-viewer ends" e2e_stop_pid "$rv_pid" remote-viewer

t_check "poweroff" run ssh_as "$ALICE" poweroff
t_done
