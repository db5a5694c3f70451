/*
 * lock.h: advisory locks (flock) that serialise the tools which change
 * shared state: two create-vps runs, or a sync and a create.
 */
#ifndef VPS_LOCK_H
#define VPS_LOCK_H

#include <stdbool.h>
#include <glib.h>

/*
 * Opens (creating it 0600 if needed) the lock file at path and takes an
 * exclusive lock, waiting for it unless nowait. Returns the descriptor to
 * pass to vps_unlock(), or -1 with err set (VPS_ERROR_FAILED when nowait
 * and somebody else holds it).
 */
int	 vps_lock(const char *path, bool nowait, GError **err);
/*
 * The same on the directory dir itself (never through a symlink), for
 * the writers of files in a directory that should hold nothing else,
 * such as /etc/sudoers.d: no lock file is left there.
 */
int	 vps_lock_dir(const char *dir, bool nowait, GError **err);
void	 vps_unlock(int fd);

#endif
