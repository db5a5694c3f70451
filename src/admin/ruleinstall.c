/*
 * ruleinstall.c: checked, atomic installation of access rules.
 */
#include <config.h>

#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"
#include "ruleinstall.h"
#include "util.h"

#define RULES_SIZE_MAX	(16u << 20)

bool
run_checker(const char *const *argv, GError **err)
{
	static const char *const envp[] = {
	    "PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL=C", NULL };
	g_autofree char *out = NULL, *errout = NULL;
	GError	*serr = NULL;
	int	 status;

	if (!g_spawn_sync(NULL, (char **)argv, (char **)envp,
	    G_SPAWN_DEFAULT, NULL, NULL, &out, &errout, &status, &serr)) {
		g_set_error(err, VPS_ERROR, VPS_ERROR_FAILED,
		    "cannot run %s: %s", argv[0], serr->message);
		g_error_free(serr);
		return false;
	}
	if (!g_spawn_check_wait_status(status, NULL)) {
		g_set_error(err, VPS_ERROR, VPS_ERROR_FAILED,
		    "%s rejected the rules: %s%s", argv[0],
		    g_strstrip(errout), g_strstrip(out));
		return false;
	}
	return true;
}

bool
rule_file_current(const struct rule_file *rf)
{
	struct stat st;

	if (!vps_file_matches(rf->path, rf->text, strlen(rf->text), rf->mode))
		return false;
	return lstat(rf->path, &st) == 0 && st.st_gid == 0;
}

/* What was there before, to put back if the new rules fail the check. */
struct previous {
	char	*text;		/* NULL: there was no file */
	size_t	 len;
	mode_t	 mode;
};

static bool
previous_save(const char *path, struct previous *prev, GError **err)
{
	struct stat st;
	GError	*rerr = NULL;

	memset(prev, 0, sizeof(*prev));
	if (lstat(path, &st) == -1) {
		if (errno == ENOENT)
			return true;
		g_set_error(err, VPS_ERROR, VPS_ERROR_FAILED,
		    "cannot stat %s: %s", path, g_strerror(errno));
		return false;
	}
	prev->mode = st.st_mode & 07777;
	if (!vps_read_file(path, RULES_SIZE_MAX, &prev->text, &prev->len,
	    &rerr)) {
		g_set_error(err, VPS_ERROR, VPS_ERROR_FAILED, "%s",
		    rerr->message);
		g_error_free(rerr);
		return false;
	}
	return true;
}

/* Puts the previous state back after a failed post-install check. */
static void
previous_restore(const char *path, const struct previous *prev,
    GError **err)
{
	g_autoptr(GError) rerr = NULL;

	if (prev->text == NULL) {
		if (unlink(path) == -1 && errno != ENOENT)
			g_prefix_error(err, "cannot remove %s (%s) after: ",
			    path, g_strerror(errno));
		return;
	}
	if (!vps_replace_file(path, prev->text, prev->len, prev->mode, NULL,
	    &rerr))
		g_prefix_error(err, "cannot restore %s (%s) after: ", path,
		    rerr->message);
}

/* Writes the temp file, checks it and renames it into place. */
static bool
write_checked(const struct rule_file *rf, GError **err)
{
	struct atomic_file *af;

	if ((af = atomic_file_open(rf->path, rf->mode, err)) == NULL)
		return false;
	if (!atomic_file_write(af, rf->text, strlen(rf->text), err) ||
	    !atomic_file_chown(af, 0, 0, err) ||
	    (rf->precheck != NULL &&
	    !rf->precheck(atomic_file_tmppath(af), err))) {
		atomic_file_abort(af);
		return false;
	}
	return atomic_file_commit(af, err);
}

bool
rule_file_install(const struct rule_file *rf, bool *changed, GError **err)
{
	struct previous prev;
	bool	 ok = false;

	*changed = false;
	if (rule_file_current(rf))
		return true;
	if (!previous_save(rf->path, &prev, err))
		return false;
	if (!write_checked(rf, err))
		goto out;
	if (rf->postcheck != NULL && !rf->postcheck(err)) {
		previous_restore(rf->path, &prev, err);
		goto out;
	}
	*changed = true;
	ok = true;
out:
	g_free(prev.text);
	return ok;
}
