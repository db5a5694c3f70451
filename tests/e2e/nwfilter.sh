#!/usr/bin/env bash
# nwfilter.sh: no spoofing between VPS. create-vps puts [network] filter
# (clean-traffic, the default) on every VPS's interface; libvirt binds it
# to the VPS's MAC and to the IP address it learns from its first packets.
#
# Three VPS made by create-vps (file backend) boot a real guest (Debian's
# kernel, a busybox initramfs with virtio_net) from the guest ISO on one
# isolated libvirt network, and are driven through their serial consoles:
# A (10.99.0.1) is honest, B (10.99.0.2) spoofs, C (10.99.0.3) observes.
# The honest traffic gets through and C counts B's honest pings. Then B
# takes A's IP address, answers ARP for it and claims it with gratuitous
# ARP (request and reply), and takes A's MAC address: C receives none of
# those pings, keeps A's MAC for A's address, and still reaches A.
#
# E2E_NWFILTER (default clean-traffic) is the filter the VPS get; set it
# empty to watch the spoofing get through (the spoofing checks then fail).
# Also: a filter libvirt does not have makes create-vps fail with exit 1,
# naming the filter, and leave nothing behind.
# Helpers below run through t_check, which shellcheck cannot follow.
# shellcheck disable=SC2317
# shellcheck source=lib.sh
. "$top_srcdir/tests/e2e/lib.sh"
# shellcheck source=admin-lib.sh
. "$top_srcdir/tests/e2e/admin-lib.sh"
e2e_require_root
e2e_require_cmd libvirtd virsh qemu-system-x86_64 grub-mkrescue xorriso \
    busybox cpio gzip stty xmllint ebtables

filter=${E2E_NWFILTER-clean-traffic}
net24=10.99.0

admin_setup
conf=$E2E_TMP/vps.conf
admin_conf "$conf" "backend = file" "dir = $imgdir"
printf 'filter = %s\n' "$filter" >>"$conf"
mkdir -p "$isodir"
: >"$data"

# add_vps LABEL: a line of vps.data for a new VPS; prints its name.
add_vps()
{
	local name
	name=$(e2e_name "$1")
	printf '%s:alice:1:192:1:%s\n' "$name" "$(free_port)" >>"$data"
	printf '%s\n' "$name"
}

# --- a filter that libvirt does not have --------------------------------

bad=$(add_vps nofilter)
missing=vpshost-e2e-no-such-filter
sed "s/^filter = .*/filter = $missing/" "$conf" >"$E2E_TMP/missing.conf"
defer e2e_forget_domain "$bad"
t_check_rc "a filter libvirt lacks: create-vps fails with exit 1" 1 \
    "$create" -c "$E2E_TMP/missing.conf" "$bad"
diag <"$T_ERR"
t_check "... and names the filter" grep -q "nwfilter $missing" "$T_ERR"
t_check_fails "... no domain is defined" e2e_virsh dominfo "$bad"
t_check_fails "... no image is made" test -e "$imgdir/$bad.img"

# --- three guests -------------------------------------------------------

t_need "a tiny Linux guest with virtio_net on an ISO" \
    make_guest_iso "$isodir/guest.iso" virtio_pci virtio_net

declare -A vps mac ip serial
ip=([a]=$net24.1 [b]=$net24.2 [c]=$net24.3)
for g in a b c; do
	vps[$g]=$(add_vps "$g")
	serial[$g]=$E2E_TMP/${vps[$g]}.serial
	defer e2e_forget_domain "${vps[$g]}"
	t_need "create-vps $g" "$create" -c "$conf" "${vps[$g]}" guest.iso
	mac[$g]=$(sed -n 's/^mac: *//p' "$T_OUT")
	t_check "$g: summary names the filter" \
	    grep -qx "filter: *${filter:-none}" "$T_OUT"
	t_eq "$g: the domain's interface has the filter" "$filter" \
	    "$(e2e_virsh dumpxml "${vps[$g]}" |
	    xmllint --xpath 'string(//interface/filterref/@filter)' -)"
done
for g in a b c; do
	t_need "$g: the VPS starts" guest_serial_start "${vps[$g]}" \
	    "${serial[$g]}"
done
for g in a b c; do
	t_need "$g: the guest boots to its shell" \
	    guest_wait_marker "${serial[$g]}"
done

# on G COMMAND: runs COMMAND in guest G; its output is in GUEST_OUT.
on()
{
	guest_run "${vps[$1]}" "${serial[$1]}" "$2"
}

for g in a b c; do
	t_need "$g: eth0 up as ${ip[$g]}" on "$g" \
	    "ip link set eth0 up && ip addr add ${ip[$g]}/24 dev eth0"
done

# The tap device of G's interface on the host.
tap()
{
	e2e_virsh domiflist "${vps[$1]}" | awk 'NR == 1 { print $1 }'
}

# rule_in CHAIN RULE: the ebtables nat chain CHAIN has the rule RULE.
rule_in()
{
	ebtables -t nat -L "$1" | grep -qxF -- "$2"
}

# bound G: what G sends passes only with G's MAC, and, once libvirt has
# learned G's address, only IPv4 and ARP from that address (the chains
# libvirt made for clean-traffic on G's tap device).
bound()
{
	local t
	t=$(tap "$1") && [ -n "$t" ] || return 1
	rule_in "I-$t-mac" "-s ${mac[$1]} -j RETURN" &&
	    rule_in "I-$t-ipv4-ip" "-p IPv4 --ip-src ${ip[$1]} -j RETURN" &&
	    rule_in "I-$t-arp-ip" "-p ARP --arp-ip-src ${ip[$1]} -j RETURN"
}

# Honest first packets: each guest's own address is what libvirt learns.
t_check "C reaches A" on c "ping -c 3 -W 2 ${ip[a]}"
t_check "C reaches B" on c "ping -c 3 -W 2 ${ip[b]}"
t_check "B reaches A" on b "ping -c 3 -W 2 ${ip[a]}"
for g in a b c; do
	t_check "$g: ebtables binds it to ${mac[$g]} and ${ip[$g]}" \
	    wait_for bound "$g"
done

# echoes_at_c: ICMP echo requests C has received so far (InEchos of
# /proc/net/snmp: a line of names, then a line of values). The $ fields
# are for the guest's awk, not for this shell.
# shellcheck disable=SC2016
echoes_at_c()
{
	local prog='/^Icmp:/ { if (h) print $k; else'
	prog+=' for (i = 2; i <= NF; i++) if ($i == "InEchos") { k = i; h = 1 } }'
	on c "awk '$prog' /proc/net/snmp" >/dev/null &&
	    printf '%s\n' "$GUEST_OUT" | grep -x '[0-9][0-9]*'
}

# echoes_since N: how many more echo requests C has received than N.
echoes_since()
{
	local now
	now=$(echoes_at_c) || { echo "no count from C"; return 1; }
	echo $((now - $1))
}

# neigh_at_c IP: the MAC address C has for IP.
neigh_at_c()
{
	on c "ip neigh show $1" >/dev/null &&
	    printf '%s\n' "$GUEST_OUT" | sed -n 's/.* lladdr \([^ ]*\).*/\1/p'
}

# The spoofer sends to C's MAC directly: its ARP (spoofed too) may not
# get through, the packets themselves must be what the filter stops.
t_check "B knows C's MAC for good" on b \
    "arp -i eth0 -s ${ip[c]} ${mac[c]}"

# Positive control: C counts B's honest pings.
n0=$(echoes_at_c)
t_check "B pings C honestly" on b "ping -c 3 -W 2 ${ip[c]}"
t_eq "C received B's 3 honest pings" 3 "$(echoes_since "$n0")"

# B takes A's IP address.
t_check "B adds A's address ${ip[a]}" on b \
    "ip addr add ${ip[a]}/32 dev eth0"
n0=$(echoes_at_c)
t_check_fails "B pinging C from A's address gets no answer" on b \
    "ping -c 3 -W 2 -I ${ip[a]} ${ip[c]}"
t_eq "C received none of B's pings from A's address" 0 \
    "$(echoes_since "$n0")"

# B answers ARP for A's address (its kernel does, it holds the address).
t_check "C forgets A's MAC" on c "ip neigh flush dev eth0"
t_check "C reaches A by ARP while B answers for A too" on c \
    "ping -c 3 -W 2 ${ip[a]}"
t_eq "C has A's MAC for A's address" "${mac[a]}" "$(neigh_at_c "${ip[a]}")"

# B claims A's address with gratuitous ARP, as request and as reply.
t_check "B: gratuitous ARP request for A's address" on b \
    "arping -U -c 3 -I eth0 -s ${ip[a]} ${ip[a]}"
t_eq "C still has A's MAC for A's address" "${mac[a]}" \
    "$(neigh_at_c "${ip[a]}")"
t_check "B: gratuitous ARP reply for A's address" on b \
    "arping -A -c 3 -I eth0 -s ${ip[a]} ${ip[a]}"
t_eq "C still has A's MAC for A's address after the replies" "${mac[a]}" \
    "$(neigh_at_c "${ip[a]}")"
t_check "B drops A's address" on b "ip addr del ${ip[a]}/32 dev eth0"

# B takes A's MAC address.
t_check "B takes A's MAC ${mac[a]}" on b \
    "ip link set eth0 address ${mac[a]}"
n0=$(echoes_at_c)
t_check_fails "B pinging C with A's MAC gets no answer" on b \
    "ping -c 3 -W 2 ${ip[c]}"
t_eq "C received none of B's pings with A's MAC" 0 \
    "$(echoes_since "$n0")"
t_check "C still reaches A (the bridge kept A's port for A's MAC)" on c \
    "ping -c 3 -W 2 ${ip[a]}"
t_eq "C has A's MAC for A's address at the end" "${mac[a]}" \
    "$(neigh_at_c "${ip[a]}")"

# Back to its own MAC, B is an honest VPS again.
t_check "B takes its own MAC back" on b \
    "ip link set eth0 address ${mac[b]}"
t_check "B reaches C again" on b "ping -c 3 -W 2 ${ip[c]}"

t_done
