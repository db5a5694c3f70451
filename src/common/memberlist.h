/*
 * memberlist.h: the members file ([vps] members), written by vps-data-gen
 * and read by sudoers-gen: every current member, one user name a line,
 * sorted, with '#' comment lines and blank lines allowed:
 *
 *	# members: one user name a line, written by vpshost; see vps.data(5)
 *	alice
 *	bob
 *
 * Any invalid line (not a valid user name, a name twice) makes the whole
 * file invalid: readers fail closed with "FILE:LINE: reason".
 */
#ifndef VPS_MEMBERLIST_H
#define VPS_MEMBERLIST_H

#include <stdbool.h>
#include <stddef.h>
#include <glib.h>

#include "names.h"

#define MEMBERLIST_MODE		0640
#define MEMBERLIST_SIZE_MAX	(16u << 20)	/* bytes of the whole file */

struct member {
	char	 name[VPS_OWNER_MAX + 1];
	unsigned line;			/* line in the file */
};

struct member_list {
	GArray	*v;			/* struct member, in file order */
};

#define MEMBERLIST_INIT	{ NULL }

/* Parses buf[len]; fname is used in error messages. */
bool	 memberlist_parse(const char *buf, size_t len, const char *fname,
	    struct member_list *out, GError **err);
/*
 * Reads and parses the file at path. A missing file is an empty list:
 * then the owners in vps.data are all the members there are.
 */
bool	 memberlist_load(const char *path, struct member_list *out,
	    GError **err);
/* The names of l, NULL-terminated (g_free the array, not the names). */
const char **memberlist_names(const struct member_list *l);
void	 memberlist_clear(struct member_list *l);

/*
 * The file text of names[n] (valid user names), sorted, with a header
 * comment. Free with g_free().
 */
char	*memberlist_format(const char *const *names, size_t n, size_t *len);

/*
 * The local system accounts, such as root, that must never own a VPS or
 * get member rules: every account getpwent(3) lists with a uid below
 * min_uid, as name -> GUINT_TO_POINTER(uid). One pass over the account
 * database, where a getpwnam(3) per member costs about 50 us with
 * Debian's "passwd: files systemd" (half a second for 10,000 members).
 * NULL with err if the database cannot be read.
 */
GHashTable *vps_system_accounts(unsigned min_uid, GError **err);
/* True, with *uid, if name is in accounts (NULL: none). */
bool	 vps_system_account(GHashTable *accounts, const char *name,
	    unsigned *uid);

#endif
