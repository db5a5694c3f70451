#!/usr/bin/env bash
# virsh-menu-isolation.sh: what one member's sessions may cost the others,
# and what the root helper trusts, over the real sshd, sudo,
# libvirtd and menu:
#   - [limits] sessions: the next session, interactive or one command, is
#     refused naming the limit, exit 1; a one-shot command counts while it
#     runs; a SIGKILLed session frees its slot;
#   - revocation: a VPS reassigned in vps.data while its owner's session
#     is open is refused at the next command ("VPS no longer yours");
#   - the root helper's environment is exactly the one it builds, whatever
#     the member's session or sudo set;
#   - the menu's own refusals say why.
# shellcheck source=lib.sh
. "$top_srcdir/tests/e2e/lib.sh"
# shellcheck source=virsh-menu-lib.sh
. "$top_srcdir/tests/e2e/virsh-menu-lib.sh"
e2e_require_root
e2e_require_cmd sudo sshd ssh virsh libvirtd qemu-system-x86_64 runuser \
    xmllint mkfifo pgrep

t_need "libvirtd is up" start_libvirtd
# The member's session may set these (section "environment").
SSHD_EXTRA="AcceptEnv TZ LANG LC_* TERM"
t_need "menu world is set up" menu_setup
menu_syslog
cp "$E2E_TMP/vps.conf" "$E2E_TMP/vps.conf.base"
: >"$ISODIR/boot.iso"
chmod 0644 "$ISODIR/boot.iso"
HELPER_ENV="LC_ALL=C PATH=/usr/sbin:/usr/bin:/sbin:/bin SUDO_USER=$ALICE"

# ---- helpers

# conf_set [LINE...]: the menu's vps.conf as menu_setup made it, plus LINEs.
conf_set()
{
	{
		cat "$E2E_TMP/vps.conf.base"
		[ $# -eq 0 ] || printf '%s\n' "$@"
	} >"$E2E_TMP/vps.conf.new" &&
	    install -m 0644 -o root -g root "$E2E_TMP/vps.conf.new" "$CONF"
}

declare -A SESS_FD=()

# sess_open NAME USER [SSH-OPTION...]: an interactive menu of USER over
# ssh without a terminal, fed by sess_send NAME; its stdout and stderr
# in $E2E_TMP/NAME.out and NAME.err. ssh gets none of the other
# sessions' descriptors, so that closing one ends exactly that session.
sess_open()
{
	local name=$1 user=$2 fifo=$E2E_TMP/$1.in fd f
	shift 2
	mkfifo -m 0600 "$fifo" || return 1
	exec {fd}<>"$fifo"
	e2e_hold
	(
		for f in "${SESS_FD[@]}"; do
			eval "exec $f>&-"
		done
		exec {fd}>&-
		exec ssh -F "$E2E_SSH_CONFIG" -l "$user" "$@" e2e
	) <"$fifo" >"$E2E_TMP/$name.out" 2>"$E2E_TMP/$name.err" 8>&- 9>&- &
	defer e2e_stop_pid "$!" "ssh $user ($name)"
	SESS_FD[$name]=$fd
	e2e_release
}

# sess_send NAME LINE...: lines to the session's menu.
sess_send()
{
	printf '%s\n' "${@:2}" >&"${SESS_FD[$1]}"
}

# sess_close NAME: end of input for the session's menu.
sess_close()
{
	local fd=${SESS_FD[$1]:-}
	[ -n "$fd" ] || return 0
	eval "exec $fd>&-"
	unset "SESS_FD[$1]"
}

# sess_count NAME FILE PATTERN N: true once FILE (out, err) of the
# session has at least N lines matching PATTERN.
sess_count()
{
	[ "$(grep -c -- "$3" "$E2E_TMP/$1.$2")" -ge "$4" ]
}

# sess_wait NAME FILE PATTERN [N]: waits for sess_count (N: 1).
sess_wait()
{
	wait_for sess_count "$1" "$2" "$3" "${4:-1}"
}

# sess_do NAME LINE PATTERN [N]: sends LINE, waits for the N-th line of
# output matching PATTERN.
sess_do()
{
	sess_send "$1" "$2" && sess_wait "$1" out "$3" "${4:-1}"
}

# menus USER: the pids of USER's menu processes.
menus()
{
	pgrep -u "$1" -x virsh-menu
}

# menus_are USER N: true if USER has exactly N menus running.
menus_are()
{
	[ "$(menus "$1" | wc -l)" -eq "$2" ]
}

# any_helper USER: true if one of USER's menus has a helper running.
any_helper()
{
	local m
	for m in $(menus "$1"); do
		descendant_named "$m" virsh-menu-serv && return 0
	done
	return 1
}

# descendant_named PID COMM: the first process below PID called COMM.
descendant_named()
{
	local p kids
	kids=$(pgrep -P "$1") || return 1
	for p in $kids; do
		if [ "$(cat "/proc/$p/comm" 2>/dev/null)" = "$2" ]; then
			echo "$p"
			return 0
		fi
		descendant_named "$p" "$2" && return 0
	done
	return 1
}

# environ_of PID: its environment, one variable a line, sorted.
environ_of()
{
	tr '\0' '\n' <"/proc/$1/environ" | sort
}

# data_owner VPS OWNER: vps.data with VPS given to OWNER, replaced
# atomically as vps-data-gen does (temp file beside it, rename).
data_owner()
{
	sed "s/^$1:[^:]*:/$1:$2:/" "$DATA" >"$DATA.new" &&
	    chmod 0640 "$DATA.new" && mv -f "$DATA.new" "$DATA"
}

# data_remove VPS: vps.data without VPS, replaced atomically.
data_remove()
{
	grep -v "^$1:" "$DATA" >"$DATA.new" &&
	    chmod 0640 "$DATA.new" && mv -f "$DATA.new" "$DATA"
}

# data_restore: vps.data as saved in vps.data.orig, replaced atomically.
data_restore()
{
	cp -p "$E2E_TMP/vps.data.orig" "$DATA.new" && mv -f "$DATA.new" "$DATA"
}

# environ_has PID VAR=VALUE...: true if PID has all these variables.
environ_has()
{
	local pid=$1 v
	shift
	for v in "$@"; do
		environ_of "$pid" | grep -qxF -- "$v" || return 1
	done
}

# oneshot_running USER: the one-shot menu runs (two menus of USER) and
# has its helper, so --list has counted it.
oneshot_running()
{
	wait_for menus_are "$1" 2 && wait_for any_helper "$1"
}

# ---- [limits] sessions, default 4
for i in 1 2 3 4; do
	t_check "alice's interactive session $i" sess_open "s$i" "$ALICE"
	t_check "... is admitted" sess_wait "s$i" out "^Actions apply to"
done
t_check "... four menus of alice run" wait_for menus_are "$ALICE" 4
t_check_rc "a fifth session (one command) is refused: exit 1" 1 \
    ssh_as "$ALICE" status
t_eq "... saying why, naming the limit, and nothing else" \
    "virsh-menu: session refused: you have 4 menu sessions open, the limit is 4 ([limits] sessions); end one first" \
    "$(cat "$T_ERR")"
t_eq "... no output" "" "$(cat "$T_OUT")"
t_check_rc "a fifth interactive session is refused: exit 1" 1 ssh_as "$ALICE"
t_check "... naming the limit" grep -q "the limit is 4 (\[limits\] sessions)" "$T_ERR"
t_check "bob's sessions are his own: admitted" ssh_as "$BOB" status
t_check "... it is his" grep -q "^Name: *$B1\$" "$T_OUT"
t_check "alice's four sessions still run" menus_are "$ALICE" 4
t_check "the first session still works" sess_do s1 status "^ISO:"
victim=$(menus "$ALICE" | head -n 1)
t_check "SIGKILL one of alice's menus" kill -KILL "$victim"
t_check "... it is gone" wait_for menus_are "$ALICE" 3
t_check "a new session is admitted: the killed one's slot is free" \
    ssh_as "$ALICE" status
t_check "... and it ran the command" grep -q "^Name: *$A1\$" "$T_OUT"
for i in 1 2 3 4; do
	sess_close "s$i"
done
t_check "all of alice's sessions end" wait_for menus_are "$ALICE" 0

# ---- [limits] sessions = 2: a one-shot command counts while it runs
lvd=${LIBVIRTD_PID:-$(pgrep -o -x libvirtd)}
t_check "vps.conf: [limits] sessions = 2" conf_set "[limits]" "sessions = 2"
t_check "one interactive session" sess_open l1 "$ALICE"
t_check "... admitted" sess_wait l1 out "^Actions apply to"
defer kill -CONT "$lvd"
t_check "libvirtd held (SIGSTOP): a command waits for it" kill -STOP "$lvd"
(ssh_as "$ALICE" status </dev/null >"$E2E_TMP/oneshot.out" 2>&1 8>&- 9>&-) &
oneshot=$!
# Its helper runs once --list has counted the session.
t_check "a one-shot status runs, waiting for libvirtd" \
    oneshot_running "$ALICE"
t_check_rc "a third session while it runs is refused: exit 1" 1 \
    ssh_as "$ALICE" list
t_check "... naming the limit of 2" grep -q "you have 2 menu sessions open, the limit is 2 (\[limits\] sessions)" "$T_ERR"
t_check "libvirtd goes on (SIGCONT)" kill -CONT "$lvd"
t_check "... the one-shot command completes" wait "$oneshot"
t_check "... with the status" grep -q "^Name: *$A1\$" "$E2E_TMP/oneshot.out"
t_check "after it, a new session is admitted" ssh_as "$ALICE" list
sess_close l1
t_check "alice's session ends" wait_for menus_are "$ALICE" 0
t_check "vps.conf: default limits again" conf_set

# ---- revocation reaches open sessions
cp -p "$DATA" "$E2E_TMP/vps.data.orig"
t_check "alice's session is open" sess_open r "$ALICE"
t_check "... status of A1 works" sess_do r status "^ISO:"
t_check "the admin gives A1 to bob (vps.data replaced)" data_owner "$A1" "$BOB"
sess_send r start
t_check "the next command is refused" sess_wait r err "VPS no longer yours"
t_check "... saying so for A1" grep -qx "virsh-menu: $A1: VPS no longer yours" "$E2E_TMP/r.err"
t_eq "... and A1 was not started" "shut off" "$(e2e_virsh domstate "$A1")"
t_check "her other VPS still answers in the same session" \
    sess_do r "use $A2 status" "^ISO:" 2
t_check "... it is A2" grep -q "^Name: *$A2\$" "$E2E_TMP/r.out"
t_check "A1 given back to alice" data_owner "$A1" "$ALICE"
t_check "... her commands on A1 work again" sess_do r status "^ISO:" 3
t_check "A1 removed from vps.data" data_remove "$A1"
sess_send r status
t_check "... refused again" sess_wait r err "VPS no longer yours" 2
t_eq "... no output for the refused commands" 3 "$(grep -c '^ISO:' "$E2E_TMP/r.out")"
sess_close r
t_check "alice's session ends" wait_for menus_are "$ALICE" 0
t_check "vps.data as at the start" data_restore

# ---- files root relies on are root's alone, and so are their directories
t_check "vps.data made group-writable" chmod 0660 "$DATA"
t_check_rc "... the member's status is refused: exit 1" 1 \
    ssh_as "$ALICE" status
diag <"$T_ERR"
t_check "... naming the file" grep -q \
    "$DATA must be owned by root and writable only by root" "$T_ERR"
chmod 0640 "$DATA"
t_check "the directory above vps.data made group-writable" \
    chmod 0771 "$E2E_TMP"
t_check_rc "... the member's status is refused: exit 1" 1 \
    ssh_as "$ALICE" status
t_check "... naming the directory" grep -q \
    "directory $E2E_TMP must be owned by root" "$T_ERR"
chmod 0711 "$E2E_TMP"
t_check "vps.conf made writable by others" chmod 0646 "$CONF"
t_check_rc "... the member's status is refused: exit 1" 1 \
    ssh_as "$ALICE" status
t_check "... naming the file" grep -q \
    "$CONF must be owned by root and writable only by root" "$T_ERR"
chmod 0644 "$CONF"
t_check "all three put back: status works again" ssh_as "$ALICE" status

# ---- the root helper's environment is its own
t_check "a session with TZ, LANG, LC_ALL, LC_TIME and TERM set" \
    sess_open e "$ALICE" -o "SetEnv=TZ=Etc/GMT+5 LANG=de_DE.UTF-8 LC_ALL=de_DE.UTF-8 LC_TIME=fr_FR.UTF-8 TERM=vt100"
t_check "... status starts the helper" sess_do e status "^ISO:"
menu=$(menus "$ALICE")
t_check "... the member's menu has them" environ_has "$menu" \
    TZ=Etc/GMT+5 LANG=de_DE.UTF-8 LC_ALL=de_DE.UTF-8 \
    LC_TIME=fr_FR.UTF-8 TERM=vt100
helper=$(descendant_named "$menu" virsh-menu-serv)
t_check "... the helper runs" test -n "$helper"
t_eq "... its environment is exactly PATH, LC_ALL=C and SUDO_USER" \
    "$HELPER_ENV" "$(environ_of "$helper" | xargs)"
sess_close e
t_check "alice's session ends" wait_for menus_are "$ALICE" 0

# The same when the member runs sudo directly (as with a shell): sudo's
# env_keep passes LANG, LC_*, TERM and TZ on.
mkfifo -m 0600 "$E2E_TMP/direct.in"
exec {direct}<>"$E2E_TMP/direct.in"
e2e_hold
(exec {direct}>&-; exec runuser -u "$ALICE" -- env TZ=Etc/GMT+5 \
    LANG=de_DE.UTF-8 LC_ALL=de_DE.UTF-8 TERM=vt100 \
    sudo -n "$MENU" --serve "$A1") <"$E2E_TMP/direct.in" \
    >"$E2E_TMP/direct.out" 2>&1 8>&- 9>&- &
direct_pid=$!
defer e2e_stop_pid "$direct_pid" "sudo --serve"
e2e_release
echo status >&"$direct"
t_check "sudo --serve with TZ, LANG, LC_ALL and TERM set answers" \
    wait_for grep -q '^ok$' "$E2E_TMP/direct.out"
helper=$(descendant_named "$direct_pid" virsh-menu-serv)
t_check "... the helper runs" test -n "$helper"
t_eq "... its environment is exactly PATH, LC_ALL=C and SUDO_USER" \
    "$HELPER_ENV" "$(environ_of "$helper" | xargs)"
exec {direct}>&-
t_check "... it ends at end of input" wait_for _e2e_dead "$helper"

# ---- refusals in the menu say why
t_check_rc "autostart maybe: exit 2" 2 ssh_as "$ALICE" autostart maybe
t_eq "... must be on or off" \
    "virsh-menu: autostart: maybe: must be on or off" "$(cat "$T_ERR")"
t_check_rc "attach_iso ../../etc/shadow: exit 2" 2 \
    ssh_as "$ALICE" attach_iso ../../etc/shadow
t_eq "... names the rule" \
    "virsh-menu: attach_iso: ../../etc/shadow: ISO name must not start with '.' or '-'" \
    "$(cat "$T_ERR")"
t_check_rc "status now: exit 2" 2 ssh_as "$ALICE" status now
t_eq "... too many arguments" \
    "virsh-menu: status: too many arguments (usage: status)" "$(cat "$T_ERR")"
t_check "an interactive session" sess_open w "$ALICE"
sess_send w attach_iso 0 attach_iso 5 attach_iso "my boot.iso" attach_iso 1
t_check "attach_iso, then 0, 5, a name with a blank, then 1" \
    sess_wait w out "^Successfully inserted media"
t_check "... 0: not on the list" grep -qx \
    "virsh-menu: attach_iso: 0: not one of the numbers listed (1 to 1)" "$E2E_TMP/w.err"
t_check "... 5: not on the list" grep -qx \
    "virsh-menu: attach_iso: 5: not one of the numbers listed (1 to 1)" "$E2E_TMP/w.err"
t_check "... a blank: not in an ISO name" grep -qx \
    "virsh-menu: attach_iso: my boot.iso: an ISO name has no blanks" "$E2E_TMP/w.err"
t_check_fails "... never a bare 'invalid request'" grep -q "invalid request" "$E2E_TMP/w.err"
t_eq "... only 1 was attached" "$ISODIR/boot.iso" "$(cdrom_source "$A1" --inactive)"
sess_close w
t_check "alice's session ends" wait_for menus_are "$ALICE" 0

# ---- a flood of requests is served, but does not flood syslog
t_check "one session sends 300 status requests" bash -c "yes status |
    head -n 300 | ssh -F '$E2E_SSH_CONFIG' -l '$ALICE' e2e \
    >'$E2E_TMP/flood.out' 2>'$E2E_TMP/flood.err'"
t_eq "... and gets 300 answers" 300 "$(grep -c '^ISO:' "$E2E_TMP/flood.out")"

# ---- the audit trail
if [ -n "$syslog" ]; then
	# The flood's helper is the one with the report of lines not logged.
	flood=$(syslog_lines "$syslog" | grep -F " virsh-menu[" |
	    sed -n 's/^.* virsh-menu\[\([0-9]*\)\]: \([0-9]*\) messages not logged.*$/\1 \2/p')
	diag "flood helper (pid, lines not logged): ${flood:-none}"
	t_check "audit: the flood's helper reports lines not logged" \
	    test -n "$flood"
	logged=$(syslog_lines "$syslog" | grep -cF " virsh-menu[${flood% *}]: ")
	statuses=$(syslog_lines "$syslog" |
	    grep -F " virsh-menu[${flood% *}]: " | grep -c "action=status ")
	diag "... it logged $logged lines, $statuses of them status"
	t_check "... it logged fewer than half of the 300 requests" \
	    test "$statuses" -lt 150
	# 300 status lines and the session's start (action=serve); the
	# report itself is not one of them.
	t_eq "... and every line is either logged or counted" \
	    "$((300 + 1))" "$((logged - 1 + ${flood#* }))"
	audit=$E2E_TMP/audit
	syslog_lines "$syslog" | grep -F " virsh-menu[" |
	    sed -n 's/^.*\]: //p' >"$audit"
	t_check "audit: the refused session" grep -qxF \
	    "member=$ALICE action=session result=refused: 4 open, limit 4" "$audit"
	t_check "audit: the refused start on a VPS no longer hers" grep -qxF \
	    "member=$ALICE vps=$A1 action=start result=$A1: VPS no longer yours" "$audit"
else
	t_skip "audit lines in syslog" "machine: a syslog daemon owns /dev/log"
fi

t_done
