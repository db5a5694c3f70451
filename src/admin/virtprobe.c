/*
 * virtprobe.c: the probe domains, and the domain type and CPU decided by
 * them.
 */
#include <config.h>

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <libvirt/virterror.h>

#include "pathnames.h"
#include "util.h"
#include "virtprobe.h"
#include "virtutil.h"

#define POLL_NS		20000000L	/* 20 ms */
/* KVM may take this much longer than the TCG probe, at most. */
#define PROBE_SLACK	1.25
#define PROBE_SLACK_S	0.5

/* One probe guest and what became of it. */
struct probe {
	virDomainPtr dom;
	bool	 done;			/* it reported through pvpanic */
	bool	 gone;			/* it reset or stopped before that */
	double	 seconds;		/* when done, since the start */
	char	*why;			/* why it did not start, or NULL */
};

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * Starts the probe guest with c, booting probe.img of dir; on failure
 * p->why says why.
 */
static void
probe_start(virConnectPtr conn, const struct domxml_cpu *c, const char *dir,
    struct probe *p)
{
	g_autofree char *uuid = g_uuid_string_random();
	g_autofree char *name = NULL, *image = NULL, *xml = NULL;
	xmlDoc	*doc;

	memset(p, 0, sizeof(*p));
	/* Upper case: no VPS can have this name. */
	name = g_strdup_printf("vpshost-Probe-%.8s", uuid);
	image = domxml_data_path(dir, DOMXML_PROBE_IMAGE);
	doc = domxml_probe(name, c, image);
	xml = domdoc_format(doc);
	xmlFreeDoc(doc);
	if (xml == NULL) {
		p->why = g_strdup("cannot format the probe domain's XML");
		return;
	}
	p->dom = virDomainCreateXML(conn, xml, VIR_DOMAIN_START_AUTODESTROY);
	if (p->dom == NULL)
		p->why = vps_one_line(virGetLastErrorMessage());
}

/* Looks at a running probe guest: has it reported, or gone away? */
static void
probe_poll(struct probe *p, double start)
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
		p->seconds = now() - start;
	}
}

static void
probe_stop(struct probe *p)
{
	if (p->dom != NULL) {
		(void)virDomainDestroy(p->dom);
		virDomainFree(p->dom);
	}
	g_free(p->why);
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
 * TCG reference ref (which may be NULL or failed), or the timeout; sets
 * *why unless p got through.
 */
static bool
probe_wait(struct probe *p, struct probe *ref, double start, char **why)
{
	double	 t;

	for (;;) {
		probe_poll(p, start);
		if (ref != NULL)
			probe_poll(ref, start);
		t = now() - start;
		if (p->done)
			return true;
		if (p->gone) {
			*why = g_strdup("the probe guest reset before it "
			    "reached long mode: this CPU cannot boot a 64-bit "
			    "kernel here");
			return false;
		}
		/*
		 * KVM that is not faster than emulation is no KVM: on a host
		 * where it works it is through long before TCG.
		 */
		if (ref != NULL && ref->done &&
		    t > ref->seconds * PROBE_SLACK + PROBE_SLACK_S) {
			*why = g_strdup_printf("KVM is slower than TCG "
			    "emulation here: the probe guest took %.1f s "
			    "under TCG and was not through after %.1f s under "
			    "KVM (a nested KVM without hardware help?)",
			    ref->seconds, t);
			return false;
		}
		if (t > VIRT_PROBE_TIMEOUT) {
			*why = g_strdup_printf("the probe guest gave no sign "
			    "of life in %d s", VIRT_PROBE_TIMEOUT);
			return false;
		}
		sleep_poll();
	}
}

bool
virt_probe(virConnectPtr conn, const struct domxml_cpu *cpu, const char *dir,
    char **why)
{
	struct domxml_cpu tcg = *cpu;
	struct probe p, ref;
	double	 start = now();
	bool	 ok = false;

	*why = NULL;
	memset(&ref, 0, sizeof(ref));
	probe_start(conn, cpu, dir, &p);
	if (p.why != NULL) {
		*why = g_steal_pointer(&p.why);
		goto out;
	}
	if (cpu->kvm) {
		tcg.kvm = false;
		probe_start(conn, &tcg, dir, &ref);
	}
	ok = probe_wait(&p, cpu->kvm && ref.why == NULL ? &ref : NULL, start,
	    why);
out:
	probe_stop(&p);
	probe_stop(&ref);
	return ok;
}

void
virt_choose(virConnectPtr conn, const struct vps_config *cfg,
    struct domxml_cpu *cpu, char **why)
{
	*why = NULL;
	cpu->cpu = cfg->cpu;
	cpu->disable = (const char *const *)cfg->cpu_disable;
	cpu->kvm = cfg->virt_type != VPS_VIRT_QEMU;
	if (cfg->virt_type != VPS_VIRT_AUTO)
		return;
	if (!virt_probe(conn, cpu, cfg->template_dir, why))
		cpu->kvm = false;
}

bool
virt_cpu_known(virConnectPtr conn, const char *model, const char **why)
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
		*why = "libvirt knows no such x86_64 CPU model "
		    "(virsh cpu-models x86_64 lists them)";
	return known;
}
