/*
 * root-owner.h: whether the member still owns the VPS that their helper
 * serves. An admin may remove or reassign a VPS in vps.data while a
 * member's session is open; the helper asks before every request.
 *
 * The answer is kept with the identity of the vps.data it was read from
 * (device, inode, size, modification and change time): until the file
 * is replaced or changed, a question costs one stat(2).
 */
#ifndef VPS_ROOT_OWNER_H
#define VPS_ROOT_OWNER_H

#include <stdbool.h>
#include <sys/stat.h>
#include <glib.h>

#include "vpsdata.h"

struct owner_check {
	const char *path;		/* vps.data */
	const char *member;
	const char *vps;
	bool	 known;			/* owned holds for the file st */
	bool	 owned;
	struct vps_entry entry;		/* the VPS in that file, if owned */
	struct stat st;
};

void	 owner_init(struct owner_check *oc, const char *path,
	    const char *member, const char *vps);
/*
 * 1 if member owns vps in the current vps.data (oc->entry is then its
 * line, with its host), 0 if not, -1 with err set if vps.data cannot be
 * read or is invalid (then it is read again at the next question).
 */
int	 owner_check(struct owner_check *oc, GError **err);

#endif
