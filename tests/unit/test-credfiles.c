/*
 * test-credfiles.c: credfiles.h: the transport and the client's files
 * of each kind of libvirt URI, and the owner and mode verdicts.
 */
#include <config.h>

#include <stdbool.h>
#include <string.h>
#include <glib.h>

#include "unit.h"
#include "credfiles.h"

/* The files of uri as "path:s|c[:o]" words, e.g. "/k:s /c:c". */
static char *
files_of(const char *uri, int *transport)
{
	g_autoptr(GError) err = NULL;
	g_autoptr(GPtrArray) a = cred_files(uri, "/root", transport, &err);
	GString *s = g_string_new(NULL);
	guint	 i;

	if (a == NULL)
		FAIL_MSG("%s: %s", uri, err->message);
	for (i = 0; i < a->len; i++) {
		const struct cred_file *f = g_ptr_array_index(a, i);

		g_string_append_printf(s, "%s%s:%s%s", i > 0 ? " " : "",
		    f->path, f->secret ? "s" : "c", f->optional ? ":o" : "");
	}
	return g_string_free(s, FALSE);
}

static void
test_tls(void **state)
{
	g_autofree char *a = NULL, *b = NULL, *c = NULL;
	int	 t = -1;

	(void)state;
	a = files_of("qemu+tls://hv1.example.org/system", &t);
	assert_int_equal(t, CRED_TLS);
	assert_string_equal(a, "/etc/pki/libvirt/private/clientkey.pem:s "
	    "/etc/pki/libvirt/clientcert.pem:c /etc/pki/CA/cacert.pem:c");
	/* TLS is libvirt's transport when a host is named. */
	b = files_of("qemu://hv1/system?pkipath=/etc/vps/pki", &t);
	assert_int_equal(t, CRED_TLS);
	assert_string_equal(b, "/etc/vps/pki/clientkey.pem:s "
	    "/etc/vps/pki/clientcert.pem:c /etc/vps/pki/cacert.pem:c");
	/* Percent-decoded, and other parameters ignored. */
	c = files_of("QEMU+TLS://hv1:16514/system?no_verify=0&"
	    "pkipath=/srv/p%20k", &t);
	assert_int_equal(t, CRED_TLS);
	assert_string_equal(c, "/srv/p k/clientkey.pem:s "
	    "/srv/p k/clientcert.pem:c /srv/p k/cacert.pem:c");
}

static void
test_ssh(void **state)
{
	g_autofree char *a = NULL, *b = NULL, *c = NULL;
	int	 t = -1;

	(void)state;
	a = files_of("qemu+ssh://root@hv2/system?keyfile=/root/.ssh/hv", &t);
	assert_int_equal(t, CRED_SSH);
	assert_string_equal(a, "/root/.ssh/hv:s");
	b = files_of("qemu+libssh2://hv2/system", &t);
	assert_int_equal(t, CRED_SSH);
	assert_non_null(strstr(b, "/root/.ssh/id_ed25519:s:o"));
	assert_non_null(strstr(b, "/root/.ssh/id_rsa:s:o"));
	c = files_of("qemu+libssh://hv2/system?keyfile=", &t);
	assert_int_equal(t, CRED_SSH);
	assert_non_null(strstr(c, "/root/.ssh/id_ecdsa:s:o"));
}

static void
test_none(void **state)
{
	const char *local[] = {
		"qemu:///system", "qemu+unix:///system",
		"qemu+ext:///system?command=/bin/x", "test:///default",
	};
	g_autofree char *a = NULL;
	int	 t = -1;
	size_t	 i;

	(void)state;
	a = files_of("qemu+tcp://127.0.0.1:16509/system", &t);
	assert_int_equal(t, CRED_TCP);
	assert_string_equal(a, "");
	for (i = 0; i < G_N_ELEMENTS(local); i++) {
		g_autofree char *b = files_of(local[i], &t);

		assert_int_equal(t, CRED_LOCAL);
		assert_string_equal(b, "");
	}
}

static void
test_bad_uri(void **state)
{
	g_autoptr(GError) err = NULL;
	int	 t;

	(void)state;
	assert_null(cred_files("not a uri", "/root", &t, &err));
	assert_non_null(err);
	assert_non_null(strstr(err->message, "not a uri"));
}

static char *
problem(bool secret, mode_t type, unsigned mode, uid_t uid)
{
	struct cred_file f = { (char *)"/k", secret, false };
	struct stat st;

	memset(&st, 0, sizeof(st));
	st.st_mode = type | mode;
	st.st_uid = uid;
	return cred_file_problem(&f, &st);
}

static void
test_problem(void **state)
{
	g_autofree char *a = NULL, *b = NULL, *c = NULL, *d = NULL;
	g_autofree char *e = NULL, *f = NULL;

	(void)state;
	assert_null(problem(true, S_IFREG, 0600, 0));
	assert_null(problem(true, S_IFREG, 0400, 0));
	assert_null(problem(false, S_IFREG, 0644, 0));
	a = problem(true, S_IFREG, 0640, 0);
	assert_string_equal(a, "/k (mode 0640) can be read by others than "
	    "root");
	b = problem(true, S_IFREG, 0601, 0);
	assert_string_equal(b, "/k (mode 0601) can be used by others than "
	    "root");
	c = problem(true, S_IFREG, 0600, 1000);
	assert_string_equal(c, "/k is owned by uid 1000, not root");
	d = problem(false, S_IFREG, 0664, 0);
	assert_string_equal(d, "/k (mode 0664) can be written by others "
	    "than root");
	/* A symlink is refused: lstat sees it, and its target may move. */
	e = problem(true, S_IFLNK, 0777, 0);
	assert_string_equal(e, "/k is not a regular file");
	f = problem(false, S_IFDIR, 0755, 0);
	assert_string_equal(f, "/k is not a regular file");
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_tls),
	cmocka_unit_test(test_ssh),
	cmocka_unit_test(test_none),
	cmocka_unit_test(test_bad_uri),
	cmocka_unit_test(test_problem),
};

UNIT_MAIN(tests)
