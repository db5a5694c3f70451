/*
 * virtutil.h: the libvirt side of create-vps and delete-vps: one
 * connection, handle types wrapped for g_autoptr, libvirt's errors as
 * GErrors, and the scan of every defined domain for the MACs and ports
 * already in use.
 */
#ifndef VPS_VIRTUTIL_H
#define VPS_VIRTUTIL_H

#include <stdbool.h>
#include <glib.h>
#include <libvirt/libvirt.h>

/* Undefine a VPS with everything libvirt keeps beside its definition. */
#define VIRT_UNDEFINE_FLAGS	(VIR_DOMAIN_UNDEFINE_NVRAM | \
	VIR_DOMAIN_UNDEFINE_MANAGED_SAVE | \
	VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA | \
	VIR_DOMAIN_UNDEFINE_CHECKPOINTS_METADATA)

G_DEFINE_AUTOPTR_CLEANUP_FUNC(virConnect, virConnectClose)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(virDomain, virDomainFree)

/* Keeps libvirt from printing its errors: they come back as GErrors. */
void	 virt_init(void);

/* Sets err to "WHAT: libvirt's last error". */
void	 virt_error(GError **err, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

virConnectPtr virt_connect(const char *uri, GError **err);

/*
 * Looks up the domain called name: *dom is NULL (and true returned) if
 * there is none.
 */
bool	 virt_lookup(virConnectPtr conn, const char *name, virDomainPtr *dom,
	    GError **err);

/*
 * Adds the MACs and the graphics ports of every domain (running or only
 * defined; of a running one both its live and its next-boot XML) to the
 * tables, as domxml_scan() does for one.
 */
bool	 virt_scan(virConnectPtr conn, GHashTable *macs, GHashTable *ports,
	    GError **err);

#endif
