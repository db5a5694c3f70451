#!/usr/bin/env bash
# fault-diskfull.sh: the file system fills up while a writer replaces its
# file. A small tmpfs holds vps.data (vps-data-gen writing a result much
# larger than the old file) and the sudoers and sshd rule files
# (sudoers-gen with [access] paths on the tmpfs). Each run that cannot
# write fails with exit 1 and a message naming the file and ENOSPC, the
# old file stays byte-identical (same inode), no temp file is left, and
# once space is freed the next run succeeds.
# Helpers below run through t_check, which shellcheck cannot follow.
# shellcheck disable=SC2317
# shellcheck source=lib.sh
. "$top_srcdir/tests/e2e/lib.sh"
# shellcheck source=fault-lib.sh
. "$top_srcdir/tests/e2e/fault-lib.sh"
e2e_require_root
e2e_require_cmd slapd ldapadd visudo sshd

gen=$top_builddir/vps-data-gen
rules=$top_builddir/sudoers-gen
full=$E2E_TMP/full

mkdir -p "$full"
e2e_hold
mount -t tmpfs -o size=1m,mode=0755 vpshost-e2e-full "$full" &&
    defer umount "$full"
e2e_release $? || bail_out "cannot mount a tmpfs"

# snap FILE / same FILE: content, inode, mode and mtime.
snap()
{
	cp -p "$1" "$E2E_TMP/snap.$(basename "$1")"
	stat -c '%i %s %a %Y' "$1" >"$E2E_TMP/snap.$(basename "$1").stat"
}
same()
{
	cmp "$E2E_TMP/snap.$(basename "$1")" "$1" &&
	    [ "$(stat -c '%i %s %a %Y' "$1")" = \
	    "$(cat "$E2E_TMP/snap.$(basename "$1").stat")" ]
}

# ---- vps.data: vps-data-gen with 2,000 new VPS on a full tmpfs
t_need "slapd starts" start_slapd "$top_srcdir/ldap/vps.ldif"
data=$full/vps.data
conf=$E2E_TMP/vps.conf
fault_conf "$conf" "$data"
{ fault_ldif_members 100; fault_ldif_vps 0 5 100; } >"$E2E_TMP/small.ldif"
t_need "5 VPS in LDAP" ldap_add "$E2E_TMP/small.ldif"
t_need "vps-data-gen writes the small vps.data" "$gen" -c "$conf"
t_eq "... 5 VPS" 5 "$(grep -vc '^#' "$data")"
fault_ldif_vps 5 2005 100 >"$E2E_TMP/big.ldif"
t_need "2,000 more VPS in LDAP" ldap_add "$E2E_TMP/big.ldif"
t_check "the new vps.data is larger than the free space" \
    "$gen" -c "$conf" -o "$E2E_TMP/vps.data.want"
snap "$data"
fault_fill "$full" 16
diag "tmpfs: $(df -k --output=avail "$full" | tail -n1) KiB free," \
    "new vps.data: $(($(stat -c %s "$E2E_TMP/vps.data.want") / 1024)) KiB"
t_check_rc "disk full: vps-data-gen exits 1" 1 "$gen" -c "$conf"
t_check "... saying so, naming the file" grep -Eq \
    "^vps-data-gen: cannot write $full/\.vps\.data\.[A-Za-z0-9]{6}: No space left on device" \
    "$T_ERR"
t_check "... vps.data byte-identical, same inode and mtime" same "$data"
t_check "... no temp file left" fault_no_temp "$data"
rm -f "$full/filler"
t_check "space freed: vps-data-gen succeeds" "$gen" -c "$conf"
t_check "... vps.data is the new one" cmp "$E2E_TMP/vps.data.want" "$data"
t_check "... no temp file left" fault_no_temp "$data"
t_eq "... mode 0640" 640 "$(stat -c %a "$data")"

# ---- sudoers and sshd rules: sudoers-gen on a full tmpfs
rm -f "$data" "$data.lock"
sudoers=$full/sudoers-vps
snippet=$full/sshd-vps.conf
rdata=$E2E_TMP/rules.data
rconf=$E2E_TMP/rules.conf
fault_conf "$rconf" "$rdata" "$sudoers" "$snippet"
fault_rules_data "$rdata" 4
t_need "sudoers-gen installs small rules" "$rules" -c "$rconf"
fault_rules_data "$rdata" 3000
t_check "the new rules" "$rules" -c "$rconf" -o -
diag "new rules: $(($(stat -c %s "$T_OUT") / 1024)) KiB"

# full FREE_KIB LABEL FILE...: with FREE_KIB left, sudoers-gen fails and
# every FILE is unchanged.
full()
{
	local free=$1 label=$2 f
	shift 2
	for f in "$sudoers" "$snippet"; do snap "$f"; done
	fault_fill "$full" "$free"
	t_check_rc "$label: sudoers-gen exits 1" 1 "$rules" -c "$rconf"
	t_check "... naming the file and ENOSPC" grep -Eq \
	    "^sudoers-gen: $1 not installed: cannot write $full/\.$(basename "$1")\.[A-Za-z0-9]{6}: No space left on device" \
	    "$T_ERR"
	for f in "$sudoers" "$snippet"; do
		t_check "... $(basename "$f") byte-identical, same inode" same "$f"
		t_check "... no temp file of $(basename "$f") left" fault_no_temp "$f"
	done
	t_check "... visudo accepts the installed sudoers" visudo -c -q -f "$sudoers"
	t_check "... sshd -t accepts the installed sshd rules" fault_sshd_ok "$snippet"
	rm -f "$full/filler"
}
full 8 "disk full" "$sudoers"

t_check "space freed: sudoers-gen succeeds" "$rules" -c "$rconf"
t_check "... visudo accepts the new sudoers" visudo -c -q -f "$sudoers"
t_check "... sshd -t accepts the new sshd rules" fault_sshd_ok "$snippet"
t_check "... up to date" "$rules" -c "$rconf" --check
t_check "... no temp file left" fault_no_temp "$sudoers"
t_check "... no temp file of the sshd rules left" fault_no_temp "$snippet"

t_done
