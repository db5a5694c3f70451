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
#include "util.h"

#define WATCH_TICK_MS	1000	/* checks of the limit and the record */

struct watch {
	struct serve_ctx s;
	virDomainPtr dom;
	const char *id;
	const char *iso;
	time_t	 until;
	bool	 lost;		/* the libvirt connection closed */
	bool	 done;
	int	 cb_reboot;	/* event callback ids, -1 none */
	int	 cb_lifecycle;
};

/* libvirt prints its errors to stderr unless told otherwise. */
static void
quiet_errors(void *data, virErrorPtr e)
{
}

/* The watch is over: why, to syslog. */
static void
watch_over(struct watch *w, const char *result)
{
	vlog_audit("member=%s vps=%s action=install iso=%s result=%s",
	    w->s.member, w->s.vps, w->iso, result);
	w->done = true;
}

/*
 * True if the install is still the VPS's current one (asks the record).
 * A record that is gone was removed by root: there is nothing to watch.
 */
static bool
watch_current(struct watch *w)
{
	g_autoptr(GError) err = NULL;
	bool	 cur;
	int	 fd;

	if ((fd = watch_lock(INSTALL_DIR, w->s.vps, false, &err)) == -1) {
		vlog_err("%s", err->message);
		return false;
	}
	cur = ticket_current(fd, w->id);
	vps_unlock(fd);
	return cur;
}

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

/* The connection closed (libvirtd went away): on_tick connects again. */
static void
on_close(virConnectPtr conn, int reason, void *opaque)
{
	struct watch *w = opaque;

	w->lost = true;
}

/* Subscribes to the events of the domain; false with err set. */
static bool
watch_subscribe(struct watch *w, GError **err)
{
	w->cb_reboot = virConnectDomainEventRegisterAny(w->s.conn, w->dom,
	    VIR_DOMAIN_EVENT_ID_REBOOT,
	    VIR_DOMAIN_EVENT_CALLBACK(on_reboot), w, NULL);
	w->cb_lifecycle = virConnectDomainEventRegisterAny(w->s.conn, w->dom,
	    VIR_DOMAIN_EVENT_ID_LIFECYCLE,
	    VIR_DOMAIN_EVENT_CALLBACK(on_lifecycle), w, NULL);
	if (w->cb_reboot < 0 || w->cb_lifecycle < 0 ||
	    virConnectRegisterCloseCallback(w->s.conn, on_close, w,
	    NULL) < 0) {
		g_set_error(err, VPS_ERROR, VPS_ERROR_FAILED,
		    "cannot watch %s: %s", w->s.vps, domain_errmsg());
		return false;
	}
	return true;
}

/* Unsubscribes and disconnects. */
static void
watch_disconnect(struct watch *w)
{
	if (w->s.conn != NULL && !w->lost) {
		if (w->cb_reboot >= 0)
			virConnectDomainEventDeregisterAny(w->s.conn,
			    w->cb_reboot);
		if (w->cb_lifecycle >= 0)
			virConnectDomainEventDeregisterAny(w->s.conn,
			    w->cb_lifecycle);
		virConnectUnregisterCloseCallback(w->s.conn, on_close);
	}
	w->cb_reboot = w->cb_lifecycle = -1;
	if (w->dom != NULL)
		virDomainFree(w->dom);
	if (w->s.conn != NULL)
		virConnectClose(w->s.conn);
	w->dom = NULL;
	w->s.conn = NULL;
}

/*
 * Connects, finds the domain (by its UUID after the first time: a VPS
 * deleted and made again is another one) and subscribes; false with err
 * set.
 */
static bool
watch_connect(struct watch *w, GError **err)
{
	struct reply r;

	memset(&r, 0, sizeof(r));
	w->lost = false;
	if ((w->s.conn = virConnectOpen(w->s.uri)) == NULL) {
		g_set_error(err, VPS_ERROR, VPS_ERROR_FAILED, "%s: %s",
		    w->s.vps, domain_errmsg());
		return false;
	}
	if ((w->dom = domain_lookup(&w->s, &r)) == NULL) {
		g_set_error(err, VPS_ERROR, VPS_ERROR_FAILED, "%s", r.msg);
		return false;
	}
	return watch_subscribe(w, err);
}

/*
 * libvirtd went away: once it answers again, watch on, unless the VPS
 * is gone or stopped meanwhile (then its ISO is ejected now).
 */
static void
watch_recover(struct watch *w)
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

/* Every WATCH_TICK_MS: a lost connection, the limit, a newer install. */
static void
on_tick(int timer, void *opaque)
{
	struct watch *w = opaque;

	if (w->done)
		return;
	if (w->lost)
		watch_recover(w);
	else if (time(NULL) >= w->until)
		watch_over(w, "gave up waiting; the ISO stays attached");
	else if (!watch_current(w))
		watch_over(w, "a newer install replaced it");
}

/*
 * Answers the helper, then runs the event loop until the watch is over.
 * The exit status: 0, or 1 if it could not watch.
 */
static int
watch_main(struct watch *w)
{
	g_autoptr(GError) err = NULL;
	struct vps_config *cfg;

	virSetErrorFunc(NULL, quiet_errors);
	if ((cfg = config_load(NULL, 0, &err)) != NULL) {
		w->s.cfg = cfg;
		if (!serve_find_host(&w->s, &err)) {
			/* err says why: the VPS's host is unknown */
		} else if (virEventRegisterDefaultImpl() < 0 ||
		    virEventAddTimeout(WATCH_TICK_MS, on_tick, w, NULL) < 0)
			g_set_error(&err, VPS_ERROR, VPS_ERROR_FAILED,
			    "no event loop: %s", domain_errmsg());
		else
			(void)watch_connect(w, &err);
	}
	watch_answer(err);
	if (err != NULL) {
		vlog_err("%s", err->message);
		watch_disconnect(w);
		config_free(cfg);
		return 1;
	}
	/* Waits for the helper to record the install (or give up). */
	if (!watch_current(w))
		watch_over(w, "not started");
	while (!w->done) {
		if (virEventRunDefaultImpl() < 0) {
			watch_over(w, "the event loop failed");
			break;
		}
	}
	watch_disconnect(w);
	config_free(cfg);
	return 0;
}

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
	memset(w, 0, sizeof(*w));
	w->s.member = argv[1];
	w->s.vps = argv[2];
	w->id = argv[3];
	w->iso = argv[4];
	w->until = (time_t)until;
	w->cb_reboot = w->cb_lifecycle = -1;
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
	return watch_main(&w);
}
