/*
 * doctor-access.c: the checks of who may reach what. sudo must read the
 * generated rules and they must match vps.data; sshd must apply the
 * member block and let in no environment variable that changes how a
 * program runs; members' accounts must have the menu as their shell; the
 * SPICE port range must be free of foreign listeners; and, if configured,
 * the LDAP bind of vps-data-gen must work.
 *
 * Every string that comes from the system (a tool's output, file names,
 * passwd entries, libvirt, LDAP) is shown through vps_sanitize_display()
 * or vps_one_line(): a result is always one printable line.
 */
#include <config.h>

#include <errno.h>
#include <fnmatch.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "doctor.h"
#include "domxml.h"
#include "ldapsync.h"
#include "names.h"
#include "pathnames.h"
#include "util.h"

#define TCP_LISTEN	"0A"		/* st of a listening socket */
#define OUTPUT_MAX	200		/* characters shown of an output */
#define MEMBERS_MAX	5		/* offending members named */
#define PORTS_MAX	10		/* foreign listeners named */
#define ENV_NAMED_MAX	3		/* variables named per pattern */

/*
 * Variables that the dynamic loader, glibc or a shell act on: a client
 * that may set one can run code of its choice in the member's session.
 */
static const char *const env_honoured[] = {
	"LD_PRELOAD", "LD_LIBRARY_PATH", "LD_AUDIT", "LD_DEBUG",
	"LD_DEBUG_OUTPUT", "LD_PROFILE", "LD_BIND_NOW", "GCONV_PATH",
	"GLIBC_TUNABLES", "LOCPATH", "NLSPATH", "MALLOC_CHECK_",
	"HOSTALIASES", "RES_OPTIONS", "LOCALDOMAIN", "TZDIR", "BASH_ENV",
	"ENV", "SHELLOPTS", "BASHOPTS", "PS4", "PROMPT_COMMAND", "IFS",
	"PATH", "CDPATH", "TMPDIR",
};

/* What getpwnam() made of a member, for the "members" check. */
enum member_state { MEMBER_OK, MEMBER_NO_ACCOUNT, MEMBER_SHELL };

/* s for display (g_free): bytes outside printable ASCII become '?'. */
static char *
display(const char *s)
{
	size_t	 size;
	char	*dst;

	if (s == NULL)
		return g_strdup("none");
	size = strlen(s) + 1;
	dst = g_malloc(size);
	vps_sanitize_display(s, dst, size);
	return dst;
}

/*
 * What the report shows of a run (doctor_run): why it did not run (err),
 * or its output, as one printable line cut to OUTPUT_MAX characters
 * (g_free): the first lines of the output say what went wrong, the rest
 * would drown the report.
 */
static char *
tool_output(const char *out, const GError *err)
{
	char	*s = vps_one_line(err != NULL ? err->message : out);

	if (*s == '\0') {
		g_free(s);
		return g_strdup("no output");
	}
	if (strlen(s) > OUTPUT_MAX) {
		s[OUTPUT_MAX] = '\0';
		memcpy(s + OUTPUT_MAX - 3, "...", 3);
	}
	return s;
}

/* The owner of the first VPS in vps.data, or NULL if there is none. */
static const char *
first_owner(const struct doctor *d)
{
	if (!d->data_ok || d->data.n == 0)
		return NULL;
	return d->data.v[0].owner;
}

/* "sudoers-gen -c CONF" as the admin would type it (g_free). */
static char *
sudoers_gen_cmd(const struct doctor *d)
{
	g_autofree char *conf = NULL;

	if (d->cfg->path == NULL)
		return g_strdup("sudoers-gen");
	conf = display(d->cfg->path);
	return g_strdup_printf("sudoers-gen -c %s", conf);
}

/*
 * True if one of the "FILE: parsed OK" lines of visudo -c names path.
 * Files are compared by device and inode, as visudo prints an included
 * file as DIR "/" NAME (with a doubled slash if DIR ends in one); only
 * the text before ": " is used, so a translated "parsed OK" is no matter.
 */
static bool
visudo_parsed(const char *out, const char *path)
{
	g_auto(GStrv) lines = g_strsplit(out != NULL ? out : "", "\n", -1);
	struct stat want, st;
	char	*colon;
	size_t	 i;

	if (stat(path, &want) == -1)
		return false;
	for (i = 0; lines[i] != NULL; i++) {
		if ((colon = strstr(lines[i], ": ")) == NULL)
			continue;
		*colon = '\0';
		if (stat(lines[i], &st) == 0 && st.st_dev == want.st_dev &&
		    st.st_ino == want.st_ino)
			return true;
	}
	return false;
}

/*
 * What to do when sudo does not read [access] sudoers: write it, rename
 * it (sudo skips a name in an includedir that contains '.' or ends in
 * '~', sudoers(5)), or include its directory (g_free).
 */
static char *
sudoers_include_fix(const struct doctor *d)
{
	g_autofree char *path = display(d->cfg->sudoers);
	g_autofree char *dir = g_path_get_dirname(path);
	g_autofree char *base = g_path_get_basename(path);
	g_autofree char *top = display(d->sudoers_main);
	g_autofree char *gen = sudoers_gen_cmd(d);

	if (!g_file_test(d->cfg->sudoers, G_FILE_TEST_EXISTS))
		return g_strdup_printf("run %s to write %s; if sudo still "
		    "does not read it, add '@includedir %s' to %s (with "
		    "visudo -f %s)", gen, path, dir, top, top);
	if (strchr(base, '.') != NULL || g_str_has_suffix(base, "~"))
		return g_strdup_printf("sudo skips %s in an @includedir (a "
		    "name with '.' or ending in '~'): set [access] sudoers to "
		    "a name without them and run %s", base, gen);
	return g_strdup_printf("add '@includedir %s' to %s (with visudo -f "
	    "%s)", dir, top, top);
}

/*
 * "sudo reads the rules file": visudo -c parses the file sudo reads and
 * every file it includes, and lists them.
 */
static void
sudoers_include(struct doctor *d)
{
	const char *argv[] = { VISUDO, "-c", "-f", d->sudoers_main, NULL };
	g_autofree char *out = NULL, *why = NULL, *fix = NULL;
	g_autofree char *top = display(d->sudoers_main);
	g_autofree char *path = display(d->cfg->sudoers);
	g_autoptr(GError) err = NULL;

	if (doctor_run(argv, &out, &err) != 0) {
		why = tool_output(out, err);
		fix = g_strdup_printf("correct what visudo -c -f %s reports "
		    "(edit with visudo -f FILE)", top);
		doctor_add(d, "sudoers", DOCTOR_FAIL, fix,
		    "visudo -c -f %s: %s", top, why);
		return;
	}
	if (visudo_parsed(out, d->cfg->sudoers)) {
		doctor_add(d, "sudoers-include", DOCTOR_OK, NULL,
		    "sudo reads %s (visudo -c -f %s)", path, top);
		return;
	}
	fix = sudoers_include_fix(d);
	doctor_add(d, "sudoers-include", DOCTOR_FAIL, fix,
	    "sudo does not read %s: visudo -c -f %s does not list it",
	    path, top);
}

/*
 * "rules up to date": sudoers-gen --check compares the installed rule
 * files with what vps.data makes of them; it exits 0 if they match, 1 if
 * not (or if it could not read them), 2 on bad input.
 */
static void
sudoers_rules(struct doctor *d)
{
	g_autofree char *prog = g_build_filename(d->tooldir, "sudoers-gen",
	    NULL);
	g_autofree char *gen = sudoers_gen_cmd(d);
	g_autofree char *out = NULL, *why = NULL, *fix = NULL;
	const char *argv[] = { prog, "--check", NULL, NULL, NULL };
	g_autoptr(GError) err = NULL;
	int	 rc;

	if (d->cfg->path != NULL) {
		argv[2] = "-c";
		argv[3] = d->cfg->path;
	}
	rc = doctor_run(argv, &out, &err);
	why = tool_output(out, err);
	if (rc == 0)
		doctor_add(d, "rules", DOCTOR_OK, NULL, "%s rules match "
		    "vps.data", d->cfg->sshd != NULL ? "sudoers and sshd" :
		    "sudoers");
	else if (rc == 1) {
		fix = g_strdup_printf("run %s", gen);
		doctor_add(d, "rules", DOCTOR_FAIL, fix,
		    "the installed rules do not match vps.data: %s", why);
	} else {
		fix = g_strdup_printf("correct what %s --check reports", gen);
		doctor_add(d, "rules", DOCTOR_FAIL, fix,
		    "sudoers-gen --check failed: %s", why);
	}
}

void
doctor_check_sudoers(struct doctor *d)
{
	if (d->cfg == NULL)
		return;
	sudoers_include(d);
	if (d->data_ok)
		sudoers_rules(d);
}

/* A FAIL for "sshd MODE -f CONF" that exited non-zero with out, or err. */
static void
sshd_failed(struct doctor *d, const char *mode, const char *out,
    const GError *err)
{
	g_autofree char *why = tool_output(out, err);
	g_autofree char *conf = display(d->sshd_config);
	g_autofree char *fix = g_strdup_printf("correct what sshd %s -f %s "
	    "reports", mode, conf);

	doctor_add(d, "sshd", DOCTOR_FAIL, fix, "sshd %s -f %s: %s", mode,
	    conf, why);
}

/* sshd -t: sshd must accept its configuration. */
static bool
sshd_syntax(struct doctor *d)
{
	const char *argv[] = { SSHD, "-t", "-f", d->sshd_config, NULL };
	g_autofree char *out = NULL;
	g_autoptr(GError) err = NULL;

	if (doctor_run(argv, &out, &err) == 0)
		return true;
	sshd_failed(d, "-t", out, err);
	return false;
}

/*
 * The configuration sshd applies (sshd -T, g_free): to a connection of
 * owner from localhost, or the global one if owner is NULL. NULL, with a
 * FAIL added, if sshd cannot tell. Owner names have no ',' (names.h).
 */
static char *
sshd_effective(struct doctor *d, const char *owner)
{
	const char *argv[] = { SSHD, "-T", "-f", d->sshd_config, NULL, NULL,
	    NULL };
	g_autofree char *spec = NULL, *out = NULL;
	g_autoptr(GError) err = NULL;

	if (owner != NULL) {
		spec = g_strdup_printf("user=%s,host=localhost,"
		    "addr=127.0.0.1", owner);
		argv[4] = "-C";
		argv[5] = spec;
	}
	if (doctor_run(argv, &out, &err) == 0 && out != NULL)
		return g_steal_pointer(&out);
	sshd_failed(d, "-T", out, err);
	return NULL;
}

/*
 * The values of the lines "key VALUE..." of sshd -T's output (lower-case
 * keywords), each whole (words false) or split into words (g_free'd
 * elements).
 */
static GPtrArray *
sshd_values(const char *conf, const char *key, bool words)
{
	GPtrArray *a = g_ptr_array_new_with_free_func(g_free);
	g_auto(GStrv) lines = g_strsplit(conf, "\n", -1);
	size_t	 i, j, n = strlen(key);

	for (i = 0; lines[i] != NULL; i++) {
		g_auto(GStrv) w = NULL;

		if (strncmp(lines[i], key, n) != 0 || lines[i][n] != ' ')
			continue;
		if (!words) {
			g_ptr_array_add(a, g_strdup(g_strstrip(lines[i] + n)));
			continue;
		}
		w = g_strsplit_set(lines[i] + n, " \t", -1);
		for (j = 0; w[j] != NULL; j++)
			if (*w[j] != '\0')
				g_ptr_array_add(a, g_strdup(w[j]));
	}
	return a;
}

/* What to do when sshd does not apply [access] sshd (g_free). */
static char *
sshd_include_fix(const struct doctor *d)
{
	g_autofree char *path = display(d->cfg->sshd);
	g_autofree char *dir = g_path_get_dirname(path);
	g_autofree char *top = display(d->sshd_config);
	g_autofree char *gen = sudoers_gen_cmd(d);
	g_autofree char *glob = NULL;

	if (!g_file_test(d->cfg->sshd, G_FILE_TEST_EXISTS))
		return g_strdup_printf("run %s to write %s, then make sure "
		    "%s includes it before any Match block", gen, path, top);
	if (g_str_has_suffix(path, ".conf"))
		glob = g_strdup_printf(" (or 'Include %s/*.conf')", dir);
	return g_strdup_printf("add 'Include %s'%s near the top of %s, "
	    "before any Match block, and reload sshd", path,
	    glob != NULL ? glob : "", top);
}

/*
 * Whether sshd applies the member block of [access] sshd: sshd -T for a
 * member shows ForceCommand MENU_PATH only if the file is included, and
 * included before any Match block that would swallow it.
 */
static void
sshd_include(struct doctor *d, const char *conf, const char *owner)
{
	g_autoptr(GPtrArray) force = NULL;
	g_autofree char *path = NULL, *shown = NULL, *fix = NULL;

	if (d->cfg->sshd == NULL) {
		doctor_add(d, "sshd-include", DOCTOR_WARN, "set [access] sshd "
		    "in vps.conf (e.g. /etc/ssh/sshd_config.d/vps.conf) and "
		    "run sudoers-gen", "[access] sshd is empty: members' ssh "
		    "sessions are not forced into the menu and their "
		    "forwarding is not confined");
		return;
	}
	if (!d->data_ok)
		return;
	path = display(d->cfg->sshd);
	if (owner == NULL) {
		doctor_add(d, "sshd-include", DOCTOR_WARN, "run vps-doctor "
		    "again once vps.data has a VPS", "cannot check that sshd "
		    "applies %s: vps.data has no VPS", path);
		return;
	}
	force = sshd_values(conf, "forcecommand", false);
	if (force->len > 0 && strcmp(force->pdata[0], MENU_PATH) == 0) {
		doctor_add(d, "sshd-include", DOCTOR_OK, NULL,
		    "sshd applies %s (checked for %s)", path, owner);
		return;
	}
	shown = display(force->len > 0 ? force->pdata[0] : NULL);
	fix = sshd_include_fix(d);
	doctor_add(d, "sshd-include", DOCTOR_FAIL, fix, "sshd does not apply "
	    "%s for %s: its ForceCommand is %s, not %s", path, owner, shown,
	    MENU_PATH);
}

/*
 * pattern (an AcceptEnv pattern) as an fnmatch(3) pattern of the same
 * meaning (g_free): sshd's match_pattern() knows only '*' and '?', so
 * '[' and '\' are literal characters.
 */
static char *
env_fnmatch_pattern(const char *pattern)
{
	GString	*s = g_string_sized_new(strlen(pattern) + 8);

	for (; *pattern != '\0'; pattern++) {
		if (*pattern == '[' || *pattern == '\\')
			g_string_append_c(s, '\\');
		g_string_append_c(s, *pattern);
	}
	return g_string_free(s, FALSE);
}

/*
 * Appends "PATTERN lets in VAR, VAR" to bad if pattern matches variables
 * of env_honoured.
 */
static void
env_pattern_check(const char *pattern, GString *bad)
{
	g_autofree char *fnpat = env_fnmatch_pattern(pattern);
	g_autofree char *shown = display(pattern);
	size_t	 i, n = 0;

	for (i = 0; i < G_N_ELEMENTS(env_honoured); i++) {
		if (fnmatch(fnpat, env_honoured[i], 0) != 0)
			continue;
		if (n == 0)
			g_string_append_printf(bad, "%s%s lets in ",
			    bad->len > 0 ? "; " : "", shown);
		if (n < ENV_NAMED_MAX)
			g_string_append_printf(bad, "%s%s", n > 0 ? ", " : "",
			    env_honoured[i]);
		n++;
	}
	if (n > ENV_NAMED_MAX)
		g_string_append_printf(bad, " and %zu more",
		    n - ENV_NAMED_MAX);
}

/*
 * The AcceptEnv check: no pattern may let in a variable that the loader,
 * glibc or a shell act on. AcceptEnv only adds in a Match block, so the
 * fix is in the global one.
 */
static void
sshd_env(struct doctor *d, const char *conf, const char *owner)
{
	g_autoptr(GPtrArray) pats = sshd_values(conf, "acceptenv", true);
	g_autoptr(GString) bad = g_string_new(NULL);
	g_autoptr(GString) all = g_string_new(NULL);
	g_autofree char *scope = NULL, *top = NULL, *fix = NULL;
	guint	 i;

	for (i = 0; i < pats->len; i++) {
		g_autofree char *shown = display(pats->pdata[i]);

		g_string_append_printf(all, "%s%s", i > 0 ? " " : "", shown);
		env_pattern_check(pats->pdata[i], bad);
	}
	scope = owner != NULL ? g_strdup_printf("for %s", owner) :
	    g_strdup("globally");
	if (bad->len == 0) {
		doctor_add(d, "sshd-env", DOCTOR_OK, NULL, "sshd AcceptEnv %s "
		    "(%s) lets in no variable that the loader, glibc or a "
		    "shell acts on", scope, all->len > 0 ? all->str : "none");
		return;
	}
	top = display(d->sshd_config);
	fix = g_strdup_printf("restrict the global AcceptEnv in %s to LANG "
	    "LC_* (a Match block cannot narrow it) and reload sshd", top);
	doctor_add(d, "sshd-env", DOCTOR_FAIL, fix, "sshd AcceptEnv %s: %s",
	    scope, bad->str);
}

void
doctor_check_sshd(struct doctor *d)
{
	g_autofree char *conf = NULL;
	const char *owner;

	if (d->cfg == NULL || !sshd_syntax(d))
		return;
	owner = first_owner(d);
	if ((conf = sshd_effective(d, owner)) == NULL)
		return;
	sshd_include(d, conf, owner);
	sshd_env(d, conf, owner);
}

/*
 * Sets *listed if shell is a line of /etc/shells (comments and blank
 * lines aside); read here, as getusershell(3) caches and is not
 * thread-safe. False, with err, if the file cannot be read.
 */
static bool
shells_lists(const char *shell, bool *listed, GError **err)
{
	g_autofree char *text = NULL;
	g_auto(GStrv) lines = NULL;
	size_t	 i;

	*listed = false;
	if (!g_file_get_contents(SHELLS_PATH, &text, NULL, err))
		return false;
	lines = g_strsplit(text, "\n", -1);
	for (i = 0; lines[i] != NULL && !*listed; i++) {
		const char *l = g_strstrip(lines[i]);

		*listed = *l != '#' && strcmp(l, shell) == 0;
	}
	return true;
}

/* The owners of vps.data, each once, in the order of the file. */
static GPtrArray *
distinct_owners(const struct vps_data *data)
{
	g_autoptr(GHashTable) seen = g_hash_table_new(g_str_hash,
	    g_str_equal);
	GPtrArray *owners = g_ptr_array_new();
	size_t	 i;

	for (i = 0; i < data->n; i++) {
		gpointer o = (gpointer)data->v[i].owner;

		if (g_hash_table_add(seen, o))
			g_ptr_array_add(owners, o);
	}
	return owners;
}

/*
 * Whether member's account can log in to the menu: it must exist and
 * have MENU_PATH as its login shell. Unless MEMBER_OK, err says what is
 * wrong.
 */
static enum member_state
member_check(const char *member, GError **err)
{
	struct passwd *pw;
	g_autofree char *shell = NULL;

	errno = 0;
	if ((pw = getpwnam(member)) == NULL) {
		/* Not found leaves errno 0 or one of these (getpwnam(3)). */
		if (errno == 0 || errno == ENOENT || errno == ESRCH ||
		    errno == EBADF || errno == EPERM)
			g_set_error(err, VPS_ERROR, VPS_ERROR_FAILED,
			    "%s: no account", member);
		else
			g_set_error(err, VPS_ERROR, VPS_ERROR_FAILED,
			    "%s: no account (%s)", member, g_strerror(errno));
		return MEMBER_NO_ACCOUNT;
	}
	if (pw->pw_shell != NULL && strcmp(pw->pw_shell, MENU_PATH) == 0)
		return MEMBER_OK;
	shell = display(pw->pw_shell != NULL && *pw->pw_shell != '\0' ?
	    pw->pw_shell : "/bin/sh (empty)");
	g_set_error(err, VPS_ERROR, VPS_ERROR_FAILED, "%s: shell %s", member,
	    shell);
	return MEMBER_SHELL;
}

/*
 * The FAIL of the "members" check: up to MEMBERS_MAX offenders, and
 * MENU_PATH missing from /etc/shells; the fix names only what applies.
 */
static void
members_fail(struct doctor *d, guint members, GPtrArray *bad,
    unsigned kinds, bool listed, const char *why)
{
	g_autoptr(GString) msg = g_string_new(NULL);
	g_autoptr(GString) fix = g_string_new(NULL);
	guint	 i;

	for (i = 0; i < bad->len && i < MEMBERS_MAX; i++)
		g_string_append_printf(msg, "%s%s", i > 0 ? "; " : "",
		    (const char *)bad->pdata[i]);
	if (bad->len > MEMBERS_MAX)
		g_string_append_printf(msg, "; %u more",
		    bad->len - MEMBERS_MAX);
	if (!listed)
		g_string_append_printf(msg, "%s%s is not in %s%s%s",
		    msg->len > 0 ? "; " : "", MENU_PATH, SHELLS_PATH,
		    why != NULL ? ": " : "", why != NULL ? why : "");
	if (kinds & (1u << MEMBER_NO_ACCOUNT))
		g_string_append(fix, "create the missing accounts (adduser "
		    "--shell " MENU_PATH " USER, or in LDAP)");
	if (kinds & (1u << MEMBER_SHELL))
		g_string_append_printf(fix, "%susermod -s %s USER",
		    fix->len > 0 ? "; " : "", MENU_PATH);
	if (!listed)
		g_string_append_printf(fix, "%sadd-shell %s",
		    fix->len > 0 ? "; " : "", MENU_PATH);
	doctor_add(d, "members", DOCTOR_FAIL, fix->str, "%u of %u member%s: "
	    "%s", bad->len, members, members == 1 ? "" : "s", msg->str);
}

void
doctor_check_shells(struct doctor *d)
{
	g_autoptr(GPtrArray) owners = NULL, bad = NULL;
	g_autoptr(GError) err = NULL;
	g_autofree char *why = NULL;
	unsigned kinds = 0;
	bool	 listed;
	guint	 i;

	if (!d->data_ok)
		return;
	owners = distinct_owners(&d->data);
	if (owners->len == 0) {
		doctor_add(d, "members", DOCTOR_OK, NULL,
		    "vps.data names no member yet");
		return;
	}
	bad = g_ptr_array_new_with_free_func(g_free);
	for (i = 0; i < owners->len; i++) {
		g_autoptr(GError) what = NULL;
		enum member_state s = member_check(owners->pdata[i], &what);

		if (s != MEMBER_OK) {
			kinds |= 1u << s;
			g_ptr_array_add(bad, g_strdup(what->message));
		}
	}
	if (!shells_lists(MENU_PATH, &listed, &err))
		why = vps_one_line(err->message);
	if (bad->len == 0 && listed)
		doctor_add(d, "members", DOCTOR_OK, NULL, "%u member%s: "
		    "accounts with shell %s, listed in %s", owners->len,
		    owners->len == 1 ? "" : "s", MENU_PATH, SHELLS_PATH);
	else
		members_fail(d, owners->len, bad, kinds, listed, why);
}

/*
 * The local port of a line of /proc/net/tcp or tcp6 if the socket
 * listens ("sl local_address rem_address st ...", where local_address
 * is hex IP ':' hex port and st is TCP_LISTEN); false for other lines,
 * the header included.
 */
static bool
listen_port(const char *line, unsigned *port)
{
	g_auto(GStrv) f = g_strsplit_set(line, " \t", -1);
	const char *word[4], *colon;
	guint64	 v;
	size_t	 i, n = 0;

	for (i = 0; f[i] != NULL && n < G_N_ELEMENTS(word); i++)
		if (*f[i] != '\0')
			word[n++] = f[i];
	if (n < G_N_ELEMENTS(word) || strcmp(word[3], TCP_LISTEN) != 0)
		return false;
	if ((colon = strrchr(word[1], ':')) == NULL ||
	    !g_ascii_string_to_unsigned(colon + 1, 16, 1, 65535, &v, NULL))
		return false;
	*port = (unsigned)v;
	return true;
}

/*
 * Adds to ports the TCP ports in [lo, hi] that a socket listens on
 * according to path. A missing file is no error if optional (tcp6 on a
 * host without IPv6); else err says why it could not be read.
 */
static bool
proc_listeners(const char *path, bool optional, unsigned lo, unsigned hi,
    GHashTable *ports, GError **err)
{
	g_autoptr(GError) rerr = NULL;
	g_autofree char *text = NULL;
	g_auto(GStrv) lines = NULL;
	unsigned port;
	size_t	 i;

	if (!g_file_get_contents(path, &text, NULL, &rerr)) {
		if (optional && g_error_matches(rerr, G_FILE_ERROR,
		    G_FILE_ERROR_NOENT))
			return true;
		g_propagate_error(err, g_steal_pointer(&rerr));
		return false;
	}
	lines = g_strsplit(text, "\n", -1);
	for (i = 0; lines[i] != NULL; i++)
		if (listen_port(lines[i], &port) && port >= lo && port <= hi)
			g_hash_table_add(ports, GUINT_TO_POINTER(port));
	return true;
}

/* Adds the graphics ports of dom's live XML to held: port -> its name. */
static void
domain_ports_one(virDomainPtr dom, GHashTable *held)
{
	g_autoptr(GHashTable) ports = g_hash_table_new(NULL, NULL);
	g_autofree char *xml = virDomainGetXMLDesc(dom, 0);
	const char *name = virDomainGetName(dom);
	GHashTableIter it;
	gpointer port;

	/* A domain that went away meanwhile holds no port. */
	if (xml == NULL || name == NULL ||
	    !domxml_scan(xml, NULL, ports, NULL))
		return;
	g_hash_table_iter_init(&it, ports);
	while (g_hash_table_iter_next(&it, &port, NULL))
		g_hash_table_insert(held, port, g_strdup(name));
}

/*
 * The graphics ports of the running domains, port -> domain name
 * (g_free'd values); NULL if libvirt is unreachable or cannot list them.
 */
static GHashTable *
domain_ports(virConnectPtr conn)
{
	virDomainPtr *doms = NULL;
	GHashTable *held;
	int	 n, i;

	if (conn == NULL || (n = virConnectListAllDomains(conn, &doms,
	    VIR_CONNECT_LIST_DOMAINS_ACTIVE)) < 0)
		return NULL;
	held = g_hash_table_new_full(NULL, NULL, NULL, g_free);
	for (i = 0; i < n; i++) {
		domain_ports_one(doms[i], held);
		virDomainFree(doms[i]);
	}
	free(doms);
	return held;
}

/*
 * The listener on port as the report shows it (g_free), or NULL if it is
 * the SPICE port of a running domain and vps.data gives the port to no
 * other VPS. *fail is set if it keeps a VPS of vps.data from starting.
 */
static char *
port_problem(const struct doctor *d, GHashTable *held, unsigned port,
    bool *fail)
{
	const struct vps_entry *e = NULL;
	const char *dom = NULL;
	g_autofree char *shown = NULL;

	*fail = false;
	if (d->data_ok)
		e = vpsdata_find_port(&d->data, port);
	if (held != NULL)
		dom = g_hash_table_lookup(held, GUINT_TO_POINTER(port));
	if (dom != NULL && (e == NULL || strcmp(e->name, dom) == 0))
		return NULL;
	if (e == NULL)
		return g_strdup_printf("%u", port);
	if (held == NULL)
		return g_strdup_printf("%u (VPS %s's; libvirt unreachable, "
		    "may be %s itself)", port, e->name, e->name);
	*fail = true;
	if (dom == NULL)
		return g_strdup_printf("%u (VPS %s cannot start)", port,
		    e->name);
	shown = display(dom);
	return g_strdup_printf("%u (VPS %s cannot start: domain %s has it)",
	    port, e->name, shown);
}

static int
port_cmp(const void *a, const void *b)
{
	unsigned x = GPOINTER_TO_UINT(*(void *const *)a);
	unsigned y = GPOINTER_TO_UINT(*(void *const *)b);

	return (x > y) - (x < y);
}

/*
 * The "spice-ports" result: FAIL if a foreign listener holds the port of
 * a VPS in vps.data, WARN if only free ports of the range are held (a
 * new VPS may be given one), else OK.
 */
static void
ports_report(struct doctor *d, GHashTable *listen, GHashTable *held)
{
	g_autoptr(GString) msg = g_string_new(NULL);
	g_autofree gpointer *keys = NULL;
	g_autofree char *fix = NULL;
	unsigned lo = d->cfg->port_min, hi = d->cfg->port_max, first = 0;
	guint	 i, n, nbad = 0;
	bool	 fail = false, f;

	keys = g_hash_table_get_keys_as_array(listen, &n);
	qsort(keys, n, sizeof(*keys), port_cmp);
	for (i = 0; i < n; i++) {
		unsigned port = GPOINTER_TO_UINT(keys[i]);
		g_autofree char *p = port_problem(d, held, port, &f);

		if (p == NULL)
			continue;
		if (nbad == 0 || (f && !fail))
			first = port;
		fail |= f;
		if (nbad++ < PORTS_MAX)
			g_string_append_printf(msg, "%s%s",
			    nbad > 1 ? ", " : "", p);
	}
	if (nbad == 0) {
		doctor_add(d, "spice-ports", DOCTOR_OK, NULL,
		    "SPICE ports %u-%u: no foreign listener", lo, hi);
		return;
	}
	if (nbad > PORTS_MAX)
		g_string_append_printf(msg, " and %u more", nbad - PORTS_MAX);
	fix = g_strdup_printf("find the listener with: ss -ltnp "
	    "'sport = :%u'", first);
	doctor_add(d, "spice-ports", fail ? DOCTOR_FAIL : DOCTOR_WARN, fix,
	    "SPICE ports %u-%u: foreign listener%s on %s", lo, hi,
	    nbad == 1 ? "" : "s", msg->str);
}

void
doctor_check_ports(struct doctor *d)
{
	g_autoptr(GHashTable) listen = NULL, held = NULL;
	g_autoptr(GError) err = NULL;
	g_autofree char *why = NULL;
	unsigned lo, hi;

	if (d->cfg == NULL)
		return;
	lo = d->cfg->port_min;
	hi = d->cfg->port_max;
	listen = g_hash_table_new(NULL, NULL);
	if (!proc_listeners(PROC_TCP, false, lo, hi, listen, &err) ||
	    !proc_listeners(PROC_TCP6, true, lo, hi, listen, &err)) {
		why = vps_one_line(err->message);
		doctor_add(d, "spice-ports", DOCTOR_WARN, "check that /proc is "
		    "mounted", "cannot tell the listeners on SPICE ports "
		    "%u-%u: %s", lo, hi, why);
		return;
	}
	held = domain_ports(d->conn);
	ports_report(d, listen, held);
}

void
doctor_check_ldap(struct doctor *d)
{
	static bool noinit;
	g_autoptr(GError) err = NULL;
	g_autoptr(GError) warn = NULL;
	g_autofree char *uri = NULL, *dn = NULL, *why = NULL;
	LDAP	*ld;

	if (d->cfg == NULL || d->cfg->bind_dn == NULL)
		return;
	if (!noinit && !(noinit = ldapsync_noinit())) {
		doctor_add(d, "ldap", DOCTOR_WARN, "run vps-doctor again",
		    "LDAP not checked: cannot set LDAPNOINIT");
		return;
	}
	uri = display(d->cfg->ldap_uri);
	dn = display(d->cfg->bind_dn);
	if ((ld = ldapsync_open(d->cfg, &warn, &err)) == NULL) {
		why = vps_one_line(err != NULL ? err->message : NULL);
		doctor_add(d, "ldap", DOCTOR_WARN, "check [ldap] uri, bind_dn "
		    "and bind_password_file in vps.conf; vps-data-gen keeps "
		    "the old vps.data meanwhile", "%s: cannot bind as %s: %s",
		    uri, dn, why);
		return;
	}
	ldapsync_close(ld);
	if (warn == NULL) {
		doctor_add(d, "ldap", DOCTOR_OK, NULL, "%s: bound as %s", uri,
		    dn);
		return;
	}
	why = vps_one_line(warn->message);
	doctor_add(d, "ldap", DOCTOR_WARN, "make StartTLS work ([ldap] "
	    "ca_file, the server's certificate), then set starttls = demand",
	    "%s: bound as %s, but %s", uri, dn, why);
}
