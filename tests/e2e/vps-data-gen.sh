#!/usr/bin/env bash
# vps-data-gen.sh: vps-data-gen against a private slapd with the shipped
# schema.
#
# The example directory gives exactly the expected vps.data; hostile
# entries and members are skipped with a warning naming their DN and never
# reach the file; no ldaprc or LDAP* variable changes what is read; every
# failure (wrong password, StartTLS demanded of a server without TLS, an
# empty or shrunken result, slapd gone) exits 1 and leaves vps.data
# byte-identical; a member removed from LDAP loses their VPS line and,
# after sudoers-gen, their sudo rule. The members file is written beside
# vps.data in the same run, and every failure leaves it untouched too.
# System accounts (uidNumber below min_uid, or a local account below it
# such as root or daemon) are neither members nor owners; an owner change
# of an existing VPS is refused until --force hands it over. A vpsHost
# places a new VPS on that [host NAME] (7th field), never moves an existing
# one. Paging is tested in vps-data-gen-paging.sh.
. "$top_srcdir/tests/e2e/lib.sh"
e2e_require_root
e2e_require_cmd slapd ldapadd ldapsearch ldapmodify sudo visudo

gen=$top_builddir/vps-data-gen
data=$E2E_TMP/vps.data
members=$E2E_TMP/members
conf=$E2E_TMP/vps.conf

t_need "slapd starts with ldap/vps.ldif" start_slapd "$top_srcdir/ldap/vps.ldif"

# write_conf FILE [KEY=VALUE...]: a vps.conf for the test directory, read
# as the reader account; KEY=VALUE pairs set or override [ldap] keys.
write_conf()
{
	local f=$1 kv k
	declare -A ldap=([uri]=$LDAP_URI [base]=$LDAP_VPS_BASE
	    [member_base]=$LDAP_PEOPLE_BASE [bind_dn]=$LDAP_READER_DN
	    [bind_password_file]=$LDAP_READER_PW_FILE)
	shift
	for kv in "$@"; do
		ldap[${kv%%=*}]=${kv#*=}
	done
	{
		printf '[vps]\ndata = %s\nmembers = %s\n' "${CONF_DATA:-$data}" \
		    "${CONF_MEMBERS:-$members}"
		printf '[access]\nsudoers = %s\nsshd =\n' "${CONF_SUDOERS:-/nonexistent/sudoers}"
		echo "[ldap]"
		for k in "${!ldap[@]}"; do
			printf '%s = %s\n' "$k" "${ldap[$k]}"
		done
	} >"$f"
}

# keep NAME: save the last check's stdout and stderr as NAME.out/.err.
keep()
{
	cp "$T_OUT" "$E2E_TMP/$1.out"
	cp "$T_ERR" "$E2E_TMP/$1.err"
}

# snap / unchanged: vps.data and the members file byte for byte, same
# inode and times.
snap()
{
	cp -p "$data" "$E2E_TMP/snap"
	cp -p "$members" "$E2E_TMP/snap.members"
	stat -c '%i %s %a %y' "$data" "$members" >"$E2E_TMP/snap.stat"
}
unchanged()
{
	cmp -s "$data" "$E2E_TMP/snap" &&
	    cmp -s "$members" "$E2E_TMP/snap.members" &&
	    [ "$(stat -c '%i %s %a %y' "$data" "$members")" = "$(cat "$E2E_TMP/snap.stat")" ]
}

write_conf "$conf"

# ---- usage
t_check "--help" "$gen" --help
t_check "... shows the synopsis" grep -q '^usage: vps-data-gen' "$T_OUT"
t_check "--version" "$gen" --version
t_check_rc "unknown option: exit 2" 2 "$gen" --bogus
t_check_rc "stray argument: exit 2" 2 "$gen" -c "$conf" extra
t_check_rc "missing config file: exit 1" 1 "$gen" -c "$E2E_TMP/none.conf"
write_conf "$E2E_TMP/bad.conf" "starttls=maybe"
t_check_rc "invalid config: exit 2" 2 "$gen" -c "$E2E_TMP/bad.conf"
t_check "... names file:line" grep -q 'bad.conf:[0-9]' "$T_ERR"

# ---- the example directory
t_need "load ldap/example.ldif" ldap_add "$top_srcdir/ldap/example.ldif"
t_check "first sync" "$gen" -c "$conf"
t_eq "summary line" "2 members, 3 VPS, +3 -0 ~0" "$(cat "$T_OUT")"
cat >"$E2E_TMP/expected" <<'EOF2'
# vps.data: one VPS a line, written by vpshost; see vps.data(5)
# name:owner:vcpus:memory_mib:disk_gib:spice_port
bob1:bob:1:1024:10:5900
db:alice:2:2048:20:5910
web:alice:1:512:5:5901
EOF2
t_check "vps.data is exactly the expected one" cmp "$E2E_TMP/expected" "$data"
t_eq "mode 0640 root" "640 root" "$(stat -c '%a %U' "$data")"
t_check "no temporary file left" test -z "$(find "$E2E_TMP" -maxdepth 1 -name '.vps.data.*' -o -name '.members.*')"
printf '# members: one user name a line, written by vpshost; see vps.data(5)\nalice\nbob\n' \
    >"$E2E_TMP/expected.members"
t_check "members file: the two members" cmp "$E2E_TMP/expected.members" "$members"
t_eq "... mode 0640 root" "640 root" "$(stat -c '%a %U' "$members")"

snap
t_check "second sync" "$gen" -c "$conf"
t_eq "... nothing changed" "2 members, 3 VPS, +0 -0 ~0" "$(cat "$T_OUT")"
t_check "... and the file was not rewritten" unchanged

t_check "-o - prints the data" "$gen" -c "$conf" -o -
keep stdout
t_check "... the same text" cmp "$E2E_TMP/expected" "$E2E_TMP/stdout.out"
t_check "... summary on stderr" grep -q '2 members, 3 VPS' "$E2E_TMP/stdout.err"
t_check "-o FILE" "$gen" -c "$conf" -o "$E2E_TMP/other.data"
t_check "... the same text" cmp "$E2E_TMP/expected" "$E2E_TMP/other.data"
t_check "-o /dev/null" "$gen" -c "$conf" -o /dev/null
t_check "... /dev/null is still a device" test -c /dev/null
mv "$members" "$members.keep"
t_check "-o FILE again" "$gen" -c "$conf" -o "$E2E_TMP/other.data"
t_check_fails "... writes no members file" test -e "$members"
mv "$members.keep" "$members"

# ---- an owner change of an existing VPS is refused until --force
cat >"$E2E_TMP/handover.ldif" <<EOF2
dn: vpsName=web,$LDAP_VPS_BASE
changetype: modify
replace: vpsOwner
vpsOwner: bob
EOF2
snap
t_need "web's owner becomes bob in LDAP" ldap_modify "$E2E_TMP/handover.ldif"
t_check_rc "owner change: refused, exit 1" 1 "$gen" -c "$conf"
keep handover
t_check "... one error naming the DN, old and new owner, --force" grep -qx \
    "vps-data-gen: vpsName=web,$LDAP_VPS_BASE: VPS 'web' changes owner from 'alice' to 'bob': refused; vps-data-gen --force hands it over, with its disk" \
    "$E2E_TMP/handover.err"
t_eq "... only one" 1 "$(grep -c 'changes owner' "$E2E_TMP/handover.err")"
t_check "... vps.data and members untouched" unchanged
t_check_rc "-o - is refused the same way" 1 "$gen" -c "$conf" -o -
t_check_rc "cron keeps failing loudly" 1 "$gen" -c "$conf"
t_check "--force hands it over" "$gen" -c "$conf" --force
keep forced
t_check "... and says so" grep -q \
    "^vps-data-gen: --force: vpsName=web,$LDAP_VPS_BASE: VPS 'web' changes owner from 'alice' to 'bob': handed over" \
    "$E2E_TMP/forced.err"
t_check "... web is bob's now" grep -qx "web:bob:1:512:5:5901" "$data"
sed -i 's/^vpsOwner: bob$/vpsOwner: alice/' "$E2E_TMP/handover.ldif"
t_need "and back to alice in LDAP" ldap_modify "$E2E_TMP/handover.ldif"
t_check "--force hands it back" "$gen" -c "$conf" --force
t_check "... vps.data is the expected one again" cmp "$E2E_TMP/expected" "$data"

# ---- libldap reads no ldaprc, LDAPRC or LDAP* variables
# Each would make the connection fail: binding the client socket to an
# address the host does not have, or another server and account.
mkdir -m 0700 "$E2E_TMP/rcdir"
echo "SOCKET_BIND_ADDRESSES 192.0.2.1" >"$E2E_TMP/rcdir/ldaprc"
cp "$E2E_TMP/rcdir/ldaprc" "$E2E_TMP/rcdir/.ldaprc"
cp "$E2E_TMP/rcdir/ldaprc" "$E2E_TMP/rcdir/myrc"
in_rcdir()
{
	(cd "$E2E_TMP/rcdir" && HOME=$E2E_TMP/rcdir LDAPRC=myrc \
	    LDAPSOCKET_BIND_ADDRESSES=192.0.2.1 LDAPURI=ldap://127.0.0.1:1 \
	    LDAPBINDDN=cn=nobody LDAPTLS_REQCERT=demand "$@")
}
t_check_fails "(the ldaprc does break ldapsearch)" in_rcdir \
    ldapsearch -x -H "$LDAP_URI" -b "$LDAP_BASE" -s base dn
t_check "vps-data-gen ignores ldaprc, .ldaprc, LDAPRC and LDAP*" \
    in_rcdir "$gen" -c "$conf" -o -
t_check "... and reads the same" cmp "$E2E_TMP/expected" "$T_OUT"

# ---- hostile entries
# hostile_vps CN NAME OWNER VCPUS MEMORY DISK [PORT]: values base64, so a
# newline or a leading blank gets through LDIF unharmed.
b64() { printf '%s' "$1" | base64 -w0; }
hostile_vps()
{
	printf 'dn: cn=%s,%s\nobjectClass: vpsInstance\ncn: %s\n' "$1" "$LDAP_VPS_BASE" "$1"
	printf 'vpsName:: %s\nvpsOwner:: %s\n' "$(b64 "$2")" "$(b64 "$3")"
	printf 'vpsVcpus: %s\nvpsMemory: %s\nvpsDisk: %s\n' "$4" "$5" "$6"
	[ -z "${7:-}" ] || printf 'vpsSpicePort: %s\n' "$7"
	echo
}
{
	hostile_vps slash "a/b" alice 1 512 5
	hostile_vps dotdot ".." alice 1 512 5
	hostile_vps path "../../etc/passwd" alice 1 512 5
	hostile_vps newline $'evil\nroot:x:0:0' alice 1 512 5
	hostile_vps sudoers "x ALL=(ALL) NOPASSWD: ALL" alice 1 512 5
	hostile_vps colon "x:alice:1:64:1:22" alice 1 512 5
	hostile_vps ownerall good1 ALL 1 512 5
	hostile_vps ownerpct good2 "%sudo" 1 512 5
	hostile_vps negative good3 alice -1 512 5
	hostile_vps huge good4 alice 1 99999999999999999999999 5
	hostile_vps zero good5 alice 1 512 0
	hostile_vps lowport good6 alice 1 512 5 22
	hostile_vps dupport1 good7 alice 1 512 5 6500
	hostile_vps dupport2 good8 bob 1 512 5 6500
	hostile_vps takenport good9 bob 1 512 5 5910
	hostile_vps dupname1 twin alice 1 512 5
	hostile_vps dupname2 twin bob 1 512 5
	# one valid newcomer among them
	hostile_vps fine fine bob 2 1024 8
} >"$E2E_TMP/hostile.ldif"
t_need "load hostile entries" ldap_add "$E2E_TMP/hostile.ldif"
t_check "sync with hostile entries" "$gen" -c "$conf"
keep hostile
t_eq "only the valid newcomer was added" "2 members, 4 VPS, +1 -0 ~0" "$(cat "$T_OUT")"
for cn in slash dotdot path newline sudoers colon ownerall ownerpct \
    negative huge zero lowport takenport; do
	t_check "warning names cn=$cn" grep -q "^vps-data-gen: cn=$cn,$LDAP_VPS_BASE: " "$E2E_TMP/hostile.err"
done
t_check "duplicate port: both DNs named" grep -q \
    "vpsSpicePort shared by cn=dupport1,$LDAP_VPS_BASE, cn=dupport2,$LDAP_VPS_BASE: all skipped" "$E2E_TMP/hostile.err"
t_check "duplicate name: both DNs named" grep -q \
    "vpsName shared by cn=dupname1,$LDAP_VPS_BASE, cn=dupname2,$LDAP_VPS_BASE: all skipped" "$E2E_TMP/hostile.err"
t_check "no control character reaches stderr" \
    bash -c "! LC_ALL=C grep -q \$'[\\x01-\\x09\\x0b-\\x1f\\x7f]' '$E2E_TMP/hostile.err'"
{ cat "$E2E_TMP/expected"; echo "fine:bob:2:1024:8:5902"; } |
    { read -r h1; read -r h2; echo "$h1"; echo "$h2"; sort; } >"$E2E_TMP/expected2"
t_check "vps.data holds exactly the valid entries" cmp "$E2E_TMP/expected2" "$data"
t_check "sudoers-gen accepts it" "$top_builddir/sudoers-gen" -c "$conf" -o -

# ---- escaping: a uid "*)(uid=*" cannot widen the membership
cat >"$E2E_TMP/star.ldif" <<EOF2
dn: cn=star,$LDAP_PEOPLE_BASE
objectClass: inetOrgPerson
objectClass: posixAccount
cn: star
sn: star
uid: *)(uid=*
uidNumber: 10666
gidNumber: 10666
homeDirectory: /nonexistent

EOF2
{
	hostile_vps mallory1 mallory1 mallory 1 512 5
	hostile_vps star1 star1 "*)(uid=*" 1 512 5
	hostile_vps star2 star2 "*" 1 512 5
} >>"$E2E_TMP/star.ldif"
t_need "load a '*)(uid=*' member and VPS of non-members" ldap_add "$E2E_TMP/star.ldif"
t_check "sync" "$gen" -c "$conf"
keep star
t_eq "still 2 members and 4 VPS" "2 members, 4 VPS, +0 -0 ~0" "$(cat "$T_OUT")"
t_check "the '*)(uid=*' member is skipped" grep -q \
    "cn=star,$LDAP_PEOPLE_BASE: member skipped: uid: " "$E2E_TMP/star.err"
t_check "mallory (no entry) is not a member" grep -q \
    "VPS 'mallory1' left out: owner 'mallory' is not a member" "$E2E_TMP/star.err"
t_check "owner '*)(uid=*' is invalid" grep -q "cn=star1,$LDAP_VPS_BASE: skipped: vpsOwner: " "$E2E_TMP/star.err"
t_check "vps.data unchanged" cmp "$E2E_TMP/expected2" "$data"

# ---- system accounts own nothing and are no members: a root member
# (uidNumber 0), one below min_uid, and one whose name is a local system
# account (daemon) whatever its uidNumber
dmn_uid=$(id -u daemon)
system_member()
{
	printf 'dn: uid=%s,%s\nobjectClass: account\nobjectClass: posixAccount\n' "$1" "$LDAP_PEOPLE_BASE"
	printf 'uid: %s\ncn: %s\nuidNumber: %s\ngidNumber: %s\nhomeDirectory: /\n\n' "$1" "$1" "$2" "$2"
}
{
	system_member root 0
	system_member sysacct 999
	system_member daemon 20001
	hostile_vps rootvm rootvm root 1 512 5
	hostile_vps sysvm sysvm sysacct 1 512 5
	hostile_vps daemonvm daemonvm daemon 1 512 5
} >"$E2E_TMP/system.ldif"
t_need "load system-account members owning a VPS each" ldap_add "$E2E_TMP/system.ldif"
snap
t_check "sync" "$gen" -c "$conf"
keep system
t_eq "still 2 members and 4 VPS" "2 members, 4 VPS, +0 -0 ~0" "$(cat "$T_OUT")"
t_check "root's VPS left out naming its DN" grep -q \
    "cn=rootvm,$LDAP_VPS_BASE: VPS 'rootvm' left out: owner 'root' is a system account (uidNumber 0 < 1000)" \
    "$E2E_TMP/system.err"
t_check "uidNumber 999: VPS left out" grep -q \
    "cn=sysvm,$LDAP_VPS_BASE: VPS 'sysvm' left out: owner 'sysacct' is a system account (uidNumber 999 < 1000)" \
    "$E2E_TMP/system.err"
t_check "local daemon: VPS left out" grep -q \
    "cn=daemonvm,$LDAP_VPS_BASE: VPS 'daemonvm' left out: owner 'daemon' is a system account (local uid $dmn_uid < 1000)" \
    "$E2E_TMP/system.err"
t_check "root's member entry named" grep -q \
    "uid=root,$LDAP_PEOPLE_BASE: member 'root' left out: a system account" "$E2E_TMP/system.err"
t_check "vps.data and the members file unchanged" unchanged
t_need "remove them again" ldap_delete "uid=root,$LDAP_PEOPLE_BASE" \
    "uid=sysacct,$LDAP_PEOPLE_BASE" "uid=daemon,$LDAP_PEOPLE_BASE" \
    "cn=rootvm,$LDAP_VPS_BASE" "cn=sysvm,$LDAP_VPS_BASE" "cn=daemonvm,$LDAP_VPS_BASE"

# ---- failures leave vps.data byte-identical
snap
printf 'wrong-password' >"$E2E_TMP/wrongpw"
write_conf "$E2E_TMP/wrongpw.conf" "bind_password_file=$E2E_TMP/wrongpw"
t_check_rc "wrong password: exit 1" 1 "$gen" -c "$E2E_TMP/wrongpw.conf"
t_check "... says the bind failed" grep -q "bind as $LDAP_READER_DN to $LDAP_URI failed: Invalid credentials" "$T_ERR"
t_check "... vps.data untouched" unchanged

write_conf "$E2E_TMP/tls.conf" "starttls=demand"
t_check_rc "StartTLS demanded of a server without TLS: exit 1" 1 "$gen" -c "$E2E_TMP/tls.conf"
t_check "... says StartTLS failed" grep -q "StartTLS with $LDAP_URI failed" "$T_ERR"
t_check "... vps.data untouched" unchanged
write_conf "$E2E_TMP/try.conf" "starttls=try"
t_check "starttls = try goes on without TLS" "$gen" -c "$E2E_TMP/try.conf" -o -
t_check "... with a warning" grep -q "going on without TLS" "$T_ERR"

write_conf "$E2E_TMP/nobase.conf" "base=ou=nothing,$LDAP_BASE"
t_check_rc "base that does not exist: exit 1" 1 "$gen" -c "$E2E_TMP/nobase.conf"
t_check "... No such object" grep -q "No such object" "$T_ERR"
t_check "... vps.data untouched" unchanged

# rc 0 but no entries: a filter typo, and a bind account without access
write_conf "$E2E_TMP/typo.conf" "member_filter=(objectClass=posixAcount)"
t_check_rc "filter typo (no members): refused, exit 1" 1 "$gen" -c "$E2E_TMP/typo.conf"
t_check "... the result has no VPS" grep -q "the result has no VPS, vps.data has 4" "$T_ERR"
t_check "... vps.data untouched" unchanged
cat >"$E2E_TMP/acl-deny.ldif" <<EOF2
dn: olcDatabase={1}mdb,cn=config
changetype: modify
add: olcAccess
olcAccess: {1}to dn.children="$LDAP_VPS_BASE" by dn.exact="$LDAP_READER_DN" none by * read
EOF2
t_need "deny the reader access below ou=vps" ldap_config_modify "$E2E_TMP/acl-deny.ldif"
t_check "... ldapsearch as reader: success, 0 entries" ldap_search_reader \
    -b "$LDAP_VPS_BASE" "(objectClass=vpsInstance)" dn
t_eq "... really 0 entries" 0 "$(grep -c '^dn:' "$T_OUT")"
t_check_rc "no read access (0 VPS): refused, exit 1" 1 "$gen" -c "$conf"
t_check "... vps.data untouched" unchanged
t_check "-o - is refused the same way" test 1 -eq "$("$gen" -c "$conf" -o - >/dev/null 2>&1; echo $?)"
t_check "--force writes the empty result" "$gen" -c "$conf" --force
t_eq "... summary" "2 members, 0 VPS, +0 -4 ~0" "$(cat "$T_OUT")"
cp "$E2E_TMP/snap" "$data"
cat >"$E2E_TMP/acl-allow.ldif" <<EOF2
dn: olcDatabase={1}mdb,cn=config
changetype: modify
delete: olcAccess
olcAccess: {1}
EOF2
t_need "give the reader access again" ldap_config_modify "$E2E_TMP/acl-allow.ldif"

# 50% shrink: two of the four VPS go
snap
t_need "delete two VPS" ldap_delete "vpsName=web,$LDAP_VPS_BASE" "cn=fine,$LDAP_VPS_BASE"
t_check_rc "50% shrink: refused, exit 1" 1 "$gen" -c "$conf"
t_check "... says why" grep -q "2 of the 4 VPS in vps.data would be removed, more than max_shrink_percent (20%)" "$T_ERR"
t_check "... vps.data untouched" unchanged
write_conf "$E2E_TMP/shrink50.conf" "max_shrink_percent=50"
t_check "max_shrink_percent = 50 allows it" "$gen" -c "$E2E_TMP/shrink50.conf"
t_eq "... summary" "2 members, 2 VPS, +0 -2 ~0" "$(cat "$T_OUT")"

# ---- a member removed from LDAP loses their line and their sudo rule
alice=$(e2e_name a)
bob=$(e2e_name b)
sudoers=/etc/sudoers.d/$(e2e_name rules | tr -d -- -)
CONF_DATA=$E2E_TMP/members.data CONF_MEMBERS=$E2E_TMP/members2 \
    CONF_SUDOERS=$sudoers write_conf "$E2E_TMP/members.conf" "max_shrink_percent=50"
defer rm -f "$sudoers"
t_need "local account $alice" add_member "$alice" /bin/sh
t_need "local account $bob" add_member "$bob" /bin/sh
{
	for u in "$alice" "$bob"; do
		printf 'dn: uid=%s,%s\nobjectClass: account\nobjectClass: posixAccount\n' "$u" "$LDAP_PEOPLE_BASE"
		printf 'uid: %s\ncn: %s\nuidNumber: %s\ngidNumber: %s\nhomeDirectory: /home/%s\n\n' \
		    "$u" "$u" "$(id -u "$u")" "$(id -g "$u")" "$u"
	done
	hostile_vps "vm-$alice" "${alice:0:26}-vm" "$alice" 1 512 5
	hostile_vps "vm-$bob" "${bob:0:26}-vm" "$bob" 1 512 5
} >"$E2E_TMP/members.ldif"
t_need "two more members with a VPS each" ldap_add "$E2E_TMP/members.ldif"
t_check "sync" "$gen" -c "$E2E_TMP/members.conf"
t_check "... $bob's VPS is in vps.data" grep -q "^${bob:0:26}-vm:$bob:" "$E2E_TMP/members.data"
t_check "sudoers-gen" "$top_builddir/sudoers-gen" -c "$E2E_TMP/members.conf"
t_check "sudo -l -U $bob" sudo -n -l -U "$bob"
t_check "... $bob may run --serve on their VPS" grep -q -- "--serve ${bob:0:26}-vm" "$T_OUT"
t_need "remove $bob from LDAP" ldap_delete "uid=$bob,$LDAP_PEOPLE_BASE"
t_check "sync" "$gen" -c "$E2E_TMP/members.conf"
t_check "... says $bob is no member" grep -q "owner '$bob' is not a member" "$T_ERR"
t_check "... $bob's VPS is gone from vps.data" bash -c "! grep -q ':$bob:' '$E2E_TMP/members.data'"
t_check "... $alice's is still there" grep -q "^${alice:0:26}-vm:$alice:" "$E2E_TMP/members.data"
t_check_fails "... $bob is gone from the members file" grep -qx "$bob" "$E2E_TMP/members2"
t_check "... $alice is still in it" grep -qx "$alice" "$E2E_TMP/members2"
t_check "sudoers-gen" "$top_builddir/sudoers-gen" -c "$E2E_TMP/members.conf"
t_check "sudo -l -U $bob" sudo -n -l -U "$bob"
t_check "... $bob may run nothing" grep -q "is not allowed to run sudo" "$T_OUT"
t_check "sudo -l -U $alice" sudo -n -l -U "$alice"
t_check "... $alice keeps --serve" grep -q -- "--serve ${alice:0:26}-vm" "$T_OUT"

# ---- vpsHost: a new VPS goes to its host, an existing one never moves
CONF_DATA=$E2E_TMP/hosts.data CONF_MEMBERS=$E2E_TMP/hosts.members \
    write_conf "$E2E_TMP/hosts.conf"
printf '[host hv2]\nuri = qemu+tcp://127.0.0.1:1/system\nspice_listen = 127.0.0.2\n' \
    >>"$E2E_TMP/hosts.conf"
CONF_DATA=$E2E_TMP/hosts.data CONF_MEMBERS=$E2E_TMP/hosts.members \
    write_conf "$E2E_TMP/nohosts.conf"
host_vps()
{
	printf 'dn: cn=%s,%s\nobjectClass: vpsInstance\ncn: %s\n' "$1" "$LDAP_VPS_BASE" "$1"
	printf 'vpsName: %s\nvpsOwner: alice\nvpsVcpus: 1\nvpsMemory: 512\nvpsDisk: 5\n' "$1"
	printf 'vpsHost: %s\n\n' "$2"
}
{
	host_vps onhv2 hv2
	host_vps onhv9 hv9
	host_vps badhost hv_2
} >"$E2E_TMP/hosts.ldif"
t_need "load VPS with a vpsHost" ldap_add "$E2E_TMP/hosts.ldif"
# Starting from the current vps.data, whose VPS keep their ports.
cp -p "$data" "$E2E_TMP/hosts.data"
t_check "sync with [host hv2]" "$gen" -c "$E2E_TMP/hosts.conf"
keep hosts
t_check "onhv2 is on hv2 (7th field)" grep -qx 'onhv2:alice:1:512:5:[0-9]*:hv2' "$E2E_TMP/hosts.data"
t_check "db keeps six fields" grep -qx 'db:alice:2:2048:20:5910' "$E2E_TMP/hosts.data"
t_check "no other line has a host" test 1 -eq "$(grep -c ':hv' "$E2E_TMP/hosts.data")"
t_check "a host without [host] group: skipped, DN named" grep -q \
    "^vps-data-gen: cn=onhv9,$LDAP_VPS_BASE: skipped: vpsHost 'hv9' has no \\[host hv9\\] group in vps.conf" \
    "$E2E_TMP/hosts.err"
t_check "an invalid vpsHost: skipped, DN named" grep -q \
    "^vps-data-gen: cn=badhost,$LDAP_VPS_BASE: skipped: vpsHost: invalid character" \
    "$E2E_TMP/hosts.err"
t_check "sudoers-gen accepts it" "$top_builddir/sudoers-gen" -c "$E2E_TMP/hosts.conf" -o -
t_check "... onhv2 is alice's as any other" grep -q -- "--serve onhv2" "$T_OUT"
t_check_rc "sudoers-gen without [host hv2]: refused, exit 2" 2 \
    "$top_builddir/sudoers-gen" -c "$E2E_TMP/nohosts.conf" -o -
t_check "... naming the line, the VPS and the host" grep -q \
    "hosts.data:[0-9]*: VPS onhv2 is on host hv2, which has no \\[host hv2\\] group" "$T_ERR"
cat >"$E2E_TMP/move.ldif" <<EOF2
dn: cn=onhv2,$LDAP_VPS_BASE
changetype: modify
replace: vpsHost
vpsHost: hv3
EOF2
cp -p "$E2E_TMP/hosts.data" "$E2E_TMP/hosts.snap"
t_need "LDAP moves onhv2 to hv3" ldap_modify "$E2E_TMP/move.ldif"
t_check "sync" "$gen" -c "$E2E_TMP/hosts.conf"
t_check "... onhv2 stays on hv2, with a warning" grep -q \
    "cn=onhv2,$LDAP_VPS_BASE: vpsHost 'hv3' ignored: VPS 'onhv2' stays on host 'hv2' of vps.data" "$T_ERR"
t_check "... vps.data unchanged" cmp "$E2E_TMP/hosts.snap" "$E2E_TMP/hosts.data"
printf 'dn: cn=onhv2,%s\nchangetype: modify\ndelete: vpsHost\n' "$LDAP_VPS_BASE" >"$E2E_TMP/nohost.ldif"
t_need "LDAP drops onhv2's vpsHost" ldap_modify "$E2E_TMP/nohost.ldif"
t_check "sync" "$gen" -c "$E2E_TMP/hosts.conf"
t_check_fails "... no warning about onhv2" grep -q "cn=onhv2," "$T_ERR"
t_check "... onhv2 keeps hv2, silently" cmp "$E2E_TMP/hosts.snap" "$E2E_TMP/hosts.data"
t_check "without [host hv2] the sync keeps it too" "$gen" -c "$E2E_TMP/nohosts.conf" -o -
keep nohosts
t_check "... and warns" grep -q \
    "cn=onhv2,$LDAP_VPS_BASE: VPS 'onhv2' is on host 'hv2', which has no \\[host hv2\\] group" \
    "$E2E_TMP/nohosts.err"
t_check "... still on hv2" grep -qx 'onhv2:alice:1:512:5:[0-9]*:hv2' "$E2E_TMP/nohosts.out"
t_need "remove the host entries" ldap_delete "cn=onhv2,$LDAP_VPS_BASE" \
    "cn=onhv9,$LDAP_VPS_BASE" "cn=badhost,$LDAP_VPS_BASE"

# ---- slapd stopped
snap
t_check "stop slapd" e2e_stop_pid "$SLAPD_PID" slapd
t_check_rc "slapd stopped: exit 1" 1 "$gen" -c "$conf"
t_check "... Can't contact LDAP server" grep -q "Can't contact LDAP server" "$T_ERR"
t_check "... vps.data untouched" unchanged

t_done
