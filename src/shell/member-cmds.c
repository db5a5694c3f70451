/*
 * member-cmds.c: the menu's commands, one function per kind of verb, and their
 * table, made from VPS_VERBS (verbs.h). Commands that act on a VPS are
 * forwarded to its privileged server; the rest (list, use, help, quit)
 * are answered here.
 */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "member-menu.h"
#include "member-out.h"
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
 * Sends the request verb (arg may be NULL) and parses its key=value reply
 * (proto.c) into f. Returns the exit status; a failure is reported to
 * the member here.
 */
static int
call_facts(struct menu_ctx *ctx, const char *vps, int verb, const char *arg,
    struct out_facts *f)
{
	g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GError) err = NULL;
	const struct out_key *keys;
	size_t	 nkeys;
	int	 rc;

	memset(f, 0, sizeof(*f));
	if ((keys = out_keys(verb, &nkeys)) == NULL) {
		vlog_err("%s: %s has no facts to give", vps,
		    proto_verb_name(verb));
		return 1;
	}
	if ((rc = menu_call(ctx, vps, verb, arg, lines)) != 0)
		return rc;
	if (!out_parse(keys, nkeys, lines, f, &err)) {
		vlog_err("%s: %s: the helper's reply: %s", vps,
		    proto_verb_name(verb), err->message);
		return 1;
	}
	return 0;
}

/* Prints one JSON object: the members in obj, braced, on one line. */
static void
print_json(GString *obj)
{
	printf("{%s}\n", obj->str);
	fflush(stdout);
}

/* json status, json info: the facts of the request's kv form. */
static int
json_forward(struct menu_ctx *ctx, const struct menu_cmd *cmd,
    const char *vps)
{
	g_autoptr(GString) obj = g_string_new(NULL);
	struct out_facts f;
	int	 rc;

	rc = call_facts(ctx, vps, cmd->verb, "kv", &f);
	if (rc == 0) {
		out_json_facts(obj, &f, "");
		print_json(obj);
	}
	out_facts_clear(&f);
	return rc;
}

bool
menu_arg_ok(const struct menu_cmd *cmd, int argc, char **argv)
{
	g_autoptr(GError) err = NULL;
	char	 shown[MENU_WORD_MAX + 1];

	if (argc == 0 || menu_arg_valid(cmd, argv[0], &err))
		return true;
	vps_sanitize_display(argv[0], shown, sizeof(shown));
	vlog_err("%s: %s: %s", cmd->name, shown, err->message);
	return false;
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
	int	 rc;

	if (!menu_arg_ok(cmd, argc, argv))
		return 2;
	if (ctx->json && (cmd->flags & VERB_KV))
		return json_forward(ctx, cmd, vps);
	rc = menu_call(ctx, vps, cmd->verb, argc > 0 ? argv[0] : NULL, lines);
	print_lines(lines);
	return rc;
}

/* The ticket as text: what the helper printed before it gave facts. */
static void
console_text(const char *vps, const struct out_facts *f, unsigned port,
    const char *tunnel, const char *note)
{
	unsigned long long minutes = out_uint(f, "ticket_minutes");
	const char *expiry = out_get(f, "expires_text");

	printf("Console ticket for %s (one-time password, unused it "
	    "expires in %llu minute%s):\n", vps, minutes,
	    minutes == 1 ? "" : "s");
	printf("  host:     127.0.0.1\n");
	printf("  port:     %u\n", port);
	printf("  password: %s\n", out_get(f, "password"));
	printf("  expires:  %s\n", expiry);
	printf("One-time: %llu seconds after the first SPICE client has "
	    "connected with this\n", out_uint(f, "window_seconds"));
	printf("password (time to open all of its channels), it admits no "
	    "new connection;\n");
	printf("that client keeps its session. Unused, it expires at %s.\n",
	    expiry);
	printf("A new ticket ends this one.\n");
	printf("Open the tunnel:  %s\n%s", tunnel, note);
	printf("Then connect to:  spice://127.0.0.1:%u\n", port);
}

/* The ticket as JSON: its facts, where to connect and the tunnel. */
static void
console_json(const char *vps, const struct out_facts *f, unsigned port,
    const char *tunnel, const struct out_sshd *sshd)
{
	g_autoptr(GString) obj = g_string_new(NULL);
	g_autofree char *url = g_strdup_printf("spice://127.0.0.1:%u", port);

	g_string_append(obj, "\"vps\": ");
	vps_json_string(obj, vps);
	g_string_append(obj, ", \"host\": \"127.0.0.1\"");
	out_json_facts(obj, f, ", ");
	g_string_append(obj, ", \"url\": ");
	vps_json_string(obj, url);
	g_string_append(obj, ", \"tunnel\": ");
	vps_json_string(obj, tunnel);
	g_string_append(obj, ", \"ssh_address\": ");
	if (sshd != NULL)
		vps_json_string(obj, sshd->addr);
	else
		g_string_append(obj, "null");
	if (sshd != NULL)
		g_string_append_printf(obj, ", \"ssh_port\": %u", sshd->port);
	else
		g_string_append(obj, ", \"ssh_port\": null");
	print_json(obj);
	explicit_bzero(obj->str, obj->len);
}

/*
 * Shows the ticket f of vps as text, as JSON (ctx->json), or as
 * remote-viewer's file (vv; the tunnel line then on stderr). The tunnel
 * line is written here: the port of sshd that this session came through
 * is in SSH_CONNECTION, which only the member's side has.
 */
static int
console_show(struct menu_ctx *ctx, const char *vps, bool vv,
    const struct out_facts *f)
{
	g_autoptr(GError) err = NULL;
	g_autofree char *tunnel = NULL, *note = NULL, *file = NULL;
	struct out_sshd sshd, *known = NULL;
	unsigned long long port = out_uint(f, "port");
	const char *addr = out_get(f, "spice_address");

	if (port < 1 || port > 65535) {
		vlog_err("%s: console: the helper's reply: port %llu", vps,
		    port);
		return 1;
	}
	if (out_ssh_connection(getenv("SSH_CONNECTION"), &sshd))
		known = &sshd;
	if ((tunnel = out_tunnel((unsigned)port, addr, ctx->member,
	    known)) == NULL) {
		vlog_err("%s: console: the helper's reply: spice_address %s",
		    vps, addr != NULL ? addr : "missing");
		return 1;
	}
	note = out_host_note(known);
	if (ctx->json)
		console_json(vps, f, (unsigned)port, tunnel, known);
	else if (!vv)
		console_text(vps, f, (unsigned)port, tunnel, note);
	else if ((file = out_vv(vps, (unsigned)port, out_get(f, "password"),
	    &err)) == NULL) {
		vlog_err("%s: console: %s", vps, err->message);
		return 1;
	} else {
		fputs(file, stdout);
		fprintf(stderr, "Open the tunnel:  %s\n%s", tunnel, note);
		explicit_bzero(file, strlen(file));
	}
	fflush(stdout);
	return 0;
}

/* console [vv]: a ticket from the helper, shown by console_show. */
static int
cmd_console(struct menu_ctx *ctx, const struct menu_cmd *cmd,
    const char *vps, int argc, char **argv)
{
	struct out_facts f;
	int	 rc;

	if (!menu_arg_ok(cmd, argc, argv))
		return 2;
	if (argc > 0 && ctx->json) {
		vlog_err("console: vv and json are two forms; give one");
		return 2;
	}
	if ((rc = call_facts(ctx, vps, cmd->verb, NULL, &f)) == 0)
		rc = console_show(ctx, vps, argc > 0, &f);
	out_facts_clear(&f);
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

/*
 * Whether the member confirms what a command is about to do (warning, a
 * sentence): the word yes as the command's last argument (argv[at]), or
 * typed as the answer to the question. Returns 0 to go on, else the
 * exit status: 1 cancelled, 2 no way to confirm (not interactive) or a
 * last word that is not yes.
 */
static int
menu_confirm(struct menu_ctx *ctx, const struct menu_cmd *cmd,
    const char *warning, int argc, char **argv, int at)
{
	g_autofree char *answer = NULL;

	if (argc > at) {
		if (strcmp(argv[at], "yes") == 0)
			return 0;
		vlog_err("%s: the word after %s can only be yes (usage: %s "
		    "%s)", cmd->name, argv[at - 1], cmd->name, cmd->args);
		return 2;
	}
	if (ctx->ask == NULL) {
		vlog_err("%s: %s; confirm with yes as the last word (usage: "
		    "%s %s)", cmd->name, warning, cmd->name, cmd->args);
		return 2;
	}
	printf("%s.\n", warning);
	fflush(stdout);
	answer = ctx->ask(ctx, "Type yes to go on: ");
	if (answer == NULL || strcmp(answer, "yes") != 0) {
		printf("Cancelled.\n");
		fflush(stdout);
		return 1;
	}
	return 0;
}

/*
 * revert NAME [yes]: asks first, since what the disk holds now is lost.
 * The confirmation is the menu's (the helper reverts what it is asked):
 * it guards the member against a slip, not against the member.
 */
static int
cmd_revert(struct menu_ctx *ctx, const struct menu_cmd *cmd,
    const char *vps, int argc, char **argv)
{
	g_autofree char *warning = NULL;
	int	 rc;

	if (!menu_arg_ok(cmd, argc, argv))
		return 2;
	warning = g_strdup_printf("Reverting %s to snapshot %s replaces "
	    "everything on its disk", vps, argv[0]);
	if ((rc = menu_confirm(ctx, cmd, warning, argc, argv, 1)) != 0)
		return rc;
	return cmd_forward(ctx, cmd, vps, 1, argv);
}

/*
 * install ISO [yes]: a running VPS is reset by it, which the member
 * confirms first; a shut-off one just starts.
 */
static int
cmd_install(struct menu_ctx *ctx, const struct menu_cmd *cmd,
    const char *vps, int argc, char **argv)
{
	g_autofree char *warning = NULL;
	struct out_facts f;
	bool	 running;
	int	 rc;

	if (!menu_arg_ok(cmd, argc, argv))
		return 2;
	if (argc == 1) {
		if ((rc = call_facts(ctx, vps, PROTO_STATUS, "kv", &f)) != 0)
			return rc;
		running = g_strcmp0(out_get(&f, "state"), "shut off") != 0;
		out_facts_clear(&f);
		if (!running)
			return cmd_forward(ctx, cmd, vps, 1, argv);
	}
	warning = g_strdup_printf("%s is running: install resets it (like "
	    "the reset button) to boot %s", vps, argv[0]);
	if ((rc = menu_confirm(ctx, cmd, warning, argc, argv, 1)) != 0)
		return rc;
	return cmd_forward(ctx, cmd, vps, 1, argv);
}

static int
cmd_list(struct menu_ctx *ctx, const struct menu_cmd *cmd,
    const char *vps, int argc, char **argv)
{
	g_autoptr(GString) obj = g_string_new("\"vps\": [");
	size_t	 i;

	for (i = 0; ctx->vps != NULL && ctx->vps[i] != NULL; i++) {
		if (ctx->json) {
			g_string_append(obj, i > 0 ? ", " : "");
			vps_json_string(obj, ctx->vps[i]);
			continue;
		}
		printf("%s%s\n", ctx->vps[i],
		    ctx->vps[i] == ctx->selected ? "  (selected)" : "");
	}
	if (ctx->json) {
		g_string_append(obj, "], \"selected\": ");
		if (ctx->selected != NULL)
			vps_json_string(obj, ctx->selected);
		else
			g_string_append(obj, "null");
		print_json(obj);
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
	if (argc == 1 && ctx->json) {
		vlog_err("json: use %s selects only; name a command (json use "
		    "%s status)", argv[0], argv[0]);
		return 2;
	}
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
	if (strcmp(argv[1], "json") == 0) {
		vlog_err("use: json comes first (json use %s COMMAND)",
		    argv[0]);
		return 2;
	}
	return menu_run_words(ctx, ctx->vps[i], argc - 1, argv + 1);
}

/* json COMMAND [ARGS]: COMMAND's JSON form (rows with VERB_JSON). */
static int
cmd_json(struct menu_ctx *ctx, const struct menu_cmd *cmd,
    const char *vps, int argc, char **argv)
{
	int	 rc;

	if (ctx->json) {
		vlog_err("json: given twice");
		return 2;
	}
	ctx->json = true;
	rc = menu_run_words(ctx, vps, argc, argv);
	ctx->json = false;
	return rc;
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
	    ((FLAGS) & VERB_ASKS) ? 0 : (MIN), MAX, ARG, FLAGS, \
	    MENU_VERB_##SIDE(ID), MENU_FN },)

const struct menu_cmd menu_cmds[] = {
	VPS_VERBS(MENU_ROW)
};
const size_t menu_ncmds = G_N_ELEMENTS(menu_cmds);
