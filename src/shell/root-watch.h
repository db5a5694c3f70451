/*
 * root-watch.h: the core of the helper's detached watchers, of a console
 * ticket (root-ticket-watch.c) and of an install (root-install-watch.c).
 *
 * A watcher follows the events of one VPS over a libvirt connection of
 * its own (libvirt's default event loop, in this one thread), to the
 * VPS's host (serve_find_host). Its id is current while the VPS's record
 * file in the kind's directory holds it (root-ticket.h); a tick every
 * WATCH_TICK_MS ends the watch at its time limit or when a newer id took
 * its place, and, when libvirtd went away, lets the kind connect again.
 * Every end is logged to syslog with why. The kind (struct watch_kind)
 * finds the domain, names its two events and handles a reconnect.
 */
#ifndef VPS_ROOT_WATCH_H
#define VPS_ROOT_WATCH_H

#include <stdbool.h>
#include <time.h>
#include <glib.h>
#include <libvirt/libvirt.h>

#include "root-domain.h"

#define WATCH_TICK_MS	1000	/* checks of the limit and the record */
#define WATCH_EVENTS	2	/* domain events a kind subscribes to */

struct watch;

struct watch_kind {
	const char *action;	/* action= of the audit lines */
	const char *dir;	/* its record files: TICKET_DIR, INSTALL_DIR */
	const char *unrecorded;	/* why, when the helper never recorded it */
	const char *replaced;	/* why, when a newer id replaced it */
	const char *expired;	/* why, at its time limit */
	/*
	 * Finds the domain (w->dom) over w->s.conn; false with err set,
	 * w->dom NULL then.
	 */
	bool	(*lookup)(struct watch *w, GError **err);
	/* libvirtd went away (w->lost): asked every tick until it is back. */
	void	(*recover)(struct watch *w);
	struct {
		int	 id;	/* VIR_DOMAIN_EVENT_ID_* */
		virConnectDomainEventGenericCallback cb;
	} events[WATCH_EVENTS];
};

struct watch {
	struct serve_ctx s;
	const struct watch_kind *kind;
	virDomainPtr dom;
	const char *id;
	const char *iso;	/* an install's ISO, for the audit; NULL */
	time_t	 until;
	time_t	 used;		/* a ticket's first client, or 0: while it
				   is set, no limit and no record end it */
	bool	 lost;		/* the libvirt connection closed */
	bool	 done;
	int	 cb[WATCH_EVENTS];	/* event callback ids, -1 none */
};

/* A watch of kind for vps of member, id current until until. */
void	 watch_init(struct watch *w, const struct watch_kind *kind,
	    const char *member, const char *vps, const char *id,
	    time_t until);
/* The watch is over: why, to syslog. */
void	 watch_over(struct watch *w, const char *result);
/*
 * True if w's id is still the current one (asks the record file). A
 * file that is gone was removed by root: there is nothing to watch then.
 */
bool	 watch_current(struct watch *w);
/*
 * Connects to the VPS's host, finds the domain (kind->lookup) and
 * subscribes to its events; false with err set. After a failed lookup
 * w->s.conn is set and w->dom NULL, until watch_disconnect().
 */
bool	 watch_connect(struct watch *w, GError **err);
/* Unsubscribes and disconnects. */
void	 watch_disconnect(struct watch *w);
/*
 * Answers the helper (watch_answer), then runs the event loop until the
 * watch is over. The exit status: 0, or 1 if it could not watch.
 */
int	 watch_run(struct watch *w);

#endif
