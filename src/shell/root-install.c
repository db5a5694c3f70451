/*
 * root-install.c: install ISO, the helper's side. The library ISO goes
 * into the CD-ROM, booting first (as attach_iso), and the VPS starts from
 * it: a shut-off VPS is started, a running one is powered off and
 * started again (a reset would keep the boot order it was started with).
 * A watcher, INSTALL_PATH (root-install-watch.c), detached from the
 * member's session, ejects the ISO when the guest first reboots or
 * stops, so that the VPS boots from its disk from then on.
 *
 * The watcher is recorded in INSTALL_DIR/VPS as a ticket's watcher is
 * (root-ticket.h): under the file's lock, an install replaces the
 * record, which ends the older install's watcher.
 */
#include <config.h>

#include <stdio.h>
#include <time.h>

#include "lock.h"
#include "random.h"
#include "root-domain.h"
#include "root-ticket.h"
#include "snapshot.h"
#include "util.h"

#define INSTALL_WATCH_SEC	(24LL * 3600)	/* then the watcher gives up */

/*
 * The VPS, stopped if it ran, with the watcher of install id started and
 * recorded in the locked record fd, starts from the ISO. The watcher
 * subscribes before the VPS starts, so it sees the first reboot however
 * soon it comes, and after the power-off, so that it does not take that
 * for the end of the install.
 */
static int
install_boot(struct serve_ctx *s, virDomainPtr dom, const char *iso,
    int fd, const char *id, struct reply *r)
{
	g_autoptr(GError) err = NULL;
	char	 until[32];
	char	*argv[] = { (char *)"virsh-menu-install", (char *)s->member,
	    (char *)s->vps, (char *)id, (char *)iso, until, NULL };
	int	 active;

	if ((active = virDomainIsActive(dom)) < 0 ||
	    (active && virDomainDestroy(dom) < 0))
		return reply_fail(r, 1, "install: %s", domain_errmsg());
	(void)snprintf(until, sizeof(until), "%lld",
	    (long long)time(NULL) + INSTALL_WATCH_SEC);
	if (!watch_launch(INSTALL_PATH, argv, &err) ||
	    !watch_record(fd, id, &err))
		return reply_fail(r, 1, "install: %s; %s is %s with %s in its "
		    "CD-ROM", err->message, s->vps,
		    active ? "shut off now" : "still shut off", iso);
	if (virDomainCreate(dom) < 0) {
		(void)reply_fail(r, 1, "install: %s", domain_errmsg());
		(void)watch_record(fd, NULL, NULL);	/* ends the watcher */
		return r->code;
	}
	reply_line(r, "Domain %s %s from %s now.", s->vps,
	    active ? "was powered off and boots" : "boots", iso);
	reply_line(r, "When it first reboots or powers off, the ISO is "
	    "ejected and it boots from its disk.");
	return 0;
}

/*
 * install ISO: the menu has asked the member to confirm for a running
 * VPS. Under the VPS's install lock, so that two installs do not mix.
 */
int
dom_install(struct serve_ctx *s, const struct domain_verb *dv,
    virDomainPtr dom, const char *arg, struct reply *r)
{
	g_autoptr(GError) err = NULL;
	char	 id[TICKET_ID_LEN + 1];
	int	 fd, diskfd;

	if (!vps_random_password(id, TICKET_ID_LEN, &err) ||
	    (fd = watch_lock(INSTALL_DIR, s->vps, true, &err)) == -1)
		return reply_fail(r, 1, "install: %s", err->message);
	/* It starts the VPS: not while a snapshot or a revert copies it. */
	if ((diskfd = snapshot_lock(s->vps, &err)) == -1) {
		vps_unlock(fd);
		return reply_fail(r, 1, "install: %s", err->message);
	}
	if (snapshot_start_check(s, dom, "install", r) == 0 &&
	    media_insert(s, arg, "install", r) == 0)
		(void)install_boot(s, dom, arg, fd, id, r);
	vps_unlock(diskfd);
	vps_unlock(fd);
	return r->code;
}
