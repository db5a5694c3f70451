/*
 * snapshot.c: snapshots of a VPS's disk (snapshot.h).
 */
#include <config.h>

#include "snapshot.h"
#include "util.h"

void
snapshot_free(gpointer p)
{
	struct snapshot *sn = p;

	if (sn == NULL)
		return;
	g_free(sn->name);
	g_free(sn);
}

GPtrArray *
snapshot_list(const struct vps_config *cfg, const char *vps, GError **err)
{
	vps_failed(err, "not yet");
	return NULL;
}

bool
snapshot_create(const struct vps_config *cfg, const char *vps,
    const char *name, GError **err)
{
	return vps_failed(err, "not yet");
}

bool
snapshot_revert(const struct vps_config *cfg, const char *vps,
    const char *name, GError **err)
{
	return vps_failed(err, "not yet");
}

bool
snapshot_forget(const struct vps_config *cfg, const char *vps,
    const char *name, GError **err)
{
	return vps_failed(err, "not yet");
}

bool
snapshot_purge(const struct vps_config *cfg, const char *vps, unsigned *n,
    GError **err)
{
	*n = 0;
	return vps_failed(err, "not yet");
}

int
snapshot_lock(const char *vps, GError **err)
{
	vps_failed(err, "not yet");
	return -1;
}

char *
snapshot_default_name(gint64 t)
{
	g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc(t);

	return g_date_time_format(dt, "%Y%m%d-%H%M%S");
}
