#!/usr/bin/env bash
# vps-doctor-hosts.sh: vps-doctor with a [host hv2] of vps.conf, the
# second libvirtd (start_libvirtd2) with a dir pool and a network of the
# configured name, and a VPS of vps.data defined there. On that good
# setup no check fails and every check of hv2 has its line (CHECK@hv2,
# and "host":"hv2" in --json). Then each thing an admin may get wrong on
# the other host, once: its pool stopped (FAIL) or not autostarted
# (WARN), a probe volume left in it (WARN), its pool smaller than the
# largest disk of its VPS (WARN), its network stopped (FAIL), a backend
# libvirt cannot see (WARN), a VPS of hv2 not defined there (WARN) or
# defined on both hosts (FAIL, either way round), the client key of a
# qemu+tls or qemu+ssh URI readable or owned by others, a symlink or
# missing, a CA certificate others can write (FAIL; qemu+tcp: WARN), and
# hv2's libvirtd killed: a FAIL naming hv2 and its URI while this host's
# checks still run. No probe domain is left on either.
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
    python3

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

# hv2: the second libvirtd, with a pool, and a network of the same name
# on a bridge of its own (the two daemons share the network namespace).
# A tmpfs of 16 MiB for a pool too small for any disk, mounted before
# hv2 starts so that its mount namespace has it too.
mkdir -m 0711 "$E2E_TMP/small"
t_need "a 16 MiB tmpfs" mount -t tmpfs -o size=16m,mode=0711 \
    vpshost-small "$E2E_TMP/small"
defer umount "$E2E_TMP/small"
t_need "hv2 is up" start_libvirtd2
pool=$(e2e_name pool)
t_need "hv2's dir pool" make_dir_pool "$VIRSH_URI2" "$pool" "$E2E_TMP/pool2"
t_need "... autostarted" e2e_virsh2 pool-autostart "$pool"
small=$(e2e_name small)
t_need "hv2's small pool" make_dir_pool "$VIRSH_URI2" "$small" \
    "$E2E_TMP/small/pool"
t_need "... autostarted" e2e_virsh2 pool-autostart "$small"
br2="vbr2${E2E_RUNID}"
br2=${br2:0:15}
printf "<network><name>%s</name><bridge name='%s' stp='off'/></network>\n" \
    "$net" "$br2" >"$E2E_TMP/net2.xml"
# The bridge lives in the shared network namespace: removed even if hv2
# cannot do it any more.
defer eval "ip link delete '$br2' 2>/dev/null; :"
t_need "hv2's network $net" e2e_virsh2 net-define "$E2E_TMP/net2.xml"
defer e2e_virsh2 net-undefine "$net"
t_need "... started" e2e_virsh2 net-start "$net"
defer e2e_virsh2 net-destroy "$net"
t_need "... autostarted" e2e_virsh2 net-autostart "$net"

# A VPS of alice on hv2: in vps.data with host hv2, defined on hv2.
H1=$(e2e_name h1)
PORT_H1=$(free_port)
t_need "[host hv2] in vps.conf" eval "printf '[host hv2]\\nuri = %s\\nspice_listen = %s\\nbackend = pool\\npool = %s\\n' \
    '$VIRSH_URI2' '$HV2_SPICE' '$pool' >>'$CONF'"
t_need "$H1 on hv2 in vps.data" eval \
    "printf '%s:%s:1:128:1:%s:hv2\\n' '$H1' '$ALICE' '$PORT_H1' >>'$DATA'"
menu_domain_xml "$H1" "$PORT_H1" >"$E2E_TMP/$H1.xml"
t_need "$H1 defined on hv2" e2e_virsh2 define "$E2E_TMP/$H1.xml"
t_need "sudoers-gen for the new vps.data" "$top_builddir/sudoers-gen" -c "$CONF"

good=$E2E_TMP/doctor.conf
{
	sed "s|^\\[vps\\]\$|[vps]\\ntemplate_dir = $xmldir|" "$CONF"
	printf '[network]\nnetwork = %s\n' "$net"
	printf '[storage]\nbackend = file\ndir = %s\n' "$E2E_TMP/disks"
} >"$good"

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
# set to VALUE, in a new file; its name on stdout.
variant()
{
	local out
	out=$E2E_TMP/doctor-$RANDOM.conf
	python3 - "$good" "$1" "$2" "$3" >"$out" <<-'EOF2'
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
	EOF2
	echo "$out"
}

LAST=$E2E_TMP/last.out
# says STATUS CHECK TEXT: the line of CHECK in $LAST has STATUS and TEXT,
# and a fix unless OK.
says()
{
	grep -E "^$1 +$2 " "$LAST" | grep -qF -- "$3" || return 1
	[ "$1" = OK ] || grep -A1 -E "^$1 +$2 " "$LAST" | grep -q 'fix: '
}

# fails CHECK DESC [STATUS] -- ARGS...: the doctor with ARGS exits 1 (0
# for WARN) and says STATUS (FAIL) for CHECK. Its output stays in $LAST.
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
	diag "$(grep -E "^$status +$check " "$LAST")"
	t_check "... the $check line says $status, with a fix" bash -c \
	    "grep -A1 -E '^$status +$check ' '$LAST' | grep -q 'fix: '"
}

probes_gone()
{
	! e2e_virsh list --all --name | grep -q '^vpshost-Probe-' &&
	    ! e2e_virsh2 list --all --name | grep -q '^vpshost-Probe-'
}

# ---- the good setup, KVM probed on both hosts (virt_type auto)
t_check "vps-doctor passes (exit 0)" doc
cp "$T_OUT" "$LAST"
diag <"$LAST"
for c in libvirt kvm nwfilter network storage domains; do
	t_check "hv2 has a line for $c" grep -Eq "^(OK|WARN) +$c@hv2 " "$LAST"
done
t_check "only kvm and cpu may warn, here and on hv2 (and qemu+tcp)" bash -c \
    "! grep -E '^WARN' '$LAST' | grep -vEq '^WARN +(kvm|cpu|kvm@hv2|credentials@hv2) '"
t_check "credentials@hv2: qemu+tcp has none" says WARN credentials@hv2 \
    "host hv2: $VIRSH_URI2: no encryption and no client credentials"
t_check "kvm@hv2: the probe ran (booted from hv2's pool)" bash -c \
    "grep -Eq '^(OK|WARN) +kvm@hv2 +host hv2: (QEMU starts|KVM not usable)' '$LAST'"
t_check "... and its volume is gone from the pool" bash -c \
    "! ls '$E2E_TMP/pool2' | grep -q vpshost-Probe"
t_check "libvirt@hv2 names the URI" says OK libvirt@hv2 \
    "host hv2: $VIRSH_URI2 answers"
t_check "storage@hv2 names the pool" says OK storage@hv2 "pool $pool:"
t_check "domains@hv2: its VPS are there" says OK domains@hv2 \
    "host hv2: its 1 VPS of vps.data are defined there"
t_check "domains: this host's too" says OK domains \
    "this host: its 3 VPS of vps.data are defined there"
t_check "this host's checks keep their names" grep -Eq "^OK +libvirt +$VIRSH_URI " "$LAST"
t_check "no probe domain left behind" probes_gone
t_check "--json" doc --json
t_check "--json: hv2's checks carry host, the others none" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["fail"] == 0
hv2 = [c for c in d["checks"] if c.get("host") == "hv2"]
assert {c["check"] for c in hv2} >= {"libvirt", "kvm", "network", "storage", "domains"}
for c in d["checks"]:
    assert set(c) in ({"check", "status", "message", "fix"},
        {"check", "host", "status", "message", "fix"})
' "$T_OUT"

# The rest without KVM probes: each run would probe both hosts.
good=$(variant vps virt_type qemu)
t_check "virt_type = qemu: kvm@hv2 OK, not probed" doc
cp "$T_OUT" "$LAST"
t_check "... says so" says OK kvm@hv2 "host hv2: not used"

# ---- hv2's pool
t_check "hv2's pool stopped" e2e_virsh2 pool-destroy "$pool"
fails storage@hv2 "its pool is not active" --
t_check "... naming host and pool" says FAIL storage@hv2 \
    "host hv2: storage pool $pool is not active"
t_check "... the fix names the URI" grep -qF "virsh -c $VIRSH_URI2 pool-start $pool" "$LAST"
t_check "hv2's pool started" e2e_virsh2 pool-start "$pool"
t_check "... not autostarted" e2e_virsh2 pool-autostart --disable "$pool"
fails storage@hv2 "its pool not autostarted" WARN --
t_check "... says so" says WARN storage@hv2 "is active but not autostarted"
t_check "... autostarted again" e2e_virsh2 pool-autostart "$pool"
t_check "a probe volume a killed run left in hv2's pool" \
    e2e_virsh2 vol-create-as "$pool" vpshost-Probe-0badf00d 1M
fails storage@hv2 "a probe volume left" WARN --
t_check "... naming it" says WARN storage@hv2 \
    "pool $pool holds 1 probe volume(s) a run left: vpshost-Probe-0badf00d"
t_check "... the fix names the command" grep -qF \
    "virsh -c $VIRSH_URI2 vol-delete --pool $pool NAME" "$LAST"
t_check "... it is not removed" e2e_virsh2 vol-info --pool "$pool" \
    vpshost-Probe-0badf00d
t_check "... until the admin does" e2e_virsh2 vol-delete --pool "$pool" \
    vpshost-Probe-0badf00d
fails storage@hv2 "no such pool" -- \
    -c "$(variant "host hv2" pool "$(e2e_name nopool)")"
fails storage@hv2 "a pool smaller than the largest disk" WARN -- \
    -c "$(variant "host hv2" pool "$small")"
t_check "... with the sizes" says WARN storage@hv2 \
    "less than the largest VPS disk (1024 MiB)"
sed -e "/^pool = $pool\$/d" -e 's/^backend = pool$/backend = file/' \
    "$good" >"$E2E_TMP/file.conf"
fails storage@hv2 "backend file: libvirt cannot show it" WARN -- \
    -c "$E2E_TMP/file.conf"
t_check "... says why" says WARN storage@hv2 "backend file: libvirt does not show its room"

# ---- hv2's network
t_check "hv2's network stopped" e2e_virsh2 net-destroy "$net"
fails network@hv2 "its network is not active" --
t_check "... naming it" says FAIL network@hv2 "libvirt network $net is not active"
t_check "this host's network is fine" grep -Eq "^OK +network +libvirt network $net is active" "$LAST"
t_check "hv2's network started" e2e_virsh2 net-start "$net"

# ---- where the VPS are defined
t_check "$H1 undefined on hv2" e2e_virsh2 undefine "$H1"
fails domains@hv2 "$H1 not defined on hv2" WARN --
t_check "... naming it" says WARN domains@hv2 "no domain there yet: $H1"
t_check "$H1 defined on this host instead" e2e_virsh define "$E2E_TMP/$H1.xml"
defer e2e_forget_domain "$H1"
fails domains@hv2 "$H1 on the wrong host" --
t_check "... naming VPS and host" says FAIL domains@hv2 "$H1 (on this host)"
t_check "$H1 defined on hv2 as well" e2e_virsh2 define "$E2E_TMP/$H1.xml"
fails domains@hv2 "$H1 on both hosts" --
t_check "$H1 undefined here" e2e_virsh undefine "$H1"
t_check "$A1 of this host defined on hv2 too" bash -c \
    "virsh -q -c '$VIRSH_URI' dumpxml --inactive '$A1' >'$E2E_TMP/a1.xml' &&
     virsh -q -c '$VIRSH_URI2' define '$E2E_TMP/a1.xml' >/dev/null"
fails domains "a VPS of this host also on hv2" --
t_check "... naming VPS and host" says FAIL domains "$A1 (on host hv2)"
t_check "$A1 undefined on hv2" e2e_virsh2 undefine "$A1"
t_check "all well again" doc

# ---- the files that let this host into hv2: root's alone
# A TLS URI with its own pkipath, and an ssh URI with its own keyfile; no
# daemon listens there (libvirt@hv2 fails too), the files are checked.
pki=$E2E_TMP/pki
mkdir -p "$pki"
for f in clientkey clientcert cacert; do
	echo "not a real $f" >"$pki/$f.pem"
done
chmod 0600 "$pki/clientkey.pem"
chmod 0644 "$pki/clientcert.pem" "$pki/cacert.pem"
tls_port=$(free_port)
tls=$(variant "host hv2" uri "qemu+tls://127.0.0.1:$tls_port/system?pkipath=$pki")
t_check_rc "qemu+tls, files root's alone: exit 1 (hv2 unreachable)" 1 \
    doc -c "$tls"
cp "$T_OUT" "$LAST"
t_check "... credentials@hv2 OK" says OK credentials@hv2 \
    "host hv2: the TLS files of qemu+tls://127.0.0.1:$tls_port/system?pkipath=$pki are root's alone (3)"
t_check "the client key readable by all" chmod 0644 "$pki/clientkey.pem"
fails credentials@hv2 "a client key others can read" -- -c "$tls"
t_check "... naming the file and its mode" says FAIL credentials@hv2 \
    "$pki/clientkey.pem (mode 0644) can be read by others than root"
chmod 0600 "$pki/clientkey.pem"
t_check "the client key given to a member" chown "$ALICE" "$pki/clientkey.pem"
fails credentials@hv2 "a client key of a member" -- -c "$tls"
t_check "... naming the owner" says FAIL credentials@hv2 \
    "$pki/clientkey.pem is owned by uid $(id -u "$ALICE"), not root"
chown root "$pki/clientkey.pem"
t_check "the CA certificate writable by all" chmod 0666 "$pki/cacert.pem"
fails credentials@hv2 "a CA certificate others can replace" -- -c "$tls"
t_check "... naming it" says FAIL credentials@hv2 \
    "$pki/cacert.pem (mode 0666) can be written by others than root"
chmod 0644 "$pki/cacert.pem"
t_check "the client key a symlink to a file others can read" bash -c \
    "mv '$pki/clientkey.pem' '$pki/real.pem' && chmod 0644 '$pki/real.pem' &&
     ln -s real.pem '$pki/clientkey.pem'"
fails credentials@hv2 "a client key that is a symlink" -- -c "$tls"
t_check "... not a regular file" says FAIL credentials@hv2 \
    "$pki/clientkey.pem is not a regular file"
rm -f "$pki/clientkey.pem"
fails credentials@hv2 "no client key" -- -c "$tls"
t_check "... naming it" says FAIL credentials@hv2 \
    "$pki/clientkey.pem: No such file or directory"
key=$E2E_TMP/hv2-key
echo "not a real key" >"$key"
chmod 0640 "$key"
ssh_uri="qemu+ssh://root@127.0.0.1:$tls_port/system?keyfile=$key"
fails credentials@hv2 "an ssh keyfile its group can read" -- \
    -c "$(variant "host hv2" uri "$ssh_uri")"
t_check "... naming it" says FAIL credentials@hv2 \
    "$key (mode 0640) can be read by others than root"
chmod 0600 "$key"
t_check_rc "the ssh keyfile root's alone: exit 1 (hv2 unreachable)" 1 \
    doc -c "$(variant "host hv2" uri "$ssh_uri")"
cp "$T_OUT" "$LAST"
t_check "... credentials@hv2 OK" says OK credentials@hv2 \
    "host hv2: the ssh key files of $ssh_uri are root's alone (1)"

# ---- hv2 down: a FAIL naming it, this host checked as ever
t_check "hv2's libvirtd killed" kill_libvirtd2
fails libvirt@hv2 "hv2 unreachable" --
t_check "... naming host and URI" says FAIL libvirt@hv2 \
    "host hv2 unreachable: cannot connect to $VIRSH_URI2"
t_check "... no other check of hv2 (but its credentials)" bash -c \
    "! grep -E '^[A-Z]+ +[a-z-]+@hv2 ' '$LAST' |
     grep -vEq ' (libvirt|credentials)@hv2 '"
for c in libvirt network storage snapshots iso rules domains; do
	t_check "... this host's $c still checked" grep -Eq "^OK +$c " "$LAST"
done
t_check "hv2's libvirtd back" restart_libvirtd2
t_check "no probe domain left behind" probes_gone
t_done
