/*
 * test-rules.c: the generated sudoers and sshd text against golden files
 * (tests/unit/golden/NAME.ok), and the shape of every generated line.
 * VPS_UPDATE_GOLDEN=1 rewrites the golden files from the current output.
 */
#include <config.h>

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <glib.h>

#include "unit.h"
#include "rules.h"

#define MENU	"/usr/bin/virsh-menu"
#define SOURCE	"/etc/vps/vps.data"

/* Members and VPS out of order, one member with three VPS. */
static const char data_text[] =
    "mail:bob:1:512:10:5903\n"
    "web:alice:2:1024:20:5901\n"
    "x:_svc:1:64:1:6000\n"
    "db:alice:4:4096:40:5900\n"
    "api:alice:1:256:5:5902\n";

static void
load(struct vps_data *d)
{
	assert_true(vpsdata_parse(data_text, strlen(data_text), "t", d, NULL));
}

static void
test_sudoers_golden(void **state)
{
	struct vps_data d = VPSDATA_INIT;
	g_autofree char *text = NULL;

	load(&d);
	text = rules_sudoers(&d, MENU, SOURCE);
	compare_golden("sudoers.ok", text);
	vpsdata_clear(&d);
}

static void
test_sshd_golden(void **state)
{
	struct vps_data d = VPSDATA_INIT;
	g_autofree char *text = NULL;

	load(&d);
	text = rules_sshd(&d, MENU, SOURCE);
	compare_golden("sshd.ok", text);
	vpsdata_clear(&d);
}

/*
 * Every line is one of the few shapes the generator writes: nothing else
 * (no second command, no other user, no Include) can appear.
 */
static void
check_lines(const char *text, const char *const *patterns)
{
	g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
	size_t	 i, j;

	for (i = 0; lines[i] != NULL; i++) {
		bool	 matched = false;

		for (j = 0; patterns[j] != NULL && !matched; j++)
			matched = g_regex_match_simple(patterns[j], lines[i],
			    0, 0);
		if (!matched)
			FAIL_MSG("line %zu has an unexpected shape: %s", i + 1,
			    lines[i]);
	}
}

static void
test_line_shapes(void **state)
{
	static const char *const sudo_shapes[] = {
		"^$", "^# [ -~]*$",
		"^Defaults!" MENU " env_reset, !env_keep, !setenv, !use_pty$",
		"^User_Alias " RULES_MEMBERS_ALIAS " = [a-z_][a-z0-9_-]*"
		    "(, \\\\)?$",
		"^    [a-z_][a-z0-9_-]*(, \\\\)?$",
		"^" RULES_MEMBERS_ALIAS " ALL = \\(root\\) NOPASSWD: " MENU
		    " --list$",
		"^[a-z_][a-z0-9_-]* ALL = \\(root\\) NOPASSWD: " MENU
		    " --serve [a-z][a-z0-9_-]*(, \\\\)?$",
		"^    " MENU " --serve [a-z][a-z0-9_-]*(, \\\\)?$",
		NULL,
	};
	static const char *const sshd_shapes[] = {
		"^$", "^# [ -~]*$", "^Match User [a-z_][a-z0-9_-]*$",
		"^Match all$", "^\tAllowTcpForwarding local$",
		"^\tPermitOpen( 127\\.0\\.0\\.1:[0-9]+ localhost:[0-9]+)+$",
		"^\tPermitListen none$", "^\tAllowStreamLocalForwarding no$",
		"^\tAllowAgentForwarding no$", "^\tX11Forwarding no$",
		"^\tPermitTunnel no$", "^\tPermitUserRC no$",
		/* Joined with MENU on purpose, no comma missing: */
		/* NOLINTNEXTLINE(bugprone-suspicious-missing-comma) */
		"^\tForceCommand " MENU "$",
		NULL,
	};
	struct vps_data d = VPSDATA_INIT;
	g_autofree char *sudo = NULL, *sshd = NULL;

	load(&d);
	sudo = rules_sudoers(&d, MENU, SOURCE);
	sshd = rules_sshd(&d, MENU, SOURCE);
	check_lines(sudo, sudo_shapes);
	check_lines(sshd, sshd_shapes);
	vpsdata_clear(&d);
}

static void
test_empty(void **state)
{
	struct vps_data d = VPSDATA_INIT;
	g_autofree char *sudo = rules_sudoers(&d, MENU, SOURCE);
	g_autofree char *sshd = rules_sshd(&d, MENU, SOURCE);

	assert_null(strstr(sudo, "NOPASSWD"));
	assert_null(strstr(sudo, "User_Alias"));	/* none may be empty */
	assert_null(strstr(sshd, "Match User"));
	assert_non_null(strstr(sshd, "\nMatch all\n"));
}

static void
test_deterministic(void **state)
{
	struct vps_data a = VPSDATA_INIT, b = VPSDATA_INIT;
	static const char reordered[] =
	    "api:alice:1:256:5:5902\nx:_svc:1:64:1:6000\n"
	    "db:alice:4:4096:40:5900\nweb:alice:2:1024:20:5901\n"
	    "mail:bob:1:512:10:5903\n";
	g_autofree char *s1 = NULL, *s2 = NULL;

	load(&a);
	assert_true(vpsdata_parse(reordered, strlen(reordered), "t", &b,
	    NULL));
	s1 = rules_sudoers(&a, MENU, SOURCE);
	s2 = rules_sudoers(&b, MENU, SOURCE);
	assert_string_equal(s1, s2);
	vpsdata_clear(&a);
	vpsdata_clear(&b);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_sudoers_golden),
	cmocka_unit_test(test_sshd_golden),
	cmocka_unit_test(test_line_shapes),
	cmocka_unit_test(test_empty),
	cmocka_unit_test(test_deterministic),
};

UNIT_MAIN(tests)
