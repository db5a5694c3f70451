/*
 * member-menu.h: the member's menu: one line split into words, looked up in a
 * const command table and run. Shared by the interactive UI and -c.
 */
#ifndef VPS_MEMBER_MENU_H
#define VPS_MEMBER_MENU_H

#include <stdbool.h>
#include <stddef.h>
#include <glib.h>

#include "names.h"
#include "verbs.h"

#define MENU_LINE_MAX	1024	/* bytes of a menu line */
#define MENU_WORDS_MAX	8	/* words in a menu line */
#define MENU_WORD_MAX	128	/* bytes of one word */

/* A line split into words; argv points into buf. */
struct menu_words {
	char	 buf[MENU_LINE_MAX + 1];
	char	*argv[MENU_WORDS_MAX + 1];
	int	 argc;
};

struct menu_ctx;
struct menu_cmd;

typedef int (*menu_fn)(struct menu_ctx *ctx, const struct menu_cmd *cmd,
    const char *vps, int argc, char **argv);

/* A menu command: the menu's columns of a row of VPS_VERBS (verbs.h). */
struct menu_cmd {
	const char *name;
	const char *args;		/* usage of the arguments */
	const char *help;		/* one line */
	int	 minargs;
	int	 maxargs;
	enum verb_arg arg;		/* its check, and what tab completes */
	unsigned flags;			/* VERB_* */
	int	 verb;			/* enum proto_verb, or -1 */
	menu_fn	 fn;
};

/* State of one menu session. */
struct session;

struct menu_ctx {
	char	 member[VPS_OWNER_MAX + 1];
	char	**vps;			/* the member's VPS (g_strfreev) */
	const char *selected;		/* points into vps */
	GHashTable *sessions;		/* VPS name -> struct session */
	bool	 interactive;
	bool	 quit;
	bool	 json;			/* under json: JSON output */
	/* Asks the member a question; NULL when not interactive. */
	char	*(*ask)(struct menu_ctx *ctx, const char *prompt);
};

extern const struct menu_cmd menu_cmds[];
extern const size_t menu_ncmds;

/*
 * Splits line[len] on blanks (space, tab) into words. Refuses (with err,
 * VPS_ERROR_INVALID) a line that is too long, has too many or too long
 * words, or has a byte outside printable ASCII other than a blank.
 */
bool	 menu_split(const char *line, size_t len, struct menu_words *w,
	    GError **err);
/* The command called name, or NULL. */
const struct menu_cmd *menu_find(const char *name);
/* Checks argc (without the command word) against the command. */
bool	 menu_check_args(const struct menu_cmd *cmd, int argc);
/* True if name is one of the member's VPS. */
bool	 menu_owns(const struct menu_ctx *ctx, const char *name);
/*
 * Checks the argument that a command forwards to its server, as the
 * member typed it: on or off for VERB_ARG_ONOFF, an ISO name for
 * VERB_ARG_ISO, vv for VERB_ARG_FORM. False, with err (VPS_ERROR_INVALID)
 * a reason for the member, if the server could not even be asked.
 */
bool	 menu_arg_valid(const struct menu_cmd *cmd, const char *arg,
	    GError **err);
/*
 * The ISO that the member's answer names: a number of the list shown
 * (isos, counted from 1), or else the answer itself, as a name that
 * menu_arg_valid checks. NULL, with err saying why for the member, for
 * a number that is not on the list.
 */
const char *menu_pick_iso(GPtrArray *isos, const char *answer,
	    GError **err);

/*
 * Runs one menu line on vps (NULL: the selected VPS) and returns the
 * exit status: 0 success, 1 the operation failed, 2 invalid input.
 * An empty line does nothing and succeeds.
 */
int	 menu_run_line(struct menu_ctx *ctx, const char *line, size_t len);
/*
 * The names that tab may complete the word at index idx of w to: a
 * command, or the first argument of one, by its VERB_ARG kind (ISO
 * names are asked from the server of the VPS the line acts on), also
 * after "use VPS". Appended to out (g_free'd strings).
 */
void	 menu_complete(struct menu_ctx *ctx, const struct menu_words *w,
	    int idx, GPtrArray *out);
/* Runs already split words (argv[0] is the command) on vps. */
int	 menu_run_words(struct menu_ctx *ctx, const char *vps, int argc,
	    char **argv);

/*
 * Sends one protocol request (enum proto_verb) about vps to its server,
 * started on first use and kept; data lines are appended to lines. A
 * failure is reported to the member here. Returns the exit status (0, 1,
 * 2); a server that went away is forgotten, so the next call restarts it.
 */
int	 menu_call(struct menu_ctx *ctx, const char *vps, int verb,
	    const char *arg, GPtrArray *lines);

/*
 * The server of vps, started on first use and kept; NULL (reported to
 * the member) if it cannot be started. Forget it with
 * g_hash_table_remove(ctx->sessions, vps) once it is gone.
 */
struct session *menu_session(struct menu_ctx *ctx, const char *vps);

/*
 * Whether the command's argument, if any, is one it takes; if not, says
 * so to the member ("CMD: ARG: why").
 */
bool	 menu_arg_ok(const struct menu_cmd *cmd, int argc, char **argv);

/* serial (member-serial.c): the VPS's serial console on this terminal. */
int	 cmd_serial(struct menu_ctx *ctx, const struct menu_cmd *cmd,
	    const char *vps, int argc, char **argv);

void	 menu_ctx_init(struct menu_ctx *ctx);
void	 menu_ctx_clear(struct menu_ctx *ctx);

#endif
