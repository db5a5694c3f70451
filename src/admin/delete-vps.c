/*
 * delete-vps: undefine the libvirt domain of a VPS.
 *
 * A running VPS is refused unless --force, which powers it off. The
 * domain is undefined with its NVRAM, managed save image and snapshot
 * and checkpoint metadata. Its disk is kept (and named) unless
 * --purge-disk, which removes the VPS's LV or image (/dev/VG/NAME,
 * DIR/NAME.img) only if the domain used it as a disk, or, with no domain
 * left, if it carries create-vps's mark (storage.h); else the purge is
 * refused before anything changes. Any other disk of the domain is
 * always kept.
 *
 * The VPS's snapshots (snapshot.h) are listed; they are kept with the disk,
 * and --purge-disk removes them after it, under the lock that serialises
 * the menu's snapshot verbs. Without --purge-disk a failure to list them
 * (an LVM host without the VG) is only a warning: deleting a domain must
 * not depend on its storage.
 *
 * A VPS of another host (vps.data's host field for NAME, or --host) is
 * undefined there, through its libvirt URI; a host that does not answer
 * is an error and nothing changes. Its --purge-disk deletes the volume
 * named like the VPS in the host's pool (backend = pool, poolvol.h) only
 * if the domain names its path as a disk: a pool volume carries no mark,
 * so one without a domain is never removed (virsh vol-delete is the
 * admin's, after a look). Its snapshots are volumes of that pool
 * (snappool.h), listed, kept or purged as this host's are.
 */
#include <config.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <errno.h>

#include "domxml.h"
#include "lock.h"
#include "log.h"
#include "names.h"
#include "pathnames.h"
#include "poolvol.h"
#include "snappool.h"
#include "snapshot.h"
#include "storage.h"
#include "toolopts.h"
#include "util.h"
#include "virtutil.h"
#include "vpsdata.h"
#include "vpsconf.h"


struct options {
	const char *config;
	bool	 force;
	bool	 purge;
	const char *host;		/* --host, or NULL */
	const char *name;
};

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: delete-vps [-c FILE] [--force] [--purge-disk] [--host HOST] "
	    "NAME\n"
	    "\n"
	    "Undefines the libvirt domain of VPS NAME. Its disk and its\n"
	    "snapshots are kept unless --purge-disk.\n"
	    "\n"
	    "  -c, --config FILE  configuration file (default %s)\n"
	    "  -f, --force        power off the VPS if it is running\n"
	    "      --purge-disk   also remove the LV or image of the VPS: only\n"
	    "                     one its domain uses, or one create-vps marked;\n"
	    "                     and its snapshots\n"
	    "      --host HOST    the VPS is on [host HOST] of vps.conf (default:\n"
	    "                     its host in vps.data, else this host)\n"
	    "  -h, --help         this text\n"
	    "  -V, --version      the version\n", VPS_CONFIG_PATH);
}

static const struct toolopt delete_opts[] = {
	{ "force", 'f', TOOLOPT_FLAG, offsetof(struct options, force) },
	{ "purge-disk", 0, TOOLOPT_FLAG, offsetof(struct options, purge) },
	{ "host", 0, TOOLOPT_ARG, offsetof(struct options, host) },
	{ NULL, 0, 0, 0 },
};
static const struct toolopts tool = { usage, delete_opts };

static void
parse_args(int argc, char **argv, struct options *o)
{
	g_autoptr(GError) err = NULL;
	int	 first;

	memset(o, 0, sizeof(*o));
	first = toolopts_parse(&tool, argc, argv, &o->config, o);
	if (argc - first != 1)
		toolopts_usage_error(&tool, NULL);
	o->name = argv[first];
	if (!vps_name_valid(o->name, &err))
		vlog_fatal(2, "invalid VPS name: %s", err->message);
	if (o->host != NULL && !vps_host_name_valid(o->host, &err))
		vlog_fatal(2, "invalid --host: %s", err->message);
}

/* Powers off a running domain if allowed; then undefines it. */
static bool
remove_domain(virDomainPtr dom, const struct options *o, GError **err)
{
	int	 active = virDomainIsActive(dom);

	if (active == -1) {
		virt_error(err, "cannot read the state of %s", o->name);
		return false;
	}
	if (active == 1 && !o->force) {
		g_set_error(err, VPS_ERROR, VPS_ERROR_FAILED,
		    "%s is running: shut it down first, or use --force to "
		    "power it off", o->name);
		return false;
	}
	if (active == 1) {
		if (virDomainDestroy(dom) == -1) {
			virt_error(err, "cannot power off %s", o->name);
			return false;
		}
		printf("%s powered off\n", o->name);
	}
	/* A transient domain is gone once it is off. */
	if (virDomainIsPersistent(dom) == 1 &&
	    virDomainUndefineFlags(dom, VIRT_UNDEFINE_FLAGS) == -1) {
		virt_error(err, "cannot undefine %s", o->name);
		return false;
	}
	printf("domain %s undefined\n", o->name);
	return true;
}

/* The disks as one line for a message (g_free). */
static char *
disk_list(GPtrArray *disks)
{
	GString	*s = g_string_new(NULL);
	size_t	 i;

	for (i = 0; i < disks->len; i++)
		g_string_append_printf(s, "%s%s", i > 0 ? ", " : "",
		    (const char *)g_ptr_array_index(disks, i));
	if (disks->len == 0)
		g_string_append(s, "none");
	return g_string_free(s, FALSE);
}

/*
 * --purge-disk removes the VPS's own LV or image only if its domain uses
 * it: a name typed wrong must not reach a disk of another user of the VG
 * or directory. Checked before the domain is touched.
 */
static bool
check_purge(const struct vps_config *cfg, const struct options *o,
    GPtrArray *disks, GError **err)
{
	g_autofree char *own = storage_path(cfg, o->name), *list = NULL;
	size_t	 i;

	for (i = 0; i < disks->len; i++)
		if (strcmp(g_ptr_array_index(disks, i), own) == 0)
			return true;
	list = disk_list(disks);
	g_set_error(err, VPS_ERROR, VPS_ERROR_FAILED,
	    "--purge-disk refused: domain %s does not use %s (its disks: %s); "
	    "nothing was changed", o->name, own, list);
	return false;
}

/*
 * The disks: with --purge-disk the VPS's own LV or image goes (the domain
 * used it, see check_purge); every other disk of the domain is kept, and
 * each one kept is named.
 */
static bool
handle_disks(const struct vps_config *cfg, const struct options *o,
    GPtrArray *disks, GError **err)
{
	g_autofree char *own = storage_path(cfg, o->name);
	bool	 exists = false, removed = false;
	size_t	 i;

	if (o->purge) {
		if (!storage_exists(cfg, o->name, &exists, err))
			return false;
		if (exists && !storage_remove(cfg, o->name, err))
			return false;
		if (exists)
			printf("disk %s removed\n", own);
		removed = exists;
	}
	for (i = 0; i < disks->len; i++) {
		const char *d = g_ptr_array_index(disks, i);

		if (removed && strcmp(d, own) == 0)
			continue;
		printf("disk %s kept%s\n", d, o->purge ? "" :
		    " (--purge-disk removes it)");
	}
	return true;
}

/* The snapshots of o->name, or NULL with err (VPS_ERROR_FAILED). */
static GPtrArray *
list_snapshots(const struct vps_config *cfg, const struct options *o,
    GError **err)
{
	GPtrArray *snaps;

	if (!storage_init(cfg, err) ||
	    (snaps = snapshot_list(cfg, o->name, err)) == NULL) {
		g_prefix_error(err, "cannot list the snapshots of %s: ",
		    o->name);
		return NULL;
	}
	return snaps;
}

/*
 * The snapshots as they were before the change (snaps, NULL if they could
 * not be listed): without --purge-disk each is named and kept; with it,
 * all of them go (the caller holds the VPS's snapshot lock), from pool p
 * for a VPS of another host, else from this host's storage.
 */
static bool
handle_snapshots(const struct vps_config *cfg, const struct poolvol_pool *p,
    const struct options *o, GPtrArray *snaps, GError **err)
{
	g_autoptr(GDateTime) dt = NULL;
	g_autofree char *when = NULL;
	unsigned n = 0;
	guint	 i;

	for (i = 0; !o->purge && snaps != NULL && i < snaps->len; i++) {
		const struct snapshot *sn = g_ptr_array_index(snaps, i);

		g_clear_pointer(&dt, g_date_time_unref);
		g_clear_pointer(&when, g_free);
		dt = g_date_time_new_from_unix_utc(sn->time);
		when = dt != NULL ? g_date_time_format(dt, "%F %T UTC") :
		    g_strdup("?");
		printf("snapshot %s kept (taken %s)\n", sn->name, when);
	}
	if (!o->purge)
		return true;
	if (p != NULL ? !snappool_purge(p, o->name, &n, err) :
	    !snapshot_purge(cfg, o->name, &n, err)) {
		g_prefix_error(err, "the snapshots of %s are left: ", o->name);
		return false;
	}
	/* LVM removes an origin's snapshots with it: count those too. */
	n = MAX(n, snaps != NULL ? snaps->len : 0);
	if (n > 0)
		printf("%u snapshot%s of %s removed\n", n, n == 1 ? "" : "s",
		    o->name);
	return true;
}

/*
 * No domain: what a create-vps killed half-way may leave is the VPS's own
 * LV or image, with create-vps's mark. --purge-disk removes it if it has
 * the mark, and refuses (changing nothing) if not; without it, say it is
 * there.
 */
static bool
purge_leftover(const struct vps_config *cfg, const struct options *o,
    GError **err)
{
	g_autofree char *own = storage_path(cfg, o->name);
	bool	 exists = false, removed = false;

	if (!storage_init(cfg, err) ||
	    !storage_exists(cfg, o->name, &exists, err))
		return false;
	if (!exists) {
		g_set_error(err, VPS_ERROR, VPS_ERROR_FAILED,
		    "no domain named %s, and no disk %s", o->name, own);
		return false;
	}
	if (!o->purge) {
		g_set_error(err, VPS_ERROR, VPS_ERROR_FAILED,
		    "no domain named %s; its disk %s is left (--purge-disk "
		    "removes it if create-vps made it)", o->name, own);
		return false;
	}
	if (!storage_remove_marked(cfg, o->name, &removed, err))
		return false;
	if (!removed) {
		g_set_error(err, VPS_ERROR, VPS_ERROR_FAILED,
		    "--purge-disk refused: no domain named %s uses %s, and it "
		    "lacks create-vps's mark (%s), so it may be another's; it "
		    "is left as it is", o->name, own,
		    cfg->backend == VPS_BACKEND_LVM ? "LV tag " STORAGE_LV_TAG :
		    "attribute " STORAGE_XATTR);
		return false;
	}
	printf("no domain named %s; disk %s removed\n", o->name, own);
	return true;
}

/*
 * The host of VPS o->name: --host, else its host field in vps.data; NULL
 * (this host) for a VPS without one, a name vps.data does not list (it
 * may have left it already) and a missing vps.data.
 */
static bool
find_host(const struct vps_config *cfg, const struct options *o,
    const struct vps_host **h, GError **err)
{
	struct vps_data d = VPSDATA_INIT;
	const struct vps_entry *e;
	bool	 ok;

	*h = NULL;
	if (o->host != NULL) {
		if ((*h = config_host(cfg, o->host)) != NULL)
			return true;
		g_set_error(err, VPS_ERROR, VPS_ERROR_INVALID, "--host %s: no "
		    "[host %s] group in %s", o->host, o->host, cfg->path !=
		    NULL ? cfg->path : "vps.conf");
		return false;
	}
	if (access(cfg->data, F_OK) == -1 && errno == ENOENT)
		return true;
	if (!vpsdata_load(cfg->data, &d, err))
		return false;
	ok = (e = vpsdata_find(&d, o->name)) == NULL ||
	    config_host_of(cfg, e, h, err);
	vpsdata_clear(&d);
	return ok;
}

/*
 * --purge-disk on another host: the volume named like the VPS must be the
 * disk its domain names (checked before the domain goes); *found says
 * whether there is one, id which.
 */
static bool
remote_check_purge(const struct poolvol_pool *p, const struct options *o,
    GPtrArray *disks, struct poolvol_id *id, bool *found, GError **err)
{
	g_autofree char *own = NULL, *list = NULL;
	size_t	 i;

	if (!poolvol_find(p, o->name, id, found, err))
		return false;
	own = *found ? g_strdup(id->path) : poolvol_path(p, o->name);
	for (i = 0; i < disks->len; i++)
		if (strcmp(g_ptr_array_index(disks, i), own) == 0)
			return true;
	list = disk_list(disks);
	g_set_error(err, VPS_ERROR, VPS_ERROR_FAILED,
	    "--purge-disk refused: domain %s on host %s does not use %s (its "
	    "disks: %s); nothing was changed", o->name, p->host, own, list);
	return false;
}

/* After the domain went: the volume id goes, every other disk is kept. */
static bool
remote_handle_disks(const struct poolvol_pool *p, const struct options *o,
    GPtrArray *disks, const struct poolvol_id *id, GError **err)
{
	bool	 removed = false;
	size_t	 i;

	if (id->path != NULL) {
		if (!poolvol_delete(p, o->name, id, &removed, err))
			return false;
		if (!removed) {
			g_set_error(err, VPS_ERROR, VPS_ERROR_FAILED, "domain "
			    "%s undefined, but volume %s of pool %s of host %s "
			    "changed meanwhile: it is left as it is", o->name,
			    id->path, p->name, p->host);
			return false;
		}
		printf("disk %s removed (host %s)\n", id->path, p->host);
	}
	for (i = 0; i < disks->len; i++) {
		const char *d = g_ptr_array_index(disks, i);

		if (removed && strcmp(d, id->path) == 0)
			continue;
		printf("disk %s kept%s\n", d, o->purge ? "" :
		    " (--purge-disk removes it)");
	}
	return true;
}

/*
 * No domain of the name on host h: say so, and name a volume of the name
 * that --purge-disk will not remove (see poolvol.h).
 */
static bool
remote_no_domain(const struct poolvol_pool *p, const struct vps_host *h,
    const struct options *o, GError **err)
{
	struct poolvol_id id = { NULL, NULL, NULL };
	bool	 found = false;

	if (o->purge && !poolvol_find(p, o->name, &id, &found, err))
		return false;
	if (found)
		g_set_error(err, VPS_ERROR, VPS_ERROR_FAILED, "no domain named "
		    "%s on host %s; volume %s is left: no domain names it, and "
		    "a pool volume carries no mark of create-vps, so it may be "
		    "another's (virsh -c %s vol-delete --pool %s %s, after a "
		    "look)", o->name, h->name, id.path, h->uri, p->name,
		    id.path);
	else
		g_set_error(err, VPS_ERROR, VPS_ERROR_FAILED,
		    "no domain named %s on host %s", o->name, h->name);
	poolvol_id_clear(&id);
	return false;
}

/*
 * The snapshots of a VPS of host h (volumes of its pool, snappool.h),
 * listed before anything changes, as run() does: with --purge-disk a
 * failure is an error, else a warning and *snaps stays NULL. Opens the
 * pool into p if it is not open yet.
 */
static bool
remote_snapshots(virConnectPtr conn, const struct vps_host *h,
    const struct options *o, struct poolvol_pool *p, GPtrArray **snaps,
    GError **err)
{
	g_autoptr(GError) warn = NULL;

	*snaps = NULL;
	if (h->backend != VPS_BACKEND_POOL)
		return true;
	if ((p->pool != NULL || poolvol_open(conn, h, p, o->purge ? err :
	    &warn)) && (*snaps = snappool_list(p, o->name, o->purge ? err :
	    &warn)) != NULL)
		return true;
	if (o->purge) {
		g_prefix_error(err, "cannot list the snapshots of %s: ",
		    o->name);
		return false;
	}
	vlog_warn("cannot list the snapshots of %s: %s; any snapshots are "
	    "kept", o->name, g_strchomp(warn->message));
	return true;
}

/*
 * delete-vps of a VPS of host h. With backend = pool its snapshots are
 * volumes of the pool (snappool.h): listed, kept, or purged after the
 * disk under the VPS's snapshot lock, as on this host.
 */
static bool
run_remote(const struct vps_config *cfg, const struct vps_host *h,
    const struct options *o, GError **err)
{
	g_autoptr(virConnect) conn = NULL;
	g_autoptr(virDomain) dom = NULL;
	g_autoptr(GPtrArray) disks = NULL, snaps = NULL;
	g_autofree char *xml = NULL;
	struct poolvol_pool p = { NULL, NULL, NULL, NULL, 0 };
	struct poolvol_id id = { NULL, NULL, NULL };
	bool	 found = false, ok = false;
	int	 snaplock = -1;

	if (o->purge && h->backend != VPS_BACKEND_POOL) {
		g_set_error(err, VPS_ERROR, VPS_ERROR_FAILED, "--purge-disk "
		    "refused: host %s has no backend = pool in %s, and only a "
		    "pool volume can be removed from here", h->name,
		    cfg->path != NULL ? cfg->path : "vps.conf");
		return false;
	}
	if (o->purge && (snaplock = snapshot_lock(o->name, err)) == -1)
		return false;
	if ((conn = virt_connect(h->uri, err)) == NULL) {
		g_prefix_error(err, "host %s unreachable: ", h->name);
		goto out;
	}
	if ((o->purge && !poolvol_open(conn, h, &p, err)) ||
	    !virt_lookup(conn, o->name, &dom, err))
		goto out;
	if (dom != NULL && !remote_snapshots(conn, h, o, &p, &snaps, err))
		goto out;
	if (dom == NULL) {
		ok = remote_no_domain(&p, h, o, err);
		goto out;
	}
	if ((xml = virDomainGetXMLDesc(dom, VIR_DOMAIN_XML_INACTIVE)) ==
	    NULL) {
		virt_error(err, "cannot read the XML of %s on host %s", o->name,
		    h->name);
		goto out;
	}
	if ((disks = domxml_disk_sources(xml, err)) == NULL ||
	    (o->purge && !remote_check_purge(&p, o, disks, &id, &found,
	    err)) || !remove_domain(dom, o, err))
		goto out;
	ok = remote_handle_disks(&p, o, disks, &id, err) &&
	    (h->backend != VPS_BACKEND_POOL || handle_snapshots(cfg,
	    p.pool != NULL ? &p : NULL, o, snaps, err));
out:
	poolvol_id_clear(&id);
	poolvol_close(&p);
	if (snaplock != -1)
		vps_unlock(snaplock);
	return ok;
}

static bool
run(const struct options *o, GError **err)
{
	g_autoptr(vps_config) cfg = NULL;
	g_autoptr(virConnect) conn = NULL;
	g_autoptr(virDomain) dom = NULL;
	g_autoptr(GPtrArray) disks = NULL, snaps = NULL;
	g_autoptr(GError) warn = NULL;
	g_autofree char *xml = NULL;
	const struct vps_host *h;
	int	 lock = -1, snaplock = -1;
	bool	 ok = false;

	if ((cfg = config_load(o->config, 0, err)) == NULL)
		return false;
	if ((lock = vpsdata_lock(cfg->data, err)) == -1)
		return false;
	if (!find_host(cfg, o, &h, err))
		goto out;
	if (h != NULL) {
		ok = run_remote(cfg, h, o, err);
		goto out;
	}
	/*
	 * A purge holds the VPS's snapshot lock throughout, as the menu's
	 * snapshot verbs do: none of them copies or replaces the disk while
	 * it goes, and one under way refuses the purge before it begins.
	 */
	if ((o->purge && (snaplock = snapshot_lock(o->name, err)) == -1) ||
	    (o->purge && !storage_init(cfg, err)) ||
	    (conn = virt_connect(cfg->uri, err)) == NULL ||
	    !virt_lookup(conn, o->name, &dom, err))
		goto out;
	/*
	 * Listed before anything changes: with --purge-disk a failure
	 * stops here; without, it is a warning.
	 */
	if ((snaps = list_snapshots(cfg, o, o->purge ? err : &warn)) ==
	    NULL && o->purge)
		goto out;
	if (warn != NULL)
		vlog_warn("%s; any snapshots are kept",
		    g_strchomp(warn->message));
	if (dom == NULL) {
		ok = purge_leftover(cfg, o, err) &&
		    handle_snapshots(cfg, NULL, o, snaps, err);
		goto out;
	}
	if ((xml = virDomainGetXMLDesc(dom, VIR_DOMAIN_XML_INACTIVE)) ==
	    NULL) {
		virt_error(err, "cannot read the XML of %s", o->name);
		goto out;
	}
	if ((disks = domxml_disk_sources(xml, err)) == NULL ||
	    (o->purge && !check_purge(cfg, o, disks, err)) ||
	    !remove_domain(dom, o, err))
		goto out;
	ok = handle_disks(cfg, o, disks, err) &&
	    handle_snapshots(cfg, NULL, o, snaps, err);
out:
	if (snaplock != -1)
		vps_unlock(snaplock);
	vps_unlock(lock);
	return ok;
}

int
main(int argc, char **argv)
{
	g_autoptr(GError) err = NULL;
	struct options o;

	vlog_init("delete-vps", false);
	virt_init();
	/* A dying libvirtd must give an error, not kill us mid-change. */
	signal(SIGPIPE, SIG_IGN);
	parse_args(argc, argv, &o);
	if (!run(&o, &err))
		vlog_fatal(vps_exit_status(err), "cannot delete %s: %s", o.name,
		    err->message);
	return fflush(stdout) == 0 ? 0 : 1;
}
