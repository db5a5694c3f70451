/*
 * create-vps: provision one VPS of vps.data as a libvirt domain.
 *
 * Everything is checked before anything changes (the name is in vps.data;
 * no domain, LV or image of that name; the SPICE port is not used by any
 * domain; the VG has room). Then the disk is created, the domain XML is
 * built from the template with a fresh MAC (unique among all domains) and
 * a random SPICE password nobody is shown, the domain is defined and
 * marked autostart. If a step fails, what was made is removed again, and
 * only that: the domain by the UUID this run gave it, the disk only if it
 * is still the one this run made (its inode, or its LV tag naming that
 * UUID). A domain or disk of the same name that someone else made
 * meanwhile is left alone.
 * A lock next to vps.data serialises concurrent runs, so that two runs
 * cannot pick the same MAC.
 *
 * A VPS of another host (vps.data's host field, a [host NAME] of
 * vps.conf) is made there, through its libvirt URI: its disk is a volume
 * of the host's storage pool (backend = pool, poolvol.h; the other
 * backends need this host's file system or VG and are refused), its
 * SPICE display listens on the host's spice_listen, and its MAC and port
 * are unique among the domains of every host, which must all answer.
 */
#include <config.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <libvirt/virterror.h>

#include "domxml.h"
#include "isolib.h"
#include "lock.h"
#include "log.h"
#include "names.h"
#include "pathnames.h"
#include "poolvol.h"
#include "random.h"
#include "snappool.h"
#include "snapshot.h"
#include "storage.h"
#include "toolopts.h"
#include "util.h"
#include "virtprobe.h"
#include "virtutil.h"
#include "vpsconf.h"
#include "vpsdata.h"

#define PASSWORD_LEN	24
#define MAC_TRIES	1000

struct options {
	const char *config;
	bool	 dry_run;
	bool	 no_autostart;
	const char *name;
	const char *iso;
};

/* What one run has decided, and what it has made (for the rollback). */
struct job {
	const struct options *o;
	struct vps_config *cfg;
	struct vps_entry e;
	char	*iso;			/* absolute path, or NULL */
	char	*disk;
	char	*uuid;			/* of the domain this run defines */
	char	 mac[VPS_MAC_LEN + 1];
	char	 password[PASSWORD_LEN + 1];
	virConnectPtr conn;
	struct domxml_cpu cpu;		/* domain type and CPU */
	bool	 disk_made;
	struct storage_made made;	/* which disk this run made */
	bool	 define_tried;
	virDomainPtr dom;		/* defined by this run */
	/* A VPS of another host: */
	const struct vps_host *host;	/* NULL: this host */
	struct poolvol_pool pool;	/* the host's pool */
	struct poolvol_id vol;		/* the volume this run made */
};

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: create-vps [-c FILE] [--dry-run] [--no-autostart] NAME [ISO]\n"
	    "\n"
	    "Creates the disk and defines the libvirt domain of VPS NAME of\n"
	    "vps.data; ISO (a file in [vps] iso_dir, or an absolute path) is\n"
	    "attached as the cdrom the VPS boots from.\n"
	    "\n"
	    "  -c, --config FILE  configuration file (default %s)\n"
	    "  -n, --dry-run      check and print the domain XML (password\n"
	    "                     masked); change nothing\n"
	    "      --no-autostart do not start the VPS when the host boots\n"
	    "  -h, --help         this text\n"
	    "  -V, --version      the version\n", VPS_CONFIG_PATH);
}

static const struct toolopt create_opts[] = {
	{ "dry-run", 'n', TOOLOPT_FLAG, offsetof(struct options, dry_run) },
	{ "no-autostart", 0, TOOLOPT_FLAG,
	    offsetof(struct options, no_autostart) },
	{ NULL, 0, 0, 0 },
};
static const struct toolopts tool = { usage, create_opts };

static void
parse_args(int argc, char **argv, struct options *o)
{
	g_autoptr(GError) err = NULL;
	int	 first;

	memset(o, 0, sizeof(*o));
	first = toolopts_parse(&tool, argc, argv, &o->config, o);
	if (argc - first < 1 || argc - first > 2)
		toolopts_usage_error(&tool, NULL);
	o->name = argv[first];
	o->iso = argv[first + 1];
	if (!vps_name_valid(o->name, &err))
		vlog_fatal(2, "invalid VPS name: %s", err->message);
}

/*
 * The ISO as an absolute path: a plain name must be a valid ISO name in
 * iso_dir; either way it must be a regular file.
 */
static char *
resolve_iso(const struct vps_config *cfg, const char *iso, GError **err)
{
	g_autofree char *path = NULL, *name = NULL;
	struct stat st;

	if ((path = domxml_iso_path(cfg->iso_dir, iso, err)) == NULL) {
		g_prefix_error(err, "invalid ISO name %s: ", iso);
		return NULL;
	}
	/* The library's ISOs are the ones the member's start checks too. */
	if ((name = isolib_name_of(cfg->iso_dir, path)) != NULL) {
		GError	*ierr = NULL;

		if (isolib_check(cfg->iso_dir, name, &ierr))
			return g_steal_pointer(&path);
		/* A name that is not in the library is the caller's mistake. */
		if (g_error_matches(ierr, G_FILE_ERROR, G_FILE_ERROR_NOENT)) {
			ierr->domain = VPS_ERROR;
			ierr->code = VPS_ERROR_INVALID;
		}
		g_propagate_error(err, ierr);
		return NULL;
	}
	if (stat(path, &st) == -1 || !S_ISREG(st.st_mode)) {
		g_set_error(err, VPS_ERROR, VPS_ERROR_INVALID,
		    "ISO %s: not a regular file", path);
		return NULL;
	}
	return g_steal_pointer(&path);
}

/*
 * The host of e (NULL: this one, whose [storage] and [vps] uri apply).
 * One whose host vps.conf does not know is invalid (exit 2); a host
 * without backend = pool is refused (exit 1): its lvm or file backend
 * names a VG or directory of that host, which only libvirt's storage
 * pool API reaches from here.
 */
static bool
job_host(struct job *j, GError **err)
{
	static const char *const names[] = { "lvm", "file", "pool" };

	if (!config_host_of(j->cfg, &j->e, &j->host, err))
		return false;
	if (j->host == NULL || j->host->backend == VPS_BACKEND_POOL)
		return true;
	g_set_error(err, VPS_ERROR, VPS_ERROR_FAILED, "VPS %s is on host %s, "
	    "whose backend is %s: create-vps makes the disk of a VPS of "
	    "another host in a libvirt storage pool only (backend = pool and "
	    "pool in [host %s] of %s)", j->e.name, j->host->name,
	    names[j->host->backend], j->host->name, j->cfg->path != NULL ?
	    j->cfg->path : "vps.conf");
	return false;
}

/* Loads the configuration, the VPS's line of vps.data and the ISO. */
static bool
job_load(struct job *j, GError **err)
{
	struct vps_data d = VPSDATA_INIT;
	const struct vps_entry *e;
	bool	 ok = false;

	if ((j->cfg = config_load(j->o->config, 0, err)) == NULL)
		return false;
	if (!vpsdata_load(j->cfg->data, &d, err))
		return false;
	if ((e = vpsdata_find(&d, j->o->name)) == NULL) {
		g_set_error(err, VPS_ERROR, VPS_ERROR_INVALID,
		    "%s is not in %s", j->o->name, j->cfg->data);
		goto out;
	}
	j->e = *e;
	if (!job_host(j, err))
		goto out;
	if (j->o->iso != NULL &&
	    (j->iso = resolve_iso(j->cfg, j->o->iso, err)) == NULL)
		goto out;
	/* A pool volume's path is known once the pool is open. */
	if (j->host == NULL)
		j->disk = storage_path(j->cfg, j->e.name);
	j->uuid = g_uuid_string_random();
	ok = true;
out:
	vpsdata_clear(&d);
	return ok;
}

/* A 52:54:00 MAC that no defined domain uses. */
static bool
pick_mac(struct job *j, GHashTable *macs, GError **err)
{
	int	 i;

	for (i = 0; i < MAC_TRIES; i++) {
		if (!vps_random_mac(j->mac, err))
			return false;
		if (!g_hash_table_contains(macs, j->mac))
			return true;
	}
	g_set_error(err, VPS_ERROR, VPS_ERROR_FAILED,
	    "no unused MAC found in %d tries", MAC_TRIES);
	return false;
}

/*
 * The VPS's network must exist, or it would be defined but never start:
 * a libvirt network, or a bridge of the host.
 */
static bool
check_network(struct job *j, GError **err)
{
	g_autofree char *sys = NULL;
	virNetworkPtr net;

	/*
	 * The bridge of another host is not in this host's sysfs, and
	 * libvirt's API has no sure view of it: QEMU names a missing one
	 * when the VPS starts.
	 */
	if (j->cfg->bridge != NULL && j->host != NULL)
		return true;
	if (j->cfg->bridge != NULL) {
		sys = g_strdup_printf(SYSFS_BRIDGE_FMT, j->cfg->bridge);
		if (access(sys, F_OK) == 0)
			return true;
		g_set_error(err, VPS_ERROR, VPS_ERROR_FAILED,
		    "bridge %s: no such bridge on this host", j->cfg->bridge);
		return false;
	}
	if ((net = virNetworkLookupByName(j->conn, j->cfg->network)) == NULL) {
		virt_error(err, "libvirt network %s", j->cfg->network);
		return false;
	}
	virNetworkFree(net);
	return true;
}

/*
 * The nwfilter of [network] filter must exist, or the VPS would be
 * defined but never start (libvirt instantiates the filter at start):
 * a missing filter, or a libvirtd without its nwfilter driver, is named.
 */
static bool
check_filter(struct job *j, GError **err)
{
	virNWFilterPtr f;

	if (j->cfg->filter == NULL)
		return true;
	if ((f = virNWFilterLookupByName(j->conn, j->cfg->filter)) == NULL) {
		virt_error(err, "nwfilter %s ([network] filter of %s)",
		    j->cfg->filter, j->cfg->path);
		return false;
	}
	virNWFilterFree(f);
	return true;
}

/*
 * virt_choose() on the VPS's host, another one. The probe boots
 * probe.img of [vps] template_dir, a path of this host that the other
 * host's QEMU cannot open; what reaches that host is libvirt's storage
 * API: the image is uploaded (virStorageVolUpload) into a volume of a
 * random name in the host's pool, booted from there and deleted again.
 * A pool that cannot take it fails the run, as it could not take the
 * disk either.
 */
static bool
choose_remote(struct job *j, GError **warn, GError **err)
{
	char	 name[VIRT_PROBE_VOL_MAX];
	struct poolvol_id id;

	if (j->cfg->virt_type != VPS_VIRT_AUTO) {
		virt_choose(j->conn, j->cfg, &j->cpu, warn);
		return true;
	}
	if (!virt_probe_put(&j->pool, j->cfg->template_dir, name, &id, err))
		return false;
	virt_choose_at(j->conn, j->cfg, id.path, &j->cpu, warn);
	virt_probe_drop(&j->pool, name, &id);
	return true;
}

/*
 * The domain type and CPU: the configured CPU model must be one libvirt
 * knows; with virt_type auto, a domain with that CPU must start under
 * KVM, or the VPS gets TCG and the admin a warning saying why.
 */
static bool
choose_cpu(struct job *j, GError **err)
{
	g_autoptr(GError) warn = NULL;

	if (!virt_cpu_known(j->conn, j->cfg->cpu, err)) {
		g_prefix_error(err, "%s: [vps] cpu %s: ", j->cfg->path,
		    j->cfg->cpu);
		return false;
	}
	if (j->host == NULL)
		virt_choose(j->conn, j->cfg, &j->cpu, &warn);
	else if (!choose_remote(j, &warn, err))
		return false;
	if (warn != NULL)
		vlog_warn("KVM not used, %s runs under TCG (slow): %s; "
		    "vps-doctor(8) tells more, [vps] virt_type = qemu "
		    "silences this", j->e.name, warn->message);
	return true;
}

/*
 * Snapshots left of an earlier VPS of this name (delete-vps without
 * --purge-disk keeps them) would be the new VPS's: listed, and reverted
 * onto its disk, by its owner, who may be another member.
 */
static bool
check_snapshots(struct job *j, GError **err)
{
	g_autoptr(GPtrArray) list = NULL;

	if ((list = snapshot_list(j->cfg, j->e.name, err)) == NULL)
		return false;
	if (list->len == 0)
		return true;
	g_set_error(err, VPS_ERROR, VPS_ERROR_FAILED,
	    "snapshots of an earlier VPS named %s are still there (%u, the "
	    "oldest %s): remove them first, or the new VPS's owner would "
	    "get them", j->e.name, list->len,
	    ((struct snapshot *)g_ptr_array_index(list, 0))->name);
	return false;
}

/*
 * Scans the domains of host h (NULL: this host, [vps] uri) for a VPS of
 * another host: no domain of its name there, and its MACs and ports
 * added to the tables. The VPS's own host is asked on the run's
 * connection, every other one on a connection of its own.
 */
static bool
scan_host(struct job *j, const struct vps_host *h, GHashTable *macs,
    GHashTable *ports, GError **err)
{
	g_autofree char *what = h == NULL ? g_strdup("the local host") :
	    g_strdup_printf("host %s", h->name);
	g_autoptr(virConnect) own = NULL;
	g_autoptr(virDomain) dom = NULL;
	virConnectPtr conn = j->conn;

	if (h != j->host) {
		if ((own = virt_connect(h == NULL ? j->cfg->uri : h->uri,
		    err)) == NULL) {
			g_prefix_error(err, "%s unreachable (its domains' MACs "
			    "are unknown): ", what);
			return false;
		}
		conn = own;
	}
	if (!virt_lookup(conn, j->e.name, &dom, err) ||
	    !virt_scan(conn, macs, ports, err)) {
		g_prefix_error(err, "%s: ", what);
		return false;
	}
	if (dom != NULL) {
		g_set_error(err, VPS_ERROR, VPS_ERROR_FAILED,
		    "a domain named %s is already defined on %s", j->e.name,
		    what);
		return false;
	}
	return true;
}

/*
 * Every [host NAME] is scanned, for a VPS of any host: a MAC must be
 * unique across all of them (a VPS may move, and bridged hosts may share
 * a segment), and a host that does not answer fails the run, since a MAC
 * it uses could be chosen. Nothing without [host] groups.
 */
static bool
scan_other_hosts(struct job *j, GHashTable *macs, GHashTable *ports,
    GError **err)
{
	size_t	 i;

	for (i = 0; i < j->cfg->nhosts; i++)
		if (!scan_host(j, &j->cfg->hosts[i], macs, ports, err))
			return false;
	return true;
}

/* For a VPS of another host: the local host too, as any other. */
static bool
scan_hosts(struct job *j, GHashTable *macs, GHashTable *ports,
    GError **err)
{
	return scan_host(j, NULL, macs, ports, err) &&
	    scan_other_hosts(j, macs, ports, err);
}

/*
 * Room in the host's pool: an LV is allocated in full; a file volume is
 * sparse, as the file backend's images are, and is not checked.
 */
static bool
check_pool_room(struct job *j, GError **err)
{
	uint64_t avail, size = j->e.disk_gib * STORAGE_GIB;

	if (j->pool.kind != POOLVOL_BLOCK)
		return true;
	if (!poolvol_room(&j->pool, &avail, err))
		return false;
	if (avail >= size)
		return true;
	g_set_error(err, VPS_ERROR, VPS_ERROR_FAILED, "pool %s of host %s has "
	    "%" G_GUINT64_FORMAT " MiB free, %" G_GUINT64_FORMAT " MiB needed",
	    j->pool.name, j->pool.host, (guint64)(avail >> 20),
	    (guint64)(size >> 20));
	return false;
}

/*
 * check_snapshots for a VPS of another host: its snapshots are volumes
 * of the host's pool (snappool.h), and an unfinished revert's mark would
 * keep the new VPS from starting.
 */
static bool
check_pool_snapshots(struct job *j, GError **err)
{
	if (snappool_none(&j->pool, j->e.name, err))
		return true;
	g_prefix_error(err, "an earlier VPS named %s left what the new VPS's "
	    "owner would get; remove it first: ", j->e.name);
	return false;
}

/*
 * job_check for a VPS of another host. Its snapshots are volumes of the
 * host's pool (check_pool_snapshots); the existing volume is refused by
 * poolvol_create(), before it changes anything. The probe of virt_type
 * auto runs on that host.
 */
static bool
job_check_remote(struct job *j, GError **err)
{
	g_autoptr(GHashTable) macs = g_hash_table_new_full(g_str_hash,
	    g_str_equal, g_free, NULL);
	g_autoptr(GHashTable) ports = g_hash_table_new(NULL, NULL);

	if (!check_pool_snapshots(j, err) || !check_network(j, err) ||
	    !check_filter(j, err) || !scan_hosts(j, macs, ports, err))
		return false;
	if (g_hash_table_contains(ports, GUINT_TO_POINTER(j->e.spice_port))) {
		g_set_error(err, VPS_ERROR, VPS_ERROR_FAILED,
		    "SPICE port %u is used by another domain (of some host)",
		    j->e.spice_port);
		return false;
	}
	if (!check_pool_room(j, err) || !choose_cpu(j, err))
		return false;
	return pick_mac(j, macs, err);
}

/*
 * Everything that can be checked before a change: no domain of this name,
 * its network and nwfilter there, its port unused, room in the VG, the
 * CPU; then the MAC is chosen. An existing LV or image is refused by
 * storage_create(), atomically, before it changes anything.
 */
static bool
job_check(struct job *j, GError **err)
{
	g_autoptr(GHashTable) macs = g_hash_table_new_full(g_str_hash,
	    g_str_equal, g_free, NULL);
	g_autoptr(GHashTable) ports = g_hash_table_new(NULL, NULL);
	g_autoptr(virDomain) dom = NULL;

	if (j->host != NULL)
		return job_check_remote(j, err);
	if (!virt_lookup(j->conn, j->e.name, &dom, err))
		return false;
	if (dom != NULL) {
		g_set_error(err, VPS_ERROR, VPS_ERROR_FAILED,
		    "a domain named %s is already defined", j->e.name);
		return false;
	}
	if (!check_snapshots(j, err) || !check_network(j, err) ||
	    !check_filter(j, err) || !virt_scan(j->conn, macs, ports, err) ||
	    !scan_other_hosts(j, macs, ports, err))
		return false;
	if (g_hash_table_contains(ports, GUINT_TO_POINTER(j->e.spice_port))) {
		g_set_error(err, VPS_ERROR, VPS_ERROR_FAILED,
		    "SPICE port %u is used by another domain",
		    j->e.spice_port);
		return false;
	}
	if (!storage_check_room(j->cfg, j->e.disk_gib * STORAGE_GIB, err) ||
	    !choose_cpu(j, err))
		return false;
	return pick_mac(j, macs, err);
}

/* The domain XML text; the password is masked for --dry-run. */
static char *
job_xml(struct job *j, GError **err)
{
	g_autofree char *tmpl = domxml_data_path(
	    j->cfg->template_dir, DOMXML_TEMPLATE);
	struct domxml_params p;
	xmlDoc	*doc;
	char	*xml;

	if (j->o->dry_run) {
		memset(j->password, '*', PASSWORD_LEN);
		j->password[PASSWORD_LEN] = '\0';
	} else if (!vps_random_password(j->password, PASSWORD_LEN, err))
		return NULL;
	domxml_params_init(&p, j->cfg, &j->e);
	if (j->host != NULL) {
		p.disk_kind = j->pool.kind == POOLVOL_BLOCK ?
		    DOMXML_DISK_BLOCK : DOMXML_DISK_FILE;
		p.listen = j->host->spice_listen;
	}
	p.cpu = j->cpu;
	p.uuid = j->uuid;
	p.disk_path = j->disk;
	p.iso = j->iso;
	p.mac = j->mac;
	p.password = j->password;
	if ((doc = domxml_build(tmpl, &p, err)) == NULL)
		return NULL;
	if ((xml = domdoc_format(doc)) == NULL)
		g_set_error(err, VPS_ERROR, VPS_ERROR_FAILED,
		    "cannot format the domain XML");
	domdoc_free(doc);
	return xml;
}

/* The changes: disk, definition, autostart. */
static bool
job_make(struct job *j, const char *xml, GError **err)
{
	unsigned long libver;

	if (j->host != NULL) {
		if (!poolvol_create(&j->pool, j->e.name, j->e.disk_gib *
		    STORAGE_GIB, &j->vol, err))
			return false;
	} else if (!storage_create(j->cfg, j->e.name, j->e.disk_gib *
	    STORAGE_GIB, j->uuid, &j->made, err))
		return false;
	j->disk_made = true;
	/*
	 * A daemon that is already gone never sees the define, and the
	 * rollback may remove the disk; one that answers this and then
	 * fails the define may have defined the domain (see job_undo).
	 */
	if (virConnectGetLibVersion(j->conn, &libver) == -1) {
		virt_error(err, "cannot define domain %s", j->e.name);
		return false;
	}
	j->define_tried = true;
	if ((j->dom = virDomainDefineXML(j->conn, xml)) == NULL) {
		virt_error(err, "cannot define domain %s", j->e.name);
		return false;
	}
	if (!j->o->no_autostart && virDomainSetAutostart(j->dom, 1) == -1) {
		virt_error(err, "cannot mark domain %s autostart", j->e.name);
		return false;
	}
	return true;
}

/*
 * After a failed define: did libvirtd define the domain all the same (it
 * may have, when the connection broke before its answer came)? Looked up
 * by the UUID this run gave it, never by name: a domain of that name
 * defined by someone else is not ours to undefine. The domain if so,
 * NULL with *known false if libvirt cannot tell.
 */
static virDomainPtr
job_lookup_defined(struct job *j, bool *known)
{
	virDomainPtr dom;

	*known = true;
	if ((dom = virDomainLookupByUUIDString(j->conn, j->uuid)) != NULL)
		return dom;
	if (virGetLastErrorCode() != VIR_ERR_NO_DOMAIN) {
		*known = false;
		return NULL;
	}
	if ((dom = virDomainLookupByName(j->conn, j->e.name)) != NULL) {
		vlog_err("a domain named %s that this run did not define is "
		    "left as it is", j->e.name);
		virDomainFree(dom);
	}
	return NULL;
}

/* Removes the disk this run made, if it is still that one. */
static void
job_undo_disk(struct job *j)
{
	g_autoptr(GError) err = NULL;
	bool	 removed, ok;

	if (j->host != NULL)
		ok = poolvol_delete(&j->pool, j->e.name, &j->vol, &removed,
		    &err);
	else
		ok = storage_remove_made(j->cfg, j->e.name, &j->made, &removed,
		    &err);
	if (!ok)
		vlog_err("%s is left behind: %s", j->disk, err->message);
	else if (removed)
		vlog_err("%s removed again", j->disk);
	else
		vlog_err("%s is not the disk this run made (gone, or made "
		    "again by someone else): it is left as it is", j->disk);
}

/*
 * Removes what job_make made; says what could not be removed. The disk
 * is removed only once no domain can name it: a domain left defined
 * keeps its disk, so that delete-vps --purge-disk finds both.
 */
static void
job_undo(struct job *j)
{
	g_autoptr(GError) err = NULL;
	bool	 gone = true;

	if (j->dom == NULL && j->define_tried)
		j->dom = job_lookup_defined(j, &gone);
	if (!gone)
		vlog_err("libvirt cannot say whether domain %s was defined",
		    j->e.name);
	if (j->dom != NULL) {
		if (virDomainUndefineFlags(j->dom, VIRT_UNDEFINE_FLAGS) == 0)
			vlog_err("domain %s undefined again", j->e.name);
		else {
			virt_error(&err, "domain %s is left defined",
			    j->e.name);
			vlog_err("%s", err->message);
			gone = false;
		}
	}
	if (!j->disk_made)
		return;
	if (!gone)
		vlog_err("%s is kept for domain %s: check it with virsh, then "
		    "remove both with delete-vps --purge-disk %s", j->disk,
		    j->e.name, j->e.name);
	else
		job_undo_disk(j);
}

static void
summary(const struct job *j)
{
	printf("name:      %s\n", j->e.name);
	if (j->host != NULL)
		printf("host:      %s\n", j->host->name);
	printf("owner:     %s\n", j->e.owner);
	printf("type:      %s\n", j->cpu.kvm ? "kvm" : "qemu (TCG)");
	printf("vcpus:     %u\n", j->e.vcpus);
	printf("memory:    %u MiB\n", j->e.memory_mib);
	printf("disk:      %s (%u GiB)\n", j->disk, j->e.disk_gib);
	printf("mac:       %s\n", j->mac);
	printf("filter:    %s\n", j->cfg->filter != NULL ? j->cfg->filter :
	    "none");
	printf("spice:     %s port %u\n", j->host != NULL ?
	    j->host->spice_listen : j->cfg->listen, j->e.spice_port);
	if (j->iso != NULL)
		printf("cdrom:     %s (boots first)\n", j->iso);
	printf("autostart: %s\n", j->o->no_autostart ? "no" : "yes");
}

static void
job_free(struct job *j)
{
	if (j->dom != NULL)
		virDomainFree(j->dom);
	if (j->conn != NULL)
		virConnectClose(j->conn);
	explicit_bzero(j->password, sizeof(j->password));
	g_free(j->iso);
	g_free(j->disk);
	g_free(j->uuid);
	storage_made_clear(&j->made);
	poolvol_id_clear(&j->vol);
	poolvol_close(&j->pool);
	config_free(j->cfg);
}

/*
 * This host: [storage] and [vps] uri. Another: its uri and its pool,
 * whose target gives the disk's path.
 */
static bool
job_connect(struct job *j, GError **err)
{
	if (j->host == NULL)
		return storage_init(j->cfg, err) &&
		    (j->conn = virt_connect(j->cfg->uri, err)) != NULL;
	if ((j->conn = virt_connect(j->host->uri, err)) == NULL) {
		g_prefix_error(err, "host %s unreachable: ", j->host->name);
		return false;
	}
	if (!poolvol_open(j->conn, j->host, &j->pool, err))
		return false;
	j->disk = poolvol_path(&j->pool, j->e.name);
	return true;
}

/* Checks, then changes; returns the exit status. */
static int
run(struct job *j)
{
	g_autoptr(GError) err = NULL;
	char	*xml = NULL;
	int	 lock = -1, status = VPS_EXIT_FAIL;

	if (!job_load(j, &err))
		goto out;
	if (!j->o->dry_run &&
	    (lock = vpsdata_lock(j->cfg->data, &err)) == -1)
		goto out;
	if (!job_connect(j, &err) || !job_check(j, &err) || (xml = job_xml(j, &err)) == NULL)
		goto out;
	if (j->o->dry_run) {
		fputs(xml, stdout);
		status = VPS_EXIT_OK;
	} else if (job_make(j, xml, &err)) {
		summary(j);
		status = VPS_EXIT_OK;
	}
out:
	if (status != VPS_EXIT_OK) {
		vlog_err("%s not created: %s", j->o->name, err != NULL ?
		    err->message : "unknown error");
		if (err != NULL)
			status = vps_exit_status(err);
		job_undo(j);
	}
	vps_free_secret(xml);
	vps_unlock(lock);
	return status;
}

int
main(int argc, char **argv)
{
	struct options o;
	struct job j;
	int	 status;

	vlog_init("create-vps", false);
	virt_init();
	/* A dying libvirtd must give an error, not kill us mid-change. */
	signal(SIGPIPE, SIG_IGN);
	parse_args(argc, argv, &o);
	memset(&j, 0, sizeof(j));
	j.o = &o;
	status = run(&j);
	job_free(&j);
	if (fflush(stdout) != 0 && status == VPS_EXIT_OK)
		status = VPS_EXIT_FAIL;
	return status;
}
