/*
 * test-menuparse.c: the menu line parser and command table, with hostile
 * lines. Nothing here reaches sudo: every case is decided before a
 * request would be sent.
 */
#include <config.h>

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "unit.h"
#include <glib.h>

#include "member-menu.h"
#include "proto.h"
#include "util.h"

struct split_case {
	const char *line;
	bool	 ok;
	int	 argc;
	const char *words[4];
};

static const struct split_case split_cases[] = {
	{ "", true, 0, { NULL } },
	{ "   \t ", true, 0, { NULL } },
	{ "status", true, 1, { "status" } },
	{ "  status  ", true, 1, { "status" } },
	{ "use web2 start", true, 3, { "use", "web2", "start" } },
	{ "use\tweb2\t\tstart", true, 3, { "use", "web2", "start" } },
	{ "status; id", true, 2, { "status;", "id" } },
	{ "attach_iso ../../etc/shadow", true, 2,
	    { "attach_iso", "../../etc/shadow" } },
	{ "a b c d e f g h", true, 8, { "a", "b", "c", "d" } },
	{ "a b c d e f g h i", false, 0, { NULL } },
	{ "status\n", false, 0, { NULL } },
	{ "sta\ntus", false, 0, { NULL } },
	{ "status\r", false, 0, { NULL } },
	{ "\x1b[2J", false, 0, { NULL } },
	{ "caf\xc3\xa9", false, 0, { NULL } },
	{ "status\x7f", false, 0, { NULL } },
	{ "\x03", false, 0, { NULL } },
};

static void
test_split(void **state)
{
	size_t	 i;
	int	 j;

	for (i = 0; i < G_N_ELEMENTS(split_cases); i++) {
		const struct split_case *c = &split_cases[i];
		struct menu_words w;
		g_autoptr(GError) err = NULL;
		bool	 got = menu_split(c->line, strlen(c->line), &w, &err);

		if (got != c->ok)
			FAIL_MSG("case %zu \"%s\": expected %s", i, c->line,
			    c->ok ? "accepted" : "refused");
		if (!got) {
			assert_true(g_error_matches(err, VPS_ERROR,
			    VPS_ERROR_INVALID));
			continue;
		}
		assert_int_equal(w.argc, c->argc);
		assert_null(w.argv[w.argc]);
		for (j = 0; j < c->argc && j < 4; j++)
			assert_string_equal(w.argv[j], c->words[j]);
	}
}

static void
test_split_limits(void **state)
{
	char	 line[MENU_LINE_MAX + 2];
	struct menu_words w;

	memset(line, 'a', MENU_WORD_MAX + 1);
	assert_true(menu_split(line, MENU_WORD_MAX, &w, NULL));
	assert_false(menu_split(line, MENU_WORD_MAX + 1, &w, NULL));
	memset(line, ' ', sizeof(line));
	assert_true(menu_split(line, MENU_LINE_MAX, &w, NULL));
	assert_false(menu_split(line, MENU_LINE_MAX + 1, &w, NULL));
	/* A NUL inside the line is a byte outside printable ASCII. */
	assert_false(menu_split("status\0id", 9, &w, NULL));
}

struct cmd_case {
	const char *name;
	int	 argc;
	bool	 found;
	bool	 args_ok;
};

static const struct cmd_case cmd_cases[] = {
	{ "status", 0, true, true }, { "status", 1, true, false },
	{ "info", 0, true, true }, { "info", 1, true, false },
	{ "start", 0, true, true }, { "shutdown", 0, true, true },
	{ "reboot", 0, true, true }, { "reset", 0, true, true },
	{ "poweroff", 0, true, true }, { "autostart", 0, true, true },
	{ "autostart", 1, true, true }, { "autostart", 2, true, false },
	{ "attach_iso", 0, true, true }, { "attach_iso", 1, true, true },
	{ "attach_iso", 2, true, false }, { "detach_iso", 0, true, true },
	{ "console", 0, true, true }, { "console", 1, true, true },
	{ "console", 2, true, false }, { "list", 0, true, true },
	{ "json", 0, true, false }, { "json", 1, true, true },
	{ "use", 0, true, false }, { "use", 1, true, true },
	{ "use", 3, true, true }, { "help", 0, true, true },
	{ "quit", 0, true, true }, { "exit", 0, true, true },
	{ "bash", 0, false, false }, { "/bin/sh", 0, false, false },
	{ "status;", 0, false, false }, { "Status", 0, false, false },
	{ "isos", 0, false, false }, { "internal-sftp", 0, false, false },
	{ "", 0, false, false },
};

static void
test_find(void **state)
{
	size_t	 i;

	for (i = 0; i < G_N_ELEMENTS(cmd_cases); i++) {
		const struct cmd_case *c = &cmd_cases[i];
		const struct menu_cmd *cmd = menu_find(c->name);

		if ((cmd != NULL) != c->found)
			FAIL_MSG("case %zu \"%s\": expected %s", i, c->name,
			    c->found ? "a command" : "no command");
		if (cmd != NULL && menu_check_args(cmd, c->argc) != c->args_ok)
			FAIL_MSG("case %zu \"%s\" with %d arguments", i,
			    c->name, c->argc);
	}
}

/* Every row is well-formed: help text, a handler, sane arity. */
static void
test_table(void **state)
{
	size_t	 i, j;

	for (i = 0; i < menu_ncmds; i++) {
		const struct menu_cmd *c = &menu_cmds[i];

		assert_non_null(c->fn);
		assert_non_null(c->help);
		assert_true(c->minargs <= c->maxargs);
		assert_true(c->maxargs < MENU_WORDS_MAX);
		for (j = i + 1; j < menu_ncmds; j++)
			assert_string_not_equal(c->name, menu_cmds[j].name);
	}
}

/*
 * The menu and the helper read the same rows (verbs.h): a command sent
 * to the helper is the request of its name, and a request that is not a
 * command (isos) cannot be typed.
 */
static void
test_table_proto(void **state)
{
	size_t	 i;
	int	 v, typed = 0;

	for (i = 0; i < menu_ncmds; i++) {
		const struct menu_cmd *c = &menu_cmds[i];

		if (c->verb < 0) {
			assert_int_equal(proto_verb_lookup(c->name), -1);
			continue;
		}
		assert_true(c->verb < PROTO_NVERBS);
		assert_string_equal(proto_verb_name(c->verb), c->name);
		typed++;
	}
	for (v = 0; v < PROTO_NVERBS; v++) {
		if (menu_find(proto_verb_name(v)) == NULL)
			assert_true(v == PROTO_ISOS || v == PROTO_SNAPNAMES);
	}
	assert_int_equal(typed, PROTO_NVERBS - 2);
}

struct run_case {
	const char *line;
	int	 status;
};

/* Lines that are decided locally: nothing is sent to a server. */
static const struct run_case run_cases[] = {
	{ "", 0 }, { "help", 0 }, { "list", 0 },
	{ "use web2", 0 }, { "use web1", 0 },
	{ "bash", 2 }, { "/bin/sh", 2 }, { "status; id", 2 },
	{ "status x", 2 }, { "use", 2 }, { "use other", 2 },
	{ "use other status", 2 }, { "use ../web1 status", 2 },
	{ "use web1 use web2", 2 }, { "use web1 bash", 2 },
	{ "use web1 status extra", 2 }, { "sta\ntus", 2 },
	{ "info x", 2 }, { "use other info", 2 }, { "use web2 info x", 2 },
	{ "\x1b]0;owned\x07", 2 },
	/* json: only list, status, info, console, and those under use */
	{ "json list", 0 }, { "json", 2 }, { "json json list", 2 },
	{ "json start", 2 }, { "json help", 2 }, { "json quit", 2 },
	{ "json attach_iso a.iso", 2 }, { "json use web2", 2 },
	{ "json use other status", 2 }, { "json use web2 start", 2 },
	{ "json use web2 json status", 2 }, { "use web2 json status", 2 },
	{ "json status x", 2 }, { "json console vv", 2 },
	{ "console x", 2 }, { "console vv x", 2 }, { "status kv", 2 },
	{ "info kv", 2 },
};

static void
test_run_local(void **state)
{
	struct menu_ctx ctx;
	size_t	 i;
	FILE	*saved;

	menu_ctx_init(&ctx);
	ctx.vps = g_strsplit("web1,web2", ",", -1);
	ctx.selected = ctx.vps[0];
	saved = stdout;
	stdout = fopen("/dev/null", "w");
	for (i = 0; i < G_N_ELEMENTS(run_cases); i++) {
		int	 got = menu_run_line(&ctx, run_cases[i].line,
		    strlen(run_cases[i].line));

		if (got != run_cases[i].status) {
			(void)fclose(stdout);	/* /dev/null */
			stdout = saved;
			FAIL_MSG("case %zu \"%s\": status %d, expected %d", i,
			    run_cases[i].line, got, run_cases[i].status);
		}
	}
	(void)fclose(stdout);	/* /dev/null: nothing to lose */
	stdout = saved;
	assert_string_equal(ctx.selected, "web1");
	assert_int_equal(g_hash_table_size(ctx.sessions), 0);
	assert_false(ctx.quit);
	assert_int_equal(menu_run_line(&ctx, "quit", 4), 0);
	assert_true(ctx.quit);
	menu_ctx_clear(&ctx);
}

struct arg_case {
	const char *cmd;
	const char *arg;
	const char *why;		/* NULL: valid */
};

static const struct arg_case arg_cases[] = {
	{ "autostart", "on", NULL },
	{ "autostart", "off", NULL },
	{ "autostart", "maybe", "must be on or off" },
	{ "autostart", "ON", "must be on or off" },
	{ "serial", "force", NULL },
	{ "serial", "now", "must be force" },
	{ "serial", "FORCE", "must be force" },
	{ "attach_iso", "debian-12.iso", NULL },
	{ "attach_iso", "my disk.iso", "an ISO name has no blanks" },
	{ "attach_iso", "a\tb.iso", "an ISO name has no blanks" },
	{ "attach_iso", "../x.iso", "ISO name must not start with '.' or '-'" },
	{ "attach_iso", "a..b.iso", "ISO name must not contain '..'" },
	{ "attach_iso", "a/b.iso", "invalid character in ISO name "
	    "(allowed: A-Z a-z 0-9 . _ - +)" },
	{ "attach_iso", "debian", "ISO name must end in .iso" },
	{ "attach_iso", "0", "ISO name must end in .iso" },
};

/* Arguments the menu refuses itself name what is wrong with them. */
static void
test_arg_reasons(void **state)
{
	size_t	 i;

	for (i = 0; i < G_N_ELEMENTS(arg_cases); i++) {
		const struct arg_case *c = &arg_cases[i];
		g_autoptr(GError) err = NULL;
		bool	 ok = menu_arg_valid(menu_find(c->cmd), c->arg, &err);

		if (ok != (c->why == NULL))
			FAIL_MSG("case %zu %s \"%s\": expected %s", i, c->cmd,
			    c->arg, c->why == NULL ? "valid" : "refused");
		if (!ok && (!g_error_matches(err, VPS_ERROR,
		    VPS_ERROR_INVALID) || strcmp(err->message, c->why) != 0))
			FAIL_MSG("case %zu %s \"%s\": reason \"%s\", expected "
			    "\"%s\"", i, c->cmd, c->arg, err->message, c->why);
	}
}

struct pick_case {
	const char *answer;
	const char *iso;		/* NULL: refused with message */
	const char *message;
};

static const struct pick_case pick_cases[] = {
	{ "1", "a.iso", NULL },
	{ "3", "c.iso", NULL },
	{ "b.iso", "b.iso", NULL },
	{ "my disk.iso", "my disk.iso", NULL },	/* a name: checked later */
	{ "0", NULL, "0: not one of the numbers listed (1 to 3)" },
	{ "4", NULL, "4: not one of the numbers listed (1 to 3)" },
	{ "01", NULL, "01: not one of the numbers listed (1 to 3)" },
	{ "123456789012345678901234567890", NULL,
	    "12345678901234567890: not one of the numbers listed (1 to 3)" },
};

/* A number that is not on the ISO list says so, with the range. */
static void
test_pick_iso(void **state)
{
	g_autoptr(GPtrArray) isos = g_ptr_array_new();
	size_t	 i;

	g_ptr_array_add(isos, (gpointer)"a.iso");
	g_ptr_array_add(isos, (gpointer)"b.iso");
	g_ptr_array_add(isos, (gpointer)"c.iso");
	for (i = 0; i < G_N_ELEMENTS(pick_cases); i++) {
		const struct pick_case *c = &pick_cases[i];
		g_autoptr(GError) err = NULL;
		const char *got = menu_pick_iso(isos, c->answer, &err);

		if (c->iso != NULL) {
			assert_non_null(got);
			assert_string_equal(got, c->iso);
			assert_null(err);
			continue;
		}
		assert_null(got);
		assert_non_null(err);
		assert_string_equal(err->message, c->message);
	}
}

struct said_case {
	const char *line;
	const char *message;	/* what the member reads on stderr */
};

/* Refusals decided in the menu: the status, and the reason printed. */
static const struct said_case said_cases[] = {
	{ "autostart maybe", "autostart: maybe: must be on or off" },
	{ "attach_iso ../../etc/shadow",
	    "attach_iso: ../../etc/shadow: ISO name must not start with '.' "
	    "or '-'" },
	{ "attach_iso my.img", "attach_iso: my.img: ISO name must end in "
	    ".iso" },
	{ "use web2 autostart yes", "autostart: yes: must be on or off" },
	{ "status now", "status: too many arguments (usage: status)" },
	{ "info disk", "info: too many arguments (usage: info)" },
	{ "use other info", "use: other: no such VPS among yours (see list)" },
	{ "autostart on off",
	    "autostart: too many arguments (usage: autostart [on|off])" },
	{ "use", "use: missing argument (usage: use VPS [COMMAND [ARGS]])" },
};

static void
test_said(void **state)
{
	struct menu_ctx ctx;
	char	 buf[512];
	size_t	 i, n;
	FILE	*saved = stderr, *err;

	menu_ctx_init(&ctx);
	ctx.vps = g_strsplit("web1,web2", ",", -1);
	ctx.selected = ctx.vps[0];
	for (i = 0; i < G_N_ELEMENTS(said_cases); i++) {
		const struct said_case *c = &said_cases[i];
		int	 rc;

		err = tmpfile();
		assert_non_null(err);
		stderr = err;
		rc = menu_run_line(&ctx, c->line, strlen(c->line));
		stderr = saved;
		rewind(err);
		n = fread(buf, 1, sizeof(buf) - 1, err);
		buf[n] = '\0';
		(void)fclose(err);	/* a temp file: nothing to lose */
		if (rc != 2 || strstr(buf, c->message) == NULL)
			FAIL_MSG("case %zu \"%s\": status %d, said \"%s\", "
			    "expected \"%s\"", i, c->line, rc, buf,
			    c->message);
	}
	/* Decided here: no server was started for any of them. */
	assert_int_equal(g_hash_table_size(ctx.sessions), 0);
	menu_ctx_clear(&ctx);
}

struct complete_case {
	const char *line;	/* the cursor at its end */
	const char *names;	/* what tab offers, joined by blanks */
};

static const struct complete_case complete_cases[] = {
	{ "autostart ", "on off" },
	{ "autostart o", "on off" },
	{ "autostart of", "off" },
	{ "use ", "web1 web2" },
	{ "use web2 autostart ", "on off" },
	{ "use web2 use ", "web1 web2" },
	{ "use other ", "" },
	{ "status ", "" },
	{ "info ", "" },
	{ "in", "info install" },
	{ "snapshot ", "" },
	{ "snapshots ", "" },
	{ "use web2 inf", "info" },
	{ "help ", "" },
	{ "bash ", "" },
	{ "autostart on ", "" },
	{ "console ", "vv" },
	{ "json ", "status info console list use" },
	{ "json use web2 ", "status info console list use" },
	{ "json use ", "web1 web2" },
	{ "json console ", "" },
	{ "json status ", "" },
};

/*
 * The candidates of tab at the end of line, as the UI asks for them: for
 * a new word after a blank, else for the last word, by its prefix.
 */
static char *
complete_line(struct menu_ctx *ctx, const char *line)
{
	g_autoptr(GPtrArray) all = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GPtrArray) out = g_ptr_array_new();
	struct menu_words w;
	const char *prefix = "";
	size_t	 len = strlen(line);
	guint	 i;
	int	 idx;

	assert_true(menu_split(line, len, &w, NULL));
	idx = w.argc;
	if (len > 0 && line[len - 1] != ' ')
		prefix = w.argv[--idx];
	menu_complete(ctx, &w, idx, all);
	for (i = 0; i < all->len; i++) {
		if (g_str_has_prefix(g_ptr_array_index(all, i), prefix))
			g_ptr_array_add(out, g_ptr_array_index(all, i));
	}
	g_ptr_array_add(out, NULL);
	return g_strjoinv(" ", (char **)out->pdata);
}

/* Tab completes by each row's argument kind, also after use VPS. */
static void
test_complete(void **state)
{
	g_autofree char *all = NULL, *after_use = NULL;
	struct menu_ctx ctx;
	size_t	 i;

	menu_ctx_init(&ctx);
	ctx.vps = g_strsplit("web1,web2", ",", -1);
	ctx.selected = ctx.vps[0];
	all = complete_line(&ctx, "");
	assert_string_equal(all, "status info start shutdown reboot reset "
	    "poweroff autostart attach_iso detach_iso console serial snapshot "
	    "snapshots revert forget install list use json help quit exit");
	after_use = complete_line(&ctx, "use web2 ");
	assert_string_equal(after_use, all);
	for (i = 0; i < G_N_ELEMENTS(complete_cases); i++) {
		const struct complete_case *c = &complete_cases[i];
		g_autofree char *got = complete_line(&ctx, c->line);

		if (strcmp(got, c->names) != 0)
			FAIL_MSG("case %zu \"%s\": offered \"%s\", expected "
			    "\"%s\"", i, c->line, got, c->names);
	}
	/* Decided here: ISO names alone would ask a server. */
	assert_int_equal(g_hash_table_size(ctx.sessions), 0);
	menu_ctx_clear(&ctx);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_split),
	cmocka_unit_test(test_split_limits),
	cmocka_unit_test(test_find),
	cmocka_unit_test(test_table),
	cmocka_unit_test(test_table_proto),
	cmocka_unit_test(test_run_local),
	cmocka_unit_test(test_arg_reasons),
	cmocka_unit_test(test_pick_iso),
	cmocka_unit_test(test_said),
	cmocka_unit_test(test_complete),
};

UNIT_MAIN(tests)
