/*
 * virtprobe.h: what QEMU actually runs on this host. libvirt's
 * capabilities may list a kvm domain type where the QEMU user cannot open
 * /dev/kvm; a CPU mode may be accepted by libvirt and then abort QEMU;
 * and a nested KVM may start a guest and then crawl through its boot, so
 * that a kernel seems to hang. So the answer comes from running a guest:
 * the probe domain boots a boot sector (xml/probe.S) that takes a
 * kernel's way into long mode, touching 128 MiB on the way, and reports
 * through a pvpanic device. Probe domains are transient, have no disk of
 * their own and no network, are destroyed at once, and libvirtd destroys
 * them too if this process dies first (VIR_DOMAIN_START_AUTODESTROY).
 */
#ifndef VPS_VIRTPROBE_H
#define VPS_VIRTPROBE_H

#include <stdbool.h>
#include <glib.h>
#include <libvirt/libvirt.h>

#include "domxml.h"
#include "poolvol.h"
#include "vpsconf.h"

/* How long a probe guest may take, at most (TCG on a busy host). */
#define VIRT_PROBE_TIMEOUT	60

/*
 * Runs the probe guest with cpu, booting probe.img of dir ([vps]
 * template_dir); true if it got through. Under KVM a
 * second probe runs under TCG at the same time, each timed from when its
 * CPU was let run (not from when libvirt was asked to start it), and KVM
 * fails if it is slower than that emulation. On false, err (VPS_ERROR_FAILED) is
 * libvirt's or QEMU's reason, or what the guest did, as one line.
 */
bool	 virt_probe(virConnectPtr conn, const struct domxml_cpu *cpu,
	    const char *dir, GError **err);

/*
 * The CPU of cfg ([vps] cpu, cpu_disable) under the domain type it
 * decides: [vps] virt_type kvm or qemu as set; auto: kvm if the probe
 * with the configured CPU gets through under KVM, else qemu (TCG), and
 * then warn (may be NULL) says why KVM is not used: a warning, since
 * the VPS still runs. disable points into cfg.
 */
void	 virt_choose(virConnectPtr conn, const struct vps_config *cfg,
	    struct domxml_cpu *cpu, GError **warn);

/*
 * virt_choose() on a host whose file system is not this one (a [host
 * NAME]): probe.img of template_dir is a path of this host, so the probe
 * boots image instead, a copy of it on conn's host (create-vps uploads
 * it into a volume of the host's pool, poolvol_upload()), which QEMU may
 * relabel, being the probe's own. image NULL: virt_choose().
 */
void	 virt_choose_at(virConnectPtr conn, const struct vps_config *cfg,
	    const char *image, struct domxml_cpu *cpu, GError **warn);

/*
 * True if libvirt knows CPU model for x86_64 (always true for
 * host-passthrough and host-model); false with err (VPS_ERROR_INVALID)
 * when it does not.
 * A libvirt that cannot list its models is given the benefit of the
 * doubt: QEMU refuses an unknown model when the domain starts.
 */
bool	 virt_cpu_known(virConnectPtr conn, const char *model,
	    GError **err);

/*
 * The probe of a host whose file system is not this one: probe.img of
 * dir uploaded into a volume of its pool p, named name (made here: no
 * VPS's volume can have it), whose path (id->path) virt_probe_at()
 * boots, and which virt_probe_drop() deletes again (a warning if it
 * cannot). Used by create-vps and vps-doctor for a [host NAME] with
 * backend = pool.
 */
#define VIRT_PROBE_VOL_MAX	32
/* The start of every probe volume's and probe domain's name. */
#define VIRT_PROBE_PREFIX	"vpshost-Probe-"
bool	 virt_probe_put(const struct poolvol_pool *p, const char *dir,
	    char name[VIRT_PROBE_VOL_MAX], struct poolvol_id *id,
	    GError **err);
bool	 virt_probe_at(virConnectPtr conn, const struct domxml_cpu *cpu,
	    const char *image, GError **err);
void	 virt_probe_drop(const struct poolvol_pool *p, const char *name,
	    struct poolvol_id *id);

#endif
