/*
 * vpsmerge.c: validation of LDAP entries and the merge into vps.data.
 */
#include <config.h>

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "memberlist.h"
#include "names.h"
#include "util.h"
#include "portalloc.h"
#include "vpsmerge.h"

/* A value longer than this is invalid whatever its kind. */
#define VALUE_MAX	64

const char *const vpsmerge_attrs[VA_COUNT + 1] = {
	"vpsName", "vpsOwner", "vpsVcpus", "vpsMemory", "vpsDisk",
	"vpsSpicePort", "vpsHost", NULL
};

/* The attribute of each field of vpsdata_entry_parse(). */
static const enum vps_attr field_attr[VPS_FIELD_COUNT] = {
	[VPS_FIELD_NAME] = VA_NAME,
	[VPS_FIELD_OWNER] = VA_OWNER,
	[VPS_FIELD_VCPUS] = VA_VCPUS,
	[VPS_FIELD_MEMORY] = VA_MEMORY,
	[VPS_FIELD_DISK] = VA_DISK,
	[VPS_FIELD_PORT] = VA_PORT,
	[VPS_FIELD_HOST] = VA_HOST,
};

struct vps_candidate {
	struct vps_entry e;
	char	*dn;		/* for display: sanitised */
	bool	 ldap_port;	/* e.spice_port is vpsSpicePort */
	bool	 ldap_host;	/* e.host is a non-empty vpsHost */
	bool	 skip;
};

static void
candidate_free(gpointer p)
{
	struct vps_candidate *c = p;

	g_free(c->dn);
	g_free(c);
}

void
vpsmerge_init(struct vpsmerge *m)
{
	m->cand = g_ptr_array_new_with_free_func(candidate_free);
	m->members = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
	    g_free);
	m->system = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
	    g_free);
	m->warnings = g_ptr_array_new_with_free_func(g_free);
	m->errors = g_ptr_array_new_with_free_func(g_free);
	m->handovers = g_ptr_array_new_with_free_func(g_free);
	m->min_uid = 1000;
	m->local = NULL;
	m->cfg = NULL;
	m->room = NULL;
	m->room_ctx = NULL;
}

void
vpsmerge_free(struct vpsmerge *m)
{
	g_clear_pointer(&m->cand, g_ptr_array_unref);
	g_clear_pointer(&m->members, g_hash_table_destroy);
	g_clear_pointer(&m->system, g_hash_table_destroy);
	g_clear_pointer(&m->warnings, g_ptr_array_unref);
	g_clear_pointer(&m->errors, g_ptr_array_unref);
	g_clear_pointer(&m->handovers, g_ptr_array_unref);
}

/* A DN as it may be shown: no control or non-ASCII bytes. */
static char *
display_dn(const char *dn)
{
	size_t	 size = strlen(dn) + 1;
	char	*s = g_malloc(size);

	vps_sanitize_display(dn, s, size);
	return s;
}

static void G_GNUC_PRINTF(2, 3)
note(GPtrArray *to, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	g_ptr_array_add(to, g_strdup_vprintf(fmt, ap));
	va_end(ap);
}

/*
 * Copies the one value of attr into buf[size] as a string. An absent,
 * multi-valued, too long or NUL-containing value is an error.
 */
static bool
single_value(struct berval *const *vals, const char *attr, char *buf,
    size_t size, GError **err)
{
	if (vals == NULL || vals[0] == NULL) {
		g_set_error(err, VPS_ERROR, VPS_ERROR_INVALID, "no %s", attr);
		return false;
	}
	if (vals[1] != NULL) {
		g_set_error(err, VPS_ERROR, VPS_ERROR_INVALID,
		    "%s has more than one value", attr);
		return false;
	}
	if (vals[0]->bv_len >= size) {
		g_set_error(err, VPS_ERROR, VPS_ERROR_INVALID,
		    "%s is too long", attr);
		return false;
	}
	if (memchr(vals[0]->bv_val, '\0', vals[0]->bv_len) != NULL) {
		g_set_error(err, VPS_ERROR, VPS_ERROR_INVALID,
		    "%s contains a NUL byte", attr);
		return false;
	}
	memcpy(buf, vals[0]->bv_val, vals[0]->bv_len);
	buf[vals[0]->bv_len] = '\0';
	return true;
}

static bool
present(struct berval *const *vals)
{
	return vals != NULL && vals[0] != NULL;
}

/*
 * Fills c->e from the values of one vpsInstance entry, whose vpsSpicePort
 * and vpsHost may be absent.
 */
static bool
parse_vps(struct berval *const *const vals[VA_COUNT],
    struct vps_candidate *c, GError **err)
{
	char	 v[VA_COUNT][VALUE_MAX + 1];
	struct vps_entry_text t;
	enum vps_field bad;
	size_t	 i;

	for (i = 0; i < VA_COUNT; i++) {
		if ((i == VA_PORT || i == VA_HOST) && !present(vals[i]))
			continue;
		if (!single_value(vals[i], vpsmerge_attrs[i], v[i],
		    sizeof(v[i]), err))
			return false;
	}
	t = (struct vps_entry_text){ .name = v[VA_NAME], .owner = v[VA_OWNER],
	    .vcpus = v[VA_VCPUS], .memory = v[VA_MEMORY], .disk = v[VA_DISK],
	    .port = present(vals[VA_PORT]) ? v[VA_PORT] : NULL,
	    .host = present(vals[VA_HOST]) ? v[VA_HOST] : NULL };
	if (!vpsdata_entry_parse(&c->e, &t, &bad, err)) {
		g_prefix_error(err, "%s: ", vpsmerge_attrs[field_attr[bad]]);
		return false;
	}
	c->ldap_port = present(vals[VA_PORT]);
	c->ldap_host = c->e.host[0] != '\0';
	return true;
}

bool
vpsmerge_add_vps(struct vpsmerge *m, const char *dn,
    struct berval *const *const vals[VA_COUNT])
{
	struct vps_candidate *c = g_new0(struct vps_candidate, 1);
	GError	*err = NULL;

	c->dn = display_dn(dn);
	if (!parse_vps(vals, c, &err)) {
		note(m->warnings, "%s: skipped: %s", c->dn, err->message);
		g_error_free(err);
		candidate_free(c);
		return false;
	}
	g_ptr_array_add(m->cand, c);
	return true;
}

/*
 * The reason uid is a system account, or NULL: its uidNumber (when the
 * entry has one) or its local account has a uid below min_uid.
 */
static char *
system_reason(const struct vpsmerge *m, const char *uid, bool has_number,
    unsigned long long number)
{
	unsigned local;

	if (has_number && number < m->min_uid)
		return g_strdup_printf("uidNumber %llu < %u", number,
		    m->min_uid);
	if (vps_system_account(m->local, uid, &local))
		return g_strdup_printf("local uid %u < %u", local, m->min_uid);
	return NULL;
}

/* The uidNumber of a member entry, if it has one. */
static bool
uid_number(struct berval *const *vals, bool *has, unsigned long long *v,
    GError **err)
{
	char	 buf[VALUE_MAX + 1];

	*has = vals != NULL && vals[0] != NULL;
	if (!*has)
		return true;
	if (!single_value(vals, VPSMERGE_UIDNUMBER_ATTR, buf, sizeof(buf),
	    err))
		return false;
	if (!vps_parse_uint(buf, 0, G_MAXUINT32, v, err)) {
		g_prefix_error(err, "%s: ", VPSMERGE_UIDNUMBER_ATTR);
		return false;
	}
	return true;
}

void
vpsmerge_add_member(struct vpsmerge *m, const char *dn,
    struct berval *const *vals, struct berval *const *numvals)
{
	char	 uid[VALUE_MAX + 1];
	const char *first;
	g_autofree char *ddn = display_dn(dn);
	g_autoptr(GError) err = NULL;
	char	*sys;
	unsigned long long number = 0;
	bool	 has_number;

	if (!single_value(vals, VPSMERGE_UID_ATTR, uid, sizeof(uid), &err) ||
	    !uid_number(numvals, &has_number, &number, &err)) {
		note(m->warnings, "%s: member skipped: %s", ddn, err->message);
		return;
	}
	if (!vps_owner_valid(uid, &err)) {
		note(m->warnings, "%s: member skipped: uid: %s", ddn,
		    err->message);
		return;
	}
	if ((sys = system_reason(m, uid, has_number, number)) != NULL) {
		/* Whatever other entry names uid, it is no member. */
		note(m->warnings, "%s: member '%s' left out: a system account "
		    "(%s)", ddn, uid, sys);
		g_hash_table_remove(m->members, uid);
		g_hash_table_replace(m->system, g_strdup(uid), sys);
		return;
	}
	if (g_hash_table_contains(m->system, uid))
		return;
	if ((first = g_hash_table_lookup(m->members, uid)) != NULL) {
		note(m->warnings, "%s: uid '%s' also in %s", ddn, uid, first);
		return;
	}
	g_hash_table_insert(m->members, g_strdup(uid), g_steal_pointer(&ddn));
}

static int
str_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

const char **
vpsmerge_members(const struct vpsmerge *m, size_t *n)
{
	guint	 len;
	const char **names = (const char **)g_hash_table_get_keys_as_array(
	    m->members, &len);

	qsort(names, len, sizeof(*names), str_cmp);
	*n = len;
	return names;
}

static int
cand_cmp_name(const void *a, const void *b)
{
	const struct vps_candidate *x = *(const struct vps_candidate *const *)a;
	const struct vps_candidate *y = *(const struct vps_candidate *const *)b;
	int	 r = strcmp(x->e.name, y->e.name);

	return r != 0 ? r : strcmp(x->dn, y->dn);
}

static int
cand_cmp_port(const void *a, const void *b)
{
	const struct vps_candidate *x = *(const struct vps_candidate *const *)a;
	const struct vps_candidate *y = *(const struct vps_candidate *const *)b;

	if (x->e.spice_port != y->e.spice_port)
		return x->e.spice_port < y->e.spice_port ? -1 : 1;
	return cand_cmp_name(a, b);
}

/* The DNs of c[from..to) as "DN1, DN2, ...". */
static char *
dn_list(struct vps_candidate *const *c, size_t from, size_t to)
{
	GString	*s = g_string_new(NULL);
	size_t	 i;

	for (i = from; i < to; i++)
		g_string_append_printf(s, "%s%s", i > from ? ", " : "",
		    c[i]->dn);
	return g_string_free(s, FALSE);
}

/*
 * Marks every entry of a group (a run of equal keys in the sorted c[])
 * as skipped when the group has more than one entry.
 */
static void
skip_groups(struct vpsmerge *m, struct vps_candidate **c, size_t n,
    GCompareFunc same, const char *what)
{
	size_t	 i, j;

	for (i = 0; i < n; i = j) {
		for (j = i + 1; j < n && same(c[i], c[j]) == 0; j++)
			;
		if (j - i > 1) {
			g_autofree char *dns = dn_list(c, i, j);

			note(m->warnings, "%s shared by %s: all skipped", what,
			    dns);
			for (; i < j; i++)
				c[i]->skip = true;
		}
	}
}

static int
same_name(gconstpointer a, gconstpointer b)
{
	return strcmp(((const struct vps_candidate *)a)->e.name,
	    ((const struct vps_candidate *)b)->e.name);
}

static int
same_port(gconstpointer a, gconstpointer b)
{
	return ((const struct vps_candidate *)a)->e.spice_port !=
	    ((const struct vps_candidate *)b)->e.spice_port;
}

/* Duplicate names, then owners that are not members (system accounts). */
static void
filter_names_owners(struct vpsmerge *m)
{
	struct vps_candidate **c = (struct vps_candidate **)m->cand->pdata;
	size_t	 i, n = m->cand->len;

	if (n > 1)	/* pdata is NULL while the array is empty */
		qsort(c, n, sizeof(*c), cand_cmp_name);
	skip_groups(m, c, n, same_name, "vpsName");
	for (i = 0; i < n; i++) {
		const char *sys = g_hash_table_lookup(m->system,
		    c[i]->e.owner);

		if (c[i]->skip ||
		    g_hash_table_contains(m->members, c[i]->e.owner))
			continue;
		c[i]->skip = true;
		if (sys != NULL) {
			note(m->warnings, "%s: VPS '%s' left out: owner '%s' "
			    "is a system account (%s)", c[i]->dn, c[i]->e.name,
			    c[i]->e.owner, sys);
			continue;
		}
		note(m->warnings, "%s: VPS '%s' left out: owner '%s' is not "
		    "a member", c[i]->dn, c[i]->e.name, c[i]->e.owner);
	}
}

/*
 * VPS in cur keep their port. New VPS with a vpsSpicePort keep it if no
 * other entry claims it and vps.data does not use it.
 */
static void
keep_ports(struct vpsmerge *m, const struct vps_data *cur,
    struct portalloc *pa)
{
	struct vps_candidate **c = (struct vps_candidate **)m->cand->pdata;
	g_autoptr(GPtrArray) claims = g_ptr_array_new();
	const struct vps_entry *old;
	size_t	 i, n = m->cand->len;

	for (i = 0; i < cur->n; i++)
		portalloc_reserve(pa, cur->v[i].spice_port);
	for (i = 0; i < n; i++) {
		if (c[i]->skip)
			continue;
		if ((old = vpsdata_find(cur, c[i]->e.name)) != NULL) {
			if (c[i]->ldap_port &&
			    c[i]->e.spice_port != old->spice_port)
				note(m->warnings, "%s: vpsSpicePort %u ignored: "
				    "VPS '%s' keeps port %u of vps.data",
				    c[i]->dn, c[i]->e.spice_port, old->name,
				    old->spice_port);
			c[i]->e.spice_port = old->spice_port;
		} else if (c[i]->ldap_port)
			g_ptr_array_add(claims, c[i]);
	}
	c = (struct vps_candidate **)claims->pdata;
	if (claims->len > 1)
		qsort(c, claims->len, sizeof(*c), cand_cmp_port);
	skip_groups(m, c, claims->len, same_port, "vpsSpicePort");
	for (i = 0; i < claims->len; i++) {
		if (c[i]->skip || portalloc_reserve(pa, c[i]->e.spice_port))
			continue;
		old = vpsdata_find_port(cur, c[i]->e.spice_port);
		note(m->warnings, "%s: skipped: vpsSpicePort %u is used by "
		    "VPS '%s' in vps.data", c[i]->dn, c[i]->e.spice_port,
		    old != NULL ? old->name : "?");
		c[i]->skip = true;
	}
}

/* A host as the notes name it; g_free the result. */
static char *
host_shown(const char *host)
{
	if (host[0] == '\0')
		return g_strdup("the local host");
	return g_strdup_printf("host '%s'", host);
}

/*
 * VPS in cur stay on their host, whatever vpsHost says: a sync never moves
 * a VPS (its disk and domain are on that host). A new VPS goes to its
 * vpsHost, which must be a [host NAME] of vps.conf.
 */
static void
keep_hosts(struct vpsmerge *m, const struct vps_data *cur)
{
	struct vps_candidate **c = (struct vps_candidate **)m->cand->pdata;
	const struct vps_entry *old;
	size_t	 i, n = m->cand->len;

	for (i = 0; i < n; i++) {
		if (c[i]->skip)
			continue;
		if ((old = vpsdata_find(cur, c[i]->e.name)) != NULL) {
			if (c[i]->ldap_host &&
			    strcmp(c[i]->e.host, old->host) != 0) {
				g_autofree char *on = host_shown(old->host);

				note(m->warnings, "%s: vpsHost '%s' ignored: "
				    "VPS '%s' stays on %s of vps.data (moving "
				    "a VPS is an administrator's act)",
				    c[i]->dn, c[i]->e.host, old->name, on);
			}
			vps_strlcpy(c[i]->e.host, old->host,
			    sizeof(c[i]->e.host));
			if (m->cfg != NULL && old->host[0] != '\0' &&
			    config_host(m->cfg, old->host) == NULL)
				note(m->warnings, "%s: VPS '%s' is on host "
				    "'%s', which has no [host %s] group in "
				    "vps.conf", c[i]->dn, old->name, old->host,
				    old->host);
			continue;
		}
		if (m->cfg == NULL || c[i]->e.host[0] == '\0' ||
		    config_host(m->cfg, c[i]->e.host) != NULL)
			continue;
		note(m->warnings, "%s: skipped: vpsHost '%s' has no [host %s] "
		    "group in vps.conf", c[i]->dn, c[i]->e.host, c[i]->e.host);
		c[i]->skip = true;
	}
}

/*
 * The candidates of placement.h, local first, each with its room; a host
 * whose room cannot be read is no candidate, and a warning says why.
 */
static struct place_host *
place_hosts(struct vpsmerge *m, size_t *n)
{
	const struct vps_config *cfg = m->cfg;
	struct place_host *p = g_new0(struct place_host, cfg->nhosts + 1);
	size_t	 i;

	for (i = 0; i <= cfg->nhosts; i++) {
		const struct vps_host *h = i == 0 ? NULL : &cfg->hosts[i - 1];
		GError	*err = NULL;

		p[i].name = h != NULL ? h->name : "";
		p[i].known = m->room(m->room_ctx, cfg, h, &p[i].room, &err);
		if (!p[i].known) {
			g_autofree char *on = host_shown(p[i].name);

			note(m->warnings, "%s takes no new VPS in this run: %s",
			    on, err->message);
			g_error_free(err);
		}
	}
	*n = cfg->nhosts + 1;
	return p;
}

/* Whether c is placed: new, without vpsHost, and there are hosts. */
static bool
needs_place(const struct vpsmerge *m, const struct vps_candidate *c,
    const struct vps_data *cur)
{
	return m->cfg != NULL && m->cfg->nhosts > 0 && m->room != NULL &&
	    !c->ldap_host && vpsdata_find(cur, c->e.name) == NULL;
}

bool
vpsmerge_needs_place(const struct vpsmerge *m, const struct vps_data *cur)
{
	guint	 i;

	for (i = 0; i < m->cand->len; i++) {
		if (needs_place(m, m->cand->pdata[i], cur))
			return true;
	}
	return false;
}

/*
 * A new VPS without vpsHost, when vps.conf has [host NAME] groups: the
 * host with the most room for its disk (placement.h); the rooms are read
 * once, when the first such VPS comes. False, with a warning, if no host
 * has room: the VPS is left out until a sync finds some.
 */
static bool
place_new(struct vpsmerge *m, struct vps_candidate *c,
    const struct vps_data *cur, struct place_host **hosts, size_t *n)
{
	uint64_t size = (uint64_t)c->e.disk_gib << 30;
	int	 i;

	if (!needs_place(m, c, cur))
		return true;
	if (*hosts == NULL)
		*hosts = place_hosts(m, n);
	if ((i = place_choose(*hosts, *n, size)) == -1) {
		note(m->warnings, "%s: VPS '%s' skipped: no host has room for "
		    "its disk of %u GiB (tried again at the next sync)", c->dn,
		    c->e.name, c->e.disk_gib);
		return false;
	}
	vps_strlcpy(c->e.host, (*hosts)[i].name, sizeof(c->e.host));
	return true;
}

/*
 * An existing VPS whose owner changes: its disk would pass to another
 * member, which only an administrator may decide.
 */
static void
note_handover(struct vpsmerge *m, const struct vps_candidate *c,
    const struct vps_data *cur)
{
	const struct vps_entry *old = vpsdata_find(cur, c->e.name);

	if (old != NULL && strcmp(old->owner, c->e.owner) != 0)
		note(m->handovers, "%s: VPS '%s' changes owner from '%s' to "
		    "'%s'", c->dn, c->e.name, old->owner, c->e.owner);
}

void
vpsmerge_build(struct vpsmerge *m, const struct vps_data *cur,
    unsigned port_min, unsigned port_max, struct vps_data *out)
{
	struct vps_candidate **c;
	struct portalloc *pa = g_new(struct portalloc, 1);
	struct place_host *hosts = NULL;
	GError	*err = NULL;
	size_t	 i, nhosts = 0;

	portalloc_init(pa);
	filter_names_owners(m);
	keep_hosts(m, cur);
	keep_ports(m, cur, pa);
	/* keep_ports sorted only its own list: m->cand is in name order. */
	c = (struct vps_candidate **)m->cand->pdata;
	for (i = 0; i < m->cand->len; i++) {
		if (c[i]->skip || !place_new(m, c[i], cur, &hosts, &nhosts))
			continue;
		if (c[i]->e.spice_port == 0 && (c[i]->e.spice_port =
		    portalloc_take(pa, port_min, port_max)) == 0) {
			note(m->errors, "%s: VPS '%s' left out: no free spice "
			    "port in %u-%u", c[i]->dn, c[i]->e.name, port_min,
			    port_max);
			continue;
		}
		if (!vpsdata_add(out, &c[i]->e, &err)) {
			note(m->errors, "%s: VPS '%s' left out: %s", c[i]->dn,
			    c[i]->e.name, err->message);
			g_clear_error(&err);
			continue;
		}
		note_handover(m, c[i], cur);
	}
	g_free(hosts);
	g_free(pa);
}

static bool
entry_equal(const struct vps_entry *a, const struct vps_entry *b)
{
	return strcmp(a->owner, b->owner) == 0 && a->vcpus == b->vcpus &&
	    a->memory_mib == b->memory_mib && a->disk_gib == b->disk_gib &&
	    a->spice_port == b->spice_port && strcmp(a->host, b->host) == 0;
}

void
vpsmerge_diff(const struct vps_data *cur, const struct vps_data *out,
    struct vpsmerge_diff *diff)
{
	const struct vps_entry *old;
	size_t	 i, kept = 0;

	memset(diff, 0, sizeof(*diff));
	for (i = 0; i < out->n; i++) {
		if ((old = vpsdata_find(cur, out->v[i].name)) == NULL)
			diff->added++;
		else {
			kept++;
			if (!entry_equal(old, &out->v[i]))
				diff->changed++;
		}
	}
	diff->removed = (unsigned)(cur->n - kept);
}

bool
vpsmerge_shrink_ok(size_t cur_n, size_t new_n, unsigned removed,
    unsigned max_percent, GError **err)
{
	if (cur_n == 0)
		return true;
	if (new_n == 0) {
		g_set_error(err, VPS_ERROR, VPS_ERROR_FAILED, "the result has "
		    "no VPS, vps.data has %zu", cur_n);
		return false;
	}
	if ((unsigned long long)removed * 100 >
	    (unsigned long long)max_percent * cur_n) {
		g_set_error(err, VPS_ERROR, VPS_ERROR_FAILED, "%u of the %zu "
		    "VPS in vps.data would be removed, more than "
		    "max_shrink_percent (%u%%)", removed, cur_n, max_percent);
		return false;
	}
	return true;
}
