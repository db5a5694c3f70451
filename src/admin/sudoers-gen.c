/*
 * sudoers-gen: per-member sudoers and sshd rules from vps.data and the
 * members file.
 *
 * Each member may run, as root and without a password, exactly
 * "BINDIR/virsh-menu --list" and "BINDIR/virsh-menu --serve VPS" for the
 * VPS they own; with [access] sshd set, each member's ssh session is
 * forced into the menu and may only forward to their own SPICE ports
 * (nowhere, for a member without a VPS). No system account (a local uid
 * below [access] min_uid) ever gets rules: a file naming one is refused.
 * Files are checked by visudo and sshd before and after the rename, and
 * the old file is restored if the check after the rename fails.
 */
#include <config.h>

#include <errno.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"
#include "lock.h"
#include "memberlist.h"
#include "log.h"
#include "pathnames.h"
#include "ruleinstall.h"
#include "rules.h"
#include "sshdreload.h"
#include "toolopts.h"
#include "util.h"
#include "vpsconf.h"
#include "vpsdata.h"

/* The running sshd's configuration: checked after install, then reloaded. */
static const char *sshd_config = SSHD_CONFIG;

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: sudoers-gen [-c FILE] [-o FILE|-] [--check] "
	    "[--sshd-config FILE]\n"
	    "\n"
	    "Writes the sudoers rules (and, if [access] sshd is set, the sshd\n"
	    "rules) that let each member run only the menu for their own VPS.\n"
	    "\n"
	    "  -c, --config FILE  configuration file (default %s)\n"
	    "  -o, --output FILE  write the sudoers rules to FILE instead of\n"
	    "                     [access] sudoers; '-' prints all rules to\n"
	    "                     standard output and installs nothing\n"
	    "      --check        exit 0 if the installed files are up to date,\n"
	    "                     1 if not; change nothing\n"
	    "      --sshd-config FILE\n"
	    "                     the running sshd's configuration, checked\n"
	    "                     with the new rules and reloaded (SIGHUP)\n"
	    "                     when they changed (default %s)\n"
	    "  -h, --help         this text\n"
	    "  -V, --version      the version\n", VPS_CONFIG_PATH,
	    SSHD_CONFIG);
}

/* visudo checks syntax, owner and mode of the temp file. */
static bool
sudoers_precheck(const char *tmp, GError **err)
{
	const char *argv[] = { VISUDO, "-c", "-q", "-O", "-P", "-f", tmp,
	    NULL };

	return run_checker(argv, err);
}

static bool
sudoers_postcheck(GError **err)
{
	const char *argv[] = { VISUDO, "-c", NULL };

	return run_checker(argv, err);
}

/*
 * sshd -t needs its privilege separation directory and a host key even to
 * check a configuration; on a host running sshd both exist.
 */
static void
sshd_rundir(void)
{
	if (mkdir(SSHD_RUNDIR, 0755) == -1 && errno != EEXIST)
		vlog_warn("cannot create %s: %s", SSHD_RUNDIR,
		    g_strerror(errno));
}

/* Checks the new sshd rules alone, included from a throw-away config. */
static bool
sshd_precheck(const char *tmp, GError **err)
{
	g_autofree char *dir = NULL, *wrapper = NULL, *text = NULL;
	g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func(g_free);
	glob_t	 keys;
	size_t	 i;
	bool	 ok = false;

	if (glob(SSHD_HOST_KEYS, 0, NULL, &keys) != 0) {
		g_set_error(err, VPS_ERROR, VPS_ERROR_FAILED,
		    "cannot check sshd rules: no host key in /etc/ssh");
		return false;
	}
	if ((dir = g_dir_make_tmp("sudoers-gen-XXXXXX", NULL)) == NULL) {
		g_set_error(err, VPS_ERROR, VPS_ERROR_FAILED,
		    "cannot create a temporary directory");
		goto out;
	}
	wrapper = g_build_filename(dir, "sshd_config", NULL);
	text = g_strdup_printf("Include %s\n", tmp);
	if (!g_file_set_contents(wrapper, text, -1, err))
		goto out;
	g_ptr_array_add(argv, g_strdup(SSHD));
	g_ptr_array_add(argv, g_strdup("-t"));
	g_ptr_array_add(argv, g_strdup("-f"));
	g_ptr_array_add(argv, g_strdup(wrapper));
	for (i = 0; i < keys.gl_pathc; i++) {
		g_ptr_array_add(argv, g_strdup("-o"));
		g_ptr_array_add(argv, g_strdup_printf("HostKey=%s",
		    keys.gl_pathv[i]));
	}
	g_ptr_array_add(argv, NULL);
	sshd_rundir();
	ok = run_checker((const char *const *)argv->pdata, err);
out:
	if (wrapper != NULL)
		unlink(wrapper);
	if (dir != NULL)
		rmdir(dir);
	globfree(&keys);
	return ok;
}

static bool
sshd_postcheck(GError **err)
{
	const char *argv[] = { SSHD, "-t", "-f", sshd_config, NULL };

	sshd_rundir();
	return run_checker(argv, err);
}

/*
 * Refuses, naming FILE:LINE, a name that is a local system account: a
 * "Match User root" block with a forced command would lock root out.
 */
static bool
system_account_check(GHashTable *sys, const char *path, unsigned line,
    const char *what, const char *name, unsigned min_uid, GError **err)
{
	unsigned uid;

	if (!vps_system_account(sys, name, &uid))
		return true;
	g_set_error(err, VPS_ERROR, VPS_ERROR_INVALID, "%s:%u: %s '%s' is a "
	    "system account (uid %u < %u)", path, line, what, name, uid,
	    min_uid);
	return false;
}

/* No owner in d and no member in ml is a local system account. */
static bool
no_system_accounts(const struct vps_config *cfg, const struct vps_data *d,
    const struct member_list *ml, GError **err)
{
	g_autoptr(GHashTable) sys = vps_system_accounts(cfg->min_uid, err);
	size_t	 i;

	if (sys == NULL)
		return false;
	for (i = 0; i < d->n; i++) {
		if (!system_account_check(sys, cfg->data, d->v[i].line,
		    "owner", d->v[i].owner, cfg->min_uid, err))
			return false;
	}
	for (i = 0; i < ml->v->len; i++) {
		const struct member *m = &g_array_index(ml->v, struct member,
		    i);

		if (!system_account_check(sys, cfg->members, m->line,
		    "member", m->name, cfg->min_uid, err))
			return false;
	}
	return true;
}

/*
 * Every VPS of d is on a host that cfg knows: a VPS of another host whose
 * [host NAME] is missing refuses the whole file (its forwarding target
 * would be unknown), naming FILE:LINE, the VPS and the host.
 */
static bool
hosts_known(const struct vps_config *cfg, const struct vps_data *d,
    GError **err)
{
	const struct vps_host *h;
	size_t	 i;

	for (i = 0; i < d->n; i++) {
		if (!config_host_of(cfg, &d->v[i], &h, err)) {
			g_prefix_error(err, "%s:%u: ", cfg->data, d->v[i].line);
			return false;
		}
	}
	return true;
}

/*
 * The sudoers and sshd text from vps.data and the members file; exits on
 * invalid input.
 */
static void
make_rules(const struct vps_config *cfg, char **sudoers, char **sshd)
{
	g_autoptr(GError) err = NULL;
	struct vps_data d = VPSDATA_INIT;
	struct member_list ml = MEMBERLIST_INIT;
	g_autofree const char **names = NULL;
	g_autofree char *source = NULL;

	if (!vpsdata_load(cfg->data, &d, &err) ||
	    !memberlist_load(cfg->members, &ml, &err) ||
	    !no_system_accounts(cfg, &d, &ml, &err) ||
	    !hosts_known(cfg, &d, &err))
		vlog_fatal(vps_exit_status(err), "no rules written: %s",
		    err->message);
	names = memberlist_names(&ml);
	source = g_strdup_printf("%s and %s", cfg->data, cfg->members);
	*sudoers = rules_sudoers(&d, names, MENU_PATH, source);
	*sshd = cfg->sshd != NULL ? rules_sshd(&d, cfg, names, MENU_PATH,
	    source) : NULL;
	vpsdata_clear(&d);
	memberlist_clear(&ml);
}

struct options {
	const char *config;
	const char *output;
	bool	 check;
	const char *sshd_config;
};

static const struct toolopt sudoers_gen_opts[] = {
	{ "output", 'o', TOOLOPT_ARG, offsetof(struct options, output) },
	{ "check", 0, TOOLOPT_FLAG, offsetof(struct options, check) },
	{ "sshd-config", 0, TOOLOPT_ARG,
	    offsetof(struct options, sshd_config) },
	{ NULL, 0, 0, 0 },
};
static const struct toolopts tool = { usage, sudoers_gen_opts };

static void
parse_args(int argc, char **argv, struct options *o)
{
	int	 first;

	memset(o, 0, sizeof(*o));
	o->sshd_config = sshd_config;
	first = toolopts_parse(&tool, argc, argv, &o->config, o);
	sshd_config = o->sshd_config;
	if (first != argc)
		toolopts_usage_error(&tool, argv[first]);
	if (o->check && o->output != NULL && strcmp(o->output, "-") == 0) {
		vlog_err("--check and -o - do not go together");
		exit(2);
	}
}

/* Installs (or with check, compares) one file; returns an exit status. */
static int
handle(const struct rule_file *rf, bool check, bool *changed)
{
	g_autoptr(GError) err = NULL;

	*changed = false;
	if (check) {
		if (rule_file_current(rf))
			return 0;
		vlog_err("%s is not up to date", rf->path);
		return 1;
	}
	if (!rule_file_install(rf, changed, &err)) {
		vlog_err("%s not installed: %s", rf->path, err->message);
		return 1;
	}
	/* Quiet when nothing changed: cron mails whatever is printed. */
	if (*changed)
		vlog_info("%s updated", rf->path);
	return 0;
}

/*
 * sshd holds its configuration from start or SIGHUP: until then a new
 * member has no Match block of theirs, so it is reloaded at once.
 */
static int
reload_sshd(void)
{
	g_autoptr(GError) err = NULL;
	enum sshd_reload_result res;

	if (!sshd_reload(sshd_config, &res, &err)) {
		vlog_err("sshd not reloaded: %s; the new rules apply only once "
		    "it is", err->message);
		return 1;
	}
	if (res == SSHD_RELOADED)
		vlog_info("sshd reloaded");
	else
		vlog_info("sshd is not running: the rules apply when it starts");
	return 0;
}

/*
 * Serialises installing runs with an flock on the directory of the
 * sudoers file, held until exit, and removes the temp files of both rule
 * files that a killed run left behind: under the lock none is live.
 */
static int
install_lock(const char *sudoers, const char *sshd)
{
	g_autoptr(GError) err = NULL;
	g_autofree char *dir = g_path_get_dirname(sudoers);
	const char *paths[] = { sudoers, sshd };
	unsigned n;
	size_t	 i;
	int	 fd;

	if ((fd = vps_lock_dir(dir, false, &err)) == -1)
		vlog_fatal(1, "%s; no rules written", err->message);
	for (i = 0; i < G_N_ELEMENTS(paths) && paths[i] != NULL; i++) {
		if (!atomic_file_clean_stale(paths[i], &n, &err))
			vlog_fatal(1, "%s; no rules written", err->message);
		if (n > 0)
			vlog_info("removed %u temporary file%s of %s left by "
			    "an interrupted run", n, n == 1 ? "" : "s",
			    paths[i]);
	}
	return fd;
}

int
main(int argc, char **argv)
{
	g_autoptr(vps_config) cfg = NULL;
	g_autoptr(GError) err = NULL;
	g_autofree char *sudoers = NULL, *sshd = NULL;
	struct options o;
	int	 status = 0, lock = -1;
	bool	 changed = false;

	vlog_init("sudoers-gen", false);
	parse_args(argc, argv, &o);
	if ((cfg = config_load(o.config, 0, &err)) == NULL)
		vlog_fatal(vps_exit_status(err), "%s", err->message);
	make_rules(cfg, &sudoers, &sshd);

	if (o.output != NULL && strcmp(o.output, "-") == 0) {
		fputs(sudoers, stdout);
		if (sshd != NULL)
			printf("\n# ---- %s\n%s", cfg->sshd, sshd);
		return fflush(stdout) == 0 ? 0 : 1;
	}
	if (!o.check && geteuid() != 0)
		vlog_fatal(1, "must run as root to install rules");
	{
		const struct rule_file files[] = {
			{ o.output != NULL ? o.output : cfg->sudoers, sudoers,
			    0440, sudoers_precheck, sudoers_postcheck },
			{ cfg->sshd, sshd, 0644, sshd_precheck,
			    sshd_postcheck },
		};

		if (!o.check)
			lock = install_lock(files[0].path, cfg->sshd);
		/* Installing stops at the first failure; --check reports all. */
		status |= handle(&files[0], o.check, &changed);
		if (sshd != NULL && (status == 0 || o.check)) {
			status |= handle(&files[1], o.check, &changed);
			if (changed)
				status |= reload_sshd();
		}
	}
	vps_unlock(lock);
	return status;
}
