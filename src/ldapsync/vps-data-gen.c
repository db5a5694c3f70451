/*
 * vps-data-gen: vps.data from LDAP.
 *
 * Reads the members (uid below member_base matching member_filter) and
 * the vpsInstance entries below base with paged searches, validates every
 * entry, keeps the SPICE ports and hosts of the VPS already in vps.data,
 * gives new VPS a free port (and, with [host NAME] groups, the host with
 * the most room), and replaces vps.data and the members file atomically.
 * Any LDAP error, or without --force a result that would drop more than
 * max_shrink_percent of the VPS (or all of them) or give an existing VPS
 * another owner, leaves both files as they were. System accounts (a uid
 * below [access] min_uid) are neither members nor owners.
 */
#include <config.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <libvirt/virterror.h>

#include "fileio.h"
#include "hostroom.h"
#include "ldapsync.h"
#include "lock.h"
#include "log.h"
#include "memberlist.h"
#include "pathnames.h"
#include "storage.h"
#include "toolopts.h"
#include "util.h"
#include "vpsconf.h"
#include "vpsdata.h"
#include "vpsmerge.h"

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: vps-data-gen [-c FILE] [-o FILE|-] [--force]\n"
	    "\n"
	    "Writes vps.data from the members and VPS entries in LDAP.\n"
	    "\n"
	    "  -c, --config FILE  configuration file (default %s)\n"
	    "  -o, --output FILE  write to FILE instead of [vps] data; '-'\n"
	    "                     prints to standard output\n"
	    "      --force        write even if more than max_shrink_percent\n"
	    "                     of the VPS (or all of them) would go, or an\n"
	    "                     existing VPS would change owner\n"
	    "  -h, --help         this text\n"
	    "  -V, --version      the version\n", VPS_CONFIG_PATH);
}

struct options {
	const char *config;
	const char *output;
	bool	 force;
};

static const struct toolopt data_gen_opts[] = {
	{ "output", 'o', TOOLOPT_ARG, offsetof(struct options, output) },
	{ "force", 0, TOOLOPT_FLAG, offsetof(struct options, force) },
	{ NULL, 0, 0, 0 },
};
static const struct toolopts tool = { usage, data_gen_opts };

static void
parse_args(int argc, char **argv, struct options *o)
{
	int	 first;

	memset(o, 0, sizeof(*o));
	first = toolopts_parse(&tool, argc, argv, &o->config, o);
	if (first != argc)
		toolopts_usage_error(&tool, argv[first]);
	if (o->output != NULL && *o->output == '\0') {
		vlog_err("-o needs a file name or '-'");
		exit(2);
	}
}

/* libvirt's errors come back as GErrors: it prints none itself. */
static void
quiet(void *data, virErrorPtr e)
{
}

/* The current vps.data; a missing file is an empty one (first run). */
static void
read_current(const char *path, struct vps_data *cur)
{
	g_autoptr(GError) err = NULL;

	if (vpsdata_load(path, cur, &err))
		return;
	if (g_error_matches(err, G_FILE_ERROR, G_FILE_ERROR_NOENT))
		return;
	vlog_fatal(1, "cannot use the current vps.data: %s; not changed",
	    err->message);
}

/*
 * The room of each candidate of placement.h, read before vps.data is
 * locked: a host that does not answer may keep a connect waiting for
 * minutes, and the lock would keep create-vps and the members' cdrom
 * changes waiting as long. v[0] is this host, v[i] the i-th [host NAME].
 */
struct rooms {
	struct room {
		bool	 ok;
		uint64_t room;
		GError	*err;		/* when not ok */
	} *v;				/* NULL: not read ahead */
	size_t	 n;
};

/*
 * The room of host h (NULL: this host): the local [storage] as create-vps
 * sees it, or a [host NAME]'s pool through libvirt.
 */
static bool
room_read(const struct vps_config *cfg, const struct vps_host *h,
    uint64_t *room, GError **err)
{
	if (h != NULL)
		return hostroom_read(h, room, err);
	if (!storage_init(cfg, err) || !storage_free(cfg, room, err)) {
		g_prefix_error(err, "the local [storage]: ");
		return false;
	}
	return true;
}

/* The room query of placement.h: what was read ahead, else asked now. */
static bool
room_of(void *ctx, const struct vps_config *cfg, const struct vps_host *h,
    uint64_t *room, GError **err)
{
	const struct rooms *r = ctx;
	const struct room *v;

	if (r->v == NULL)
		return room_read(cfg, h, room, err);
	v = &r->v[h == NULL ? 0 : (size_t)(h - cfg->hosts) + 1];
	if (!v->ok) {
		g_propagate_error(err, g_error_copy(v->err));
		return false;
	}
	*room = v->room;
	return true;
}

/*
 * Reads the room of every candidate ahead, unlocked, if the directory has
 * a VPS to place against vps.data as it is now. Should vps.data change
 * before it is locked, the build asks for what it needs then.
 */
static void
read_rooms(const struct vps_config *cfg, const struct vpsmerge *m,
    struct rooms *r)
{
	struct vps_data now = VPSDATA_INIT;
	size_t	 i;

	read_current(cfg->data, &now);
	if (vpsmerge_needs_place(m, &now)) {
		r->n = cfg->nhosts + 1;
		r->v = g_new0(struct room, r->n);
		for (i = 0; i < r->n; i++)
			r->v[i].ok = room_read(cfg, i == 0 ? NULL :
			    &cfg->hosts[i - 1], &r->v[i].room, &r->v[i].err);
	}
	vpsdata_clear(&now);
}

static void
rooms_clear(struct rooms *r)
{
	size_t	 i;

	for (i = 0; r->v != NULL && i < r->n; i++)
		g_clear_error(&r->v[i].err);
	g_clear_pointer(&r->v, g_free);
}

/* Members and VPS from LDAP; exits on any error. */
static void
read_directory(const struct vps_config *cfg, struct vpsmerge *m)
{
	g_autoptr(GError) err = NULL;
	g_autoptr(GError) warn = NULL;
	LDAP	*ld;

	if ((ld = ldapsync_open(cfg, &warn, &err)) == NULL)
		vlog_fatal(vps_exit_status(err), "%s; vps.data not changed",
		    err->message);
	if (warn != NULL)
		vlog_warn("%s", warn->message);
	if (!ldapsync_read_members(ld, cfg, m, &err) ||
	    !ldapsync_read_vps(ld, cfg, m, &err)) {
		ldapsync_close(ld);
		vlog_fatal(1, "%s; vps.data not changed", err->message);
	}
	ldapsync_close(ld);
}

/*
 * Writes text to a file that is not a regular one (standard output,
 * /dev/null, a FIFO): there is nothing to replace atomically.
 */
static bool
write_stream(const char *path, const char *text, size_t len, GError **err)
{
	FILE	*f = strcmp(path, "-") == 0 ? stdout : fopen(path, "we");
	bool	 ok;

	if (f == NULL) {
		g_set_error(err, VPS_ERROR, VPS_ERROR_FAILED,
		    "cannot open %s: %s", path, g_strerror(errno));
		return false;
	}
	ok = fwrite(text, 1, len, f) == len;
	ok = (f == stdout ? fflush(f) == 0 : fclose(f) == 0) && ok;
	if (!ok)
		g_set_error(err, VPS_ERROR, VPS_ERROR_FAILED,
		    "cannot write %s: %s", path, g_strerror(errno));
	return ok;
}

/* Writes d to path: atomically unless path is '-' or not a regular file. */
static bool
write_data(const char *path, const struct vps_data *d, bool *changed,
    GError **err)
{
	g_autofree char *text = NULL;
	struct stat st;
	size_t	 len;

	*changed = true;
	if (strcmp(path, "-") != 0 &&
	    (stat(path, &st) == -1 || S_ISREG(st.st_mode)))
		return vpsdata_write(path, d, changed, err);
	text = vpsdata_format(d, &len);
	return write_stream(path, text, len, err);
}

static void
print_notes(const GPtrArray *warnings, const GPtrArray *errors)
{
	guint	 i;

	for (i = 0; i < warnings->len; i++)
		vlog_warn("%s", (const char *)warnings->pdata[i]);
	for (i = 0; i < errors->len; i++)
		vlog_err("%s", (const char *)errors->pdata[i]);
}

/*
 * The owner guard: an existing VPS whose owner changes in LDAP is refused
 * (exit 1) unless --force, which hands it over and says so.
 */
static void
check_handovers(const GPtrArray *handovers, const char *dest, bool force)
{
	guint	 i;

	for (i = 0; i < handovers->len; i++) {
		const char *h = handovers->pdata[i];

		if (force)
			vlog_warn("--force: %s: handed over", h);
		else
			vlog_err("%s: refused; vps-data-gen --force hands it "
			    "over, with its disk", h);
	}
	if (handovers->len > 0 && !force)
		vlog_fatal(1, "refusing to write %s: %u VPS would change "
		    "owner (use --force if this is intended)", dest,
		    handovers->len);
}

/*
 * The members file from the members of m: sorted names, replaced
 * atomically unless it already holds them. Temp files of a killed run
 * are swept first (the caller holds the vps.data lock).
 */
static bool
write_members(const char *path, const struct vpsmerge *m, GError **err)
{
	g_autofree const char **names = NULL;
	g_autofree char *text = NULL;
	size_t	 n, len;

	if (!atomic_file_clean_stale(path, NULL, err))
		return false;
	names = vpsmerge_members(m, &n);
	text = memberlist_format(names, n, &len);
	return vps_replace_file(path, text, len, MEMBERLIST_MODE, NULL, err);
}

/*
 * Under the lock of vps.data: merge with the current file, check the
 * shrink and owner guards and write the members file (unless -o) and
 * vps.data. Returns the number of VPS left out by errors.
 */
static unsigned
merge_and_write(const struct vps_config *cfg, const struct options *o,
    struct vpsmerge *m)
{
	g_autoptr(GError) err = NULL;
	struct vps_data cur = VPSDATA_INIT, out = VPSDATA_INIT;
	struct vpsmerge_diff diff;
	const char *dest = o->output != NULL ? o->output : cfg->data;
	bool	 changed;

	read_current(cfg->data, &cur);
	vpsmerge_build(m, &cur, cfg->port_min, cfg->port_max, &out);
	print_notes(m->warnings, m->errors);
	vpsmerge_diff(&cur, &out, &diff);
	if (!vpsmerge_shrink_ok(cur.n, out.n, diff.removed,
	    cfg->max_shrink_percent, &err)) {
		if (!o->force)
			vlog_fatal(1, "refusing to write %s: %s (use --force "
			    "if this is intended)", dest, err->message);
		vlog_warn("--force: %s", err->message);
		g_clear_error(&err);
	}
	check_handovers(m->handovers, dest, o->force);
	if (o->output == NULL && !write_members(cfg->members, m, &err))
		vlog_fatal(vps_exit_status(err), "%s; vps.data not changed",
		    err->message);
	if (!write_data(dest, &out, &changed, &err))
		vlog_fatal(vps_exit_status(err), "%s", err->message);
	fprintf(strcmp(dest, "-") == 0 ? stderr : stdout,
	    "%u members, %zu VPS, +%u -%u ~%u\n",
	    g_hash_table_size(m->members), out.n, diff.added, diff.removed,
	    diff.changed);
	vpsdata_clear(&cur);
	vpsdata_clear(&out);
	return m->errors->len;
}

int
main(int argc, char **argv)
{
	g_autoptr(vps_config) cfg = NULL;
	g_autoptr(GError) err = NULL;
	g_autoptr(GHashTable) sys = NULL;
	struct vpsmerge m;
	struct rooms rooms = { NULL, 0 };
	struct options o;
	int	 lockfd = -1;
	unsigned failed;

	vlog_init("vps-data-gen", false);
	/* Before any libldap call: no ldap.conf, ldaprc or LDAP* variables. */
	if (!ldapsync_noinit())
		vlog_fatal(1, "cannot set LDAPNOINIT: %s", g_strerror(errno));
	parse_args(argc, argv, &o);
	if ((cfg = config_load(o.config, 0, &err)) == NULL)
		vlog_fatal(vps_exit_status(err), "%s", err->message);

	if ((sys = vps_system_accounts(cfg->min_uid, &err)) == NULL)
		vlog_fatal(1, "%s; vps.data not changed", err->message);
	vpsmerge_init(&m);
	m.min_uid = cfg->min_uid;
	m.local = sys;
	m.cfg = cfg;
	/* Without [host NAME] groups no host is asked anything. */
	if (cfg->nhosts > 0) {
		virSetErrorFunc(NULL, quiet);
		m.room = room_of;
		m.room_ctx = &rooms;
	}
	read_directory(cfg, &m);
	if (cfg->nhosts > 0)
		read_rooms(cfg, &m, &rooms);
	if (o.output == NULL &&
	    (lockfd = vpsdata_lock(cfg->data, &err)) == -1)
		vlog_fatal(1, "%s; vps.data not changed", err->message);
	failed = merge_and_write(cfg, &o, &m);
	vps_unlock(lockfd);
	rooms_clear(&rooms);
	vpsmerge_free(&m);
	return failed == 0 ? 0 : 1;
}
