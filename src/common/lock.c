/*
 * lock.c: flock(2) on a dedicated lock file. The lock dies with the
 * process, so a killed tool never leaves a stale lock behind.
 */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lock.h"
#include "util.h"

/* Takes the lock on fd (opened on path); closes fd if it cannot. */
static int
lock_fd(int fd, const char *path, bool nowait, GError **err)
{
	int	 r;

	do {
		r = flock(fd, LOCK_EX | (nowait ? LOCK_NB : 0));
	} while (r == -1 && errno == EINTR);
	if (r == -1) {
		g_set_error(err, VPS_ERROR, VPS_ERROR_FAILED,
		    errno == EWOULDBLOCK ? "%s is held by another process" :
		    "cannot lock %s: %s", path, g_strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

int
vps_lock(const char *path, bool nowait, GError **err)
{
	struct stat st;
	int	 fd;

	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY,
	    0600);
	if (fd == -1) {
		g_set_error(err, VPS_ERROR, VPS_ERROR_FAILED,
		    "cannot open lock file %s: %s", path, g_strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		g_set_error(err, VPS_ERROR, VPS_ERROR_FAILED,
		    "lock file %s is not a regular file", path);
		close(fd);
		return -1;
	}
	return lock_fd(fd, path, nowait, err);
}

int
vps_lock_dir(const char *dir, bool nowait, GError **err)
{
	int	 fd;

	fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd == -1) {
		g_set_error(err, VPS_ERROR, VPS_ERROR_FAILED,
		    "cannot open directory %s to lock it: %s", dir,
		    g_strerror(errno));
		return -1;
	}
	return lock_fd(fd, dir, nowait, err);
}

void
vps_unlock(int fd)
{
	if (fd != -1)
		close(fd);
}
