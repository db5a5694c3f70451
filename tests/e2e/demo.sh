#!/bin/bash
# e2e: the README's first command.  `tools/demo --no-login` builds vpshost
# into its private prefix, brings up the demo host (slapd, sync, rules,
# libvirtd, ISO library, create-vps, sshd, member accounts) and checks the
# first member's menu over ssh down to a SPICE screenshot through the
# member's tunnel; running it twice is safe; `tools/demo down` removes what
# it created and leaves the host as it found it.
. "$top_srcdir/tests/e2e/lib.sh"
e2e_require_root
demo=$top_srcdir/tools/demo
t_need "tools/demo is executable" test -x "$demo"

# What the host looks like, for the before/after comparison.
host_state()
{
	getent passwd | cut -d: -f1 | sort
	cat /etc/shells
	ls -a /etc/sudoers.d
	ls -d /opt/vpshost-demo /var/lib/vpshost-demo 2>/dev/null
	virsh -q -c qemu:///system list --all --name 2>/dev/null | sort
	virsh -q -c qemu:///system net-list --all --name 2>/dev/null | sort
	ip -o link show | awk '{ print $2 }' | sort
	ps -eo pid,args | grep -E '[s]lapd|[s]shd|[q]emu-system' |
	    grep -v "$E2E_TMP" | sort
}
before=$(host_state)
defer "$demo" down

export E2E_TIMEOUT=1200
t_check "tools/demo --no-login" "$demo" --no-login
out=$E2E_TMP/demo.out
cp "$T_OUT" "$out"
t_check "... checked the member's menu down to a SPICE screen" \
    grep -q 'menu checked: list, start, status, console, SPICE screen' "$out"
t_eq "... printed how to log in as each of the three members" 3 \
    "$(grep -c '^  ssh -i /var/lib/vpshost-demo/keys/demo-[a-z]* -p 2222 demo-[a-z]*@127.0.0.1$' "$out")"
t_check "... and how to remove it" grep -q 'sudo tools/demo down' "$out"
t_check "vps-doctor passes on the demo host (no FAIL)" \
    grep -Eq '^tools/demo: vps-doctor: [0-9]+ OK, [0-9]+ WARN, 0 FAIL$' "$out"
t_check "... every check but LDAP-less ones ran" bash -c \
    'for c in config data libvirt kvm cpu nwfilter network storage iso sudoers-include \
	rules sshd-include sshd-env members spice-ports ldap; do
	grep -Eq "^  (OK|WARN) +$c " "$1" || exit 1; done' _ "$out"
t_check "the demo VPS are defined" \
    bash -c 'for v in alice-web bob-db carol-www carol-git; do
	virsh -q -c qemu:///system dominfo "$v" >/dev/null || exit 1; done'
t_check "the member's rules are in sudo" sudo -n -l -U demo-carol
t_check "... carol may serve both of hers" \
    bash -c 'grep -q -- "--serve carol-www" "$1" && grep -q -- "--serve carol-git" "$1"' _ "$T_OUT"

t_check "tools/demo --no-login again (running twice is safe)" "$demo" --no-login
t_check "... took the previous demo down first" \
    grep -q 'taking the previous demo down' "$T_OUT"
t_check "tools/demo down" "$demo" down
t_eq "the host is as it was before the demo" "$before" "$(host_state)"
t_check "tools/demo down with no demo set up" "$demo" down
t_check_rc "an unknown argument is a usage error" 2 "$demo" --frobnicate
t_done
