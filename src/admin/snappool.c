/*
 * snappool.c: snapshots of a pool volume (snappool.h), for a VPS whose
 * disk is a volume of its host's libvirt storage pool (backend = pool):
 * this host cannot open that disk, so everything goes through the
 * storage pool API over the host's connection. The API can copy a
 * volume into a new one (virStorageVolCreateXMLFrom, which writes the
 * copy and syncs it, fdatasync, before it returns), create, delete and
 * list volumes; it cannot rename a volume, nor mark one (no extended
 * attributes, no LV tags). The design follows from that.
 *
 * Time. The epoch a snapshot was taken at is in its volumes' names, as
 * the lvm backend does: V.snap.NAME.EPOCH[.img].
 *
 * A listed snapshot is whole. The copy cannot be made under a temporary
 * name and renamed, so a second volume says it is whole: V.snap.NAME.
 * EPOCH.ok, created only after the copy returned, i.e. after libvirt
 * wrote and synced all of it. A snapshot is listed only when its copy and
 * its mark are both there. A copy that was interrupted (the helper
 * killed, the host's libvirtd dead, no room) has no mark: it is never
 * listed, does not count against max_per_vps, and is deleted by the next
 * snapshot, revert, forget or purge of the VPS (under its lock; a copy
 * libvirtd is still writing cannot be deleted, and is left to the next
 * one). forget deletes the mark first, so a forget interrupted half-way
 * also leaves a copy without a mark, which is swept the same way.
 *
 * A revert never loses the snapshot, and the menu never starts a VPS
 * from a half copy. The disk V.img cannot be replaced by renaming a copy over it, and
 * its name is fixed (the domain names its path), so a revert deletes the
 * disk and copies the snapshot under the disk's name. Before it deletes
 * anything it creates V.reverting, and deletes it only after the copy
 * returned. While V.reverting is there the disk may be missing or half
 * written: the menu's start refuses the VPS (snappool_pending), a
 * snapshot of it is refused, and so is forget (which could remove the
 * last snapshot to complete the revert from); the next revert, of any
 * snapshot, deletes whatever disk is there and completes. So an
 * interrupted revert leaves the old disk (killed before the delete), or
 * a VPS that refuses to start until a revert succeeds. The snapshot is
 * only read. Before deleting the disk, the revert checks that the pool
 * has room for the copy once the disk's room is freed, and if deleting
 * the disk fails, it removes the V.reverting it made: nothing changed.
 *
 * libvirt's autostart when the host boots does not look at V.reverting:
 * so the revert turns the domain's autostart off after making the mark
 * and before deleting the disk, and on again after the copy, before
 * deleting the mark. The mark says whether it was on (its name is then
 * V.reverting-autostart), so the revert that completes an interrupted one
 * puts it back. A start by an admin (virsh start), or an autostart the
 * member turns on meanwhile, is not stopped.
 *
 * Only volumes named as above for this VPS are touched; VPS names have no
 * '.', so none of them is another VPS's disk or snapshot.
 */
#include <config.h>

#include <stdlib.h>
#include <string.h>
#include <libvirt/virterror.h>

#include "names.h"
#include "snappool.h"
#include "snapshot.h"
#include "util.h"
#include "virtutil.h"

#define VOLUME_MODE	0600
/* A mark's size: none for a file; an LV has one extent at least. */
#define MARK_SIZE(kind)	((kind) == POOLVOL_BLOCK ? (UINT64_C(1) << 20) : 0)

G_DEFINE_AUTOPTR_CLEANUP_FUNC(virStorageVol, virStorageVolFree)

/* One volume of a snapshot, as listed (pool_scan). */
struct entry {
	char	*name;
	gint64	 t;
	uint64_t size;			/* allocation */
	bool	 data, mark;
};

static void
entry_free(gpointer p)
{
	struct entry *e = p;

	g_free(e->name);
	g_free(e);
}

/* The n digits at s as an epoch (no leading zero): false if not. */
static bool
parse_epoch(const char *s, size_t n, gint64 *t)
{
	g_autofree char *d = g_strndup(s, n);
	unsigned long long v;

	if (n == 0 || n > 19 || (d[0] == '0' && n > 1))
		return false;
	if (!vps_parse_uint(d, 0, G_MAXINT64, &v, NULL))
		return false;
	*t = (gint64)v;
	return true;
}

enum snappool_role
snappool_parse(int kind, const char *vps, const char *vol, char **name,
    gint64 *t)
{
	size_t	 vlen = strlen(vps), len = strlen(vol), ilen, slen;
	enum snappool_role role = SNAPPOOL_DATA;
	const char *suffix, *rest, *dot;

	*name = NULL;
	*t = 0;
	if (strncmp(vol, vps, vlen) != 0)
		return SNAPPOOL_OTHER;
	if (strcmp(vol + vlen, SNAPPOOL_REVERTING) == 0)
		return SNAPPOOL_REVERT;
	if (strcmp(vol + vlen, SNAPPOOL_REVERTING_AUTO) == 0)
		return SNAPPOOL_REVERT_AUTO;
	ilen = strlen(SNAPSHOT_INFIX);
	if (strncmp(vol + vlen, SNAPSHOT_INFIX, ilen) != 0)
		return SNAPPOOL_OTHER;
	rest = vol + vlen + ilen;
	suffix = kind == POOLVOL_BLOCK ? "" : IMAGE_SUFFIX;
	slen = strlen(SNAPPOOL_MARK_SUFFIX);
	if (len - (size_t)(rest - vol) > slen &&
	    strcmp(vol + len - slen, SNAPPOOL_MARK_SUFFIX) == 0)
		role = SNAPPOOL_MARK;
	else if (len - (size_t)(rest - vol) > strlen(suffix) &&
	    strcmp(vol + len - strlen(suffix), suffix) == 0)
		slen = strlen(suffix);
	else
		return SNAPPOOL_OTHER;
	/* rest is NAME.EPOCH + suffix: NAME has no '.'. */
	if ((dot = strchr(rest, '.')) == NULL ||
	    vol + len - slen < dot + 1 ||
	    !parse_epoch(dot + 1, (size_t)(vol + len - slen - dot - 1), t))
		return SNAPPOOL_OTHER;
	*name = g_strndup(rest, (size_t)(dot - rest));
	if (!vps_snap_name_valid(*name, NULL)) {
		g_clear_pointer(name, g_free);
		*t = 0;
		return SNAPPOOL_OTHER;
	}
	return role;
}

char *
snappool_vol_name(int kind, enum snappool_role role, const char *vps,
    const char *name, gint64 t)
{
	if (role == SNAPPOOL_REVERT)
		return g_strconcat(vps, SNAPPOOL_REVERTING, NULL);
	if (role == SNAPPOOL_REVERT_AUTO)
		return g_strconcat(vps, SNAPPOOL_REVERTING_AUTO, NULL);
	return g_strdup_printf("%s" SNAPSHOT_INFIX "%s.%" G_GINT64_FORMAT
	    "%s", vps, name, t, role == SNAPPOOL_MARK ? SNAPPOOL_MARK_SUFFIX :
	    kind == POOLVOL_BLOCK ? "" : IMAGE_SUFFIX);
}

/* Sets err to "WHAT NAME in pool P of host H: libvirt's last error". */
static bool
pool_fail(GError **err, const struct poolvol_pool *p, const char *what,
    const char *name)
{
	virt_error(err, "%s %s in pool %s of host %s", what, name, p->name,
	    p->host);
	return false;
}

/* The volume called name, or NULL (and true) if there is none. */
static bool
lookup(const struct poolvol_pool *p, const char *name, virStorageVolPtr *vol,
    GError **err)
{
	if ((*vol = virStorageVolLookupByName(p->pool, name)) != NULL ||
	    virGetLastErrorCode() == VIR_ERR_NO_STORAGE_VOL)
		return true;
	return pool_fail(err, p, "cannot look up volume", name);
}

/* Deletes the volume called name if it is there. */
static bool
delete_vol(const struct poolvol_pool *p, const char *name, GError **err)
{
	g_autoptr(virStorageVol) vol = NULL;

	if (!lookup(p, name, &vol, err))
		return false;
	if (vol != NULL && virStorageVolDelete(vol, 0) == -1)
		return pool_fail(err, p, "cannot delete volume", name);
	return true;
}

/* Adds what volume vol is to vps into entries (name -> entry). */
static void
scan_one(const struct poolvol_pool *p, const char *vps, virStorageVolPtr vol,
    GHashTable *entries, int *reverting)
{
	g_autofree char *name = NULL, *key = NULL;
	virStorageVolInfo info;
	struct entry *e;
	enum snappool_role role;
	gint64	 t;

	role = snappool_parse(p->kind, vps, virStorageVolGetName(vol), &name,
	    &t);
	/* Both marks (made by hand): the one that puts autostart back. */
	if (role == SNAPPOOL_REVERT_AUTO ||
	    (role == SNAPPOOL_REVERT && *reverting == 0))
		*reverting = (int)role;
	if (role != SNAPPOOL_DATA && role != SNAPPOOL_MARK)
		return;
	key = g_strdup_printf("%s.%" G_GINT64_FORMAT, name, t);
	if ((e = g_hash_table_lookup(entries, key)) == NULL) {
		e = g_new0(struct entry, 1);
		e->name = g_steal_pointer(&name);
		e->t = t;
		g_hash_table_insert(entries, g_steal_pointer(&key), e);
	}
	if (role == SNAPPOOL_MARK)
		e->mark = true;
	else {
		e->data = true;
		if (virStorageVolGetInfo(vol, &info) == 0)
			e->size = info.allocation;
	}
}

/*
 * Every snapshot volume of vps in p: a table of struct entry by
 * "NAME.EPOCH"; *reverting is 0, or the role of the revert's mark that
 * is there (SNAPPOOL_REVERT or SNAPPOOL_REVERT_AUTO).
 */
static GHashTable *
pool_scan(const struct poolvol_pool *p, const char *vps, int *reverting,
    GError **err)
{
	g_autoptr(GHashTable) entries = g_hash_table_new_full(g_str_hash,
	    g_str_equal, g_free, entry_free);
	virStorageVolPtr *vols = NULL;
	int	 n, i;

	*reverting = 0;
	if ((n = virStoragePoolListAllVolumes(p->pool, &vols, 0)) < 0) {
		virt_error(err, "cannot list the volumes of pool %s of host %s",
		    p->name, p->host);
		return NULL;
	}
	for (i = 0; i < n; i++) {
		scan_one(p, vps, vols[i], entries, reverting);
		virStorageVolFree(vols[i]);
	}
	free(vols);
	return g_steal_pointer(&entries);
}

/* The whole snapshots of entries (copy and mark), oldest first. */
static GPtrArray *
whole(GHashTable *entries)
{
	GPtrArray *list = g_ptr_array_new_with_free_func(snapshot_free);
	GHashTableIter it;
	gpointer v;

	g_hash_table_iter_init(&it, entries);
	while (g_hash_table_iter_next(&it, NULL, &v)) {
		const struct entry *e = v;
		struct snapshot *sn;

		if (!e->data || !e->mark)
			continue;
		sn = g_new0(struct snapshot, 1);
		sn->name = g_strdup(e->name);
		sn->time = e->t;
		sn->size = e->size;
		g_ptr_array_add(list, sn);
	}
	g_ptr_array_sort(list, snapshot_by_time);
	return list;
}

GPtrArray *
snappool_list(const struct poolvol_pool *p, const char *vps, GError **err)
{
	g_autoptr(GHashTable) entries = NULL;
	int	 reverting;

	if ((entries = pool_scan(p, vps, &reverting, err)) == NULL)
		return NULL;
	return whole(entries);
}

bool
snappool_pending(const struct poolvol_pool *p, const char *vps,
    bool *pending, GError **err)
{
	GHashTable *entries;
	int	 reverting;

	if ((entries = pool_scan(p, vps, &reverting, err)) == NULL)
		return false;
	g_hash_table_unref(entries);
	*pending = reverting != 0;
	return true;
}

bool
snappool_none(const struct poolvol_pool *p, const char *vps, GError **err)
{
	g_autoptr(GHashTable) entries = NULL;
	g_autoptr(GPtrArray) list = NULL;
	int	 reverting;

	if ((entries = pool_scan(p, vps, &reverting, err)) == NULL)
		return false;
	list = whole(entries);
	if (list->len > 0) {
		g_set_error(err, VPS_ERROR, VPS_ERROR_FAILED, "%u snapshot%s "
		    "of %s in pool %s of host %s (the oldest: %s)", list->len,
		    list->len == 1 ? "" : "s", vps, p->name, p->host,
		    ((const struct snapshot *)g_ptr_array_index(list, 0))->name);
		return false;
	}
	if (reverting != 0) {
		g_set_error(err, VPS_ERROR, VPS_ERROR_FAILED, "the mark of an "
		    "unfinished revert of %s in pool %s of host %s (volume "
		    "%s" SNAPPOOL_REVERTING "...)", vps, p->name, p->host, vps);
		return false;
	}
	return true;
}

/*
 * Deletes what interrupted snapshots and forgets left: copies without a
 * mark, marks without a copy. Best effort: a copy libvirtd still writes
 * cannot be deleted, and stays for the next time.
 */
static void
sweep(const struct poolvol_pool *p, const char *vps, GHashTable *entries)
{
	GHashTableIter it;
	gpointer v;

	g_hash_table_iter_init(&it, entries);
	while (g_hash_table_iter_next(&it, NULL, &v)) {
		const struct entry *e = v;
		g_autofree char *vol = NULL;

		if (e->data && e->mark)
			continue;
		vol = snappool_vol_name(p->kind, e->data ? SNAPPOOL_DATA :
		    SNAPPOOL_MARK, vps, e->name, e->t);
		(void)delete_vol(p, vol, NULL);
	}
}

/*
 * Scans vps's volumes, sweeps the leftovers and returns its whole
 * snapshots; *reverting as pool_scan.
 */
static GPtrArray *
scan_and_sweep(const struct poolvol_pool *p, const char *vps,
    int *reverting, GError **err)
{
	g_autoptr(GHashTable) entries = NULL;

	if ((entries = pool_scan(p, vps, reverting, err)) == NULL)
		return NULL;
	sweep(p, vps, entries);
	return whole(entries);
}

static bool
unfinished(const char *vps, GError **err)
{
	g_set_error(err, VPS_ERROR, VPS_ERROR_INVALID, "a revert of %s did "
	    "not finish, so its disk may be incomplete; revert to a snapshot "
	    "again first", vps);
	return false;
}

/* Creates the empty volume name (a mark). */
static bool
make_mark(const struct poolvol_pool *p, const char *name, GError **err)
{
	g_autofree char *xml = poolvol_xml(p->kind, name, MARK_SIZE(p->kind),
	    VOLUME_MODE);
	virStorageVolPtr vol;

	if (xml == NULL)
		return vps_failed(err, "cannot build a volume's XML");
	if ((vol = virStorageVolCreateXML(p->pool, xml, 0)) == NULL)
		return pool_fail(err, p, "cannot create volume", name);
	virStorageVolFree(vol);
	return true;
}

/*
 * Copies the volume from into a new volume called name, of from's
 * capacity (sparse in a file pool). libvirt deletes the new volume
 * itself if the copy fails while it runs.
 */
static bool
copy_vol(const struct poolvol_pool *p, virStorageVolPtr from,
    const char *name, GError **err)
{
	g_autofree char *xml = NULL;
	virStorageVolPtr vol;
	virStorageVolInfo info;

	if (virStorageVolGetInfo(from, &info) == -1)
		return pool_fail(err, p, "cannot read volume",
		    virStorageVolGetName(from));
	if ((xml = poolvol_xml(p->kind, name, info.capacity,
	    VOLUME_MODE)) == NULL)
		return vps_failed(err, "cannot build a volume's XML");
	if ((vol = virStorageVolCreateXMLFrom(p->pool, xml, from, 0)) == NULL)
		return pool_fail(err, p, "cannot copy into volume", name);
	virStorageVolFree(vol);
	return true;
}

/*
 * Fails unless the pool has need bytes free, counting freed bytes that
 * a deletion before the copy gives back.
 */
static bool
room(const struct poolvol_pool *p, uint64_t need, uint64_t freed,
    const char *what, GError **err)
{
	uint64_t avail;

	if (!poolvol_room(p, &avail, err))
		return false;
	if (avail + freed >= need)
		return true;
	g_set_error(err, VPS_ERROR, VPS_ERROR_FAILED, "no room for %s: it "
	    "takes %" G_GUINT64_FORMAT " MiB, pool %s of host %s has %"
	    G_GUINT64_FORMAT " MiB free", what, (guint64)((need + (1 << 20) -
	    1) >> 20), p->name, p->host, (guint64)((avail + freed) >> 20));
	return false;
}

/* The disk volume of vps, which must be there. */
static virStorageVolPtr
disk_vol(const struct poolvol_pool *p, const char *vps, GError **err)
{
	g_autofree char *name = poolvol_name(p->kind, vps);
	virStorageVolPtr vol;

	if (!lookup(p, name, &vol, err))
		return NULL;
	if (vol == NULL)
		g_set_error(err, VPS_ERROR, VPS_ERROR_FAILED, "the disk of %s, "
		    "volume %s, is not in pool %s of host %s", vps, name,
		    p->name, p->host);
	return vol;
}

/* The checks before a new snapshot, as snapshot.c's may_add. */
static bool
may_add(const struct poolvol_pool *p, const char *vps, const char *name,
    unsigned max, GError **err)
{
	g_autoptr(GPtrArray) list = NULL;
	int	 reverting;

	if (max == 0)
		return vps_invalid(err, "snapshots are disabled on this host "
		    "([snapshots] max_per_vps = 0)");
	if (!vps_snap_name_valid(name, err))
		return false;
	if ((list = scan_and_sweep(p, vps, &reverting, err)) == NULL)
		return false;
	if (reverting)
		return unfinished(vps, err);
	if (snapshot_find(list, name) != NULL) {
		g_set_error(err, VPS_ERROR, VPS_ERROR_INVALID,
		    "%s already has a snapshot %s", vps, name);
		return false;
	}
	if (list->len >= max) {
		g_set_error(err, VPS_ERROR, VPS_ERROR_INVALID,
		    "%s has %u snapshots, the most this host allows; forget "
		    "one first", vps, list->len);
		return false;
	}
	return true;
}

bool
snappool_create(const struct poolvol_pool *p, const char *vps,
    const char *name, unsigned max, GError **err)
{
	gint64	 now = g_get_real_time() / G_USEC_PER_SEC;
	g_autofree char *data = snappool_vol_name(p->kind, SNAPPOOL_DATA,
	    vps, name, now);
	g_autofree char *mark = snappool_vol_name(p->kind, SNAPPOOL_MARK,
	    vps, name, now);
	g_autofree char *what = g_strdup_printf("snapshot %s of %s", name,
	    vps);
	g_autoptr(virStorageVol) disk = NULL;
	virStorageVolInfo info;

	if (!may_add(p, vps, name, max, err) ||
	    (disk = disk_vol(p, vps, err)) == NULL)
		return false;
	if (virStorageVolGetInfo(disk, &info) == -1)
		return pool_fail(err, p, "cannot read volume",
		    virStorageVolGetName(disk));
	if (!room(p, p->kind == POOLVOL_BLOCK ? info.capacity :
	    info.allocation, 0, what, err) || !copy_vol(p, disk, data, err))
		return false;
	/* Whole and synced: now it may be listed. */
	if (make_mark(p, mark, err))
		return true;
	(void)delete_vol(p, data, NULL);
	return false;
}

/*
 * Deletes the disk of vps (if there) and copies the snapshot's copy
 * from under its name; *deleted says whether the disk was deleted.
 */
static bool
replace_disk(const struct poolvol_pool *p, const char *vps,
    virStorageVolPtr from, bool *deleted, GError **err)
{
	g_autofree char *name = poolvol_name(p->kind, vps);
	g_autofree char *want = poolvol_path(p, vps);
	g_autoptr(virStorageVol) disk = NULL;
	g_autofree char *path = NULL;

	*deleted = false;
	if (!lookup(p, name, &disk, err))
		return false;
	if (disk != NULL && virStorageVolDelete(disk, 0) == -1)
		return pool_fail(err, p, "cannot delete the disk, volume", name);
	*deleted = true;
	if (!copy_vol(p, from, name, err))
		return false;
	g_clear_pointer(&disk, virStorageVolFree);
	if (!lookup(p, name, &disk, err))
		return false;
	if (disk == NULL || (path = virStorageVolGetPath(disk)) == NULL ||
	    strcmp(path, want) != 0) {
		g_set_error(err, VPS_ERROR, VPS_ERROR_FAILED, "volume %s of "
		    "pool %s of host %s is not %s after the copy", name,
		    p->name, p->host, want);
		return false;
	}
	return true;
}

/* Deletes the revert's marks, of both names (see scan_one). */
static bool
delete_marks(const struct poolvol_pool *p, const char *vps, GError **err)
{
	int	 role;

	for (role = SNAPPOOL_REVERT; role <= SNAPPOOL_REVERT_AUTO; role++) {
		g_autofree char *mark = snappool_vol_name(p->kind, role, vps,
		    NULL, 0);

		if (!delete_vol(p, mark, err))
			return false;
	}
	return true;
}

/* Turns dom's autostart on or off. */
static bool
set_autostart(virDomainPtr dom, const char *vps, bool on, GError **err)
{
	if (virDomainSetAutostart(dom, on ? 1 : 0) == 0)
		return true;
	virt_error(err, "cannot turn the autostart of %s %s", vps,
	    on ? "on again" : "off for the revert");
	return false;
}

/*
 * The first steps of a revert that no earlier one left unfinished:
 * the mark, then autostart off (the mark's name says whether it was
 * on: *role, SNAPPOOL_REVERT or SNAPPOOL_REVERT_AUTO). A failure leaves
 * nothing changed.
 */
static bool
begin_revert(const struct poolvol_pool *p, virDomainPtr dom, const char *vps,
    int *role, GError **err)
{
	g_autofree char *mark = NULL;
	int	 on;

	if (virDomainGetAutostart(dom, &on) == -1) {
		virt_error(err, "cannot read the autostart of %s", vps);
		return false;
	}
	*role = on ? SNAPPOOL_REVERT_AUTO : SNAPPOOL_REVERT;
	mark = snappool_vol_name(p->kind, *role, vps, NULL, 0);
	if (!make_mark(p, mark, err))
		return false;
	if (!on || set_autostart(dom, vps, false, err))
		return true;
	(void)delete_vol(p, mark, NULL);
	return false;
}

/* Room for the copy of from once the disk of vps is deleted. */
static bool
revert_room(const struct poolvol_pool *p, const char *vps,
    virStorageVolPtr from, GError **err)
{
	g_autofree char *name = poolvol_name(p->kind, vps);
	g_autofree char *what = g_strdup_printf("the revert of %s", vps);
	g_autoptr(virStorageVol) disk = NULL;
	virStorageVolInfo di, si;

	if (virStorageVolGetInfo(from, &si) == -1)
		return pool_fail(err, p, "cannot read volume",
		    virStorageVolGetName(from));
	if (!lookup(p, name, &disk, err))
		return false;
	memset(&di, 0, sizeof(di));
	if (disk != NULL && virStorageVolGetInfo(disk, &di) == -1)
		return pool_fail(err, p, "cannot read volume", name);
	return room(p, p->kind == POOLVOL_BLOCK ? si.capacity : si.allocation,
	    p->kind == POOLVOL_BLOCK ? di.capacity : di.allocation, what, err);
}

bool
snappool_revert(const struct poolvol_pool *p, virDomainPtr dom,
    const char *vps, const char *name, GError **err)
{
	g_autoptr(GPtrArray) list = NULL;
	g_autoptr(virStorageVol) from = NULL;
	g_autofree char *data = NULL, *mark = NULL;
	const struct snapshot *sn;
	int	 reverting, role;
	bool	 deleted;

	if (!vps_snap_name_valid(name, err) ||
	    (list = scan_and_sweep(p, vps, &reverting, err)) == NULL)
		return false;
	if ((sn = snapshot_find(list, name)) == NULL)
		return snapshot_unknown(vps, name, err);
	data = snappool_vol_name(p->kind, SNAPPOOL_DATA, vps, name, sn->time);
	if (!lookup(p, data, &from, err))
		return false;
	if (from == NULL)
		return snapshot_unknown(vps, name, err);
	if (!revert_room(p, vps, from, err))
		return false;
	/* From here until the mark goes, start refuses the VPS. */
	if ((role = reverting) == 0 && !begin_revert(p, dom, vps, &role, err))
		return false;
	mark = snappool_vol_name(p->kind, role, vps, NULL, 0);
	if (!replace_disk(p, vps, from, &deleted, err)) {
		/* The disk is still there: undo what this run began. */
		if (!deleted && reverting == 0 && (role == SNAPPOOL_REVERT ||
		    set_autostart(dom, vps, true, NULL)))
			(void)delete_vol(p, mark, NULL);
		return false;
	}
	if ((role == SNAPPOOL_REVERT_AUTO &&
	    !set_autostart(dom, vps, true, err)) ||
	    !delete_marks(p, vps, err)) {
		g_prefix_error(err, "the disk of %s is the snapshot's, but "
		    "start refuses it until a revert succeeds: ", vps);
		return false;
	}
	return true;
}

bool
snappool_forget(const struct poolvol_pool *p, const char *vps,
    const char *name, GError **err)
{
	g_autoptr(GPtrArray) list = NULL;
	g_autofree char *data = NULL, *mark = NULL;
	const struct snapshot *sn;
	int	 reverting;

	if (!vps_snap_name_valid(name, err) ||
	    (list = scan_and_sweep(p, vps, &reverting, err)) == NULL)
		return false;
	if ((sn = snapshot_find(list, name)) == NULL)
		return snapshot_unknown(vps, name, err);
	if (reverting)
		return unfinished(vps, err);
	data = snappool_vol_name(p->kind, SNAPPOOL_DATA, vps, name, sn->time);
	mark = snappool_vol_name(p->kind, SNAPPOOL_MARK, vps, name, sn->time);
	/* The mark first: from here the snapshot is not listed. */
	if (!delete_vol(p, mark, err))
		return false;
	if (!delete_vol(p, data, err)) {
		g_prefix_error(err, "snapshot %s is forgotten, its copy is "
		    "left for the next snapshot verb to delete: ", name);
		return false;
	}
	return true;
}

bool
snappool_purge(const struct poolvol_pool *p, const char *vps, unsigned *n,
    GError **err)
{
	g_autoptr(GHashTable) entries = NULL;
	GHashTableIter it;
	gpointer v;
	int	 reverting;

	*n = 0;
	if ((entries = pool_scan(p, vps, &reverting, err)) == NULL)
		return false;
	g_hash_table_iter_init(&it, entries);
	while (g_hash_table_iter_next(&it, NULL, &v)) {
		const struct entry *e = v;
		g_autofree char *mark = snappool_vol_name(p->kind,
		    SNAPPOOL_MARK, vps, e->name, e->t);
		g_autofree char *data = snappool_vol_name(p->kind,
		    SNAPPOOL_DATA, vps, e->name, e->t);

		if ((e->mark && !delete_vol(p, mark, err)) ||
		    (e->data && !delete_vol(p, data, err)))
			return false;
		if (e->mark && e->data)
			(*n)++;
	}
	return reverting == 0 || delete_marks(p, vps, err);
}
