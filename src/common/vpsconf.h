/*
 * vpsconf.h: vps.conf, an INI file read with GKeyFile. Every key of
 * vps.conf(5) has a default; an unknown group or key, or a bad value, is
 * an error naming FILE:LINE.
 */
#ifndef VPS_VPSCONF_H
#define VPS_VPSCONF_H

#include <stdbool.h>
#include <glib.h>

#include "names.h"
#include "pathnames.h"
#include "vpsdata.h"

#define VPS_CONFIG_SIZE_MAX	(1u << 20)
#define VPS_HOSTS_MAX		64	/* [host NAME] groups */

/* [storage] backend is lvm or file; a [host NAME] may also say pool. */
enum vps_backend { VPS_BACKEND_LVM, VPS_BACKEND_FILE, VPS_BACKEND_POOL };
enum vps_virt_type { VPS_VIRT_AUTO, VPS_VIRT_KVM, VPS_VIRT_QEMU };
enum vps_starttls { VPS_STARTTLS_NO, VPS_STARTTLS_TRY, VPS_STARTTLS_DEMAND };

/*
 * A hypervisor other than the local one, from a [host NAME] group: what
 * vps.data's host field names.
 */
struct vps_host {
	char	 name[VPS_HOST_MAX + 1];
	char	*uri;			/* libvirt URI, e.g. qemu+tls://... */
	char	*spice_listen;		/* address its SPICE displays use */
	int	 backend;		/* enum vps_backend */
	char	*vg;			/* backend lvm */
	char	*dir;			/* backend file */
	char	*pool;			/* backend pool: libvirt pool; NULL
					   for the other backends */
	unsigned line;			/* of the [host NAME] line */
};

struct vps_config {
	char	*path;			/* the file read, or NULL */
	/* [vps] */
	char	*data;
	char	*members;		/* every member, one user name a line */
	char	*iso_dir;
	char	*uri;
	char	*template_dir;		/* domain template and probe image */
	int	 virt_type;		/* enum vps_virt_type */
	char	*cpu;			/* host-passthrough, host-model, MODEL */
	char	**cpu_disable;		/* NULL-terminated; NULL: none */
	/* [storage] */
	int	 backend;		/* enum vps_backend */
	char	*vg;
	char	*dir;
	char	*lvm_config;		/* lvm.conf text for libblockdev; NULL */
	/* [network] */
	char	*network;		/* NULL when bridge is set */
	char	*bridge;		/* NULL unless set */
	char	*filter;		/* libvirt nwfilter; NULL: none */
	/* [spice] */
	char	*listen;
	unsigned port_min;
	unsigned port_max;
	unsigned ticket_minutes;
	/* [limits] */
	unsigned sessions;		/* menu sessions per member at once */
	unsigned idle_minutes;		/* 0: no idle timeout */
	/* [snapshots] */
	unsigned snap_max;		/* per VPS; 0: the verbs are off */
	unsigned snap_lvm_percent;	/* an LVM snapshot's size, % of
					   its disk */
	/* [access] */
	char	*sudoers;
	char	*sshd;			/* NULL: no sshd rules */
	unsigned min_uid;		/* lowest uid that may own a VPS */
	/* [ldap] */
	char	*ldap_uri;
	char	*ldap_base;
	char	*member_base;
	char	*member_filter;
	char	*bind_dn;		/* NULL: anonymous */
	char	*bind_password_file;	/* NULL: none */
	int	 starttls;		/* enum vps_starttls */
	char	*ca_file;		/* NULL: system default */
	unsigned page_size;
	unsigned timeout;
	unsigned max_shrink_percent;
	/* [host NAME], in the order of the file */
	struct vps_host *hosts;
	size_t	 nhosts;
};

enum {
	/* A missing file is an error even at the default path. */
	VPS_CONFIG_MUST_EXIST = 1 << 0,
	/*
	 * Read the file even if someone other than root could change it
	 * (vps-doctor, to report that). Without this flag a caller running
	 * as root gets an error for such a file (vps_read_trusted_file).
	 */
	VPS_CONFIG_ANY_OWNER = 1 << 1,
};

/*
 * Loads path (NULL: the compiled-in VPS_CONFIG_PATH, where a missing file
 * means all defaults unless VPS_CONFIG_MUST_EXIST). A path given by the
 * user must exist. Errors are VPS_ERROR_INVALID (exit 2) for bad
 * content, VPS_ERROR_FAILED for I/O.
 */
struct vps_config *config_load(const char *path, unsigned flags,
	    GError **err);
/* Parses INI text; fname appears in error messages. */
struct vps_config *config_parse(const char *text, size_t len,
	    const char *fname, GError **err);
void	 config_free(struct vps_config *cfg);

/*
 * The [host NAME] group called name, or NULL: for "" (the local host,
 * which has no group) and for a name that no group has.
 */
const struct vps_host *config_host(const struct vps_config *cfg,
	    const char *name);
/*
 * The host of the VPS e: *h is its [host NAME] group, or NULL for a VPS
 * of the local host. False, with err (VPS_ERROR_INVALID) naming the VPS
 * and its host, if vps.conf has no group for that host: every tool that
 * reads both files refuses such a VPS.
 */
bool	 config_host_of(const struct vps_config *cfg,
	    const struct vps_entry *e, const struct vps_host **h,
	    GError **err);
/*
 * The libvirt URI of the hypervisor that runs e: [vps] uri, or the uri of
 * its [host NAME]. NULL with err as config_host_of().
 */
const char *config_uri_for(const struct vps_config *cfg,
	    const struct vps_entry *e, GError **err);

typedef struct vps_config vps_config;
G_DEFINE_AUTOPTR_CLEANUP_FUNC(vps_config, config_free)

#endif
