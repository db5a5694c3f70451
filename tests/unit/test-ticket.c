/*
 * test-ticket.c: the ticket id and the ticket file's contents (root-ticket.c):
 * a watcher's ticket is current only if the file holds exactly its id.
 */
#include <config.h>

#include <stdbool.h>
#include <string.h>
#include <unistd.h>

#include "unit.h"
#include <glib.h>

#include "root-ticket.h"

static const struct {
	const char *id;
	bool	 valid;
} id_cases[] = {
	{ "abcdefghABCDEF09", true },
	{ "0000000000000000", true },
	{ "abcdefghABCDEF0", false },		/* 15 */
	{ "abcdefghABCDEF090", false },		/* 17 */
	{ "", false },
	{ "abcdefgh-BCDEF09", false },
	{ "abcdefgh BCDEF09", false },
	{ "abcdefgh/BCDEF09", false },
	{ "abcdefgh\nBCDEF09", false },
};

static void
test_id_valid(void **state)
{
	size_t	 i;

	for (i = 0; i < G_N_ELEMENTS(id_cases); i++) {
		if (ticket_id_valid(id_cases[i].id) != id_cases[i].valid)
			FAIL_MSG("ticket_id_valid(\"%s\") != %d",
			    id_cases[i].id, id_cases[i].valid);
	}
}

#define ID	"abcdefghABCDEF09"

static const struct {
	const char *contents;
	bool	 current;
} file_cases[] = {
	{ ID "\n", true },
	{ "", false },			/* no ticket issued yet */
	{ ID, false },			/* no LF: cut short */
	{ ID "\nx", false },		/* more than one line */
	{ "abcdefghABCDEF08\n", false },	/* a newer ticket */
	{ "abcdefghABCDEF0\n", false },
	{ ID "0\n", false },
};

static void
test_current(void **state)
{
	g_autofree char *path = NULL;
	size_t	 i;
	int	 fd;

	if ((fd = g_file_open_tmp("test-ticket-XXXXXX", &path, NULL)) == -1)
		FAIL_MSG("cannot make a temporary file");
	for (i = 0; i < G_N_ELEMENTS(file_cases); i++) {
		const char *c = file_cases[i].contents;

		assert_int_equal(ftruncate(fd, 0), 0);
		assert_int_equal(pwrite(fd, c, strlen(c), 0),
		    (ssize_t)strlen(c));
		if (ticket_current(fd, ID) != file_cases[i].current)
			FAIL_MSG("ticket_current() with \"%s\" != %d", c,
			    file_cases[i].current);
	}
	close(fd);
	unlink(path);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_id_valid),
	cmocka_unit_test(test_current),
};

UNIT_MAIN(tests)
