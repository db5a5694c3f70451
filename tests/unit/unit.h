/*
 * unit.h: what every cmocka unit test needs. Tests print TAP, so that
 * automake's tap-driver counts each case.
 */
#ifndef VPS_UNIT_H
#define VPS_UNIT_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>

/*
 * cmocka's TAP output drops the text of fail_msg(): print it as a TAP
 * diagnostic line first, so that the test log says what went wrong.
 */
#define FAIL_MSG(...) do {						\
	printf("# ");							\
	printf(__VA_ARGS__);						\
	printf("\n");							\
	fail();								\
	abort();	/* not reached: tells analyzers fail() is final */ \
} while (0)

#ifdef GOLDEN_DIR
#include <string.h>
#include <glib.h>

/*
 * Golden-file comparison: got must equal GOLDEN_DIR/name byte for byte.
 * VPS_UPDATE_GOLDEN=1 in the environment rewrites the file instead (then
 * review the diff before committing it).
 */
static inline void
compare_golden(const char *name, const char *got)
{
	g_autofree char *path = g_build_filename(GOLDEN_DIR, name, NULL);
	g_autofree char *want = NULL;

	if (g_getenv("VPS_UPDATE_GOLDEN") != NULL)
		assert_true(g_file_set_contents(path, got, -1, NULL));
	if (!g_file_get_contents(path, &want, NULL, NULL))
		FAIL_MSG("cannot read %s", path);
	if (strcmp(want, got) != 0)
		FAIL_MSG("%s differs; got:\n%s", name, got);
}
#endif

#ifdef UNIT_TMPDIR
#include <stdbool.h>
#include <glib.h>

/* rm -rf dir (a test's temporary directory); true if that worked. */
static inline bool
unit_remove_tree(const char *dir)
{
	const char *argv[] = { "rm", "-rf", "--", dir, NULL };
	int	 status = -1;

	return g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH,
	    NULL, NULL, NULL, NULL, &status, NULL) &&
	    g_spawn_check_wait_status(status, NULL);
}
#endif

#define UNIT_MAIN(tests)						\
int									\
main(void)								\
{									\
	cmocka_set_message_output(CM_OUTPUT_TAP);			\
	return cmocka_run_group_tests(tests, NULL, NULL) == 0 ? 0 : 1;	\
}

#endif
