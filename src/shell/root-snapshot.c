/*
 * root-snapshot.c: snapshot, snapshots, revert, forget and the internal
 * snapnames, on the disk of the member's VPS (snapshot.h).
 *
 * A snapshot is taken of, and reverted onto, a VPS that is shut off:
 * the copy is then the disk as the guest left it, never a disk being
 * written. The VPS's lock (snapshot_lock) is held from that check to the
 * end, and start takes it too, so no session starts the VPS meanwhile.
 * The disk must be the one its backend names (storage_path, or for a
 * VPS of a host with backend = pool, poolvol_path): a domain an admin
 * pointed at another disk is refused, not copied.
 *
 * A VPS of another host has its disk in that host's storage pool, which
 * this host cannot open: its snapshots are volumes of the pool, made
 * through libvirt's storage pool API (snappool.h, which argues why they
 * are as safe as the file backend's). Hosts with another backend are
 * refused. The lock is this host's, as the helper of every member runs
 * here.
 */
#include <config.h>

#include <string.h>

#include "lock.h"
#include "poolvol.h"
#include "root-domain.h"
#include "snappool.h"
#include "snapshot.h"
#include "storage.h"
#include "util.h"

/* Fails the reply with err's text and exit status. */
static int
fail(struct reply *r, const char *verb, GError *err)
{
	return reply_fail(r, vps_exit_status(err), "%s: %s", verb,
	    err->message);
}

/*
 * The host group of a VPS of another host whose snapshots are pool
 * volumes, in *h; NULL for this host's VPS. Returns 0 or the reply's
 * code: a host without backend = pool is refused, its storage being
 * out of reach of this host.
 */
static int
pool_host(struct serve_ctx *s, const char *verb, const struct vps_host **h,
    struct reply *r)
{
	*h = NULL;
	if (s->host[0] == '\0')
		return 0;
	if ((*h = config_host(s->cfg, s->host)) != NULL &&
	    (*h)->backend == VPS_BACKEND_POOL)
		return 0;
	return reply_fail(r, 1, "%s: %s is on host %s, whose disks are not "
	    "in a storage pool (backend = pool): its snapshots cannot be "
	    "made from here; ask an admin", verb, s->vps, s->host);
}

/*
 * [snapshots] max_per_vps = 0 turns the verbs off; a VPS of another host
 * needs a host with backend = pool. Returns 0 or the reply's code.
 */
static int
enabled(struct serve_ctx *s, const char *verb, struct reply *r)
{
	const struct vps_host *h;

	if (pool_host(s, verb, &h, r) != 0)
		return r->code;
	if (s->cfg->snap_max > 0)
		return 0;
	return reply_fail(r, 1, "%s: snapshots are turned off on this host",
	    verb);
}

/*
 * Opens the pool of the VPS's host into p if the VPS is of another host
 * (*open says whether it did; poolvol_close it then). Returns 0 or the
 * reply's code.
 */
static int
open_pool(struct serve_ctx *s, virDomainPtr dom, const char *verb,
    struct poolvol_pool *p, bool *open, struct reply *r)
{
	g_autoptr(GError) err = NULL;
	const struct vps_host *h;

	*open = false;
	memset(p, 0, sizeof(*p));
	if (pool_host(s, verb, &h, r) != 0)
		return r->code;
	if (h == NULL)
		return 0;
	if (!poolvol_open_current(virDomainGetConnect(dom), h, p, &err)) {
		poolvol_close(p);
		return fail(r, verb, err);
	}
	*open = true;
	return 0;
}

/*
 * Whether the VPS's disk may be copied or replaced now: shut off, and
 * its disk the one storage_path (p NULL) or poolvol_path names. Returns
 * 0 or the reply's code.
 */
static int
disk_ready(struct serve_ctx *s, virDomainPtr dom, const char *verb,
    const struct poolvol_pool *p, struct reply *r)
{
	g_autoptr(domdoc) doc = NULL;
	g_autofree char *want = p != NULL ? poolvol_path(p, s->vps) :
	    storage_path(s->cfg, s->vps);
	g_autofree char *have = NULL;
	xmlNode	*disk;
	int	 active;

	if ((active = virDomainIsActive(dom)) < 0)
		return reply_fail(r, 1, "%s: %s", verb, domain_errmsg());
	if (active)
		return reply_fail(r, 1, "%s: %s is running; shut it down first "
		    "(a disk in use cannot be %s consistently)", verb, s->vps,
		    strcmp(verb, "revert") == 0 ? "replaced" : "copied");
	if ((doc = domain_xml(s, dom, VIR_DOMAIN_XML_INACTIVE, r)) == NULL)
		return r->code;
	if ((disk = domdoc_find(doc, NULL, XP_DISK)) != NULL &&
	    (have = domdoc_get(doc, disk, XP_FILE)) == NULL)
		have = domdoc_get(doc, disk, "source[1]/@dev");
	if (have == NULL || strcmp(have, want) != 0)
		return reply_fail(r, 1, "%s: the disk of %s is not %s; ask an "
		    "admin", verb, s->vps, want);
	return 0;
}

/* One snapshot operation, on the local storage (p NULL) or pool p. */
typedef bool (*snap_op)(struct serve_ctx *s, virDomainPtr dom,
    const struct poolvol_pool *p, const char *name, GError **err);

static bool
op_create(struct serve_ctx *s, virDomainPtr dom, const struct poolvol_pool *p,
    const char *name, GError **err)
{
	if (p != NULL)
		return snappool_create(p, s->vps, name, s->cfg->snap_max, err);
	return snapshot_create(s->cfg, s->vps, name, err);
}

static bool
op_revert(struct serve_ctx *s, virDomainPtr dom, const struct poolvol_pool *p,
    const char *name, GError **err)
{
	if (p != NULL)
		return snappool_revert(p, dom, s->vps, name, err);
	return snapshot_revert(s->cfg, s->vps, name, err);
}

static bool
op_forget(struct serve_ctx *s, virDomainPtr dom, const struct poolvol_pool *p,
    const char *name, GError **err)
{
	if (p != NULL)
		return snappool_forget(p, s->vps, name, err);
	return snapshot_forget(s->cfg, s->vps, name, err);
}

/*
 * Runs op under the VPS's lock; with disk (create, revert) only on the
 * shut-off VPS whose disk is its own. Returns 0 or the reply's code.
 */
static int
locked_op(struct serve_ctx *s, virDomainPtr dom, const char *verb,
    snap_op op, bool disk, const char *name, struct reply *r)
{
	g_autoptr(GError) err = NULL;
	struct poolvol_pool p;
	bool	 open = false;
	int	 fd, rc;

	if (enabled(s, verb, r) != 0)
		return r->code;
	if ((fd = snapshot_lock(s->vps, &err)) == -1)
		return fail(r, verb, err);
	if ((rc = open_pool(s, dom, verb, &p, &open, r)) == 0 &&
	    (!disk || (rc = disk_ready(s, dom, verb, open ? &p : NULL,
	    r)) == 0) && !op(s, dom, open ? &p : NULL, name, &err))
		rc = fail(r, verb, err);
	if (open)
		poolvol_close(&p);
	vps_unlock(fd);
	return rc;
}

/* The snapshots of the VPS, or NULL with the reply's error set. */
static GPtrArray *
list_snapshots(struct serve_ctx *s, virDomainPtr dom, const char *verb,
    struct reply *r)
{
	g_autoptr(GError) err = NULL;
	struct poolvol_pool p;
	GPtrArray *list;
	bool	 open;

	if (open_pool(s, dom, verb, &p, &open, r) != 0)
		return NULL;
	list = open ? snappool_list(&p, s->vps, &err) :
	    snapshot_list(s->cfg, s->vps, &err);
	if (open)
		poolvol_close(&p);
	if (list == NULL)
		fail(r, verb, err);
	return list;
}

int
snapshot_start_check(struct serve_ctx *s, virDomainPtr dom, const char *verb,
    struct reply *r)
{
	g_autoptr(GError) err = NULL;
	const struct vps_host *h;
	struct poolvol_pool p;
	bool	 pending = false, ok;

	if (s->host[0] == '\0' || (h = config_host(s->cfg, s->host)) == NULL ||
	    h->backend != VPS_BACKEND_POOL)
		return 0;
	/* Fail closed: a disk that may be half a copy does not start. */
	ok = poolvol_open_current(virDomainGetConnect(dom), h, &p, &err) &&
	    snappool_pending(&p, s->vps, &pending, &err);
	poolvol_close(&p);
	if (!ok)
		return reply_fail(r, 1, "%s: cannot check for an unfinished "
		    "revert: %s", verb, err->message);
	if (pending)
		return reply_fail(r, 1, "%s: a revert of %s did not finish, "
		    "so its disk may be incomplete; revert to a snapshot again "
		    "first (see snapshots)", verb, s->vps);
	return 0;
}

int
dom_snapshot(struct serve_ctx *s, const struct domain_verb *dv,
    virDomainPtr dom, const char *arg, struct reply *r)
{
	g_autofree char *name = arg[0] != '\0' ? g_strdup(arg) :
	    snapshot_default_name(g_get_real_time() / G_USEC_PER_SEC);

	if (locked_op(s, dom, "snapshot", op_create, true, name, r) != 0)
		return r->code;
	reply_line(r, "Snapshot %s of %s taken (the disk as it was shut "
	    "down)", name, s->vps);
	return 0;
}

int
dom_revert(struct serve_ctx *s, const struct domain_verb *dv,
    virDomainPtr dom, const char *arg, struct reply *r)
{
	if (locked_op(s, dom, "revert", op_revert, true, arg, r) != 0)
		return r->code;
	reply_line(r, "%s's disk is back to snapshot %s", s->vps, arg);
	if (s->host[0] == '\0' && s->cfg->backend == VPS_BACKEND_LVM)
		reply_line(r, "LVM merges the snapshot into the disk, which "
		    "uses it up: it is no longer listed");
	return 0;
}

int
dom_forget(struct serve_ctx *s, const struct domain_verb *dv,
    virDomainPtr dom, const char *arg, struct reply *r)
{
	if (locked_op(s, dom, "forget", op_forget, false, arg, r) != 0)
		return r->code;
	reply_line(r, "Snapshot %s of %s deleted", arg, s->vps);
	return 0;
}

int
dom_snapshots(struct serve_ctx *s, const struct domain_verb *dv,
    virDomainPtr dom, const char *arg, struct reply *r)
{
	g_autoptr(GPtrArray) list = NULL;
	guint	 i;

	if (enabled(s, "snapshots", r) != 0)
		return r->code;
	if ((list = list_snapshots(s, dom, "snapshots", r)) == NULL)
		return r->code;
	if (list->len == 0)
		reply_line(r, "%s has no snapshots", s->vps);
	else
		reply_line(r, "%-32s  %-20s  %s", "Name", "Taken (UTC)",
		    "Size on the host");
	for (i = 0; i < list->len; i++) {
		const struct snapshot *sn = g_ptr_array_index(list, i);
		g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc(
		    sn->time);
		g_autofree char *when = dt != NULL ?
		    g_date_time_format(dt, "%Y-%m-%d %H:%M:%S") : NULL;
		g_autofree char *size = info_size(sn->size);

		reply_line(r, "%-32s  %-20s  %s", sn->name,
		    when != NULL ? when : "(unknown)", size);
	}
	reply_line(r, "%u of at most %u; a snapshot is taken, and reverted, "
	    "with the VPS shut off", list->len, s->cfg->snap_max);
	return 0;
}

int
dom_snapnames(struct serve_ctx *s, const struct domain_verb *dv,
    virDomainPtr dom, const char *arg, struct reply *r)
{
	g_autoptr(GPtrArray) list = NULL;
	struct reply off = { NULL, 0, 0, "" };
	guint	 i;

	if (s->cfg->snap_max == 0 || enabled(s, "snapnames", &off) != 0)
		return 0;		/* nothing to complete */
	if ((list = list_snapshots(s, dom, "snapnames", r)) == NULL)
		return r->code;
	for (i = 0; i < list->len; i++)
		reply_line(r, "%s",
		    ((const struct snapshot *)g_ptr_array_index(list, i))->name);
	return 0;
}
