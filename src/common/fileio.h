/*
 * fileio.h: reading a whole file with a size bound, and replacing a file
 * atomically (temp file in the same directory, fsync, rename, fsync of
 * the directory), so that a reader sees the old or the new content and
 * never a part.
 */
#ifndef VPS_FILEIO_H
#define VPS_FILEIO_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <glib.h>

/*
 * Reads the regular file at path (at most maxlen bytes, else an error).
 * The buffer is NUL-terminated after *len bytes; free it with g_free().
 * A missing file is G_FILE_ERROR_NOENT in the G_FILE_ERROR domain.
 */
bool	 vps_read_file(const char *path, size_t maxlen, char **buf,
	    size_t *len, GError **err);

/*
 * The same for a file that root relies on (vps.conf, vps.data, the members
 * file, the LDAP password): when the caller is root, the opened file and
 * every directory above it (symbolic links resolved) must be owned by root
 * and writable by nobody else (a root-owned sticky directory such as /tmp
 * is accepted), else VPS_ERROR_FAILED naming the culprit.
 */
bool	 vps_read_trusted_file(const char *path, size_t maxlen, char **buf,
	    size_t *len, GError **err);

/*
 * The check itself, for path whose opened file or directory st describes
 * (from fstat of the descriptor that will be used): 1 trusted, -1 not (err
 * says why), 0 if path no longer leads to that file (replaced meanwhile:
 * open it again).
 */
int	 vps_path_trusted(const char *path, const struct stat *st,
	    GError **err);

/*
 * True if st is root's alone; else false with err (VPS_ERROR_FAILED)
 * saying why: "not owned by root", "writable by group or others". With
 * sticky_ok a root-owned sticky directory may be writable by others:
 * they cannot rename or remove root's entries there.
 */
bool	 vps_root_only(const struct stat *st, bool sticky_ok, GError **err);

/*
 * Makes the directory dir (and its parents, 0755) if missing, and checks
 * that it is a directory (not a symlink) that root owns and only root
 * may write: for the root side's state under VPS_RUNDIR.
 */
bool	 vps_root_dir(const char *dir, GError **err);

struct atomic_file;

/*
 * Creates the temp file ".NAME.XXXXXX" beside path with the given mode.
 * Its name has a leading dot and a '.', so neither sudo's includedir nor
 * sshd's "Include *.conf" ever reads it.
 */
struct atomic_file *atomic_file_open(const char *path, mode_t mode,
	    GError **err);
const char *atomic_file_tmppath(const struct atomic_file *af);
bool	 atomic_file_write(struct atomic_file *af, const void *buf,
	    size_t len, GError **err);
/* Sets owner and group of the temp file (before commit). */
bool	 atomic_file_chown(struct atomic_file *af, uid_t uid, gid_t gid,
	    GError **err);
/* fsync, close, rename over path, fsync the directory. Frees af. */
bool	 atomic_file_commit(struct atomic_file *af, GError **err);
/* Removes the temp file and frees af; NULL is fine. */
void	 atomic_file_abort(struct atomic_file *af);

/*
 * Removes the temp files ".NAME.XXXXXX" of path that a writer killed
 * before its rename left behind: only names of exactly that pattern, only
 * regular files owned by the caller, never following a symlink. Call it
 * only while holding the lock that serialises the writers of path, or a
 * live writer's temp file would go. *removed (may be NULL) counts them.
 */
bool	 atomic_file_clean_stale(const char *path, unsigned *removed,
	    GError **err);

/*
 * True if path holds exactly buf[len] with the given mode, owned by the
 * current user: writing it again would change nothing.
 */
bool	 vps_file_matches(const char *path, const void *buf, size_t len,
	    mode_t mode);

/*
 * Replaces path with buf[len] unless it already matches; *changed tells
 * which (may be NULL).
 */
bool	 vps_replace_file(const char *path, const void *buf, size_t len,
	    mode_t mode, bool *changed, GError **err);

/*
 * Writes all of buf[len] to fd, again after EINTR and short writes;
 * false (errno set) on an error, EPIPE when the reader is gone.
 */
bool	 vps_write_all(int fd, const void *buf, size_t len);

#endif
