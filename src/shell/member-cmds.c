/*
 * member-cmds.c: the menu's commands, one function per kind of verb, and their
 * table, made from VPS_VERBS (verbs.h). Commands that act on a VPS are
 * forwarded to its privileged server; the rest (list, use, help, quit)
 * are answered here.
 */
#include <config.h>

#include <stdio.h>
#include <string.h>

#include "log.h"
#include "member-menu.h"
#include "proto.h"
#include "member-session.h"
#include "util.h"

struct session *
menu_session(struct menu_ctx *ctx, const char *vps)
{
	g_autoptr(GError) err = NULL;
	struct session *s;

	if (vps == NULL) {
		vlog_err("you have no VPS on this host");
		return NULL;
	}
	if ((s = g_hash_table_lookup(ctx->sessions, vps)) == NULL) {
		if ((s = session_open(vps, &err)) == NULL) {
			vlog_err("%s: cannot start the privileged helper: %s",
			    vps, err->message);
			return NULL;
		}
		g_hash_table_insert(ctx->sessions, g_strdup(vps), s);
	}
	return s;
}

int
menu_call(struct menu_ctx *ctx, const char *vps, int verb, const char *arg,
    GPtrArray *lines)
{
	g_autoptr(GError) err = NULL;
	struct session *s;
	int	 rc;

	if ((s = menu_session(ctx, vps)) == NULL)
		return 1;
	rc = session_call(s, verb, arg, lines, &err);
	if (rc == SESSION_TRANSPORT) {
		vlog_err("%s: %s", vps, err->message);
		g_hash_table_remove(ctx->sessions, vps);
		return 1;
	}
	if (rc != 0)
		vlog_err("%s", err->message);
	return rc;
}

static void
print_lines(GPtrArray *lines)
{
	guint	 i;

	for (i = 0; i < lines->len; i++)
		printf("%s\n", (const char *)g_ptr_array_index(lines, i));
	fflush(stdout);
}

/*
 * status, start, shutdown, ...: the request of the same name. An
 * argument the server would refuse is refused here, saying why.
 */
static int
cmd_forward(struct menu_ctx *ctx, const struct menu_cmd *cmd,
    const char *vps, int argc, char **argv)
{
	g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GError) err = NULL;
	char	 shown[MENU_WORD_MAX + 1];
	int	 rc;

	if (argc > 0 && !menu_arg_valid(cmd, argv[0], &err)) {
		vps_sanitize_display(argv[0], shown, sizeof(shown));
		vlog_err("%s: %s: %s", cmd->name, shown, err->message);
		return 2;
	}
	rc = menu_call(ctx, vps, cmd->verb, argc > 0 ? argv[0] : NULL, lines);
	print_lines(lines);
	return rc;
}

/* attach_iso without a name lists the library and asks. */
static int
cmd_attach_iso(struct menu_ctx *ctx, const struct menu_cmd *cmd,
    const char *vps, int argc, char **argv)
{
	g_autoptr(GPtrArray) isos = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GError) err = NULL;
	g_autofree char *answer = NULL;
	const char *iso;
	guint	 i;
	int	 rc;

	if (argc > 0)
		return cmd_forward(ctx, cmd, vps, argc, argv);
	if ((rc = menu_call(ctx, vps, PROTO_ISOS, NULL, isos)) != 0)
		return rc;
	if (isos->len == 0) {
		vlog_err("attach_iso: the ISO library is empty");
		return 1;
	}
	printf("ISO library:\n");
	for (i = 0; i < isos->len; i++)
		printf("%4u  %s\n", i + 1,
		    (const char *)g_ptr_array_index(isos, i));
	fflush(stdout);
	if (ctx->ask == NULL) {
		vlog_err("attach_iso: name the ISO here (usage: attach_iso "
		    "ISO)");
		return 2;
	}
	answer = ctx->ask(ctx, "ISO to attach (number or name, "
	    "empty to cancel): ");
	if (answer == NULL || answer[0] == '\0') {
		printf("Cancelled.\n");
		return 1;
	}
	if ((iso = menu_pick_iso(isos, answer, &err)) == NULL) {
		vlog_err("attach_iso: %s", err->message);
		return 2;
	}
	{
		char	*args[] = { (char *)iso, NULL };

		return cmd_forward(ctx, cmd, vps, 1, args);
	}
}

static int
cmd_list(struct menu_ctx *ctx, const struct menu_cmd *cmd,
    const char *vps, int argc, char **argv)
{
	size_t	 i;

	for (i = 0; ctx->vps != NULL && ctx->vps[i] != NULL; i++) {
		printf("%s%s\n", ctx->vps[i],
		    ctx->vps[i] == ctx->selected ? "  (selected)" : "");
	}
	fflush(stdout);
	return 0;
}

static int
cmd_use(struct menu_ctx *ctx, const struct menu_cmd *cmd,
    const char *vps, int argc, char **argv)
{
	size_t	 i;
	char	 shown[MENU_WORD_MAX + 1];

	if (!menu_owns(ctx, argv[0])) {
		vps_sanitize_display(argv[0], shown, sizeof(shown));
		vlog_err("use: %s: no such VPS among yours (see list)", shown);
		return 2;
	}
	for (i = 0; strcmp(ctx->vps[i], argv[0]) != 0; i++)
		;
	if (argc == 1) {
		ctx->selected = ctx->vps[i];
		printf("Actions now apply to %s.\n", ctx->selected);
		fflush(stdout);
		return 0;
	}
	if (strcmp(argv[1], "use") == 0) {
		vlog_err("use: cannot nest use");
		return 2;
	}
	return menu_run_words(ctx, ctx->vps[i], argc - 1, argv + 1);
}

static int
cmd_help(struct menu_ctx *ctx, const struct menu_cmd *cmd,
    const char *vps, int argc, char **argv)
{
	char	 synopsis[64];
	size_t	 i;

	printf("Commands (actions apply to the selected VPS, %s):\n",
	    ctx->selected != NULL ? ctx->selected : "none");
	for (i = 0; i < menu_ncmds; i++) {
		const struct menu_cmd *c = &menu_cmds[i];

		/* A synopsis longer than the column is cut: help text. */
		(void)snprintf(synopsis, sizeof(synopsis), "%s%s%s", c->name,
		    c->args[0] ? " " : "", c->args);
		printf("  %-28s %s\n", synopsis, c->help);
	}
	fflush(stdout);
	return 0;
}

static int
cmd_quit(struct menu_ctx *ctx, const struct menu_cmd *cmd,
    const char *vps, int argc, char **argv)
{
	ctx->quit = true;
	return 0;
}

/*
 * The menu's columns of the MEMBER and HELPER rows of VPS_VERBS
 * (verbs.h); a HELPER row's command is the request PROTO_<ID>. A row
 * whose menu asks for a missing argument (VERB_ASKS) may be typed
 * without it.
 */
#define MENU_VERB_HELPER(ID)	PROTO_##ID
#define MENU_VERB_MEMBER(ID)	(-1)
#define MENU_ROW(ID, SIDE, NAME, MIN, MAX, ARG, FLAGS, MENU_FN, SERVE_FN, \
	    USAGE, HELP) \
	VERB_TYPED_##SIDE({ NAME, USAGE, HELP, \
	    ((FLAGS) & VERB_ASKS) ? 0 : (MIN), MAX, ARG, \
	    MENU_VERB_##SIDE(ID), MENU_FN },)

const struct menu_cmd menu_cmds[] = {
	VPS_VERBS(MENU_ROW)
};
const size_t menu_ncmds = G_N_ELEMENTS(menu_cmds);
