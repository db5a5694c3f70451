/*
 * root-install-watch.c: PKGLIBEXECDIR/virsh-menu-install MEMBER VPS ID ISO
 * UNTIL, the watcher of one install (root-install.c). The helper starts
 * it as root, detached, before it starts VPS from the library ISO ISO; it
 * writes "ready" (or "error: why") on stdout once it watches, and then
 * nothing more.
 *
 * It follows the reboot and lifecycle events of VPS over a libvirt
 * connection of its own (libvirt's default event loop, in this one
 * thread). When the guest first reboots (the installer is done), the ISO
 * is ejected, live and in the definition (as detach_iso), and the VPS is
 * reset: the firmware, which had begun to boot the CD again, starts over
 * with an empty drive and boots the disk. When the VPS stops instead (a
 * power-off), the ISO is ejected from the definition, so that the next
 * start boots the disk. Either only while the CD-ROM still holds ISO: a
 * member who changed it meanwhile keeps what they chose.
 *
 * The watcher ends after that, when a newer install replaced ID in the
 * record file INSTALL_DIR/VPS, when VPS is undefined, or at UNTIL. If
 * libvirtd goes away, it connects again once libvirtd answers: a VPS
 * that stopped meanwhile gets its ISO ejected; a reboot meanwhile is
 * missed (the VPS boots the ISO again; detach_iso ends that).
 * Every end is logged to syslog.
 */
#include <config.h>

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "lock.h"
#include "names.h"
#include "root-domain.h"
#include "root-ticket.h"
#include "root-watch.h"
#include "util.h"

/*
 * Ejects the ISO (why: what the guest did), then, after a reboot, resets
 * the VPS so that it boots from its disk. Under the record's lock, so
 * that a newer install, which replaces the record first, is never
 * undone; the record is cleared after, as the install is over.
 */
static void
watch_eject(struct watch *w, const char *why, bool reset)
{
	g_autoptr(GError) err = NULL;
	g_autofree char *result = NULL;
	struct reply r;
	bool	 ejected = false;
	int	 fd;

	memset(&r, 0, sizeof(r));
	if ((fd = watch_lock(INSTALL_DIR, w->s.vps, false, &err)) == -1) {
		result = g_strdup_printf("%s; cannot eject: %s", why,
		    err->message);
	} else if (!ticket_current(fd, w->id)) {
		result = g_strdup_printf("%s; a newer install replaced it",
		    why);
	} else if (media_eject(&w->s, w->iso, &ejected, &r) != 0) {
		result = g_strdup_printf("%s; cannot eject: %s", why, r.msg);
	} else if (!ejected) {
		result = g_strdup_printf("%s; the CD-ROM holds another "
		    "medium now, left as it is", why);
	} else if (reset && virDomainReset(w->dom, 0) < 0) {
		result = g_strdup_printf("%s; ejected; cannot reset: %s", why,
		    domain_errmsg());
	} else {
		result = g_strdup_printf("%s; ejected%s", why,
		    reset ? "; reset to boot from the disk" : "");
	}
	if (fd != -1) {
		(void)watch_record(fd, NULL, NULL);
		vps_unlock(fd);
	}
	watch_over(w, result);
}

/* The guest rebooted (or was reset): the install is done. */
static void
on_reboot(virConnectPtr conn, virDomainPtr dom, void *opaque)
{
	struct watch *w = opaque;

	if (!w->done)
		watch_eject(w, "rebooted", true);
}

/* A lifecycle event: a VPS that stopped boots its disk next time. */
static void
on_lifecycle(virConnectPtr conn, virDomainPtr dom, int event, int detail,
    void *opaque)
{
	struct watch *w = opaque;

	if (w->done)
		return;
	if (event == VIR_DOMAIN_EVENT_STOPPED)
		watch_eject(w, "stopped", false);
	else if (event == VIR_DOMAIN_EVENT_UNDEFINED)
		watch_over(w, "the VPS was undefined");
}

/*
 * The domain, by its UUID after the first time: a VPS deleted and made
 * again is another one.
 */
static bool
install_lookup(struct watch *w, GError **err)
{
	struct reply r;

	memset(&r, 0, sizeof(r));
	if ((w->dom = domain_lookup(&w->s, &r)) == NULL) {
		g_set_error(err, VPS_ERROR, VPS_ERROR_FAILED, "%s", r.msg);
		return false;
	}
	return true;
}

/*
 * libvirtd went away: once it answers again, watch on, unless the VPS
 * is gone or stopped meanwhile (then its ISO is ejected now).
 */
static void
install_recover(struct watch *w)
{
	g_autoptr(GError) err = NULL;

	watch_disconnect(w);
	if (!watch_connect(w, &err)) {
		if (w->s.conn != NULL && w->dom == NULL)
			watch_over(w, "libvirtd went away; the VPS is gone");
		watch_disconnect(w);
		w->lost = true;
		return;
	}
	if (virDomainIsActive(w->dom) == 0)
		watch_eject(w, "stopped while libvirtd was away", false);
}

static const struct watch_kind install_kind = {
	.action = "install",
	.dir = INSTALL_DIR,
	.unrecorded = "not started",
	.replaced = "a newer install replaced it",
	.expired = "gave up waiting; the ISO stays attached",
	.lookup = install_lookup,
	.recover = install_recover,
	.events = {
		{ VIR_DOMAIN_EVENT_ID_REBOOT,
		    VIR_DOMAIN_EVENT_CALLBACK(on_reboot) },
		{ VIR_DOMAIN_EVENT_ID_LIFECYCLE,
		    VIR_DOMAIN_EVENT_CALLBACK(on_lifecycle) },
	},
};

/* MEMBER VPS ID ISO UNTIL, checked: the watch to run, or false. */
static bool
watch_args(char **argv, struct watch *w)
{
	unsigned long long until;

	if (!vps_owner_valid(argv[1], NULL) ||
	    !vps_name_valid(argv[2], NULL) || !ticket_id_valid(argv[3]) ||
	    !vps_iso_name_valid(argv[4], NULL) ||
	    !vps_parse_uint(argv[5], 1, G_MAXINT64, &until, NULL))
		return false;
	watch_init(w, &install_kind, argv[1], argv[2], argv[3],
	    (time_t)until);
	w->iso = argv[4];
	return true;
}

int
main(int argc, char **argv)
{
	struct watch w;

	vlog_init("virsh-menu-install", true);
	if (geteuid() != 0 || argc != 6 || !watch_args(argv, &w)) {
		printf("error: usage: %s MEMBER VPS ID ISO UNTIL (run as root "
		    "by the helper)\n", INSTALL_PATH);
		return 2;
	}
	return watch_run(&w);
}
