/*
 * member-menu.c: splitting a menu line into words and running it from the
 * command table (member-cmds.c). Nothing of a line is ever given to a shell:
 * the words select a row of the table, and only its handler runs.
 */
#include <config.h>

#include <string.h>

#include "log.h"
#include "member-menu.h"
#include "proto.h"
#include "member-session.h"
#include "util.h"

static bool
is_blank(char c)
{
	return c == ' ' || c == '\t';
}

bool
menu_split(const char *line, size_t len, struct menu_words *w,
    GError **err)
{
	size_t	 i, start;

	memset(w, 0, sizeof(*w));
	if (len > MENU_LINE_MAX)
		return vps_invalid(err, "line too long");
	for (i = 0; i < len; i++) {
		if (!is_blank(line[i]) && (line[i] < 0x20 || line[i] > 0x7e))
			return vps_invalid(err,
			    "only printable ASCII is accepted");
	}
	memcpy(w->buf, line, len);
	w->buf[len] = '\0';
	for (i = 0; i < len;) {
		for (; i < len && is_blank(w->buf[i]); i++)
			w->buf[i] = '\0';
		if (i == len)
			break;
		if (w->argc == MENU_WORDS_MAX)
			return vps_invalid(err, "too many words");
		start = i;
		for (; i < len && !is_blank(w->buf[i]); i++)
			;
		if (i - start > MENU_WORD_MAX)
			return vps_invalid(err, "word too long");
		w->argv[w->argc++] = w->buf + start;
	}
	w->argv[w->argc] = NULL;
	return true;
}

const struct menu_cmd *
menu_find(const char *name)
{
	size_t	 i;

	for (i = 0; i < menu_ncmds; i++) {
		if (strcmp(menu_cmds[i].name, name) == 0)
			return &menu_cmds[i];
	}
	return NULL;
}

bool
menu_check_args(const struct menu_cmd *cmd, int argc)
{
	return argc >= cmd->minargs && argc <= cmd->maxargs;
}

bool
menu_owns(const struct menu_ctx *ctx, const char *name)
{
	size_t	 i;

	for (i = 0; ctx->vps != NULL && ctx->vps[i] != NULL; i++) {
		if (strcmp(ctx->vps[i], name) == 0)
			return true;
	}
	return false;
}

bool
menu_arg_valid(const struct menu_cmd *cmd, const char *arg, GError **err)
{
	switch (cmd->arg) {
	case VERB_ARG_ONOFF:
	case VERB_ARG_FORCE:
		return verb_arg_word(cmd->arg, arg, err);
	case VERB_ARG_ISO:
		if (strpbrk(arg, " \t") != NULL)
			return vps_invalid(err, "an ISO name has no blanks");
		return vps_iso_name_valid(arg, err);
	case VERB_ARG_FORM:
		return verb_arg_word(cmd->arg, arg, err);
	case VERB_ARG_SNAP:
		return vps_snap_name_valid(arg, err);
	case VERB_ARG_NONE:
	case VERB_ARG_VPS:
	case VERB_ARG_COMMAND:
		break;
	}
	return true;
}

const char *
menu_pick_iso(GPtrArray *isos, const char *answer, GError **err)
{
	unsigned long long n;

	if (answer[0] == '\0' || strspn(answer, "0123456789") !=
	    strlen(answer))
		return answer;
	if (vps_parse_uint(answer, 1, isos->len, &n, NULL))
		return g_ptr_array_index(isos, n - 1);
	g_set_error(err, VPS_ERROR, VPS_ERROR_INVALID,
	    "%.20s: not one of the numbers listed (1 to %u)", answer,
	    isos->len);
	return NULL;
}

void
menu_complete(struct menu_ctx *ctx, const struct menu_words *w, int idx,
    GPtrArray *out)
{
	const struct menu_cmd *cmd = NULL;
	const char *vps = ctx->selected;
	const char *const *words;
	unsigned need = 0;
	size_t	 i;
	int	 first = 0;

	if (idx >= 1 && (cmd = menu_find(w->argv[0])) != NULL &&
	    cmd->arg == VERB_ARG_COMMAND) {
		first = 1;		/* json COMMAND ... */
		need = VERB_JSON;
	}
	if (idx >= first + 2 && (cmd = menu_find(w->argv[first])) != NULL &&
	    cmd->arg == VERB_ARG_VPS && menu_owns(ctx, w->argv[first + 1])) {
		vps = w->argv[first + 1];	/* use VPS COMMAND ARG */
		first += 2;
	}
	if (idx == first) {
		for (i = 0; i < menu_ncmds; i++) {
			if ((menu_cmds[i].flags & need) == need)
				g_ptr_array_add(out,
				    g_strdup(menu_cmds[i].name));
		}
		return;
	}
	if (idx != first + 1 || (cmd = menu_find(w->argv[first])) == NULL)
		return;
	switch (cmd->arg) {
	case VERB_ARG_ISO:
		menu_call(ctx, vps, PROTO_ISOS, NULL, out);
		break;
	case VERB_ARG_SNAP:
		if (cmd->verb != PROTO_SNAPSHOT)	/* a new name: none */
			menu_call(ctx, vps, PROTO_SNAPNAMES, NULL, out);
		break;
	case VERB_ARG_VPS:
		for (i = 0; ctx->vps[i] != NULL; i++)
			g_ptr_array_add(out, g_strdup(ctx->vps[i]));
		break;
	case VERB_ARG_ONOFF:
	case VERB_ARG_FORCE:
		words = verb_arg_words(cmd->arg);
		for (i = 0; words[i] != NULL; i++)
			g_ptr_array_add(out, g_strdup(words[i]));
		break;
	case VERB_ARG_FORM:
		if (!ctx->json && need == 0)
			g_ptr_array_add(out, g_strdup("vv"));
		break;
	case VERB_ARG_COMMAND:
	case VERB_ARG_NONE:
		break;
	}
}

int
menu_run_words(struct menu_ctx *ctx, const char *vps, int argc, char **argv)
{
	const struct menu_cmd *cmd;
	char	 shown[MENU_WORD_MAX + 1];

	if (argc == 0)
		return 0;
	if ((cmd = menu_find(argv[0])) == NULL) {
		vps_sanitize_display(argv[0], shown, sizeof(shown));
		vlog_err("unknown command: %s (type help for the list)",
		    shown);
		return 2;
	}
	if (!menu_check_args(cmd, argc - 1)) {
		vlog_err("%s: %s (usage: %s%s%s)", cmd->name,
		    argc - 1 < cmd->minargs ? "missing argument" :
		    "too many arguments", cmd->name, cmd->args[0] ? " " : "",
		    cmd->args);
		return 2;
	}
	if (ctx->json && !(cmd->flags & VERB_JSON)) {
		vlog_err("json: %s has no JSON form (json works with list, "
		    "status, info, console and use VPS COMMAND)", cmd->name);
		return 2;
	}
	if (vps == NULL)
		vps = ctx->selected;
	return cmd->fn(ctx, cmd, vps, argc - 1, argv + 1);
}

int
menu_run_line(struct menu_ctx *ctx, const char *line, size_t len)
{
	struct menu_words w;
	g_autoptr(GError) err = NULL;

	if (!menu_split(line, len, &w, &err)) {
		vlog_err("invalid input: %s", err->message);
		return 2;
	}
	return menu_run_words(ctx, NULL, w.argc, w.argv);
}

static void
session_free(gpointer p)
{
	session_close(p);
}

void
menu_ctx_init(struct menu_ctx *ctx)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->sessions = g_hash_table_new_full(g_str_hash, g_str_equal,
	    g_free, session_free);
}

void
menu_ctx_clear(struct menu_ctx *ctx)
{
	if (ctx->sessions != NULL)
		g_hash_table_destroy(ctx->sessions);
	g_strfreev(ctx->vps);
	memset(ctx, 0, sizeof(*ctx));
}
