/*
 * ldapsync.c: connection, bind and paged searches with libldap.
 *
 * No value read from LDAP or given on the command line is ever put into
 * a search filter: the two filters are [ldap] member_filter, taken as the
 * administrator wrote it, and the constant (objectClass=vpsInstance).
 * So a hostile uid such as "*)(uid=*" cannot widen a search; it is only
 * ever compared, after validation, as a string.
 */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "fileio.h"
#include "ldapsync.h"
#include "pathnames.h"
#include "util.h"

#define VPS_FILTER	"(objectClass=vpsInstance)"

typedef void (*entry_fn)(LDAP *ld, LDAPMessage *e, struct vpsmerge *m);

bool
ldapsync_noinit(void)
{
	return setenv("LDAPNOINIT", "1", 1) == 0;
}

/* libldap's own description of the last error on ld. */
static char *
ld_error(LDAP *ld, int rc)
{
	char	*diag = NULL, *s;

	if (ld != NULL)
		(void)ldap_get_option(ld, LDAP_OPT_DIAGNOSTIC_MESSAGE, &diag);
	if (diag != NULL && *diag != '\0')
		s = g_strdup_printf("%s (%d): %s", ldap_err2string(rc), rc,
		    diag);
	else
		s = g_strdup_printf("%s (%d)", ldap_err2string(rc), rc);
	ldap_memfree(diag);
	return s;
}

static bool
set_opt(LDAP *ld, int opt, const void *val, const char *what, GError **err)
{
	int	 rc = ldap_set_option(ld, opt, val);

	if (rc == LDAP_OPT_SUCCESS)
		return true;
	g_set_error(err, VPS_ERROR, VPS_ERROR_FAILED,
	    "cannot set the LDAP option %s: %s", what, ldap_err2string(rc));
	return false;
}

/*
 * Certificate checks are set on the handle, from vps.conf only: the CA
 * file, a verified certificate whose name matches the URI's host, and
 * TLS 1.2 at least. NEWCTX makes libldap build its TLS context from them.
 */
static bool
set_tls(LDAP *ld, const struct vps_config *cfg, GError **err)
{
	const char *ca = cfg->ca_file != NULL ? cfg->ca_file :
	    SYSTEM_CA_FILE;
	int	 demand = LDAP_OPT_X_TLS_DEMAND;
	int	 tls12 = LDAP_OPT_X_TLS_PROTOCOL_TLS1_2;
	int	 client = 0;

	return set_opt(ld, LDAP_OPT_X_TLS_CACERTFILE, ca, "TLS CA file",
	    err) &&
	    set_opt(ld, LDAP_OPT_X_TLS_REQUIRE_CERT, &demand,
	    "TLS certificate check", err) &&
	    set_opt(ld, LDAP_OPT_X_TLS_PROTOCOL_MIN, &tls12,
	    "TLS minimum version", err) &&
	    set_opt(ld, LDAP_OPT_X_TLS_NEWCTX, &client, "TLS context", err);
}

/* A handle for [ldap] uri with the protocol, timeouts and TLS options. */
static LDAP *
init_handle(const struct vps_config *cfg, GError **err)
{
	LDAP	*ld = NULL;
	int	 v3 = LDAP_VERSION3;
	struct timeval tv = { (time_t)cfg->timeout, 0 };
	int	 rc;

	if ((rc = ldap_initialize(&ld, cfg->ldap_uri)) != LDAP_SUCCESS) {
		g_set_error(err, VPS_ERROR, VPS_ERROR_INVALID,
		    "bad LDAP URI %s: %s", cfg->ldap_uri, ldap_err2string(rc));
		return NULL;
	}
	if (!set_opt(ld, LDAP_OPT_PROTOCOL_VERSION, &v3, "protocol version",
	    err) ||
	    !set_opt(ld, LDAP_OPT_REFERRALS, LDAP_OPT_OFF, "referrals", err) ||
	    !set_opt(ld, LDAP_OPT_NETWORK_TIMEOUT, &tv, "network timeout",
	    err) ||
	    !set_opt(ld, LDAP_OPT_TIMEOUT, &tv, "timeout", err) ||
	    ((cfg->starttls != VPS_STARTTLS_NO ||
	    g_str_has_prefix(cfg->ldap_uri, "ldaps://")) &&
	    !set_tls(ld, cfg, err))) {
		ldap_unbind_ext(ld, NULL, NULL);
		return NULL;
	}
	return ld;
}

static bool
start_tls(LDAP *ld, const struct vps_config *cfg, GError **err)
{
	g_autofree char *why = NULL;
	int	 rc;

	if ((rc = ldap_start_tls_s(ld, NULL, NULL)) == LDAP_SUCCESS)
		return true;
	why = ld_error(ld, rc);
	g_set_error(err, VPS_ERROR, VPS_ERROR_FAILED,
	    "StartTLS with %s failed: %s", cfg->ldap_uri, why);
	return false;
}

/*
 * Reads the password: the whole file, less one trailing newline. The
 * caller wipes it with vps_free_secret().
 */
static char *
read_password(const char *path, GError **err)
{
	char	*pw = NULL;
	size_t	 len;

	if (!vps_read_trusted_file(path, LDAPSYNC_PASSWORD_MAX, &pw, &len, err))
		return NULL;
	if (len > 0 && pw[len - 1] == '\n')
		pw[--len] = '\0';
	if (len == 0 || memchr(pw, '\0', len) != NULL) {
		g_set_error(err, VPS_ERROR, VPS_ERROR_INVALID,
		    "%s: %s", path, len == 0 ? "empty password" :
		    "NUL byte in password");
		vps_free_secret(pw);
		return NULL;
	}
	return pw;
}

/* Simple bind as bind_dn, or anonymous when it is empty. */
static bool
bind_simple(LDAP *ld, const struct vps_config *cfg, GError **err)
{
	struct berval cred = { 0, NULL };
	g_autofree char *why = NULL;
	char	*pw = NULL;
	int	 rc;

	if (cfg->bind_dn != NULL) {
		if (cfg->bind_password_file == NULL) {
			g_set_error(err, VPS_ERROR, VPS_ERROR_INVALID,
			    "[ldap] bind_dn is set but bind_password_file "
			    "is not");
			return false;
		}
		if ((pw = read_password(cfg->bind_password_file, err)) == NULL)
			return false;
		cred.bv_val = pw;
		cred.bv_len = strlen(pw);
	}
	rc = ldap_sasl_bind_s(ld, cfg->bind_dn != NULL ? cfg->bind_dn : "",
	    LDAP_SASL_SIMPLE, &cred, NULL, NULL, NULL);
	vps_free_secret(pw);
	if (rc == LDAP_SUCCESS)
		return true;
	why = ld_error(ld, rc);
	g_set_error(err, VPS_ERROR, VPS_ERROR_FAILED, "bind as %s to %s "
	    "failed: %s", cfg->bind_dn != NULL ? cfg->bind_dn : "anonymous",
	    cfg->ldap_uri, why);
	return false;
}

LDAP *
ldapsync_open(const struct vps_config *cfg, GError **warn, GError **err)
{
	GError	*tlserr = NULL;
	LDAP	*ld;

	if ((ld = init_handle(cfg, err)) == NULL)
		return NULL;
	if (cfg->starttls != VPS_STARTTLS_NO && !start_tls(ld, cfg, &tlserr)) {
		ldapsync_close(ld);
		if (cfg->starttls == VPS_STARTTLS_DEMAND) {
			g_propagate_error(err, tlserr);
			return NULL;
		}
		g_set_error(warn, VPS_ERROR, VPS_ERROR_FAILED, "%s; going on "
		    "without TLS (starttls = try)", tlserr->message);
		g_clear_error(&tlserr);
		if ((ld = init_handle(cfg, err)) == NULL)
			return NULL;
	}
	if (!bind_simple(ld, cfg, err)) {
		ldapsync_close(ld);
		return NULL;
	}
	return ld;
}

void
ldapsync_close(LDAP *ld)
{
	if (ld != NULL)
		ldap_unbind_ext(ld, NULL, NULL);
}

/*
 * The final message of one page: the search must have succeeded and the
 * server must send the paged-results response, whose cookie (empty on
 * the last page) replaces *cookie.
 */
static bool
page_done(LDAP *ld, LDAPMessage *res, const char *base,
    struct berval *cookie, GError **err)
{
	LDAPControl **sctrls = NULL, *pr;
	char	*diag = NULL;
	ber_int_t estimate;
	int	 code, rc;
	bool	 ok = false;

	rc = ldap_parse_result(ld, res, &code, NULL, &diag, NULL, &sctrls, 0);
	if (rc != LDAP_SUCCESS || code != LDAP_SUCCESS) {
		g_set_error(err, VPS_ERROR, VPS_ERROR_FAILED,
		    "search below %s failed: %s (%d)%s%s", base,
		    ldap_err2string(rc != LDAP_SUCCESS ? rc : code),
		    rc != LDAP_SUCCESS ? rc : code,
		    diag != NULL && *diag != '\0' ? ": " : "",
		    diag != NULL ? diag : "");
		goto out;
	}
	pr = ldap_control_find(LDAP_CONTROL_PAGEDRESULTS, sctrls, NULL);
	ber_memfree(cookie->bv_val);
	cookie->bv_val = NULL;
	cookie->bv_len = 0;
	if (pr == NULL ||
	    ldap_parse_pageresponse_control(ld, pr, &estimate, cookie) !=
	    LDAP_SUCCESS) {
		g_set_error(err, VPS_ERROR, VPS_ERROR_FAILED,
		    "search below %s: the server sent no valid paged results "
		    "response", base);
		goto out;
	}
	ok = true;
out:
	ldap_controls_free(sctrls);
	ldap_memfree(diag);
	return ok;
}

/* Waits for the next message of msgid; NULL with err on error. */
static LDAPMessage *
next_message(LDAP *ld, int msgid, const struct vps_config *cfg,
    const char *base, GError **err)
{
	struct timeval tv = { (time_t)cfg->timeout, 0 };
	LDAPMessage *res = NULL;
	g_autofree char *why = NULL;
	int	 rc;

	rc = ldap_result(ld, msgid, LDAP_MSG_ONE, &tv, &res);
	if (rc > 0)
		return res;
	ldap_msgfree(res);
	if (rc == 0) {
		(void)ldap_abandon_ext(ld, msgid, NULL, NULL);
		g_set_error(err, VPS_ERROR, VPS_ERROR_FAILED,
		    "search below %s: no answer within %u s", base,
		    cfg->timeout);
		return NULL;
	}
	(void)ldap_get_option(ld, LDAP_OPT_RESULT_CODE, &rc);
	why = ld_error(ld, rc);
	g_set_error(err, VPS_ERROR, VPS_ERROR_FAILED,
	    "search below %s failed: %s", base, why);
	return NULL;
}

/*
 * One page: sends the search with the paged-results control (critical,
 * so a server without paging refuses rather than truncates) and hands
 * each entry to fn as it arrives.
 */
static bool
search_page(LDAP *ld, const struct vps_config *cfg, const char *base,
    const char *filter, char **attrs, entry_fn fn, struct vpsmerge *m,
    struct berval *cookie, GError **err)
{
	LDAPControl *ctrls[2] = { NULL, NULL };
	LDAPMessage *res = NULL;
	struct timeval tv = { (time_t)cfg->timeout, 0 };
	g_autofree char *why = NULL;
	int	 msgid, rc;
	bool	 ok = false;

	rc = ldap_create_page_control(ld, (ber_int_t)cfg->page_size, cookie,
	    1, &ctrls[0]);
	if (rc == LDAP_SUCCESS)
		rc = ldap_search_ext(ld, base, LDAP_SCOPE_SUBTREE, filter,
		    attrs, 0, ctrls, NULL, &tv, LDAP_NO_LIMIT, &msgid);
	if (rc != LDAP_SUCCESS) {
		why = ld_error(ld, rc);
		g_set_error(err, VPS_ERROR, VPS_ERROR_FAILED,
		    "search below %s failed: %s", base, why);
		goto out;
	}
	while ((res = next_message(ld, msgid, cfg, base, err)) != NULL) {
		switch (ldap_msgtype(res)) {
		case LDAP_RES_SEARCH_ENTRY:
			fn(ld, res, m);
			break;
		case LDAP_RES_SEARCH_REFERENCE:
			g_set_error(err, VPS_ERROR, VPS_ERROR_FAILED,
			    "search below %s returned a referral, which is "
			    "not followed", base);
			(void)ldap_abandon_ext(ld, msgid, NULL, NULL);
			goto out;
		case LDAP_RES_SEARCH_RESULT:
			ok = page_done(ld, res, base, cookie, err);
			goto out;
		default:	/* intermediate responses: not used here */
			break;
		}
		ldap_msgfree(res);
	}
out:
	ldap_msgfree(res);
	ldap_control_free(ctrls[0]);
	return ok;
}

/* A whole paged search: pages until the server's cookie is empty. */
static bool
search_paged(LDAP *ld, const struct vps_config *cfg, const char *base,
    const char *filter, char **attrs, entry_fn fn, struct vpsmerge *m,
    GError **err)
{
	struct berval cookie = { 0, NULL };
	bool	 ok;

	do {
		ok = search_page(ld, cfg, base, filter, attrs, fn, m, &cookie,
		    err);
	} while (ok && cookie.bv_len > 0);
	ber_memfree(cookie.bv_val);
	return ok;
}

static void
member_entry(LDAP *ld, LDAPMessage *e, struct vpsmerge *m)
{
	char	*dn = ldap_get_dn(ld, e);
	struct berval **vals = ldap_get_values_len(ld, e, VPSMERGE_UID_ATTR);
	struct berval **num = ldap_get_values_len(ld, e,
	    VPSMERGE_UIDNUMBER_ATTR);

	vpsmerge_add_member(m, dn != NULL ? dn : "(no DN)", vals, num);
	ldap_value_free_len(vals);
	ldap_value_free_len(num);
	ldap_memfree(dn);
}

static void
vps_entry(LDAP *ld, LDAPMessage *e, struct vpsmerge *m)
{
	char	*dn = ldap_get_dn(ld, e);
	struct berval **vals[VA_COUNT];
	size_t	 i;

	for (i = 0; i < VA_COUNT; i++)
		vals[i] = ldap_get_values_len(ld, e, vpsmerge_attrs[i]);
	(void)vpsmerge_add_vps(m, dn != NULL ? dn : "(no DN)",
	    (struct berval *const *const *)vals);
	for (i = 0; i < VA_COUNT; i++)
		ldap_value_free_len(vals[i]);
	ldap_memfree(dn);
}

bool
ldapsync_read_members(LDAP *ld, const struct vps_config *cfg,
    struct vpsmerge *m, GError **err)
{
	char	*attrs[] = { (char *)VPSMERGE_UID_ATTR,
		(char *)VPSMERGE_UIDNUMBER_ATTR, NULL };

	return search_paged(ld, cfg, cfg->member_base, cfg->member_filter,
	    attrs, member_entry, m, err);
}

bool
ldapsync_read_vps(LDAP *ld, const struct vps_config *cfg, struct vpsmerge *m,
    GError **err)
{
	return search_paged(ld, cfg, cfg->ldap_base, VPS_FILTER,
	    (char **)vpsmerge_attrs, vps_entry, m, err);
}
