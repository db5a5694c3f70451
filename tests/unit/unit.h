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

/*
 * cmocka's TAP output drops the text of fail_msg(): print it as a TAP
 * diagnostic line first, so that the test log says what went wrong.
 */
#define FAIL_MSG(...) do {						\
	printf("# ");							\
	printf(__VA_ARGS__);						\
	printf("\n");							\
	fail();								\
} while (0)

#define UNIT_MAIN(tests)						\
int									\
main(void)								\
{									\
	cmocka_set_message_output(CM_OUTPUT_TAP);			\
	return cmocka_run_group_tests(tests, NULL, NULL) == 0 ? 0 : 1;	\
}

#endif
