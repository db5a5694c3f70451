#!/usr/bin/env bash
# create-vps-hosts.sh: create-vps and delete-vps for a VPS of another host
# (vps.data's host field hv2, a [host hv2] of vps.conf with backend =
# pool), against two real libvirtd: the domain is defined on hv2 only,
# its disk is a volume of hv2's dir pool of the VPS's size, SPICE listens
# on hv2's spice_listen, it is autostart there and starts there (TCG).
# The MAC is unique across all hosts: with getrandom(2) interposed so
# that every MAC the generator draws is the same one, a domain on either
# host holding that MAC makes create-vps fail, and nothing is made. A
# host without backend = pool is refused; hv2 killed: create-vps and
# delete-vps fail naming host hv2 and nothing is left or changed; an
# existing volume is refused and untouched; delete-vps keeps the volume,
# and --purge-disk removes only the volume the domain names.
# Helpers below run through t_check, which shellcheck cannot follow.
# shellcheck disable=SC2317
# shellcheck source=lib.sh
. "$top_srcdir/tests/e2e/lib.sh"
# shellcheck source=admin-lib.sh
. "$top_srcdir/tests/e2e/admin-lib.sh"
e2e_require_root
e2e_require_cmd libvirtd virsh qemu-system-x86_64 xmllint cc sha256sum

admin_setup
t_need "second libvirtd is up" start_libvirtd2
pool=$(e2e_name pool)
pooldir=$E2E_TMP/pool2
t_need "dir pool on hv2" make_dir_pool "$VIRSH_URI2" "$pool" "$pooldir"

# The VPS's network must exist on hv2 too: an isolated one of the same
# name, on a bridge of its own (both daemons share the network namespace).
hv2_net()
{
	local br="vbr2${E2E_RUNID}"
	printf "<network><name>%s</name><bridge name='%s' stp='off'/></network>\n" \
	    "$net" "${br:0:15}" >"$E2E_TMP/net2.xml"
	e2e_hold
	e2e_virsh2 net-define "$E2E_TMP/net2.xml" >/dev/null &&
	    defer e2e_virsh2 net-undefine "$net"
	e2e_release $? || return 1
	e2e_hold
	e2e_virsh2 net-start "$net" >/dev/null &&
	    defer e2e_virsh2 net-destroy "$net"
	e2e_release $?
}
t_need "network $net on hv2" hv2_net

conf=$E2E_TMP/vps.conf
admin_conf "$conf" "backend = file" "dir = $imgdir"
printf '[host hv2]\nuri = %s\nspice_listen = %s\nbackend = pool\npool = %s\n' \
    "$VIRSH_URI2" "$HV2_SPICE" "$pool" >>"$conf"
a=$(e2e_name a)
b=$(e2e_name b)
m=$(e2e_name m)
l=$(e2e_name l)
porta=$(free_port)
printf '%s:alice:1:256:1:%s:hv2\n' "$a" "$porta" >"$data"
printf '%s:alice:1:256:1:%s:hv2\n' "$b" "$(free_port)" >>"$data"
printf '%s:alice:1:256:1:%s:hv2\n' "$m" "$(free_port)" >>"$data"
printf '%s:alice:1:256:1:%s\n' "$l" "$(free_port)" >>"$data"
for n in "$a" "$b" "$m" "$l" holder; do
	defer e2e_forget_domain "$n"
done

# nothing_of NAME: no domain NAME on either host, no volume of it on hv2.
nothing_of()
{
	! e2e_virsh dominfo "$1" >/dev/null 2>&1 &&
	    ! e2e_virsh2 dominfo "$1" >/dev/null 2>&1 &&
	    ! e2e_virsh2 vol-info --pool "$pool" "$1.img" >/dev/null 2>&1 &&
	    [ ! -e "$pooldir/$1.img" ]
}

# ---- a host whose backend is not pool is refused
conf_file=$E2E_TMP/vps-file.conf
sed 's/^backend = pool$/backend = file/; /^pool = /d' "$conf" >"$conf_file"
t_check_rc "[host hv2] backend = file: exit 1" 1 "$create" -c "$conf_file" "$a"
t_check "... naming the host and the backend" \
    grep -q "host hv2, whose backend is file" "$T_ERR"
diag <"$T_ERR"
t_check "... and nothing is made" nothing_of "$a"

# ---- the MAC is unique across all hosts
# getrandom(2) of 3 bytes (a MAC's) always gives 5a 5a 5a; other sizes
# (the SPICE password) stay random.
cat >"$E2E_TMP/fixmac.c" <<'EOF'
#define _GNU_SOURCE
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <sys/random.h>
ssize_t
getrandom(void *buf, size_t len, unsigned flags)
{
	if (len == 3) {
		memset(buf, 0x5a, len);
		return 3;
	}
	return syscall(SYS_getrandom, buf, len, flags);
}
EOF
t_need "the getrandom shim builds" cc -shared -fPIC -o "$E2E_TMP/fixmac.so" \
    "$E2E_TMP/fixmac.c"
fixed=52:54:00:5a:5a:5a
fixmac()
{
	e2e_preload "$E2E_TMP/fixmac.so" "$create" "$@"
}
t_check "with the shim, --dry-run draws $fixed" fixmac -c "$conf" -n "$m"
t_check "... it is in the XML" grep -q "address=['\"]$fixed['\"]" "$T_OUT"
holder_xml=$E2E_TMP/holder.xml
admin_domain_xml holder "<interface type='network'><mac address='$fixed'/><source network='$net'/></interface>" \
    >"$holder_xml"
t_check "a domain on hv2 holds $fixed" e2e_virsh2 define "$holder_xml"
t_check_rc "create-vps cannot reuse it: exit 1" 1 fixmac -c "$conf" "$m"
t_check "... no unused MAC" grep -q "no unused MAC" "$T_ERR"
diag <"$T_ERR"
t_check "... nothing is made" nothing_of "$m"
# A VPS of this host may move to hv2 (migrate-vps): hv2's MACs count.
no_local_l() { ! e2e_virsh dominfo "$l" >/dev/null 2>&1 && [ ! -e "$imgdir/$l.img" ]; }
t_check_rc "a VPS of the local host cannot reuse it either: exit 1" 1 \
    fixmac -c "$conf" "$l"
t_check "... no unused MAC" grep -q "no unused MAC" "$T_ERR"
t_check "... nothing of it is made" no_local_l
t_check "the holder goes from hv2" e2e_virsh2 undefine holder
t_check "a domain on the local host holds $fixed" e2e_virsh define "$holder_xml"
t_check_rc "create-vps cannot reuse it either: exit 1" 1 fixmac -c "$conf" "$m"
t_check "... no unused MAC" grep -q "no unused MAC" "$T_ERR"
t_check "... nothing is made" nothing_of "$m"
t_check "the holder goes from the local host" e2e_virsh undefine holder

# ---- an existing volume is refused and untouched
head -c 65536 /dev/urandom >"$pooldir/$a.img"
sum=$(sha256sum <"$pooldir/$a.img")
t_check_rc "a file $a.img in the pool: exit 1" 1 "$create" -c "$conf" "$a"
t_check "... already exists" grep -q "volume $a.img already exists in pool $pool of host hv2" "$T_ERR"
diag <"$T_ERR"
t_eq "... it is untouched" "$sum" "$(sha256sum <"$pooldir/$a.img")"
t_check_fails "... no domain on hv2" e2e_virsh2 dominfo "$a"
rm -f "$pooldir/$a.img"

# ---- the VPS on hv2
t_check "create-vps $a" "$create" -c "$conf" "$a"
cp "$T_OUT" "$E2E_TMP/summary"
diag <"$E2E_TMP/summary"
img=$pooldir/$a.img
t_check "summary names the host" grep -qx "host: *hv2" "$E2E_TMP/summary"
t_check "summary names the volume" grep -qx "disk: *$img (1 GiB)" \
    "$E2E_TMP/summary"
t_check "summary names the SPICE address" \
    grep -qx "spice: *$HV2_SPICE port $porta" "$E2E_TMP/summary"
t_check_fails "no domain $a on the local host" e2e_virsh dominfo "$a"
t_check "domain $a on hv2" e2e_virsh2 dominfo "$a"
t_check "... autostart" grep -q "^Autostart: *enable" "$T_OUT"
t_check "volume $a.img in hv2's pool" e2e_virsh2 vol-info --bytes \
    --pool "$pool" "$a.img"
t_check "... of 1 GiB" grep -q "^Capacity: *$((1 << 30)) bytes" "$T_OUT"
t_eq "the file is 1 GiB" $((1 << 30)) "$(stat -c %s "$img")"
t_check "no image on the local host" test ! -e "$imgdir/$a.img"
t_check "dumpxml on hv2" e2e_virsh2 dumpxml "$a"
cp "$T_OUT" "$E2E_TMP/dom.xml"
xp()
{
	xmllint --xpath "$1" "$E2E_TMP/dom.xml"
}
t_eq "disk is the volume" "$img" \
    "$(xp "string(//disk[@device='disk']/source/@file)")"
t_eq "SPICE listens on hv2's spice_listen" "$HV2_SPICE" \
    "$(xp "string(//graphics/@listen)")"
t_eq "... port of vps.data" "$porta" "$(xp "string(//graphics/@port)")"
t_eq "domain type qemu ([vps] virt_type)" qemu "$(xp "string(/domain/@type)")"

spice_up()
{
	timeout 2 bash -c "exec 3<>/dev/tcp/$HV2_SPICE/$porta" 2>/dev/null
}
t_check "the VPS starts on hv2" e2e_virsh2 start "$a"
t_check "SPICE listens on $HV2_SPICE:$porta" wait_for spice_up
t_check "destroy it" e2e_virsh2 destroy "$a"

t_check_rc "a second run refuses: exit 1" 1 "$create" -c "$conf" "$a"
t_check "... the domain is defined on hv2" grep -q "already defined on host hv2" "$T_ERR"
t_eq "... the volume is untouched" $((1 << 30)) "$(stat -c %s "$img")"

# ---- hv2 gone: nothing made, nothing changed
t_check "hv2's libvirtd killed" kill_libvirtd2
t_check_rc "create-vps $b: exit 1" 1 "$create" -c "$conf" "$b"
t_check "... naming host hv2" grep -q "host hv2 unreachable" "$T_ERR"
diag <"$T_ERR"
t_check_rc "create-vps $l, a VPS of this host: exit 1" 1 "$create" -c "$conf" "$l"
t_check "... naming host hv2, whose MACs are unknown" \
    grep -q "host hv2 unreachable (its domains' MACs are unknown)" "$T_ERR"
t_check "... nothing of it is made" no_local_l
t_check_rc "delete-vps $a: exit 1" 1 "$delete" -c "$conf" "$a"
t_check "... naming host hv2" grep -q "host hv2 unreachable" "$T_ERR"
t_check_rc "delete-vps --purge-disk $a: exit 1" 1 "$delete" -c "$conf" \
    --purge-disk "$a"
t_check "... naming host hv2" grep -q "host hv2 unreachable" "$T_ERR"
t_check "hv2's libvirtd restarted" restart_libvirtd2
t_check "nothing of $b on either host" nothing_of "$b"
t_check "$a is still defined on hv2" e2e_virsh2 dominfo "$a"
t_check "... its volume is there" test -e "$img"

# A domain named like the VPS on the local host blocks it too.
admin_domain_xml "$b" >"$E2E_TMP/b.xml"
t_check "a domain $b on the local host" e2e_virsh define "$E2E_TMP/b.xml"
t_check_rc "create-vps $b: exit 1" 1 "$create" -c "$conf" "$b"
t_check "... already defined on the local host" \
    grep -q "already defined on the local host" "$T_ERR"
t_check "... no volume made" test ! -e "$pooldir/$b.img"
t_check "the local $b goes" e2e_virsh undefine "$b"

# ---- virt_type auto: the probe runs on hv2, from a volume of its pool
conf_auto=$E2E_TMP/vps-auto.conf
sed '/^virt_type = /d' "$conf" >"$conf_auto"
t_check "virt_type auto: create-vps --dry-run $b" "$create" -c "$conf_auto" \
    -n "$b"
cp "$T_ERR" "$E2E_TMP/auto.err"
diag <"$E2E_TMP/auto.err"
t_check_fails "... the probe found its image on hv2" grep -qi \
    "could not open\|no such file\|permission denied" "$E2E_TMP/auto.err"
# Where KVM does not run, the TCG probe that runs beside it booted the
# image too, and the warning says how long it took.
probe_booted()
{
	[ ! -s "$E2E_TMP/auto.err" ] ||
	    grep -q "took [0-9.]* s under TCG" "$E2E_TMP/auto.err"
}
t_check "... and booted it (KVM, or the TCG reference's time)" probe_booted
probe_left()
{
	e2e_virsh2 vol-list "$pool" | grep -q Probe ||
	    e2e_virsh2 list --all --name | grep -q Probe
}
t_check_fails "... no probe volume or domain left on hv2" probe_left
t_check "... and nothing of $b" nothing_of "$b"

# ---- a failure after the volume was made: the rollback
# virDomainDefineXML interposed: it runs $E2E_BEFORE_DEFINE, then hands
# libvirt a definition it refuses.
cat >"$E2E_TMP/nodefine.c" <<'EOS'
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdlib.h>
#include <libvirt/libvirt.h>
virDomainPtr
virDomainDefineXML(virConnectPtr conn, const char *xml)
{
	virDomainPtr (*real)(virConnectPtr, const char *) =
	    (virDomainPtr (*)(virConnectPtr, const char *))dlsym(RTLD_NEXT,
	    "virDomainDefineXML");
	const char *cmd = getenv("E2E_BEFORE_DEFINE");

	(void)xml;
	if (cmd != NULL && *cmd != '\0' && system(cmd) != 0)
		return NULL;
	return real(conn, "<domain type='qemu'><name>x</name></domain>");
}
EOS
t_need "the define shim builds" cc -shared -fPIC -o "$E2E_TMP/nodefine.so" \
    "$E2E_TMP/nodefine.c"
nodefine()
{
	E2E_BEFORE_DEFINE=$1 e2e_preload "$E2E_TMP/nodefine.so" "$create" \
	    -c "$conf" "$b"
}
t_check_rc "define fails after the volume was made: exit 1" 1 nodefine ""
cp "$T_ERR" "$E2E_TMP/nodefine.err"
diag <"$E2E_TMP/nodefine.err"
t_check "... says the define failed" grep -q "cannot define domain" \
    "$E2E_TMP/nodefine.err"
t_check "... and that the volume was removed" \
    grep -q "$pooldir/$b.img removed again" "$E2E_TMP/nodefine.err"
t_check "... nothing of $b on either host" nothing_of "$b"
# Someone replaces the volume between its creation and the define: the
# rollback sees that it is not the one it made, and leaves it.
replace="rm -f '$pooldir/$b.img' && printf theirs >'$pooldir/$b.img'"
t_check_rc "the volume replaced before the define: exit 1" 1 nodefine \
    "$replace"
cp "$T_ERR" "$E2E_TMP/replace.err"
diag <"$E2E_TMP/replace.err"
t_check "... it is left as it is" grep -q "is not the disk this run made" \
    "$E2E_TMP/replace.err"
t_eq "... with its content" theirs "$(cat "$pooldir/$b.img")"
rm -f "$pooldir/$b.img"

# ---- delete-vps
t_check "delete-vps $a" "$delete" -c "$conf" "$a"
t_check "... keeps the volume" grep -qx "disk $img kept (--purge-disk removes it)" "$T_OUT"
t_check_fails "... the domain is gone from hv2" e2e_virsh2 dominfo "$a"
t_check "... the volume is there" test -e "$img"
t_check_rc "--purge-disk without a domain: exit 1" 1 "$delete" -c "$conf" \
    --purge-disk "$a"
t_check "... names the volume it leaves" grep -q "volume $img is left" "$T_ERR"
diag <"$T_ERR"
t_check "... which is still there" test -e "$img"

# A domain that does not use the volume named like it: refused.
admin_domain_xml "$a" "<disk type='file' device='disk'><source file='$E2E_TMP/other.img'/><target dev='vda' bus='virtio'/></disk>" \
    >"$E2E_TMP/a-other.xml"
t_check "a domain $a on hv2 with a disk elsewhere" e2e_virsh2 define \
    "$E2E_TMP/a-other.xml"
t_check_rc "--purge-disk of it: exit 1" 1 "$delete" -c "$conf" --purge-disk "$a"
t_check "... says it does not use the volume" grep -q "does not use $img" "$T_ERR"
t_check "... the domain is still there" e2e_virsh2 dominfo "$a"
t_check "... and the volume" test -e "$img"
t_check "that domain goes" e2e_virsh2 undefine "$a"
t_check "the volume goes (virsh)" e2e_virsh2 vol-delete --pool "$pool" "$a.img"

t_check "create-vps $a again" "$create" -c "$conf" "$a"
t_check "delete-vps --purge-disk $a" "$delete" -c "$conf" --purge-disk "$a"
t_check "... removes the volume" grep -qx "disk $img removed (host hv2)" "$T_OUT"
t_check "nothing of $a on either host" nothing_of "$a"
# --host: for a VPS that vps.data no longer lists.
t_check "create-vps $a once more" "$create" -c "$conf" "$a"
sed -i "/^$a:/d" "$data"
t_check_rc "without --host: not on the local host: exit 1" 1 "$delete" \
    -c "$conf" "$a"
t_check_rc "--host of no [host] group: exit 2" 2 "$delete" -c "$conf" \
    --host hv3 "$a"
t_check "... says so" grep -q "no \[host hv3\] group" "$T_ERR"
t_check_rc "--host that is no host name: exit 2" 2 "$delete" -c "$conf" \
    --host '../hv2' "$a"
t_check "$a is still on hv2" e2e_virsh2 dominfo "$a"
t_check "delete-vps --host hv2 --purge-disk $a" "$delete" -c "$conf" \
    --host hv2 --purge-disk "$a"
t_check "nothing of $a on either host" nothing_of "$a"

t_done
