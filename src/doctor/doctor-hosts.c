/*
 * doctor-hosts.c: the checks of each [host NAME] of vps.conf, run from
 * the login host over the host's libvirt URI: libvirt answers, KVM or
 * TCG (the probe guest, as on this host), the network, the storage pool,
 * and that every VPS of vps.data is defined on its host and on no other.
 * Each result carries the host's name (vps-doctor(8) prints it as
 * CHECK@HOST). Without [host NAME] groups nothing here runs.
 */
#include <config.h>

#include <errno.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <libvirt/virterror.h>

#include "credfiles.h"
#include "doctor.h"
#include "hostroom.h"
#include "pathnames.h"
#include "poolvol.h"
#include "storage.h"
#include "util.h"
#include "virtprobe.h"
#include "virtutil.h"

/* VPS named in one message, at most; the count says how many more. */
#define NAMES_SHOWN	10

/* One hypervisor: this host (h NULL) or a [host NAME]. */
struct hv {
	const struct vps_host *h;
	const char *name;		/* vps.data's host field */
	char	*label;			/* "this host", "host NAME" */
	const char *uri;
	virConnectPtr conn;		/* NULL: unreachable */
	bool	 own;			/* conn is ours to close */
	GError	*err;			/* why conn is NULL */
	GHashTable *domains;		/* names defined there; NULL: unknown */
};

static void
check_libvirt(struct doctor *d, struct hv *v)
{
	unsigned long ver = 0;

	if (v->conn == NULL) {
		doctor_add(d, "libvirt", DOCTOR_FAIL, "start libvirtd on that "
		    "host and let this host in (qemu+tls certificates, or the "
		    "ssh key of qemu+ssh; README \"Several hosts\"), or "
		    "correct [host NAME] uri", "host %s unreachable: %s",
		    v->name, v->err->message);
		return;
	}
	(void)virConnectGetLibVersion(v->conn, &ver);
	doctor_add(d, "libvirt", DOCTOR_OK, NULL, "host %s: %s answers "
	    "(libvirt %lu.%lu.%lu)", v->name, v->uri, ver / 1000000,
	    ver / 1000 % 1000, ver % 1000);
}

/*
 * The files that let this host into v's libvirtd (credfiles.h) are
 * root's alone. Checked whether the host answered or not: a key that
 * leaks is a hole either way.
 */
static void
check_credentials(struct doctor *d, const struct hv *v)
{
	g_autoptr(GError) err = NULL;
	g_autoptr(GPtrArray) files = NULL;
	g_autoptr(GString) bad = g_string_new(NULL);
	const struct passwd *pw = getpwuid(geteuid());
	struct stat st;
	unsigned found = 0;
	int	 transport;
	guint	 i;

	/* Not $HOME: under sudo it may be the admin's own. */
	files = cred_files(v->uri, pw != NULL ? pw->pw_dir : "/root",
	    &transport, &err);
	if (files == NULL) {
		doctor_add(d, "credentials", DOCTOR_FAIL, "correct [host NAME] "
		    "uri", "host %s: %s", v->name, err->message);
		return;
	}
	for (i = 0; i < files->len; i++) {
		const struct cred_file *f = g_ptr_array_index(files, i);
		g_autofree char *why = NULL;

		if (lstat(f->path, &st) == -1) {
			if (errno == ENOENT && f->optional)
				continue;
			why = g_strdup_printf("%s: %s", f->path,
			    g_strerror(errno));
		} else {
			found++;
			why = cred_file_problem(f, &st);
		}
		if (why != NULL)
			g_string_append_printf(bad, "%s%s", bad->len > 0 ?
			    "; " : "", why);
	}
	if (bad->len > 0)
		doctor_add(d, "credentials", DOCTOR_FAIL, "whoever reads this "
		    "host's libvirt client key or ssh key is root on that "
		    "host: chown root:root the files, chmod 0600 the key "
		    "(0644 at most the certificates)", "host %s: %s",
		    v->name, bad->str);
	else if (transport == CRED_TCP)
		doctor_add(d, "credentials", DOCTOR_WARN, "use qemu+tls or "
		    "qemu+ssh (README \"Several hosts\"); qemu+tcp is for "
		    "tests on loopback", "host %s: %s: no encryption and no "
		    "client credentials", v->name, v->uri);
	else if (transport == CRED_LOCAL)
		doctor_add(d, "credentials", DOCTOR_OK, NULL, "host %s: %s "
		    "is local: no client credentials", v->name, v->uri);
	else if (found == 0)
		doctor_add(d, "credentials", DOCTOR_OK, NULL, "host %s: root "
		    "has no ssh key file of the default names: ssh's "
		    "configuration or agent gives the key", v->name);
	else
		doctor_add(d, "credentials", DOCTOR_OK, NULL, "host %s: the "
		    "%s files of %s are root's alone (%u)", v->name,
		    transport == CRED_TLS ? "TLS" : "ssh key", v->uri, found);
}

/*
 * The probe image of that host: with backend = pool, uploaded into the
 * pool as create-vps does (virt_probe_put); else probe.img of [vps]
 * template_dir, a path QEMU opens on that host, so installed there too.
 * Sets *image (to g_free), and *pool_open when the probe's volume must
 * be dropped; false (and a FAIL) if the upload failed.
 */
static bool
kvm_image(struct doctor *d, struct hv *v, struct poolvol_pool *p,
    char name[VIRT_PROBE_VOL_MAX], struct poolvol_id *id, char **image,
    bool *pool_open)
{
	g_autoptr(GError) err = NULL;

	*pool_open = false;
	if (v->h->backend != VPS_BACKEND_POOL) {
		*image = domxml_data_path(d->cfg->template_dir,
		    DOMXML_PROBE_IMAGE);
		return true;
	}
	if (!poolvol_open(v->conn, v->h, p, &err) ||
	    !virt_probe_put(p, d->cfg->template_dir, name, id, &err)) {
		poolvol_close(p);
		doctor_add(d, "kvm", DOCTOR_FAIL, "see the storage check of "
		    "that host", "host %s: no probe guest: %s", v->name,
		    err->message);
		return false;
	}
	*pool_open = true;
	*image = g_strdup(id->path);
	return true;
}

/* The probe with cpu: booting the uploaded image, or probe.img. */
static bool
probe(struct doctor *d, struct hv *v, const struct domxml_cpu *cpu,
    const char *uploaded, GError **err)
{
	return uploaded != NULL ? virt_probe_at(v->conn, cpu, uploaded, err) :
	    virt_probe(v->conn, cpu, d->cfg->template_dir, err);
}

/*
 * KVM or TCG on that host: the probe guest of virtprobe.h, booting the
 * image kvm_image() found. When even a TCG probe does not start, it is
 * the image (or QEMU itself), not KVM, which is wrong.
 */
static void
check_kvm(struct doctor *d, struct hv *v)
{
	struct domxml_cpu kvm = { true, NULL, NULL }, tcg = { false, NULL,
	    NULL };
	g_autoptr(GError) err = NULL;
	g_autoptr(GError) terr = NULL;
	g_autofree char *image = NULL;
	char	 name[VIRT_PROBE_VOL_MAX];
	struct poolvol_pool p;
	struct poolvol_id id;
	bool	 pool_open, kvm_ok, tcg_ok = true;
	int	 bad = d->cfg->virt_type == VPS_VIRT_KVM ? DOCTOR_FAIL :
	    DOCTOR_WARN;

	if (d->cfg->virt_type == VPS_VIRT_QEMU) {
		doctor_add(d, "kvm", DOCTOR_OK, NULL, "host %s: not used: "
		    "[vps] virt_type = qemu (TCG)", v->name);
		return;
	}
	if (!kvm_image(d, v, &p, name, &id, &image, &pool_open))
		return;
	if (!(kvm_ok = probe(d, v, &kvm, pool_open ? image : NULL, &err)))
		tcg_ok = probe(d, v, &tcg, pool_open ? image : NULL, &terr);
	if (pool_open) {
		virt_probe_drop(&p, name, &id);
		poolvol_close(&p);
	}
	if (kvm_ok) {
		doctor_add(d, "kvm", DOCTOR_OK, NULL, "host %s: QEMU starts a "
		    "KVM domain", v->name);
	} else if (!tcg_ok) {
		g_autofree char *fix = pool_open ? g_strdup("check that "
		    "QEMU runs on that host") : g_strdup_printf("install "
		    "%s on that host (the probe guest boots it there), and "
		    "check that QEMU runs there", image);

		doctor_add(d, "kvm", bad, fix, "host %s: the probe guest does "
		    "not start even under TCG, so KVM cannot be told: %s",
		    v->name, terr->message);
	} else {
		doctor_add(d, "kvm", bad, "on that host: load kvm_intel or "
		    "kvm_amd, make /dev/kvm root:kvm 0660, or set [vps] "
		    "virt_type = qemu", "host %s: KVM not usable%s: %s",
		    v->name, bad == DOCTOR_WARN ?
		    " (VPS run under TCG, slowly)" : "", err->message);
	}
}

/*
 * The storage of that host: backend pool is a libvirt pool, which must
 * exist and be active (create-vps makes the disks there) and should
 * start with libvirtd; less room than the largest disk of the host's VPS
 * is a WARN, as for this host. An lvm or file backend is that host's VG
 * or directory, which libvirt does not show.
 */
static void
check_storage(struct doctor *d, struct hv *v)
{
	g_autoptr(GError) err = NULL;
	g_autofree char *fix = NULL;
	uint64_t room, need = doctor_largest_disk(d, v->name);
	bool	 autostart;

	if (v->h->backend != VPS_BACKEND_POOL) {
		doctor_add(d, "storage", DOCTOR_WARN, "give the host backend = "
		    "pool (a logical or dir pool, vps.conf(5))", "host %s: "
		    "backend %s: libvirt does not show its room, so neither "
		    "vps-doctor nor vps-data-gen's placement can see it",
		    v->name, v->h->backend == VPS_BACKEND_LVM ? "lvm" : "file");
		return;
	}
	fix = g_strdup_printf("virsh -c %s pool-start %s; virsh -c %s "
	    "pool-autostart %s; or correct [host %s] pool", v->uri,
	    v->h->pool, v->uri, v->h->pool, v->name);
	if (!hostroom_pool(v->conn, v->h->pool, &room, &autostart, &err)) {
		doctor_add(d, "storage", DOCTOR_FAIL, fix, "host %s: %s; no "
		    "VPS disk can be made there", v->name, err->message);
		return;
	}
	if (room < need)
		doctor_add(d, "storage", DOCTOR_WARN, "add room to the pool "
		    "before the next create-vps", "host %s: pool %s has %"
		    G_GUINT64_FORMAT " MiB free, less than the largest VPS "
		    "disk (%" G_GUINT64_FORMAT " MiB)", v->name, v->h->pool,
		    (guint64)(room >> 20), (guint64)(need >> 20));
	else if (!autostart)
		doctor_add(d, "storage", DOCTOR_WARN, fix, "host %s: pool %s "
		    "is active but not autostarted: after a reboot no VPS "
		    "there starts", v->name, v->h->pool);
	else
		doctor_add(d, "storage", DOCTOR_OK, NULL, "host %s: pool %s: %"
		    G_GUINT64_FORMAT " MiB free", v->name, v->h->pool,
		    (guint64)(room >> 20));
}

/*
 * The names of the domains defined on v (running or not), or NULL, with
 * a FAIL, if libvirt there cannot list them.
 */
static GHashTable *
list_domains(struct doctor *d, struct hv *v)
{
	GHashTable *names;
	virDomainPtr *doms = NULL;
	int	 n, i;

	if ((n = virConnectListAllDomains(v->conn, &doms, 0)) < 0) {
		g_autofree char *why = vps_one_line(virGetLastErrorMessage());

		doctor_add(d, "domains", DOCTOR_FAIL, "check libvirtd there",
		    "cannot list the domains of %s: %s", v->label, why);
		return NULL;
	}
	names = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	for (i = 0; i < n; i++) {
		g_hash_table_add(names, g_strdup(virDomainGetName(doms[i])));
		virDomainFree(doms[i]);
	}
	free(doms);
	return names;
}

/* Appends name to a list of at most NAMES_SHOWN names, counting all. */
static void
list_add(GString *s, unsigned *n, const char *name)
{
	if (*n < NAMES_SHOWN)
		g_string_append_printf(s, "%s%s", *n > 0 ? ", " : "", name);
	else if (*n == NAMES_SHOWN)
		g_string_append(s, ", ...");
	(*n)++;
}

/*
 * Probe volumes in v's pool: each run of create-vps or vps-doctor
 * uploads one and deletes it after its probe, so one that is there now
 * is a run's that is going on, or was left by a run that was killed.
 * The tools never delete a volume they did not make in the same run
 * (poolvol.h): the admin is told.
 */
static void
check_probe_volumes(struct doctor *d, struct hv *v)
{
	g_autoptr(GString) names = g_string_new(NULL);
	g_autofree char *fix = NULL;
	virStoragePoolPtr pool;
	virStorageVolPtr *vols = NULL;
	unsigned n = 0;
	int	 nvols, i;

	if ((pool = virStoragePoolLookupByName(v->conn, v->h->pool)) == NULL)
		return;
	nvols = virStoragePoolListAllVolumes(pool, &vols, 0);
	for (i = 0; i < nvols; i++) {
		const char *name = virStorageVolGetName(vols[i]);

		if (name != NULL && g_str_has_prefix(name, VIRT_PROBE_PREFIX)) {
			list_add(names, &n, name);
		}
		virStorageVolFree(vols[i]);
	}
	free(vols);
	virStoragePoolFree(pool);
	if (n == 0)
		return;
	fix = g_strdup_printf("unless a create-vps or vps-doctor runs now, "
	    "remove each: virsh -c %s vol-delete --pool %s NAME", v->uri,
	    v->h->pool);
	doctor_add(d, "storage", DOCTOR_WARN, fix, "host %s: pool %s holds "
	    "%u probe volume(s) a run left: %s", v->name, v->h->pool, n,
	    names->str);
}

/*
 * The VPS that vps.data puts on hvs[k]: each should have a domain there
 * (WARN: none yet, create-vps makes it) and none on another host (FAIL:
 * two copies of one VPS, with two disks, after a move that went wrong).
 */
static void
check_domains(struct doctor *d, struct hv *hvs, size_t n, size_t k)
{
	g_autoptr(GString) missing = g_string_new(NULL);
	g_autoptr(GString) twice = g_string_new(NULL);
	unsigned nmissing = 0, ntwice = 0, nvps = 0;
	size_t	 i, j;

	for (i = 0; i < d->data.n; i++) {
		const struct vps_entry *e = &d->data.v[i];

		if (strcmp(e->host, hvs[k].name) != 0)
			continue;
		nvps++;
		if (!g_hash_table_contains(hvs[k].domains, e->name))
			list_add(missing, &nmissing, e->name);
		for (j = 0; j < n; j++) {
			g_autofree char *s = NULL;

			if (j == k || hvs[j].domains == NULL ||
			    !g_hash_table_contains(hvs[j].domains, e->name))
				continue;
			s = g_strdup_printf("%s (on %s)", e->name,
			    hvs[j].label);
			list_add(twice, &ntwice, s);
		}
	}
	if (ntwice > 0)
		doctor_add(d, "domains", DOCTOR_FAIL, "virsh -c URI undefine "
		    "NAME on the host vps.data does not name, once sure which "
		    "copy is current (its disk stays)", "%s: %u of its VPS in "
		    "vps.data also defined on another host: %s", hvs[k].label,
		    ntwice, twice->str);
	if (nmissing > 0)
		doctor_add(d, "domains", DOCTOR_WARN, "create-vps NAME",
		    "%s: %u of its VPS in vps.data have no domain there yet: "
		    "%s", hvs[k].label, nmissing, missing->str);
	if (ntwice == 0 && nmissing == 0)
		doctor_add(d, "domains", DOCTOR_OK, NULL, "%s: its %u VPS of "
		    "vps.data are defined there and nowhere else",
		    hvs[k].label, nvps);
}

/* Connects to each [host NAME]; hvs[0] is this host, on d->conn. */
static struct hv *
connect_all(struct doctor *d, size_t *n)
{
	struct hv *hvs = g_new0(struct hv, d->cfg->nhosts + 1);
	size_t	 i;

	hvs[0].name = "";
	hvs[0].label = g_strdup("this host");
	hvs[0].uri = d->cfg->uri;
	hvs[0].conn = d->conn;
	for (i = 1; i <= d->cfg->nhosts; i++) {
		hvs[i].h = &d->cfg->hosts[i - 1];
		hvs[i].name = hvs[i].h->name;
		hvs[i].label = g_strdup_printf("host %s", hvs[i].name);
		hvs[i].uri = hvs[i].h->uri;
		hvs[i].conn = virt_connect(hvs[i].uri, &hvs[i].err);
		hvs[i].own = true;
	}
	*n = d->cfg->nhosts + 1;
	return hvs;
}

static void
hv_clear(struct hv *v)
{
	if (v->own && v->conn != NULL)
		virConnectClose(v->conn);
	g_clear_error(&v->err);
	g_clear_pointer(&v->label, g_free);
	g_clear_pointer(&v->domains, g_hash_table_unref);
}

/* The domains check of each host, this one first; needs every list. */
static void
check_all_domains(struct doctor *d, struct hv *hvs, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++) {
		if (hvs[i].conn == NULL)
			continue;
		d->host = hvs[i].h != NULL ? hvs[i].name : NULL;
		hvs[i].domains = list_domains(d, &hvs[i]);
	}
	for (i = 0; d->data_ok && i < n; i++) {
		if (hvs[i].domains == NULL)
			continue;
		d->host = hvs[i].h != NULL ? hvs[i].name : NULL;
		check_domains(d, hvs, n, i);
	}
	d->host = NULL;
}

void
doctor_check_hosts(struct doctor *d)
{
	struct hv *hvs;
	size_t	 i, n;

	if (d->cfg->nhosts == 0)
		return;
	hvs = connect_all(d, &n);
	for (i = 1; i < n; i++) {
		d->host = hvs[i].name;
		check_libvirt(d, &hvs[i]);
		check_credentials(d, &hvs[i]);
		if (hvs[i].conn == NULL)
			continue;
		check_kvm(d, &hvs[i]);
		doctor_check_network_on(d, hvs[i].conn);
		check_storage(d, &hvs[i]);
		if (hvs[i].h->backend == VPS_BACKEND_POOL)
			check_probe_volumes(d, &hvs[i]);
	}
	d->host = NULL;
	check_all_domains(d, hvs, n);
	for (i = 0; i < n; i++)
		hv_clear(&hvs[i]);
	g_free(hvs);
}
