/*
 * storage.h: the disk of a VPS, an LV named like the VPS in [storage] vg
 * (through libblockdev's LVM plugin) or a sparse raw file DIR/NAME.img.
 *
 * LVM_E2E_CONFIG: if set in the environment, its value is passed to
 * bd_lvm_set_global_config() as the --config of every lvm command. It is
 * the hook of the end-to-end tests (a VG on a loop device without
 * device-mapper); on a real host it is not set and lvm.conf applies.
 */
#ifndef VPS_STORAGE_H
#define VPS_STORAGE_H

#include <stdbool.h>
#include <stdint.h>
#include <glib.h>

#include "vpsconf.h"

#define STORAGE_GIB	(UINT64_C(1) << 30)

/* Loads the LVM plugin for the lvm backend; nothing for the file one. */
bool	 storage_init(const struct vps_config *cfg, GError **err);

/* The disk path of VPS name: /dev/VG/NAME or DIR/NAME.img (g_free). */
char	*storage_path(const struct vps_config *cfg, const char *name);

/* Sets *exists: whether the LV or image of that name exists. */
bool	 storage_exists(const struct vps_config *cfg, const char *name,
	    bool *exists, GError **err);

/*
 * The bytes free for new disks: in the VG, or in the file system of dir
 * (images are sparse: this is what they can grow into).
 */
bool	 storage_free(const struct vps_config *cfg, uint64_t *size,
	    GError **err);

/* Fails unless the VG has size bytes free (the file backend is sparse). */
bool	 storage_check_room(const struct vps_config *cfg, uint64_t size,
	    GError **err);

/*
 * Creates the LV or the image (O_EXCL, mode 0600) of size bytes. An
 * existing LV or image of that name is refused ("PATH already exists")
 * atomically, by lvcreate or open(2), and left as it was.
 */
bool	 storage_create(const struct vps_config *cfg, const char *name,
	    uint64_t size, GError **err);

/* Removes the LV or the image. */
bool	 storage_remove(const struct vps_config *cfg, const char *name,
	    GError **err);

#endif
