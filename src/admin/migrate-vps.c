/*
 * migrate-vps: move a VPS to another hypervisor of vps.conf.
 *
 * A running VPS moves by a libvirt live migration with a copy of the
 * disk (QEMU's NBD mirror), driven from this host over the two libvirt
 * connections it already has (managed direct migration, not
 * peer-to-peer: in vpshost only the login host holds libvirt client
 * credentials, and the local host's URI, qemu:///system, names the
 * source itself when a remote source daemon reads it; migrate-vps(8)
 * "Why not peer-to-peer"). A shut-off one is copied: its disk streamed
 * through the storage API of both hosts, then defined there and
 * undefined here.
 *
 * Everything is checked before anything changes: the VPS is in vps.data,
 * HOST is a [host NAME] group or "local" and not the VPS's host, both
 * hosts answer, the VPS is there with one disk and no CD-ROM medium,
 * has no snapshots, the destination has no domain of that name, a pool
 * for the disk, no volume of its name and room for it. Then the
 * destination volume is made, the domain migrated (or copied) with a
 * destination XML whose disk is that volume and whose SPICE listens on
 * the destination's spice_listen, and only after libvirt reports success
 * is vps.data's host field rewritten. On failure the source domain and
 * disk are as they were, vps.data is unchanged and the volume this run
 * made (and a copy's domain) is removed. The source disk is kept after a
 * success, and named.
 */
#include <config.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libvirt/virterror.h>
#include <libxml/tree.h>

#include "domdoc.h"
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
#include "vpsconf.h"
#include "vpsdata.h"

/* How HOST names the host of [vps] uri, which has no [host NAME]. */
#define LOCAL_HOST	"local"

/*
 * Live, with the disk copied (only the VPS's disk: MIGRATE_DISKS), the
 * definition moved: defined on the destination, undefined on the source
 * once the destination runs. ABORT_ON_ERROR: an I/O error during the
 * copy fails the move rather than pausing the guest.
 */
#define MIGRATE_FLAGS	(VIR_MIGRATE_LIVE | VIR_MIGRATE_NON_SHARED_DISK | \
	VIR_MIGRATE_PERSIST_DEST | VIR_MIGRATE_UNDEFINE_SOURCE | \
	VIR_MIGRATE_ABORT_ON_ERROR)

G_DEFINE_AUTOPTR_CLEANUP_FUNC(virStoragePool, virStoragePoolFree)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(virStorageVol, virStorageVolFree)

struct options {
	const char *config;
	bool	 dry_run;
	const char *name;
	const char *host;
};

/* One of the two hypervisors, as vps.conf describes it. */
struct side {
	const char *name;		/* for messages: NAME or "local" */
	char	 field[VPS_HOST_MAX + 1];	/* vps.data's host field: ""
					   for the local host */
	const char *uri;
	const char *spice;		/* SPICE listen address */
	int	 backend;		/* enum vps_backend */
	const char *vg, *dir, *pool;
	virConnectPtr conn;
};

/* The VPS's disk as the source domain has it. */
struct disk {
	char	*target;		/* vda */
	char	*path;			/* its file or block device */
	unsigned long long capacity;	/* bytes */
};

/* One run: what it decided and what it made (for the rollback). */
struct job {
	const struct options *o;
	struct vps_config *cfg;
	struct vps_data data;
	struct side src, dst;
	virDomainPtr dom;
	struct disk disk;
	struct poolvol_pool pool;	/* destination pool */
	bool	 pool_open;
	char	*dstpath;		/* the new disk */
	struct poolvol_id vid;		/* the volume this run made */
	virStorageVolPtr vol;		/* made by this run */
	bool	 running;		/* live migration, else a copy */
	virDomainPtr defined;		/* a copy's domain on dst, by this
					   run */
};

/* What a shut-off VPS's disk is copied in. */
#define COPY_CHUNK	(1 << 20)

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: migrate-vps [-c FILE] [--dry-run] NAME HOST\n"
	    "\n"
	    "Moves VPS NAME to HOST, a [host NAME] group of vps.conf or\n"
	    "\"" LOCAL_HOST "\" ([vps] uri): a running one by a live\n"
	    "migration with a copy of its disk, a shut-off one by a copy;\n"
	    "vps.data follows on success.\n"
	    "\n"
	    "  -c, --config FILE  configuration file (default %s)\n"
	    "  -n, --dry-run      check everything, print the plan, change\n"
	    "                     nothing\n"
	    "  -h, --help         this text\n"
	    "  -V, --version      the version\n", VPS_CONFIG_PATH);
}

static const struct toolopt migrate_opts[] = {
	{ "dry-run", 'n', TOOLOPT_FLAG, offsetof(struct options, dry_run) },
	{ NULL, 0, 0, 0 },
};
static const struct toolopts tool = { usage, migrate_opts };

static void
parse_args(int argc, char **argv, struct options *o)
{
	g_autoptr(GError) err = NULL;
	int	 first;

	memset(o, 0, sizeof(*o));
	first = toolopts_parse(&tool, argc, argv, &o->config, o);
	if (argc - first != 2)
		toolopts_usage_error(&tool, argc - first > 2 ?
		    argv[first + 2] : NULL);
	o->name = argv[first];
	o->host = argv[first + 1];
	if (!vps_name_valid(o->name, &err))
		vlog_fatal(2, "invalid VPS name: %s", err->message);
	if (strcmp(o->host, LOCAL_HOST) != 0 &&
	    !vps_host_name_valid(o->host, &err))
		vlog_fatal(2, "invalid host name %s: %s", o->host,
		    err->message);
}

/*
 * Fills s for the host field (""), or the [host NAME] group, name. A
 * [host local] group would make HOST "local" mean two hosts: refused.
 */
static bool
side_resolve(const struct vps_config *cfg, const char *field,
    struct side *s, GError **err)
{
	const struct vps_host *h;
	const char *conf = cfg->path != NULL ? cfg->path : "vps.conf";

	if (config_host(cfg, LOCAL_HOST) != NULL) {
		g_set_error(err, VPS_ERROR, VPS_ERROR_INVALID, "%s has a "
		    "[host " LOCAL_HOST "] group, but HOST \"" LOCAL_HOST
		    "\" means [vps] uri: rename the group", conf);
		return false;
	}
	g_strlcpy(s->field, field, sizeof(s->field));
	if (field[0] == '\0') {
		s->name = LOCAL_HOST;
		s->uri = cfg->uri;
		s->spice = cfg->listen;
		s->backend = cfg->backend;
		s->vg = cfg->vg;
		s->dir = cfg->dir;
		s->pool = NULL;
		return true;
	}
	if ((h = config_host(cfg, field)) == NULL) {
		g_set_error(err, VPS_ERROR, VPS_ERROR_INVALID,
		    "no [host %s] in %s", field, conf);
		return false;
	}
	s->name = h->name;
	s->uri = h->uri;
	s->spice = h->spice_listen;
	s->backend = h->backend;
	s->vg = h->vg;
	s->dir = h->dir;
	s->pool = h->pool;
	return true;
}

static bool
side_connect(struct side *s, GError **err)
{
	if ((s->conn = virConnectOpen(s->uri)) != NULL)
		return true;
	virt_error(err, "host %s unreachable (%s)", s->name, s->uri);
	return false;
}

/* The VPS's line of vps.data, or NULL (err: VPS_ERROR_INVALID). */
static struct vps_entry *
find_entry(struct job *j, GError **err)
{
	size_t	 i;

	for (i = 0; i < j->data.n; i++)
		if (strcmp(j->data.v[i].name, j->o->name) == 0)
			return &j->data.v[i];
	g_set_error(err, VPS_ERROR, VPS_ERROR_INVALID, "%s is not in %s",
	    j->o->name, j->cfg->data);
	return NULL;
}

/*
 * vps.data and vps.conf: the VPS, both hosts (not the same), both
 * reachable. Both connections are tried, so that a message can name
 * every host that does not answer.
 */
static bool
check_hosts(struct job *j, GError **err)
{
	const struct vps_entry *e;
	g_autoptr(GError) e1 = NULL, e2 = NULL;
	const char *dfield;
	bool	 sok, dok;

	if (!vpsdata_load(j->cfg->data, &j->data, err) ||
	    (e = find_entry(j, err)) == NULL)
		return false;
	dfield = strcmp(j->o->host, LOCAL_HOST) == 0 ? "" : j->o->host;
	if (!side_resolve(j->cfg, e->host, &j->src, err) ||
	    !side_resolve(j->cfg, dfield, &j->dst, err))
		return false;
	if (strcmp(e->host, dfield) == 0) {
		g_set_error(err, VPS_ERROR, VPS_ERROR_INVALID,
		    "%s is on host %s already", e->name, j->src.name);
		return false;
	}
	/* Both tried, whatever the first gives. */
	sok = side_connect(&j->src, &e1);
	dok = side_connect(&j->dst, &e2);
	if (sok && dok)
		return true;
	g_set_error(err, VPS_ERROR, VPS_ERROR_FAILED, "%s%s%s",
	    e1 != NULL ? e1->message : "", e1 != NULL && e2 != NULL ?
	    "; " : "", e2 != NULL ? e2->message : "");
	return false;
}

/*
 * Whether the pool of side s (a [host NAME] with backend = pool) holds
 * no snapshot of the VPS and no mark of an unfinished revert
 * (snappool.h): on the source they would stay behind (and a half
 * reverted disk must not move), on the destination the moved VPS would
 * get an earlier VPS's. Other backends of a [host NAME] have no
 * snapshots.
 */
static bool
pool_clear(struct job *j, const struct side *s, GError **err)
{
	const struct vps_host *h = config_host(j->cfg, s->field);
	struct poolvol_pool p;
	bool	 ok;

	if (h == NULL || h->backend != VPS_BACKEND_POOL)
		return true;
	memset(&p, 0, sizeof(p));
	ok = poolvol_open_current(s->conn, h, &p, err) &&
	    snappool_none(&p, j->o->name, err);
	poolvol_close(&p);
	if (!ok)
		g_prefix_error(err, "%s cannot move: ", j->o->name);
	return ok;
}

/*
 * The domain is on the source and not on the destination; it has
 * no snapshots, of vpshost (snapshot.h, or snappool.h for a pool) or of
 * libvirt: they stay behind with the disk they were taken of.
 */
static bool
check_domain(struct job *j, GError **err)
{
	g_autoptr(virDomain) other = NULL;
	g_autoptr(GPtrArray) snaps = NULL;
	int	 active, n;

	if (!virt_lookup(j->src.conn, j->o->name, &j->dom, err))
		return false;
	if (j->dom == NULL) {
		g_set_error(err, VPS_ERROR, VPS_ERROR_FAILED,
		    "no domain %s on host %s", j->o->name, j->src.name);
		return false;
	}
	if (!virt_lookup(j->dst.conn, j->o->name, &other, err))
		return false;
	if (other != NULL) {
		g_set_error(err, VPS_ERROR, VPS_ERROR_FAILED, "host %s has "
		    "a domain %s already", j->dst.name, j->o->name);
		return false;
	}
	if ((active = virDomainIsActive(j->dom)) == -1) {
		virt_error(err, "cannot read the state of %s", j->o->name);
		return false;
	}
	j->running = active == 1;
	if (!j->running && virDomainHasManagedSaveImage(j->dom, 0) != 0) {
		g_set_error(err, VPS_ERROR, VPS_ERROR_FAILED, "%s has a saved "
		    "state (managed save): start it first", j->o->name);
		return false;
	}
	if ((n = virDomainSnapshotNum(j->dom, 0)) != 0) {
		if (n < 0)
			virt_error(err, "cannot count the libvirt snapshots "
			    "of %s", j->o->name);
		else
			g_set_error(err, VPS_ERROR, VPS_ERROR_FAILED, "%s has "
			    "%d libvirt snapshot%s, which cannot move",
			    j->o->name, n, n == 1 ? "" : "s");
		return false;
	}
	if (j->src.field[0] != '\0')
		return pool_clear(j, &j->src, err);
	if (!storage_init(j->cfg, err) ||
	    (snaps = snapshot_list(j->cfg, j->o->name, err)) == NULL)
		return false;
	if (snaps->len == 0)
		return true;
	g_set_error(err, VPS_ERROR, VPS_ERROR_FAILED, "%s has %u snapshot%s, "
	    "which cannot move: forget them first (virsh-menu forget NAME)",
	    j->o->name, snaps->len, snaps->len == 1 ? "" : "s");
	return false;
}

/*
 * The VPS's one disk (device='disk') of the live XML: its target, its
 * source and its size. A second disk, or a medium in the CD-ROM (the
 * ISO library may not be on the destination), is refused.
 */
static bool
read_disk(struct job *j, const char *xml, GError **err)
{
	g_autoptr(domdoc) doc = domdoc_parse(xml, strlen(xml), "domain", err);
	virDomainBlockInfo info;

	if (doc == NULL)
		return false;
	if (domdoc_select(doc, NULL, "/domain/devices/disk[@device='disk']",
	    NULL) != 1) {
		g_set_error(err, VPS_ERROR, VPS_ERROR_FAILED, "%s has more "
		    "or fewer disks than one", j->o->name);
		return false;
	}
	if (domdoc_select(doc, NULL, "/domain/devices/disk[@device!='disk']"
	    "/source[@file or @dev or @name]", NULL) != 0) {
		g_set_error(err, VPS_ERROR, VPS_ERROR_FAILED, "%s has a "
		    "medium in its CD-ROM: eject it first (virsh-menu "
		    "detach_iso)", j->o->name);
		return false;
	}
	j->disk.target = domdoc_get(doc, NULL,
	    "/domain/devices/disk[@device='disk']/target/@dev");
	j->disk.path = domdoc_get(doc, NULL,
	    "/domain/devices/disk[@device='disk']/source/@file | "
	    "/domain/devices/disk[@device='disk']/source/@dev");
	if (j->disk.target == NULL || j->disk.path == NULL) {
		g_set_error(err, VPS_ERROR, VPS_ERROR_FAILED, "the disk of %s "
		    "is neither a file nor a block device", j->o->name);
		return false;
	}
	if (virDomainGetBlockInfo(j->dom, j->disk.target, &info, 0) == -1) {
		virt_error(err, "cannot read the size of %s", j->disk.path);
		return false;
	}
	j->disk.capacity = info.capacity;
	return true;
}

/*
 * No domain of the destination uses a SPICE port or a MAC of the VPS:
 * QEMU could not listen there, or two guests would share a MAC (libvirt
 * checks neither). xml: the VPS's XML.
 */
static bool
check_clash(struct job *j, const char *xml, GError **err)
{
	g_autoptr(GHashTable) macs = g_hash_table_new_full(g_str_hash,
	    g_str_equal, g_free, NULL);
	g_autoptr(GHashTable) mymacs = g_hash_table_new_full(g_str_hash,
	    g_str_equal, g_free, NULL);
	g_autoptr(GHashTable) ports = g_hash_table_new(NULL, NULL);
	g_autoptr(GHashTable) myports = g_hash_table_new(NULL, NULL);
	GHashTableIter it;
	gpointer k;

	if (!virt_scan(j->dst.conn, macs, ports, err) ||
	    !domxml_scan(xml, mymacs, myports, err))
		return false;
	g_hash_table_iter_init(&it, myports);
	while (g_hash_table_iter_next(&it, &k, NULL)) {
		if (!g_hash_table_contains(ports, k))
			continue;
		g_set_error(err, VPS_ERROR, VPS_ERROR_FAILED, "host %s: "
		    "port %u of %s is used by another domain there",
		    j->dst.name, GPOINTER_TO_UINT(k), j->o->name);
		return false;
	}
	g_hash_table_iter_init(&it, mymacs);
	while (g_hash_table_iter_next(&it, &k, NULL)) {
		if (!g_hash_table_contains(macs, k))
			continue;
		g_set_error(err, VPS_ERROR, VPS_ERROR_FAILED, "host %s: "
		    "MAC %s of %s is used by another domain there",
		    j->dst.name, (const char *)k, j->o->name);
		return false;
	}
	return true;
}

/*
 * The destination's pool: backend pool names it; for lvm and file it is
 * the pool whose target is /dev/VG or DIR, as an admin defines it for
 * libvirt to make volumes there. The volume is named like the disks
 * create-vps makes (poolvol.h).
 */
static bool
find_pool(struct job *j, GError **err)
{
	const struct side *d = &j->dst;
	g_autofree char *vgdir = NULL;

	if (d->backend == VPS_BACKEND_LVM)
		vgdir = g_strconcat("/dev/", d->vg, NULL);
	j->pool_open = true;
	return poolvol_open_at(d->conn, d->name,
	    d->backend == VPS_BACKEND_POOL ? d->pool : NULL,
	    d->backend == VPS_BACKEND_LVM ? vgdir : d->dir, &j->pool, err);
}

/* The destination pool has no volume of that name and room for it. */
static bool
check_room(struct job *j, GError **err)
{
	struct poolvol_id old = { NULL, NULL, NULL };
	uint64_t avail;
	bool	 found;

	if (!poolvol_find(&j->pool, j->o->name, &old, &found, err) ||
	    !poolvol_room(&j->pool, &avail, err))
		return false;
	if (found) {
		g_set_error(err, VPS_ERROR, VPS_ERROR_FAILED, "host %s: pool "
		    "%s has a volume %s already", j->dst.name, j->pool.name,
		    old.path);
		poolvol_id_clear(&old);
		return false;
	}
	if (avail < j->disk.capacity) {
		g_set_error(err, VPS_ERROR, VPS_ERROR_FAILED, "host %s: pool "
		    "%s has %llu bytes free, the disk of %s needs %llu",
		    j->dst.name, j->pool.name, (unsigned long long)avail,
		    j->o->name, j->disk.capacity);
		return false;
	}
	return true;
}

/* The volume, and a handle on it for a copy's upload. */
static bool
make_volume(struct job *j, GError **err)
{
	if (!poolvol_create(&j->pool, j->o->name, j->disk.capacity, &j->vid,
	    err))
		return false;
	/* The move writes into it, which changes its times: key and path. */
	g_clear_pointer(&j->vid.stamp, g_free);
	if ((j->vol = virStorageVolLookupByPath(j->dst.conn, j->vid.path)) ==
	    NULL) {
		virt_error(err, "host %s: volume %s", j->dst.name,
		    j->vid.path);
		return false;
	}
	return true;
}

/*
 * The path the new volume will have, for --dry-run and the XML: the
 * pool's target path and the volume's name.
 */
static void
plan_path(struct job *j)
{
	j->dstpath = poolvol_path(&j->pool, j->o->name);
}

/*
 * The domain XML for the destination: the disk is the new volume (a file,
 * or a block device in a volume group), SPICE listens on the
 * destination's address. Returned to g_free after explicit_bzero (it
 * holds the SPICE password).
 */
static char *
dest_xml(const struct job *j, const char *xml, GError **err)
{
	g_autoptr(domdoc) doc = domdoc_parse(xml, strlen(xml), "domain", err);
	xmlNode	*disk, *src, *g;
	char	*out;
	bool	 block;

	if (doc == NULL)
		return NULL;
	disk = domdoc_find(doc, NULL, "/domain/devices/disk[@device='disk']");
	src = disk != NULL ? domdoc_find(doc, disk, "source") : NULL;
	if (src == NULL) {
		g_set_error(err, VPS_ERROR, VPS_ERROR_FAILED,
		    "the XML of %s has no disk source", j->o->name);
		return NULL;
	}
	xmlUnsetProp(src, BAD_CAST "file");
	xmlUnsetProp(src, BAD_CAST "dev");
	xmlUnsetProp(src, BAD_CAST "index");
	block = j->pool.kind == POOLVOL_BLOCK;
	if (!domdoc_set_prop(disk, "type", block ? "block" : "file") ||
	    !domdoc_set_prop(src, block ? "dev" : "file", j->dstpath))
		goto oom;
	domdoc_remove(doc, disk, "backingStore");
	g = domdoc_find(doc, NULL, "/domain/devices/graphics[@type='spice']");
	if (g != NULL && xmlHasProp(g, BAD_CAST "listen") != NULL &&
	    !domdoc_set_prop(g, "listen", j->dst.spice))
		goto oom;
	if (g != NULL &&
	    (g = domdoc_find(doc, g, "listen[@type='address']")) != NULL &&
	    !domdoc_set_prop(g, "address", j->dst.spice))
		goto oom;
	if ((out = domdoc_format(doc)) != NULL)
		return out;
oom:
	(void)vps_failed(err, "out of memory");
	return NULL;
}

/* "tcp://ADDR" for the destination's server in its URI; NULL: none. */
static char *
migration_uri(const char *uri)
{
	g_autoptr(GUri) u = g_uri_parse(uri, G_URI_FLAGS_NONE, NULL);
	const char *host = u != NULL ? g_uri_get_host(u) : NULL;

	if (host == NULL || host[0] == '\0')
		return NULL;
	if (strchr(host, ':') != NULL)
		return g_strdup_printf("tcp://[%s]", host);
	return g_strdup_printf("tcp://%s", host);
}

/* The migration itself, with both XMLs; *moved: the domain on dst. */
static bool
migrate(struct job *j, const char *live, const char *persist,
    virDomainPtr *moved, GError **err)
{
	virTypedParameterPtr params = NULL;
	g_autofree char *muri = migration_uri(j->dst.uri);
	const char *disks[2] = { j->disk.target, NULL };
	int	 n = 0, max = 0;
	bool	 ok;

	ok = virTypedParamsAddString(&params, &n, &max,
	    VIR_MIGRATE_PARAM_DEST_XML, live) == 0 &&
	    virTypedParamsAddString(&params, &n, &max,
	    VIR_MIGRATE_PARAM_PERSIST_XML, persist) == 0 &&
	    virTypedParamsAddStringList(&params, &n, &max,
	    VIR_MIGRATE_PARAM_MIGRATE_DISKS, disks) == 0 &&
	    (muri == NULL || virTypedParamsAddString(&params, &n, &max,
	    VIR_MIGRATE_PARAM_URI, muri) == 0);
	if (!ok) {
		virTypedParamsFree(params, n);
		return vps_failed(err, "out of memory");
	}
	*moved = virDomainMigrate3(j->dom, j->dst.conn, params, n,
	    MIGRATE_FLAGS);
	virTypedParamsFree(params, n);
	if (*moved == NULL) {
		virt_error(err, "cannot migrate %s from host %s to host %s",
		    j->o->name, j->src.name, j->dst.name);
		return false;
	}
	return true;
}

/* Both XMLs of the source, edited for the destination, then the move. */
static bool
move(struct job *j, virDomainPtr *moved, GError **err)
{
	const unsigned f = VIR_DOMAIN_XML_MIGRATABLE | VIR_DOMAIN_XML_SECURE;
	char	*live = NULL, *persist = NULL, *dl = NULL, *dp = NULL;
	bool	 ok = false;

	if ((live = virDomainGetXMLDesc(j->dom, f)) == NULL ||
	    (persist = virDomainGetXMLDesc(j->dom,
	    f | VIR_DOMAIN_XML_INACTIVE)) == NULL) {
		virt_error(err, "cannot read the XML of %s", j->o->name);
		goto out;
	}
	if ((dl = dest_xml(j, live, err)) != NULL &&
	    (dp = dest_xml(j, persist, err)) != NULL)
		ok = migrate(j, dl, dp, moved, err);
out:
	/* Each holds the SPICE password. */
	vps_free_secret(live);
	vps_free_secret(persist);
	vps_free_secret(dl);
	vps_free_secret(dp);
	return ok;
}

/* The signal that asked a move to stop (hold_signals), or 0. */
static volatile sig_atomic_t stop_signal;

static void
note_signal(int sig)
{
	stop_signal = sig;
}

/*
 * While a move runs (on), the signals of a terminal or a stop are only
 * noted: a live migration goes on (a half-done one is worse than a late
 * stop), a copy stops at its next chunk and is undone (migrate-vps(8)).
 * Off: their handlers as before.
 */
static void
hold_signals(bool on)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };
	static struct sigaction old[G_N_ELEMENTS(sigs)];
	struct sigaction sa;
	size_t	 i;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = note_signal;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < G_N_ELEMENTS(sigs); i++) {
		if (on)
			sigaction(sigs[i], &sa, &old[i]);
		else
			sigaction(sigs[i], &old[i], NULL);
	}
}

/*
 * Moves what in has to out, holes as holes (both streams sparse): the
 * source disk's download into the destination volume's upload.
 */
static bool
send_all(virStreamPtr out, const char *buf, int n)
{
	int	 off, m;

	for (off = 0; off < n; off += m)
		if ((m = virStreamSend(out, buf + off, n - off)) <= 0)
			return false;
	return true;
}

static bool
pump(virStreamPtr in, virStreamPtr out, GError **err)
{
	char	*buf = g_malloc(COPY_CHUNK);
	long long hole;
	int	 n;
	bool	 ok = true;

	while (ok && stop_signal == 0 && (n = virStreamRecvFlags(in, buf,
	    COPY_CHUNK, VIR_STREAM_RECV_STOP_AT_HOLE)) != 0) {
		if (n == -3)
			ok = virStreamRecvHole(in, &hole, 0) == 0 &&
			    virStreamSendHole(out, hole, 0) == 0;
		else
			ok = n > 0 && send_all(out, buf, n);
	}
	g_free(buf);
	if (ok && stop_signal != 0) {
		g_set_error(err, VPS_ERROR, VPS_ERROR_FAILED,
		    "stopped by signal %d", (int)stop_signal);
		return false;
	}
	if (!ok)
		virt_error(err, "the copy failed");
	return ok;
}

/* The source disk, streamed into the volume this run made. */
static bool
copy_disk(struct job *j, GError **err)
{
	g_autoptr(virStoragePool) pool = NULL;
	g_autoptr(virStorageVol) from = NULL;
	g_autofree char *dir = g_path_get_dirname(j->disk.path);
	virStreamPtr in = NULL, out = NULL;
	bool	 ok = false;

	/* The pool's list of volumes may predate the disk. */
	if ((pool = virStoragePoolLookupByTargetPath(j->src.conn, dir)) !=
	    NULL)
		(void)virStoragePoolRefresh(pool, 0);
	if ((from = virStorageVolLookupByPath(j->src.conn, j->disk.path)) ==
	    NULL) {
		virt_error(err, "host %s: the disk %s of %s is in no storage "
		    "pool (define one on its directory, or start %s and move "
		    "it live)", j->src.name, j->disk.path, j->o->name,
		    j->o->name);
		return false;
	}
	if ((in = virStreamNew(j->src.conn, 0)) == NULL ||
	    (out = virStreamNew(j->dst.conn, 0)) == NULL ||
	    virStorageVolDownload(from, in, 0, 0,
	    VIR_STORAGE_VOL_DOWNLOAD_SPARSE_STREAM) == -1 ||
	    virStorageVolUpload(j->vol, out, 0, 0,
	    VIR_STORAGE_VOL_UPLOAD_SPARSE_STREAM) == -1) {
		virt_error(err, "cannot copy %s to host %s", j->disk.path,
		    j->dst.name);
		goto out;
	}
	if (!pump(in, out, err)) {
		g_prefix_error(err, "%s to host %s: ", j->disk.path,
		    j->dst.name);
		goto out;
	}
	if (virStreamFinish(in) == -1 || virStreamFinish(out) == -1) {
		virt_error(err, "cannot finish the copy of %s to host %s",
		    j->disk.path, j->dst.name);
		goto out;
	}
	ok = true;
out:
	if (!ok && in != NULL)
		virStreamAbort(in);
	if (!ok && out != NULL)
		virStreamAbort(out);
	if (in != NULL)
		virStreamFree(in);
	if (out != NULL)
		virStreamFree(out);
	return ok;
}

/*
 * A shut-off VPS: the disk copied, the domain defined on the destination
 * and only then undefined on the source. It must not have been started
 * meanwhile (the menu's start waits for the lock this run holds; virsh
 * does not).
 */
static bool
copy(struct job *j, virDomainPtr *moved, GError **err)
{
	const unsigned f = VIR_DOMAIN_XML_INACTIVE | VIR_DOMAIN_XML_SECURE |
	    VIR_DOMAIN_XML_MIGRATABLE;
	char	*xml = NULL, *dx = NULL;
	bool	 ok = false;

	if (!copy_disk(j, err))
		return false;
	if (virDomainIsActive(j->dom) != 0) {
		g_set_error(err, VPS_ERROR, VPS_ERROR_FAILED, "%s was started "
		    "during the copy", j->o->name);
		return false;
	}
	if ((xml = virDomainGetXMLDesc(j->dom, f)) == NULL) {
		virt_error(err, "cannot read the XML of %s", j->o->name);
		return false;
	}
	if ((dx = dest_xml(j, xml, err)) == NULL)
		goto out;
	if ((j->defined = virDomainDefineXML(j->dst.conn, dx)) == NULL) {
		virt_error(err, "cannot define %s on host %s", j->o->name,
		    j->dst.name);
		goto out;
	}
	if (virDomainUndefineFlags(j->dom, VIR_DOMAIN_UNDEFINE_KEEP_NVRAM) ==
	    -1) {
		virt_error(err, "cannot undefine %s on host %s", j->o->name,
		    j->src.name);
		goto out;
	}
	*moved = g_steal_pointer(&j->defined);
	ok = true;
out:
	vps_free_secret(xml);
	vps_free_secret(dx);
	return ok;
}

/*
 * After a failure: the domain a copy defined on the destination goes,
 * then the volume this run made, unless a domain of
 * that name is on the destination after all (then it may be its disk).
 * Whatever is left is named.
 */
static void
rollback(struct job *j)
{
	g_autoptr(virDomain) dom = NULL;
	g_autoptr(GError) err = NULL;
	bool	 removed = false;

	if (j->defined != NULL &&
	    virDomainUndefineFlags(j->defined, VIR_DOMAIN_UNDEFINE_KEEP_NVRAM)
	    == -1)
		vlog_warn("domain %s on host %s is left: %s", j->o->name,
		    j->dst.name, virGetLastErrorMessage());
	if (j->vid.path == NULL)
		return;
	if (!virt_lookup(j->dst.conn, j->o->name, &dom, &err) ||
	    dom != NULL ||
	    !poolvol_delete(&j->pool, j->o->name, &j->vid, &removed, &err) ||
	    !removed) {
		vlog_warn("volume %s on host %s is left: %s", j->vid.path,
		    j->dst.name, err != NULL ? err->message : dom != NULL ?
		    "a domain there has that name" :
		    "another volume has its name now");
		return;
	}
	printf("volume %s on host %s removed\n", j->dstpath, j->dst.name);
}

/* The host field of the VPS's line, under the lock held since the start. */
static bool
update_data(struct job *j, GError **err)
{
	struct vps_entry *e = find_entry(j, err);

	if (e == NULL)
		return false;
	g_strlcpy(e->host, j->dst.field, sizeof(e->host));
	return vpsdata_write(j->cfg->data, &j->data, NULL, err);
}

/*
 * After the move: the autostart flag as it was, and vps.data's host
 * field. A failure to write vps.data says how to mend it by hand.
 */
static bool
moved_to(struct job *j, virDomainPtr moved, int autostart, GError **err)
{
	printf("%s %s on host %s, disk %s\n", j->o->name, j->running ?
	    "runs" : "is defined", j->dst.name, j->dstpath);
	if (autostart && virDomainSetAutostart(moved, 1) == -1)
		vlog_warn("cannot mark %s autostart on host %s: %s",
		    j->o->name, j->dst.name, virGetLastErrorMessage());
	if (update_data(j, err))
		return true;
	g_prefix_error(err, "%s moved to host %s, but set its host field in "
	    "%s to \"%s\" by hand: ", j->o->name, j->dst.name, j->cfg->data,
	    j->dst.field);
	return false;
}

/* What the admin does next: LDAP's vpsHost and the access rules. */
static void
print_after(const struct job *j, const struct vps_entry *e)
{
	printf("disk %s on host %s kept (remove it once the VPS runs well "
	    "on host %s)\n", j->disk.path, j->src.name, j->dst.name);
	printf("LDAP: set vpsHost of %s to match (vps-data-gen warns until "
	    "then):\n  ldapmodify <<EOF\n  dn: <the DN of vpsName=%s under "
	    "%s>\n  changetype: modify\n", j->o->name, j->o->name,
	    j->cfg->ldap_base);
	if (j->dst.field[0] != '\0')
		printf("  replace: vpsHost\n  vpsHost: %s\n  EOF\n",
		    j->dst.field);
	else
		printf("  delete: vpsHost\n  EOF\n");
	printf("access rules: run sudoers-gen, so that %s may forward to "
	    "%s:%u\n", e->owner, j->dst.spice, e->spice_port);
}

static void
print_plan(const struct job *j)
{
	printf("would %s %s (%s) from host %s (%s) to host %s (%s)\n",
	    j->running ? "migrate" : "copy", j->o->name, j->running ?
	    "running" : "shut off", j->src.name, j->src.uri, j->dst.name,
	    j->dst.uri);
	printf("disk %s (%s, %llu bytes) copied to %s in pool %s\n",
	    j->disk.path, j->disk.target, j->disk.capacity, j->dstpath,
	    j->pool.name);
	printf("SPICE listens on %s there; vps.data host becomes \"%s\"\n",
	    j->dst.spice, j->dst.field);
}

/* Checks, then (unless --dry-run) the volume, the move and vps.data. */
static bool
run_job(struct job *j, GError **err)
{
	g_autoptr(virDomain) moved = NULL;
	g_autofree char *xml = NULL;
	const struct vps_entry *e;
	int	 autostart = 0;
	bool	 ok;

	if (!check_hosts(j, err) || !check_domain(j, err))
		return false;
	if ((xml = virDomainGetXMLDesc(j->dom, 0)) == NULL) {
		virt_error(err, "cannot read the XML of %s", j->o->name);
		return false;
	}
	if (!read_disk(j, xml, err) || !check_clash(j, xml, err) ||
	    !find_pool(j, err) || !check_room(j, err) ||
	    (j->dst.field[0] != '\0' && !pool_clear(j, &j->dst, err)))
		return false;
	plan_path(j);
	if (j->o->dry_run) {
		print_plan(j);
		return true;
	}
	if (virDomainGetAutostart(j->dom, &autostart) == -1) {
		virt_error(err, "cannot read the autostart flag of %s",
		    j->o->name);
		return false;
	}
	/* Held until vps.data says where the VPS is. */
	hold_signals(true);
	ok = make_volume(j, err) && (j->running ? move(j, &moved, err) :
	    copy(j, &moved, err));
	if (!ok)
		rollback(j);
	else
		ok = moved_to(j, moved, autostart, err);
	hold_signals(false);
	if (!ok)
		return false;
	printf("%s: host of %s is now \"%s\"\n", j->cfg->data, j->o->name,
	    j->dst.field);
	e = vpsdata_find(&j->data, j->o->name);
	print_after(j, e);
	return true;
}

static void
job_clear(struct job *j)
{
	g_free(j->disk.target);
	g_free(j->disk.path);
	g_free(j->dstpath);
	poolvol_id_clear(&j->vid);
	if (j->vol != NULL)
		virStorageVolFree(j->vol);
	if (j->pool_open)
		poolvol_close(&j->pool);
	if (j->dom != NULL)
		virDomainFree(j->dom);
	if (j->defined != NULL)
		virDomainFree(j->defined);
	if (j->src.conn != NULL)
		virConnectClose(j->src.conn);
	if (j->dst.conn != NULL)
		virConnectClose(j->dst.conn);
	vpsdata_clear(&j->data);
}

/*
 * Under vps.data's lock (no sync or create rewrites the host field
 * meanwhile, no cdrom change) and the VPS's snapshot lock (no snapshot
 * verb or start races the move).
 */
static bool
run(const struct options *o, GError **err)
{
	g_autoptr(vps_config) cfg = NULL;
	struct job j = { .o = o, .data = VPSDATA_INIT };
	int	 lock = -1, snaplock = -1;
	bool	 ok;

	if ((cfg = config_load(o->config, 0, err)) == NULL)
		return false;
	j.cfg = cfg;
	if ((lock = vpsdata_lock(cfg->data, err)) == -1)
		return false;
	if ((snaplock = snapshot_lock(o->name, err)) == -1) {
		vps_unlock(lock);
		return false;
	}
	ok = run_job(&j, err);
	job_clear(&j);
	vps_unlock(snaplock);
	vps_unlock(lock);
	return ok;
}

int
main(int argc, char **argv)
{
	g_autoptr(GError) err = NULL;
	struct options o;

	vlog_init("migrate-vps", false);
	virt_init();
	/* A dying libvirtd must give an error, not kill us mid-move. */
	signal(SIGPIPE, SIG_IGN);
	parse_args(argc, argv, &o);
	if (!run(&o, &err))
		vlog_fatal(vps_exit_status(err), "cannot migrate %s to %s: %s",
		    o.name, o.host, err->message);
	return fflush(stdout) == 0 ? 0 : 1;
}
