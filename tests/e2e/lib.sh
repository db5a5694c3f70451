# tests/e2e/lib.sh: shared harness for the vpshost end-to-end tests.
#
# Sourced (never executed) by the e2e scripts, which automake runs through
# tap-driver.sh.  Each script starts the real components it needs on loopback
# (slapd, libvirtd + virtlogd, an LVM VG on a loop device, sshd, local member
# accounts), checks the tools against the real clients' view, and removes
# everything again, also when it fails or is killed.
#
# A script looks like:
#
#	. "$top_srcdir/tests/e2e/lib.sh"
#	e2e_require_root
#	t_need "slapd starts" start_slapd "$top_srcdir/ldap/vps.ldif"
#	t_check "search works" ldap_search -s base
#	t_done
#
# Conventions:
#   - Public names: t_* (TAP), e2e_* (setup), start_*/make_*/add_* (components),
#     ldap_*/lvm_*/ssh_* (clients).  Names starting with _e2e are private.
#   - Component helpers return non-zero with a message on stderr; they never
#     exit.  Wrap them in t_need (fail = "Bail out!") or t_check.
#   - Everything a helper creates is registered with defer right after it was
#     created (inside e2e_hold/e2e_release, so a signal cannot fall between
#     the two), so a failure or kill half-way through setup still cleans up.
#
# Skips: tools/check installs every tool the suite needs (tools/deps), so
# nothing may be skipped for want of a tool, and a skip is allowed only for
# a fact of the machine kind that makes a test impossible there:
#   - e2e_require_cmd CMD...: a missing program is a failure of the script
#     ("Bail out! CMD not installed: tools/deps lacks it"), not a skip;
#     the fix is a line in tools/deps.
#   - t_skip DESC "machine: WHY": the one way to skip a test; WHY names the
#     fact (e.g. "machine: a syslog daemon owns /dev/log").  A reason that
#     does not start with "machine: " makes t_skip report "not ok" instead,
#     so the script and "make check" fail.  tools/check also counts any
#     SKIP result whose reason lacks the prefix (from any TAP producer) as
#     failed.
#   - e2e_require_root skips the whole script ("1..0 # SKIP machine: not
#     running as root"), which cannot happen under tools/check (root).
#
# Environment read (all optional):
#   top_srcdir, top_builddir  set by automake; made absolute and exported
#   E2E_TIMEOUT               seconds an external command in t_check may run (60)
#   E2E_WAIT                  seconds wait_for retries by default (30)
#   E2E_SLAPD_SIZELIMIT       olcSizeLimit of the test database (500), see start_slapd
#   E2E_SLAPD_DEBUG           slapd -d level, e.g. "stats" (0: quiet)
#   E2E_LOCK_HELD             set: the global e2e lock is held by our caller
#   E2E_TRACE                 set: log each cleanup step and its duration
#   SSHD_INCLUDE, SSHD_EXTRA  extra sshd configuration, see start_sshd
#
# Quirks of the reference environment (Debian 12 in a Firecracker VM: PID 1 is
# not an init, no systemd, no D-Bus, no usable KVM, no device-mapper, cgroup v1
# controllers mounted, no AppArmor/SELinux) are noted where they matter.

set -u

# ---------------------------------------------------------------- paths ----

# Absolute form of a directory, so scripts may cd without losing the tree.
_e2e_abs_dir()
{
	(cd "$1" 2>/dev/null && pwd -P)
}

_e2e_here=$(_e2e_abs_dir "$(dirname "${BASH_SOURCE[0]}")")
top_srcdir=$(_e2e_abs_dir "${top_srcdir:-$_e2e_here/../..}") || {
	echo "Bail out! top_srcdir is not a directory"; exit 1; }
top_builddir=$(_e2e_abs_dir "${top_builddir:-$top_srcdir}") || {
	echo "Bail out! top_builddir is not a directory"; exit 1; }
export top_srcdir top_builddir

# The tools under test call lvm through libblockdev and inherit our open
# descriptors (the lock below): without this every lvm call warns about them.
export LVM_SUPPRESS_FD_WARNINGS=1

E2E_TIMEOUT=${E2E_TIMEOUT:-60}
E2E_WAIT=${E2E_WAIT:-30}

# Short random id: makes user, VG and domain names unique per run.
E2E_RUNID=$(od -An -N3 -tx1 /dev/urandom | tr -d ' \n')
export E2E_RUNID

# ------------------------------------------------------------------ TAP ----
#
# TAP lines go to fd 8, a copy of the script's stdout: a signal trap runs
# in whatever redirection is active (e.g. t_check's, into $T_OUT), and
# "Bail out!" must still reach tap-driver.  fd 8 and fd 9 (the lock) are
# reserved; daemons are started without them.
exec 8>&1

E2E_N=0		# tests emitted so far
E2E_FAILED=0	# of which failed
E2E_DONE=0	# 1 once the plan was printed (or the script skipped)

# Print text as TAP diagnostics ("# " lines), from arguments or stdin.
diag()
{
	if [ $# -gt 0 ]; then
		printf '%s\n' "$@" | sed 's/^/# /' >&8
	else
		sed 's/^/# /' >&8
	fi
}

ok()
{
	E2E_N=$((E2E_N + 1))
	echo "ok $E2E_N - $*" >&8
}

not_ok()
{
	E2E_N=$((E2E_N + 1))
	E2E_FAILED=$((E2E_FAILED + 1))
	echo "not ok $E2E_N - $*" >&8
}

# t_skip DESC "machine: WHY": a test that cannot run on this machine kind,
# for the fact WHY.  Any other reason (a missing tool, an unfinished
# feature) is a failure: "not ok", with the reason as a diagnostic.
t_skip()
{
	case ${2:-} in
	"machine: "?*)
		E2E_N=$((E2E_N + 1))
		echo "ok $E2E_N - $1 # SKIP $2" >&8
		;;
	*)
		not_ok "$1"
		diag "skipped for a reason that is no fact of the machine: ${2:-(none)}" \
		    "only a reason starting with \"machine: \" may skip a test" \
		    "(tools/check installs every tool of tools/deps)"
		;;
	esac
}

# Run CMD with stdin from /dev/null, stdout in $T_OUT and stderr in $T_ERR.
# The output is moved there only afterwards, so CMD may read the previous
# check's $T_OUT (t_check "..." grep -q x "$T_OUT").  External commands are
# bounded by E2E_TIMEOUT; shell functions run in this shell (so their
# exports and defers stick) and must bound themselves.
_e2e_run()
{
	local rc=0
	if [ "$(type -t "$1")" = file ]; then
		timeout -k 5 "$E2E_TIMEOUT" "$@" </dev/null \
		    >"$E2E_TMP/run.out" 2>"$E2E_TMP/run.err" || rc=$?
	else
		"$@" </dev/null >"$E2E_TMP/run.out" 2>"$E2E_TMP/run.err" || rc=$?
	fi
	mv -f "$E2E_TMP/run.out" "$T_OUT"
	mv -f "$E2E_TMP/run.err" "$T_ERR"
	return "$rc"
}

# Report a failed command: its status, stderr and (if any) stdout.
_e2e_diag_failure()
{
	diag "command failed with status $1: ${*:2}"
	tail -n 40 "$T_ERR" | diag
	if [ -s "$T_OUT" ]; then
		diag "stdout:"
		tail -n 20 "$T_OUT" | diag
	fi
}

# t_check DESC CMD...: one test that passes when CMD exits 0.  Returns CMD's
# status; its output stays readable in $T_OUT / $T_ERR until the next check.
t_check()
{
	local desc=$1 rc=0
	shift
	_e2e_run "$@" || rc=$?
	if [ "$rc" -eq 0 ]; then
		ok "$desc"
	else
		not_ok "$desc"
		_e2e_diag_failure "$rc" "$@"
	fi
	return "$rc"
}

# t_check_rc DESC RC CMD...: passes when CMD exits with exactly RC (the
# tools' contract: 1 operation failed, 2 invalid input; ldapsearch rc 4...).
t_check_rc()
{
	local desc=$1 want=$2 rc=0
	shift 2
	_e2e_run "$@" || rc=$?
	if [ "$rc" -eq "$want" ]; then
		ok "$desc"
		return 0
	fi
	not_ok "$desc"
	diag "expected exit status $want"
	_e2e_diag_failure "$rc" "$@"
	return 1
}

# t_check_fails DESC CMD...: passes when CMD fails (any non-zero status),
# e.g. t_check_fails "user is gone" getent passwd "$u".
t_check_fails()
{
	local desc=$1 rc=0
	shift
	_e2e_run "$@" || rc=$?
	if [ "$rc" -ne 0 ]; then
		ok "$desc"
		return 0
	fi
	not_ok "$desc"
	diag "command succeeded but should have failed: $*"
	tail -n 20 "$T_OUT" | diag
	return 1
}

# t_eq DESC WANT GOT: compare two strings.
t_eq()
{
	if [ "$2" = "$3" ]; then
		ok "$1"
		return 0
	fi
	not_ok "$1"
	diag "expected: $2" "got:      $3"
	return 1
}

# t_need DESC CMD...: like t_check, but the rest of the script is pointless
# without it, so a failure bails out (cleanup still runs).
t_need()
{
	t_check "$@" || bail_out "$1 failed"
}

# bail_out REASON: stop the script; tap-driver reports it as an ERROR.
bail_out()
{
	echo "Bail out! $*" >&8
	E2E_DONE=1
	exit 1
}

# t_done: clean up (as a test of its own), print the plan, exit 0 only if
# every test passed.
t_done()
{
	[ ${#E2E_DEFER[@]} -eq 0 ] || t_cleanup
	echo "1..$E2E_N" >&8
	E2E_DONE=1
	[ "$E2E_FAILED" -eq 0 ] || exit 1
	exit 0
}

# --------------------------------------------------------------- cleanup ----

E2E_DEFER=()		# cleanup commands, each a shell-quoted string
E2E_CLEANUP_FAILED=0

# defer CMD...: run CMD at cleanup, before everything deferred earlier.
defer()
{
	E2E_DEFER+=("$(printf '%q ' "$@")")
}

# Pop and run the stack one entry at a time, so an entry never runs twice
# even if cleanup is entered again.  Failures become diagnostics.
_e2e_run_defers()
{
	local cmd rc t0 out=$E2E_TMP/defer.out
	while [ ${#E2E_DEFER[@]} -gt 0 ]; do
		cmd=${E2E_DEFER[-1]}
		unset 'E2E_DEFER[-1]'
		rc=0
		# In this shell, not $(...): wait can only reap our own children.
		t0=$EPOCHREALTIME
		eval "$cmd" </dev/null >"$out" 2>&1 || rc=$?
		[ -z "${E2E_TRACE:-}" ] ||
		    diag "cleanup: $cmd: status $rc, $(_e2e_elapsed "$t0")s"
		if [ "$rc" -ne 0 ]; then
			E2E_CLEANUP_FAILED=$((E2E_CLEANUP_FAILED + 1))
			diag "cleanup failed with status $rc: $cmd"
			diag <"$out"
		fi
	done
}

# Seconds since an $EPOCHREALTIME value, to one decimal.
_e2e_elapsed()
{
	local us=$(( (${EPOCHREALTIME/./} - ${1/./}) / 100000 ))
	printf '%d.%d\n' $((us / 10)) $((us % 10))
}

# A signal during the final cleanup must not abort it half-way: note it,
# carry on (the script is exiting anyway).
# (A handler rather than SIG_IGN, because an ignored signal would be
# inherited by the commands cleanup runs, e.g. timeout's children.)
_e2e_sig_during_cleanup()
{
	diag "signal received during cleanup; continuing"
}

# t_cleanup: run the cleanup stack now and report it as one test, so a
# script can verify afterwards that nothing was left behind.
# A signal meanwhile takes effect once cleanup is complete.
t_cleanup()
{
	local before=$E2E_CLEANUP_FAILED
	e2e_hold
	_e2e_run_defers
	if [ "$E2E_CLEANUP_FAILED" -eq "$before" ]; then
		ok "cleanup"
	else
		not_ok "cleanup"
	fi
	e2e_release
}

_e2e_on_signal()
{
	if [ "$E2E_HOLD" -gt 0 ]; then
		E2E_PENDING_SIG="$1 $2"
		return
	fi
	echo "Bail out! killed by SIG$1" >&8
	E2E_DONE=1
	exit "$2"
}

E2E_HOLD=0		# nesting depth of e2e_hold
E2E_PENDING_SIG=""	# "NAME STATUS" of a signal that came while held

# e2e_hold / e2e_release [STATUS]: make "create X; defer remove X" atomic
# with respect to SIGINT/SIGTERM.  Bash runs a trap between any two
# commands, so a test killed right after creating something but before
# deferring its removal would leak it.  A signal that arrives while held
# takes effect at the release.  e2e_release returns STATUS (default 0):
#	e2e_hold
#	dev=$(losetup --show -f "$f") && defer losetup -d "$dev"
#	e2e_release $? || return 1
# Hold only around short steps: a held test cannot be stopped.
e2e_hold()
{
	E2E_HOLD=$((E2E_HOLD + 1))
}

e2e_release()
{
	local rc=${1:-0} sig
	E2E_HOLD=$((E2E_HOLD - 1))
	if [ "$E2E_HOLD" -eq 0 ] && [ -n "$E2E_PENDING_SIG" ]; then
		sig=$E2E_PENDING_SIG
		E2E_PENDING_SIG=""
		# shellcheck disable=SC2086 # "NAME STATUS"
		_e2e_on_signal $sig
	fi
	return "$rc"
}

# The one EXIT trap: a script that ends without t_done (died on set -u,
# exited early, was killed) still yields a failing TAP result, and the
# cleanup stack always runs.  The private temp dir goes last.
_e2e_on_exit()
{
	local rc=$?
	trap _e2e_sig_during_cleanup INT TERM
	if [ "$E2E_DONE" -eq 0 ]; then
		echo "Bail out! script ended (status $rc) without t_done" >&8
		[ "$rc" -ne 0 ] || rc=1
	fi
	_e2e_run_defers
	[ "$E2E_CLEANUP_FAILED" -eq 0 ] || [ "$rc" -ne 0 ] || rc=1
	[ -z "$E2E_TMP" ] || { cd / && rm -rf "$E2E_TMP"; }
	trap - EXIT
	exit "$rc"
}

# Private temp dir.  0711, not 0700: qemu runs as libvirt-qemu and must reach
# image files below it (libvirt chowns the image, not its parent dirs), and
# members must reach nothing here by listing.  Secrets live in 0700 subdirs.
# The traps are set first, and mktemp is held, so no signal leaks the dir.
E2E_TMP=""
trap _e2e_on_exit EXIT
trap '_e2e_on_signal INT 130' INT
trap '_e2e_on_signal TERM 143' TERM
e2e_hold
E2E_TMP=$(mktemp -d "${TMPDIR:-/tmp}/vpshost-e2e.XXXXXXXX") || {
	echo "Bail out! mktemp -d failed"; E2E_DONE=1; exit 1; }
e2e_release
chmod 0711 "$E2E_TMP"
export E2E_TMP
T_OUT=$E2E_TMP/t.out
T_ERR=$E2E_TMP/t.err

# ----------------------------------------------------------- utilities ----

# e2e_require_root: skip the whole script unless root (a machine fact that
# tools/check, which runs as root, never meets), then take the global
# e2e lock.  E2E scripts share system state (libvirtd, /etc/shells, users,
# sshd's /run/sshd) so "make -j check" must run them one at a time.
# The lock is fd 9; daemons are started with 9>&- so they never hold it.
# E2E_LOCK_HELD=1 says the caller (an e2e script running another) holds it.
e2e_require_root()
{
	if [ "$(id -u)" -ne 0 ]; then
		echo "1..0 # SKIP machine: not running as root" >&8
		E2E_DONE=1
		exit 0
	fi
	[ -z "${E2E_LOCK_HELD:-}" ] || return 0
	exec 9>>/run/lock/vpshost-e2e.lock
	flock -w 900 9 || bail_out "could not take /run/lock/vpshost-e2e.lock"
}

# e2e_require_cmd CMD...: fail the whole script ("Bail out!") if a program
# is missing: tools/check installs every program the suite needs, so a
# missing one is a gap in tools/deps, never a reason to skip.
e2e_require_cmd()
{
	local c
	for c in "$@"; do
		command -v "$c" >/dev/null 2>&1 ||
		    bail_out "$c not installed: tools/deps lacks it"
	done
}

# e2e_name [BASE]: a name unique to this run, valid as a user, VPS, VG and
# domain name (^[a-z][a-z0-9_-]{0,31}$), e.g. e2e1a2b3c-alice.
e2e_name()
{
	local n="e2e$E2E_RUNID${1:+-$1}"
	printf '%s\n' "${n:0:32}"
}

# e2e_preload SHIM PROG [ARGS...]: runs PROG with the shared object SHIM
# preloaded. In a sanitizer build PROG is linked with ASan, whose runtime
# must come first in the list of libraries: it is preloaded ahead of SHIM.
e2e_preload()
{
	local shim=$1 asan
	shift
	asan=$(ldd "$1" 2>/dev/null | awk '$1 ~ /^libasan\.so/ { print $3 }')
	LD_PRELOAD="${asan:+$asan }$shim" "$@"
}

# e2e_forget_disk_locks RUNSTATEDIR: at cleanup, the lock files that the
# tools take for this run's VPS (RUNSTATEDIR/vpshost/disks/NAME.lock,
# snapshot_lock: the menu's snapshot verbs and start, delete-vps
# --purge-disk) are removed, and the directories on the way there that
# did not exist before.
e2e_forget_disk_locks()
{
	local d top=""
	for d in "$1/vpshost/disks" "$1/vpshost" "$1" "${1%/*}"; do
		[ -e "$d" ] || top=$d
	done
	defer _e2e_disk_locks_remove "$1/vpshost/disks" "$top"
}

_e2e_disk_locks_remove()
{
	local d=$1
	rm -f -- "$1/e2e$E2E_RUNID"-*.lock || return 1
	[ -n "$2" ] || return 0
	while :; do
		[ ! -d "$d" ] || rmdir --ignore-fail-on-non-empty -- "$d" ||
		    return 1
		[ "$d" != "$2" ] || return 0
		d=${d%/*}
	done
}

# wait_for [-t SECS] [-p PID] CMD...: retry CMD every 0.1 s until it
# succeeds (0), SECS pass (default E2E_WAIT) or process PID dies (1).
wait_for()
{
	local secs=$E2E_WAIT pid="" i
	while [ $# -gt 0 ]; do
		case $1 in
		-t) secs=$2; shift 2 ;;
		-p) pid=$2; shift 2 ;;
		*) break ;;
		esac
	done
	for ((i = 0; i < secs * 10; i++)); do
		"$@" >/dev/null 2>&1 && return 0
		[ -z "$pid" ] || _e2e_alive "$pid" || return 1
		sleep 0.1
	done
	"$@" >/dev/null 2>&1
}

# True while PID exists and is not a zombie (a child we have not reaped
# yet still answers kill -0).
_e2e_alive()
{
	local state
	[ -r "/proc/$1/stat" ] || return 1
	state=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1)
	[ -n "$state" ] && [ "$state" != Z ]
}

# any_alive PID...: true if any of the pids is still running.
any_alive()
{
	local p
	for p in "$@"; do
		_e2e_alive "$p" && return 0
	done
	return 1
}

# e2e_stop_pid PID [NAME]: SIGTERM, wait up to 20 s, then SIGKILL; reap it
# if it is our child.
e2e_stop_pid()
{
	local pid=$1 name=${2:-process}
	_e2e_alive "$pid" || { wait "$pid" 2>/dev/null; return 0; }
	kill -TERM "$pid" 2>/dev/null
	if ! wait_for -t 20 _e2e_dead "$pid"; then
		echo "$name (pid $pid) ignored SIGTERM; sending SIGKILL" >&2
		kill -KILL "$pid" 2>/dev/null
		wait_for -t 5 _e2e_dead "$pid" || return 1
	fi
	wait "$pid" 2>/dev/null
	return 0
}

_e2e_dead()
{
	! _e2e_alive "$1"
}

# e2e_stop_pidfile FILE [NAME]: stop a daemon that wrote its own pid file.
# No file: it never started, or exited cleanly (daemons remove it then).
e2e_stop_pidfile()
{
	local pid
	pid=$(cat "$1" 2>/dev/null) || return 0
	e2e_stop_pid "$pid" "${2:-daemon}"
}

# True if something accepts TCP connections on 127.0.0.1:PORT.  bash's
# /dev/tcp needs no helper program; timeout bounds a filtered port.
port_open()
{
	timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null
}

# free_port: print a TCP port on 127.0.0.1 that nothing listens on.  Chosen
# below the kernel's ephemeral range (32768-60999) and away from the SPICE
# range of vps.conf (5900-6899).
free_port()
{
	local p i used=$E2E_TMP/ports
	for ((i = 0; i < 200; i++)); do
		p=$((20000 + (RANDOM % 12000)))
		# Ports already handed out may not be listening yet.  A file, not
		# a variable: free_port runs in $(...).
		grep -qx "$p" "$used" 2>/dev/null && continue
		port_open "$p" && continue
		echo "$p" >>"$used"
		echo "$p"
		return 0
	done
	echo "free_port: no free port found" >&2
	return 1
}

# _e2e_spawn NAME LOG CMD...: start a daemon that stays in the foreground,
# in the background of this shell, and defer stopping it.  Its stdio goes
# to LOG (tap-driver waits for our stdout to close, so no daemon may keep
# it or fd 8) and it does not get the lock fd.  Sets E2E_LAST_PID.
_e2e_spawn()
{
	local name=$1 log=$2
	shift 2
	e2e_hold
	"$@" </dev/null >>"$log" 2>&1 8>&- 9>&- &
	E2E_LAST_PID=$!
	defer e2e_stop_pid "$E2E_LAST_PID" "$name"
	e2e_release
}

# Show the end of a daemon's log on stderr (t_check prints it on failure).
_e2e_show_log()
{
	echo "--- last lines of $1:" >&2
	tail -n 25 "$1" >&2 2>/dev/null
}

# ---------------------------------------------------------------- syslog ----
#
# start_syslog FILE: a syslog socket at /dev/log whose datagrams socat
# appends to FILE back to back; syslog_lines FILE prints them one message
# a line ("<PRI>Mon DD hh:mm:ss TAG[PID]: MSG"). Only where no syslog daemon owns /dev/log (returns 2 then, and the caller
# skips): the system's logging is never taken over. Removed at cleanup.
start_syslog()
{
	local file=$1
	[ -e /dev/log ] && return 2
	: >"$file" || return 1
	_e2e_spawn syslog "$E2E_TMP/syslog.out" socat -u \
	    UNIX-RECV:/dev/log,mode=0666,unlink-early,unlink-close \
	    "OPEN:$file,append"
	defer rm -f /dev/log
	wait_for -p "$E2E_LAST_PID" test -S /dev/log && return 0
	echo "start_syslog: socat does not listen on /dev/log" >&2
	_e2e_show_log "$E2E_TMP/syslog.out"
	return 1
}

syslog_lines()
{
	sed 's/<[0-9]\{1,3\}>[A-Z][a-z][a-z] [ 0-9][0-9] /\n&/g' "$1" |
	    sed '/^$/d'
}

# ----------------------------------------------------------------- slapd ----
#
# A private slapd: own cn=config built offline with slapadd -n0 in E2E_TMP,
# mdb backend, suffix dc=example,dc=org, listening on ldap://127.0.0.1:PORT
# and on an ldapi socket in E2E_TMP (cn=config is writable over ldapi by
# root through SASL EXTERNAL).  It runs as root from /usr/sbin/slapd -F DIR,
# so the system's /etc/ldap/slapd.d and a system slapd are never touched.
#
# Quirks: the rootdn ignores all limits, so size limits are only enforced
# for the reader DN and anonymous binds.  The ldap* clients are run with
# LDAPNOINIT=1 so /etc/ldap/ldap.conf, ~/.ldaprc and LDAP* variables of the
# person running the tests cannot change what a test sees.

LDAP_BASE=dc=example,dc=org
LDAP_ROOTDN=cn=admin,$LDAP_BASE
LDAP_READER_DN=cn=reader,$LDAP_BASE
LDAP_PEOPLE_BASE=ou=people,$LDAP_BASE
LDAP_VPS_BASE=ou=vps,$LDAP_BASE

# A random password, written without a trailing newline: ldap*'s -y, like
# most bind_password_file readers, take the whole file as the password.
_e2e_secret_file()
{
	local pw
	pw=$(od -An -N15 -tx1 /dev/urandom | tr -d ' \n')
	(umask 077 && printf '%s' "$pw" >"$1")
	printf '%s\n' "$pw"
}

# E2E_SLAPD_SIZELIMIT (default 500, slapd's own default) as an olcSizeLimit
# value.  A plain number N becomes soft=hard=N with paged results unlimited
# in total: a plain search over N entries fails with sizeLimitExceeded (4),
# a paged search (RFC 2696) of any size succeeds, as against a directory
# whose admins enforce a size limit.  Anything else (e.g. "unlimited" or
# "size.soft=10 size.hard=10") is used verbatim.
_e2e_slapd_sizelimit()
{
	local l=${E2E_SLAPD_SIZELIMIT:-500}
	case $l in
	*[!0-9]*) echo "$l" ;;
	*) echo "size.soft=$l size.hard=$l size.prtotal=unlimited" ;;
	esac
}

# The cn=config LDIF for slapadd -n0.  Schema files are pulled in with
# include: lines, so extra schemas must be in cn=config (LDIF) form.
_e2e_slapd_config()
{
	local dir=$1 roothash=$2 f
	shift 2
	cat <<-EOF
	dn: cn=config
	objectClass: olcGlobal
	cn: config
	olcPidFile: $dir/slapd.pid
	olcArgsFile: $dir/slapd.args

	dn: cn=module{0},cn=config
	objectClass: olcModuleList
	cn: module{0}
	olcModulePath: /usr/lib/ldap
	olcModuleLoad: back_mdb

	dn: cn=schema,cn=config
	objectClass: olcSchemaConfig
	cn: schema

	EOF
	for f in core cosine nis inetorgperson; do
		printf 'include: file:///etc/ldap/schema/%s.ldif\n\n' "$f"
	done
	for f in "$@"; do
		printf 'include: file://%s\n\n' "$f"
	done
	cat <<-EOF
	dn: olcDatabase={-1}frontend,cn=config
	objectClass: olcDatabaseConfig
	objectClass: olcFrontendConfig
	olcDatabase: {-1}frontend

	dn: olcDatabase={0}config,cn=config
	objectClass: olcDatabaseConfig
	olcDatabase: {0}config
	olcAccess: {0}to * by dn.exact=gidNumber=0+uidNumber=0,cn=peercred,cn=external,cn=auth manage by * none

	dn: olcDatabase={1}mdb,cn=config
	objectClass: olcDatabaseConfig
	objectClass: olcMdbConfig
	olcDatabase: {1}mdb
	olcDbDirectory: $dir/db
	olcSuffix: $LDAP_BASE
	olcRootDN: $LDAP_ROOTDN
	olcRootPW: $roothash
	olcSizeLimit: $(_e2e_slapd_sizelimit)
	olcDbIndex: objectClass eq
	olcDbIndex: uid eq
	olcAccess: {0}to attrs=userPassword by self write by anonymous auth by * none
	olcAccess: {1}to * by * read
	EOF
}

# The base entries, loaded offline with slapadd before slapd starts: the
# suffix, the two subtrees of vps.conf's defaults and the reader account.
_e2e_slapd_base()
{
	local readerhash=$1
	cat <<-EOF
	dn: $LDAP_BASE
	objectClass: dcObject
	objectClass: organization
	dc: example
	o: vpshost e2e

	dn: $LDAP_PEOPLE_BASE
	objectClass: organizationalUnit
	ou: people

	dn: $LDAP_VPS_BASE
	objectClass: organizationalUnit
	ou: vps

	dn: $LDAP_READER_DN
	objectClass: organizationalRole
	objectClass: simpleSecurityObject
	cn: reader
	userPassword: $readerhash
	EOF
}

# ldapi:// URL of a socket path (slashes percent-encoded).
_e2e_ldapi_url()
{
	printf 'ldapi://%s\n' "${1//\//%2F}"
}

# Build the config and data directories offline.
_e2e_slapd_prepare()
{
	local dir=$1 f roothash readerhash
	shift
	mkdir -m 0700 "$dir" "$dir/slapd.d" "$dir/db" || return 1
	LDAP_ROOTPW=$(_e2e_secret_file "$dir/rootpw")
	LDAP_READER_PW=$(_e2e_secret_file "$dir/readerpw")
	roothash=$(slappasswd -T "$dir/rootpw") || return 1
	readerhash=$(slappasswd -T "$dir/readerpw") || return 1
	_e2e_slapd_config "$dir" "$roothash" "$@" >"$dir/config.ldif"
	slapadd -q -n0 -F "$dir/slapd.d" -l "$dir/config.ldif" || return 1
	_e2e_slapd_base "$readerhash" >"$dir/base.ldif"
	slapadd -q -n1 -F "$dir/slapd.d" -l "$dir/base.ldif"
}

# start_slapd [EXTRA_SCHEMA_LDIF...]: start the private slapd.  Exports
# LDAP_URI LDAPI_URI LDAP_BASE LDAP_ROOTDN LDAP_ROOTPW LDAP_ROOTPW_FILE
# LDAP_READER_DN LDAP_READER_PW LDAP_READER_PW_FILE LDAP_PEOPLE_BASE
# LDAP_VPS_BASE SLAPD_PORT SLAPD_PID.
start_slapd()
{
	local dir=$E2E_TMP/slapd f schemas=()
	for f in "$@"; do
		[ -r "$f" ] || { echo "start_slapd: cannot read schema $f" >&2; return 1; }
		schemas+=("$(cd "$(dirname "$f")" && pwd -P)/$(basename "$f")")
	done
	_e2e_slapd_prepare "$dir" "${schemas[@]}" || {
		echo "start_slapd: building the configuration failed" >&2; return 1; }
	SLAPD_PORT=$(free_port) || return 1
	LDAP_URI=ldap://127.0.0.1:$SLAPD_PORT
	LDAPI_URI=$(_e2e_ldapi_url "$dir/ldapi")
	LDAP_ROOTPW_FILE=$dir/rootpw
	LDAP_READER_PW_FILE=$dir/readerpw
	_e2e_spawn slapd "$dir/slapd.log" /usr/sbin/slapd \
	    -d "${E2E_SLAPD_DEBUG:-0}" -F "$dir/slapd.d" -h "$LDAP_URI/ $LDAPI_URI"
	SLAPD_PID=$E2E_LAST_PID
	export LDAP_URI LDAPI_URI LDAP_BASE LDAP_ROOTDN LDAP_ROOTPW \
	    LDAP_ROOTPW_FILE LDAP_READER_DN LDAP_READER_PW LDAP_READER_PW_FILE \
	    LDAP_PEOPLE_BASE LDAP_VPS_BASE SLAPD_PORT SLAPD_PID
	wait_for -p "$SLAPD_PID" ldap_search -s base -b "$LDAP_BASE" dn && return 0
	echo "start_slapd: slapd did not answer on $LDAP_URI" >&2
	_e2e_show_log "$dir/slapd.log"
	return 1
}

# ldap_add FILE: add the entries of an LDIF file as the rootdn.
ldap_add()
{
	LDAPNOINIT=1 ldapadd -x -H "$LDAP_URI" -D "$LDAP_ROOTDN" \
	    -y "$LDAP_ROOTPW_FILE" -f "$1"
}

# ldap_modify FILE: apply an LDIF change file as the rootdn.
ldap_modify()
{
	LDAPNOINIT=1 ldapmodify -x -H "$LDAP_URI" -D "$LDAP_ROOTDN" \
	    -y "$LDAP_ROOTPW_FILE" -f "$1"
}

# ldap_delete DN...: delete entries as the rootdn.
ldap_delete()
{
	LDAPNOINIT=1 ldapdelete -x -H "$LDAP_URI" -D "$LDAP_ROOTDN" \
	    -y "$LDAP_ROOTPW_FILE" "$@"
}

# ldap_search [ARGS...]: ldapsearch -LLL as the rootdn (no limits) below
# LDAP_BASE; a later -b overrides the base.
ldap_search()
{
	LDAPNOINIT=1 ldapsearch -LLL -x -H "$LDAP_URI" -b "$LDAP_BASE" \
	    -D "$LDAP_ROOTDN" -y "$LDAP_ROOTPW_FILE" "$@"
}

# ldap_search_reader [ARGS...]: ldapsearch -LLL as the reader DN, which
# unlike the rootdn is subject to E2E_SLAPD_SIZELIMIT.
ldap_search_reader()
{
	LDAPNOINIT=1 ldapsearch -LLL -x -H "$LDAP_URI" -b "$LDAP_BASE" \
	    -D "$LDAP_READER_DN" -y "$LDAP_READER_PW_FILE" "$@"
}

# ldap_config_search [ARGS...]: search cn=config over ldapi as root.
ldap_config_search()
{
	LDAPNOINIT=1 ldapsearch -LLL -Q -Y EXTERNAL -H "$LDAPI_URI" "$@"
}

# ldap_config_modify FILE: change cn=config at run time (e.g. olcSizeLimit
# of olcDatabase={1}mdb,cn=config) over ldapi as root.
ldap_config_modify()
{
	LDAPNOINIT=1 ldapmodify -Q -Y EXTERNAL -H "$LDAPI_URI" -f "$1"
}

# -------------------------------------------------------------- libvirt ----
#
# start_libvirtd brings up virtlogd and libvirtd (qemu:///system) unless
# they already run; cleanup stops only what it started.
#
# Quirks found here, with stock /etc/libvirt (nothing there is modified):
#   - Without systemd the daemons are not socket-activated: run with -d
#     they create /run/libvirt/*-sock themselves and -p puts the pid file
#     in E2E_TMP (not /run, so a system instance's pid file is untouched).
#   - QEMU refuses to start a domain without virtlogd (stdio_handler=logd).
#   - No D-Bus / machined: libvirt logs errors about the system bus and
#     falls back to creating cgroups directly in the mounted v1 hierarchy
#     (/sys/fs/cgroup/*/machine/...); no qemu.conf change is needed.  The
#     empty "machine" cgroups stay after libvirtd stops, as on any host.
#   - KVM: some machines have no /dev/kvm, others a root-only one (no
#     udev; QEMU's package makes it root:kvm 0660 on install) backed by a
#     nested KVM that crawls through a kernel's boot.  Test domains are
#     <domain type='qemu'> (TCG), which runs on both; create-vps's own
#     choice (virt_type auto) is tested in virt-type.sh on every state.
#   - No dnsmasq and no D-Bus: the "default" network cannot start, so a
#     domain with <interface type='network'> on it cannot start.  Use
#     make_libvirt_net for an isolated bridge network without IP (needs no
#     dnsmasq and no firewall), or no NIC at all.
#   - /run/libvirt is removed again if it did not exist before.  Left
#     behind, as after any libvirtd run: the QEMU capabilities cache in
#     /var/cache/libvirt/qemu and empty cgroups (below).
#   - The daemons' own logs go to E2E_TMP (private *.conf via -f);
#     QEMU's per-domain log still goes to /var/log/libvirt/qemu/NAME.log:
#     e2e_forget_domain removes it.

VIRSH_URI=qemu:///system
LIBVIRTD_PID=""
VIRTLOGD_PID=""

# virsh on the system URI, bounded so a wedged libvirtd cannot hang a test.
e2e_virsh()
{
	timeout -k 5 "$E2E_TIMEOUT" virsh -q -c "$VIRSH_URI" "$@"
}

_e2e_libvirtd_up()
{
	timeout 10 virsh -q -c "$VIRSH_URI" uri >/dev/null 2>&1
}

_e2e_virtlogd_up()
{
	timeout 10 virt-admin -q -c virtlogd:///system srv-list >/dev/null 2>&1
}

# Start DAEMON -d -p PIDFILE [ARGS]; it forks and exits once it is ready.
_e2e_start_libvirt_daemon()
{
	local d=$1 dir=$E2E_TMP/libvirt rc=0
	shift
	e2e_hold
	(cd / && exec "/usr/sbin/$d" -d -p "$dir/$d.pid" "$@" \
	    </dev/null >>"$dir/$d.out" 2>&1 8>&- 9>&-) || rc=$?
	# Deferred even on failure: a daemon may have started and then failed.
	defer e2e_stop_pidfile "$dir/$d.pid" "$d"
	e2e_release
	if [ "$rc" -ne 0 ]; then
		echo "start_libvirtd: $d failed to start" >&2
		_e2e_show_log "$dir/$d.out"
		return 1
	fi
	E2E_LAST_PID=$(cat "$dir/$d.pid")
}

# A private DAEMON.conf that only moves the daemon's own log (warnings and
# errors) into E2E_TMP instead of /var/log/libvirt.
_e2e_libvirt_conf()
{
	local dir=$E2E_TMP/libvirt
	printf 'log_outputs = "3:file:%s"\n' "$dir/$1.log" >"$dir/$1.conf"
}

# start_libvirtd: make qemu:///system usable.  Exports VIRSH_URI, and
# LIBVIRTD_PID / VIRTLOGD_PID of the daemons it started (empty if they
# were already running).
start_libvirtd()
{
	local dir=$E2E_TMP/libvirt
	export VIRSH_URI
	_e2e_libvirtd_up && return 0
	[ -d "$dir" ] || mkdir -m 0700 "$dir" || return 1
	if ! _e2e_virtlogd_up; then
		# The daemons' runtime dir: gone again once both have stopped.
		[ -e /run/libvirt ] || defer rm -rf /run/libvirt
		_e2e_libvirt_conf virtlogd
		_e2e_start_libvirt_daemon virtlogd -f "$dir/virtlogd.conf" || return 1
		VIRTLOGD_PID=$E2E_LAST_PID
	fi
	_e2e_libvirt_conf libvirtd
	_e2e_start_libvirt_daemon libvirtd -f "$dir/libvirtd.conf" || return 1
	LIBVIRTD_PID=$E2E_LAST_PID
	export VIRTLOGD_PID LIBVIRTD_PID
	wait_for _e2e_libvirtd_up && return 0
	echo "start_libvirtd: $VIRSH_URI does not answer" >&2
	_e2e_show_log "$dir/libvirtd.log"
	return 1
}

# e2e_forget_domain NAME: destroy and undefine NAME if it exists and drop
# its QEMU log.  Safe to defer before the domain is even created.
e2e_forget_domain()
{
	if e2e_virsh dominfo "$1" >/dev/null 2>&1; then
		e2e_virsh destroy "$1" >/dev/null 2>&1
		e2e_virsh undefine --nvram "$1" >/dev/null 2>&1 ||
		    e2e_virsh undefine "$1" >/dev/null || return 1
	fi
	rm -f "/var/log/libvirt/qemu/$1.log" "/var/log/libvirt/qemu/$1.log."*
}

# make_libvirt_net NAME: define and start an isolated libvirt network (a
# bridge without IP: no dnsmasq, no firewall rules).  Cleanup removes it.
make_libvirt_net()
{
	local xml=$E2E_TMP/net-$1.xml br="vbr${E2E_RUNID}${#E2E_DEFER[@]}"
	printf "<network><name>%s</name><bridge name='%s' stp='off'/></network>\n" \
	    "$1" "${br:0:15}" >"$xml"
	e2e_hold
	e2e_virsh net-define "$xml" >/dev/null && defer e2e_virsh net-undefine "$1"
	e2e_release $? || return 1
	e2e_hold
	e2e_virsh net-start "$1" >/dev/null && defer e2e_virsh net-destroy "$1"
	e2e_release $?
}

# ------------------------------------------------------------------ LVM ----
#
# make_vg NAME SIZE_MIB: a VG on a loop device backed by a file in E2E_TMP.
#
# Quirks: there is no device-mapper here, so LVM runs with activation
# disabled: lvcreate writes real metadata but the LV is never activated
# (lvs shows attr "-wi-XX----", no /dev/VG/LV; lvcreate warns that the LV
# was not zeroed).  The same --config string must be given to every lvm
# command and to the tools, as [storage] lvm_config of their vps.conf
# (admin_conf writes it; the tools take nothing from the environment):
#   - activation = 0: the one switch that avoids /dev/mapper/control;
#   - the filter accepts only our loop devices, so a test never sees, and
#     can never touch, the host's own VGs (even one called "vps");
#   - no devices file, no hints, no udev, no metadata backups: nothing is
#     written to /etc/lvm or /run/lvm.

E2E_LOOPS=()	# loop devices made by make_vg
LVM_E2E_CONFIG=""

# Rebuild LVM_E2E_CONFIG so its filter accepts exactly E2E_LOOPS.
_e2e_lvm_config()
{
	local d filter=""
	for d in "${E2E_LOOPS[@]}"; do
		filter="$filter\"a|^$d\$|\", "
	done
	# The quotes are lvm.conf syntax, meant literally (not shell quoting).
	# shellcheck disable=SC2089,SC2090
	LVM_E2E_CONFIG="global { activation = 0 } devices { use_devicesfile = 0 hints = \"none\" obtain_device_list_from_udev = 0 filter = [ $filter\"r|.*|\" ] } activation { udev_sync = 0 udev_rules = 0 monitoring = 0 } backup { backup = 0 archive = 0 }"
}

# lvm_e2e CMD ARGS...: an lvm command (lvcreate, lvs, vgs...) with
# LVM_E2E_CONFIG, e.g. lvm_e2e lvcreate -L 8M -n x VG.
lvm_e2e()
{
	local cmd=$1
	shift
	lvm "$cmd" --config "$LVM_E2E_CONFIG" "$@"
}

# vg_exists NAME: true if the host has a VG called NAME (all devices are
# scanned, not only ours; no hints file is written).
vg_exists()
{
	lvm vgs --config 'global { activation = 0 } devices { hints = "none" }' \
	    "$1" >/dev/null 2>&1
}

# make_vg NAME SIZE_MIB: sets LVM_E2E_CONFIG and exports E2E_VG_DEV (the PV).
make_vg()
{
	local vg=$1 file=$E2E_TMP/lvm-$1.img dev
	if vg_exists "$vg"; then
		echo "make_vg: a VG named $vg already exists on this host" >&2
		return 1
	fi
	truncate -s "${2}M" "$file" || return 1
	e2e_hold
	dev=$(losetup --show -f "$file") && defer losetup -d "$dev"
	e2e_release $? || return 1
	E2E_LOOPS+=("$dev")
	_e2e_lvm_config
	e2e_hold
	lvm_e2e pvcreate -q "$dev" && defer lvm_e2e pvremove -q -y "$dev"
	e2e_release $? || return 1
	e2e_hold
	lvm_e2e vgcreate -q "$vg" "$dev" && defer lvm_e2e vgremove -q -f "$vg"
	e2e_release $? || return 1
	E2E_VG_DEV=$dev
	export E2E_VG_DEV
}

# ------------------------------------------------------------------ sshd ----
#
# start_sshd: the system sshd binary with its own host key and config in
# E2E_TMP, on 127.0.0.1:SSHD_PORT.  UsePAM is off (PAM's session modules
# are not needed, and the accounts add_member makes are not locked: their
# password field is "*", not "!").  StrictModes stays on, so homes and
# ~/.ssh must be as strict as on a real host; keys are therefore read from
# the members' ~/.ssh/authorized_keys (sshd reads them as the member, who
# cannot traverse E2E_TMP's private subdirs).
#
# SSHD_INCLUDE=FILE adds "Include FILE" at the top, where Debian's
# /etc/ssh/sshd_config includes sshd_config.d/*.conf, so a generated
# snippet with Match User blocks is tested in the position it will have.
# SSHD_EXTRA="lines" appends global lines.  The config is checked with
# sshd -t first.  /run/sshd (privilege separation dir) is created if absent
# and removed again.
#
# Exports SSHD_PORT SSHD_PID SSHD_CONFIG SSHD_LOG E2E_SSH_CONFIG (a client
# config: ssh -F "$E2E_SSH_CONFIG" -l USER e2e) E2E_SSH_KEY E2E_KNOWN_HOSTS.

# The client key pair the tests log in with (made once per run).
_e2e_client_key()
{
	local dir=$E2E_TMP/ssh
	E2E_SSH_KEY=$dir/client_ed25519
	export E2E_SSH_KEY
	[ -f "$E2E_SSH_KEY" ] && return 0
	mkdir -m 0700 "$dir" || return 1
	ssh-keygen -q -t ed25519 -N '' -C "vpshost-e2e-client" -f "$E2E_SSH_KEY"
}

_e2e_sshd_config()
{
	local dir=$1
	echo "# vpshost e2e sshd"
	[ -z "${SSHD_INCLUDE:-}" ] || echo "Include $SSHD_INCLUDE"
	cat <<-EOF
	Port $SSHD_PORT
	ListenAddress 127.0.0.1
	HostKey $dir/host_ed25519
	PidFile $dir/sshd.pid
	UsePAM no
	PasswordAuthentication no
	KbdInteractiveAuthentication no
	PubkeyAuthentication yes
	AuthorizedKeysFile .ssh/authorized_keys
	StrictModes yes
	PermitRootLogin no
	UseDNS no
	PrintMotd no
	PrintLastLog no
	Subsystem sftp internal-sftp
	LogLevel VERBOSE
	EOF
	[ -z "${SSHD_EXTRA:-}" ] || printf '%s\n' "$SSHD_EXTRA"
}

# The client side: one ssh_config that pins the host key and key file.
_e2e_ssh_client_config()
{
	local dir=$1
	E2E_KNOWN_HOSTS=$dir/known_hosts
	E2E_SSH_CONFIG=$dir/ssh_config
	printf '[127.0.0.1]:%s %s\n' "$SSHD_PORT" \
	    "$(cut -d' ' -f1,2 "$dir/host_ed25519.pub")" >"$E2E_KNOWN_HOSTS"
	cat >"$E2E_SSH_CONFIG" <<-EOF
	Host *
	    HostName 127.0.0.1
	    Port $SSHD_PORT
	    IdentityFile $E2E_SSH_KEY
	    IdentitiesOnly yes
	    IdentityAgent none
	    UserKnownHostsFile $E2E_KNOWN_HOSTS
	    GlobalKnownHostsFile /dev/null
	    StrictHostKeyChecking yes
	    BatchMode yes
	    ConnectTimeout 10
	    ServerAliveInterval 5
	    ControlMaster no
	    ControlPath none
	    LogLevel ERROR
	EOF
	chmod 0600 "$E2E_SSH_CONFIG"
	export E2E_KNOWN_HOSTS E2E_SSH_CONFIG
}

# Debian's init script creates /run/sshd; without it sshd refuses to run.
_e2e_privsep_dir()
{
	[ -d /run/sshd ] && return 0
	e2e_hold
	mkdir -m 0755 /run/sshd && defer rmdir /run/sshd
	e2e_release $?
}

# start_sshd: see above.
start_sshd()
{
	local dir=$E2E_TMP/sshd
	mkdir -m 0700 "$dir" || return 1
	_e2e_client_key || return 1
	_e2e_privsep_dir || return 1
	ssh-keygen -q -t ed25519 -N '' -C "vpshost-e2e-host" -f "$dir/host_ed25519" || return 1
	SSHD_PORT=$(free_port) || return 1
	SSHD_CONFIG=$dir/sshd_config
	SSHD_LOG=$dir/sshd.log
	_e2e_sshd_config "$dir" >"$SSHD_CONFIG"
	/usr/sbin/sshd -t -f "$SSHD_CONFIG" || return 1
	_e2e_ssh_client_config "$dir"
	# sshd re-executes itself, so it needs its absolute path.
	_e2e_spawn sshd "$dir/sshd.out" /usr/sbin/sshd -D -f "$SSHD_CONFIG" -E "$SSHD_LOG"
	SSHD_PID=$E2E_LAST_PID
	export SSHD_PORT SSHD_PID SSHD_CONFIG SSHD_LOG
	wait_for -p "$SSHD_PID" port_open "$SSHD_PORT" && return 0
	echo "start_sshd: sshd does not listen on port $SSHD_PORT" >&2
	_e2e_show_log "$SSHD_LOG"
	return 1
}

# ssh_as USER [ARGS...]: the system ssh client, as root, logging in as USER
# to the test sshd with the per-run client key.
ssh_as()
{
	local user=$1
	shift
	ssh -F "$E2E_SSH_CONFIG" -l "$user" e2e "$@"
}

# ssh_bg USER [ARGS...]: ssh_as in the background (a session held open, an
# "-N -L PORT:127.0.0.1:PORT" tunnel), stopped at cleanup.  ssh is started
# directly, not through a function, so E2E_LAST_PID is ssh's own pid and
# stopping it really ends the session.
ssh_bg()
{
	local user=$1
	shift
	e2e_hold
	ssh -F "$E2E_SSH_CONFIG" -l "$user" e2e "$@" </dev/null \
	    >>"$E2E_TMP/ssh_bg.log" 2>&1 8>&- 9>&- &
	E2E_LAST_PID=$!
	defer e2e_stop_pid "$E2E_LAST_PID" "ssh $user"
	e2e_release
}

# --------------------------------------------------------------- members ----
#
# add_member NAME SHELL: a local account with login shell SHELL whose
# authorized_keys holds the test client key.  SHELL is added to /etc/shells
# if missing (and removed at cleanup).  Use e2e_name for NAME unless the
# test needs a fixed one; an existing account is never reused or removed.
# Note: the member must be able to reach SHELL, so a build tree used as a
# shell path must be world-traversable.

_e2e_shells_add()
{
	grep -qxF -- "$1" /etc/shells && return 0
	e2e_hold
	printf '%s\n' "$1" >>/etc/shells && defer _e2e_shells_remove "$1"
	e2e_release $?
}

# Rewrite /etc/shells without the line; rename keeps readers consistent.
_e2e_shells_remove()
{
	local tmp=/etc/.shells.e2e$$
	grep -vxF -- "$1" /etc/shells >"$tmp"
	chmod 0644 "$tmp" && mv -f "$tmp" /etc/shells
}

# Remove a member: end its processes (left-over ssh sessions or menu
# servers would make userdel fail), then the account, its group and home.
_e2e_del_user()
{
	local uid
	uid=$(id -u "$1" 2>/dev/null) || return 0
	# shellcheck disable=SC2046 # one pid per word
	kill -KILL $(pgrep -U "$uid") 2>/dev/null
	wait_for -t 10 _e2e_no_procs "$uid"
	userdel -r "$1" 2>&1 | grep -v 'mail spool' >&2
	! id -u "$1" >/dev/null 2>&1
}

_e2e_no_procs()
{
	! pgrep -U "$1" >/dev/null
}

# Install the client public key as the member's only authorized key.
_e2e_authorize()
{
	local home=$1 user=$2 group
	group=$(id -gn "$user") || return 1
	install -d -m 0700 -o "$user" -g "$group" "$home/.ssh" || return 1
	install -m 0600 -o "$user" -g "$group" "$E2E_SSH_KEY.pub" \
	    "$home/.ssh/authorized_keys"
}

add_member()
{
	local name=$1 shell=$2 home rc
	if getent passwd "$name" >/dev/null; then
		echo "add_member: user $name already exists; not touching it" >&2
		return 1
	fi
	[ -x "$shell" ] || { echo "add_member: $shell is not executable" >&2; return 1; }
	_e2e_client_key || return 1
	_e2e_shells_add "$shell" || return 1
	# Deferred even if useradd fails half-way (the name was free).
	e2e_hold
	useradd -m -s "$shell" -p '*' -c "vpshost e2e member" "$name"
	rc=$?
	defer _e2e_del_user "$name"
	e2e_release "$rc" || return 1
	home=$(getent passwd "$name" | cut -d: -f6)
	_e2e_authorize "$home" "$name"
}

# restart_libvirtd: start libvirtd again after a test stopped it on
# purpose, with the pid file and configuration start_libvirtd used, so the
# stop start_libvirtd deferred (which reads the pid file) stops this one,
# in its original place in the cleanup order.
restart_libvirtd()
{
	local dir=$E2E_TMP/libvirt
	if [ -z "$LIBVIRTD_PID" ]; then
		echo "restart_libvirtd: libvirtd was not started by start_libvirtd" >&2
		return 1
	fi
	_e2e_libvirtd_up && return 0
	(cd / && exec /usr/sbin/libvirtd -d -p "$dir/libvirtd.pid" \
	    -f "$dir/libvirtd.conf" </dev/null >>"$dir/libvirtd.out" 2>&1 \
	    8>&- 9>&-) || return 1
	LIBVIRTD_PID=$(cat "$dir/libvirtd.pid")
	export LIBVIRTD_PID
	wait_for _e2e_libvirtd_up
}

# ------------------------------------------------------ second libvirtd ----
#
# start_libvirtd2: a second hypervisor on this machine, as vpshost sees a
# remote one (a [host NAME] of vps.conf): its own virtlogd and libvirtd
# in a private mount namespace (unshare -m), with private copies of
# /etc/libvirt (without the first daemon's domains, networks and pools),
# /var/lib/libvirt, /var/cache/libvirt, /var/log/libvirt and a tmpfs on
# /run (sockets, pid files, QEMU's runtime state), listening with TCP on
# 127.0.0.1 and no authentication (qemu+tcp: loopback tests only;
# production uses qemu+tls, README "Several hosts").  The network
# namespace is shared: its QEMUs listen for SPICE on 127.0.0.2, the
# address HV2_SPICE that vps.conf gives the host.
# Exports VIRSH_URI2, HV2_SPICE, LIBVIRTD2_PID, VIRTLOGD2_PID.  Cleanup
# destroys its domains, stops every process of the namespace and removes
# its files.

VIRSH_URI2=""
HV2_SPICE=127.0.0.2
LIBVIRTD2_PID=""

e2e_virsh2()
{
	timeout -k 5 "$E2E_TIMEOUT" virsh -q -c "$VIRSH_URI2" "$@"
}

_e2e_libvirtd2_up()
{
	timeout 10 virsh -q -c "$VIRSH_URI2" uri >/dev/null 2>&1
}

# The daemons of the namespace, started inside it by start_libvirtd2.
_e2e_libvirtd2_exec()
{
	local d=$1 m
	for m in etc:/etc/libvirt lib:/var/lib/libvirt cache:/var/cache/libvirt \
	    log:/var/log/libvirt; do
		mount --bind "$d/${m%%:*}" "${m#*:}" || return 1
	done
	mount -t tmpfs -o mode=0755 vpshost-hv2 /run || return 1
	# /var/lock is /run/lock: libvirt's console locks a pty there.
	mkdir -m 1777 /run/lock || return 1
	cd / || return 1
	/usr/sbin/virtlogd -d -p "$d/virtlogd.pid" -f "$d/virtlogd.conf" \
	    </dev/null >>"$d/daemons.out" 2>&1 || return 1
	/usr/sbin/libvirtd -d --listen -p "$d/libvirtd.pid" \
	    -f "$d/libvirtd.conf" </dev/null >>"$d/daemons.out" 2>&1
}

# The pids of the processes in the mount namespace NS (readlink's form).
_e2e_ns_procs()
{
	local p
	for p in /proc/[0-9]*; do
		[ "$(readlink "$p/ns/mnt" 2>/dev/null)" != "$1" ] ||
		    echo "${p#/proc/}"
	done
}

# Cleanup: the domains destroyed and undefined through the daemon while
# it answers, then every process of the namespace NS (the QEMUs of a
# daemon that the test killed too) stopped, the files removed.
_e2e_libvirtd2_stop()
{
	local d=$1 ns=$2 dom p pids rc=0
	if _e2e_libvirtd2_up; then
		for dom in $(e2e_virsh2 list --all --name); do
			e2e_virsh2 destroy "$dom" >/dev/null 2>&1
			e2e_virsh2 undefine "$dom" >/dev/null || rc=1
		done
	fi
	pids=$(_e2e_ns_procs "$ns")
	for p in $pids; do
		kill "$p" 2>/dev/null
	done
	for p in $pids; do
		wait_for -t 20 eval "[ ! -e /proc/$p ]" || {
			kill -9 "$p" 2>/dev/null
			rc=1
		}
	done
	rm -rf -- "$d"
	return "$rc"
}

# kill_libvirtd2 / restart_libvirtd2: the second libvirtd gone (SIGKILL:
# its QEMUs keep running, as on a real host) and started again in the
# same namespace.
kill_libvirtd2()
{
	kill -9 "$LIBVIRTD2_PID" &&
	    wait_for eval "[ ! -e /proc/$LIBVIRTD2_PID ]"
}

restart_libvirtd2()
{
	local d=$E2E_TMP/hv2
	nsenter --mount="/proc/$VIRTLOGD2_PID/ns/mnt" -- /usr/sbin/libvirtd \
	    -d --listen -p "$d/libvirtd.pid" -f "$d/libvirtd.conf" \
	    </dev/null >>"$d/daemons.out" 2>&1 8>&- 9>&- || return 1
	LIBVIRTD2_PID=$(cat "$d/libvirtd.pid") && export LIBVIRTD2_PID &&
	    wait_for _e2e_libvirtd2_up
}

start_libvirtd2()
{
	local d=$E2E_TMP/hv2 port sub ns
	port=$(free_port) || return 1
	mkdir -m 0700 "$d" && mkdir -m 0755 "$d/etc" "$d/lib" "$d/cache" \
	    "$d/log" || return 1
	# Everything of /etc/libvirt but the first daemon's objects.
	for sub in /etc/libvirt/*; do
		case ${sub##*/} in
		qemu|storage|secrets) ;;
		*) cp -a "$sub" "$d/etc/" || return 1 ;;
		esac
	done
	mkdir -m 0755 "$d/etc/qemu" "$d/etc/storage" &&
	    mkdir -m 0700 "$d/etc/secrets" || return 1
	install -d -m 0751 -o libvirt-qemu -g libvirt-qemu "$d/lib/qemu" &&
	    install -d -m 0711 "$d/lib/images" "$d/cache/qemu" &&
	    install -d -m 0755 "$d/log/qemu" || return 1
	{
		printf 'listen_tls = 0\nlisten_tcp = 1\n'
		printf 'listen_addr = "127.0.0.1"\ntcp_port = "%s"\n' "$port"
		printf 'auth_tcp = "none"\nunix_sock_dir = "/run/libvirt"\n'
		printf 'log_outputs = "3:file:%s/libvirtd.log"\n' "$d"
	} >"$d/libvirtd.conf"
	printf 'log_outputs = "3:file:%s/virtlogd.log"\n' "$d" \
	    >"$d/virtlogd.conf"
	VIRSH_URI2=qemu+tcp://127.0.0.1:$port/system
	export VIRSH_URI2 HV2_SPICE
	e2e_hold
	unshare -m --propagation private bash -c \
	    "$(declare -f _e2e_libvirtd2_exec); _e2e_libvirtd2_exec '$d'" \
	    </dev/null >>"$d/start.out" 2>&1 8>&- 9>&-
	sub=$?
	# virtlogd anchors the namespace: the test may kill libvirtd.
	VIRTLOGD2_PID=$(cat "$d/virtlogd.pid" 2>/dev/null)
	LIBVIRTD2_PID=$(cat "$d/libvirtd.pid" 2>/dev/null)
	if [ -n "$VIRTLOGD2_PID" ] &&
	    ns=$(readlink "/proc/$VIRTLOGD2_PID/ns/mnt"); then
		defer _e2e_libvirtd2_stop "$d" "$ns"
	else
		defer rm -rf -- "$d"
	fi
	e2e_release
	export LIBVIRTD2_PID VIRTLOGD2_PID
	if [ "$sub" -ne 0 ] || ! wait_for _e2e_libvirtd2_up; then
		echo "start_libvirtd2: $VIRSH_URI2 does not answer" >&2
		_e2e_show_log "$d/start.out"
		_e2e_show_log "$d/daemons.out"
		_e2e_show_log "$d/libvirtd.log"
		return 1
	fi
}

# make_dir_pool URI NAME DIR: a started libvirt dir pool NAME on the
# libvirtd at URI, at DIR (made here); cleanup removes pool and DIR.
make_dir_pool()
{
	local uri=$1 name=$2 dir=$3
	mkdir -m 0711 "$dir" || return 1
	defer rm -rf -- "$dir"
	timeout 60 virsh -q -c "$uri" pool-define-as "$name" dir \
	    --target "$dir" >/dev/null || return 1
	defer _e2e_pool_remove "$uri" "$name"
	timeout 60 virsh -q -c "$uri" pool-start "$name" >/dev/null
}

_e2e_pool_remove()
{
	timeout 60 virsh -q -c "$1" pool-destroy "$2" >/dev/null 2>&1
	timeout 60 virsh -q -c "$1" pool-undefine "$2" >/dev/null 2>&1 ||
	    ! timeout 60 virsh -q -c "$1" pool-info "$2" >/dev/null 2>&1
}

# ---------------------------------------------------------------- guest ----
#
# A real guest, small enough for TCG: Debian's kernel (linux-image-amd64)
# and an initramfs of busybox-static whose /init mounts proc, sys and
# devtmpfs, loads the kernel modules it was given (a NIC driver, say),
# prints E2E_GUEST_MARKER on the serial console and starts a shell there.
# Under TCG it reaches the shell in a few seconds.
#
# The tests talk to that shell through the VPS's serial console, as a
# member would: guest_serial_start copies everything the guest writes
# into a file, guest_run types a command line and waits for its end.
# Every guest boots the same image; what makes a guest differ (its IP
# address, say) is set with guest_run after it booted.

E2E_GUEST_MARKER=VPSHOST-E2E-GUEST-UP
GUEST_OUT=""		# the output of the last guest_run
# The virsh of the guest's libvirtd: e2e_virsh2 for a guest on the second.
GUEST_VIRSH=e2e_virsh

# e2e_guest_kernel: the newest kernel in /boot.
e2e_guest_kernel()
{
	local k
	k=$(ls -1 /boot/vmlinuz-* 2>/dev/null | sort -V | tail -1)
	[ -n "$k" ] || { echo "no /boot/vmlinuz-*: install linux-image-amd64" >&2
	    return 1; }
	printf '%s\n' "$k"
}

# _e2e_mod_add DEPFILE PATH: appends the module PATH (as modules.dep names
# it) to _e2e_mods, after the modules it depends on, each once.
_e2e_mod_add()
{
	local dep=$1 path=$2 line d
	case " $_e2e_mods " in *" $path "*) return 0 ;; esac
	line=$(awk -F: -v p="$path" '$1 == p { print; exit }' "$dep")
	[ -n "$line" ] || {
		echo "make_guest_initrd: $path not in $dep" >&2; return 1; }
	for d in ${line#*:}; do
		_e2e_mod_add "$dep" "$d" || return 1
	done
	_e2e_mods="$_e2e_mods $path"
}

# _e2e_guest_modules ROOT NAME...: copies the modules NAME (file names
# without .ko, e.g. virtio_net) of the guest kernel's version and all they
# depend on into ROOT/lib/modules, uncompressed (busybox insmod reads
# plain .ko files), and lists them in ROOT/lib/modules/order in the order
# to load them.
_e2e_guest_modules()
{
	local root=$1 kernel dir dep m p ko
	shift
	kernel=$(e2e_guest_kernel) || return 1
	dir=/lib/modules/${kernel#/boot/vmlinuz-}
	dep=$dir/modules.dep
	_e2e_mods=""
	for m in "$@"; do
		p=$(grep -m1 -E "^([^:]*/)?$m\\.ko(\\.(gz|xz|zst))?:" "$dep" |
		    cut -d: -f1)
		[ -n "$p" ] || { echo "make_guest_initrd: no module $m in $dir" >&2
		    return 1; }
		_e2e_mod_add "$dep" "$p" || return 1
	done
	mkdir -p "$root/lib/modules" || return 1
	for p in $_e2e_mods; do
		ko=${p##*/}
		ko=${ko%.ko*}.ko
		case $p in
		*.ko) cp "$dir/$p" "$root/lib/modules/$ko" ;;
		*.gz) gzip -dc "$dir/$p" >"$root/lib/modules/$ko" ;;
		*.xz) xz -dc "$dir/$p" >"$root/lib/modules/$ko" ;;
		*.zst) zstd -qdc "$dir/$p" >"$root/lib/modules/$ko" ;;
		esac || return 1
		echo "$ko" >>"$root/lib/modules/order"
	done
}

# make_guest_initrd FILE [MODULE...]: the initramfs (gzipped cpio), with
# the kernel modules MODULE... (see _e2e_guest_modules) loaded at boot.
# The kernel's own messages stay off the console once the shell runs.
# With E2E_GUEST_ADD set to a directory, its files are copied into the
# initramfs as well, and its script init.extra, if any, is sourced by
# /init after the marker, before the shell starts.
make_guest_initrd()
{
	local root=$E2E_TMP/guest-root
	rm -rf "$root" && mkdir -p "$root"/{bin,proc,sys,dev} || return 1
	cp /bin/busybox "$root/bin/busybox" || return 1
	[ $# -lt 2 ] || _e2e_guest_modules "$root" "${@:2}" || return 1
	cat >"$root/init" <<-EOF
	#!/bin/busybox sh
	/bin/busybox --install -s /bin
	mount -t proc proc /proc
	mount -t sysfs sys /sys
	mount -t devtmpfs dev /dev
	if [ -f /lib/modules/order ]; then
		for m in \$(cat /lib/modules/order); do
			insmod /lib/modules/\$m || echo "insmod \$m failed"
		done
	fi
	dmesg -n 1
	echo $E2E_GUEST_MARKER
	EOF
	if [ -n "${E2E_GUEST_ADD:-}" ]; then
		cp -R "$E2E_GUEST_ADD/." "$root/" || return 1
		echo '[ ! -f /init.extra ] || . /init.extra' >>"$root/init"
	fi
	echo 'exec setsid cttyhack sh' >>"$root/init" &&
	    chmod 0755 "$root/init" &&
	    (cd "$root" && find . | cpio -o -H newc 2>/dev/null) |
	    gzip -1 >"$1"
}

# make_guest_iso FILE [MODULE...]: a BIOS-bootable ISO (grub-mkrescue)
# that boots the guest at once, its console on ttyS0: what a member
# installs from. MODULE...: as make_guest_initrd.
make_guest_iso()
{
	local dir=$E2E_TMP/guest-iso kernel
	kernel=$(e2e_guest_kernel) || return 1
	rm -rf "$dir" && mkdir -p "$dir/boot/grub" || return 1
	cp "$kernel" "$dir/boot/vmlinuz" &&
	    make_guest_initrd "$dir/boot/initrd.gz" "${@:2}" || return 1
	cat >"$dir/boot/grub/grub.cfg" <<-'EOF'
	set timeout=0
	menuentry "vpshost e2e guest" {
		linux /boot/vmlinuz console=ttyS0 panic=-1
		initrd /boot/initrd.gz
	}
	EOF
	grub-mkrescue -o "$1" "$dir" >"$E2E_TMP/grub-mkrescue.log" 2>&1 || {
		_e2e_show_log "$E2E_TMP/grub-mkrescue.log"; return 1; }
	chmod 0644 "$1"
}

# guest_serial_start NAME OUT: starts domain NAME paused, copies its
# serial console (a pty) into OUT from the first byte on, then lets it
# run. The copy stops with the domain or at cleanup.
guest_serial_start()
{
	local name=$1 out=$2 pty pid
	"$GUEST_VIRSH" start --paused "$name" >/dev/null || return 1
	pty=$("$GUEST_VIRSH" ttyconsole "$name") && [ -c "$pty" ] || {
		echo "guest_serial_start: $name has no serial pty" >&2
		return 1; }
	# raw, no echo: the guest must not read back what it writes.
	stty -F "$pty" raw -echo || return 1
	e2e_hold
	cat "$pty" >"$out" 2>/dev/null 8>&- 9>&- &
	pid=$!
	defer _e2e_end_reader "$pid"
	e2e_release
	"$GUEST_VIRSH" resume "$name" >/dev/null
}

# A reader that may have ended already (its pty closed with the domain).
_e2e_end_reader()
{
	kill "$1" 2>/dev/null
	wait "$1" 2>/dev/null
	return 0
}

# guest_wait_marker OUT [SECS]: waits until the guest's serial output in
# OUT shows E2E_GUEST_MARKER (default 120 s: TCG on a busy host).
guest_wait_marker()
{
	wait_for -t "${2:-120}" grep -q "$E2E_GUEST_MARKER" "$1"
}

# guest_send NAME LINE: types LINE and Enter on the serial console of the
# running domain NAME, where the guest's shell reads it.
guest_send()
{
	local pty
	pty=$("$GUEST_VIRSH" ttyconsole "$1") && [ -c "$pty" ] || {
		echo "guest_send: $1 has no serial pty" >&2
		return 1; }
	printf '%s\r' "$2" >"$pty"
}

# The lines of OUT (a copy of a serial console) without carriage returns.
_e2e_serial_lines()
{
	tr -d '\r' <"$1"
}

# guest_run NAME OUT COMMAND [SECS]: runs the shell command line COMMAND
# in the guest NAME whose console guest_serial_start copies to OUT, and
# waits for it to end (default 60 s). Returns COMMAND's exit status (124
# if it did not end in time) and leaves its output in GUEST_OUT. The
# marks around the output carry the time (unique also when called in a
# subshell) and are typed with '' inside, so that the echo of the typed
# line never looks like them. COMMAND must be one line.
guest_run()
{
	local name=$1 out=$2 cmd=$3 n=${EPOCHREALTIME/./} rc
	GUEST_OUT=""
	guest_send "$name" "echo E2E-RUN-$n''; $cmd; echo E2E-END-$n'':\$?" ||
	    return 1
	wait_for -t "${4:-60}" _e2e_guest_ended "$out" "$n" || {
		echo "guest_run: $name: no end of: $cmd" >&2
		_e2e_show_log "$out"
		return 124; }
	GUEST_OUT=$(_e2e_serial_lines "$out" |
	    sed -n "/^E2E-RUN-$n\$/,/^E2E-END-$n:/p" | sed '1d;$d')
	rc=$(_e2e_serial_lines "$out" | sed -n "s/^E2E-END-$n://p")
	printf '%s\n' "$GUEST_OUT"
	return "$rc"
}

_e2e_guest_ended()
{
	_e2e_serial_lines "$1" | grep -q "^E2E-END-$2:"
}
