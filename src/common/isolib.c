/*
 * isolib.c: the checks of the ISO library (isolib.h), made on open
 * descriptors: a directory is opened relative to its checked parent with
 * O_NOFOLLOW, an ISO with O_NOFOLLOW | O_NONBLOCK (a FIFO put in its
 * place must not block the caller), then fstat(2) decides.
 */
#include <config.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "isolib.h"
#include "fileio.h"
#include "names.h"
#include "util.h"

bool
isolib_dir_trusted(const struct stat *st, bool last, GError **err)
{
	if (!S_ISDIR(st->st_mode))
		return vps_failed(err, "not a directory");
	/* A sticky directory on the way is fine, not as the library. */
	return vps_root_only(st, !last, err);
}

bool
isolib_file_trusted(const struct stat *st, GError **err)
{
	if (!S_ISREG(st->st_mode))
		return vps_failed(err, "not a regular file");
	if (st->st_uid != 0)
		return vps_failed(err, "not owned by root");
	if (st->st_nlink != 1)
		return vps_failed(err, "has more than one hard link");
	if ((st->st_mode & (S_IWGRP | S_IWOTH)) != 0)
		return vps_failed(err, "writable by group or others");
	if ((st->st_mode & S_IROTH) == 0)
		return vps_failed(err,
		    "not readable by others (QEMU opens it as its own user)");
	return true;
}

/* The error of open(2) of path as a GError: a symbolic link by name. */
static void
open_error(GError **err, const char *what, const char *path, int errnum)
{
	if (errnum == ELOOP || errnum == ENOTDIR)
		g_set_error(err, VPS_ERROR, VPS_ERROR_FAILED, "%s %s: a "
		    "symbolic link or not a directory", what, path);
	else
		g_set_error(err, G_FILE_ERROR, g_file_error_from_errno(errnum),
		    "%s %s: %s", what, path, g_strerror(errnum));
}

/* Checks the directory open at fd (path: for messages); closes it if bad. */
static bool
dir_ok(int fd, const char *dir, const char *path, bool last, GError **err)
{
	struct stat st;

	if (fstat(fd, &st) == -1)
		g_set_error(err, VPS_ERROR, VPS_ERROR_FAILED, "ISO library %s "
		    "is not safe: %s is %s", dir, path, g_strerror(errno));
	else if (isolib_dir_trusted(&st, last, err))
		return true;
	else
		g_prefix_error(err, "ISO library %s is not safe: %s is ", dir,
		    path);
	close(fd);
	return false;
}

int
isolib_open_dir(const char *dir, GError **err)
{
	g_auto(GStrv) parts = NULL;
	g_autoptr(GString) path = g_string_new("");
	int	 fd, next;
	size_t	 i, n;

	if (dir[0] != '/' || strstr(dir, "/../") != NULL ||
	    g_str_has_suffix(dir, "/..")) {
		g_set_error(err, VPS_ERROR, VPS_ERROR_FAILED, "ISO library "
		    "%s: not an absolute path without \"..\"", dir);
		return -1;
	}
	if ((fd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1) {
		open_error(err, "ISO library", "/", errno);
		return -1;
	}
	parts = g_strsplit(dir, "/", -1);
	n = g_strv_length(parts);
	while (n > 0 && (parts[n - 1][0] == '\0' ||
	    strcmp(parts[n - 1], ".") == 0))
		n--;			/* trailing "/" or "/." */
	if (!dir_ok(fd, dir, "/", n <= 1, err))
		return -1;
	for (i = 1; i < n; i++) {
		if (parts[i][0] == '\0' || strcmp(parts[i], ".") == 0)
			continue;
		g_string_append_printf(path, "/%s", parts[i]);
		next = openat(fd, parts[i], O_RDONLY | O_DIRECTORY |
		    O_NOFOLLOW | O_CLOEXEC);
		close(fd);
		if (next == -1) {
			open_error(err, "ISO library", path->str, errno);
			return -1;
		}
		if (!dir_ok(next, dir, path->str, i == n - 1, err))
			return -1;
		fd = next;
	}
	return fd;
}

int
isolib_open_iso(int dfd, const char *dir, const char *name, GError **err)
{
	struct stat st;
	int	 fd;

	if (!vps_iso_name_valid(name, err)) {
		g_prefix_error(err, "ISO %s: ", name);
		return -1;
	}
	fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
	    O_NOCTTY | O_CLOEXEC);
	if (fd == -1) {
		if (errno == ELOOP)
			g_set_error(err, VPS_ERROR, VPS_ERROR_FAILED, "ISO "
			    "%s/%s is not safe: a symbolic link", dir, name);
		else
			open_error(err, "ISO", name, errno);
		return -1;
	}
	if (fstat(fd, &st) == -1)
		g_set_error(err, VPS_ERROR, VPS_ERROR_FAILED, "ISO %s/%s is "
		    "not safe: %s", dir, name, g_strerror(errno));
	else if (isolib_file_trusted(&st, err))
		return fd;
	else
		g_prefix_error(err, "ISO %s/%s is not safe: ", dir, name);
	close(fd);
	return -1;
}

bool
isolib_check(const char *dir, const char *name, GError **err)
{
	int	 dfd, fd;

	if ((dfd = isolib_open_dir(dir, err)) == -1)
		return false;
	fd = isolib_open_iso(dfd, dir, name, err);
	close(dfd);
	if (fd == -1)
		return false;
	close(fd);
	return true;
}

/* g_ptr_array_sort() passes pointers to the elements. */
static gint
name_cmp(gconstpointer a, gconstpointer b)
{
	return g_ascii_strcasecmp(*(const char *const *)a,
	    *(const char *const *)b);
}

/* Adds name to isos if it is a trusted ISO of dfd, else to bad. */
static void
list_one(int dfd, const char *dir, const char *name, GPtrArray *isos,
    GPtrArray *bad)
{
	g_autoptr(GError) e = NULL;
	struct stat st;
	int	 fd;

	if (!vps_iso_name_valid(name, NULL))
		return;
	/* A directory named x.iso is no ISO: left out, as before. */
	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    S_ISDIR(st.st_mode))
		return;
	if ((fd = isolib_open_iso(dfd, dir, name, &e)) != -1) {
		close(fd);
		g_ptr_array_add(isos, g_strdup(name));
	} else if (bad != NULL)
		g_ptr_array_add(bad, g_strdup(e->message));
}

GPtrArray *
isolib_list(const char *dir, GPtrArray *bad, GError **err)
{
	GPtrArray *isos;
	DIR	*d;
	struct dirent *de;
	int	 dfd, lfd;

	if ((dfd = isolib_open_dir(dir, err)) == -1)
		return NULL;
	if ((lfd = dup(dfd)) == -1 || (d = fdopendir(lfd)) == NULL) {
		g_set_error(err, VPS_ERROR, VPS_ERROR_FAILED, "cannot read "
		    "the ISO library %s: %s", dir, g_strerror(errno));
		if (lfd != -1)
			close(lfd);
		close(dfd);
		return NULL;
	}
	isos = g_ptr_array_new_with_free_func(g_free);
	while ((de = readdir(d)) != NULL)
		list_one(dfd, dir, de->d_name, isos, bad);
	closedir(d);
	close(dfd);
	g_ptr_array_sort(isos, name_cmp);
	return isos;
}

char *
isolib_name_of(const char *dir, const char *path)
{
	g_autofree char *base = g_path_get_basename(path);
	g_autofree char *again = g_build_filename(dir, base, NULL);

	if (strcmp(again, path) != 0 || !vps_iso_name_valid(base, NULL))
		return NULL;
	return g_steal_pointer(&base);
}
