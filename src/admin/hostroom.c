/*
 * hostroom.c: a [host NAME]'s room for new disks, through libvirt.
 */
#include <config.h>

#include <stdarg.h>
#include <libvirt/virterror.h>

#include "hostroom.h"
#include "util.h"

typedef virStoragePool hostroom_pool_t;
G_DEFINE_AUTOPTR_CLEANUP_FUNC(hostroom_pool_t, virStoragePoolFree)

/* libvirt's last error as one line (g_free). */
static char *
last_error(void)
{
	return vps_one_line(virGetLastErrorMessage());
}

static bool G_GNUC_PRINTF(2, 3)
fail(GError **err, const char *fmt, ...)
{
	g_autofree char *msg = NULL;
	va_list	 ap;

	va_start(ap, fmt);
	msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	g_set_error_literal(err, VPS_ERROR, VPS_ERROR_FAILED, msg);
	return false;
}

bool
hostroom_pool(virConnectPtr conn, const char *pool, uint64_t *room,
    bool *autostart, GError **err)
{
	g_autoptr(hostroom_pool_t) p = NULL;
	g_autofree char *why = NULL;
	virStoragePoolInfo info;
	int	 a = 0;

	if ((p = virStoragePoolLookupByName(conn, pool)) == NULL) {
		why = last_error();
		return fail(err, "storage pool %s: %s", pool, why);
	}
	if (virStoragePoolIsActive(p) != 1)
		return fail(err, "storage pool %s is not active", pool);
	/* What libvirt last saw; a dir pool may have changed since. */
	if (virStoragePoolRefresh(p, 0) == -1 ||
	    virStoragePoolGetInfo(p, &info) == -1) {
		why = last_error();
		return fail(err, "storage pool %s: %s", pool, why);
	}
	if (autostart != NULL)
		*autostart = virStoragePoolGetAutostart(p, &a) == 0 && a != 0;
	*room = info.available;
	return true;
}

bool
hostroom_read(const struct vps_host *h, uint64_t *room, GError **err)
{
	virConnectPtr conn;
	bool	 ok;

	if (h->backend != VPS_BACKEND_POOL)
		return fail(err, "[host %s] has backend %s, whose room "
		    "libvirt cannot tell (backend = pool can)", h->name,
		    h->backend == VPS_BACKEND_LVM ? "lvm" : "file");
	if ((conn = virConnectOpen(h->uri)) == NULL) {
		g_autofree char *why = last_error();

		return fail(err, "host %s unreachable: cannot connect "
		    "to %s: %s", h->name, h->uri, why);
	}
	ok = hostroom_pool(conn, h->pool, room, NULL, err);
	if (!ok)
		g_prefix_error(err, "host %s: ", h->name);
	virConnectClose(conn);
	return ok;
}
