/*
 * root-owner.c: the helper's ownership check, read again only when vps.data
 * changed (root-owner.h).
 *
 * vps.data is replaced atomically (a new inode renamed over the old), so
 * a new file has another inode, and usually another size and times; an
 * edit in place changes the modification time. The file is stat'ed
 * before it is read: a change between the two is seen at the next
 * question, never missed.
 */
#include <config.h>

#include <errno.h>
#include <string.h>

#include "root-owner.h"
#include "util.h"
#include "vpsdata.h"

void
owner_init(struct owner_check *oc, const char *path, const char *member,
    const char *vps)
{
	memset(oc, 0, sizeof(*oc));
	oc->path = path;
	oc->member = member;
	oc->vps = vps;
}

/* True if a and b describe the same file with the same content. */
static bool
same_file(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino &&
	    a->st_size == b->st_size &&
	    a->st_mtim.tv_sec == b->st_mtim.tv_sec &&
	    a->st_mtim.tv_nsec == b->st_mtim.tv_nsec &&
	    a->st_ctim.tv_sec == b->st_ctim.tv_sec &&
	    a->st_ctim.tv_nsec == b->st_ctim.tv_nsec;
}

int
owner_check(struct owner_check *oc, GError **err)
{
	struct vps_data d = VPSDATA_INIT;
	const struct vps_entry *e;
	struct stat st;

	if (stat(oc->path, &st) == -1) {
		oc->known = false;
		g_set_error(err, VPS_ERROR, VPS_ERROR_FAILED, "%s: %s",
		    oc->path, g_strerror(errno));
		return -1;
	}
	if (oc->known && same_file(&st, &oc->st))
		return oc->owned ? 1 : 0;
	oc->known = false;
	if (!vpsdata_load(oc->path, &d, err))
		return -1;
	e = vpsdata_find(&d, oc->vps);
	oc->owned = e != NULL && strcmp(e->owner, oc->member) == 0;
	if (oc->owned)
		oc->entry = *e;
	oc->st = st;
	oc->known = true;
	vpsdata_clear(&d);
	return oc->owned ? 1 : 0;
}
