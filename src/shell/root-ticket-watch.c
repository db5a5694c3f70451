/*
 * root-ticket-watch.c: PKGLIBEXECDIR/virsh-menu-ticket MEMBER VPS ID UNTIL,
 * the watcher of one console ticket (root-ticket.h). The helper starts it as
 * root, detached, for each ticket it issues; it writes "ready" (or
 * "error: why") on stdout once it watches, and then nothing more.
 *
 * It follows the graphics and lifecycle events of VPS over a libvirt
 * connection of its own (libvirt's default event loop, in this one
 * thread). The first SPICE client that authenticates (phase INITIALIZE,
 * reported per channel; a wrong password ends at CONNECT) starts the
 * window of TICKET_WINDOW_SEC; then the ticket ends: a random password,
 * already expired, replaces it, connected clients keep their session.
 * Unused, the watcher ends at UNTIL (QEMU expires the password itself),
 * when a newer ticket took ID's place in the ticket file, or when VPS
 * stops. If libvirtd goes away, the watcher cannot see the ticket used:
 * it ends the ticket as soon as libvirtd answers again.
 * Every end is logged to syslog.
 */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "root-domain.h"
#include "log.h"
#include "lock.h"
#include "names.h"
#include "root-ticket.h"
#include "util.h"

#define WATCH_TICK_MS	1000	/* checks of expiry and the ticket file */

struct watch {
	struct serve_ctx s;
	virDomainPtr dom;
	const char *id;
	time_t	 until;
	time_t	 used;		/* the first client's connect, or 0 */
	bool	 lost;		/* the libvirt connection closed */
	bool	 done;
	int	 cb_graphics;	/* event callback ids, -1 none */
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
	vlog_audit("member=%s vps=%s action=ticket result=%s", w->s.member,
	    w->s.vps, result);
	w->done = true;
}

/*
 * True if the ticket is still the VPS's current one (asks the file). A
 * file that is gone was removed by root: there is nothing to watch then.
 */
static bool
watch_current(struct watch *w)
{
	g_autoptr(GError) err = NULL;
	bool	 cur;
	int	 fd;

	if ((fd = ticket_lock(w->s.vps, false, &err)) == -1) {
		vlog_err("%s", err->message);
		return false;
	}
	cur = ticket_current(fd, w->id);
	vps_unlock(fd);
	return cur;
}

/*
 * Ends the ticket, unless a newer one has replaced it: under the ticket
 * lock, so that the helper cannot set a new password meanwhile. When
 * libvirtd went away just then, watch_recover() tries again.
 */
static void
watch_end_ticket(struct watch *w, const char *why)
{
	g_autoptr(GError) err = NULL;
	g_autofree char *result = NULL;
	struct reply r;
	int	 fd;

	memset(&r, 0, sizeof(r));
	if ((fd = ticket_lock(w->s.vps, false, &err)) == -1) {
		result = g_strdup_printf("%s; cannot end it: %s", why,
		    err->message);
	} else if (!ticket_current(fd, w->id)) {
		result = g_strdup_printf("%s; a newer ticket replaced it", why);
	} else if (domain_ticket_end(&w->s, w->dom, &r) == 0) {
		result = g_strdup_printf("%s; ended", why);
	} else if (virConnectIsAlive(w->s.conn) != 1) {
		w->lost = true;
	} else {
		result = g_strdup_printf("%s; cannot end it: %s", why, r.msg);
	}
	vps_unlock(fd);
	if (result != NULL)
		watch_over(w, result);
}

/*
 * The window after the first client's connect is over. Without a
 * connection, watch_recover() ends the ticket instead.
 */
static void
on_window(int timer, void *opaque)
{
	struct watch *w = opaque;

	virEventRemoveTimeout(timer);
	if (!w->lost && !w->done)
		watch_end_ticket(w, "used");
}

/*
 * A graphics event of the domain: the first channel that authenticated
 * opens the window, at whose end the ticket ends.
 */
static void
on_graphics(virConnectPtr conn, virDomainPtr dom, int phase,
    virDomainEventGraphicsAddressPtr local,
    virDomainEventGraphicsAddressPtr remote, const char *scheme,
    virDomainEventGraphicsSubjectPtr subject, void *opaque)
{
	struct watch *w = opaque;

	if (phase != VIR_DOMAIN_EVENT_GRAPHICS_INITIALIZE || w->used != 0 ||
	    w->done)
		return;
	w->used = time(NULL);
	if (virEventAddTimeout(TICKET_WINDOW_SEC * 1000, on_window, w,
	    NULL) < 0)
		watch_end_ticket(w, "used (no timer for the window)");
}

/* A lifecycle event: a stopped VPS has no ticket any more. */
static void
on_lifecycle(virConnectPtr conn, virDomainPtr dom, int event, int detail,
    void *opaque)
{
	struct watch *w = opaque;

	if (event == VIR_DOMAIN_EVENT_STOPPED && !w->done)
		watch_over(w, "the VPS stopped");
}

/* The connection closed (libvirtd went away): on_tick recovers. */
static void
on_close(virConnectPtr conn, int reason, void *opaque)
{
	struct watch *w = opaque;

	w->lost = true;
}

/* libvirtd went away: end the ticket once it answers again. */
static void
watch_recover(struct watch *w)
{
	virConnectPtr conn;
	virDomainPtr dom;

	if ((conn = virConnectOpen(w->s.uri)) == NULL) {
		if (time(NULL) >= w->until)
			watch_over(w, "libvirtd went away; the ticket expired");
		return;
	}
	if ((dom = virDomainLookupByName(conn, w->s.vps)) == NULL ||
	    virDomainIsActive(dom) != 1) {
		watch_over(w, "libvirtd went away; the VPS is not running");
	} else {
		virDomainFree(w->dom);
		virConnectClose(w->s.conn);
		w->s.conn = conn;
		w->dom = dom;
		conn = NULL;
		dom = NULL;
		watch_end_ticket(w, "libvirtd went away");
	}
	if (dom != NULL)
		virDomainFree(dom);
	if (conn != NULL)
		virConnectClose(conn);
}

/* Every WATCH_TICK_MS: a lost connection, expiry, a newer ticket. */
static void
on_tick(int timer, void *opaque)
{
	struct watch *w = opaque;

	if (w->done)
		return;
	if (w->lost)
		watch_recover(w);
	else if (w->used != 0)
		return;		/* on_window ends it */
	else if (time(NULL) >= w->until)
		watch_over(w, "expired unused");
	else if (!watch_current(w))
		watch_over(w, "a newer ticket replaced it");
}

/* Subscribes to the events of the domain; false with err set. */
static bool
watch_subscribe(struct watch *w, GError **err)
{
	w->cb_graphics = virConnectDomainEventRegisterAny(w->s.conn, w->dom,
	    VIR_DOMAIN_EVENT_ID_GRAPHICS,
	    VIR_DOMAIN_EVENT_CALLBACK(on_graphics), w, NULL);
	w->cb_lifecycle = virConnectDomainEventRegisterAny(w->s.conn, w->dom,
	    VIR_DOMAIN_EVENT_ID_LIFECYCLE,
	    VIR_DOMAIN_EVENT_CALLBACK(on_lifecycle), w, NULL);
	if (w->cb_graphics < 0 || w->cb_lifecycle < 0 ||
	    virConnectRegisterCloseCallback(w->s.conn, on_close, w,
	    NULL) < 0 ||
	    virEventAddTimeout(WATCH_TICK_MS, on_tick, w, NULL) < 0) {
		g_set_error(err, VPS_ERROR, VPS_ERROR_FAILED,
		    "cannot watch %s: %s", w->s.vps, domain_errmsg());
		return false;
	}
	return true;
}

/* Connects and subscribes; false with err set. */
static bool
watch_start(struct watch *w, GError **err)
{
	int	 active;

	virSetErrorFunc(NULL, quiet_errors);
	if (virEventRegisterDefaultImpl() < 0 ||
	    (w->s.conn = virConnectOpen(w->s.uri)) == NULL ||
	    (w->dom = virDomainLookupByName(w->s.conn, w->s.vps)) == NULL ||
	    (active = virDomainIsActive(w->dom)) < 0) {
		g_set_error(err, VPS_ERROR, VPS_ERROR_FAILED, "%s: %s",
		    w->s.vps, domain_errmsg());
		return false;
	}
	if (!active) {
		g_set_error(err, VPS_ERROR, VPS_ERROR_FAILED,
		    "%s is not running", w->s.vps);
		return false;
	}
	return watch_subscribe(w, err);
}

/* Unsubscribes and disconnects. */
static void
watch_stop(struct watch *w)
{
	if (w->s.conn != NULL && !w->lost) {
		if (w->cb_graphics >= 0)
			virConnectDomainEventDeregisterAny(w->s.conn,
			    w->cb_graphics);
		if (w->cb_lifecycle >= 0)
			virConnectDomainEventDeregisterAny(w->s.conn,
			    w->cb_lifecycle);
		virConnectUnregisterCloseCallback(w->s.conn, on_close);
	}
	if (w->dom != NULL)
		virDomainFree(w->dom);
	if (w->s.conn != NULL)
		virConnectClose(w->s.conn);
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

	if ((cfg = config_load(NULL, 0, &err)) != NULL) {
		w->s.cfg = cfg;
		if (serve_find_host(&w->s, &err))
			(void)watch_start(w, &err);
	}
	watch_answer(err);
	if (err != NULL) {
		vlog_err("%s", err->message);
		watch_stop(w);
		config_free(cfg);
		return 1;
	}
	/* Waits for the helper to record the ticket (or give up). */
	if (!watch_current(w))
		watch_over(w, "not issued");
	while (!w->done) {
		if (virEventRunDefaultImpl() < 0) {
			watch_over(w, "the event loop failed");
			break;
		}
	}
	watch_stop(w);
	config_free(cfg);
	return 0;
}

/* MEMBER VPS ID UNTIL, checked: the watch to run, or false. */
static bool
watch_args(char **argv, struct watch *w)
{
	unsigned long long until;

	if (!vps_owner_valid(argv[1], NULL) || !vps_name_valid(argv[2], NULL))
		return false;
	if (!ticket_id_valid(argv[3]) ||
	    !vps_parse_uint(argv[4], 1, G_MAXINT64, &until, NULL))
		return false;
	memset(w, 0, sizeof(*w));
	w->s.member = argv[1];
	w->s.vps = argv[2];
	w->id = argv[3];
	w->until = (time_t)until;
	w->cb_graphics = w->cb_lifecycle = -1;
	return true;
}

int
main(int argc, char **argv)
{
	struct watch w;

	vlog_init("virsh-menu-ticket", true);
	if (geteuid() != 0 || argc != 5 || !watch_args(argv, &w)) {
		printf("error: usage: %s MEMBER VPS ID UNTIL (run as root by "
		    "the helper)\n", TICKET_PATH);
		return 2;
	}
	return watch_main(&w);
}
