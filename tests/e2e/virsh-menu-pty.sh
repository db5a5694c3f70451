#!/usr/bin/env bash
# virsh-menu-pty.sh: the interactive menu on a terminal (ssh -tt driven by
# expect, and the menu run directly as the member on a pty), and the ways
# out of it that must stay closed: job-control and quit keys, libedit's
# ed-command and vi-mode editor, quoted insert, ~/.editrc and EDITRC, long
# and hostile lines, hostile ISO names, sftp, LD_PRELOAD; and a libvirtd
# restart during a session.
# shellcheck source=lib.sh
. "$top_srcdir/tests/e2e/lib.sh"
# shellcheck source=virsh-menu-lib.sh
. "$top_srcdir/tests/e2e/virsh-menu-lib.sh"
e2e_require_root
e2e_require_cmd sudo sshd ssh virsh libvirtd qemu-system-x86_64 runuser \
    expect sftp

t_need "libvirtd is up" start_libvirtd
t_need "menu world is set up" menu_setup

home=$(getent passwd "$ALICE" | cut -d: -f6)
marker=$E2E_TMP/marker
fakebin=$E2E_TMP/fakebin
mkdir -m 0755 "$fakebin"
chmod 0777 "$E2E_TMP/disks"
# An editor and a shell that leave a marker if anything ever runs them.
for p in vi vim ex ed nano editor sh bash; do
	printf '#!/bin/sh\necho "%s ran" >>%s\n' "$p" "$marker" >"$fakebin/$p"
	chmod 0755 "$fakebin/$p"
done
: >"$E2E_TMP/iso/tiny.iso"
chmod 0644 "$E2E_TMP/iso/tiny.iso"
touch "$marker" && chmod 0666 "$marker"

# pty_run NAME: runs the expect scenario on stdin after the prelude.
pty_run()
{
	local f
	f=$E2E_TMP/pty-$(printf '%s' "$1" | tr -c 'A-Za-z0-9' _).exp
	{
		echo "source $top_srcdir/tests/e2e/virsh-menu-pty.exp"
		cat
	} >"$f"
	t_check "pty: $1" expect -f "$f"
}
menu_env="env -i PATH=$fakebin:/usr/bin:/bin HOME=$home TERM=xterm EDITOR=vi VISUAL=vi"
export E2E_SSH_CONFIG ALICE MENU A1 A2 fakebin home menu_env

# ---- an interactive session over ssh -tt
pty_run "session over ssh" <<'EOF'
spawn ssh -F $env(E2E_SSH_CONFIG) -tt -l $env(ALICE) e2e
want "vpshost member shell"
want "Your VPS: $env(A1), $env(A2)"
want "Actions apply to: $env(A1)"
prompt
run_want "status" "State:          shut off"
run_want "use $env(A2)" "Actions now apply to $env(A2)."
run_want "start" "Domain $env(A2) started"
run_want "list" "$env(A2)  (selected)"
send "stat\t\r"
want "Name:           $env(A2)"
prompt
send "use $env(A1) sta"
send "\t"
want "status  start"
send "tus\r"
want "Name:           $env(A1)"
prompt
send "atta\t\t\r"
want "Successfully inserted media."
prompt
run_want "detach_iso" "Successfully ejected media."
send "attach_iso\r"
want "ISO library:"
want "1  tiny.iso"
want "ISO to attach"
send "1\r"
want "Successfully inserted media."
prompt
send "attach_iso\r"
want "ISO to attach"
send "\r"
want "Cancelled."
prompt
run_want "poweroff" "Domain $env(A2) destroyed"
run_want "bash" "unknown command: bash"
run_want "help" "console"
send "\004"
ends
EOF
t_eq "A2 is shut off again" "shut off" "$(e2e_virsh domstate "$A2")"
t_eq "tiny.iso is in A2's CD-ROM (live and config)" "$E2E_TMP/iso/tiny.iso" \
    "$(cdrom_source "$A2" --inactive)"
t_eq "A1 untouched" "shut off" "$(e2e_virsh domstate "$A1")"

# ---- keys: Ctrl-C cancels, Ctrl-Z and Ctrl-\ do nothing, EOF quits
pty_run "Ctrl-C, Ctrl-Z, Ctrl-\\ at the prompt" <<'EOF'
spawn ssh -F $env(E2E_SSH_CONFIG) -tt -l $env(ALICE) e2e
prompt
send "sta\003"
prompt
run_want "tus" "unknown command: tus"
send "\032"
send "\034"
run_want "status" "State:"
send "attach_iso\r"
want "ISO to attach"
send "\003"
prompt
send "attach_iso\r"
want "ISO to attach"
send "\032\034\004"
want "Cancelled."
prompt
send "\004"
ends
EOF

# Ctrl-C after a partly typed line, read by the menu before the Ctrl-C
# came (separate writes), cancels the line: it is not run.
pty_run "Ctrl-C cancels a typed line, it does not run it (5 times)" <<'EOF2'
spawn runuser -u $env(ALICE) -- {*}$env(menu_env) $env(MENU)
prompt
for {set i 0} {$i < 5} {incr i} {
	send "start"
	sleep 0.3
	send "\003"
	expect {
		-ex "started" { fail "the cancelled line ran" }
		-ex ">>> " {}
		timeout { fail "no prompt after Ctrl-C" }
	}
	run_want "list" "(selected)"
}
send "quit\r"
ends
EOF2
t_eq "... A1 was not started" "shut off" "$(e2e_virsh domstate "$A1")"
# The same typed at once: the Ctrl-C flushes what the menu has not read
# yet, and must still cancel what it has, at once: a fresh prompt comes
# before anything else is typed (the Ctrl-C was lost while ppoll kept the
# pending SIGINT out and a blocking read waited for the next key).
pty_run "Ctrl-C right after typing gives a fresh prompt (10 times)" <<'EOF2'
spawn runuser -u $env(ALICE) -- {*}$env(menu_env) $env(MENU)
prompt
for {set i 0} {$i < 10} {incr i} {
	run_want "list" "(selected)"
	send "sta"
	send "\003"
	prompt
	run_want "tus" "unknown command: tus"
}
send "quit\r"
ends
EOF2

# Ctrl-D typed at once after a command's output, before the next prompt
# (while the terminal is not in line-editing mode), still ends the
# session.
pty_run "Ctrl-D right after a command ends the session (10 times)" <<'EOF2'
for {set i 0} {$i < 10} {incr i} {
	spawn runuser -u $env(ALICE) -- {*}$env(menu_env) $env(MENU)
	prompt
	send "status\r"
	want "ISO:"
	send "\004"
	ends
	wait
}
EOF2

# ---- libedit's ways out, on a pty as the member, with vi on PATH
pty_run "ESC-x bind -v ESC-v does not reach an editor" <<'EOF'
spawn runuser -u $env(ALICE) -- {*}$env(menu_env) $env(MENU)
prompt
send "\033x"
send "bind -v\r"
want "unknown command: bind"
prompt
send "\033v"
send "\033X"
send "bind -v\r"
want "unknown command: bind"
prompt
send "\033v:bind -v\r"
prompt
send "\033v"
run_want "status" "State:"
send "quit\r"
ends
EOF
t_eq "no editor or shell ran" "" "$(cat "$marker")"

pty_run "Ctrl-V Ctrl-J cannot put a newline into a line" <<'EOF'
spawn runuser -u $env(ALICE) -- {*}$env(menu_env) $env(MENU)
prompt
send "list\026\012"
want "(selected)"
prompt
send "list\r"
want "(selected)"
prompt
send "\026\033\[2J\r"
prompt
send "quit\r"
ends
EOF

cat >"$home/.editrc" <<EOF
bind -v
bind ^I vi-histedit
EOF
cp "$home/.editrc" "$E2E_TMP/editrc"
chmod 0644 "$home/.editrc" "$E2E_TMP/editrc"
pty_run "~/.editrc and EDITRC are never read" <<'EOF'
spawn runuser -u $env(ALICE) -- {*}$env(menu_env) EDITRC=$env(E2E_TMP)/editrc $env(MENU)
prompt
send "\033v"
send "stat\t\r"
want "State:"
prompt
send "quit\r"
ends
EOF
t_eq "no editor ran" "" "$(cat "$marker")"

long=$(head -c 3000 /dev/zero | tr '\0' a)
export long
pty_run "a long line is refused, the menu goes on" <<'EOF'
spawn runuser -u $env(ALICE) -- {*}$env(menu_env) $env(MENU)
prompt
send "$env(long)\r"
want "invalid input"
prompt
run_want "status" "State:"
send "quit\r"
ends
EOF

# Up-arrow recalls the previous line from the in-memory history (it
# never did while the UI asked libedit for EL_HIST, which Debian's
# libedit does not return).
pty_run "history: up-arrow recalls the last command" <<'EOF'
spawn runuser -u $env(ALICE) -- {*}$env(menu_env) $env(MENU)
prompt
run_want "list" "$env(A1)  (selected)"
run_want "help" "console"
send "\033\[A\033\[A\r"
want "$env(A1)  (selected)"
prompt
send "quit\r"
ends
EOF

# ---- without a terminal: 1 MiB lines, hostile bytes
{
	head -c 1048576 /dev/zero | tr '\0' x
	printf '\nstatus\n'
	printf 'sta\033[2Jtus\n'
	printf 'list\n'
} >"$E2E_TMP/huge.in"
run_huge() { ssh_as "$ALICE" <"$E2E_TMP/huge.in"; }
t_check "a 1 MiB line on stdin" run_huge
cp "$T_OUT" "$E2E_TMP/huge.out"
cp "$T_ERR" "$E2E_TMP/huge.err"
t_check "... is refused as too long" grep -q "line too long" "$E2E_TMP/huge.err"
t_check "... the next line still runs" grep -q "^State: " "$E2E_TMP/huge.out"
t_check "... an escape sequence is refused" grep -q "only printable ASCII" "$E2E_TMP/huge.err"
t_check "... and list runs after it" grep -q "(selected)" "$E2E_TMP/huge.out"
huge_serve() { head -c 1048576 /dev/zero | tr '\0' s; printf '\nstatus\n'; }
run_huge_serve() { huge_serve | as_member "$ALICE" sudo -n "$MENU" --serve "$A1"; }
t_check "protocol: a 1 MiB request line" run_huge_serve
cp "$T_OUT" "$E2E_TMP/huge.out"
t_check "... err 2 request too long" grep -q '^err 2 invalid request: request too long' "$E2E_TMP/huge.out"
t_check "... then the status" grep -q '^| State:' "$E2E_TMP/huge.out"

# ---- hostile ISO names never reach libvirt or the terminal
printf 'x' >"$E2E_TMP/iso/$(printf 'evil\033[2J.iso')"
printf 'x' >"$E2E_TMP/iso/$(printf 'new\nline.iso')"
ln -s /etc/shadow "$E2E_TMP/iso/shadow.iso"
ln -s /etc "$E2E_TMP/iso/dir.iso"
before=$(cdrom_source "$A1" --inactive)
t_check_rc "attach_iso without a name (no terminal): lists, exit 2" 2 ssh_as "$ALICE" attach_iso
t_eq "... only the valid regular file is listed" "1 tiny.iso" "$(grep '^ ' "$T_OUT" | xargs)"
t_check_fails "... no escape byte printed" grep -q "$(printf '\033')" "$T_OUT" "$T_ERR"
for iso in ../../etc/shadow /etc/passwd a.iso/../x \
    "$(printf 'evil\033[2J.iso')" "../iso/tiny.iso" "tiny.iso/" ""; do
	t_check_rc "attach_iso '$(printf %q "$iso")' refused" 2 ssh_as "$ALICE" attach_iso "$iso"
	t_check_fails "... no escape byte printed" grep -q "$(printf '\033')" "$T_ERR"
done
# Valid names of symbolic links in the library: refused as unsafe (exit 1).
for iso in shadow.iso dir.iso; do
	t_check_rc "attach_iso $iso (a symbolic link) refused" 1 ssh_as "$ALICE" attach_iso "$iso"
	t_check "... not safe: a symbolic link" grep -q "$iso is not safe: a symbolic link" "$T_ERR"
done
t_eq "A1's CD-ROM untouched" "$before" "$(cdrom_source "$A1" --inactive)"

# ---- sftp, LD_PRELOAD
t_check_fails "sftp gets no file server" \
    sftp -F "$E2E_SSH_CONFIG" -o User="$ALICE" -b - e2e <<<'ls /'
# SetEnv sends the variable without loading it into the local ssh.
ld_preload() { ssh_as "$ALICE" -o SetEnv="LD_PRELOAD=$E2E_TMP/nosuch.so" status; }
t_check "LD_PRELOAD sent along (SetEnv, as SendEnv would)" ld_preload
t_check_fails "... the variable never reached the menu" grep -q "nosuch.so" "$T_ERR"
t_eq "no editor or shell ran at all" "" "$(cat "$marker")"

# ---- a VPS name with an escape sequence: vps.data refuses it whole
cp "$DATA" "$DATA.good"
printf '%s:%s:1:128:1:7999\n' "$(printf 'x\033[2J')" "$ALICE" >>"$DATA"
t_check_rc "a vps.data with an escape in a name: the menu refuses" 1 ssh_as "$ALICE" status
t_check_fails "... no escape byte printed" grep -q "$(printf '\033')" "$T_OUT" "$T_ERR"
mv -f "$DATA.good" "$DATA"

# ---- libvirtd restarted during a session
restart_libvirtd()
{
	local dir=$E2E_TMP/libvirt
	e2e_stop_pidfile "$dir/libvirtd.pid" libvirtd || return 1
	(cd / && exec /usr/sbin/libvirtd -d -p "$dir/libvirtd.pid" \
	    -f "$dir/libvirtd.conf" </dev/null >>"$dir/libvirtd.out" 2>&1 8>&- 9>&-)
	wait_for _e2e_libvirtd_up
}
if [ -n "$LIBVIRTD_PID" ]; then
	declare -f restart_libvirtd e2e_stop_pidfile e2e_stop_pid wait_for \
	    _e2e_alive _e2e_dead _e2e_libvirtd_up >"$E2E_TMP/restart.sh"
	printf 'E2E_TMP=%q VIRSH_URI=%q E2E_WAIT=30\nrestart_libvirtd\n' \
	    "$E2E_TMP" "$VIRSH_URI" >>"$E2E_TMP/restart.sh"
	export E2E_TMP
	pty_run "libvirtd restarted mid-session: the next command works" <<'EOF'
spawn ssh -F $env(E2E_SSH_CONFIG) -tt -l $env(ALICE) e2e
prompt
run_want "status" "State:          shut off"
exec bash $env(E2E_TMP)/restart.sh
run_want "start" "Domain $env(A1) started"
run_want "status" "State:          running"
run_want "poweroff" "Domain $env(A1) destroyed"
send "\004"
ends
EOF
	t_eq "A1 shut off" "shut off" "$(e2e_virsh domstate "$A1")"
else
	t_skip "libvirtd restarted mid-session" \
	    "machine: libvirtd already ran (a system service), so this test may not stop it"
fi

t_done
