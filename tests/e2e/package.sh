#!/bin/bash
# e2e: the Debian package.  Builds it from this source tree with
# dpkg-buildpackage (the unit tests run inside the build), unpacks it into a
# throw-away root with dpkg -x and checks the file list against what
# the man pages promise, renders every man page it ships
# without warnings, and runs lintian, which must report no errors.
. "$top_srcdir/tests/e2e/lib.sh"
e2e_require_root
e2e_require_cmd dpkg-buildpackage lintian dh

src=$E2E_TMP/pkg/vpshost
root=$E2E_TMP/root
mkdir -p "$src" "$root"

# The source as it would be released: the tracked files of a git checkout
# (plus new, not yet ignored ones), or the whole tree of an unpacked tarball.
copy_source()
{
	if git -C "$top_srcdir" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
		git -C "$top_srcdir" ls-files -z --cached --others \
		    --exclude-standard | (cd "$top_srcdir" &&
		    tar --null -T - -cf -) | tar -xf - -C "$src"
	else
		tar -C "$top_srcdir" --exclude=./_build -cf - . | tar -xf - -C "$src"
	fi
}
t_need "source tree copied" copy_source
t_need "debian/ is part of it" test -x "$src/debian/rules"
# A clean environment: make's MAKEFLAGS (with the TESTS of the make check
# running this test) and the harness's variables must not reach the build.
build()
{
	(cd "$src" && env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME="$E2E_TMP" \
	    LANG=C.UTF-8 dpkg-buildpackage -us -uc -b) >"$E2E_TMP/build.log" 2>&1 ||
	    { tail -40 "$E2E_TMP/build.log" >&2; return 1; }
}
t_need "dpkg-buildpackage -us -uc -b" build
deb=$(ls "$E2E_TMP"/pkg/vpshost_*.deb 2>/dev/null | head -1)
t_need "a .deb was built" test -n "$deb"
t_need "dpkg -x into a throw-away root" dpkg -x "$deb" "$root"

for f in usr/sbin/vps-data-gen usr/sbin/sudoers-gen usr/sbin/create-vps \
    usr/sbin/delete-vps usr/sbin/migrate-vps usr/sbin/vps-doctor \
    usr/bin/virsh-menu usr/share/man/man8/migrate-vps.8.gz \
    usr/share/man/man8/vps-data-gen.8.gz usr/share/man/man8/sudoers-gen.8.gz \
    usr/share/man/man8/create-vps.8.gz usr/share/man/man8/delete-vps.8.gz \
    usr/share/man/man8/virsh-menu.8.gz usr/share/man/man5/vps.conf.5.gz \
    usr/share/man/man5/vps.data.5.gz \
    usr/share/vpshost/domain.xml usr/share/vpshost/probe.img \
    usr/share/man/man8/vps-doctor.8.gz \
    usr/share/vpshost/ldap/vps.schema usr/share/vpshost/ldap/vps.ldif \
    lib/systemd/system/vps-sync.service lib/systemd/system/vps-sync.timer \
    etc/cron.d/vps-sync \
    usr/share/doc/vpshost/vps.conf.example usr/share/doc/vpshost/copyright; do
	t_check "ships /$f" test -f "$root/$f"
done
t_check "nothing under /usr/local" test ! -e "$root/usr/local"
t_check "tools are not setuid" \
    test -z "$(find "$root" -type f -perm /6000)"
t_check "man pages render without warnings" bash -c '
	for m in "$1"/usr/share/man/man*/*.gz; do
		zcat "$m" | groff -ww -z -mandoc -Tutf8 2>&1 | grep . && exit 1
	done; exit 0' _ "$root"
t_check "lintian reports no errors" \
    lintian --fail-on error "$deb"
t_done
