/*
 * ruleinstall.h: installing a file of access rules the way visudo does:
 * write a temp file beside it, have the rules' own tool check it, rename,
 * have the tool check the whole configuration, and put the old file back
 * if that fails. A broken file is never left in place.
 */
#ifndef VPS_RULEINSTALL_H
#define VPS_RULEINSTALL_H

#include <stdbool.h>
#include <sys/types.h>
#include <glib.h>

/* Runs argv (absolute path, no shell, clean environment). */
bool	 run_checker(const char *const *argv, GError **err);

struct rule_file {
	const char *path;		/* where the rules go */
	const char *text;
	mode_t	 mode;
	/*
	 * Checks the temp file before the rename: called with its path;
	 * returns false with err set if the rules are bad.
	 */
	bool	(*precheck)(const char *tmp, GError **err);
	/* Checks the whole installed configuration after the rename. */
	bool	(*postcheck)(GError **err);
};

/* True if path already holds exactly the text, mode and root ownership. */
bool	 rule_file_current(const struct rule_file *rf);

/*
 * Installs rf unless it is current (*changed says which). On any failure
 * the previous file (or its absence) is restored.
 */
bool	 rule_file_install(const struct rule_file *rf, bool *changed,
	    GError **err);

#endif
