/*
 * test-out.c: the menu's renderings of the helper's key=value replies:
 * the strict parse, JSON objects, SSH_CONNECTION, the tunnel
 * line and the remote-viewer file. Table-driven, with hostile input.
 */
#include <config.h>

#include <stdbool.h>
#include <string.h>

#include "unit.h"
#include <glib.h>

#include "member-out.h"

static GPtrArray *
lines_of(const char *text)
{
	GPtrArray *lines = g_ptr_array_new_with_free_func(g_free);
	g_auto(GStrv) v = g_strsplit(text, "|", -1);
	size_t	 i;

	for (i = 0; text[0] != '\0' && v[i] != NULL; i++)
		g_ptr_array_add(lines, g_strdup(v[i]));
	return lines;
}

#define STATUS_OK "name=web1|state=running|vcpus=2|max_memory_kib=1048576|" \
	"autostart=false|cdrom=true"

struct parse_case {
	const char *lines;		/* data lines, split at | */
	bool	 info;			/* info's keys, else status's */
	const char *json;		/* NULL: refused */
};

static const struct parse_case parse_cases[] = {
	{ STATUS_OK, false, "\"name\": \"web1\", \"state\": \"running\", "
	    "\"vcpus\": 2, \"max_memory_kib\": 1048576, \"autostart\": false, "
	    "\"cdrom\": true, \"iso\": null" },
	{ STATUS_OK "|iso=debian-12.iso", false, "\"name\": \"web1\", "
	    "\"state\": \"running\", \"vcpus\": 2, \"max_memory_kib\": "
	    "1048576, \"autostart\": false, \"cdrom\": true, \"iso\": "
	    "\"debian-12.iso\"" },
	{ "iso=a.iso|" STATUS_OK, false, "\"name\": \"web1\", "
	    "\"state\": \"running\", \"vcpus\": 2, \"max_memory_kib\": "
	    "1048576, \"autostart\": false, \"cdrom\": true, \"iso\": "
	    "\"a.iso\"" },
	{ STATUS_OK, true, "\"name\": \"web1\", \"state\": \"running\", "
	    "\"vcpus\": 2, \"max_memory_kib\": 1048576, \"autostart\": false, "
	    "\"cdrom\": true, \"iso\": null, \"disk_bytes\": null, "
	    "\"macs\": [], \"spice_port\": null, \"uptime_seconds\": null" },
	{ STATUS_OK "|disk_bytes=16777216|mac=52:54:00:00:00:01|"
	    "mac=52:54:00:00:00:02|spice_port=5901|uptime_seconds=0", true,
	    "\"name\": \"web1\", \"state\": \"running\", \"vcpus\": 2, "
	    "\"max_memory_kib\": 1048576, \"autostart\": false, \"cdrom\": "
	    "true, \"iso\": null, \"disk_bytes\": 16777216, \"macs\": "
	    "[\"52:54:00:00:00:01\", \"52:54:00:00:00:02\"], \"spice_port\": "
	    "5901, \"uptime_seconds\": 0" },
	{ STATUS_OK "|name=web2", false, NULL },		/* twice */
	{ STATUS_OK "|bogus=1", false, NULL },		/* unknown key */
	{ STATUS_OK "|disk_bytes=1", false, NULL },	/* info's, not status's */
	{ STATUS_OK "|iso", false, NULL },			/* no = */
	{ STATUS_OK "|", false, NULL },			/* empty line */
	{ STATUS_OK "|=x", false, NULL },
	{ STATUS_OK "|Name=x", false, NULL },
	{ STATUS_OK "| iso=x", false, NULL },
	{ STATUS_OK "|iso =x", false, NULL },
	{ "name=web1|state=running|vcpus=2|max_memory_kib=1048576|"
	    "autostart=false", false, NULL },		/* cdrom missing */
	{ "name=web1|state=running|vcpus=-2|max_memory_kib=1|autostart=false|"
	    "cdrom=true", false, NULL },
	{ "name=web1|state=running|vcpus=2 |max_memory_kib=1|autostart=false|"
	    "cdrom=true", false, NULL },
	{ "name=web1|state=running|vcpus=02|max_memory_kib=1|autostart=false|"
	    "cdrom=true", false, NULL },
	{ "name=web1|state=running|vcpus=|max_memory_kib=1|autostart=false|"
	    "cdrom=true", false, NULL },
	{ "name=web1|state=running|vcpus=2|max_memory_kib=1|autostart=yes|"
	    "cdrom=true", false, NULL },
	{ "name=web1|state=running|vcpus=2|max_memory_kib=1|autostart=true|"
	    "cdrom=1", false, NULL },
	{ "name=web1|state=running|vcpus=2|max_memory_kib="
	    "18446744073709551616|autostart=true|cdrom=true", false, NULL },
	{ STATUS_OK "|spice_port=59o1", true, NULL },
	{ "", false, NULL },
};

static void
test_parse(void **state)
{
	size_t	 i;

	for (i = 0; i < G_N_ELEMENTS(parse_cases); i++) {
		const struct parse_case *c = &parse_cases[i];
		g_autoptr(GPtrArray) lines = lines_of(c->lines);
		g_autoptr(GString) out = g_string_new(NULL);
		g_autoptr(GError) err = NULL;
		struct out_facts f;
		bool	 ok;

		ok = c->info ?
		    out_parse(out_info_keys, out_info_nkeys, lines, &f, &err) :
		    out_parse(out_status_keys, out_status_nkeys, lines, &f,
		    &err);
		if (ok != (c->json != NULL))
			FAIL_MSG("case %zu \"%s\": %s", i, c->lines,
			    ok ? "accepted" : err->message);
		if (ok) {
			out_json_facts(out, &f, "");
			if (strcmp(out->str, c->json) != 0)
				FAIL_MSG("case %zu: got %s", i, out->str);
		}
		out_facts_clear(&f);
	}
}

/* A console reply, and what out_get/out_uint make of it. */
static void
test_console_facts(void **state)
{
	g_autoptr(GPtrArray) lines = lines_of("port=5901|password=Ab3|"
	    "expires=1795000000|expires_text=2026-11-18 09:06:40 UTC|"
	    "ticket_minutes=10|window_seconds=5|spice_address=127.0.0.1");
	g_autoptr(GError) err = NULL;
	struct out_facts f;

	assert_true(out_parse(out_console_keys, out_console_nkeys, lines, &f,
	    &err));
	assert_int_equal(out_uint(&f, "port"), 5901);
	assert_int_equal(out_uint(&f, "expires"), 1795000000);
	assert_string_equal(out_get(&f, "password"), "Ab3");
	assert_string_equal(out_get(&f, "expires_text"),
	    "2026-11-18 09:06:40 UTC");
	assert_null(out_get(&f, "nosuchkey"));
	out_facts_clear(&f);
	g_ptr_array_remove_index(lines, 1);	/* no password */
	assert_false(out_parse(out_console_keys, out_console_nkeys, lines,
	    &f, &err));
	out_facts_clear(&f);
}

/* Which replies have facts: info's begin with status's. */
static void
test_keys(void **state)
{
	const struct out_key *st, *in;
	size_t	 nst, nin, i;

	st = out_keys(PROTO_STATUS, &nst);
	in = out_keys(PROTO_INFO, &nin);
	assert_non_null(st);
	assert_non_null(in);
	assert_true(nst < nin && nin <= OUT_KEYS_MAX);
	for (i = 0; i < nst; i++)
		assert_string_equal(st[i].key, in[i].key);
	assert_non_null(out_keys(PROTO_CONSOLE, &i));
	assert_null(out_keys(PROTO_START, &i));
	assert_null(out_keys(PROTO_ISOS, &i));
}

struct conn_case {
	const char *env;
	const char *addr;		/* NULL: refused */
	unsigned port;
};

static const struct conn_case conn_cases[] = {
	{ "192.0.2.1 50000 192.0.2.10 2222", "192.0.2.10", 2222 },
	{ "192.0.2.1 1 198.51.100.7 22", "198.51.100.7", 22 },
	{ "2001:db8::1 50000 2001:db8::a 22", "2001:db8::a", 22 },
	{ "2001:DB8:0:0:0:0:0:A 6 2001:DB8:0:0:0:0:0:A 65535", "2001:db8::a",
	    65535 },
	{ "::ffff:192.0.2.1 5 ::ffff:192.0.2.2 22", "::ffff:192.0.2.2", 22 },
	{ "fe80::1%eth0 50000 fe80::2%eth0 22", "fe80::2%eth0", 22 },
	{ "127.0.0.1 40000 127.0.0.1 2222", "127.0.0.1", 2222 },
	/* hostile or malformed: the member's own environment */
	{ NULL, NULL, 0 },
	{ "", NULL, 0 },
	{ "192.0.2.1 50000 192.0.2.10", NULL, 0 },
	{ "192.0.2.1 50000 192.0.2.10 22 x", NULL, 0 },
	{ "192.0.2.1  50000 192.0.2.10 22", NULL, 0 },
	{ " 192.0.2.1 50000 192.0.2.10 22", NULL, 0 },
	{ "192.0.2.1 50000 192.0.2.10 22 ", NULL, 0 },
	{ "192.0.2.1\t50000\t192.0.2.10\t22", NULL, 0 },
	{ "192.0.2.1 50000 192.0.2.10 22\n", NULL, 0 },
	{ "192.0.2.1 50000 192.0.2.10\n22", NULL, 0 },
	{ "192.0.2.1 50000 192.0.2.10 0", NULL, 0 },
	{ "192.0.2.1 50000 192.0.2.10 65536", NULL, 0 },
	{ "192.0.2.1 50000 192.0.2.10 022", NULL, 0 },
	{ "192.0.2.1 50000 192.0.2.10 -22", NULL, 0 },
	{ "192.0.2.1 50000 192.0.2.10 2x", NULL, 0 },
	{ "192.0.2.1 0 192.0.2.10 22", NULL, 0 },
	{ "192.0.2.1 50000 host.example.org 22", NULL, 0 },
	{ "192.0.2.1 50000 192.0.2.256 22", NULL, 0 },
	{ "192.0.2.1 50000 192.0.2.1%eth0 22", NULL, 0 },
	{ "192.0.2.1 50000 [2001:db8::a] 22", NULL, 0 },
	{ "x 50000 192.0.2.10 22", NULL, 0 },
	{ "fe80::1 1 fe80::2% 22", NULL, 0 },
	{ "fe80::1 1 fe80::2%$(id) 22", NULL, 0 },
	{ "fe80::1 1 fe80::2%averylonginterfacename 22", NULL, 0 },
	{ "fe80::1 1 fe80::2%\x1b[2J 22", NULL, 0 },
	{ "192.0.2.1 50000 192.0.2.10;id 22", NULL, 0 },
};

static void
test_ssh_connection(void **state)
{
	size_t	 i;

	for (i = 0; i < G_N_ELEMENTS(conn_cases); i++) {
		const struct conn_case *c = &conn_cases[i];
		struct out_sshd sshd;
		bool	 ok = out_ssh_connection(c->env, &sshd);

		if (ok != (c->addr != NULL))
			FAIL_MSG("case %zu \"%s\": %s", i,
			    c->env != NULL ? c->env : "(null)",
			    ok ? "accepted" : "refused");
		if (ok && (strcmp(sshd.addr, c->addr) != 0 ||
		    sshd.port != c->port))
			FAIL_MSG("case %zu: got %s port %u", i, sshd.addr,
			    sshd.port);
	}
}

static void
test_tunnel(void **state)
{
	struct out_sshd sshd;
	g_autofree char *t22 = NULL, *t2222 = NULL, *tnone = NULL,
	    *note = NULL, *nonote = NULL, *remote = NULL, *remote6 = NULL;
	static const char *const bad[] = { "", "hv2", "127.0.0.1 -oProxy",
	    "10.0.0.1:5901", "[::1]", "::1%eth0;x", "1.2.3.4%eth0" };
	size_t	 i;

	assert_true(out_ssh_connection("192.0.2.1 50000 192.0.2.10 22",
	    &sshd));
	t22 = out_tunnel(5901, "127.0.0.1", "alice", &sshd);
	assert_string_equal(t22, "ssh -N -L 5901:127.0.0.1:5901 alice@HOST");
	tnone = out_tunnel(5901, "127.0.0.1", "alice", NULL);
	assert_string_equal(tnone, t22);
	/* A VPS of another host: the tunnel leads to its SPICE address. */
	remote = out_tunnel(5903, "10.0.0.2", "alice", NULL);
	assert_string_equal(remote, "ssh -N -L 5903:10.0.0.2:5903 alice@HOST");
	remote6 = out_tunnel(5903, "2001:db8:0::2", "alice", NULL);
	assert_string_equal(remote6,
	    "ssh -N -L 5903:[2001:db8::2]:5903 alice@HOST");
	/* The helper's word goes into a command line: only an address. */
	assert_null(out_tunnel(5903, NULL, "alice", NULL));
	for (i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_autofree char *t = out_tunnel(5903, bad[i], "alice", NULL);

		if (t != NULL)
			FAIL_MSG("%s: accepted: %s", bad[i], t);
	}
	assert_true(out_ssh_connection("2001:db8::1 50000 2001:db8::a 2222",
	    &sshd));
	t2222 = out_tunnel(5902, "127.0.0.1", "bob", &sshd);
	assert_string_equal(t2222,
	    "ssh -p 2222 -N -L 5902:127.0.0.1:5902 bob@HOST");
	note = out_host_note(&sshd);
	assert_non_null(strstr(note, "HOST: "));
	assert_non_null(strstr(note, "came to 2001:db8::a port 2222)\n"));
	nonote = out_host_note(NULL);
	assert_non_null(strstr(nonote, "add -p PORT"));
}

/* The file, read back the way virt-viewer reads it (a GKeyFile). */
static void
test_vv(void **state)
{
	g_autoptr(GError) err = NULL;
	g_autoptr(GKeyFile) kf = g_key_file_new();
	g_autofree char *vv = out_vv("web1", 5901, "Ab3dE6", &err);
	g_autofree char *type = NULL, *host = NULL, *pw = NULL;
	static const char *const bad_pw[] = { "", "a b", "a\nb", "a\\nb",
	    "a=b", " ab", "ab ", "caf\xc3\xa9", "[x]", "a#b" };
	size_t	 i;

	assert_non_null(vv);
	assert_true(g_key_file_load_from_data(kf, vv, strlen(vv), 0, &err));
	assert_true(g_key_file_has_group(kf, "virt-viewer"));
	type = g_key_file_get_string(kf, "virt-viewer", "type", &err);
	host = g_key_file_get_string(kf, "virt-viewer", "host", &err);
	pw = g_key_file_get_string(kf, "virt-viewer", "password", &err);
	assert_string_equal(type, "spice");
	assert_string_equal(host, "127.0.0.1");
	assert_string_equal(pw, "Ab3dE6");
	assert_int_equal(g_key_file_get_integer(kf, "virt-viewer", "port",
	    &err), 5901);
	assert_int_equal(g_key_file_get_integer(kf, "virt-viewer",
	    "delete-this-file", &err), 1);
	for (i = 0; i < G_N_ELEMENTS(bad_pw); i++) {
		g_autoptr(GError) e = NULL;
		g_autofree char *bad = out_vv("web1", 5901, bad_pw[i], &e);

		if (bad != NULL)
			FAIL_MSG("password case %zu accepted", i);
	}
	{
		g_autoptr(GError) e = NULL;
		g_autofree char *bad = out_vv("web1\nhost=evil", 5901, "Ab3",
		    &e);

		assert_null(bad);
	}
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_parse),
	cmocka_unit_test(test_console_facts),
	cmocka_unit_test(test_keys),
	cmocka_unit_test(test_ssh_connection),
	cmocka_unit_test(test_tunnel),
	cmocka_unit_test(test_vv),
};

UNIT_MAIN(tests)
