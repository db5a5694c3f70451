/*
 * fuzz-ldapentry.c: validation and merging of LDAP entries (vpsmerge).
 *
 * The input is a little directory, one entry a line:
 *	M<values>			a member entry with these uid values
 *	V<name>\t<owner>\t<vcpus>\t<memory>\t<disk>\t<port>
 *					a vpsInstance entry
 * where values of one attribute are separated by '|' and an empty field
 * is an absent attribute.  A fixed current vps.data (two VPS) is merged
 * with it.  Invariants: the result parses as vps.data (every entry valid,
 * names and ports unique), every owner is a member, every new port is in
 * the range, and VPS kept from the current file keep their port.
 */
#include <string.h>

#include <glib.h>
#include <lber.h>

#include "fuzz.h"
#include "vpsdata.h"
#include "vpsmerge.h"

#define PORT_MIN	5900
#define PORT_MAX	5931

static const char current[] =
    "keep:alice:1:256:1:5905\n"
    "other:bob:2:512:2:5900\n"
    "far:alice:1:256:1:5906:hv2\n";

/* NULL-terminated berval array of the '|'-separated values, or NULL. */
static struct berval **
values(const char *field)
{
	struct berval **bv;
	char	**parts;
	guint	 i, n;

	if (*field == '\0')
		return NULL;
	parts = g_strsplit(field, "|", 8);
	n = g_strv_length(parts);
	bv = g_new0(struct berval *, n + 1);
	for (i = 0; i < n; i++) {
		bv[i] = g_new0(struct berval, 1);
		bv[i]->bv_len = strlen(parts[i]);
		bv[i]->bv_val = g_strdup(parts[i]);
	}
	g_strfreev(parts);
	return bv;
}

static void
values_free(struct berval **bv)
{
	size_t	 i;

	if (bv == NULL)
		return;
	for (i = 0; bv[i] != NULL; i++) {
		g_free(bv[i]->bv_val);
		g_free(bv[i]);
	}
	g_free(bv);
}

static void
add_vps(struct vpsmerge *m, const char *line, unsigned n)
{
	struct berval **vals[VA_COUNT];
	char	**f = g_strsplit(line, "\t", VA_COUNT);
	char	 dn[64];
	int	 i;

	(void)snprintf(dn, sizeof(dn), "vpsName=e%u,ou=vps", n); /* fits */
	for (i = 0; i < VA_COUNT; i++)
		vals[i] = i < (int)g_strv_length(f) ? values(f[i]) : NULL;
	vpsmerge_add_vps(m, dn, (struct berval *const *const *)vals);
	for (i = 0; i < VA_COUNT; i++)
		values_free(vals[i]);
	g_strfreev(f);
}

static void
check(const struct vpsmerge *m, const struct vps_data *cur,
    const struct vps_data *out)
{
	struct vps_data again = VPSDATA_INIT;
	const struct vps_entry *old;
	char	*text;
	size_t	 len, i;

	text = vpsdata_format(out, &len);
	FUZZ_ASSERT(vpsdata_parse(text, len, "merged", &again, NULL));
	FUZZ_ASSERT(again.n == out->n);
	for (i = 0; i < out->n; i++) {
		const struct vps_entry *e = &out->v[i];

		FUZZ_ASSERT(g_hash_table_contains(m->members, e->owner));
		if ((old = vpsdata_find(cur, e->name)) != NULL)
			FUZZ_ASSERT(old->spice_port == e->spice_port &&
			    strcmp(old->host, e->host) == 0);
		else if (vpsdata_find_port(cur, e->spice_port) == NULL)
			FUZZ_ASSERT(e->spice_port >= 1024);
	}
	vpsdata_clear(&again);
	g_free(text);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vps_data cur = VPSDATA_INIT, out = VPSDATA_INIT;
	struct vpsmerge m;
	char	*text = g_strndup((const char *)data, size);
	char	**lines = g_strsplit(text, "\n", 256);
	unsigned n;

	FUZZ_ASSERT(vpsdata_parse(current, sizeof(current) - 1, "cur", &cur,
	    NULL));
	vpsmerge_init(&m);
	for (n = 0; lines[n] != NULL; n++) {
		if (lines[n][0] == 'M') {
			struct berval **uid = values(lines[n] + 1);
			char	 dn[64];

			(void)snprintf(dn, sizeof(dn), "uid=m%u,ou=people",
			    n);	/* fits */
			vpsmerge_add_member(&m, dn,
			    (struct berval *const *)uid, NULL);
			values_free(uid);
		} else if (lines[n][0] == 'V')
			add_vps(&m, lines[n] + 1, n);
	}
	vpsmerge_build(&m, &cur, PORT_MIN, PORT_MAX, &out);
	check(&m, &cur, &out);
	vpsdata_clear(&out);
	vpsdata_clear(&cur);
	vpsmerge_free(&m);
	g_strfreev(lines);
	g_free(text);
	return 0;
}
