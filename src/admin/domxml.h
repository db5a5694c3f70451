/*
 * domxml.h: the domain XML of a VPS, built from the template xml/domain.xml
 * with libxml2's tree API, and the few facts the tools read back from a
 * domain's XML (MACs, graphics ports, disk sources).
 *
 * Pure functions: no libvirt, no storage, so they are unit-tested against
 * golden files.
 */
#ifndef VPS_DOMXML_H
#define VPS_DOMXML_H

#include <stdbool.h>
#include <glib.h>
#include <libxml/tree.h>

#include "domdoc.h"

#include "random.h"

/*
 * The path of file in dir, the package data directory of [vps]
 * template_dir in vps.conf(5) (g_free).
 */
char	*domxml_data_path(const char *dir, const char *file);

enum domxml_disk { DOMXML_DISK_BLOCK, DOMXML_DISK_FILE };

/*
 * The guest CPU ([vps] cpu and cpu_disable of vps.conf(5)) under a domain
 * type. Under TCG (kvm false) host-passthrough and host-model mean QEMU's
 * default CPU: there is no host CPU to pass through.
 */
struct domxml_cpu {
	bool	 kvm;			/* type kvm, else qemu (TCG) */
	const char *cpu;		/* host-passthrough, host-model, MODEL;
					   NULL: QEMU's default CPU */
	const char *const *disable;	/* features turned off, or NULL */
};

struct domxml_params {
	struct domxml_cpu cpu;
	const char *name;
	const char *uuid;		/* 36 characters */
	unsigned vcpus;
	unsigned memory_mib;
	int	 disk_kind;		/* enum domxml_disk */
	const char *disk_path;		/* /dev/VG/NAME or DIR/NAME.img */
	const char *iso;		/* absolute path, or NULL: empty cdrom */
	const char *mac;
	const char *network;		/* exactly one of network and bridge */
	const char *bridge;
	const char *filter;		/* libvirt nwfilter, or NULL: none */
	const char *listen;		/* SPICE listen address */
	unsigned port;			/* SPICE port, autoport off */
	const char *password;		/* SPICE password */
};

struct vps_config;
struct vps_entry;

/*
 * Sets p for VPS e of vps.data under cfg: name, vcpus, memory and SPICE
 * port from e; disk kind, network or bridge, filter and SPICE listen
 * address from cfg. The rest is what one run of create-vps chooses (cpu,
 * uuid, disk_path, iso, mac, password): zero here, the caller's to set.
 * p points into e and cfg.
 */
void	 domxml_params_init(struct domxml_params *p,
	    const struct vps_config *cfg, const struct vps_entry *e);

/*
 * Reads the template at path and fills it in from p. Comments are dropped.
 * Errors name the template and the part of it that did not fit.
 */
xmlDoc	*domxml_build(const char *path, const struct domxml_params *p,
	    GError **err);

/*
 * The probe domain (virtprobe.h) called name with cpu: it boots the boot
 * sector image (read-only, never relabelled), has no network and no
 * display, and reports through a pvpanic device (on_crash preserve: the
 * domain shows as crashed) once the boot sector got through; a reset
 * ends it (on_reboot destroy).
 */
xmlDoc	*domxml_probe(const char *name, const struct domxml_cpu *cpu,
	    const char *image);

/*
 * The cdrom source for ISO as create-vps takes it: an absolute path as it
 * is, or a valid ISO library name (names.h) in iso_dir; the result must
 * be printable ASCII. g_free() it; NULL with err (VPS_ERROR_INVALID) set
 * if iso is neither.
 * Whether the file exists is the caller's to check.
 */
char	*domxml_iso_path(const char *iso_dir, const char *iso,
	    GError **err);

/*
 * Writes the MAC address s (six groups of one or two hex digits separated
 * by ':', either case) in canonical form, two lower-case digits a group,
 * into out; false if s is no such MAC.
 */
bool	 domxml_mac_canon(const char *s, char out[VPS_MAC_LEN + 1]);

/*
 * Adds the MAC addresses (canonical, g_strdup'd keys; a value that is no
 * MAC cannot collide with one and is skipped) of every interface of a
 * domain's XML to macs, and every graphics port, TLS port and
 * websocket port above 0 to ports (GUINT_TO_POINTER keys). Either table
 * may be NULL.
 */
bool	 domxml_scan(const char *xml, GHashTable *macs, GHashTable *ports,
	    GError **err);

/* The source paths of a domain's disks (not cdroms), g_free'd elements. */
GPtrArray *domxml_disk_sources(const char *xml, GError **err);

#endif
