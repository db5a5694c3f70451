/*
 * storage.h: the disk of a VPS, an LV named like the VPS in [storage] vg
 * (through libblockdev's LVM plugin) or a sparse raw file DIR/NAME.img.
 *
 * [storage] lvm_config of vps.conf(5), if set, is passed to
 * bd_lvm_set_global_config() as the --config of every lvm command (the
 * end-to-end tests use it for a VG on a loop device without
 * device-mapper); unset, lvm.conf alone applies.
 */
#ifndef VPS_STORAGE_H
#define VPS_STORAGE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <glib.h>

#include "vpsconf.h"

#define STORAGE_GIB	(UINT64_C(1) << 30)

/*
 * create-vps's mark on the disks it makes, which delete-vps --purge-disk
 * looks for when no domain names the disk: the LV tag (lvs -o lv_tags),
 * or the extended attribute of the image, whose value is the VPS name
 * (getfattr -n user.vpshost). Each disk also carries RUN, what its
 * creator passed (create-vps: its domain's UUID): the LV as the tag
 * vpshost-RUN, the image as the attribute user.vpshost.run.
 */
#define STORAGE_LV_TAG	"vpshost"
#define STORAGE_XATTR	"user.vpshost"
#define STORAGE_XATTR_RUN	"user.vpshost.run"

/*
 * What one storage_create() made, to tell it from a disk made under the
 * same name by someone else later: its RUN, and the image's device and
 * inode (which alone may be reused at once by a new file).
 */
struct storage_made {
	char	*run;
	dev_t	 dev;
	ino_t	 ino;
};

/*
 * Loads the LVM plugin and sets [storage] lvm_config for the lvm backend;
 * nothing for the file one.
 */
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
 * Creates the LV or the image (mode 0600) of size bytes, with the marks
 * above (run: unique to this call, made of [0-9a-z-]), and sets made
 * (storage_made_clear() it afterwards, also on failure). An existing LV or
 * image of that name is refused ("PATH already exists") atomically, by
 * lvcreate or link(2), and left as it was. The image is made unnamed
 * (O_TMPFILE), marked and sized before it gets its name, so that no
 * unmarked image is ever left behind.
 */
bool	 storage_create(const struct vps_config *cfg, const char *name,
	    uint64_t size, const char *run, struct storage_made *made,
	    GError **err);

void	 storage_made_clear(struct storage_made *made);

/*
 * Removes the LV or the image of name only if it is still the one made;
 * *removed says whether it was (if not, it is left as it is).
 */
bool	 storage_remove_made(const struct vps_config *cfg, const char *name,
	    const struct storage_made *made, bool *removed, GError **err);

/*
 * Removes the LV or the image of name only if it carries create-vps's
 * mark; *removed says whether it did (if not, nothing changed).
 */
bool	 storage_remove_marked(const struct vps_config *cfg, const char *name,
	    bool *removed, GError **err);

/* Removes the LV or the image: for a disk its domain was seen to use. */
bool	 storage_remove(const struct vps_config *cfg, const char *name,
	    GError **err);

/* Rewraps a libblockdev error bd as ours: "what name: message". */
void	 storage_wrap(GError **err, GError *bd, const char *what,
	    const char *name);

/* fsync of a directory, so that a new entry in it survives a crash. */
bool	 storage_sync_dir(const char *dir, GError **err);

#endif
