/*
 * fileio.c: bounded reads and atomic replacement of files.
 */
#include <config.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"
#include "util.h"

struct atomic_file {
	char	*path;
	char	*tmp;
	int	 fd;
};

static bool
set_errno_error(GError **err, const char *what, const char *path, int errnum)
{
	g_set_error(err, G_FILE_ERROR, g_file_error_from_errno(errnum),
	    "%s %s: %s", what, path, g_strerror(errnum));
	return false;
}

/* Reads the open regular file fd (path names it in errors); closes fd. */
static bool
read_fd(int fd, const char *path, size_t maxlen, char **bufp, size_t *lenp,
    GError **err)
{
	char	*buf = g_malloc(maxlen + 1);
	size_t	 len = 0;
	ssize_t	 n;
	bool	 ok = false;

	for (;;) {
		n = read(fd, buf + len, maxlen + 1 - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			set_errno_error(err, "cannot read", path, errno);
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > maxlen) {
			g_set_error(err, VPS_ERROR, VPS_ERROR_INVALID,
			    "%s: file larger than %zu bytes", path, maxlen);
			goto out;
		}
	}
	buf[len] = '\0';
	*bufp = buf;
	*lenp = len;
	buf = NULL;
	ok = true;
out:
	g_free(buf);
	close(fd);
	return ok;
}

/* Opens path for reading and checks it is a regular file; -1 on error. */
static int
open_regular(const char *path, struct stat *st, GError **err)
{
	int	 fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK)) ==
	    -1) {
		set_errno_error(err, "cannot open", path, errno);
		return -1;
	}
	if (fstat(fd, st) == -1) {
		set_errno_error(err, "cannot stat", path, errno);
		close(fd);
		return -1;
	}
	if (!S_ISREG(st->st_mode)) {
		g_set_error(err, VPS_ERROR, VPS_ERROR_INVALID,
		    "%s: not a regular file", path);
		close(fd);
		return -1;
	}
	return fd;
}

bool
vps_read_file(const char *path, size_t maxlen, char **bufp, size_t *lenp,
    GError **err)
{
	struct stat st;
	int	 fd;

	if ((fd = open_regular(path, &st, err)) == -1)
		return false;
	return read_fd(fd, path, maxlen, bufp, lenp, err);
}

#define TRUST_TRIES	100	/* opens of a file replaced meanwhile */

/*
 * Only root may change it: owned by uid 0 and writable by neither group
 * nor others. A directory may be world-writable if it is root's and
 * sticky (/tmp): others can add entries there but cannot rename or
 * remove root's.
 */
bool
vps_root_dir(const char *dir, GError **err)
{
	struct stat st;

	if (g_mkdir_with_parents(dir, 0755) == -1 || lstat(dir, &st) == -1) {
		g_set_error(err, VPS_ERROR, VPS_ERROR_FAILED,
		    "cannot make %s: %s", dir, g_strerror(errno));
		return false;
	}
	if (!S_ISDIR(st.st_mode) || st.st_uid != 0 ||
	    (st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
		g_set_error(err, VPS_ERROR, VPS_ERROR_FAILED,
		    "%s is not a directory that only root may write", dir);
		return false;
	}
	return true;
}

bool
vps_root_only(const struct stat *st, bool sticky_ok, GError **err)
{
	if (st->st_uid != 0)
		return vps_failed(err, "not owned by root");
	if ((st->st_mode & (S_IWGRP | S_IWOTH)) != 0 &&
	    !(sticky_ok && S_ISDIR(st->st_mode) &&
	    (st->st_mode & S_ISVTX) != 0))
		return vps_failed(err, "writable by group or others");
	return true;
}

static bool
root_only(const struct stat *st, const char *path, const char *what,
    GError **err)
{
	if (vps_root_only(st, true, NULL))
		return true;
	g_set_error(err, VPS_ERROR, VPS_ERROR_FAILED,
	    "%s %s must be owned by root and writable only by root "
	    "(it is owned by uid %u, mode %04o)", what, path,
	    (unsigned)st->st_uid, (unsigned)(st->st_mode & 07777));
	return false;
}

/* Checks every directory above path (which is changed in place). */
static bool
dirs_trusted(char *path, const char *file, GError **err)
{
	struct stat st;
	char	*slash;

	while ((slash = strrchr(path, '/')) != NULL) {
		slash[slash == path] = '\0';
		if (stat(path, &st) == -1)
			return set_errno_error(err, "cannot stat", path, errno);
		if (!root_only(&st, path, "directory", err)) {
			g_prefix_error(err, "%s is not trusted: ", file);
			return false;
		}
		if (slash == path)
			break;
	}
	return true;
}

int
vps_path_trusted(const char *path, const struct stat *st, GError **err)
{
	g_autofree char *real = NULL, *given = NULL;
	struct stat rst;

	if (!root_only(st, path, S_ISDIR(st->st_mode) ? "directory" : "file",
	    err))
		return -1;
	if ((real = realpath(path, NULL)) == NULL) {
		set_errno_error(err, "cannot resolve", path, errno);
		return -1;
	}
	/* The name must still lead to what was opened and checked. */
	if (stat(real, &rst) == -1) {
		set_errno_error(err, "cannot stat", real, errno);
		return -1;
	}
	if (rst.st_dev != st->st_dev || rst.st_ino != st->st_ino) {
		g_set_error(err, VPS_ERROR, VPS_ERROR_FAILED,
		    "%s changed while it was being checked", path);
		return 0;
	}
	/*
	 * The directories the name passes through as given (each symbolic
	 * link lives in one of them) and those it resolves to.
	 */
	if (g_path_is_absolute(path)) {
		given = g_strdup(path);
		if (!dirs_trusted(given, path, err))
			return -1;
	}
	return dirs_trusted(real, path, err) ? 1 : -1;
}

bool
vps_read_trusted_file(const char *path, size_t maxlen, char **bufp,
    size_t *lenp, GError **err)
{
	struct stat st;
	int	 fd, tries, r;

	/*
	 * A writer that replaces the file (rename) between the open and
	 * the check makes the name lead to another file: read it again.
	 */
	for (tries = 0; tries < TRUST_TRIES; tries++) {
		if ((fd = open_regular(path, &st, err)) == -1)
			return false;
		if (geteuid() != 0)
			return read_fd(fd, path, maxlen, bufp, lenp, err);
		if ((r = vps_path_trusted(path, &st, err)) == 1)
			return read_fd(fd, path, maxlen, bufp, lenp, err);
		close(fd);
		if (r == -1)
			return false;
		if (tries + 1 < TRUST_TRIES)
			g_clear_error(err);
	}
	return false;
}

struct atomic_file *
atomic_file_open(const char *path, mode_t mode, GError **err)
{
	struct atomic_file *af;
	g_autofree char *dir = g_path_get_dirname(path);
	g_autofree char *base = g_path_get_basename(path);

	af = g_new0(struct atomic_file, 1);
	af->path = g_strdup(path);
	af->tmp = g_strdup_printf("%s/.%s.XXXXXX", dir, base);
	af->fd = mkostemp(af->tmp, O_CLOEXEC);
	if (af->fd == -1) {
		set_errno_error(err, "cannot create a temporary file in",
		    dir, errno);
		g_free(af->tmp);
		af->tmp = NULL;
		atomic_file_abort(af);
		return NULL;
	}
	if (fchmod(af->fd, mode) == -1) {
		set_errno_error(err, "cannot chmod", af->tmp, errno);
		atomic_file_abort(af);
		return NULL;
	}
	return af;
}

const char *
atomic_file_tmppath(const struct atomic_file *af)
{
	return af->tmp;
}

bool
atomic_file_write(struct atomic_file *af, const void *buf, size_t len,
    GError **err)
{
	const char *p = buf;
	ssize_t	 n;

	while (len > 0) {
		n = write(af->fd, p, len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return set_errno_error(err, "cannot write", af->tmp,
			    errno);
		p += n;
		len -= (size_t)n;
	}
	return true;
}

bool
atomic_file_chown(struct atomic_file *af, uid_t uid, gid_t gid, GError **err)
{
	if (fchown(af->fd, uid, gid) == -1)
		return set_errno_error(err, "cannot chown", af->tmp, errno);
	return true;
}

/* Makes a rename in the directory of path durable. */
static bool
fsync_parent(const char *path, GError **err)
{
	g_autofree char *dir = g_path_get_dirname(path);
	int	 fd;
	bool	 ok = true;

	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return set_errno_error(err, "cannot open directory", dir,
		    errno);
	if (fsync(fd) == -1)
		ok = set_errno_error(err, "cannot fsync directory", dir,
		    errno);
	close(fd);
	return ok;
}

bool
atomic_file_commit(struct atomic_file *af, GError **err)
{
	int	 fd = af->fd;

	if (fsync(fd) == -1) {
		set_errno_error(err, "cannot fsync", af->tmp, errno);
		goto fail;
	}
	af->fd = -1;
	if (close(fd) == -1) {
		set_errno_error(err, "cannot close", af->tmp, errno);
		goto fail;
	}
	if (rename(af->tmp, af->path) == -1) {
		set_errno_error(err, "cannot rename to", af->path, errno);
		goto fail;
	}
	g_free(af->tmp);
	af->tmp = NULL;
	if (!fsync_parent(af->path, err)) {
		atomic_file_abort(af);
		return false;
	}
	atomic_file_abort(af);
	return true;
fail:
	atomic_file_abort(af);
	return false;
}

void
atomic_file_abort(struct atomic_file *af)
{
	if (af == NULL)
		return;
	if (af->fd != -1)
		close(af->fd);
	if (af->tmp != NULL)
		unlink(af->tmp);
	g_free(af->tmp);
	g_free(af->path);
	g_free(af);
}

/* The XXXXXX that mkostemp(3) puts in a template: [A-Za-z0-9]{6}. */
#define TMP_SUFFIX_LEN	6

/* True if name is ".BASE.XXXXXX", the temp name atomic_file_open makes. */
static bool
is_tmp_name(const char *name, const char *base)
{
	size_t	 blen = strlen(base), i;

	if (strlen(name) != blen + 2 + TMP_SUFFIX_LEN || name[0] != '.' ||
	    strncmp(name + 1, base, blen) != 0 || name[blen + 1] != '.')
		return false;
	for (i = blen + 2; name[i] != '\0'; i++) {
		if (!g_ascii_isalnum(name[i]))
			return false;
	}
	return true;
}

bool
atomic_file_clean_stale(const char *path, unsigned *removed, GError **err)
{
	g_autofree char *dir = g_path_get_dirname(path);
	g_autofree char *base = g_path_get_basename(path);
	struct dirent *de;
	struct stat st;
	DIR	*dh;
	int	 fd;
	bool	 ok = true;

	if (removed != NULL)
		*removed = 0;
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd == -1 || (dh = fdopendir(fd)) == NULL) {
		set_errno_error(err, "cannot open directory", dir, errno);
		if (fd != -1)
			close(fd);
		return false;
	}
	while (ok && (errno = 0, de = readdir(dh)) != NULL) {
		if (!is_tmp_name(de->d_name, base) ||
		    fstatat(fd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) == -1 ||
		    !S_ISREG(st.st_mode) || st.st_uid != geteuid())
			continue;
		if (unlinkat(fd, de->d_name, 0) == 0) {
			if (removed != NULL)
				(*removed)++;
		} else if (errno != ENOENT) {
			g_autofree char *p = g_build_filename(dir, de->d_name,
			    NULL);

			ok = set_errno_error(err, "cannot remove", p, errno);
		}
	}
	if (ok && errno != 0)
		ok = set_errno_error(err, "cannot read directory", dir, errno);
	closedir(dh);
	return ok;
}

bool
vps_file_matches(const char *path, const void *buf, size_t len, mode_t mode)
{
	g_autofree char *old = NULL;
	struct stat st;
	size_t	 oldlen;

	if (lstat(path, &st) == -1 || !S_ISREG(st.st_mode) ||
	    (st.st_mode & 07777) != mode || st.st_uid != geteuid())
		return false;
	if ((size_t)st.st_size != len)
		return false;
	if (!vps_read_file(path, len, &old, &oldlen, NULL))
		return false;
	return oldlen == len && memcmp(old, buf, len) == 0;
}

bool
vps_replace_file(const char *path, const void *buf, size_t len, mode_t mode,
    bool *changed, GError **err)
{
	struct atomic_file *af;

	if (changed != NULL)
		*changed = false;
	if (vps_file_matches(path, buf, len, mode))
		return true;
	if ((af = atomic_file_open(path, mode, err)) == NULL)
		return false;
	if (!atomic_file_write(af, buf, len, err)) {
		atomic_file_abort(af);
		return false;
	}
	if (!atomic_file_commit(af, err))
		return false;
	if (changed != NULL)
		*changed = true;
	return true;
}

bool
vps_write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	ssize_t	 n;

	while (len > 0) {
		if ((n = write(fd, p, len)) == -1) {
			if (errno == EINTR)
				continue;
			return false;
		}
		p += n;
		len -= (size_t)n;
	}
	return true;
}
