# tests/e2e/virsh-menu-lib.sh: the world of the virsh-menu e2e tests.
#
# Sourced after lib.sh by tests/e2e/virsh-menu*.sh. menu_setup builds:
#   - the real virsh-menu installed at BINDIR/virsh-menu (the path that
#     sudoers and sshd rules name), the server it executes for --serve at
#     PKGLIBEXECDIR/virsh-menu-serve, and the compiled-in configuration
#     SYSCONFDIR/vps/vps.conf; both are restored or removed at cleanup;
#   - members ALICE (VPS A1, A2) and BOB (VPS B1), login shell virsh-menu;
#   - vps.data, an ISO library, sudoers and sshd rules from sudoers-gen;
#   - one TCG domain per VPS (file disk, SATA CD-ROM, SPICE on 127.0.0.1
#     at the VPS's port with an unknown password, as create-vps makes);
#   - sshd with the generated rules included.
# Variables: MENU CONF DATA ISODIR ALICE BOB A1 A2 B1 PORT_A1 PORT_A2 PORT_B1
#            MENU_SESSIONS MENU_TICKETS

# The value of a make variable of the build tree (bindir, sysconfdir).
menu_make_var()
{
	printf 'print-%s:\n\t@echo $(%s)\n' "$1" "$1" |
	    make -s --no-print-directory -C "$top_builddir" -f Makefile \
	    -f - "print-$1" | tail -n 1
}

# Puts FILE at DEST for the test; whatever was there comes back after.
menu_put()
{
	local file=$1 dest=$2 mode=$3 saved
	saved=$E2E_TMP/saved.$(echo "$dest" | tr / _)
	mkdir -p "$(dirname "$dest")" || return 1
	e2e_hold
	if [ -e "$dest" ]; then
		mv -f "$dest" "$saved" && defer mv -f "$saved" "$dest"
	else
		defer rm -f "$dest"
	fi
	install -m "$mode" -o root -g root "$file" "$dest"
	e2e_release $?
}

# menu_install: the built virsh-menu at $MENU, the server that its
# --serve executes at PKGLIBEXECDIR/virsh-menu-serve, and the watcher of
# console tickets that the server starts, PKGLIBEXECDIR/virsh-menu-ticket,
# and the watcher of an install, PKGLIBEXECDIR/virsh-menu-install.
menu_install()
{
	local libexecdir
	libexecdir=$(menu_make_var pkglibexecdir) || return 1
	menu_put "$top_builddir/virsh-menu" "$MENU" 0755 || return 1
	[ -d "$libexecdir" ] || defer rmdir "$libexecdir"
	menu_put "$top_builddir/virsh-menu-serve" \
	    "$libexecdir/virsh-menu-serve" 0755 &&
	    menu_put "$top_builddir/virsh-menu-ticket" \
	    "$libexecdir/virsh-menu-ticket" 0755 &&
	    menu_put "$top_builddir/virsh-menu-install" \
	    "$libexecdir/virsh-menu-install" 0755
}

# menu_configure SUDOERS [LINE...]: the vps.conf of the menu world (DATA,
# ISODIR, the test libvirtd, the rules files SUDOERS and
# $E2E_TMP/sshd-vps.conf, and the extra LINEs) installed at CONF, the
# menu installed, and the rules generated; all removed at cleanup.
menu_configure()
{
	local sudoers=$1 confdir=${CONF%/*}
	shift
	{
		printf '[vps]\ndata = %s\niso_dir = %s\nuri = %s\n' \
		    "$DATA" "$ISODIR" "$VIRSH_URI"
		[ $# -eq 0 ] || printf '%s\n' "$@"
		printf '[access]\nsudoers = %s\nsshd = %s\n' "$sudoers" \
		    "$E2E_TMP/sshd-vps.conf"
	} >"$E2E_TMP/vps.conf"
	[ -d "$confdir" ] || defer rmdir "$confdir"
	menu_put "$E2E_TMP/vps.conf" "$CONF" 0644 || return 1
	menu_install || return 1
	defer rm -f "$sudoers"
	"$top_builddir/sudoers-gen" -c "$CONF"
}

# The domain of a VPS: what create-vps makes, small enough for TCG.
menu_domain_xml()
{
	local name=$1 port=$2 disk=$E2E_TMP/disks/$1.img
	truncate -s 16M "$disk"
	cat <<-EOF
	<domain type='qemu'>
	  <name>$name</name>
	  <memory unit='MiB'>128</memory>
	  <vcpu>1</vcpu>
	  <os><type arch='x86_64' machine='q35'>hvm</type></os>
	  <features><acpi/></features>
	  <devices>
	    <disk type='file' device='disk'>
	      <driver name='qemu' type='raw'/>
	      <source file='$disk'/>
	      <target dev='vda' bus='virtio'/>
	      <boot order='1'/>
	    </disk>
	    <disk type='file' device='cdrom'>
	      <driver name='qemu' type='raw'/>
	      <target dev='sda' bus='sata'/>
	      <readonly/>
	      <boot order='2'/>
	    </disk>
	    <graphics type='spice' port='$port' autoport='no' listen='127.0.0.1'
	        passwd='$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')'>
	      <listen type='address' address='127.0.0.1'/>
	    </graphics>
	    <video><model type='qxl'/></video>
	  </devices>
	</domain>
	EOF
}

# menu_guest_files [MODULE...]: the kernel (a copy: libvirt relabels what
# it boots) and the initramfs, readable by QEMU, loading the kernel modules
# MODULE... at boot (make_guest_initrd; virtio_pci virtio_blk for a guest
# that reads its disk).
menu_guest_files()
{
	local kernel
	kernel=$(e2e_guest_kernel) || return 1
	mkdir -m 0755 "$E2E_TMP/guest" &&
	    install -m 0644 "$kernel" "$E2E_TMP/guest/vmlinuz" &&
	    make_guest_initrd "$E2E_TMP/guest/initrd.gz" "$@" &&
	    chmod 0644 "$E2E_TMP/guest/initrd.gz"
}

# menu_guest_define NAME PORT: NAME as menu_domain_xml makes it, booting the
# guest directly, with the template's serial port and console.
menu_guest_define()
{
	menu_domain_xml "$1" "$2" | sed \
	    -e "s|<os>.*</os>|<os><type arch='x86_64' machine='q35'>hvm</type><kernel>$E2E_TMP/guest/vmlinuz</kernel><initrd>$E2E_TMP/guest/initrd.gz</initrd><cmdline>console=ttyS0 panic=-1</cmdline></os>|" \
	    -e "s|<memory unit='MiB'>128</memory>|<memory unit='MiB'>256</memory>|" \
	    -e "s|  </devices>|<serial type='pty'><target port='0'/></serial><console type='pty'><target type='serial' port='0'/></console></devices>|" \
	    >"$E2E_TMP/$1-guest.xml" &&
	    e2e_virsh undefine "$1" >/dev/null &&
	    e2e_virsh define "$E2E_TMP/$1-guest.xml" >/dev/null
}

menu_define()
{
	defer e2e_forget_domain "$1"
	menu_domain_xml "$1" "$2" >"$E2E_TMP/$1.xml" &&
	    e2e_virsh define "$E2E_TMP/$1.xml" >/dev/null
}

# menu_forget_sessions: the records of open menu sessions that --list
# keeps for ALICE and BOB (RUNSTATEDIR/vpshost/sessions, virsh-menu(8))
# are removed at cleanup, with the directories on the way there that did
# not exist before. Sets MENU_SESSIONS, the directory of the records.
menu_forget_sessions()
{
	local rundir d top=""
	rundir=$(menu_make_var runstatedir) || return 1
	MENU_SESSIONS=$rundir/vpshost/sessions
	for d in "$MENU_SESSIONS" "$rundir/vpshost" "$rundir" "${rundir%/*}"; do
		[ -e "$d" ] || top=$d
	done
	defer _menu_sessions_remove "$top"
}

_menu_sessions_remove()
{
	local d=$MENU_SESSIONS
	rm -f -- "$MENU_SESSIONS/$ALICE" "$MENU_SESSIONS/$BOB" || return 1
	[ -n "$1" ] || return 0
	while :; do
		[ ! -d "$d" ] || rmdir --ignore-fail-on-non-empty -- "$d" ||
		    return 1
		[ "$d" != "$1" ] || return 0
		d=${d%/*}
	done
}

# menu_forget_tickets: at cleanup (after the domains are gone, which
# ends the watchers of their console tickets), the ticket files of A1, A2
# and B1 (RUNSTATEDIR/vpshost/tickets, virsh-menu(8)) are removed, and
# the directory if it did not exist before. A watcher still running then
# is a failure (and is stopped).
menu_forget_tickets()
{
	local rundir
	rundir=$(menu_make_var runstatedir) || return 1
	MENU_TICKETS=$rundir/vpshost/tickets
	defer _menu_tickets_remove "$([ -e "$MENU_TICKETS" ] || echo new)"
}

# menu_watchers [VPS]: the pids of the ticket watchers of the menu
# world's members (of VPS only, if given).
menu_watchers()
{
	pgrep -f "^virsh-menu-ticket ($ALICE|$BOB) ${1:-[^ ]*} "
}

_menu_tickets_remove()
{
	local rc=0 p
	if ! wait_for -t 20 eval '[ -z "$(menu_watchers)" ]'; then
		echo "ticket watchers still running: $(menu_watchers)" >&2
		for p in $(menu_watchers); do
			kill "$p"
		done
		rc=1
	fi
	rm -f -- "$MENU_TICKETS/$A1" "$MENU_TICKETS/$A2" "$MENU_TICKETS/$B1"
	[ "$1" != new ] || [ ! -d "$MENU_TICKETS" ] ||
	    rmdir --ignore-fail-on-non-empty -- "$MENU_TICKETS"
	return "$rc"
}

# menu_setup [TICKET_MINUTES]
menu_setup()
{
	local bindir sysconfdir sudoers
	bindir=$(menu_make_var bindir) || return 1
	sysconfdir=$(menu_make_var sysconfdir) || return 1
	MENU=$bindir/virsh-menu
	CONF=$sysconfdir/vps/vps.conf
	DATA=$E2E_TMP/vps.data
	ISODIR=$E2E_TMP/iso
	ALICE=$(e2e_name a)
	BOB=$(e2e_name b)
	A1=$(e2e_name a1)
	A2=$(e2e_name a2)
	B1=$(e2e_name b1)
	PORT_A1=$(free_port) && PORT_A2=$(free_port) && PORT_B1=$(free_port) ||
	    return 1
	sudoers=/etc/sudoers.d/$(e2e_name menu | tr -d -- -)
	menu_forget_sessions && menu_forget_tickets || return 1
	e2e_forget_disk_locks "$(menu_make_var runstatedir)" || return 1
	mkdir -m 0755 "$ISODIR" "$E2E_TMP/disks" || return 1
	printf '%s:%s:1:128:1:%s\n' "$A1" "$ALICE" "$PORT_A1" \
	    "$A2" "$ALICE" "$PORT_A2" "$B1" "$BOB" "$PORT_B1" >"$DATA"
	chmod 0640 "$DATA"
	menu_configure "$sudoers" "[spice]" "ticket_minutes = ${1:-10}" ||
	    return 1
	add_member "$ALICE" "$MENU" && add_member "$BOB" "$MENU" || return 1
	menu_define "$A1" "$PORT_A1" && menu_define "$A2" "$PORT_A2" &&
	    menu_define "$B1" "$PORT_B1" || return 1
	SSHD_INCLUDE=$E2E_TMP/sshd-vps.conf start_sshd
}

# menu_syslog: listens on /dev/log for the helpers' audit lines, into
# $syslog; syslog is empty if a syslog daemon owns /dev/log (the tests
# that read it then skip, naming that fact). Bails out on any other
# failure.
menu_syslog()
{
	local rc=0
	syslog=$E2E_TMP/syslog
	start_syslog "$syslog" || rc=$?
	case $rc in
	0) ;;
	2) syslog= ;;
	*) bail_out "cannot listen on /dev/log" ;;
	esac
}

# as_member USER CMD...: CMD as the member, outside ssh (runuser).
as_member()
{
	local user=$1
	shift
	runuser -u "$user" -- "$@"
}

# dom_field DOMAIN FIELD: one field of virsh dominfo ("State", ...).
dom_field()
{
	e2e_virsh dominfo "$1" | sed -n "s/^$2: *//p"
}

# menu_field FIELD: the same field from the menu's status in $T_OUT.
menu_field()
{
	sed -n "s/^$1: *//p" "$T_OUT"
}

# boot_first DOMAIN: the device ("disk", "cdrom") the persistent
# definition boots first (per-device <boot order='1'/>).
boot_first()
{
	e2e_virsh dumpxml --inactive "$1" |
	    xmllint --xpath "string(//devices/disk[boot/@order='1']/@device)" -
}

# spice_passwd DOMAIN: the SPICE password of the persistent definition.
spice_passwd()
{
	e2e_virsh dumpxml --inactive --security-info "$1" |
	    xmllint --xpath "string(//devices/graphics/@passwd)" -
}

# cdrom_source DOMAIN [--inactive]: the CD-ROM's file per domblklist.
cdrom_source()
{
	e2e_virsh domblklist "$@" | awk '$1 == "sda" { print $2 }'
}
