#!/usr/bin/env bash
# create-vps.sh: create-vps with the lvm backend, against the real libvirtd
# and an LVM VG on a loop device (activation disabled: the LV gets real
# metadata but no device node, so these domains are defined, not started).
#
# The LV has the size of vps.data; the domain is persistent, autostart,
# its disk is /dev/VG/NAME, its MAC the one printed, its SPICE port the one
# of vps.data, its password long and never printed. 20 concurrent runs
# give 20 distinct MACs and ports. VPS_XML_DIR and LVM_E2E_CONFIG in the
# environment change nothing (template_dir and lvm_config of vps.conf do).
# The LV carries the tags vpshost and vpshost-UUID. delete-vps keeps the
# LV by default and removes it with --purge-disk, also when its domain is
# gone; an LV that no domain of its name uses and that lacks the tag is
# refused with a message, as is one that the domain of its name does not
# use.
# Helpers below run through t_check, which shellcheck cannot follow.
# shellcheck disable=SC2317
# shellcheck source=lib.sh
. "$top_srcdir/tests/e2e/lib.sh"
# shellcheck source=admin-lib.sh
. "$top_srcdir/tests/e2e/admin-lib.sh"
e2e_require_root
e2e_require_cmd libvirtd virsh lvm losetup

admin_setup
vg=$(e2e_name vg)
# 22 VPS of 1 GiB and one of 2 GiB; the file is sparse.
t_need "VG on a loop device" make_vg "$vg" 25600

conf=$E2E_TMP/vps.conf
admin_conf "$conf" "backend = lvm" "vg = $vg"

main=$(e2e_name main)
port=$(free_port)
printf '%s:alice:2:512:2:%s\n' "$main" "$port" >"$data"
names=()
for i in $(seq -w 1 20); do
	n=$(e2e_name "c$i")
	names+=("$n")
	printf '%s:bob:1:128:1:%s\n' "$n" "$(free_port)" >>"$data"
done
for n in "$main" "${names[@]}"; do
	defer e2e_forget_domain "$n"
done

lv_names()
{
	lvm_e2e lvs --noheadings -o lv_name "$vg" 2>/dev/null | xargs
}

# ---- usage
t_check "--help" "$create" --help
t_check "... shows the synopsis" grep -q '^usage: create-vps' "$T_OUT"
t_check "--version" "$create" --version
t_check_rc "no argument: exit 2" 2 "$create" -c "$conf"
t_check_rc "unknown option: exit 2" 2 "$create" --bogus x
t_check_rc "invalid name: exit 2" 2 "$create" -c "$conf" 'Bad;name'
t_check_rc "name not in vps.data: exit 2" 2 "$create" -c "$conf" nosuchvps
t_check_rc "ISO name with a slash part: exit 2" 2 "$create" -c "$conf" \
    "$main" ../x.iso
t_check_rc "ISO not in iso_dir: exit 2" 2 "$create" -c "$conf" "$main" \
    missing.iso

# ---- --dry-run
t_check "--dry-run" "$create" -c "$conf" --dry-run "$main"
cp "$T_OUT" "$E2E_TMP/dry.xml"
t_check "... prints the domain XML" grep -q "<name>$main</name>" \
    "$E2E_TMP/dry.xml"
t_check "... with the password masked" grep -Eq 'passwd="\*{16,}"' \
    "$E2E_TMP/dry.xml"
t_check "... which libvirt's schema accepts" virt-xml-validate \
    "$E2E_TMP/dry.xml" domain
t_eq "... and creates no LV" "" "$(lv_names)"
t_check_rc "... and defines no domain" 1 e2e_virsh dominfo "$main"

# ---- create
t_check "create-vps $main" "$create" -c "$conf" "$main"
cp "$T_OUT" "$E2E_TMP/summary"
diag <"$E2E_TMP/summary"
mac=$(sed -n 's/^mac: *//p' "$E2E_TMP/summary")
t_check "summary names the disk" grep -qx "disk: */dev/$vg/$main (2 GiB)" \
    "$E2E_TMP/summary"
t_check "summary names the owner" grep -qx 'owner: *alice' "$E2E_TMP/summary"
t_check "summary names the port" grep -q "^spice: .* port $port\$" \
    "$E2E_TMP/summary"
t_check "summary has a 52:54:00 MAC" grep -Eqx \
    'mac: *52:54:00(:[0-9a-f]{2}){3}' "$E2E_TMP/summary"
t_check_fails "summary does not show a password" grep -qi passw \
    "$E2E_TMP/summary"

t_check "lvs shows the LV" lvm_e2e lvs --noheadings --units g \
    -o lv_name,lv_size "$vg/$main"
t_eq "LV has the size of vps.data" "$main 2.00g" "$(xargs <"$T_OUT")"
t_check "lvs shows its tags" lvm_e2e lvs --noheadings -o lv_tags "$vg/$main"
t_check "... vpshost and vpshost-UUID" grep -Eq \
    '^ *vpshost,vpshost-[0-9a-f-]{36} *$' "$T_OUT"
t_check "dominfo" e2e_virsh dominfo "$main"
cp "$T_OUT" "$E2E_TMP/dominfo"
t_check "domain is persistent" grep -Eq '^Persistent: +yes' "$E2E_TMP/dominfo"
t_check "domain is autostart" grep -Eq '^Autostart: +enable' "$E2E_TMP/dominfo"
t_check "dumpxml --security-info" e2e_virsh dumpxml --security-info "$main"
cp "$T_OUT" "$E2E_TMP/dom.xml"
xp()
{
	xmllint --xpath "$1" "$E2E_TMP/dom.xml"
}
t_eq "disk is /dev/VG/NAME" "/dev/$vg/$main" \
    "$(xp "string(//disk[@device='disk']/source/@dev)")"
t_eq "disk is a block device" block \
    "$(xp "string(//disk[@device='disk']/@type)")"
t_eq "MAC is the one printed" "$mac" \
    "$(xp "string(//interface/mac/@address)")"
t_eq "on the configured network" "$net" \
    "$(xp "string(//interface/source/@network)")"
t_eq "SPICE port of vps.data" "$port" "$(xp "string(//graphics/@port)")"
t_eq "autoport off" no "$(xp "string(//graphics/@autoport)")"
t_eq "SPICE on loopback" 127.0.0.1 "$(xp "string(//graphics/@listen)")"
pw=$(xp "string(//graphics/@passwd)")
t_check "password has at least 16 characters" test "${#pw}" -ge 16
t_eq "domain type is qemu, as [vps] virt_type says" qemu \
    "$(xp "string(/domain/@type)")"
t_check "summary says so" grep -qx 'type: *qemu (TCG)' "$E2E_TMP/summary"
t_eq "cdrom on SATA" sata "$(xp "string(//disk[@device='cdrom']/target/@bus)")"
t_eq "disk boots first without ISO" 1 \
    "$(xp "string(//disk[@device='disk']/boot/@order)")"
t_check_rc "second run refuses: exit 1" 1 "$create" -c "$conf" "$main"
t_check "... saying the domain exists" grep -q "already defined" "$T_ERR"

# ---- 20 concurrent runs
conc=$E2E_TMP/conc
mkdir "$conc"
run_concurrently()
{
	local n pids=() rc=0 p
	for n in "${names[@]}"; do
		"$create" -c "$conf" "$n" >"$conc/$n.out" 2>"$conc/$n.err" &
		pids+=($!)
	done
	for p in "${pids[@]}"; do
		wait "$p" || rc=1
	done
	[ "$rc" -eq 0 ] || cat "$conc"/*.err >&2
	return "$rc"
}
t_check "20 concurrent create-vps succeed" run_concurrently
all_macs()
{
	local n
	for n in "$main" "${names[@]}"; do
		e2e_virsh domiflist "$n" | awk '{ print $5 }'
	done
}
all_ports()
{
	local n
	for n in "$main" "${names[@]}"; do
		e2e_virsh dumpxml "$n" | xmllint --xpath \
		    'string(//graphics/@port)' -
		echo
	done
}
t_eq "21 distinct MACs" 21 "$(all_macs | sort -u | grep -c .)"
t_eq "21 distinct ports" 21 "$(all_ports | sort -u | grep -c .)"
t_eq "each MAC is the one printed" "" "$(for n in "${names[@]}"; do
	m=$(sed -n 's/^mac: *//p' "$conc/$n.out")
	e2e_virsh domiflist "$n" | grep -q "$m" || echo "$n"
done)"
t_eq "21 LVs" 21 "$(lv_names | wc -w)"

# ---- --no-autostart
na=$(e2e_name na)
defer e2e_forget_domain "$na"
printf '%s:alice:1:128:1:%s\n' "$na" "$(free_port)" >>"$data"
t_check "create-vps --no-autostart" "$create" -c "$conf" --no-autostart "$na"
t_check "... says so" grep -qx 'autostart: *no' "$T_OUT"
t_check "dominfo" e2e_virsh dominfo "$na"
t_check "... autostart is off" grep -Eq '^Autostart: +disable' "$T_OUT"

# ---- no test hooks in the environment: the template and the lvm.conf
# text come from vps.conf alone (a root tool must not take them from
# whoever set its environment)
ev=$(e2e_name env)
defer e2e_forget_domain "$ev"
printf '%s:alice:1:128:1:%s\n' "$ev" "$(free_port)" >>"$data"
t_check "create-vps with VPS_XML_DIR and LVM_E2E_CONFIG set to bogus values" \
    env VPS_XML_DIR="$E2E_TMP/nowhere" \
    LVM_E2E_CONFIG='devices { filter = [ "r|.*|" ] }' \
    "$create" -c "$conf" "$ev"
t_check "... made the LV" lvm_e2e lvs "$vg/$ev"
t_check "... and the domain from template_dir" e2e_virsh dominfo "$ev"

# ---- delete-vps
t_check "delete-vps keeps the LV" "$delete" -c "$conf" "${names[0]}"
t_check "... and says so" grep -qx \
    "disk /dev/$vg/${names[0]} kept (--purge-disk removes it)" "$T_OUT"
t_check_rc "... the domain is gone" 1 e2e_virsh dominfo "${names[0]}"
t_check "... the LV is still there" lvm_e2e lvs "$vg/${names[0]}"
t_check "delete-vps --purge-disk" "$delete" -c "$conf" --purge-disk \
    "${names[1]}"
t_check "... says the LV is removed" grep -qx \
    "disk /dev/$vg/${names[1]} removed" "$T_OUT"
t_check_rc "... the domain is gone" 1 e2e_virsh dominfo "${names[1]}"
t_check_fails "... the LV is gone" lvm_e2e lvs "$vg/${names[1]}"
t_check_rc "delete-vps of no domain: exit 1" 1 "$delete" -c "$conf" \
    "${names[1]}"
t_check "delete-vps --purge-disk of the LV left without a domain" \
    "$delete" -c "$conf" --purge-disk "${names[0]}"
t_check "... says it removed the LV" grep -qx \
    "no domain named ${names[0]}; disk /dev/$vg/${names[0]} removed" "$T_OUT"
t_check_fails "... the LV is gone" lvm_e2e lvs "$vg/${names[0]}"

# ---- --purge-disk and LVs create-vps did not make (a shared VG)
unrel=$(e2e_name unrel)
t_check "an LV of a valid name, no tag, no domain" lvm_e2e lvcreate -q \
    -L 8M -n "$unrel" "$vg"
t_check_rc "delete-vps --purge-disk refuses it: exit 1" 1 "$delete" \
    -c "$conf" --purge-disk "$unrel"
t_check "... says what it refused and why" grep -qF -e \
    "--purge-disk refused: no domain named $unrel uses /dev/$vg/$unrel, and it lacks create-vps's mark (LV tag vpshost)" \
    "$T_ERR"
t_check "... the LV is still there" lvm_e2e lvs "$vg/$unrel"
t_check "an LV tagged otherwise" lvm_e2e lvchange -q --addtag vpshostx \
    "$vg/$unrel"
t_check_rc "... is refused too: exit 1" 1 "$delete" -c "$conf" --purge-disk \
    "$unrel"
t_check "... the LV is still there" lvm_e2e lvs "$vg/$unrel"
admin_domain_xml "$unrel" >"$E2E_TMP/unrel.xml"
defer e2e_forget_domain "$unrel"
t_check "a domain of that name without disks" e2e_virsh define \
    "$E2E_TMP/unrel.xml"
t_check "... and the LV tagged vpshost" lvm_e2e lvchange -q --addtag vpshost \
    "$vg/$unrel"
t_check_rc "delete-vps --purge-disk refuses: exit 1" 1 "$delete" -c "$conf" \
    --purge-disk "$unrel"
t_check "... says the domain does not use the LV" grep -qF -e \
    "--purge-disk refused: domain $unrel does not use /dev/$vg/$unrel (its disks: none); nothing was changed" \
    "$T_ERR"
t_check "... the domain is still defined" e2e_virsh dominfo "$unrel"
t_check "... the LV is still there" lvm_e2e lvs "$vg/$unrel"

t_done
