/*
 * memberlist.c: the members file, see memberlist.h and vps.data(5).
 */
#include <config.h>

#include <errno.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>

#include "fileio.h"
#include "memberlist.h"
#include "util.h"

static const char memberlist_header[] =
    "# members: one user name a line, written by vpshost; see vps.data(5)\n";

/* Checks one line (without '\n'); a name goes to out. */
static bool
parse_line(const char *raw, size_t len, unsigned lineno, GHashTable *seen,
    GArray *out, GError **err)
{
	struct member m;
	size_t	 skip = 0;
	gpointer first;

	while (skip < len && (raw[skip] == ' ' || raw[skip] == '\t'))
		skip++;
	if (skip == len || raw[skip] == '#')
		return true;
	if (len > VPS_OWNER_MAX)
		return vps_invalid(err, "line too long for a user name");
	memcpy(m.name, raw, len);
	m.name[len] = '\0';
	if (strlen(m.name) != len)
		return vps_invalid(err, "invalid user name: NUL byte");
	if (!vps_owner_valid(m.name, err)) {
		g_prefix_error(err, "invalid user name: ");
		return false;
	}
	if ((first = g_hash_table_lookup(seen, m.name)) != NULL) {
		g_set_error(err, VPS_ERROR, VPS_ERROR_INVALID,
		    "member '%s' is also on line %u", m.name,
		    GPOINTER_TO_UINT(first));
		return false;
	}
	m.line = lineno;
	g_array_append_val(out, m);
	g_hash_table_insert(seen, g_strdup(m.name), GUINT_TO_POINTER(lineno));
	return true;
}

bool
memberlist_parse(const char *buf, size_t len, const char *fname,
    struct member_list *out, GError **err)
{
	g_autoptr(GHashTable) seen = g_hash_table_new_full(g_str_hash,
	    g_str_equal, g_free, NULL);
	GArray	*v = g_array_new(FALSE, FALSE, sizeof(struct member));
	const char *p = buf, *end = buf + len, *nl;
	unsigned lineno = 0;

	while (p < end) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;	/* last line without '\n' */
		lineno++;
		if (!parse_line(p, (size_t)(nl - p), lineno, seen, v, err)) {
			g_prefix_error(err, "%s:%u: ", fname, lineno);
			g_array_unref(v);
			return false;
		}
		p = nl + 1;
	}
	out->v = v;
	return true;
}

bool
memberlist_load(const char *path, struct member_list *out, GError **err)
{
	g_autofree char *buf = NULL;
	GError	*rerr = NULL;
	size_t	 len;

	if (!vps_read_trusted_file(path, MEMBERLIST_SIZE_MAX, &buf, &len, &rerr)) {
		if (!g_error_matches(rerr, G_FILE_ERROR, G_FILE_ERROR_NOENT)) {
			g_propagate_error(err, rerr);
			return false;
		}
		g_error_free(rerr);
		out->v = g_array_new(FALSE, FALSE, sizeof(struct member));
		return true;
	}
	return memberlist_parse(buf, len, path, out, err);
}

const char **
memberlist_names(const struct member_list *l)
{
	guint	 n = l->v != NULL ? l->v->len : 0, i;
	const char **names = g_new(const char *, n + 1);

	for (i = 0; i < n; i++)
		names[i] = g_array_index(l->v, struct member, i).name;
	names[n] = NULL;
	return names;
}

void
memberlist_clear(struct member_list *l)
{
	g_clear_pointer(&l->v, g_array_unref);
}

static int
str_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

char *
memberlist_format(const char *const *names, size_t n, size_t *len)
{
	g_autofree const char **sorted = g_new(const char *, n + 1);
	GString	*s = g_string_new(memberlist_header);
	size_t	 i;

	if (n > 0)
		memcpy(sorted, names, n * sizeof(*names));
	qsort(sorted, n, sizeof(*sorted), str_cmp);
	for (i = 0; i < n; i++)
		g_string_append_printf(s, "%s\n", sorted[i]);
	*len = s->len;
	return g_string_free(s, FALSE);
}

GHashTable *
vps_system_accounts(unsigned min_uid, GError **err)
{
	GHashTable *accounts = g_hash_table_new_full(g_str_hash, g_str_equal,
	    g_free, NULL);
	size_t	 size = 1024;
	char	*buf = g_malloc(size);
	struct passwd pw = { 0 }, *res = NULL;
	int	 rc;

	setpwent();
	for (;;) {
		if ((rc = getpwent_r(&pw, buf, size, &res)) == ERANGE &&
		    size < (1u << 20)) {
			size *= 2;
			buf = g_realloc(buf, size);
			continue;
		}
		if (rc != 0 || res == NULL)
			break;
		/* The first entry of a name is the one getpwnam() gives. */
		if (pw.pw_uid < min_uid &&
		    !g_hash_table_contains(accounts, pw.pw_name))
			g_hash_table_insert(accounts, g_strdup(pw.pw_name),
			    GUINT_TO_POINTER((unsigned)pw.pw_uid));
	}
	endpwent();
	g_free(buf);
	if (rc != 0 && rc != ENOENT) {
		g_set_error(err, VPS_ERROR, VPS_ERROR_FAILED, "cannot read the "
		    "account database: %s", g_strerror(rc));
		g_hash_table_unref(accounts);
		return NULL;
	}
	return accounts;
}

bool
vps_system_account(GHashTable *accounts, const char *name, unsigned *uid)
{
	gpointer v;

	if (accounts == NULL ||
	    !g_hash_table_lookup_extended(accounts, name, NULL, &v))
		return false;
	*uid = GPOINTER_TO_UINT(v);
	return true;
}
