/*
 * test-random.c: passwords and MACs from getrandom(2).
 */
#include <config.h>

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <glib.h>

#include "unit.h"
#include "random.h"

static void
test_password(void **state)
{
	char	 a[33], b[33];
	unsigned seen[256] = { 0 };
	size_t	 i;
	int	 round;

	assert_true(vps_random_password(a, 32, NULL));
	assert_true(vps_random_password(b, 32, NULL));
	assert_int_equal(strlen(a), 32);
	assert_string_not_equal(a, b);
	/* Over many draws, every character is alphanumeric and all 62 occur. */
	for (round = 0; round < 200; round++) {
		assert_true(vps_random_password(a, 32, NULL));
		for (i = 0; i < 32; i++) {
			assert_true(g_ascii_isalnum(a[i]));
			seen[(unsigned char)a[i]]++;
		}
	}
	for (i = 0, round = 0; i < 256; i++)
		round += seen[i] != 0;
	assert_int_equal(round, 62);
	assert_true(vps_random_password(a, 0, NULL));
	assert_string_equal(a, "");
}

static void
test_mac(void **state)
{
	char	 mac[VPS_MAC_LEN + 1];
	int	 i, n;

	for (i = 0; i < 100; i++) {
		assert_true(vps_random_mac(mac, NULL));
		assert_int_equal(strlen(mac), VPS_MAC_LEN);
		assert_true(g_str_has_prefix(mac, "52:54:00:"));
		assert_true(g_regex_match_simple(
		    "^52:54:00(:[0-9a-f]{2}){3}$", mac, 0, 0));
		for (n = 0; n < VPS_MAC_LEN; n++)
			assert_true(mac[n] == ':' || g_ascii_isdigit(mac[n]) ||
			    (mac[n] >= 'a' && mac[n] <= 'f'));
	}
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_password),
	cmocka_unit_test(test_mac),
};

UNIT_MAIN(tests)
