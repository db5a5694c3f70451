/*
 * hostroom.h: the room for new disks on a hypervisor of a [host NAME]
 * group, read through libvirt's storage pool API, which answers over a
 * remote URI: the pool's available bytes (virStoragePoolGetInfo). A host
 * with backend lvm or file has no pool to ask: its VG or directory is
 * out of reach from the login host. Links libvirt only (no libxml2), so
 * that vps-data-gen can use it.
 */
#ifndef VPS_HOSTROOM_H
#define VPS_HOSTROOM_H

#include <stdbool.h>
#include <stdint.h>
#include <glib.h>
#include <libvirt/libvirt.h>

#include "vpsconf.h"

/*
 * The available bytes of the storage pool called pool on conn: false,
 * with err, if there is no such pool, it is not active or libvirt does
 * not answer. *autostart (may be NULL) says whether it starts with
 * libvirtd.
 */
bool	 hostroom_pool(virConnectPtr conn, const char *pool, uint64_t *room,
	    bool *autostart, GError **err);

/*
 * The room of host h: connects to its uri and asks hostroom_pool();
 * false, with err naming the host and what failed, if the host does not
 * answer or is not backend = pool.
 */
bool	 hostroom_read(const struct vps_host *h, uint64_t *room,
	    GError **err);

#endif
