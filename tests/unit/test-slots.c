/*
 * test-slots.c: the records of open menu sessions. Real processes stand
 * for sessions: a record counts while its process runs, a killed one
 * frees its slot, a recorded session is not counted twice, and records
 * kept where others could change them are refused.
 */
#include <config.h>

#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <glib.h>
#include <glib/gstdio.h>

#include "unit.h"
#include "root-slots.h"

#define NKIDS	3

struct fixture {
	char	*tmp;
	char	*dir;			/* tmp/sessions, made by slots_take */
	pid_t	 kids[NKIDS];
	struct slots_proc procs[NKIDS];
};

/* A process that waits to be killed. */
static pid_t
spawn_sleeper(void)
{
	pid_t	 pid = fork();

	assert_true(pid != -1);
	if (pid == 0) {
		for (;;)
			pause();
	}
	return pid;
}

static int
setup(void **state)
{
	struct fixture *f = g_new0(struct fixture, 1);
	int	 i;

	f->tmp = g_dir_make_tmp("test-slots.XXXXXX", NULL);
	assert_non_null(f->tmp);
	f->dir = g_build_filename(f->tmp, "sessions", NULL);
	for (i = 0; i < NKIDS; i++) {
		f->kids[i] = spawn_sleeper();
		assert_true(slots_proc(f->kids[i], &f->procs[i]));
	}
	*state = f;
	return 0;
}

static void
kill_kid(struct fixture *f, int i)
{
	if (f->kids[i] <= 0)
		return;
	kill(f->kids[i], SIGKILL);
	(void)waitpid(f->kids[i], NULL, 0);
	f->kids[i] = 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;
	g_autofree char *file = g_build_filename(f->dir, "alice", NULL);
	int	 i;

	for (i = 0; i < NKIDS; i++)
		kill_kid(f, i);
	(void)g_unlink(file);
	(void)g_rmdir(f->dir);
	(void)g_rmdir(f->tmp);
	g_free(f->dir);
	g_free(f->tmp);
	g_free(f);
	return 0;
}

/* slots_take for procs[i] with max; returns its result, *n the count. */
static int
take(struct fixture *f, int i, unsigned max, unsigned *n)
{
	GError	*err = NULL;
	int	 rc;

	*n = 0;
	rc = slots_take(f->dir, "alice", &f->procs[i], max, n, &err);
	if (rc == -1)
		FAIL_MSG("slots_take: %s", err->message);
	return rc;
}

static void
test_limit(void **state)
{
	struct fixture *f = *state;
	unsigned n;

	assert_int_equal(take(f, 0, 2, &n), 1);
	assert_int_equal(take(f, 1, 2, &n), 1);
	assert_int_equal(take(f, 2, 2, &n), 0);
	assert_int_equal(n, 2);
	/* A recorded session asking again is not counted twice. */
	assert_int_equal(take(f, 1, 2, &n), 1);
	assert_int_equal(n, 2);
	/* Other members have slots of their own. */
	{
		GError	*err = NULL;

		assert_int_equal(slots_take(f->dir, "bob", &f->procs[2], 2,
		    &n, &err), 1);
		assert_null(err);
	}
	{
		g_autofree char *bob = g_build_filename(f->dir, "bob", NULL);

		assert_int_equal(g_unlink(bob), 0);
	}
}

/* A SIGKILLed session frees its slot: nothing leaks. */
static void
test_killed_frees(void **state)
{
	struct fixture *f = *state;
	unsigned n;

	assert_int_equal(take(f, 0, 2, &n), 1);
	assert_int_equal(take(f, 1, 2, &n), 1);
	assert_int_equal(take(f, 2, 2, &n), 0);
	kill_kid(f, 0);
	assert_int_equal(take(f, 2, 2, &n), 1);
	assert_int_equal(n, 1);
	assert_int_equal(take(f, 0, 2, &n), 0);	/* dead: not admitted... */
	assert_int_equal(n, 2);			/* ...nor counted */
}

/* Lines that do not parse, or of other processes, count nothing. */
static void
test_bad_records(void **state)
{
	struct fixture *f = *state;
	g_autofree char *file = NULL;
	g_autofree char *text = NULL;
	g_autofree char *junk = NULL;
	unsigned n;

	assert_int_equal(take(f, 0, 1, &n), 1);
	file = g_build_filename(f->dir, "alice", NULL);
	assert_true(g_file_get_contents(file, &text, NULL, NULL));
	junk = g_strdup_printf("%sgarbage\n1 0\n%d 0\n%d %llu extra\n"
	    "-5 3\n%d\n", text, (int)f->kids[1], (int)f->kids[1],
	    f->procs[1].start, (int)f->kids[1]);
	assert_true(g_file_set_contents(file, junk, -1, NULL));
	assert_int_equal(chmod(file, 0600), 0);
	assert_int_equal(take(f, 2, 2, &n), 1);
	assert_int_equal(n, 1);
	g_free(text);
	text = NULL;
	assert_true(g_file_get_contents(file, &text, NULL, NULL));
	assert_int_equal(strlen(text) > 0, 1);
	assert_int_equal(strchr(text, 'g') == NULL, 1);	/* rewritten */
}

/* Records where others may write are refused, not trusted. */
static void
test_unsafe_dir(void **state)
{
	struct fixture *f = *state;
	GError	*err = NULL;
	unsigned n;

	assert_int_equal(take(f, 0, 2, &n), 1);
	assert_int_equal(chmod(f->dir, 0777), 0);
	assert_int_equal(slots_take(f->dir, "alice", &f->procs[1], 2, &n,
	    &err), -1);
	assert_non_null(err);
	g_clear_error(&err);
	assert_int_equal(chmod(f->dir, 0700), 0);
}

/* A child of ours finds us: same uids; another uid finds nobody. */
static void
test_session(void **state)
{
	pid_t	 me = getpid(), pid;
	int	 st;

	pid = fork();
	assert_true(pid != -1);
	if (pid == 0) {
		struct slots_proc p;

		if (!slots_session(getuid(), &p) || p.pid != me)
			_exit(1);
		_exit(slots_session(getuid() + 1, &p) ? 2 : 0);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test_setup_teardown(test_limit, setup, teardown),
	cmocka_unit_test_setup_teardown(test_killed_frees, setup, teardown),
	cmocka_unit_test_setup_teardown(test_bad_records, setup, teardown),
	cmocka_unit_test_setup_teardown(test_unsafe_dir, setup, teardown),
	cmocka_unit_test(test_session),
};

UNIT_MAIN(tests)
