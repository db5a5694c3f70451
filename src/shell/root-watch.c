/*
 * root-watch.c: the core of the helper's detached watchers (root-watch.h).
 */
#include <config.h>

#include <string.h>
#include <time.h>

#include "lock.h"
#include "log.h"
#include "root-ticket.h"
#include "root-watch.h"
#include "util.h"

/* libvirt prints its errors to stderr unless told otherwise. */
static void
quiet_errors(void *data, virErrorPtr e)
{
}

void
watch_init(struct watch *w, const struct watch_kind *kind,
    const char *member, const char *vps, const char *id, time_t until)
{
	size_t	 i;

	memset(w, 0, sizeof(*w));
	w->kind = kind;
	w->s.member = member;
	w->s.vps = vps;
	w->id = id;
	w->until = until;
	for (i = 0; i < WATCH_EVENTS; i++)
		w->cb[i] = -1;
}

void
watch_over(struct watch *w, const char *result)
{
	if (w->iso != NULL)
		vlog_audit("member=%s vps=%s action=%s iso=%s result=%s",
		    w->s.member, w->s.vps, w->kind->action, w->iso, result);
	else
		vlog_audit("member=%s vps=%s action=%s result=%s",
		    w->s.member, w->s.vps, w->kind->action, result);
	w->done = true;
}

bool
watch_current(struct watch *w)
{
	g_autoptr(GError) err = NULL;
	bool	 cur;
	int	 fd;

	if ((fd = watch_lock(w->kind->dir, w->s.vps, false, &err)) == -1) {
		vlog_err("%s", err->message);
		return false;
	}
	cur = ticket_current(fd, w->id);
	vps_unlock(fd);
	return cur;
}

/* The connection closed (libvirtd went away): on_tick recovers. */
static void
on_close(virConnectPtr conn, int reason, void *opaque)
{
	struct watch *w = opaque;

	w->lost = true;
}

/* Subscribes to the kind's events of the domain; false with err set. */
static bool
watch_subscribe(struct watch *w, GError **err)
{
	size_t	 i;

	for (i = 0; i < WATCH_EVENTS; i++) {
		w->cb[i] = virConnectDomainEventRegisterAny(w->s.conn, w->dom,
		    w->kind->events[i].id, w->kind->events[i].cb, w, NULL);
		if (w->cb[i] < 0)
			break;
	}
	if (i < WATCH_EVENTS ||
	    virConnectRegisterCloseCallback(w->s.conn, on_close, w,
	    NULL) < 0) {
		g_set_error(err, VPS_ERROR, VPS_ERROR_FAILED,
		    "cannot watch %s: %s", w->s.vps, domain_errmsg());
		return false;
	}
	return true;
}

bool
watch_connect(struct watch *w, GError **err)
{
	w->lost = false;
	if ((w->s.conn = virConnectOpen(w->s.uri)) == NULL) {
		g_set_error(err, VPS_ERROR, VPS_ERROR_FAILED, "%s: %s",
		    w->s.vps, domain_errmsg());
		return false;
	}
	return w->kind->lookup(w, err) && watch_subscribe(w, err);
}

void
watch_disconnect(struct watch *w)
{
	size_t	 i;

	if (w->s.conn != NULL && !w->lost) {
		for (i = 0; i < WATCH_EVENTS; i++) {
			if (w->cb[i] >= 0)
				virConnectDomainEventDeregisterAny(w->s.conn,
				    w->cb[i]);
		}
		virConnectUnregisterCloseCallback(w->s.conn, on_close);
	}
	for (i = 0; i < WATCH_EVENTS; i++)
		w->cb[i] = -1;
	if (w->dom != NULL)
		virDomainFree(w->dom);
	if (w->s.conn != NULL)
		virConnectClose(w->s.conn);
	w->dom = NULL;
	w->s.conn = NULL;
}

/* Every WATCH_TICK_MS: a lost connection, the limit, a newer id. */
static void
on_tick(int timer, void *opaque)
{
	struct watch *w = opaque;

	if (w->done)
		return;
	if (w->lost)
		w->kind->recover(w);
	else if (w->used != 0)
		return;		/* the kind ends it */
	else if (time(NULL) >= w->until)
		watch_over(w, w->kind->expired);
	else if (!watch_current(w))
		watch_over(w, w->kind->replaced);
}

int
watch_run(struct watch *w)
{
	g_autoptr(GError) err = NULL;
	struct vps_config *cfg;

	virSetErrorFunc(NULL, quiet_errors);
	if ((cfg = config_load(NULL, 0, &err)) != NULL) {
		w->s.cfg = cfg;
		if (!serve_find_host(&w->s, &err)) {
			/* err says why: the VPS or its host is unknown */
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
	/* Waits for the helper to record the id (or give up). */
	if (!watch_current(w))
		watch_over(w, w->kind->unrecorded);
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
