/*
 * vpsconf.c: vps.conf. A table lists every key with its type, default and
 * range; defaults go through the same checks as values from the file.
 * GKeyFile reads the values, a first pass over the text finds the line of
 * each key so that every error can name FILE:LINE. The [host NAME] groups,
 * any number of them up to VPS_HOSTS_MAX, have a table of their own whose
 * offsets are into struct vps_host.
 */
#include <config.h>

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <sys/stat.h>

#include "vpsconf.h"
#include "fileio.h"
#include "names.h"
#include "util.h"

enum key_type {
	K_STR,		/* non-empty printable ASCII */
	K_OPTSTR,	/* empty allowed: NULL */
	K_PATH,		/* absolute path */
	K_OPTPATH,	/* absolute path, or empty: NULL */
	K_UINT,		/* decimal in [min, max] */
	K_ENUM,		/* one of choices, stored as its index */
	K_ADDR,		/* IPv4 or IPv6 address literal */
	K_VG,		/* LVM volume group name */
	K_IFNAME,	/* network interface name */
	K_LDAPURI,	/* ldap://, ldaps:// or ldapi:// URI */
	K_FILTER,	/* LDAP filter in parentheses */
	K_CPU,		/* host-passthrough, host-model or a CPU model */
	K_FEATURES,	/* comma-separated CPU feature names, or empty */
	K_FILTER_NAME,	/* libvirt nwfilter name, or empty: NULL */
	K_POOL,		/* libvirt storage pool name */
};

struct config_key {
	const char *group;
	const char *key;
	enum key_type type;
	size_t	 off;
	const char *def;
	unsigned min, max;
	const char *const *choices;
};

static const char *const backends[] = { "lvm", "file", NULL };
static const char *const starttls_modes[] = { "no", "try", "demand", NULL };
static const char *const virt_types[] = { "auto", "kvm", "qemu", NULL };
static const char *const host_backends[] = { "lvm", "file", "pool", NULL };

#define OFF(f)	offsetof(struct vps_config, f)

static const struct config_key config_keys[] = {
	{ "vps", "data", K_PATH, OFF(data), SYSCONFDIR "/vps/vps.data",
	    0, 0, NULL },
	{ "vps", "iso_dir", K_PATH, OFF(iso_dir),
	    "/var/lib/libvirt/images/iso", 0, 0, NULL },
	{ "vps", "members", K_PATH, OFF(members), SYSCONFDIR "/vps/members",
	    0, 0, NULL },
	{ "vps", "uri", K_STR, OFF(uri), "qemu:///system", 0, 0, NULL },
	{ "vps", "template_dir", K_PATH, OFF(template_dir), PKGDATADIR,
	    0, 0, NULL },
	{ "vps", "virt_type", K_ENUM, OFF(virt_type), "auto", 0, 0,
	    virt_types },
	{ "vps", "cpu", K_CPU, OFF(cpu), "host-passthrough", 0, 0, NULL },
	{ "vps", "cpu_disable", K_FEATURES, OFF(cpu_disable), "", 0, 0, NULL },
	{ "storage", "backend", K_ENUM, OFF(backend), "lvm", 0, 0, backends },
	{ "storage", "vg", K_VG, OFF(vg), "vps", 0, 0, NULL },
	{ "storage", "dir", K_PATH, OFF(dir), "/var/lib/libvirt/images/vps",
	    0, 0, NULL },
	{ "storage", "lvm_config", K_OPTSTR, OFF(lvm_config), "", 0, 0, NULL },
	{ "network", "network", K_OPTSTR, OFF(network), "default", 0, 0, NULL },
	{ "network", "bridge", K_IFNAME, OFF(bridge), "", 0, 0, NULL },
	{ "network", "filter", K_FILTER_NAME, OFF(filter), "clean-traffic",
	    0, 0, NULL },
	{ "spice", "listen", K_ADDR, OFF(listen), "127.0.0.1", 0, 0, NULL },
	{ "spice", "port_min", K_UINT, OFF(port_min), "5900", 1024, 65535,
	    NULL },
	{ "spice", "port_max", K_UINT, OFF(port_max), "6899", 1024, 65535,
	    NULL },
	{ "spice", "ticket_minutes", K_UINT, OFF(ticket_minutes), "10", 1,
	    1440, NULL },
	{ "limits", "sessions", K_UINT, OFF(sessions), "4", 1, 1000, NULL },
	{ "limits", "idle_minutes", K_UINT, OFF(idle_minutes), "60", 0, 10080,
	    NULL },
	{ "snapshots", "max_per_vps", K_UINT, OFF(snap_max), "3", 0, 64,
	    NULL },
	{ "snapshots", "lvm_size_percent", K_UINT, OFF(snap_lvm_percent),
	    "20", 1, 100, NULL },
	{ "access", "sudoers", K_PATH, OFF(sudoers), "/etc/sudoers.d/vps",
	    0, 0, NULL },
	{ "access", "sshd", K_OPTPATH, OFF(sshd),
	    "/etc/ssh/sshd_config.d/vps.conf", 0, 0, NULL },
	{ "access", "min_uid", K_UINT, OFF(min_uid), "1000", 1, 2147483647,
	    NULL },
	{ "ldap", "uri", K_LDAPURI, OFF(ldap_uri), "ldap://127.0.0.1",
	    0, 0, NULL },
	{ "ldap", "base", K_STR, OFF(ldap_base), "ou=vps,dc=example,dc=org",
	    0, 0, NULL },
	{ "ldap", "member_base", K_STR, OFF(member_base),
	    "ou=people,dc=example,dc=org", 0, 0, NULL },
	{ "ldap", "member_filter", K_FILTER, OFF(member_filter),
	    "(objectClass=posixAccount)", 0, 0, NULL },
	{ "ldap", "bind_dn", K_OPTSTR, OFF(bind_dn), "", 0, 0, NULL },
	{ "ldap", "bind_password_file", K_OPTPATH, OFF(bind_password_file),
	    "", 0, 0, NULL },
	{ "ldap", "starttls", K_ENUM, OFF(starttls), "no", 0, 0,
	    starttls_modes },
	{ "ldap", "ca_file", K_OPTPATH, OFF(ca_file), "", 0, 0, NULL },
	{ "ldap", "page_size", K_UINT, OFF(page_size), "500", 1, 100000,
	    NULL },
	{ "ldap", "timeout", K_UINT, OFF(timeout), "10", 1, 3600, NULL },
	{ "ldap", "max_shrink_percent", K_UINT, OFF(max_shrink_percent), "20",
	    0, 100, NULL },
};

#define NKEYS	G_N_ELEMENTS(config_keys)

#define HOST_PREFIX	"host "		/* of the group [host NAME] */
#define HOFF(f)	offsetof(struct vps_host, f)

/*
 * The keys of a [host NAME] group; a NULL default is a key without one
 * (uri and spice_listen are required, pool only with backend = pool).
 */
static const struct config_key host_keys[] = {
	{ "host", "uri", K_STR, HOFF(uri), NULL, 0, 0, NULL },
	{ "host", "spice_listen", K_ADDR, HOFF(spice_listen), NULL,
	    0, 0, NULL },
	{ "host", "backend", K_ENUM, HOFF(backend), "lvm", 0, 0,
	    host_backends },
	{ "host", "vg", K_VG, HOFF(vg), "vps", 0, 0, NULL },
	{ "host", "dir", K_PATH, HOFF(dir), "/var/lib/libvirt/images/vps",
	    0, 0, NULL },
	{ "host", "pool", K_POOL, HOFF(pool), NULL, 0, 0, NULL },
};

#define NHOSTKEYS	G_N_ELEMENTS(host_keys)

static const struct config_key *
find_key(const char *group, const char *key)
{
	size_t	 i;

	for (i = 0; i < NKEYS; i++) {
		if (strcmp(config_keys[i].group, group) == 0 &&
		    (key == NULL || strcmp(config_keys[i].key, key) == 0))
			return &config_keys[i];
	}
	return NULL;
}

static bool
path_valid(const char *v, GError **err)
{
	g_auto(GStrv) parts = NULL;
	size_t	 i;

	if (v[0] != '/')
		return vps_invalid(err, "must be an absolute path");
	parts = g_strsplit(v, "/", -1);
	for (i = 0; parts[i] != NULL; i++) {
		if (strcmp(parts[i], "..") == 0)
			return vps_invalid(err, "must not contain '..'");
	}
	return true;
}

static bool
addr_valid(const char *v, GError **err)
{
	unsigned char buf[sizeof(struct in6_addr)];

	if (inet_pton(AF_INET, v, buf) == 1 ||
	    inet_pton(AF_INET6, v, buf) == 1)
		return true;
	return vps_invalid(err, "not an IPv4 or IPv6 address");
}

static bool
ifname_valid(const char *v, GError **err)
{
	if (strlen(v) > 15 || strchr(v, '/') != NULL ||
	    strchr(v, ' ') != NULL || strcmp(v, ".") == 0 ||
	    strcmp(v, "..") == 0)
		return vps_invalid(err, "not a network interface name");
	return true;
}

/* A libvirt nwfilter name: letters, digits, '-', '_', '.', ':'. */
static bool
nwfilter_valid(const char *v, GError **err)
{
	size_t	 i;

	for (i = 0; v[i] != '\0'; i++) {
		if (!g_ascii_isalnum(v[i]) && strchr("-_.:", v[i]) == NULL)
			return vps_invalid(err, "not a libvirt nwfilter name "
			    "(letters, digits, '-', '_', '.', ':')");
	}
	if (i > 64)
		return vps_invalid(err, "nwfilter name too long");
	return true;
}

/*
 * A libvirt storage pool name as virsh pool-define-as takes it: letters,
 * digits, '-', '_', '.', '+', not starting with '-' or '.'.
 */
static bool
pool_valid(const char *v, GError **err)
{
	size_t	 i;

	if (v[0] == '-' || v[0] == '.')
		return vps_invalid(err, "must not start with '-' or '.'");
	for (i = 0; v[i] != '\0'; i++) {
		if (!g_ascii_isalnum(v[i]) && strchr("-_.+", v[i]) == NULL)
			return vps_invalid(err, "not a libvirt storage pool "
			    "name (letters, digits, '-', '_', '.', '+')");
	}
	if (i > 64)
		return vps_invalid(err, "pool name too long");
	return true;
}

static bool
ldapuri_valid(const char *v, GError **err)
{
	if (g_str_has_prefix(v, "ldap://") || g_str_has_prefix(v, "ldaps://") ||
	    g_str_has_prefix(v, "ldapi://"))
		return true;
	return vps_invalid(err,
	    "must start with ldap://, ldaps:// or ldapi://");
}

static bool
filter_valid(const char *v, GError **err)
{
	size_t	 len = strlen(v);

	if (len < 3 || v[0] != '(' || v[len - 1] != ')')
		return vps_invalid(err,
		    "must be an LDAP filter in parentheses");
	return true;
}

static bool
enum_value(const struct config_key *k, const char *v, int *out,
    GError **err)
{
	int	 i;

	for (i = 0; k->choices[i] != NULL; i++) {
		if (strcmp(k->choices[i], v) == 0) {
			*out = i;
			return true;
		}
	}
	if (k->choices == backends)
		return vps_invalid(err, "must be lvm or file");
	if (k->choices == host_backends)
		return vps_invalid(err, "must be lvm, file or pool");
	if (k->choices == virt_types)
		return vps_invalid(err, "must be auto, kvm or qemu");
	return vps_invalid(err, "must be no, try or demand");
}

/*
 * A comma-separated list of CPU feature names (blanks around the commas
 * allowed), each once; empty: no list.
 */
static bool
features_value(const char *v, char ***out, GError **err)
{
	g_auto(GStrv) parts = NULL;
	size_t	 i, j;

	if (v[0] == '\0') {
		g_clear_pointer(out, g_strfreev);
		return true;
	}
	parts = g_strsplit(v, ",", -1);
	for (i = 0; parts[i] != NULL; i++) {
		g_strstrip(parts[i]);
		if (!vps_cpu_feature_valid(parts[i], err))
			return false;
		for (j = 0; j < i; j++) {
			if (strcmp(parts[i], parts[j]) == 0)
				return vps_invalid(err,
				    "a CPU feature is listed twice");
		}
	}
	g_strfreev(*out);
	*out = g_steal_pointer(&parts);
	return true;
}

/*
 * Checks v against the type of k and stores it in obj (a struct vps_config,
 * or a struct vps_host for host_keys); on error err says why, for the
 * caller to prefix with the key.
 */
static bool
set_value(void *obj, const struct config_key *k, const char *v,
    GError **err)
{
	char	*base = obj;
	unsigned long long n;
	bool	 empty = v[0] == '\0';

	if (!vps_printable_ascii(v))
		return vps_invalid(err,
		    "control or non-ASCII character in value");
	switch (k->type) {
	case K_UINT:
		if (!vps_parse_uint(v, k->min, k->max, &n, err))
			return false;
		*(unsigned *)(void *)(base + k->off) = (unsigned)n;
		return true;
	case K_ENUM:
		return enum_value(k, v, (int *)(void *)(base + k->off), err);
	case K_FEATURES:
		return features_value(v, (char ***)(void *)(base + k->off),
		    err);
	case K_OPTSTR:
	case K_OPTPATH:
	case K_IFNAME:
	case K_FILTER_NAME:
		if (empty)
			break;
		if (k->type == K_FILTER_NAME && !nwfilter_valid(v, err))
			return false;
		if (k->type == K_OPTPATH && !path_valid(v, err))
			return false;
		if (k->type == K_IFNAME && !ifname_valid(v, err))
			return false;
		break;
	case K_STR:
	case K_PATH:
	case K_ADDR:
	case K_VG:
	case K_LDAPURI:
	case K_FILTER:
	case K_CPU:
	case K_POOL:
		if (empty)
			return vps_invalid(err, "must not be empty");
		if ((k->type == K_PATH && !path_valid(v, err)) ||
		    (k->type == K_ADDR && !addr_valid(v, err)) ||
		    (k->type == K_VG && !vps_vg_name_valid(v, err)) ||
		    (k->type == K_LDAPURI && !ldapuri_valid(v, err)) ||
		    (k->type == K_FILTER && !filter_valid(v, err)) ||
		    (k->type == K_CPU && !vps_cpu_valid(v, err)) ||
		    (k->type == K_POOL && !pool_valid(v, err)))
			return false;
		break;
	}
	g_free(*(char **)(void *)(base + k->off));
	*(char **)(void *)(base + k->off) = empty ? NULL : g_strdup(v);
	return true;
}

static struct vps_config *
config_defaults(void)
{
	struct vps_config *cfg = g_new0(struct vps_config, 1);
	GError	*err = NULL;
	size_t	 i;

	for (i = 0; i < NKEYS; i++) {
		if (!set_value(cfg, &config_keys[i], config_keys[i].def, &err))
			g_error("default of [%s] %s: %s", config_keys[i].group,
			    config_keys[i].key, err->message);
	}
	return cfg;
}

/* Frees the values of keys[n] that obj holds. */
static void
free_values(void *obj, const struct config_key *keys, size_t n)
{
	char	*base = obj;
	size_t	 i;

	for (i = 0; i < n; i++) {
		if (keys[i].type == K_FEATURES)
			g_strfreev(*(char ***)(void *)(base + keys[i].off));
		else if (keys[i].type != K_UINT && keys[i].type != K_ENUM)
			g_free(*(char **)(void *)(base + keys[i].off));
	}
}

void
config_free(struct vps_config *cfg)
{
	size_t	 i;

	if (cfg == NULL)
		return;
	free_values(cfg, config_keys, NKEYS);
	for (i = 0; i < cfg->nhosts; i++)
		free_values(&cfg->hosts[i], host_keys, NHOSTKEYS);
	g_free(cfg->hosts);
	g_free(cfg->path);
	g_free(cfg);
}

const struct vps_host *
config_host(const struct vps_config *cfg, const char *name)
{
	size_t	 i;

	if (name == NULL || name[0] == '\0')
		return NULL;
	for (i = 0; i < cfg->nhosts; i++) {
		if (strcmp(cfg->hosts[i].name, name) == 0)
			return &cfg->hosts[i];
	}
	return NULL;
}

bool
config_host_of(const struct vps_config *cfg, const struct vps_entry *e,
    const struct vps_host **h, GError **err)
{
	*h = NULL;
	if (e->host[0] == '\0')
		return true;
	if ((*h = config_host(cfg, e->host)) != NULL)
		return true;
	g_set_error(err, VPS_ERROR, VPS_ERROR_INVALID, "VPS %s is on host "
	    "%s, which has no [host %s] group in %s", e->name, e->host,
	    e->host, cfg->path != NULL ? cfg->path : "vps.conf");
	return false;
}

const char *
config_uri_for(const struct vps_config *cfg, const struct vps_entry *e,
    GError **err)
{
	const struct vps_host *h;

	if (!config_host_of(cfg, e, &h, err))
		return NULL;
	return h != NULL ? h->uri : cfg->uri;
}

/*
 * Line numbers of the keys seen, by "group\nkey", and of the [host NAME]
 * lines, by "host NAME", for error messages.
 */
struct line_index {
	GHashTable *lines;
	const char *fname;
	GPtrArray *hosts;	/* char *: the NAMEs, in the file's order */
};

static bool G_GNUC_PRINTF(4, 5)
line_error(GError **err, const char *fname, unsigned line, const char *fmt,
    ...)
{
	va_list	 ap;
	g_autofree char *msg = NULL;

	va_start(ap, fmt);
	msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	g_set_error(err, VPS_ERROR, VPS_ERROR_INVALID, "%s:%u: %s", fname,
	    line, msg);
	return false;
}

/* The key called key of group, from the table of its kind, or NULL. */
static const struct config_key *
group_key(const char *group, const char *key)
{
	size_t	 i;

	if (!g_str_has_prefix(group, HOST_PREFIX))
		return find_key(group, key);
	for (i = 0; i < NHOSTKEYS; i++) {
		if (strcmp(host_keys[i].key, key) == 0)
			return &host_keys[i];
	}
	return NULL;
}

/*
 * Checks one "key = value" line of [group]: known key, not seen before.
 */
static bool
index_key(struct line_index *idx, const char *group, const char *line,
    unsigned lineno, GError **err)
{
	g_autofree char *key = NULL;
	g_autofree char *shown = NULL;
	const char *eq = strchr(line, '=');
	char	*id;
	gpointer first;

	if (eq == NULL)
		return line_error(err, idx->fname, lineno,
		    "expected 'key = value'");
	key = g_strstrip(g_strndup(line, (size_t)(eq - line)));
	shown = g_strescape(key, NULL);
	if (group == NULL)
		return line_error(err, idx->fname, lineno,
		    "key '%s' outside of a [group]", shown);
	if (group_key(group, key) == NULL)
		return line_error(err, idx->fname, lineno,
		    "unknown key '%s' in [%s]", shown, group);
	id = g_strdup_printf("%s\n%s", group, key);
	if ((first = g_hash_table_lookup(idx->lines, id)) != NULL) {
		g_free(id);
		return line_error(err, idx->fname, lineno,
		    "duplicate key '%s' in [%s] (first on line %u)", key,
		    group, GPOINTER_TO_UINT(first));
	}
	g_hash_table_insert(idx->lines, id, GUINT_TO_POINTER(lineno));
	return true;
}

/*
 * Checks the line l of [group]: a group of the table, or [host NAME] with
 * a valid NAME not seen before, which is added to idx->hosts.
 */
static bool
index_group(struct line_index *idx, const char *l, const char *group,
    unsigned lineno, GError **err)
{
	g_autoptr(GError) nerr = NULL;
	g_autofree char *shown = NULL;
	const char *name;
	gpointer first;

	if (l[strlen(l) - 1] == ']' && find_key(group, NULL) != NULL)
		return true;
	if (l[strlen(l) - 1] != ']' || !g_str_has_prefix(group, HOST_PREFIX))
		return line_error(err, idx->fname, lineno,
		    "unknown group '%.64s'", l);
	name = group + strlen(HOST_PREFIX);
	if (!vps_host_name_valid(name, &nerr)) {
		shown = g_strescape(name, NULL);
		return line_error(err, idx->fname, lineno,
		    "[host %.40s]: bad host NAME: %s", shown, nerr->message);
	}
	if ((first = g_hash_table_lookup(idx->lines, group)) != NULL)
		return line_error(err, idx->fname, lineno,
		    "duplicate group [%s] (first on line %u)", group,
		    GPOINTER_TO_UINT(first));
	if (idx->hosts->len >= VPS_HOSTS_MAX)
		return line_error(err, idx->fname, lineno,
		    "more than %d [host NAME] groups", VPS_HOSTS_MAX);
	g_hash_table_insert(idx->lines, g_strdup(group),
	    GUINT_TO_POINTER(lineno));
	g_ptr_array_add(idx->hosts, g_strdup(name));
	return true;
}

/*
 * The first pass: every line is blank, a comment, a known [group] or a
 * known key, each key at most once.
 */
static bool
index_lines(struct line_index *idx, const char *text, GError **err)
{
	g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
	g_autofree char *group = NULL;
	unsigned i;

	for (i = 0; lines[i] != NULL; i++) {
		char	*l = g_strstrip(lines[i]);
		size_t	 len = strlen(l);

		if (len == 0 || l[0] == '#')
			continue;
		if (l[0] == '[') {
			g_free(group);
			group = g_strndup(l + 1, len > 1 ? len - 2 : 0);
			if (!index_group(idx, l, group, i + 1, err))
				return false;
			continue;
		}
		if (!index_key(idx, group, l, i + 1, err))
			return false;
	}
	return true;
}

/* The line of key in group, 0 if the file does not set it. */
static unsigned
key_line(const struct line_index *idx, const char *group, const char *key)
{
	g_autofree char *id = g_strdup_printf("%s\n%s", group, key);

	return GPOINTER_TO_UINT(g_hash_table_lookup(idx->lines, id));
}

/* Reads key k of group into obj if the file sets it. */
static bool
apply_key(void *obj, GKeyFile *kf, const struct line_index *idx,
    const char *group, const struct config_key *k, GError **err)
{
	g_autofree char *v = NULL;
	GError	*kerr = NULL;
	unsigned line;

	if ((line = key_line(idx, group, k->key)) == 0)
		return true;
	/*
	 * GLib returns what it could read of a value with an invalid
	 * escape ("\2") and sets the error too: the error wins.
	 */
	v = g_key_file_get_string(kf, group, k->key, &kerr);
	if (v == NULL || kerr != NULL) {
		line_error(err, idx->fname, line, "[%s] %s: %s", group,
		    k->key, kerr != NULL ? kerr->message : "cannot be read");
		g_clear_error(&kerr);
		return false;
	}
	if (!set_value(obj, k, v, err)) {
		g_prefix_error(err, "%s:%u: [%s] %s: ", idx->fname, line,
		    group, k->key);
		return false;
	}
	return true;
}

/* Reads every key of the table that the file sets. */
static bool
apply_file(struct vps_config *cfg, GKeyFile *kf, struct line_index *idx,
    GError **err)
{
	size_t	 i;

	for (i = 0; i < NKEYS; i++) {
		if (!apply_key(cfg, kf, idx, config_keys[i].group,
		    &config_keys[i], err))
			return false;
	}
	return true;
}

/* The keys a [host NAME] group must have, given its backend. */
static bool
check_host(const struct vps_host *h, const struct line_index *idx,
    const char *group, GError **err)
{
	if (h->uri == NULL)
		return line_error(err, idx->fname, h->line,
		    "[%s]: missing key uri", group);
	if (h->spice_listen == NULL)
		return line_error(err, idx->fname, h->line,
		    "[%s]: missing key spice_listen", group);
	if (h->backend == VPS_BACKEND_POOL && h->pool == NULL)
		return line_error(err, idx->fname,
		    key_line(idx, group, "backend"),
		    "[%s]: backend = pool needs the key pool", group);
	if (h->backend != VPS_BACKEND_POOL && h->pool != NULL)
		return line_error(err, idx->fname, key_line(idx, group, "pool"),
		    "[%s] pool: only for backend = pool", group);
	return true;
}

/* Reads one [host NAME] group into h: the defaults, then the file. */
static bool
apply_host(struct vps_host *h, const char *name, GKeyFile *kf,
    const struct line_index *idx, GError **err)
{
	g_autofree char *group = g_strconcat(HOST_PREFIX, name, NULL);
	GError	*derr = NULL;
	size_t	 i;

	vps_strlcpy(h->name, name, sizeof(h->name));
	h->line = GPOINTER_TO_UINT(g_hash_table_lookup(idx->lines, group));
	for (i = 0; i < NHOSTKEYS; i++) {
		if (host_keys[i].def != NULL &&
		    !set_value(h, &host_keys[i], host_keys[i].def, &derr))
			g_error("default of [host] %s: %s", host_keys[i].key,
			    derr->message);
	}
	for (i = 0; i < NHOSTKEYS; i++) {
		if (!apply_key(h, kf, idx, group, &host_keys[i], err))
			return false;
	}
	return check_host(h, idx, group, err);
}

/* Reads every [host NAME] group, in the order of the file. */
static bool
apply_hosts(struct vps_config *cfg, GKeyFile *kf, struct line_index *idx,
    GError **err)
{
	size_t	 i;

	if (idx->hosts->len == 0)
		return true;
	cfg->hosts = g_new0(struct vps_host, idx->hosts->len);
	for (i = 0; i < idx->hosts->len; i++) {
		/* Counted first: config_free frees what was set. */
		cfg->nhosts++;
		if (!apply_host(&cfg->hosts[i], idx->hosts->pdata[i], kf, idx,
		    err))
			return false;
	}
	return true;
}

/* Rules that tie keys together. */
static bool
check_consistency(struct vps_config *cfg, struct line_index *idx,
    GError **err)
{
	unsigned line;

	if (cfg->port_min > cfg->port_max) {
		line = GPOINTER_TO_UINT(g_hash_table_lookup(idx->lines,
		    "spice\nport_min"));
		return line_error(err, idx->fname, line,
		    "[spice] port_min %u is above port_max %u",
		    cfg->port_min, cfg->port_max);
	}
	if (cfg->bridge != NULL) {
		line = GPOINTER_TO_UINT(g_hash_table_lookup(idx->lines,
		    "network\nnetwork"));
		if (line != 0 && cfg->network != NULL)
			return line_error(err, idx->fname, line,
			    "[network] set either network or bridge, "
			    "not both");
		g_clear_pointer(&cfg->network, g_free);
	} else if (cfg->network == NULL) {
		line = GPOINTER_TO_UINT(g_hash_table_lookup(idx->lines,
		    "network\nnetwork"));
		return line_error(err, idx->fname, line,
		    "[network] network or bridge must be set");
	}
	return true;
}

struct vps_config *
config_parse(const char *text, size_t len, const char *fname, GError **err)
{
	g_autoptr(GKeyFile) kf = g_key_file_new();
	struct line_index idx = { NULL, fname, NULL };
	struct vps_config *cfg = NULL;
	g_autofree char *str = NULL;
	GError	*kerr = NULL;

	if (memchr(text, '\0', len) != NULL) {
		g_set_error(err, VPS_ERROR, VPS_ERROR_INVALID,
		    "%s: NUL byte in file", fname);
		return NULL;
	}
	/* text[len] need not be a NUL; the line index wants a string. */
	str = g_strndup(text, len);
	idx.lines = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
	    NULL);
	idx.hosts = g_ptr_array_new_with_free_func(g_free);
	if (!index_lines(&idx, str, err))
		goto out;
	if (!g_key_file_load_from_data(kf, text, len, G_KEY_FILE_NONE,
	    &kerr)) {
		g_set_error(err, VPS_ERROR, VPS_ERROR_INVALID, "%s: %s",
		    fname, kerr->message);
		g_error_free(kerr);
		goto out;
	}
	cfg = config_defaults();
	if (!apply_file(cfg, kf, &idx, err) ||
	    !apply_hosts(cfg, kf, &idx, err) ||
	    !check_consistency(cfg, &idx, err))
		g_clear_pointer(&cfg, config_free);
	else
		cfg->path = g_strdup(fname);
out:
	g_hash_table_destroy(idx.lines);
	g_ptr_array_unref(idx.hosts);
	return cfg;
}

struct vps_config *
config_load(const char *path, unsigned flags, GError **err)
{
	g_autofree char *text = NULL;
	const char *p = path != NULL ? path : VPS_CONFIG_PATH;
	GError	*rerr = NULL;
	size_t	 len = 0;
	bool	 ok;

	if (flags & VPS_CONFIG_ANY_OWNER)
		ok = vps_read_file(p, VPS_CONFIG_SIZE_MAX, &text, &len, &rerr);
	else
		ok = vps_read_trusted_file(p, VPS_CONFIG_SIZE_MAX, &text, &len,
		    &rerr);
	if (!ok) {
		if (path == NULL && !(flags & VPS_CONFIG_MUST_EXIST) &&
		    g_error_matches(rerr, G_FILE_ERROR, G_FILE_ERROR_NOENT)) {
			g_error_free(rerr);
			return config_parse("", 0, p, err);
		}
		g_set_error(err, VPS_ERROR, rerr->domain == VPS_ERROR ?
		    rerr->code : VPS_ERROR_FAILED, "%s", rerr->message);
		g_error_free(rerr);
		return NULL;
	}
	return config_parse(text, len, p, err);
}
