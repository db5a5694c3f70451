/*
 * virtprobe.c: the probe domains, and the domain type and CPU decided by
 * them.
 */
#include <config.h>

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <libvirt/virterror.h>

#include "log.h"
#include "pathnames.h"
#include "util.h"
#include "virtprobe.h"
#include "virtutil.h"

#define POLL_NS		20000000L	/* 20 ms */
/*
 * KVM may take this much longer than the TCG probe, at most. Timed from
 * each probe's own start, a working KVM is through well before TCG; on
 * a nested KVM that cannot boot a kernel (measured: TCG 0.5 s, KVM 1.65 s
 * under libvirt) it is not, and the absolute slack must stay well below
 * that gap.
 */
#define PROBE_SLACK	1.25
#define PROBE_SLACK_S	0.25

/* One probe guest and what became of it. */
struct probe {
	virDomainPtr dom;
	bool	 done;			/* it reported through pvpanic */
	bool	 gone;			/* it reset or stopped before that */
	double	 started;		/* when its CPU was let run */
	double	 seconds;		/* when done, since started */
};

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * Starts the probe guest with c, booting image, paused (probe_run lets it
 * run); false, with err, if it did not start: where QEMU cannot use KVM
 * it says why here. An image of the probe's own (own) may be relabelled
 * for QEMU; the package's probe.img never is.
 */
static bool
probe_start(virConnectPtr conn, const struct domxml_cpu *c, const char *image,
    bool own, struct probe *p, GError **err)
{
	g_autofree char *uuid = g_uuid_string_random();
	g_autofree char *name = NULL, *xml = NULL;
	xmlDoc	*doc;

	memset(p, 0, sizeof(*p));
	/* Upper case: no VPS can have this name. */
	name = g_strdup_printf(VIRT_PROBE_PREFIX "%.8s", uuid);
	doc = domxml_probe(name, c, image);
	if (own)
		domdoc_remove(doc, NULL, "/domain/devices/disk/source/seclabel");
	xml = domdoc_format(doc);
	xmlFreeDoc(doc);
	if (xml == NULL) {
		g_set_error_literal(err, VPS_ERROR, VPS_ERROR_FAILED,
		    "cannot format the probe domain's XML");
		return false;
	}
	p->dom = virDomainCreateXML(conn, xml, VIR_DOMAIN_START_PAUSED |
	    VIR_DOMAIN_START_AUTODESTROY);
	if (p->dom == NULL) {
		g_autofree char *why = vps_one_line(virGetLastErrorMessage());

		g_set_error_literal(err, VPS_ERROR, VPS_ERROR_FAILED, why);
		return false;
	}
	return true;
}

/*
 * Lets the probe guest p run, and starts its clock: each guest is timed
 * from its own start, so that the seconds libvirt takes to start QEMU
 * (one guest after the other, and more on a loaded host) weigh on
 * neither.
 */
static bool
probe_run(struct probe *p, GError **err)
{
	if (virDomainResume(p->dom) == -1) {
		g_autofree char *why = vps_one_line(virGetLastErrorMessage());

		g_set_error_literal(err, VPS_ERROR, VPS_ERROR_FAILED, why);
		return false;
	}
	p->started = now();
	return true;
}

/* Looks at a running probe guest: has it reported, or gone away? */
static void
probe_poll(struct probe *p)
{
	int	 state, reason;

	if (p->dom == NULL || p->done || p->gone)
		return;
	if (virDomainGetState(p->dom, &state, &reason, 0) == -1 ||
	    state == VIR_DOMAIN_SHUTOFF || state == VIR_DOMAIN_SHUTDOWN)
		p->gone = true;
	else if (state == VIR_DOMAIN_CRASHED ||
	    (state == VIR_DOMAIN_PAUSED && reason == VIR_DOMAIN_PAUSED_CRASHED)) {
		p->done = true;
		p->seconds = now() - p->started;
	}
}

static void
probe_stop(struct probe *p)
{
	if (p->dom != NULL) {
		(void)virDomainDestroy(p->dom);
		virDomainFree(p->dom);
	}
	memset(p, 0, sizeof(*p));
}

static void
sleep_poll(void)
{
	struct timespec ts = { 0, POLL_NS };

	nanosleep(&ts, NULL);
}

/*
 * Waits until the probe p is done or gone, or is clearly slower than the
 * TCG reference ref (which may be NULL), or the timeout; false, with
 * err, unless p got through.
 */
static bool
probe_wait(struct probe *p, struct probe *ref, GError **err)
{
	double	 t;

	for (;;) {
		probe_poll(p);
		if (ref != NULL)
			probe_poll(ref);
		t = now() - p->started;
		if (p->done)
			return true;
		if (p->gone) {
			g_set_error_literal(err, VPS_ERROR, VPS_ERROR_FAILED,
			    "the probe guest reset before it reached long "
			    "mode: this CPU cannot boot a 64-bit kernel here");
			return false;
		}
		/*
		 * KVM that is not faster than emulation is no KVM: on a host
		 * where it works it is through long before TCG.
		 */
		if (ref != NULL && ref->done &&
		    t > ref->seconds * PROBE_SLACK + PROBE_SLACK_S) {
			g_set_error(err, VPS_ERROR, VPS_ERROR_FAILED,
			    "KVM is slower than TCG emulation here: the probe "
			    "guest took %.1f s under TCG and was not through "
			    "after %.1f s under KVM (a nested KVM without "
			    "hardware help?)", ref->seconds, t);
			return false;
		}
		if (t > VIRT_PROBE_TIMEOUT) {
			g_set_error(err, VPS_ERROR, VPS_ERROR_FAILED,
			    "the probe guest gave no sign of life in %d s",
			    VIRT_PROBE_TIMEOUT);
			return false;
		}
		sleep_poll();
	}
}

/* virt_probe() booting image (own: see probe_start). */
static bool
probe_image(virConnectPtr conn, const struct domxml_cpu *cpu,
    const char *image, bool own, GError **err)
{
	struct domxml_cpu tcg = *cpu;
	struct probe p, ref;
	bool	 ok = false, ref_ok = false;

	memset(&ref, 0, sizeof(ref));
	if (!probe_start(conn, cpu, image, own, &p, err))
		goto out;
	if (cpu->kvm) {
		tcg.kvm = false;
		ref_ok = probe_start(conn, &tcg, image, own, &ref, NULL) &&
		    probe_run(&ref, NULL);
	}
	if (probe_run(&p, err))
		ok = probe_wait(&p, ref_ok ? &ref : NULL, err);
out:
	probe_stop(&p);
	probe_stop(&ref);
	return ok;
}

bool
virt_probe(virConnectPtr conn, const struct domxml_cpu *cpu, const char *dir,
    GError **err)
{
	g_autofree char *image = domxml_data_path(dir, DOMXML_PROBE_IMAGE);

	return probe_image(conn, cpu, image, false, err);
}

bool
virt_probe_at(virConnectPtr conn, const struct domxml_cpu *cpu,
    const char *image, GError **err)
{
	return probe_image(conn, cpu, image, true, err);
}

bool
virt_probe_put(const struct poolvol_pool *p, const char *dir,
    char name[VIRT_PROBE_VOL_MAX], struct poolvol_id *id, GError **err)
{
	g_autofree char *uuid = g_uuid_string_random();
	g_autofree char *image = NULL;

	/* Upper case: no VPS's volume has this name. */
	g_snprintf(name, VIRT_PROBE_VOL_MAX, VIRT_PROBE_PREFIX "%.8s", uuid);
	image = domxml_data_path(dir, DOMXML_PROBE_IMAGE);
	if (poolvol_upload(p, name, image, id, err))
		return true;
	g_prefix_error(err, "cannot ready the KVM probe on host %s: ",
	    p->host);
	return false;
}

void
virt_probe_drop(const struct poolvol_pool *p, const char *name,
    struct poolvol_id *id)
{
	g_autoptr(GError) err = NULL;
	bool	 removed = false;

	if (!poolvol_delete(p, name, id, &removed, &err) || !removed)
		vlog_warn("the probe's volume %s is left on host %s: %s",
		    id->path, p->host, err != NULL ? err->message :
		    "it changed meanwhile");
	poolvol_id_clear(id);
}

void
virt_choose_at(virConnectPtr conn, const struct vps_config *cfg,
    const char *image, struct domxml_cpu *cpu, GError **warn)
{
	cpu->cpu = cfg->cpu;
	cpu->disable = (const char *const *)cfg->cpu_disable;
	cpu->kvm = cfg->virt_type != VPS_VIRT_QEMU;
	if (cfg->virt_type != VPS_VIRT_AUTO)
		return;
	if (!(image != NULL ? probe_image(conn, cpu, image, true, warn) :
	    virt_probe(conn, cpu, cfg->template_dir, warn)))
		cpu->kvm = false;
}

void
virt_choose(virConnectPtr conn, const struct vps_config *cfg,
    struct domxml_cpu *cpu, GError **warn)
{
	virt_choose_at(conn, cfg, NULL, cpu, warn);
}

bool
virt_cpu_known(virConnectPtr conn, const char *model, GError **err)
{
	char	**models = NULL;
	bool	 known = false;
	int	 n, i;

	if (strcmp(model, "host-passthrough") == 0 ||
	    strcmp(model, "host-model") == 0)
		return true;
	if ((n = virConnectGetCPUModelNames(conn, "x86_64", &models, 0)) < 0)
		return true;
	for (i = 0; i < n; i++) {
		if (strcmp(models[i], model) == 0)
			known = true;
		free(models[i]);
	}
	free(models);
	if (!known)
		return vps_invalid(err, "libvirt knows no such x86_64 CPU "
		    "model (virsh cpu-models x86_64 lists them)");
	return true;
}
