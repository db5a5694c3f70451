/*
 * root-snapshot.c: snapshot, snapshots, revert, forget and the internal
 * snapnames, on the disk of the member's VPS (snapshot.h).
 *
 * A snapshot is taken of, and reverted onto, a VPS that is shut off:
 * the copy is then the disk as the guest left it, never a disk being
 * written. The VPS's lock (snapshot_lock) is held from that check to the
 * end, and start takes it too, so no session starts the VPS meanwhile.
 * The disk must be the one its backend names (storage_path): a domain
 * an admin pointed at another disk is refused, not copied.
 */
#include <config.h>

#include <string.h>

#include "lock.h"
#include "root-domain.h"
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
 * [snapshots] max_per_vps = 0 turns the verbs off. The storage code works
 * on this host's disks only: a VPS of another host is refused rather
 * than its name looked up in the local storage. Returns 0 or the reply's
 * code.
 */
static int
enabled(struct serve_ctx *s, const char *verb, struct reply *r)
{
	if (s->host[0] != '\0')
		return reply_fail(r, 1, "%s: %s is on host %s: snapshots work "
		    "on this host's VPS only so far", verb, s->vps, s->host);
	if (s->cfg->snap_max > 0)
		return 0;
	return reply_fail(r, 1, "%s: snapshots are turned off on this host",
	    verb);
}

/*
 * Whether the VPS's disk may be copied or replaced now: shut off, and
 * its disk the one storage_path names. Returns 0 or the reply's code.
 */
static int
disk_ready(struct serve_ctx *s, virDomainPtr dom, const char *verb,
    struct reply *r)
{
	g_autoptr(domdoc) doc = NULL;
	g_autofree char *want = storage_path(s->cfg, s->vps);
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

/*
 * Runs op (create or revert) on the shut-off VPS under its lock. Returns
 * 0 or the reply's code.
 */
static int
locked_disk_op(struct serve_ctx *s, virDomainPtr dom, const char *verb,
    bool (*op)(const struct vps_config *, const char *, const char *,
    GError **), const char *name, struct reply *r)
{
	g_autoptr(GError) err = NULL;
	int	 fd, rc;

	if (enabled(s, verb, r) != 0)
		return r->code;
	if ((fd = snapshot_lock(s->vps, &err)) == -1)
		return fail(r, verb, err);
	if ((rc = disk_ready(s, dom, verb, r)) == 0 &&
	    !op(s->cfg, s->vps, name, &err))
		rc = fail(r, verb, err);
	vps_unlock(fd);
	return rc;
}

int
dom_snapshot(struct serve_ctx *s, const struct domain_verb *dv,
    virDomainPtr dom, const char *arg, struct reply *r)
{
	g_autofree char *name = arg[0] != '\0' ? g_strdup(arg) :
	    snapshot_default_name(g_get_real_time() / G_USEC_PER_SEC);

	if (locked_disk_op(s, dom, "snapshot", snapshot_create, name,
	    r) != 0)
		return r->code;
	reply_line(r, "Snapshot %s of %s taken (the disk as it was shut "
	    "down)", name, s->vps);
	return 0;
}

int
dom_revert(struct serve_ctx *s, const struct domain_verb *dv,
    virDomainPtr dom, const char *arg, struct reply *r)
{
	if (locked_disk_op(s, dom, "revert", snapshot_revert, arg, r) != 0)
		return r->code;
	reply_line(r, "%s's disk is back to snapshot %s", s->vps, arg);
	if (s->cfg->backend == VPS_BACKEND_LVM)
		reply_line(r, "LVM merges the snapshot into the disk, which "
		    "uses it up: it is no longer listed");
	return 0;
}

int
dom_forget(struct serve_ctx *s, const struct domain_verb *dv,
    virDomainPtr dom, const char *arg, struct reply *r)
{
	g_autoptr(GError) err = NULL;
	int	 fd;
	bool	 ok;

	if (enabled(s, "forget", r) != 0)
		return r->code;
	if ((fd = snapshot_lock(s->vps, &err)) == -1)
		return fail(r, "forget", err);
	ok = snapshot_forget(s->cfg, s->vps, arg, &err);
	vps_unlock(fd);
	if (!ok)
		return fail(r, "forget", err);
	reply_line(r, "Snapshot %s of %s deleted", arg, s->vps);
	return 0;
}

int
dom_snapshots(struct serve_ctx *s, const struct domain_verb *dv,
    virDomainPtr dom, const char *arg, struct reply *r)
{
	g_autoptr(GPtrArray) list = NULL;
	g_autoptr(GError) err = NULL;
	guint	 i;

	if (enabled(s, "snapshots", r) != 0)
		return r->code;
	if ((list = snapshot_list(s->cfg, s->vps, &err)) == NULL)
		return fail(r, "snapshots", err);
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
	g_autoptr(GError) err = NULL;
	guint	 i;

	if (s->cfg->snap_max == 0 || s->host[0] != '\0')
		return 0;		/* nothing to complete */
	if ((list = snapshot_list(s->cfg, s->vps, &err)) == NULL)
		return fail(r, "snapnames", err);
	for (i = 0; i < list->len; i++)
		reply_line(r, "%s",
		    ((const struct snapshot *)g_ptr_array_index(list, i))->name);
	return 0;
}
