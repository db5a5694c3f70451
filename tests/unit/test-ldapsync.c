/*
 * test-ldapsync.c: what vps-data-gen makes of LDAP entries, table-driven:
 * validation of vpsInstance and member entries, the merge rules (duplicate
 * names and ports, owners, system accounts, kept and allocated ports,
 * owner changes, hosts and the placement of new VPS), the diff, the
 * shrink guard and the port allocator.
 */
#include <config.h>

#include <stdbool.h>
#include <string.h>
#include <glib.h>

#include "unit.h"
#include "placement.h"
#include "portalloc.h"
#include "util.h"
#include "vpsmerge.h"

/* One digit more than any number attribute may have. */
#define DIGITS_65 \
	"11111111111111111111111111111111111111111111111111111111111111111"

/* ---- building entries ------------------------------------------------ */

/* At most two values per attribute in these tests; NULL: absent. */
struct fake_attr {
	struct berval bv[2];
	struct berval *p[3];
};

struct fake_entry {
	struct fake_attr a[VA_COUNT];
	struct berval *const *vals[VA_COUNT];
};

static void
fake_set(struct fake_attr *a, const char *v1, const char *v2,
    struct berval *const **out)
{
	memset(a, 0, sizeof(*a));
	if (v1 == NULL) {
		*out = NULL;
		return;
	}
	a->bv[0].bv_val = (char *)v1;
	a->bv[0].bv_len = strlen(v1);
	a->p[0] = &a->bv[0];
	if (v2 != NULL) {
		a->bv[1].bv_val = (char *)v2;
		a->bv[1].bv_len = strlen(v2);
		a->p[1] = &a->bv[1];
	}
	*out = a->p;
}

/* An entry from six strings; "a|b" is two values. */
static void
fake_entry(struct fake_entry *f, const char *const v[VA_COUNT])
{
	static char split[VA_COUNT][2][80];
	size_t	 i;

	for (i = 0; i < VA_COUNT; i++) {
		const char *bar = v[i] != NULL ? strchr(v[i], '|') : NULL;

		if (bar == NULL) {
			fake_set(&f->a[i], v[i], NULL, &f->vals[i]);
			continue;
		}
		g_strlcpy(split[i][0], v[i], (size_t)(bar - v[i]) + 1);
		g_strlcpy(split[i][1], bar + 1, sizeof(split[i][1]));
		fake_set(&f->a[i], split[i][0], split[i][1], &f->vals[i]);
	}
}

static bool
add_vps(struct vpsmerge *m, const char *dn, const char *name,
    const char *owner, const char *port)
{
	const char *v[VA_COUNT] = { name, owner, "1", "512", "10", port };
	struct fake_entry f;

	fake_entry(&f, v);
	return vpsmerge_add_vps(m, dn, f.vals);
}

static void
add_member(struct vpsmerge *m, const char *uid)
{
	struct fake_attr a;
	struct berval *const *vals;
	g_autofree char *dn = g_strdup_printf("uid=%s,ou=people", uid);

	fake_set(&a, uid, NULL, &vals);
	vpsmerge_add_member(m, dn, vals, NULL);
}

/* A member entry with a uidNumber ("a|b": two values). */
static void
add_member_num(struct vpsmerge *m, const char *uid, const char *num)
{
	struct fake_attr a, b;
	struct berval *const *vals, *const *nums;
	g_autofree char *dn = g_strdup_printf("uid=%s,ou=people", uid);
	const char *bar = strchr(num, '|');
	g_autofree char *v1 = bar != NULL ? g_strndup(num,
	    (size_t)(bar - num)) : g_strdup(num);

	fake_set(&a, uid, NULL, &vals);
	fake_set(&b, v1, bar != NULL ? bar + 1 : NULL, &nums);
	vpsmerge_add_member(m, dn, vals, nums);
}

/* True if some message of list contains every one of the substrings. */
static bool
has_note(const GPtrArray *list, const char *s1, const char *s2)
{
	guint	 i;

	for (i = 0; i < list->len; i++) {
		const char *msg = list->pdata[i];

		if (strstr(msg, s1) != NULL &&
		    (s2 == NULL || strstr(msg, s2) != NULL))
			return true;
	}
	return false;
}

/* ---- entry validation -------------------------------------------------- */

struct entry_case {
	const char *v[VA_COUNT];
	const char *error;	/* NULL: valid; else part of the warning */
};

#define GOOD(n, o, c, m, d, p)	{ { n, o, c, m, d, p, NULL }, NULL }
#define BAD(n, o, c, m, d, p, e) { { n, o, c, m, d, p, NULL }, e }
/* With a vpsHost. */
#define GOODH(h)	{ { "web1", "alice", "2", "2048", "20", NULL, h }, NULL }
#define BADH(h, e)	{ { "web1", "alice", "2", "2048", "20", NULL, h }, e }

static const struct entry_case entry_cases[] = {
	GOOD("web1", "alice", "2", "2048", "20", NULL),
	GOOD("web1", "alice", "2", "2048", "20", "5901"),
	GOOD("a", "_svc", "256", "4194304", "65536", "65535"),
	/* missing and multi-valued */
	BAD(NULL, "alice", "2", "2048", "20", NULL, "no vpsName"),
	BAD("web1", NULL, "2", "2048", "20", NULL, "no vpsOwner"),
	BAD("web1", "alice", NULL, "2048", "20", NULL, "no vpsVcpus"),
	BAD("web1", "alice", "2", NULL, "20", NULL, "no vpsMemory"),
	BAD("web1", "alice", "2", "2048", NULL, NULL, "no vpsDisk"),
	BAD("web1|web2", "alice", "2", "2048", "20", NULL,
	    "vpsName has more than one value"),
	BAD("web1", "alice|bob", "2", "2048", "20", NULL,
	    "vpsOwner has more than one value"),
	BAD("web1", "alice", "2", "2048", "20", "5901|5902",
	    "vpsSpicePort has more than one value"),
	/* hostile names */
	BAD("../etc", "alice", "2", "2048", "20", NULL, "vpsName: "),
	BAD("a/b", "alice", "2", "2048", "20", NULL, "vpsName: "),
	BAD("..", "alice", "2", "2048", "20", NULL, "vpsName: "),
	BAD("web\nx", "alice", "2", "2048", "20", NULL, "vpsName: "),
	BAD("web1 ALL=(ALL) NOPASSWD: ALL", "alice", "2", "2048", "20",
	    NULL, "vpsName"),
	BAD("web,1", "alice", "2", "2048", "20", NULL, "vpsName: "),
	BAD("Web1", "alice", "2", "2048", "20", NULL, "vpsName: "),
	BAD("", "alice", "2", "2048", "20", NULL, "vpsName: "),
	BAD("abcdefghijabcdefghijabcdefghijabc", "alice", "2", "2048", "20",
	    NULL, "vpsName: "),
	BAD("web1", "ALL", "2", "2048", "20", NULL, "vpsOwner: "),
	BAD("web1", "*)(uid=*", "2", "2048", "20", NULL, "vpsOwner: "),
	BAD("web1", "alice:x", "2", "2048", "20", NULL, "vpsOwner: "),
	BAD("web1", "%admins", "2", "2048", "20", NULL, "vpsOwner: "),
	/* numbers */
	BAD("web1", "alice", "-1", "2048", "20", NULL, "vpsVcpus: "),
	BAD("web1", "alice", "0", "2048", "20", NULL, "vpsVcpus: "),
	BAD("web1", "alice", "257", "2048", "20", NULL, "vpsVcpus: "),
	BAD("web1", "alice", "02", "2048", "20", NULL, "vpsVcpus: "),
	BAD("web1", "alice", "2", "63", "20", NULL, "vpsMemory: "),
	BAD("web1", "alice", "2", "99999999999999999999", "20", NULL,
	    "vpsMemory: "),
	BAD("web1", "alice", "2", "2048", "65537", NULL, "vpsDisk: "),
	BAD("web1", "alice", "2", "2048", " 20", NULL, "vpsDisk: "),
	BAD("web1", "alice", "2", "2048", "20", "1023", "vpsSpicePort: "),
	BAD("web1", "alice", "2", "2048", "20", "65536", "vpsSpicePort: "),
	BAD("web1", "alice", "2", "2048", DIGITS_65, NULL,
	    "vpsDisk is too long"),
	/* hosts */
	GOODH("hv1"),
	GOODH("hv-2"),
	GOODH(""),		/* empty: the local host, as if absent */
	GOODH("abcdefghijklmnopqrstuvwxyz012345"),
	BADH("hv1|hv2", "vpsHost has more than one value"),
	BADH("Hv1", "vpsHost: must start"),
	BADH("hv_1", "vpsHost: invalid character"),
	BADH("hv1.example.org", "vpsHost: invalid character"),
	BADH("hv1:x", "vpsHost: invalid character"),
	BADH("hv1\nx", "vpsHost: invalid character"),
	BADH("abcdefghijklmnopqrstuvwxyz0123456", "vpsHost: name too long"),
	BADH(DIGITS_65, "vpsHost is too long"),
};

static void
test_entries(void **state)
{
	size_t	 i;

	for (i = 0; i < G_N_ELEMENTS(entry_cases); i++) {
		const struct entry_case *c = &entry_cases[i];
		struct vpsmerge m;
		struct fake_entry f;
		bool	 ok;

		vpsmerge_init(&m);
		fake_entry(&f, c->v);
		ok = vpsmerge_add_vps(&m, "cn=t,ou=vps", f.vals);
		if (ok != (c->error == NULL))
			FAIL_MSG("case %zu: expected %s", i,
			    c->error ? c->error : "valid");
		if (c->error != NULL && (m.warnings->len != 1 ||
		    !has_note(m.warnings, "cn=t,ou=vps: skipped: ", c->error)))
			FAIL_MSG("case %zu: warning is '%s', expected '%s'", i,
			    m.warnings->len ? (char *)m.warnings->pdata[0] :
			    "(none)", c->error);
		vpsmerge_free(&m);
	}
}

/* A NUL byte inside a value never gets through. */
static void
test_entry_nul(void **state)
{
	const char *v[VA_COUNT] = { "web1", "alice", "2", "2048", "20", NULL };
	struct vpsmerge m;
	struct fake_entry f;

	vpsmerge_init(&m);
	fake_entry(&f, v);
	f.a[VA_NAME].bv[0].bv_val = (char *)"web1\0x";
	f.a[VA_NAME].bv[0].bv_len = 6;
	assert_false(vpsmerge_add_vps(&m, "cn=t", f.vals));
	assert_true(has_note(m.warnings, "vpsName contains a NUL byte", NULL));
	vpsmerge_free(&m);
}

/* A control character in a DN is not printed as it is. */
static void
test_dn_display(void **state)
{
	struct vpsmerge m;

	vpsmerge_init(&m);
	assert_false(add_vps(&m, "cn=a\033[2J\nb,ou=vps", "Bad", "alice",
	    NULL));
	assert_true(has_note(m.warnings, "cn=a?[2J?b,ou=vps: skipped", NULL));
	vpsmerge_free(&m);
}

struct member_case {
	const char *v1, *v2;
	bool	 member;	/* v1 is a member afterwards */
	const char *warning;	/* NULL: none */
};

static const struct member_case member_cases[] = {
	{ "alice", NULL, true, NULL },
	{ "_svc-1", NULL, true, NULL },
	{ NULL, NULL, false, "member skipped: no uid" },
	{ "alice", "alice2", false, "uid has more than one value" },
	{ "*)(uid=*", NULL, false, "member skipped: uid: " },
	{ "*", NULL, false, "member skipped: uid: " },
	{ "Alice", NULL, false, "member skipped: uid: " },
	{ "ALL", NULL, false, "member skipped: uid: " },
	{ "a b", NULL, false, "member skipped: uid: " },
};

static void
test_members(void **state)
{
	size_t	 i;

	for (i = 0; i < G_N_ELEMENTS(member_cases); i++) {
		const struct member_case *c = &member_cases[i];
		struct vpsmerge m;
		struct fake_attr a;
		struct berval *const *vals;

		vpsmerge_init(&m);
		fake_set(&a, c->v1, c->v2, &vals);
		vpsmerge_add_member(&m, "cn=m", vals, NULL);
		if ((c->v1 != NULL &&
		    g_hash_table_contains(m.members, c->v1)) != c->member)
			FAIL_MSG("case %zu: membership wrong", i);
		if (g_hash_table_size(m.members) != (c->member ? 1u : 0u))
			FAIL_MSG("case %zu: %u members", i,
			    g_hash_table_size(m.members));
		if ((c->warning == NULL) != (m.warnings->len == 0) ||
		    (c->warning != NULL &&
		    !has_note(m.warnings, c->warning, NULL)))
			FAIL_MSG("case %zu: warning '%s' expected", i,
			    c->warning ? c->warning : "(none)");
		vpsmerge_free(&m);
	}
}

/* The same uid twice: still one member, with a note. */
static void
test_member_twice(void **state)
{
	struct vpsmerge m;

	vpsmerge_init(&m);
	add_member(&m, "alice");
	add_member(&m, "alice");
	assert_int_equal(g_hash_table_size(m.members), 1);
	assert_true(has_note(m.warnings, "uid 'alice' also in", NULL));
	vpsmerge_free(&m);
}

/* ---- merge ------------------------------------------------------------ */

/* A VPS entry with a vpsHost (NULL: absent) and no vpsSpicePort. */
static bool
add_vps_host(struct vpsmerge *m, const char *dn, const char *name,
    const char *host)
{
	const char *v[VA_COUNT] = { name, "alice", "1", "512", "10", NULL,
	    host };
	struct fake_entry f;

	fake_entry(&f, v);
	return vpsmerge_add_vps(m, dn, f.vals);
}

static void
cur_add(struct vps_data *cur, const char *name, const char *owner,
    unsigned port)
{
	g_autofree char *p = g_strdup_printf("%u", port);
	struct vps_entry_text t = { name, owner, "1", "512", "10", p, NULL };
	struct vps_entry e;
	enum vps_field bad;

	assert_true(vpsdata_entry_parse(&e, &t, &bad, NULL));
	assert_true(vpsdata_add(cur, &e, NULL));
}

/* An entry of vps.data on host ("": local). */
static void
cur_add_host(struct vps_data *cur, const char *name, unsigned port,
    const char *host)
{
	g_autofree char *p = g_strdup_printf("%u", port);
	struct vps_entry_text t = { name, "alice", "1", "512", "10", p, host };
	struct vps_entry e;
	enum vps_field bad;

	assert_true(vpsdata_entry_parse(&e, &t, &bad, NULL));
	assert_true(vpsdata_add(cur, &e, NULL));
}

static const char *
host_of(const struct vps_data *d, const char *name)
{
	const struct vps_entry *e = vpsdata_find(d, name);

	assert_non_null(e);
	return e->host;
}

static unsigned
port_of(const struct vps_data *d, const char *name)
{
	const struct vps_entry *e = vpsdata_find(d, name);

	return e != NULL ? e->spice_port : 0;
}

/* The whole text of out, for exact comparison. */
static void
assert_data(const struct vps_data *out, const char *want)
{
	GString	*s = g_string_new(NULL);
	size_t	 i;

	for (i = 0; i < out->n; i++)
		g_string_append_printf(s, "%s:%s:%u ", out->v[i].name,
		    out->v[i].owner, out->v[i].spice_port);
	if (strcmp(s->str, want) != 0)
		FAIL_MSG("got '%s', expected '%s'", s->str, want);
	g_string_free(s, TRUE);
}

/* Ports: kept, from LDAP, lowest free; names sorted; owners checked. */
static void
test_build_ports(void **state)
{
	struct vps_data cur = VPSDATA_INIT, out = VPSDATA_INIT;
	struct vpsmerge m;

	vpsmerge_init(&m);
	add_member(&m, "alice");
	add_member(&m, "bob");
	cur_add(&cur, "old", "alice", 5901);
	cur_add(&cur, "gone", "alice", 5900);
	/* old keeps 5901 although LDAP says 6000 */
	assert_true(add_vps(&m, "vpsName=old", "old", "alice", "6000"));
	assert_true(add_vps(&m, "vpsName=web", "web", "bob", "6001"));
	assert_true(add_vps(&m, "vpsName=new1", "new1", "bob", NULL));
	assert_true(add_vps(&m, "vpsName=new2", "new2", "alice", NULL));
	assert_true(add_vps(&m, "vpsName=eve", "eve", "eve", NULL));
	vpsmerge_build(&m, &cur, 5900, 5910, &out);
	/* 5900 stays reserved for "gone", whose domain may still exist */
	assert_data(&out, "new1:bob:5902 new2:alice:5903 old:alice:5901 "
	    "web:bob:6001 ");
	assert_true(has_note(m.warnings, "vpsSpicePort 6000 ignored",
	    "keeps port 5901"));
	assert_true(has_note(m.warnings, "vpsName=eve: VPS 'eve' left out",
	    "owner 'eve' is not a member"));
	assert_int_equal(m.errors->len, 0);
	assert_int_equal(port_of(&out, "old"), 5901);
	vpsdata_clear(&cur);
	vpsdata_clear(&out);
	vpsmerge_free(&m);
}

/* Duplicates: every claimant is skipped, in any order of arrival. */
static void
test_build_duplicates(void **state)
{
	static const char *const orders[2][4] = {
		{ "a", "b", "c", "d" }, { "d", "c", "b", "a" },
	};
	size_t	 o, i;

	for (o = 0; o < 2; o++) {
		struct vps_data cur = VPSDATA_INIT, out = VPSDATA_INIT;
		struct vpsmerge m;

		vpsmerge_init(&m);
		add_member(&m, "alice");
		cur_add(&cur, "kept", "alice", 5950);
		for (i = 0; i < 4; i++) {
			const char *k = orders[o][i];

			if (strcmp(k, "a") == 0) {
				add_vps(&m, "cn=a1", "dup", "alice", NULL);
				add_vps(&m, "cn=a2", "dup", "alice", NULL);
			} else if (strcmp(k, "b") == 0) {
				add_vps(&m, "cn=b1", "p1", "alice", "6100");
				add_vps(&m, "cn=b2", "p2", "alice", "6100");
			} else if (strcmp(k, "c") == 0)
				add_vps(&m, "cn=c", "p3", "alice", "5950");
			else
				add_vps(&m, "cn=d", "kept", "alice", NULL);
		}
		vpsmerge_build(&m, &cur, 5900, 5999, &out);
		assert_data(&out, "kept:alice:5950 ");
		assert_true(has_note(m.warnings, "vpsName shared by",
		    "cn=a1, cn=a2: all skipped"));
		assert_true(has_note(m.warnings, "vpsSpicePort shared by",
		    "cn=b1, cn=b2: all skipped"));
		assert_true(has_note(m.warnings, "cn=c: skipped: vpsSpicePort "
		    "5950 is used by VPS 'kept'", NULL));
		vpsdata_clear(&cur);
		vpsdata_clear(&out);
		vpsmerge_free(&m);
	}
}

/* An exhausted range is an error for the VPS that got no port only. */
static void
test_build_exhausted(void **state)
{
	struct vps_data cur = VPSDATA_INIT, out = VPSDATA_INIT;
	struct vpsmerge m;

	vpsmerge_init(&m);
	add_member(&m, "alice");
	cur_add(&cur, "a", "alice", 5900);
	add_vps(&m, "cn=a", "a", "alice", NULL);
	add_vps(&m, "cn=b", "b", "alice", NULL);
	add_vps(&m, "cn=c", "c", "alice", NULL);
	vpsmerge_build(&m, &cur, 5900, 5901, &out);
	assert_data(&out, "a:alice:5900 b:alice:5901 ");
	assert_int_equal(m.errors->len, 1);
	assert_true(has_note(m.errors, "cn=c: VPS 'c' left out",
	    "no free spice port in 5900-5901"));
	vpsdata_clear(&cur);
	vpsdata_clear(&out);
	vpsmerge_free(&m);
}

static void
test_diff(void **state)
{
	struct vps_data cur = VPSDATA_INIT, out = VPSDATA_INIT;
	struct vpsmerge_diff d;

	cur_add(&cur, "same", "alice", 5900);
	cur_add(&cur, "owner", "alice", 5901);
	cur_add(&cur, "gone", "alice", 5902);
	cur_add(&out, "same", "alice", 5900);
	cur_add(&out, "owner", "bob", 5901);
	cur_add(&out, "new", "bob", 5903);
	vpsmerge_diff(&cur, &out, &d);
	assert_int_equal(d.added, 1);
	assert_int_equal(d.removed, 1);
	assert_int_equal(d.changed, 1);
	vpsdata_clear(&cur);
	vpsdata_clear(&out);
}

struct shrink_case {
	size_t	 cur, out;
	unsigned removed, percent;
	const char *refused;	/* NULL: allowed */
};

static const struct shrink_case shrink_cases[] = {
	{ 0, 0, 0, 20, NULL },			/* first run, nothing */
	{ 0, 5, 0, 20, NULL },
	{ 10, 8, 2, 20, NULL },			/* exactly 20% */
	{ 10, 7, 3, 20, "3 of the 10 VPS" },
	{ 10, 5, 5, 50, NULL },
	{ 10, 5, 5, 49, "more than max_shrink_percent (49%)" },
	{ 4, 0, 4, 100, "the result has no VPS" },	/* all: always */
	{ 3, 3, 3, 0, "3 of the 3" },		/* all replaced */
	{ 1000000, 999999, 1, 0, "1 of the 1000000" },
};

static void
test_shrink(void **state)
{
	size_t	 i;

	for (i = 0; i < G_N_ELEMENTS(shrink_cases); i++) {
		const struct shrink_case *c = &shrink_cases[i];
		g_autoptr(GError) err = NULL;
		bool	 ok = vpsmerge_shrink_ok(c->cur, c->out, c->removed,
		    c->percent, &err);

		if (ok != (c->refused == NULL) || (c->refused != NULL &&
		    strstr(err->message, c->refused) == NULL))
			FAIL_MSG("case %zu: got %s '%s'", i,
			    ok ? "allowed" : "refused",
			    err != NULL ? err->message : "");
	}
}

/* ---- system accounts and owner changes ------------------------------- */

/* A fake of the local system accounts: backup is uid 34. */
static GHashTable *
fake_local(void)
{
	GHashTable *h = g_hash_table_new(g_str_hash, g_str_equal);

	g_hash_table_insert(h, (gpointer)"backup", GUINT_TO_POINTER(34));
	return h;
}

struct system_case {
	const char *uid, *number;	/* number NULL: no uidNumber */
	bool	 member;
	const char *warning;		/* NULL: none */
};

static const struct system_case system_cases[] = {
	{ "alice", "1000", true, NULL },
	{ "alice", NULL, true, NULL },
	{ "alice", "4294967295", true, NULL },
	{ "root", "0", false, "uid=root,ou=people: member 'root' left out: "
	    "a system account (uidNumber 0 < 1000)" },
	{ "daemon", "999", false, "(uidNumber 999 < 1000)" },
	{ "backup", "20000", false, "uid=backup,ou=people: member 'backup' "
	    "left out: a system account (local uid 34 < 1000)" },
	{ "backup", NULL, false, "(local uid 34 < 1000)" },
	{ "alice", "abc", false, "member skipped: uidNumber: not a number" },
	{ "alice", "-1", false, "member skipped: uidNumber: " },
	{ "alice", "4294967296", false, "member skipped: uidNumber: " },
	{ "alice", "1000|1001", false, "uidNumber has more than one value" },
};

/* System accounts are no members, by uidNumber or local uid. */
static void
test_member_system(void **state)
{
	size_t	 i;

	for (i = 0; i < G_N_ELEMENTS(system_cases); i++) {
		const struct system_case *c = &system_cases[i];
		struct vpsmerge m;
		g_autoptr(GHashTable) local = fake_local();

		vpsmerge_init(&m);
		m.local = local;
		if (c->number != NULL)
			add_member_num(&m, c->uid, c->number);
		else
			add_member(&m, c->uid);
		if (g_hash_table_contains(m.members, c->uid) != c->member)
			FAIL_MSG("case %zu: membership wrong", i);
		if ((c->warning == NULL) != (m.warnings->len == 0) ||
		    (c->warning != NULL &&
		    !has_note(m.warnings, c->warning, NULL)))
			FAIL_MSG("case %zu: warning '%s' expected, got '%s'", i,
			    c->warning ? c->warning : "(none)",
			    m.warnings->len ? (char *)m.warnings->pdata[0] :
			    "(none)");
		vpsmerge_free(&m);
	}
}

/*
 * A system account's VPS is left out naming its DN, whichever entry of
 * the uid came first; min_uid is the caller's; the members list is sorted
 * and holds no system account.
 */
static void
test_system_owner(void **state)
{
	struct vps_data cur = VPSDATA_INIT, out = VPSDATA_INIT;
	struct vpsmerge m;
	g_autofree const char **names = NULL;
	g_autoptr(GHashTable) local = fake_local();
	size_t	 n;

	vpsmerge_init(&m);
	m.min_uid = 500;
	m.local = local;
	add_member_num(&m, "zed", "600");
	add_member_num(&m, "root", "1000");
	add_member_num(&m, "root", "0");	/* a second entry */
	add_member_num(&m, "bob", "499");
	add_member(&m, "alice");
	assert_true(add_vps(&m, "cn=r", "rootvm", "root", NULL));
	assert_true(add_vps(&m, "cn=b", "bobvm", "bob", NULL));
	assert_true(add_vps(&m, "cn=a", "alicevm", "alice", NULL));
	vpsmerge_build(&m, &cur, 5900, 5999, &out);
	assert_data(&out, "alicevm:alice:5900 ");
	assert_true(has_note(m.warnings, "cn=r: VPS 'rootvm' left out: owner "
	    "'root' is a system account (uidNumber 0 < 500)", NULL));
	assert_true(has_note(m.warnings, "cn=b: VPS 'bobvm' left out: owner "
	    "'bob' is a system account (uidNumber 499 < 500)", NULL));
	names = vpsmerge_members(&m, &n);
	assert_int_equal(n, 2);
	assert_string_equal(names[0], "alice");
	assert_string_equal(names[1], "zed");
	vpsdata_clear(&out);
	vpsmerge_free(&m);
}

/* An existing VPS with another owner in LDAP is a handover, noted. */
static void
test_handover(void **state)
{
	struct vps_data cur = VPSDATA_INIT, out = VPSDATA_INIT;
	struct vpsmerge m;

	vpsmerge_init(&m);
	add_member(&m, "alice");
	add_member(&m, "bob");
	cur_add(&cur, "web", "alice", 5900);
	cur_add(&cur, "db", "alice", 5901);
	assert_true(add_vps(&m, "vpsName=web,ou=vps", "web", "bob", NULL));
	assert_true(add_vps(&m, "vpsName=db,ou=vps", "db", "alice", NULL));
	assert_true(add_vps(&m, "vpsName=new,ou=vps", "new", "bob", NULL));
	vpsmerge_build(&m, &cur, 5900, 5999, &out);
	assert_data(&out, "db:alice:5901 new:bob:5902 web:bob:5900 ");
	assert_int_equal(m.handovers->len, 1);
	assert_true(has_note(m.handovers, "vpsName=web,ou=vps: VPS 'web' "
	    "changes owner from 'alice' to 'bob'", NULL));
	vpsdata_clear(&cur);
	vpsdata_clear(&out);
	vpsmerge_free(&m);
}

/*
 * Hosts: a VPS of vps.data stays where it is whatever vpsHost says (a
 * warning when it says another); a new VPS takes its vpsHost if vps.conf
 * has that [host NAME], and is skipped if not.
 */
static void
test_build_hosts(void **state)
{
	static const char conf[] =
	    "[host hv1]\nuri = qemu+tcp://hv1/system\nspice_listen = 10.0.0.1\n"
	    "[host hv2]\nuri = qemu+tcp://hv2/system\nspice_listen = 10.0.0.2\n";
	g_autoptr(vps_config) cfg = config_parse(conf, strlen(conf), "c",
	    NULL);
	struct vps_data cur = VPSDATA_INIT, out = VPSDATA_INIT;
	struct vpsmerge_diff diff;
	struct vpsmerge m;

	assert_non_null(cfg);
	vpsmerge_init(&m);
	m.cfg = cfg;
	add_member(&m, "alice");
	cur_add_host(&cur, "keep", 5900, "hv1");	/* no vpsHost in LDAP */
	cur_add_host(&cur, "local", 5901, "");		/* LDAP says hv2 */
	cur_add_host(&cur, "moved", 5902, "hv1");	/* LDAP says hv2 */
	cur_add_host(&cur, "same", 5903, "hv2");	/* LDAP says hv2 */
	cur_add_host(&cur, "gone", 5904, "hv9");	/* hv9 unconfigured */
	assert_true(add_vps_host(&m, "vpsName=keep", "keep", NULL));
	assert_true(add_vps_host(&m, "vpsName=local", "local", "hv2"));
	assert_true(add_vps_host(&m, "vpsName=moved", "moved", "hv2"));
	assert_true(add_vps_host(&m, "vpsName=same", "same", "hv2"));
	assert_true(add_vps_host(&m, "vpsName=gone", "gone", "hv2"));
	assert_true(add_vps_host(&m, "vpsName=new2", "new2", "hv2"));
	assert_true(add_vps_host(&m, "vpsName=new0", "new0", NULL));
	assert_true(add_vps_host(&m, "vpsName=newe", "newe", ""));
	assert_true(add_vps_host(&m, "vpsName=new9", "new9", "hv9"));
	vpsmerge_build(&m, &cur, 5900, 5999, &out);
	assert_data(&out, "gone:alice:5904 keep:alice:5900 local:alice:5901 "
	    "moved:alice:5902 new0:alice:5905 new2:alice:5906 "
	    "newe:alice:5907 same:alice:5903 ");
	assert_string_equal(host_of(&out, "keep"), "hv1");
	assert_string_equal(host_of(&out, "local"), "");
	assert_string_equal(host_of(&out, "moved"), "hv1");
	assert_string_equal(host_of(&out, "same"), "hv2");
	assert_string_equal(host_of(&out, "gone"), "hv9");
	assert_string_equal(host_of(&out, "new2"), "hv2");
	assert_string_equal(host_of(&out, "new0"), "");
	assert_string_equal(host_of(&out, "newe"), "");
	assert_null(vpsdata_find(&out, "new9"));
	assert_true(has_note(m.warnings, "vpsName=local: vpsHost 'hv2' "
	    "ignored: VPS 'local' stays on the local host of vps.data", NULL));
	assert_true(has_note(m.warnings, "vpsName=moved: vpsHost 'hv2' "
	    "ignored: VPS 'moved' stays on host 'hv1' of vps.data", NULL));
	assert_false(has_note(m.warnings, "vpsName=same:", NULL));
	assert_false(has_note(m.warnings, "vpsName=keep:", NULL));
	assert_true(has_note(m.warnings, "vpsName=gone: VPS 'gone' is on "
	    "host 'hv9', which has no [host hv9] group", NULL));
	assert_true(has_note(m.warnings, "vpsName=new9: skipped: vpsHost "
	    "'hv9' has no [host hv9] group in vps.conf", NULL));
	assert_int_equal(m.errors->len, 0);
	/* Nothing moved: only the three new VPS differ. */
	vpsmerge_diff(&cur, &out, &diff);
	assert_int_equal(diff.added, 3);
	assert_int_equal(diff.changed, 0);
	assert_int_equal(diff.removed, 0);
	vpsdata_clear(&cur);
	vpsdata_clear(&out);
	vpsmerge_free(&m);
}

/* A host is part of an entry: vpsmerge_diff sees a change of it. */
static void
test_diff_host(void **state)
{
	struct vps_data a = VPSDATA_INIT, b = VPSDATA_INIT;
	struct vpsmerge_diff diff;

	cur_add_host(&a, "web", 5900, "");
	cur_add_host(&b, "web", 5900, "hv1");
	vpsmerge_diff(&a, &b, &diff);
	assert_int_equal(diff.changed, 1);
	vpsdata_clear(&a);
	vpsdata_clear(&b);
}

/* ---- placement --------------------------------------------------------- */

#define GIB(n)	((uint64_t)(n) << 30)
#define NOPE	UINT64_MAX	/* a host whose room is unknown */

struct place_case {
	const char *what;
	uint64_t room[4];	/* NOPE: unknown; 0 after the last host */
	size_t	 n;
	uint64_t size;
	int	 want;
};

static const struct place_case place_cases[] = {
	{ "all equal: the local host", { GIB(10), GIB(10), GIB(10) }, 3,
	    GIB(5), 0 },
	{ "the most room", { GIB(5), GIB(20), GIB(10) }, 3, GIB(5), 1 },
	{ "a tie after the local host: file order", { GIB(5), GIB(10),
	    GIB(10) }, 3, GIB(5), 1 },
	{ "a tie at the end: file order", { GIB(5), GIB(3), GIB(10),
	    GIB(10) }, 4, GIB(5), 2 },
	{ "exactly fits", { GIB(4), GIB(6) }, 2, GIB(6), 1 },
	{ "fits nowhere", { GIB(5), GIB(3) }, 2, GIB(6), -1 },
	{ "one byte short", { GIB(6) - 1 }, 1, GIB(6), -1 },
	{ "unknown is no candidate", { NOPE, GIB(10) }, 2, GIB(5), 1 },
	{ "only unknown ones", { NOPE, NOPE }, 2, GIB(1), -1 },
	{ "no host", { 0 }, 0, GIB(1), -1 },
};

static void
place_fill(struct place_host *h, const struct place_case *c)
{
	size_t	 i;

	for (i = 0; i < c->n; i++) {
		h[i].name = i == 0 ? "" : "hv";
		h[i].known = c->room[i] != NOPE;
		h[i].room = h[i].known ? c->room[i] : 0;
	}
}

static void
test_place_choose(void **state)
{
	struct place_host h[4];
	size_t	 i, j;
	int	 got;

	for (i = 0; i < G_N_ELEMENTS(place_cases); i++) {
		const struct place_case *c = &place_cases[i];

		place_fill(h, c);
		got = place_choose(h, c->n, c->size);
		if (got != c->want)
			FAIL_MSG("%s: got %d, expected %d", c->what, got,
			    c->want);
		/* Only the chosen host's room goes down, by the size. */
		for (j = 0; j < c->n; j++) {
			uint64_t want = c->room[j] == NOPE ? 0 : c->room[j];

			if ((int)j == got)
				want -= c->size;
			if (h[j].room != want)
				FAIL_MSG("%s: host %zu has %" G_GUINT64_FORMAT
				    " left", c->what, j, (guint64)h[j].room);
		}
	}
}

/* Disks placed one after another take their room off their host. */
static void
test_place_subtract(void **state)
{
	struct place_host h[2] = { { "", true, GIB(10) },
	    { "hv1", true, GIB(8) } };

	assert_int_equal(place_choose(h, 2, GIB(5)), 0);	/* 10 -> 5 */
	assert_int_equal(place_choose(h, 2, GIB(5)), 1);	/* 8 -> 3 */
	assert_int_equal(place_choose(h, 2, GIB(5)), 0);	/* 5 -> 0 */
	assert_int_equal(place_choose(h, 2, GIB(5)), -1);
	assert_int_equal(place_choose(h, 2, GIB(3)), 1);	/* 3 -> 0 */
	assert_true(h[0].room == 0 && h[1].room == 0);
}

/* The room query of a test: from a table, counting the questions. */
struct fake_rooms {
	uint64_t local, hv1, hv2;	/* NOPE: unreachable */
	unsigned calls;
};

static bool
fake_room(void *ctx, const struct vps_config *cfg, const struct vps_host *h,
    uint64_t *room, GError **err)
{
	struct fake_rooms *f = ctx;
	uint64_t v = h == NULL ? f->local : strcmp(h->name, "hv1") == 0 ?
	    f->hv1 : f->hv2;

	f->calls++;
	if (v == NOPE) {
		g_set_error(err, VPS_ERROR, VPS_ERROR_FAILED, "host %s "
		    "unreachable: cannot connect to %s", h != NULL ? h->name :
		    "local", h != NULL ? h->uri : "-");
		return false;
	}
	*room = v;
	return true;
}

static bool
failing_room(void *ctx, const struct vps_config *cfg,
    const struct vps_host *h, uint64_t *room, GError **err)
{
	fail_msg("no room may be asked for here");
	return false;
}

/* A VPS entry with a disk of disk GiB and a vpsHost (NULL: absent). */
static bool
add_vps_disk(struct vpsmerge *m, const char *name, const char *disk,
    const char *host)
{
	g_autofree char *dn = g_strdup_printf("vpsName=%s", name);
	const char *v[VA_COUNT] = { name, "alice", "1", "512", disk, NULL,
	    host };
	struct fake_entry f;

	fake_entry(&f, v);
	return vpsmerge_add_vps(m, dn, f.vals);
}

static const char hosts_conf[] =
    "[host hv1]\nuri = qemu+tcp://hv1/system\nspice_listen = 10.0.0.1\n"
    "backend = pool\npool = vps\n"
    "[host hv2]\nuri = qemu+tcp://hv2/system\nspice_listen = 10.0.0.2\n"
    "backend = pool\npool = vps\n";

/*
 * New VPS without vpsHost go, in name order, to the host with the most
 * room left; an unreachable host takes none; a VPS that fits nowhere is
 * skipped; existing VPS and a vpsHost are kept without asking.
 */
static void
test_build_place(void **state)
{
	g_autoptr(vps_config) cfg = config_parse(hosts_conf,
	    strlen(hosts_conf), "c", NULL);
	struct fake_rooms rooms = { GIB(15), GIB(30), NOPE, 0 };
	struct vps_data cur = VPSDATA_INIT, out = VPSDATA_INIT;
	struct vpsmerge m;

	assert_non_null(cfg);
	vpsmerge_init(&m);
	m.cfg = cfg;
	m.room = fake_room;
	m.room_ctx = &rooms;
	add_member(&m, "alice");
	cur_add_host(&cur, "old", 5900, "");
	cur_add_host(&cur, "oldhv2", 5901, "hv2");
	/* Given in another order than placed: names decide. */
	assert_true(add_vps_disk(&m, "d", "10", NULL));
	assert_true(add_vps_disk(&m, "c", "10", NULL));
	assert_true(add_vps_disk(&m, "b", "10", NULL));
	assert_true(add_vps_disk(&m, "a", "20", NULL));
	assert_true(add_vps_disk(&m, "e", "10", ""));	/* empty: none */
	assert_true(add_vps_disk(&m, "old", "50", NULL));
	assert_true(add_vps_disk(&m, "oldhv2", "50", NULL));
	assert_true(add_vps_disk(&m, "pinned", "50", "hv2"));
	assert_true(vpsmerge_needs_place(&m, &cur));
	assert_int_equal(rooms.calls, 0);
	vpsmerge_build(&m, &cur, 5900, 5999, &out);
	/* a: hv1 30 -> 10; b: local 15 -> 5; c: hv1 10 -> 0; d, e: none. */
	assert_string_equal(host_of(&out, "a"), "hv1");
	assert_string_equal(host_of(&out, "b"), "");
	assert_string_equal(host_of(&out, "c"), "hv1");
	assert_null(vpsdata_find(&out, "d"));
	assert_null(vpsdata_find(&out, "e"));
	assert_string_equal(host_of(&out, "old"), "");
	assert_string_equal(host_of(&out, "oldhv2"), "hv2");
	assert_string_equal(host_of(&out, "pinned"), "hv2");
	assert_true(has_note(m.warnings, "vpsName=d: VPS 'd' skipped: no "
	    "host has room for its disk of 10 GiB", NULL));
	assert_true(has_note(m.warnings, "vpsName=e: VPS 'e' skipped", NULL));
	assert_true(has_note(m.warnings, "host 'hv2' takes no new VPS in "
	    "this run: host hv2 unreachable: cannot connect to "
	    "qemu+tcp://hv2/system", NULL));
	/* Each host was asked once, whatever the number of VPS. */
	assert_int_equal(rooms.calls, 3);
	/* Skipped for room is no error: the next sync tries again. */
	assert_int_equal(m.errors->len, 0);
	vpsdata_clear(&cur);
	vpsdata_clear(&out);
	vpsmerge_free(&m);
}

/*
 * No host is asked anything when no VPS needs a place, nor without
 * [host NAME] groups (new VPS stay local, as before placement).
 */
static void
test_build_place_idle(void **state)
{
	static const char noconf[] = "[vps]\n";
	g_autoptr(vps_config) cfg = config_parse(hosts_conf,
	    strlen(hosts_conf), "c", NULL);
	g_autoptr(vps_config) none = config_parse(noconf, strlen(noconf),
	    "c", NULL);
	struct vps_data cur = VPSDATA_INIT, out = VPSDATA_INIT;
	struct vpsmerge m;

	assert_non_null(cfg);
	assert_non_null(none);
	vpsmerge_init(&m);
	m.cfg = cfg;
	m.room = failing_room;
	add_member(&m, "alice");
	cur_add_host(&cur, "old", 5900, "hv1");
	assert_true(add_vps_disk(&m, "old", "10", NULL));
	assert_true(add_vps_disk(&m, "pinned", "10", "hv2"));
	assert_false(vpsmerge_needs_place(&m, &cur));
	vpsmerge_build(&m, &cur, 5900, 5999, &out);
	assert_string_equal(host_of(&out, "old"), "hv1");
	assert_string_equal(host_of(&out, "pinned"), "hv2");
	vpsdata_clear(&out);
	vpsmerge_free(&m);

	vpsmerge_init(&m);
	m.cfg = none;
	m.room = failing_room;
	add_member(&m, "alice");
	assert_true(add_vps_disk(&m, "new", "10", NULL));
	assert_false(vpsmerge_needs_place(&m, &cur));
	vpsmerge_build(&m, &cur, 5900, 5999, &out);
	assert_string_equal(host_of(&out, "new"), "");
	vpsdata_clear(&cur);
	vpsdata_clear(&out);
	vpsmerge_free(&m);
}

/* ---- port allocation -------------------------------------------------- */

static void
test_portalloc(void **state)
{
	struct portalloc pa;
	unsigned p;

	portalloc_init(&pa);
	assert_true(portalloc_reserve(&pa, 5900));
	assert_false(portalloc_reserve(&pa, 5900));
	assert_false(portalloc_reserve(&pa, 0));
	assert_false(portalloc_reserve(&pa, 65536));
	assert_int_equal(portalloc_take(&pa, 5900, 5902), 5901);
	assert_int_equal(portalloc_take(&pa, 5900, 5902), 5902);
	assert_int_equal(portalloc_take(&pa, 5900, 5902), 0);
	/* whole words taken: the scan skips them and finds the hole */
	for (p = 6400; p < 6400 + 64 * 3; p++)
		assert_true(portalloc_reserve(&pa, p));
	assert_int_equal(portalloc_take(&pa, 6400, 7000), 6400 + 64 * 3);
	assert_int_equal(portalloc_take(&pa, 65535, 70000), 65535);
	assert_int_equal(portalloc_take(&pa, 65535, 70000), 0);
	assert_true(portalloc_used(&pa, 6401));
	assert_false(portalloc_used(&pa, 6999));
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_entries),
	cmocka_unit_test(test_entry_nul),
	cmocka_unit_test(test_dn_display),
	cmocka_unit_test(test_members),
	cmocka_unit_test(test_member_twice),
	cmocka_unit_test(test_member_system),
	cmocka_unit_test(test_system_owner),
	cmocka_unit_test(test_handover),
	cmocka_unit_test(test_build_hosts),
	cmocka_unit_test(test_diff_host),
	cmocka_unit_test(test_place_choose),
	cmocka_unit_test(test_place_subtract),
	cmocka_unit_test(test_build_place),
	cmocka_unit_test(test_build_place_idle),
	cmocka_unit_test(test_build_ports),
	cmocka_unit_test(test_build_duplicates),
	cmocka_unit_test(test_build_exhausted),
	cmocka_unit_test(test_diff),
	cmocka_unit_test(test_shrink),
	cmocka_unit_test(test_portalloc),
};

UNIT_MAIN(tests)
