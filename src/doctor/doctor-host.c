/*
 * doctor-host.c: the checks of the host itself: vps.conf, vps.data,
 * libvirt, KVM, the configured CPU, network, storage, snapshots, ISO
 * library.
 */
#include <config.h>

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <libvirt/virterror.h>

#include "doctor.h"
#include "domxml.h"
#include "isolib.h"
#include "names.h"
#include "pathnames.h"
#include "storage.h"
#include "util.h"
#include "virtprobe.h"
#include "virtutil.h"

#define QEMU_USER	"libvirt-qemu"	/* Debian's qemu.conf user */
#define MIB		(UINT64_C(1) << 20)

void
doctor_check_config(struct doctor *d)
{
	g_autoptr(GError) err = NULL;
	g_autoptr(vps_config) strict = NULL;

	d->cfg = config_load(d->config_path, VPS_CONFIG_MUST_EXIST |
	    VPS_CONFIG_ANY_OWNER, &err);
	if (d->cfg == NULL) {
		doctor_add(d, "config", DOCTOR_FAIL, "correct the file; "
		    "vps.conf(5) lists every key", "%s", err->message);
		return;
	}
	strict = config_load(d->cfg->path, 0, &err);
	if (strict == NULL)
		doctor_add(d, "config", DOCTOR_FAIL, "chown root: and chmod "
		    "go-w the file and the directories above it",
		    "%s: every tool running as root refuses it", err->message);
	else
		doctor_add(d, "config", DOCTOR_OK, NULL, "%s is valid",
		    d->cfg->path);
}

void
doctor_check_data(struct doctor *d)
{
	g_autoptr(GHashTable) owners = g_hash_table_new(g_str_hash,
	    g_str_equal);
	g_autoptr(GError) err = NULL;
	size_t	 i;

	if (!vpsdata_load(d->cfg->data, &d->data, &err)) {
		doctor_add(d, "data", DOCTOR_FAIL, g_error_matches(err,
		    G_FILE_ERROR, G_FILE_ERROR_NOENT) ? "run vps-data-gen" :
		    g_error_matches(err, VPS_ERROR, VPS_ERROR_INVALID) ?
		    "correct the VPS in LDAP and run vps-data-gen" :
		    "make the file and the directories above it root's and "
		    "writable only by root", "%s", err->message);
		return;
	}
	d->data_ok = true;
	for (i = 0; i < d->data.n; i++) {
		const struct vps_host *h;

		if (!config_host_of(d->cfg, &d->data.v[i], &h, &err)) {
			doctor_add(d, "data", DOCTOR_FAIL, "add the [host "
			    "NAME] group to vps.conf, see vps.conf(5)",
			    "%s:%u: %s", d->cfg->data, d->data.v[i].line,
			    err->message);
			return;
		}
		g_hash_table_add(owners, d->data.v[i].owner);
	}
	doctor_add(d, "data", DOCTOR_OK, NULL, "%s is valid: %zu VPS of %u "
	    "members", d->cfg->data, d->data.n, g_hash_table_size(owners));
}

void
doctor_check_libvirt(struct doctor *d)
{
	g_autoptr(GError) err = NULL;
	unsigned long ver = 0;

	if ((d->conn = virt_connect(d->cfg->uri, &err)) == NULL) {
		doctor_add(d, "libvirt", DOCTOR_FAIL, "start libvirtd "
		    "(systemctl start libvirtd), or correct [vps] uri",
		    "%s", err->message);
		return;
	}
	(void)virConnectGetLibVersion(d->conn, &ver);
	doctor_add(d, "libvirt", DOCTOR_OK, NULL, "%s answers (libvirt "
	    "%lu.%lu.%lu)", d->cfg->uri, ver / 1000000, ver / 1000 % 1000,
	    ver % 1000);
}

/*
 * What /dev/kvm looks like, as a hint next to QEMU's own reason: the
 * decision is the probe's, this only helps the admin find the cause.
 */
static char *
kvm_device_hint(void)
{
	struct passwd *pw = getpwnam(QEMU_USER);
	struct group *gr;
	struct stat st;

	if (stat(KVM_DEVICE, &st) == -1)
		return g_strdup("there is no " KVM_DEVICE ": load kvm_intel "
		    "or kvm_amd, enable virtualisation in the firmware (on a "
		    "cloud VM: nested virtualisation), or set [vps] "
		    "virt_type = qemu");
	gr = getgrgid(st.st_gid);
	if (pw != NULL && pw->pw_uid != st.st_uid &&
	    (st.st_mode & 0006) != 0006 && (gr == NULL ||
	    strcmp(gr->gr_name, "kvm") != 0 || (st.st_mode & 0060) != 0060))
		return g_strdup_printf(KVM_DEVICE " is %04o group %s: the "
		    "QEMU user " QEMU_USER " cannot open it; make it root:kvm "
		    "0660 as udev does (chgrp kvm " KVM_DEVICE "; chmod 0660 "
		    KVM_DEVICE ")", (unsigned)(st.st_mode & 07777),
		    gr != NULL ? gr->gr_name : "?");
	return g_strdup("VPS run under TCG on this host; where KVM should "
	    "work, check that the outer host offers nested virtualisation "
	    "with EPT; [vps] virt_type = qemu skips the probe");
}

void
doctor_check_kvm(struct doctor *d)
{
	struct domxml_cpu plain = { true, NULL, NULL };
	g_autoptr(GError) err = NULL;
	g_autofree char *hint = NULL;
	int	 bad;

	if (d->conn == NULL)
		return;
	if (d->cfg->virt_type == VPS_VIRT_QEMU) {
		doctor_add(d, "kvm", DOCTOR_OK, NULL, "not used: [vps] "
		    "virt_type = qemu (TCG)");
		return;
	}
	if ((d->kvm_ok = virt_probe(d->conn, &plain,
	    d->cfg->template_dir, &err))) {
		doctor_add(d, "kvm", DOCTOR_OK, NULL, "QEMU starts a KVM "
		    "domain");
		return;
	}
	hint = kvm_device_hint();
	bad = d->cfg->virt_type == VPS_VIRT_KVM ? DOCTOR_FAIL : DOCTOR_WARN;
	doctor_add(d, "kvm", bad, hint, "KVM not usable%s: %s",
	    bad == DOCTOR_WARN ? " (VPS run under TCG, slowly)" : "",
	    err->message);
}

void
doctor_check_cpu(struct doctor *d)
{
	static const char fix[] = "set [vps] cpu to host-model or a model "
	    "of 'virsh cpu-models x86_64', or turn the feature off with "
	    "[vps] cpu_disable (on nested hosts often arch-capabilities)";
	g_autoptr(GError) fallback = NULL;
	g_autoptr(GError) err = NULL;
	struct domxml_cpu c;

	if (d->conn == NULL)
		return;
	if (!virt_cpu_known(d->conn, d->cfg->cpu, &err)) {
		doctor_add(d, "cpu", DOCTOR_FAIL, fix, "[vps] cpu %s: %s",
		    d->cfg->cpu, err->message);
		return;
	}
	if (d->cfg->virt_type == VPS_VIRT_AUTO && !d->kvm_ok) {
		/* As create-vps would decide, without probing KVM twice. */
		c.kvm = false;
		c.cpu = d->cfg->cpu;
		c.disable = (const char *const *)d->cfg->cpu_disable;
	} else
		virt_choose(d->conn, d->cfg, &c, &fallback);
	if (!virt_probe(d->conn, &c, d->cfg->template_dir, &err))
		doctor_add(d, "cpu", DOCTOR_FAIL, fix, "[vps] cpu %s does not "
		    "start under %s: %s", d->cfg->cpu, c.kvm ? "KVM" : "TCG",
		    err->message);
	else if (fallback != NULL && d->kvm_ok)
		doctor_add(d, "cpu", DOCTOR_WARN, fix, "[vps] cpu %s does not "
		    "start under KVM, so VPS run under TCG: %s", d->cfg->cpu,
		    fallback->message);
	else if (!c.kvm && c.cpu != NULL && (strcmp(c.cpu, "host-model") == 0 ||
	    strcmp(c.cpu, "host-passthrough") == 0))
		doctor_add(d, "cpu", DOCTOR_OK, NULL, "VPS run under TCG "
		    "with QEMU's default CPU ([vps] cpu %s needs KVM)",
		    d->cfg->cpu);
	else
		doctor_add(d, "cpu", DOCTOR_OK, NULL, "[vps] cpu %s starts "
		    "under %s", d->cfg->cpu, c.kvm ? "KVM" : "TCG");
}

static void
check_bridge(struct doctor *d)
{
	g_autofree char *sys = g_strdup_printf(SYSFS_BRIDGE_FMT,
	    d->cfg->bridge);

	if (access(sys, F_OK) == 0)
		doctor_add(d, "network", DOCTOR_OK, NULL, "bridge %s exists",
		    d->cfg->bridge);
	else
		doctor_add(d, "network", DOCTOR_FAIL, "create the bridge "
		    "(ifupdown: bridge_ports in /etc/network/interfaces), or "
		    "correct [network] bridge", "bridge %s: no such bridge",
		    d->cfg->bridge);
}

/* The nwfilter of [network] filter, which create-vps puts on each VPS. */
static void
check_filter(struct doctor *d, virConnectPtr conn)
{
	virNWFilterPtr f;

	if (d->cfg->filter == NULL) {
		doctor_add(d, "nwfilter", DOCTOR_WARN, "set [network] filter = "
		    "clean-traffic (vps.conf(5))", "no [network] filter: one "
		    "VPS can send with another's MAC or IP address");
		return;
	}
	if ((f = virNWFilterLookupByName(conn, d->cfg->filter)) == NULL) {
		g_autofree char *why = vps_one_line(virGetLastErrorMessage());

		doctor_add(d, "nwfilter", DOCTOR_FAIL, "install "
		    "libvirt-daemon-config-nwfilter (it defines clean-traffic), "
		    "or correct [network] filter", "nwfilter %s: %s; create-vps "
		    "refuses to create a VPS", d->cfg->filter, why);
		return;
	}
	virNWFilterFree(f);
	doctor_add(d, "nwfilter", DOCTOR_OK, NULL, "nwfilter %s exists",
	    d->cfg->filter);
}

/*
 * The bridge of another host, as libvirt's interface driver lists that
 * host's interfaces: its sysfs is out of reach.
 */
static void
check_remote_bridge(struct doctor *d, virConnectPtr conn)
{
	virInterfacePtr iface;

	if ((iface = virInterfaceLookupByName(conn, d->cfg->bridge)) == NULL) {
		g_autofree char *why = vps_one_line(virGetLastErrorMessage());

		doctor_add(d, "network", DOCTOR_WARN, "create the bridge on "
		    "that host, or check it there (ip link show BRIDGE)",
		    "bridge %s: libvirt does not list it: %s", d->cfg->bridge,
		    why);
		return;
	}
	virInterfaceFree(iface);
	doctor_add(d, "network", DOCTOR_OK, NULL, "bridge %s exists",
	    d->cfg->bridge);
}

static void
check_libvirt_network(struct doctor *d, virConnectPtr conn)
{
	const char *name = d->cfg->network;
	virNetworkPtr net;
	int	 autostart = 0;

	if ((net = virNetworkLookupByName(conn, name)) == NULL) {
		g_autofree char *why = vps_one_line(virGetLastErrorMessage());

		doctor_add(d, "network", DOCTOR_FAIL, "define it (virsh "
		    "net-define), or correct [network] network", "libvirt "
		    "network %s: %s", name, why);
		return;
	}
	if (virNetworkIsActive(net) != 1)
		doctor_add(d, "network", DOCTOR_FAIL, "virsh net-start NAME; "
		    "virsh net-autostart NAME", "libvirt network %s is not "
		    "active: no VPS on it can start", name);
	else if (virNetworkGetAutostart(net, &autostart) == 0 && !autostart)
		doctor_add(d, "network", DOCTOR_WARN, "virsh net-autostart "
		    "NAME", "libvirt network %s is active but not autostarted:"
		    " after a reboot no VPS on it starts", name);
	else
		doctor_add(d, "network", DOCTOR_OK, NULL, "libvirt network %s "
		    "is active", name);
	virNetworkFree(net);
}

void
doctor_check_network_on(struct doctor *d, virConnectPtr conn)
{
	check_filter(d, conn);
	if (d->cfg->bridge != NULL)
		check_remote_bridge(d, conn);
	else
		check_libvirt_network(d, conn);
}

void
doctor_check_network(struct doctor *d)
{
	if (d->conn != NULL)
		check_filter(d, d->conn);
	if (d->cfg->bridge != NULL) {
		check_bridge(d);
		return;
	}
	if (d->conn != NULL)
		check_libvirt_network(d, d->conn);
}

/*
 * The largest disk of host's VPS in vps.data: a VG, directory or pool
 * with less is a WARN. A VPS of another host has its disk there.
 */
uint64_t
doctor_largest_disk(const struct doctor *d, const char *host)
{
	uint64_t max = 0;
	size_t	 i;

	for (i = 0; d->data_ok && i < d->data.n; i++) {
		if (strcmp(d->data.v[i].host, host) == 0)
			max = MAX(max, d->data.v[i].disk_gib * STORAGE_GIB);
	}
	return max;
}

static bool
check_dir(struct doctor *d)
{
	static const char fix[] = "mkdir -m 0711 DIR, or correct [storage] dir";
	struct stat st;

	if (stat(d->cfg->dir, &st) == -1) {
		doctor_add(d, "storage", DOCTOR_FAIL, fix, "[storage] dir %s: "
		    "%s", d->cfg->dir, g_strerror(errno));
		return false;
	}
	if (!S_ISDIR(st.st_mode)) {
		doctor_add(d, "storage", DOCTOR_FAIL, fix, "[storage] dir %s: "
		    "not a directory", d->cfg->dir);
		return false;
	}
	if (access(d->cfg->dir, W_OK | X_OK) == -1) {
		doctor_add(d, "storage", DOCTOR_FAIL, "make it writable by "
		    "root", "[storage] dir %s is not writable: %s",
		    d->cfg->dir, g_strerror(errno));
		return false;
	}
	return true;
}

void
doctor_check_storage(struct doctor *d)
{
	g_autoptr(GError) err = NULL;
	bool	 lvm = d->cfg->backend == VPS_BACKEND_LVM;
	const char *where = lvm ? d->cfg->vg : d->cfg->dir;
	uint64_t avail, need = doctor_largest_disk(d, "");

	if (!lvm && !check_dir(d))
		return;
	if (!storage_init(d->cfg, &err) || !storage_free(d->cfg, &avail,
	    &err)) {
		doctor_add(d, "storage", DOCTOR_FAIL, lvm ? "create the VG "
		    "(vgcreate), or correct [storage] vg" : NULL, "%s",
		    err->message);
		return;
	}
	d->storage_ok = true;
	d->storage_avail = avail;
	if (avail < need)
		doctor_add(d, "storage", DOCTOR_WARN, "add room before the "
		    "next create-vps", "%s %s has %" G_GUINT64_FORMAT " MiB "
		    "free, less than the largest VPS disk (%" G_GUINT64_FORMAT
		    " MiB)", lvm ? "VG" : "directory", where,
		    (guint64)(avail >> 20), (guint64)(need >> 20));
	else
		doctor_add(d, "storage", DOCTOR_OK, NULL, "%s %s: %"
		    G_GUINT64_FORMAT " MiB free", lvm ? "VG" : "directory",
		    where, (guint64)(avail >> 20));
}

/*
 * The room snapshots could need (vps-doctor(8) argues the rules): with
 * LVM, max_per_vps snapshot LVs of lvm_size_percent of the largest disk,
 * which lvcreate takes from the VG at once; with files, one copy of the
 * largest disk, which the next snapshot or a revert's temporary copy
 * takes when that disk is full. Less is a WARN: the VPS runs, only a
 * snapshot may be refused. Nothing to say if the storage check failed.
 */
void
doctor_check_snapshots(struct doctor *d)
{
	static const char fix[] = "add room, or lower [snapshots] "
	    "max_per_vps or lvm_size_percent";
	bool	 lvm = d->cfg->backend == VPS_BACKEND_LVM;
	const char *where = lvm ? d->cfg->vg : d->cfg->dir;
	uint64_t disk = doctor_largest_disk(d, ""), need;

	if (d->cfg->snap_max == 0) {
		doctor_add(d, "snapshots", DOCTOR_OK, NULL, "snapshots are "
		    "off ([snapshots] max_per_vps = 0)");
		return;
	}
	if (!d->storage_ok)
		return;
	/* An LVM snapshot: its percentage of the disk, in whole MiB. */
	need = lvm ? (disk * d->cfg->snap_lvm_percent / 100 + MIB - 1) / MIB *
	    MIB * d->cfg->snap_max : disk;
	if (d->storage_avail < need)
		doctor_add(d, "snapshots", DOCTOR_WARN, fix, "%s %s has %"
		    G_GUINT64_FORMAT " MiB free, less than the %"
		    G_GUINT64_FORMAT " MiB that %s of the largest VPS disk (%"
		    G_GUINT64_FORMAT " MiB) may need", lvm ? "VG" : "directory",
		    where, (guint64)(d->storage_avail >> 20),
		    (guint64)(need >> 20), lvm ? "its snapshots" :
		    "a snapshot", (guint64)(disk >> 20));
	else
		doctor_add(d, "snapshots", DOCTOR_OK, NULL, "up to %u per VPS; "
		    "%s %s has room for %s of the largest VPS disk (%"
		    G_GUINT64_FORMAT " MiB needed)", d->cfg->snap_max,
		    lvm ? "VG" : "directory", where, lvm ? "the snapshots" :
		    "a snapshot", (guint64)(need >> 20));
}

/*
 * The ISO library: members' cdroms name its files, which libvirt opens
 * as root at every start, so only root may be able to change them
 * (isolib.h). An unsafe directory is a FAIL (the menu refuses the whole
 * library), an unsafe ISO a WARN (the menu leaves it out).
 */
void
doctor_check_iso(struct doctor *d)
{
	g_autoptr(GPtrArray) bad = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GPtrArray) isos = NULL;
	g_autoptr(GError) err = NULL;
	const char *dir = d->cfg->iso_dir;
	guint	 i;

	if ((isos = isolib_list(dir, bad, &err)) == NULL) {
		doctor_add(d, "iso", DOCTOR_FAIL, g_error_matches(err,
		    G_FILE_ERROR, G_FILE_ERROR_NOENT) ? "mkdir -m 0755 DIR "
		    "and put ISOs there, or correct [vps] iso_dir" : "make DIR "
		    "and each directory above it root's and writable by root "
		    "alone (chown root: DIR; chmod go-w DIR; a sticky /tmp on "
		    "the way is fine), and name it without symbolic links",
		    "%s%s", err->message, g_error_matches(err, G_FILE_ERROR,
		    G_FILE_ERROR_NOENT) ? "" : "; virsh-menu refuses the "
		    "library");
		return;
	}
	for (i = 0; i < bad->len; i++)
		doctor_add(d, "iso", DOCTOR_WARN, "chown root: FILE; chmod "
		    "0644 FILE; replace a link by a file of its own with "
		    "install -o root -g root -m 0644 SOURCE FILE", "%s; "
		    "virsh-menu leaves it out", (const char *)bad->pdata[i]);
	if (isos->len == 0)
		doctor_add(d, "iso", DOCTOR_WARN, "put installer ISOs there "
		    "(regular files named *.iso, root's, mode 0644)",
		    "ISO library %s has no usable ISO", dir);
	else
		doctor_add(d, "iso", DOCTOR_OK, NULL, "ISO library %s: %u ISO%s",
		    dir, isos->len, isos->len == 1 ? "" : "s");
}
