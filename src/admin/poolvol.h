/*
 * poolvol.h: the disk of a VPS on a [host NAME] with backend = pool of
 * vps.conf(5): a raw volume in a libvirt storage pool, made, found and
 * removed through libvirt's storage pool API, which works over a remote
 * connection (this host cannot open the disk of a VPS of another host).
 *
 * The volume of VPS NAME is NAME.img in a dir, fs or netfs pool (a file)
 * and NAME in a logical pool (an LV); other pool types are refused.
 *
 * Ownership. The API can neither set nor read an extended attribute or
 * an LV tag, so a pool volume carries no mark of create-vps (storage.h).
 * A volume is removed only when it is known to be the VPS's:
 *   - the volume one run of create-vps made (its struct poolvol_id, taken
 *     right after it was made), on that run's rollback;
 *   - the volume named like the VPS whose path the VPS's own domain names
 *     as a disk (delete-vps --purge-disk, checked before the domain goes).
 * A volume no domain names (left by a create-vps killed between making
 * it and defining the domain) is never removed by the tools: the admin
 * checks it and removes it with virsh vol-delete.
 *
 * Errors name the pool and its host ("pool P of host H").
 */
#ifndef VPS_POOLVOL_H
#define VPS_POOLVOL_H

#include <stdbool.h>
#include <stdint.h>
#include <glib.h>
#include <libvirt/libvirt.h>

#include "vpsconf.h"

enum poolvol_kind { POOLVOL_FILE, POOLVOL_BLOCK };

/* The pool of a host, opened by poolvol_open(). */
struct poolvol_pool {
	virStoragePoolPtr pool;
	char	*name;			/* [host NAME] pool */
	char	*host;			/* [host NAME] NAME */
	char	*target;		/* its target path, as the pool's XML
					   says: a directory, or /dev/VG */
	int	 kind;			/* enum poolvol_kind */
};

/*
 * Which volume: its path and key, and (for a file volume that a run
 * made) its ctime as libvirt reports it, so that a volume removed and
 * made again under the same name (same key, same path) is not taken for
 * it. Fields are g_free'd by poolvol_id_clear().
 */
struct poolvol_id {
	char	*path;
	char	*key;
	char	*stamp;			/* NULL: not compared */
};

/*
 * Looks up the pool of host h (backend = pool) on conn, an open
 * connection to h's uri, refreshes it (so that a file put there behind
 * libvirt's back is seen) and reads its type. False, with err, if there
 * is no such pool, it is not running, or its type is not one above.
 * poolvol_close() it afterwards, also on failure.
 */
bool	 poolvol_open(virConnectPtr conn, const struct vps_host *h,
	    struct poolvol_pool *p, GError **err);
/*
 * poolvol_open() without the refresh, which libvirt refuses while it
 * copies a volume of the pool ("asynchronous jobs running"): for the
 * snapshots of snappool.h, whose volumes libvirt itself makes, and which
 * must work while another VPS's copy runs.
 */
bool	 poolvol_open_current(virConnectPtr conn, const struct vps_host *h,
	    struct poolvol_pool *p, GError **err);
/*
 * The same for the pool called name, or (name NULL) the pool whose target
 * is target (/dev/VG, a directory: how an lvm or file backend's storage
 * appears to libvirt), on host (for messages).
 */
bool	 poolvol_open_at(virConnectPtr conn, const char *host,
	    const char *name, const char *target, struct poolvol_pool *p,
	    GError **err);
void	 poolvol_close(struct poolvol_pool *p);

/*
 * The path the volume of VPS vps has (or will have) on its host: the
 * pool's target path and the volume name, as libvirt names both kinds of
 * volume (g_free). poolvol_create() checks that the volume it makes has
 * it, so that a domain XML can be built before the volume is made.
 */
char	*poolvol_path(const struct poolvol_pool *p, const char *vps);

/* The bytes free in the pool (virStoragePoolGetInfo's available). */
bool	 poolvol_room(const struct poolvol_pool *p, uint64_t *avail,
	    GError **err);

/*
 * Creates the raw volume of VPS vps, size bytes (sparse in a file pool,
 * fully allocated in a logical one), mode 0600, and sets id (path, key,
 * stamp). An existing volume of that name is refused ("... already
 * exists") and left as it is: it is looked for first, and libvirt itself
 * refuses an existing name and creates a file with O_EXCL. A volume whose
 * path is not poolvol_path() is deleted again and refused.
 */
bool	 poolvol_create(const struct poolvol_pool *p, const char *vps,
	    uint64_t size, struct poolvol_id *id, GError **err);

/*
 * The volume of VPS vps: *found false (and true returned) if there is
 * none; else its path and key in id (no stamp).
 */
bool	 poolvol_find(const struct poolvol_pool *p, const char *vps,
	    struct poolvol_id *id, bool *found, GError **err);

/*
 * Deletes the volume of VPS vps only if it is still id (same key and
 * path, and same stamp if id has one); *removed says whether it did (if
 * not, nothing changed).
 */
bool	 poolvol_delete(const struct poolvol_pool *p, const char *vps,
	    const struct poolvol_id *id, bool *removed, GError **err);

void	 poolvol_id_clear(struct poolvol_id *id);

/*
 * Creates the volume of name as poolvol_create() does, of the size of the
 * local file path, and uploads the file into it (virStorageVolUpload):
 * how a file of this host reaches another host's QEMU. On failure the
 * volume is deleted again. id has no stamp: writing, and QEMU's
 * relabelling when a domain uses the volume, change its times; use it
 * for a volume of a name no one else makes (a random one).
 */
bool	 poolvol_upload(const struct poolvol_pool *p, const char *name,
	    const char *path, struct poolvol_id *id, GError **err);

/* Pure functions, unit-tested. */

/*
 * The kind of a pool from its XML (virStoragePoolGetXMLDesc): dir, fs and
 * netfs are POOLVOL_FILE, logical POOLVOL_BLOCK; -1 with err otherwise.
 */
int	 poolvol_kind_of(const char *pool_xml, GError **err);

/* The target path of a pool from its XML (g_free), or NULL with err. */
char	*poolvol_target_of(const char *pool_xml, GError **err);

/* The volume name of VPS vps in a pool of kind (g_free). */
char	*poolvol_name(int kind, const char *vps);

/*
 * The XML of a raw volume called name of size bytes for a pool of kind,
 * file mode mode (octal), built with libxml2 (g_free); NULL if out of
 * memory.
 */
char	*poolvol_xml(int kind, const char *name, uint64_t size,
	    unsigned mode);

#endif
