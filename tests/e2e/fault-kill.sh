#!/usr/bin/env bash
# fault-kill.sh: SIGKILL of each file writer at random points, 100 times.
#
# sudoers-gen (rules in /etc/sudoers.d, so the system's "visudo -c" reads
# them, and an sshd snippet) and vps-data-gen (against a private slapd)
# are started with a change to make and killed after a random delay drawn
# from 0 to the length of a whole run. After every kill: each file holds
# exactly the old or the new content, visudo and sshd -t accept what is
# installed, the next run succeeds and leaves exactly the new content and
# no temp file (a temp file the killed run left is removed by the next
# one, under the writers' lock). The kills that left a temp file are
# counted, to show the window was hit.
# shellcheck source=lib.sh
. "$top_srcdir/tests/e2e/lib.sh"
# shellcheck source=fault-lib.sh
. "$top_srcdir/tests/e2e/fault-lib.sh"
e2e_require_root
e2e_require_cmd slapd ldapadd visudo sshd

N=${FAULT_KILLS:-100}
gen=$top_builddir/vps-data-gen
rules=$top_builddir/sudoers-gen

# usecs_since T0: microseconds since an $EPOCHREALTIME value.
usecs_since()
{
	echo $((${EPOCHREALTIME/./} - ${1/./}))
}

# kill_at USECS CMD...: start CMD, SIGKILL it after USECS microseconds
# (unless it ended before); sets KILLED=1 if the kill hit a live process.
kill_at()
{
	local us=$1 pid
	shift
	"$@" >/dev/null 2>&1 8>&- 9>&- &
	pid=$!
	sleep "$(printf '%d.%06d' $((us / 1000000)) $((us % 1000000)))"
	KILLED=0
	kill -KILL "$pid" 2>/dev/null && KILLED=1
	wait "$pid" 2>/dev/null
	return 0
}

# Failures are collected per property and reported once each, with the
# first few iterations that broke it.
declare -A FAILS=()
fail()
{
	FAILS[$1]+=" $2"
}
report()
{
	local prop=$1 desc=$2
	t_eq "$desc" "" "${FAILS[$prop]:-}"
}

# one_of FILE A B: FILE's content is exactly A's or B's.
one_of()
{
	cmp -s "$1" "$2" || cmp -s "$1" "$3"
}

# ---- sudoers-gen
sudoers=/etc/sudoers.d/$(e2e_name kill | tr -d -- -)
snippet=$E2E_TMP/sshd-vps.conf
rdata=$E2E_TMP/rules.data
rconf=$E2E_TMP/rules.conf
defer rm -f "$sudoers"
fault_conf "$rconf" "$rdata" "$sudoers" "$snippet"
ref=$E2E_TMP/ref
mkdir "$ref"
for set in a b; do
	fault_rules_data "$ref/$set.data" 300 "$set"
	cp "$ref/$set.data" "$rdata"
	t_need "sudoers-gen installs set $set" "$rules" -c "$rconf"
	cp "$sudoers" "$ref/$set.sudoers"
	cp "$snippet" "$ref/$set.sshd"
done
cp "$ref/a.data" "$rdata"
t0=$EPOCHREALTIME
"$rules" -c "$rconf" >/dev/null 2>&1
span=$(usecs_since "$t0")
diag "sudoers-gen: a whole run takes $((span / 1000)) ms; kills at 0 to that"

killed=0 left=0
old=a
for ((i = 1; i <= N; i++)); do
	new=$([ "$old" = a ] && echo b || echo a)
	cp "$ref/$new.data" "$rdata"
	kill_at $(((RANDOM * 32768 + RANDOM) % span)) "$rules" -c "$rconf"
	killed=$((killed + KILLED))
	one_of "$sudoers" "$ref/$old.sudoers" "$ref/$new.sudoers" || fail sudoers "$i"
	one_of "$snippet" "$ref/$old.sshd" "$ref/$new.sshd" || fail sshd "$i"
	visudo -c -q >/dev/null 2>&1 || fail visudo "$i"
	fault_sshd_ok "$snippet" >/dev/null 2>&1 || fail sshdt "$i"
	if ! { fault_no_temp "$sudoers" && fault_no_temp "$snippet"; } 2>/dev/null
	then
		left=$((left + 1))
	fi
	"$rules" -c "$rconf" >/dev/null 2>&1 || fail rerun "$i"
	if ! { cmp -s "$sudoers" "$ref/$new.sudoers" &&
	    cmp -s "$snippet" "$ref/$new.sshd"; }; then
		fail rerunnew "$i"
	fi
	if ! { fault_no_temp "$sudoers" && fault_no_temp "$snippet"; } 2>/dev/null
	then
		fail rerunclean "$i"
	fi
	old=$new
done
diag "sudoers-gen: $killed of $N runs killed alive, $left left a temp file"
report sudoers "sudoers-gen killed $N times: sudoers is the old or the new file"
report sshd "... the sshd rules are the old or the new file"
report visudo "... visudo -c accepts the installed configuration"
report sshdt "... sshd -t accepts the installed sshd rules"
report rerun "... the next run succeeds"
report rerunnew "... and installs exactly the new rules"
report rerunclean "... and leaves no temp file"
t_check "the runs were killed, most while alive" test "$killed" -ge $((N / 2))

# ---- vps-data-gen
t_need "slapd starts" start_slapd "$top_srcdir/ldap/vps.ldif"
data=$E2E_TMP/vps.data
conf=$E2E_TMP/vps.conf
fault_conf "$conf" "$data"
{ fault_ldif_members 100; fault_ldif_vps 0 1000 100; } >"$E2E_TMP/base.ldif"
t_need "100 members and 1,000 VPS in LDAP" ldap_add "$E2E_TMP/base.ldif"
t_need "vps-data-gen writes vps.data" "$gen" -c "$conf"
t0=$EPOCHREALTIME
"$gen" -c "$conf" -o "$E2E_TMP/x" >/dev/null 2>&1
span=$(usecs_since "$t0")
diag "vps-data-gen: a whole run takes $((span / 1000)) ms; kills at 0 to that"

killed=0 left=0
for ((i = 1; i <= N; i++)); do
	# One more VPS each time: the result changes, and is known before.
	fault_ldif_vps $((1000 + i)) $((1001 + i)) 100 >"$E2E_TMP/one.ldif"
	ldap_add "$E2E_TMP/one.ldif" >/dev/null 2>&1 || fail ldap "$i"
	cp "$data" "$E2E_TMP/old"
	"$gen" -c "$conf" -o "$E2E_TMP/new" >/dev/null 2>&1 || fail want "$i"
	kill_at $(((RANDOM * 32768 + RANDOM) % span)) "$gen" -c "$conf"
	killed=$((killed + KILLED))
	one_of "$data" "$E2E_TMP/old" "$E2E_TMP/new" || fail data "$i"
	fault_no_temp "$data" 2>/dev/null || left=$((left + 1))
	"$gen" -c "$conf" >/dev/null 2>&1 || fail genrerun "$i"
	cmp -s "$data" "$E2E_TMP/new" || fail genrerunnew "$i"
	fault_no_temp "$data" 2>/dev/null || fail genrerunclean "$i"
done
diag "vps-data-gen: $killed of $N runs killed alive, $left left a temp file"
report ldap "one more VPS in LDAP each time"
report want "... its vps.data is known (-o)"
report data "vps-data-gen killed $N times: vps.data is the old or the new file"
report genrerun "... the next run succeeds"
report genrerunnew "... and writes exactly the new vps.data"
report genrerunclean "... and leaves no temp file"
t_eq "... vps.data has all $((1000 + N)) VPS" $((1000 + N)) "$(grep -vc '^#' "$data")"
t_check "the runs were killed, most while alive" test "$killed" -ge $((N / 2))

t_done
