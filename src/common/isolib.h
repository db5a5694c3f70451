/*
 * isolib.h: when the ISO library ([vps] iso_dir) may be trusted.
 *
 * A member's cdrom names iso_dir/NAME, which libvirt and QEMU open
 * whenever the VPS starts, long after the member chose it. That is safe
 * only if nobody but root can change what the name refers to: iso_dir
 * and every directory above it owned by root and writable by nobody else
 * (a root-owned sticky directory such as /tmp may be on the way), no
 * symbolic link on the way, and each ISO a regular file owned by root,
 * with one link, writable by nobody else and readable by all (QEMU opens
 * it as its own user; the cdrom's source is never relabelled, see
 * "seclabel" in libvirt's formatdomain documentation). Files are checked
 * on the descriptor that opened them (O_NOFOLLOW), never by name.
 */
#ifndef VPS_ISOLIB_H
#define VPS_ISOLIB_H

#include <stdbool.h>
#include <sys/stat.h>
#include <glib.h>

/*
 * True if a directory with status st on the way to the library (last:
 * the library itself) may be trusted; else false with err
 * (VPS_ERROR_FAILED) saying why ("not a directory").
 */
bool	 isolib_dir_trusted(const struct stat *st, bool last, GError **err);

/*
 * True if an opened ISO with status st may be trusted; else false with
 * err (VPS_ERROR_FAILED) saying why ("has more than one hard link").
 */
bool	 isolib_file_trusted(const struct stat *st, GError **err);

/*
 * Opens the library dir (an absolute path) from "/" down, one directory
 * at a time without following symbolic links, checking each. Returns an
 * O_DIRECTORY descriptor to close(), or -1 with err naming the directory
 * and what is wrong with it (G_FILE_ERROR_NOENT if it does not exist).
 */
int	 isolib_open_dir(const char *dir, GError **err);

/*
 * Opens ISO name (a valid ISO name, names.h) in the library open at dfd
 * (whose path is dir, for messages) with O_NOFOLLOW and O_NONBLOCK, and
 * checks the open file. Returns the descriptor to close(), or -1 with
 * err naming the file and what is wrong with it.
 */
int	 isolib_open_iso(int dfd, const char *dir, const char *name,
	    GError **err);

/*
 * Whether name is a trusted ISO of the trusted library dir (both checked
 * now). False with err saying why not.
 */
bool	 isolib_check(const char *dir, const char *name, GError **err);

/*
 * The trusted ISOs of the trusted library dir, sorted; NULL with err if
 * the library itself is not trusted. Entries that are not ISOs by name
 * (names.h) are ignored; ISOs by name that are not trusted are left out
 * and, if bad is not NULL, added to it as "NAME: why" (g_free'd).
 */
GPtrArray *isolib_list(const char *dir, GPtrArray *bad, GError **err);

/*
 * The library ISO's name if path is iso_dir/NAME with NAME a valid ISO
 * name (the path the menu and create-vps put in a cdrom), else NULL.
 * g_free() it.
 */
char	*isolib_name_of(const char *dir, const char *path);

#endif
