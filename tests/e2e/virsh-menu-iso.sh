#!/usr/bin/env bash
# virsh-menu-iso.sh: the ISO library and the persistent definition, as
# the privileged helper (virsh-menu --serve) handles them, with the real
# libvirtd and sudo:
#   - the library is trusted only when only root can change it: a
#     group-writable or member-owned iso_dir, a hard-linked ISO and an
#     attached ISO swapped for a symbolic link to a root-only file are
#     refused (isos, attach_iso, start), each with its reason; libvirt
#     never relabels a library ISO (still root's while the VPS runs);
#   - media changes wait for the lock of create-vps and delete-vps, act
#     on the domain the session began with only (a VPS deleted or
#     replaced meanwhile is refused and not defined again), and keep an
#     admin's change of the definition made meanwhile.
# shellcheck source=lib.sh
. "$top_srcdir/tests/e2e/lib.sh"
# shellcheck source=virsh-menu-lib.sh
. "$top_srcdir/tests/e2e/virsh-menu-lib.sh"
e2e_require_root
e2e_require_cmd sudo sshd ssh virsh libvirtd qemu-system-x86_64 runuser \
    xmllint flock

t_need "libvirtd is up" start_libvirtd
t_need "menu world is set up" menu_setup

good=$ISODIR/good.iso
secret=$E2E_TMP/secret
t_need "a root-only secret file" bash -c \
    "umask 077 && echo 'root:SECRET:19000::::::' >'$secret'"
t_need "a good ISO (root's, 0644)" install -m 0644 /dev/null "$good"

# isos: the library as the helper lists it (the protocol's isos).
isos() { printf 'isos\n' | as_member "$ALICE" sudo -n "$MENU" --serve "$A1"; }

# owner FILE: user:mode of FILE (not following a symbolic link).
owner() { stat -c '%U:%a' -- "$1"; }

# ---- a trusted library works, and libvirt does not relabel its ISOs
t_check "attach_iso good.iso" ssh_as "$ALICE" attach_iso good.iso
t_eq "... in the definition" "$good" "$(cdrom_source "$A1" --inactive)"
t_eq "... never relabelled (seclabel relabel='no' in its source)" no \
    "$(e2e_virsh dumpxml --inactive "$A1" | xmllint --xpath \
    "string(//devices/disk[@device='cdrom']/source/seclabel[@model='dac']/@relabel)" -)"
t_check "start with the ISO" ssh_as "$ALICE" start
t_eq "... running" running "$(e2e_virsh domstate "$A1")"
t_eq "... the ISO is still root's while QEMU has it open" root:644 \
    "$(owner "$good")"
t_check "poweroff" ssh_as "$ALICE" poweroff
t_eq "... still root's" root:644 "$(owner "$good")"

# ---- an attached ISO swapped for a symbolic link to a root-only file
t_check "good.iso becomes a symbolic link to the secret" \
    ln -sfn "$secret" "$good"
t_check_rc "start: refused (exit 1)" 1 ssh_as "$ALICE" start
t_check "... saying why" grep -q "start: refused: ISO $good is not safe: a symbolic link (attached to $A1)" "$T_ERR"
t_eq "... not started" "shut off" "$(e2e_virsh domstate "$A1")"
t_eq "... the secret is still root's, 0600" root:600 "$(owner "$secret")"
t_check "isos" isos
t_check_fails "... leaves it out" grep -q "good.iso" "$T_OUT"
t_check_rc "attach_iso of it: refused" 1 ssh_as "$ALICE" use "$A2" attach_iso good.iso
t_check "... a symbolic link" grep -q "symbolic link" "$T_ERR"
t_check "detach_iso still works" ssh_as "$ALICE" detach_iso
t_check "start without it" ssh_as "$ALICE" start
t_check "poweroff" ssh_as "$ALICE" poweroff
t_check "good.iso a file again" bash -c \
    "rm -f '$good' && install -m 0644 /dev/null '$good'"

# ---- a hard link (nlink 2), a file QEMU cannot read, a member's file
t_check "hard.iso: a second link of a root file" bash -c \
    "install -m 0644 /dev/null '$E2E_TMP/other' && ln '$E2E_TMP/other' '$ISODIR/hard.iso'"
t_check_rc "attach_iso hard.iso: refused" 1 ssh_as "$ALICE" attach_iso hard.iso
t_check "... more than one hard link" grep -q "hard.iso is not safe: has more than one hard link" "$T_ERR"
t_eq "... not attached" "-" "$(cdrom_source "$A1" --inactive)"
t_check "isos" isos
t_check "... lists good.iso" grep -qx "| good.iso" "$T_OUT"
t_check_fails "... not hard.iso" grep -q "hard.iso" "$T_OUT"
t_check "private.iso: 0600" install -m 0600 /dev/null "$ISODIR/private.iso"
t_check_rc "attach_iso private.iso: refused" 1 ssh_as "$ALICE" attach_iso private.iso
t_check "... not readable by others" grep -q "not readable by others" "$T_ERR"
t_check "mine.iso: the member's" install -m 0644 -o "$ALICE" /dev/null "$ISODIR/mine.iso"
t_check_rc "attach_iso mine.iso: refused" 1 ssh_as "$ALICE" attach_iso mine.iso
t_check "... not owned by root" grep -q "not owned by root" "$T_ERR"
rm -f "$ISODIR/hard.iso" "$ISODIR/private.iso" "$ISODIR/mine.iso"

# ---- the library directory itself
t_check "iso_dir group-writable" chmod 0775 "$ISODIR"
t_check_rc "isos: refused" 1 ssh_as "$ALICE" attach_iso
t_check "... naming the directory and why" grep -q "ISO library $ISODIR is not safe: $ISODIR is writable by group or others" "$T_ERR"
t_check_rc "attach_iso good.iso: refused" 1 ssh_as "$ALICE" attach_iso good.iso
t_check "... saying why" grep -q "writable by group or others" "$T_ERR"
t_eq "... not attached" "-" "$(cdrom_source "$A1" --inactive)"
t_check "iso_dir the member's, 0755" bash -c \
    "chmod 0755 '$ISODIR' && chown '$ALICE' '$ISODIR'"
t_check_rc "isos: refused" 1 ssh_as "$ALICE" attach_iso
t_check "... not owned by root" grep -q "$ISODIR is not owned by root" "$T_ERR"
t_check_rc "attach_iso good.iso: refused" 1 ssh_as "$ALICE" attach_iso good.iso
t_check "iso_dir root's again" chown root "$ISODIR"
t_check "attach_iso good.iso works again" ssh_as "$ALICE" attach_iso good.iso
t_check "detach_iso" ssh_as "$ALICE" detach_iso

# ---- a session held open: requests through a FIFO, replies in a file
# session_open VPS: ALICE's --serve session of VPS (the helper that the
# menu keeps for a session), fed on descriptor 5.
session_open()
{
	local fifo
	fifo=$E2E_TMP/session.$RANDOM
	SESSION_OUT=$fifo.out
	mkfifo "$fifo" || return 1
	e2e_hold
	as_member "$ALICE" sudo -n "$MENU" --serve "$1" <"$fifo" \
	    >"$SESSION_OUT" 2>&1 5>&- 6>&- 8>&- 9>&- &
	SESSION_PID=$!
	defer e2e_stop_pid "$SESSION_PID" "serve session"
	e2e_release
	exec 5>"$fifo"
}

session_close()
{
	exec 5>&-
	wait_for _e2e_dead "$SESSION_PID"
}

# The number of replies so far, and the last one.
replies() { grep -cE '^(ok$|err [0-9])' "$SESSION_OUT"; }
last_reply() { grep -E '^(ok$|err [0-9])' "$SESSION_OUT" | tail -n 1; }

# session_send REQUEST: sends it, and does not wait.
session_send() { printf '%s\n' "$1" >&5; }

# session_req REQUEST: sends it and waits for its reply.
session_req()
{
	local n
	n=$(replies)
	session_send "$1"
	wait_for eval "[ \$(replies) -gt $n ]"
}

LOCK=$DATA.lock
# lock_take / lock_drop: the lock of create-vps and delete-vps (flock on
# vps.data's .lock file, create-vps(8)), held by this shell on fd 6.
lock_take() { exec 6>>"$LOCK" && flock -x 6; }
lock_drop() { flock -u 6; exec 6>&-; }

# The serve session blocked on the lock: a waiter in /proc/locks on the
# lock file's inode (/proc/locks in proc(5)).
lock_waiter()
{
	local ino
	ino=$(stat -c %i "$LOCK")
	grep -Eq "^[0-9]+: -> FLOCK +ADVISORY +WRITE +[0-9]+ +[0-9a-f]+:[0-9a-f]+:$ino " /proc/locks
}

# blocked_or_replied N: the session blocked on the lock, or it replied
# (more than N replies).
blocked_or_replied() { lock_waiter || [ "$(replies)" -gt "$1" ]; }

# description DOMAIN: <description> of its persistent definition.
description()
{
	e2e_virsh dumpxml --inactive "$1" | xmllint --xpath 'string(/domain/description)' -
}

# admin_edit DOMAIN TEXT: what an admin's "virsh edit" does: the
# definition with <description>TEXT</description>, defined again.
admin_edit()
{
	e2e_virsh dumpxml --inactive --security-info "$1" |
	    sed "s|<name>$1</name>|<name>$1</name><description>$2</description>|" \
	    >"$E2E_TMP/edit.xml" && e2e_virsh define "$E2E_TMP/edit.xml"
}

# ---- an admin's change made while the helper waits for the lock stays
t_need "a session on $A2" session_open "$A2"
t_need "... answers" session_req status
t_eq "... ok" ok "$(last_reply)"
t_need "the lock held (as by create-vps)" lock_take
n=$(replies)
session_send "attach_iso good.iso"
t_check "attach_iso waits for the lock" wait_for blocked_or_replied "$n"
t_eq "... no reply while the lock is held" "$n" "$(replies)"
t_check "... blocked on it" lock_waiter
t_check "admin edits the definition meanwhile" admin_edit "$A2" "edited by an admin"
t_check "the lock released" lock_drop
t_check "... attach_iso goes on" wait_for eval "[ \$(replies) -gt $n ]"
t_eq "... ok" ok "$(last_reply)"
t_eq "... attached" "$good" "$(cdrom_source "$A2" --inactive)"
t_eq "... the admin's change stays" "edited by an admin" "$(description "$A2")"
t_check "admin edits again" admin_edit "$A2" "edited again"
t_need "detach_iso" session_req detach_iso
t_eq "... ok" ok "$(last_reply)"
t_eq "... detached" "-" "$(cdrom_source "$A2" --inactive)"
t_eq "... the admin's change stays" "edited again" "$(description "$A2")"

# ---- replaced: same name, another domain (another UUID)
replace_a2()
{
	e2e_virsh dumpxml --inactive --security-info "$A2" |
	    sed '/<uuid>/d' >"$E2E_TMP/a2-new.xml" &&
	    e2e_virsh undefine "$A2" && e2e_virsh define "$E2E_TMP/a2-new.xml"
}
uuid_before=$(e2e_virsh domuuid "$A2")
t_check "admin replaces $A2 (undefine, define anew)" replace_a2
t_check "... another UUID" test "$uuid_before" != "$(e2e_virsh domuuid "$A2")"
t_need "attach_iso from the old session" session_req "attach_iso good.iso"
t_eq "... refused" "err 1 $A2: the VPS was deleted or replaced; log in again" \
    "$(last_reply)"
t_eq "... the new domain untouched" "-" "$(cdrom_source "$A2" --inactive)"
t_need "detach_iso from the old session" session_req detach_iso
t_eq "... refused" "err 1 $A2: the VPS was deleted or replaced; log in again" \
    "$(last_reply)"
t_check "the session ends" session_close

# ---- deleted with delete-vps while a session is open
t_need "a new session on $A2" session_open "$A2"
t_need "... answers" session_req status
t_check "delete-vps $A2" "$top_builddir/delete-vps" -c "$CONF" "$A2"
t_need "attach_iso from the session" session_req "attach_iso good.iso"
t_eq "... refused" "err 1 $A2: the VPS was deleted or replaced; log in again" \
    "$(last_reply)"
t_check_fails "... not defined again" e2e_virsh dominfo "$A2"
t_need "detach_iso from the session" session_req detach_iso
t_check_fails "... not defined again" e2e_virsh dominfo "$A2"
t_check "the session ends" session_close

# ---- deleted while the helper waits for the lock
t_need "$A2 defined again" menu_define "$A2" "$PORT_A2"
t_need "a new session on $A2" session_open "$A2"
t_need "... answers" session_req status
t_need "the lock held (as by delete-vps)" lock_take
n=$(replies)
session_send "attach_iso good.iso"
t_check "attach_iso waits for the lock" wait_for blocked_or_replied "$n"
t_eq "... no reply while the lock is held" "$n" "$(replies)"
t_check "virsh undefine $A2 meanwhile" e2e_virsh undefine "$A2"
t_check "the lock released" lock_drop
t_check "... attach_iso answers" wait_for eval "[ \$(replies) -gt $n ]"
t_eq "... refused" "err 1 $A2: the VPS was deleted or replaced; log in again" \
    "$(last_reply)"
t_check_fails "... $A2 is not defined again" e2e_virsh dominfo "$A2"
t_check "the session ends" session_close

t_done
