/*
 * test-rules.c: the generated sudoers and sshd text against golden files
 * (tests/unit/golden/NAME.ok), the shape of every generated line, and the
 * members file parser.
 * VPS_UPDATE_GOLDEN=1 rewrites the golden files from the current output.
 */
#include <config.h>

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <glib.h>

#include "unit.h"
#include "memberlist.h"
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

/* Members without a VPS (dave, carol), an owner, a name twice. */
static const char *const members[] = {
	"dave", "alice", "carol", "dave", NULL
};

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
	text = rules_sudoers(&d, NULL, MENU, SOURCE);
	compare_golden("sudoers.ok", text);
	vpsdata_clear(&d);
}

static void
test_sshd_golden(void **state)
{
	struct vps_data d = VPSDATA_INIT;
	g_autofree char *text = NULL;

	load(&d);
	text = rules_sshd(&d, NULL, NULL, MENU, SOURCE);
	compare_golden("sshd.ok", text);
	vpsdata_clear(&d);
}

/*
 * Every member gets a block: one without a VPS may forward nowhere and
 * run only --list; owners keep their ports and --serve rules.
 */
static void
test_members_golden(void **state)
{
	struct vps_data d = VPSDATA_INIT;
	g_autofree char *sudo = NULL, *sshd = NULL;

	load(&d);
	sudo = rules_sudoers(&d, members, MENU, SOURCE);
	sshd = rules_sshd(&d, NULL, members, MENU, SOURCE);
	compare_golden("sudoers-members.ok", sudo);
	compare_golden("sshd-members.ok", sshd);
	vpsdata_clear(&d);
}

/*
 * VPS of other hosts: their owner may forward to the SPICE address of the
 * host (IPv6 in brackets) instead of the loopback; the sudoers rules do
 * not change. A VPS whose host vps.conf lacks gets no forwarding at all.
 */
static void
test_sshd_hosts_golden(void **state)
{
	static const char hosts_data[] =
	    "mail:bob:1:512:10:5903:hv1\n"
	    "web:alice:2:1024:20:5901:hv1\n"
	    "db:alice:4:4096:40:5900\n"
	    "api:alice:1:256:5:5902:hv6\n"
	    "lost:carol:1:64:1:5904:hv9\n";
	static const char conf[] =
	    "[host hv1]\nuri = qemu+tls://hv1/system\nspice_listen = 10.0.0.1\n"
	    "[host hv6]\nuri = qemu+tls://hv6/system\nspice_listen = fd00::6\n";
	g_autoptr(vps_config) cfg = config_parse(conf, strlen(conf), "c",
	    NULL);
	struct vps_data d = VPSDATA_INIT;
	g_autofree char *sshd = NULL, *sudo = NULL, *sudo_local = NULL;
	size_t	 i;

	assert_non_null(cfg);
	assert_true(vpsdata_parse(hosts_data, strlen(hosts_data), "t", &d,
	    NULL));
	sshd = rules_sshd(&d, cfg, NULL, MENU, SOURCE);
	compare_golden("sshd-hosts.ok", sshd);
	assert_non_null(strstr(sshd, "Match User carol\n"
	    "\tAllowTcpForwarding no\n\tPermitOpen none\n"));
	assert_non_null(strstr(sshd, "\tPermitOpen [fd00::6]:5902 "
	    "127.0.0.1:5900 localhost:5900 10.0.0.1:5901\n"));
	/* Where a VPS runs is no business of sudo's. */
	sudo = rules_sudoers(&d, NULL, MENU, SOURCE);
	for (i = 0; i < d.n; i++)
		d.v[i].host[0] = '\0';
	sudo_local = rules_sudoers(&d, NULL, MENU, SOURCE);
	assert_string_equal(sudo, sudo_local);
	vpsdata_clear(&d);
}

/* Members and no VPS at all: blocks without forwarding, no --serve. */
static void
test_members_only(void **state)
{
	struct vps_data d = VPSDATA_INIT;
	static const char *const one[] = { "dave", NULL };
	g_autofree char *sudo = rules_sudoers(&d, one, MENU, SOURCE);
	g_autofree char *sshd = rules_sshd(&d, NULL, one, MENU, SOURCE);

	assert_non_null(strstr(sudo, "User_Alias " RULES_MEMBERS_ALIAS
	    " = dave\n"));
	assert_null(strstr(sudo, "--serve"));
	assert_non_null(strstr(sshd, "Match User dave\n"
	    "\tAllowTcpForwarding no\n\tPermitOpen none\n"
	    "\tPermitListen none\n"));
	assert_non_null(strstr(sshd, "\tForceCommand " MENU "\n"));
	assert_null(strstr(sshd, "AllowTcpForwarding local"));
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
		"^\tAllowTcpForwarding no$", "^\tPermitOpen none$",
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
	sudo = rules_sudoers(&d, members, MENU, SOURCE);
	sshd = rules_sshd(&d, NULL, members, MENU, SOURCE);
	check_lines(sudo, sudo_shapes);
	check_lines(sshd, sshd_shapes);
	vpsdata_clear(&d);
}

static void
test_empty(void **state)
{
	struct vps_data d = VPSDATA_INIT;
	g_autofree char *sudo = rules_sudoers(&d, NULL, MENU, SOURCE);
	g_autofree char *sshd = rules_sshd(&d, NULL, NULL, MENU, SOURCE);

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
	s1 = rules_sudoers(&a, NULL, MENU, SOURCE);
	s2 = rules_sudoers(&b, NULL, MENU, SOURCE);
	assert_string_equal(s1, s2);
	vpsdata_clear(&a);
	vpsdata_clear(&b);
}

/* ---- the members file ------------------------------------------------ */

struct members_case {
	const char *text;
	const char *want;	/* names joined by ' ', or NULL: invalid */
	const char *error;	/* part of the error when invalid */
};

static const struct members_case members_cases[] = {
	{ "", "", NULL },
	{ "# members\nalice\n\n  # note\n_svc-1\nbob", "alice _svc-1 bob",
	    NULL },
	{ "bob\nalice\n", "bob alice", NULL },	/* order is kept */
	{ "alice\nbob\nalice\n", NULL, "t:3: member 'alice' is also on "
	    "line 1" },
	{ "alice\nALL\n", NULL, "t:2: invalid user name" },
	{ "root ALL=(ALL) ALL\n", NULL, "t:1: " },
	{ " alice\n", NULL, "t:1: invalid user name" },
	{ "alice \n", NULL, "t:1: invalid user name" },
	{ "alice\r\n", NULL, "t:1: invalid user name" },
	{ "%wheel\n", NULL, "t:1: invalid user name" },
	{ "a,b\n", NULL, "t:1: invalid user name" },
	{ "abcdefghijabcdefghijabcdefghijabc\n", NULL, "t:1: line too long" },
};

static void
test_memberlist_parse(void **state)
{
	size_t	 i, j;

	for (i = 0; i < G_N_ELEMENTS(members_cases); i++) {
		const struct members_case *c = &members_cases[i];
		struct member_list l = MEMBERLIST_INIT;
		GError	*err = NULL;
		GString	*got;

		if (!memberlist_parse(c->text, strlen(c->text), "t", &l,
		    &err)) {
			if (c->want != NULL || strstr(err->message,
			    c->error) == NULL)
				FAIL_MSG("case %zu: error '%s'", i,
				    err->message);
			g_error_free(err);
			continue;
		}
		if (c->want == NULL)
			FAIL_MSG("case %zu: accepted", i);
		got = g_string_new(NULL);
		for (j = 0; j < l.v->len; j++)
			g_string_append_printf(got, "%s%s", j ? " " : "",
			    g_array_index(l.v, struct member, j).name);
		if (strcmp(got->str, c->want) != 0)
			FAIL_MSG("case %zu: got '%s'", i, got->str);
		g_string_free(got, TRUE);
		memberlist_clear(&l);
	}
}

/* A NUL byte in a line never passes as the name before it. */
static void
test_memberlist_nul(void **state)
{
	struct member_list l = MEMBERLIST_INIT;
	GError	*err = NULL;

	assert_false(memberlist_parse("alice\0x\n", 8, "t", &l, &err));
	assert_non_null(strstr(err->message, "t:1: "));
	g_error_free(err);
}

/* format then parse: the same names, sorted, with the line numbers. */
static void
test_memberlist_format(void **state)
{
	static const char *const names[] = { "carol", "alice", "bob" };
	struct member_list l = MEMBERLIST_INIT;
	g_autofree char *text = NULL;
	g_autofree const char **back = NULL;
	size_t	 len;

	text = memberlist_format(names, 3, &len);
	assert_int_equal(len, strlen(text));
	assert_non_null(strstr(text, "\nalice\nbob\ncarol\n"));
	assert_true(text[0] == '#');
	assert_true(memberlist_parse(text, len, "t", &l, NULL));
	back = memberlist_names(&l);
	assert_string_equal(back[0], "alice");
	assert_string_equal(back[2], "carol");
	assert_null(back[3]);
	assert_int_equal(g_array_index(l.v, struct member, 0).line, 2);
	memberlist_clear(&l);
	g_free(text);
	text = memberlist_format(NULL, 0, &len);
	assert_true(memberlist_parse(text, len, "t", &l, NULL));
	assert_int_equal(l.v->len, 0);
	memberlist_clear(&l);
}

/* root is a system account; an unknown name is not; min_uid counts. */
static void
test_system_account(void **state)
{
	g_autoptr(GHashTable) sys = vps_system_accounts(1000, NULL);
	g_autoptr(GHashTable) none = vps_system_accounts(0, NULL);
	unsigned uid = 12345;

	assert_non_null(sys);
	assert_true(vps_system_account(sys, "root", &uid));
	assert_int_equal(uid, 0);
	assert_false(vps_system_account(sys, "no-such-user-vpshost", &uid));
	assert_non_null(none);
	assert_false(vps_system_account(none, "root", &uid));
	assert_false(vps_system_account(NULL, "root", &uid));
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_sudoers_golden),
	cmocka_unit_test(test_sshd_golden),
	cmocka_unit_test(test_line_shapes),
	cmocka_unit_test(test_empty),
	cmocka_unit_test(test_deterministic),
	cmocka_unit_test(test_members_golden),
	cmocka_unit_test(test_sshd_hosts_golden),
	cmocka_unit_test(test_members_only),
	cmocka_unit_test(test_memberlist_parse),
	cmocka_unit_test(test_memberlist_nul),
	cmocka_unit_test(test_memberlist_format),
	cmocka_unit_test(test_system_account),
};

UNIT_MAIN(tests)
