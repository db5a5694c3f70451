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
#include "root-watch.h"
#include "util.h"

/*
 * Ends the ticket, unless a newer one has replaced it: under the ticket
 * lock, so that the helper cannot set a new password meanwhile. When
 * libvirtd went away just then, ticket_recover() tries again.
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
 * connection, ticket_recover() ends the ticket instead.
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

/* The domain, by name, running: a ticket is for a running VPS. */
static bool
ticket_lookup(struct watch *w, GError **err)
{
	int	 active;

	if ((w->dom = virDomainLookupByName(w->s.conn, w->s.vps)) == NULL ||
	    (active = virDomainIsActive(w->dom)) < 0) {
		g_set_error(err, VPS_ERROR, VPS_ERROR_FAILED, "%s: %s",
		    w->s.vps, domain_errmsg());
	} else if (!active) {
		g_set_error(err, VPS_ERROR, VPS_ERROR_FAILED,
		    "%s is not running", w->s.vps);
	} else {
		return true;
	}
	if (w->dom != NULL)
		virDomainFree(w->dom);
	w->dom = NULL;
	return false;
}

/*
 * libvirtd went away, and with it the graphics events: the watcher
 * cannot see the ticket used, so it ends the ticket as soon as libvirtd
 * answers again.
 */
static void
ticket_recover(struct watch *w)
{
	g_autoptr(GError) err = NULL;
	g_autofree char *why = NULL;

	watch_disconnect(w);
	if (watch_connect(w, &err)) {
		watch_end_ticket(w, "libvirtd went away");
	} else if (w->s.conn == NULL && time(NULL) < w->until) {
		w->lost = true;		/* the next tick asks again */
	} else if (w->s.conn == NULL) {
		watch_over(w, "libvirtd went away; the ticket expired");
	} else if (w->dom == NULL) {
		watch_over(w, "libvirtd went away; the VPS is not running");
	} else {
		why = g_strdup_printf("libvirtd went away; %s", err->message);
		watch_over(w, why);
	}
}

static const struct watch_kind ticket_kind = {
	.action = "ticket",
	.dir = TICKET_DIR,
	.unrecorded = "not issued",
	.replaced = "a newer ticket replaced it",
	.expired = "expired unused",
	.lookup = ticket_lookup,
	.recover = ticket_recover,
	.events = {
		{ VIR_DOMAIN_EVENT_ID_GRAPHICS,
		    VIR_DOMAIN_EVENT_CALLBACK(on_graphics) },
		{ VIR_DOMAIN_EVENT_ID_LIFECYCLE,
		    VIR_DOMAIN_EVENT_CALLBACK(on_lifecycle) },
	},
};

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
	watch_init(w, &ticket_kind, argv[1], argv[2], argv[3],
	    (time_t)until);
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
	return watch_run(&w);
}
