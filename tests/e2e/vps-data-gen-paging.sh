#!/usr/bin/env bash
# vps-data-gen-paging.sh: a directory larger than the server's size limit.
#
# slapd enforces a size limit of 500 entries on the reader account (a
# plain search fails with sizeLimitExceeded, rc 4); vps-data-gen reads 600
# members and 2,500 VPS whole through paged searches, with any page size.
# Then slapd is killed in the middle of a paged search: exit 1 and
# vps.data byte-identical.
. "$top_srcdir/tests/e2e/lib.sh"
e2e_require_root
e2e_require_cmd slapd ldapadd ldapsearch

gen=$top_builddir/vps-data-gen
data=$E2E_TMP/vps.data
conf=$E2E_TMP/vps.conf
nmembers=600
nvps=2500

# stats: the log shows each page served, to kill slapd mid-search.
E2E_SLAPD_SIZELIMIT=500
E2E_SLAPD_DEBUG=stats
t_need "slapd starts with a size limit of 500" start_slapd "$top_srcdir/ldap/vps.ldif"

# write_conf FILE PAGE_SIZE
write_conf()
{
	cat >"$1" <<-EOC
	[vps]
	data = $data
	members = $E2E_TMP/members
	[spice]
	port_min = 20000
	port_max = 29999
	[ldap]
	uri = $LDAP_URI
	base = $LDAP_VPS_BASE
	member_base = $LDAP_PEOPLE_BASE
	bind_dn = $LDAP_READER_DN
	bind_password_file = $LDAP_READER_PW_FILE
	page_size = $2
	EOC
}

# The whole directory as one LDIF, loaded with one ldapadd.
gen_ldif()
{
	local i
	for ((i = 0; i < nmembers; i++)); do
		printf 'dn: uid=m%d,%s\nobjectClass: account\nobjectClass: posixAccount\n' "$i" "$LDAP_PEOPLE_BASE"
		printf 'uid: m%d\ncn: m%d\nuidNumber: %d\ngidNumber: %d\nhomeDirectory: /home/m%d\n\n' \
		    "$i" "$i" $((20000 + i)) $((20000 + i)) "$i"
	done
	for ((i = 0; i < nvps; i++)); do
		printf 'dn: vpsName=v%d,%s\nobjectClass: vpsInstance\nvpsName: v%d\n' "$i" "$LDAP_VPS_BASE" "$i"
		printf 'vpsOwner: m%d\nvpsVcpus: 1\nvpsMemory: 512\nvpsDisk: 5\n\n' $((i % nmembers))
	done
}
gen_ldif >"$E2E_TMP/big.ldif"
t_need "load $nmembers members and $nvps VPS" ldap_add "$E2E_TMP/big.ldif"
t_check_rc "plain search as the reader: sizeLimitExceeded (4)" 4 \
    ldap_search_reader -b "$LDAP_VPS_BASE" "(objectClass=vpsInstance)" dn

write_conf "$conf" 500
t_check "vps-data-gen with page_size 500" "$gen" -c "$conf"
t_eq "... read everything" "$nmembers members, $nvps VPS, +$nvps -0 ~0" "$(cat "$T_OUT")"
t_eq "... $nvps lines in vps.data" "$nvps" "$(grep -vc '^#' "$data")"
t_eq "... every VPS once" "$nvps" "$(grep -v '^#' "$data" | cut -d: -f1 | sort -u | wc -l)"
t_eq "... ports 20000-22499" "20000 22499" \
    "$(grep -v '^#' "$data" | cut -d: -f6 | sort -n | sed -n '1p;$p' | xargs)"

for ps in 1000 7; do
	write_conf "$E2E_TMP/ps$ps.conf" "$ps"
	t_check "page_size $ps" "$gen" -c "$E2E_TMP/ps$ps.conf" -o -
	t_check "... the same vps.data" cmp "$data" "$T_OUT"
done

# ---- slapd killed in the middle of a paged search (one entry a page)
cp -p "$data" "$E2E_TMP/snap"
before=$(stat -c '%i %s %a %y' "$data")
write_conf "$E2E_TMP/ps1.conf" 1
log=$E2E_TMP/slapd/slapd.log
pages_served()
{
	grep -c 'SEARCH RESULT tag=101 err=0 qtime=[^ ]* etime=[^ ]* nentries=1 ' "$log"
}
served=$(pages_served)
e2e_hold
"$gen" -c "$E2E_TMP/ps1.conf" >"$E2E_TMP/kill.out" 2>"$E2E_TMP/kill.err" 8>&- 9>&- &
genpid=$!
defer e2e_stop_pid "$genpid" vps-data-gen
e2e_release
# Wait until 50 pages were served, without sleeping between looks: the
# whole search is 3,100 pages.
for ((i = 0; i < 100000; i++)); do
	[ $(($(pages_served) - served)) -lt 50 ] || break
	any_alive "$genpid" || break
done
t_check "vps-data-gen is in the middle of its search" any_alive "$genpid"
{ kill -KILL "$SLAPD_PID"; wait "$SLAPD_PID"; } 2>/dev/null
rc=0
wait "$genpid" || rc=$?
t_eq "slapd killed mid-search: exit 1" 1 "$rc"
t_check "... names the failed search" grep -q "search below .* failed: Can't contact LDAP server" "$E2E_TMP/kill.err"
t_check "... vps.data byte-identical" cmp "$E2E_TMP/snap" "$data"
t_eq "... and not replaced" "$before" "$(stat -c '%i %s %a %y' "$data")"

t_done
