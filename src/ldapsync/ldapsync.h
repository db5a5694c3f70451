/*
 * ldapsync.h: the LDAP side of vps-data-gen: connect (StartTLS with a
 * verified certificate, simple bind), and read members and vpsInstance
 * entries with paged searches (RFC 2696) into a struct vpsmerge.
 *
 * Fail closed: any error of the connection, the bind or a search, a
 * server-side limit (sizeLimitExceeded included), a referral, a missing
 * paged-results response, or a timeout makes the whole read fail, so a
 * partial directory never reaches vps.data.
 */
#ifndef VPS_LDAPSYNC_H
#define VPS_LDAPSYNC_H

#include <stdbool.h>
#include <ldap.h>
#include <glib.h>

#include "vpsconf.h"
#include "vpsmerge.h"

/* The longest password read from bind_password_file. */
#define LDAPSYNC_PASSWORD_MAX	1024

/*
 * Stops libldap from reading ldap.conf, ldaprc, LDAPRC and the LDAP*
 * environment variables: call before any other libldap function.
 */
bool	 ldapsync_noinit(void);

/*
 * Connects to [ldap] uri, applies starttls and binds; NULL with err set
 * on failure. With starttls=try a failed StartTLS is retried without
 * TLS, and warn (may be NULL) says so: a GError that did not stop the
 * connection, for the caller to print as a warning.
 */
LDAP	*ldapsync_open(const struct vps_config *cfg, GError **warn,
	    GError **err);
void	 ldapsync_close(LDAP *ld);

/* The uids of the entries below member_base matching member_filter. */
bool	 ldapsync_read_members(LDAP *ld, const struct vps_config *cfg,
	    struct vpsmerge *m, GError **err);
/* The (objectClass=vpsInstance) entries below base. */
bool	 ldapsync_read_vps(LDAP *ld, const struct vps_config *cfg,
	    struct vpsmerge *m, GError **err);

#endif
