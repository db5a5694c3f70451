#!/usr/bin/env bash
# vps-doctor.sh: vps-doctor on a host set up as the menu tests set one up
# (members, vps.data, sudoers and sshd rules from sudoers-gen, a private
# sshd, the test libvirtd with a network), where no check fails; then
# every check is made to fail once, each by what an admin might get wrong,
# and the doctor must say FAIL (WARN for LDAP) with a fix, and exit 1. It
# never changes the host: no domain is left behind by its probes.
# Helpers below run through t_check, which shellcheck cannot follow.
# shellcheck disable=SC2317,SC2154
# shellcheck source=lib.sh
. "$top_srcdir/tests/e2e/lib.sh"
# shellcheck source=virsh-menu-lib.sh
. "$top_srcdir/tests/e2e/virsh-menu-lib.sh"
# shellcheck source=admin-lib.sh
. "$top_srcdir/tests/e2e/admin-lib.sh"
e2e_require_root
e2e_require_cmd libvirtd virsh qemu-system-x86_64 sudo visudo sshd \
    python3 socat

# The probes may wait for libvirtd to probe QEMU anew after /dev/kvm
# changed.
E2E_TIMEOUT=240
doctor=$top_builddir/vps-doctor
t_need "libvirtd is up" start_libvirtd
t_need "the menu's world" menu_setup
xmldir=$E2E_TMP/xml
t_need "package data" admin_data "$xmldir"
net=$(e2e_name net)
t_need "isolated network" make_libvirt_net "$net"
t_need "... autostarted" e2e_virsh net-autostart "$net"
t_need "an ISO in the library" install -m 0644 /dev/null "$ISODIR/rescue.iso"

# The host as the doctor should find it: the menu's vps.conf plus the
# package data, the network and a storage directory.
good=$E2E_TMP/doctor.conf
{
	sed "s|^\\[vps\\]\$|[vps]\\ntemplate_dir = $xmldir|" "$CONF"
	printf '[network]\nnetwork = %s\n' "$net"
	printf '[storage]\nbackend = file\ndir = %s\n' "$E2E_TMP/disks"
} >"$good"

# doc [OPTIONS...]: the doctor against the good host, with OPTIONS
# (-c FILE, --sshd-config FILE, ...) overriding.
doc()
{
	local conf=$good
	if [ "${1:-}" = -c ]; then
		conf=$2
		shift 2
	fi
	"$doctor" -c "$conf" --sshd-config "$SSHD_CONFIG" "$@"
}

# variant GROUP KEY VALUE: the good configuration with KEY of [GROUP]
# set to VALUE (added, or replacing the line), in a new file; its name
# on stdout.
variant()
{
	local out
	out=$E2E_TMP/doctor-$1-$2-$RANDOM.conf
	python3 - "$good" "$1" "$2" "$3" >"$out" <<-'EOF'
	import sys
	path, group, key, value = sys.argv[1:]
	out, cur, done = [], None, False
	for line in open(path).read().splitlines():
	    s = line.strip()
	    if s.startswith('['):
	        if cur == group and not done:
	            out.append('%s = %s' % (key, value)); done = True
	        cur = s[1:-1]
	    elif cur == group and s.split('=')[0].strip() == key:
	        if not done:
	            out.append('%s = %s' % (key, value)); done = True
	        continue
	    out.append(line)
	if not done:
	    if cur != group:
	        out.append('[%s]' % group)
	    out.append('%s = %s' % (key, value))
	print('\n'.join(out))
	EOF
	echo "$out"
}

# line CHECK: the doctor's line for CHECK in $LAST.
line()
{
	awk -v c="$1" '$2 == c { print; exit }' "$LAST"
}

# fails CHECK DESC [STATUS] -- ARGS...: the doctor with ARGS exits 1 and
# says STATUS (FAIL) for CHECK, with a fix. Its output stays in $LAST.
LAST=$E2E_TMP/last.out
fails()
{
	local check=$1 desc=$2 status=FAIL
	shift 2
	if [ "$1" != -- ]; then
		status=$1
		shift
	fi
	shift
	if [ "$status" = FAIL ]; then
		t_check_rc "$check fails: $desc" 1 doc "$@"
	else
		t_check "$check warns: $desc" doc "$@"
	fi
	cp "$T_OUT" "$LAST"
	diag "$(line "$check")"
	t_check "... the $check line says $status" \
	    grep -q "^$status  *$check " "$LAST"
	t_check "... with a fix" bash -c \
	    "grep -A1 '^$status  *$check ' '$LAST' | grep -q 'fix: '"
}

# probes_gone: no probe domain is left behind.
probes_gone()
{
	! e2e_virsh list --all --name | grep -q '^vpshost-Probe-'
}

# ---- the good host
t_check "vps-doctor passes (exit 0)" doc
diag <"$T_OUT"
cp "$T_OUT" "$E2E_TMP/good.out"
t_check "no FAIL" bash -c "! grep -q '^FAIL' '$E2E_TMP/good.out'"
for c in config data libvirt kvm cpu nwfilter network storage snapshots iso \
    sudoers-include rules sshd-include sshd-env members spice-ports; do
	t_check "the good host has a line for $c" \
	    grep -Eq "^(OK|WARN)  *$c " "$E2E_TMP/good.out"
done
t_check "only kvm and cpu may warn (the machine's KVM)" bash -c \
    "! grep -E '^WARN' '$E2E_TMP/good.out' | grep -vEq '^WARN +(kvm|cpu) '"
t_check "no probe domain left behind" probes_gone
t_check "--json" doc --json
t_check "--json is one JSON document with every check" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["fail"] == 0 and d["ok"] + d["warn"] == len(d["checks"])
for c in d["checks"]:
    assert set(c) == {"check", "status", "message", "fix"}
    assert (c["fix"] is None) == (c["status"] == "OK")
' "$T_OUT"
t_check_rc "bad usage: exit 2" 2 "$doctor" --no-such-option
t_check_rc "an argument: exit 2" 2 "$doctor" extra

# ---- each check fails once
printf '[vps]\nbogus = 1\n' >"$E2E_TMP/bad.conf"
fails config "unknown key" -- -c "$E2E_TMP/bad.conf"
t_check "... naming file and line" grep -q "bad.conf:2: unknown key" \
    "$LAST"
# Files root relies on must be root's alone, and so must their directories.
cp "$good" "$E2E_TMP/open.conf" && chmod 0664 "$E2E_TMP/open.conf"
fails config "group-writable vps.conf" -- -c "$E2E_TMP/open.conf"
t_check "... which every root tool refuses" grep -q \
    "open.conf must be owned by root and writable only by root" "$LAST"
mkdir -m 0775 "$E2E_TMP/open" && cp "$DATA" "$E2E_TMP/open/vps.data"
fails data "vps.data below a group-writable directory" -- \
    -c "$(variant vps data "$E2E_TMP/open/vps.data")"
t_check "... naming the directory" grep -q \
    "directory $E2E_TMP/open must be owned by root" "$LAST"

printf 'bad line\n' >"$E2E_TMP/bad.data"
fails data "invalid vps.data" -- -c "$(variant vps data "$E2E_TMP/bad.data")"
t_check "... naming file and line" grep -q "bad.data:1:" "$LAST"

fails libvirt "nothing at uri" -- \
    -c "$(variant vps uri "qemu+tcp://127.0.0.1:$(free_port)/system")"

# kvm: with virt_type = kvm a KVM the QEMU user cannot open is a FAIL.
if [ -e /dev/kvm ]; then
	kmode=$(stat -c %a /dev/kvm)
	kowner=$(stat -c %u:%g /dev/kvm)
	defer chown "$kowner" /dev/kvm
	defer chmod "$kmode" /dev/kvm
	chown root:root /dev/kvm && chmod 0600 /dev/kvm
	fails kvm "virt_type = kvm, /dev/kvm root-only" -- \
	    -c "$(variant vps virt_type kvm)"
	t_check "... with QEMU's reason" grep -qi "permission denied" "$LAST"
	t_check "... and the device's state as hint" grep -q \
	    "/dev/kvm is 0600" "$LAST"
	chown "$kowner" /dev/kvm && chmod "$kmode" /dev/kvm
else
	fails kvm "virt_type = kvm, no /dev/kvm" -- \
	    -c "$(variant vps virt_type kvm)"
fi

qconf=$(variant vps virt_type qemu)
cp "$qconf" "$E2E_TMP/qemu.conf"
good=$E2E_TMP/qemu.conf
fails cpu "a model TCG cannot run" -- -c "$(variant vps cpu Icelake-Server)"
t_check "... with the reason" grep -q "incompatible with host CPU" "$LAST"
# The member whose VPS has such a CPU reads the same reason at start.
cpu_xml()
{
	e2e_virsh dumpxml --inactive --security-info "$A2" | sed \
	    "s|</vcpu>|</vcpu><cpu mode='custom' match='exact' check='partial'><model fallback='forbid'>Icelake-Server</model></cpu>|" \
	    >"$E2E_TMP/a2-cpu.xml" && e2e_virsh define "$E2E_TMP/a2-cpu.xml"
}
t_check "$A2 gets a CPU TCG cannot run" cpu_xml
t_check_rc "the member's start fails: exit 1" 1 ssh_as "$ALICE" use "$A2" start
cat "$T_OUT" "$T_ERR" >"$LAST"
diag <"$LAST"
t_check "... and gives the reason" grep -q "incompatible with host CPU" \
    "$LAST"
t_eq "... on one line" 1 "$(grep -c . "$LAST")"
fails cpu "a model libvirt does not know" -- \
    -c "$(variant vps cpu NoSuchCPU-v9)"
fails network "no such libvirt network" -- \
    -c "$(variant network network "$(e2e_name nonet)")"
fails nwfilter "no such nwfilter" -- \
    -c "$(variant network filter "$(e2e_name nofilter)")"
fails storage "no storage directory" -- \
    -c "$(variant storage dir "$E2E_TMP/no-such-dir")"
# snapshots: a directory on a file system smaller than the largest disk
# cannot hold the next snapshot's copy (WARN); max_per_vps = 0 turns the
# check off.
mkdir -m 0711 "$E2E_TMP/small"
t_check "a 16 MiB tmpfs for images" mount -t tmpfs -o size=16m,mode=0711 \
    vps-doctor-small "$E2E_TMP/small"
defer umount "$E2E_TMP/small"
fails snapshots "less room than the largest disk" WARN -- \
    -c "$(variant storage dir "$E2E_TMP/small")"
t_check "... naming the directory and the sizes" grep -Eq \
    "^WARN  *snapshots  *directory $E2E_TMP/small has 1[56] MiB free, less than the [0-9]+ MiB" \
    "$LAST"
t_check "... the fix names max_per_vps" grep -q "max_per_vps" "$LAST"
sconf=$(variant storage dir "$E2E_TMP/small")
printf '[snapshots]\nmax_per_vps = 0\n' >>"$sconf"
t_check "max_per_vps = 0: snapshots off" doc -c "$sconf"
cp "$T_OUT" "$LAST"
t_check "... the snapshots line is OK and says off" grep -q \
    "^OK  *snapshots .*off (\[snapshots\] max_per_vps = 0)" "$LAST"
fails storage "no storage directory, no snapshots line" -- \
    -c "$(variant storage dir "$E2E_TMP/no-such-dir")"
t_check "... no snapshots line (storage failed)" bash -c \
    "! grep -q ' snapshots ' '$LAST'"
fails iso "no ISO library" -- -c "$(variant vps iso_dir "$E2E_TMP/no-iso")"
# A library that others can change: the menu refuses it, the doctor FAILs.
mkdir -m 0775 "$E2E_TMP/iso-gw" && chmod 0775 "$E2E_TMP/iso-gw"
fails iso "a group-writable ISO library" -- \
    -c "$(variant vps iso_dir "$E2E_TMP/iso-gw")"
t_check "... naming the directory and why" grep -q \
    "$E2E_TMP/iso-gw is writable by group or others" "$LAST"
t_check "... chmod go-w in the fix" grep -q "chmod go-w DIR" "$LAST"
mkdir -m 0755 "$E2E_TMP/iso-member" && chown "$ALICE" "$E2E_TMP/iso-member"
fails iso "an ISO library owned by a member" -- \
    -c "$(variant vps iso_dir "$E2E_TMP/iso-member")"
t_check "... not owned by root" grep -q "iso-member is not owned by root" \
    "$LAST"
ln -s "$ISODIR" "$E2E_TMP/iso-link"
fails iso "an ISO library named through a symbolic link" -- \
    -c "$(variant vps iso_dir "$E2E_TMP/iso-link")"
# Unsafe ISOs in a safe library: a WARN each, with the fix.
mkdir -m 0755 "$E2E_TMP/iso-bad" && chmod 0755 "$E2E_TMP/iso-bad"
install -m 0644 /dev/null "$E2E_TMP/iso-bad/ok.iso"
install -m 0644 /dev/null "$E2E_TMP/hard"
ln "$E2E_TMP/hard" "$E2E_TMP/iso-bad/hard.iso"
ln -s /etc/shadow "$E2E_TMP/iso-bad/shadow.iso"
install -m 0644 -o "$ALICE" /dev/null "$E2E_TMP/iso-bad/member.iso"
fails iso "unsafe ISOs in the library" WARN -- \
    -c "$(variant vps iso_dir "$E2E_TMP/iso-bad")"
for f in "hard.iso is not safe: has more than one hard link" \
    "shadow.iso is not safe: a symbolic link" \
    "member.iso is not safe: not owned by root"; do
	t_check "... WARN: $f" grep -q "^WARN  *iso .*$f" "$LAST"
done
t_check "... the good one is counted" grep -q "^OK  *iso .*: 1 ISO$" "$LAST"

grep -v 'includedir' /etc/sudoers >"$E2E_TMP/sudoers.main"
fails sudoers-include "the main sudoers file lacks @includedir" -- \
    --sudoers "$E2E_TMP/sudoers.main"

cp "$DATA" "$E2E_TMP/grown.data"
printf '%s:%s:1:128:1:%s\n' "$(e2e_name new)" "$ALICE" "$(free_port)" \
    >>"$E2E_TMP/grown.data"
fails rules "vps.data changed, sudoers-gen not run" -- \
    -c "$(variant vps data "$E2E_TMP/grown.data")"

{ cat "$SSHD_CONFIG"; echo "NoSuchOption yes"; } >"$E2E_TMP/sshd-bad"
fails sshd "sshd -t refuses its configuration" -- \
    --sshd-config "$E2E_TMP/sshd-bad"
grep -v '^Include' "$SSHD_CONFIG" >"$E2E_TMP/sshd-noinclude"
fails sshd-include "sshd_config lacks the Include" -- \
    --sshd-config "$E2E_TMP/sshd-noinclude"
{ echo "AcceptEnv LD_* BASH_ENV"; cat "$SSHD_CONFIG"; } >"$E2E_TMP/sshd-env"
fails sshd-env "AcceptEnv LD_* BASH_ENV" -- --sshd-config "$E2E_TMP/sshd-env"
t_check "... naming the variable" grep -q "LD_PRELOAD" "$LAST"

cp "$DATA" "$E2E_TMP/stranger.data"
printf '%s:nosuchmember%s:1:128:1:%s\n' "$(e2e_name x)" "$E2E_RUNID" \
    "$(free_port)" >>"$E2E_TMP/stranger.data"
fails members "an owner without an account" -- \
    -c "$(variant vps data "$E2E_TMP/stranger.data")"
t_check "bad shell: usermod -s /bin/sh" usermod -s /bin/sh "$ALICE"
fails members "a member whose shell is /bin/sh" --
t_check "... naming the member" grep -q "$ALICE" "$LAST"
t_check "shell put back" usermod -s "$MENU" "$ALICE"

# A foreign listener on the port of a VPS that is not running.
e2e_hold
socat "TCP-LISTEN:$PORT_A2,bind=127.0.0.1,reuseaddr,fork" /dev/null \
    8>&- 9>&- &
squatter=$!
defer _e2e_end_reader "$squatter"
e2e_release
t_check "a squatter on $A2's SPICE port" wait_for port_open "$PORT_A2"
sconf=$(variant spice port_min 1024)
sed -i 's/^\[spice\]/[spice]\nport_max = 65535/' "$sconf"
fails spice-ports "a foreign listener on a VPS's port" -- -c "$sconf"
t_check "... naming the port" grep -q "$PORT_A2" "$LAST"
_e2e_end_reader "$squatter"

lconf=$(variant ldap bind_dn "cn=sync,dc=example,dc=org")
sed -i "s|^\\[ldap\\]|[ldap]\\nuri = ldap://127.0.0.1:$(free_port)|" "$lconf"
fails ldap "LDAP configured but not reachable" WARN -- -c "$lconf"

t_check "no probe domain left behind" probes_gone
t_done
