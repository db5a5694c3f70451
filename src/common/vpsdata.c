/*
 * vpsdata.c: parser and writer of vps.data.
 */
#include <config.h>

#include <string.h>

#include "fileio.h"
#include "lock.h"
#include "util.h"
#include "vpsdata.h"

#define VPSDATA_FIELDS	7	/* the last one, host, is optional */

static const char vpsdata_header[] =
    "# vps.data: one VPS a line, written by vpshost; see vps.data(5)\n"
    "# name:owner:vcpus:memory_mib:disk_gib:spice_port\n";

static const char *const field_names[VPS_FIELD_COUNT] = {
	[VPS_FIELD_NAME] = "name",
	[VPS_FIELD_OWNER] = "owner",
	[VPS_FIELD_VCPUS] = "vcpus",
	[VPS_FIELD_MEMORY] = "memory_mib",
	[VPS_FIELD_DISK] = "disk_gib",
	[VPS_FIELD_PORT] = "spice_port",
	[VPS_FIELD_HOST] = "host",
};

const char *
vps_field_name(enum vps_field f)
{
	return (unsigned)f < VPS_FIELD_COUNT ? field_names[f] : "entry";
}

static bool
parse_field(const char *s, unsigned long long min, unsigned long long max,
    unsigned *out, GError **err)
{
	unsigned long long v;

	if (!vps_parse_uint(s, min, max, &v, err))
		return false;
	*out = (unsigned)v;
	return true;
}

bool
vpsdata_entry_parse(struct vps_entry *e, const struct vps_entry_text *t,
    enum vps_field *bad, GError **err)
{
	memset(e, 0, sizeof(*e));
	*bad = VPS_FIELD_NAME;
	if (!vps_name_valid(t->name, err))
		return false;
	*bad = VPS_FIELD_OWNER;
	if (!vps_owner_valid(t->owner, err))
		return false;
	vps_strlcpy(e->name, t->name, sizeof(e->name));
	vps_strlcpy(e->owner, t->owner, sizeof(e->owner));
	*bad = VPS_FIELD_VCPUS;
	if (!parse_field(t->vcpus, VPSDATA_VCPUS_MIN, VPSDATA_VCPUS_MAX,
	    &e->vcpus, err))
		return false;
	*bad = VPS_FIELD_MEMORY;
	if (!parse_field(t->memory, VPSDATA_MEMORY_MIN, VPSDATA_MEMORY_MAX,
	    &e->memory_mib, err))
		return false;
	*bad = VPS_FIELD_DISK;
	if (!parse_field(t->disk, VPSDATA_DISK_MIN, VPSDATA_DISK_MAX,
	    &e->disk_gib, err))
		return false;
	*bad = VPS_FIELD_PORT;
	if (t->port != NULL && !parse_field(t->port, VPSDATA_PORT_MIN,
	    VPSDATA_PORT_MAX, &e->spice_port, err))
		return false;
	*bad = VPS_FIELD_HOST;
	if (t->host == NULL || t->host[0] == '\0')
		return true;
	if (!vps_host_name_valid(t->host, err))
		return false;
	vps_strlcpy(e->host, t->host, sizeof(e->host));
	return true;
}

const struct vps_entry *
vpsdata_find(const struct vps_data *d, const char *name)
{
	gpointer idx;

	if (d->by_name == NULL ||
	    (idx = g_hash_table_lookup(d->by_name, name)) == NULL)
		return NULL;
	return &d->v[GPOINTER_TO_SIZE(idx) - 1];
}

const struct vps_entry *
vpsdata_find_port(const struct vps_data *d, unsigned port)
{
	gpointer idx;

	if (port == 0 || d->by_port == NULL ||
	    (idx = g_hash_table_lookup(d->by_port, GUINT_TO_POINTER(port)))
	    == NULL)
		return NULL;
	return &d->v[GPOINTER_TO_SIZE(idx) - 1];
}

/* Where a duplicate was seen first, for the error message. */
static char *
first_seen(const struct vps_entry *e)
{
	if (e->line == 0)
		return g_strdup("");
	return g_strdup_printf(" (first on line %u)", e->line);
}

bool
vpsdata_add(struct vps_data *d, const struct vps_entry *e, GError **err)
{
	const struct vps_entry *dup;
	g_autofree char *where = NULL;

	if (d->by_name == NULL) {
		d->by_name = g_hash_table_new_full(g_str_hash, g_str_equal,
		    g_free, NULL);
		d->by_port = g_hash_table_new(g_direct_hash, g_direct_equal);
	}
	if ((dup = vpsdata_find(d, e->name)) != NULL) {
		where = first_seen(dup);
		g_set_error(err, VPS_ERROR, VPS_ERROR_INVALID,
		    "duplicate VPS name '%s'%s", e->name, where);
		return false;
	}
	if ((dup = vpsdata_find_port(d, e->spice_port)) != NULL) {
		where = first_seen(dup);
		g_set_error(err, VPS_ERROR, VPS_ERROR_INVALID,
		    "duplicate spice_port %u (VPS '%s'%s)", e->spice_port,
		    dup->name, where);
		return false;
	}
	if (d->n == d->alloc) {
		d->alloc = d->alloc == 0 ? 16 : d->alloc * 2;
		d->v = g_renew(struct vps_entry, d->v, d->alloc);
	}
	d->v[d->n++] = *e;
	g_hash_table_insert(d->by_name, g_strdup(e->name),
	    GSIZE_TO_POINTER(d->n));
	if (e->spice_port != 0)
		g_hash_table_insert(d->by_port, GUINT_TO_POINTER(e->spice_port),
		    GSIZE_TO_POINTER(d->n));
	return true;
}

void
vpsdata_clear(struct vps_data *d)
{
	g_free(d->v);
	if (d->by_name != NULL)
		g_hash_table_destroy(d->by_name);
	if (d->by_port != NULL)
		g_hash_table_destroy(d->by_port);
	memset(d, 0, sizeof(*d));
}

static int
entry_cmp(const void *a, const void *b)
{
	return strcmp(((const struct vps_entry *)a)->name,
	    ((const struct vps_entry *)b)->name);
}

void
vpsdata_sort(struct vps_data *d)
{
	struct vps_data sorted = VPSDATA_INIT;
	size_t	 i;

	if (d->n < 2)
		return;
	qsort(d->v, d->n, sizeof(*d->v), entry_cmp);
	/* Rebuild the index, which holds positions. */
	for (i = 0; i < d->n; i++)
		(void)vpsdata_add(&sorted, &d->v[i], NULL);
	vpsdata_clear(d);
	*d = sorted;
}

/*
 * Classifies a line that is not data: true for a comment or a blank line.
 */
static bool
line_is_skippable(const char *line)
{
	size_t	 i = strspn(line, " \t");

	return line[i] == '\0' || line[i] == '#';
}

/*
 * Splits a data line on ':' into at most VPSDATA_FIELDS fields, in place.
 * Returns the number of fields found.
 */
static size_t
split_fields(char *line, char *fields[VPSDATA_FIELDS])
{
	size_t	 n = 0;
	char	*p = line, *colon;

	for (;;) {
		colon = strchr(p, ':');
		if (n < VPSDATA_FIELDS)
			fields[n] = p;
		n++;
		if (colon == NULL)
			return n;
		*colon = '\0';
		p = colon + 1;
	}
}

/* Checks one line (without '\n') and adds its entry to out. */
static bool
parse_line(const char *raw, size_t len, unsigned lineno, struct vps_data *out,
    GError **err)
{
	char	 line[VPSDATA_LINE_MAX + 1];
	char	*f[VPSDATA_FIELDS];
	struct vps_entry_text t;
	struct vps_entry e;
	enum vps_field bad;
	size_t	 n;

	if (len > VPSDATA_LINE_MAX)
		return vps_invalid(err, "line too long");
	if (memchr(raw, '\0', len) != NULL)
		return vps_invalid(err, "NUL byte in line");
	if (memchr(raw, '\r', len) != NULL)
		return vps_invalid(err,
		    "carriage return in line (DOS line ending?)");
	memcpy(line, raw, len);
	line[len] = '\0';
	if (line_is_skippable(line))
		return true;
	if (!vps_printable_ascii(line))
		return vps_invalid(err,
		    "control or non-ASCII character in line");
	if (line[0] == ' ' || line[0] == '\t')
		return vps_invalid(err, "leading blank in line");
	n = split_fields(line, f);
	if (n != VPSDATA_FIELDS - 1 && n != VPSDATA_FIELDS)
		return vps_invalid(err, "expected 6 fields "
		    "name:owner:vcpus:memory_mib:disk_gib:spice_port, "
		    "or 7 with :host");
	t = (struct vps_entry_text){ .name = f[0], .owner = f[1],
	    .vcpus = f[2], .memory = f[3], .disk = f[4], .port = f[5],
	    .host = n == VPSDATA_FIELDS ? f[6] : NULL };
	if (!vpsdata_entry_parse(&e, &t, &bad, err)) {
		g_prefix_error(err, "%s: ", vps_field_name(bad));
		return false;
	}
	e.line = lineno;
	return vpsdata_add(out, &e, err);
}

bool
vpsdata_parse(const char *buf, size_t len, const char *fname,
    struct vps_data *out, GError **err)
{
	struct vps_data d = VPSDATA_INIT;
	const char *p = buf, *end = buf + len, *nl;
	unsigned lineno = 0;
	GError	*lerr = NULL;

	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			nl = end;	/* last line without '\n' */
		lineno++;
		if (!parse_line(p, (size_t)(nl - p), lineno, &d, &lerr)) {
			g_propagate_prefixed_error(err, lerr, "%s:%u: ", fname,
			    lineno);
			vpsdata_clear(&d);
			return false;
		}
		p = nl + 1;
	}
	*out = d;
	return true;
}

bool
vpsdata_load(const char *path, struct vps_data *out, GError **err)
{
	g_autofree char *buf = NULL;
	size_t	 len;

	if (!vps_read_trusted_file(path, VPSDATA_SIZE_MAX, &buf, &len, err))
		return false;
	return vpsdata_parse(buf, len, path, out, err);
}

char *
vpsdata_format(const struct vps_data *d, size_t *len)
{
	GString	*s = g_string_new(vpsdata_header);
	size_t	 i;

	for (i = 0; i < d->n; i++) {
		const struct vps_entry *e = &d->v[i];

		g_string_append_printf(s, "%s:%s:%u:%u:%u:%u", e->name,
		    e->owner, e->vcpus, e->memory_mib, e->disk_gib,
		    e->spice_port);
		/* Only a remote VPS has the field: one host's file stays. */
		if (e->host[0] != '\0')
			g_string_append_printf(s, ":%s", e->host);
		g_string_append_c(s, '\n');
	}
	*len = s->len;
	return g_string_free(s, FALSE);
}

int
vpsdata_lock(const char *path, GError **err)
{
	g_autofree char *lockpath = g_strconcat(path, ".lock", NULL);
	int	 fd;

	if ((fd = vps_lock(lockpath, false, err)) == -1)
		return -1;
	/* Under the lock no writer is live: a temp file is a dead one's. */
	if (!atomic_file_clean_stale(path, NULL, err)) {
		vps_unlock(fd);
		return -1;
	}
	return fd;
}

bool
vpsdata_write(const char *path, const struct vps_data *d, bool *changed,
    GError **err)
{
	g_autofree char *text = NULL;
	size_t	 i, len;

	for (i = 0; i < d->n; i++) {
		if (d->v[i].spice_port == 0) {
			g_set_error(err, VPS_ERROR, VPS_ERROR_INVALID,
			    "VPS '%s' has no spice port", d->v[i].name);
			return false;
		}
	}
	text = vpsdata_format(d, &len);
	return vps_replace_file(path, text, len, VPSDATA_MODE, changed, err);
}
