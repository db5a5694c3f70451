/*
 * fuzz-vpsdata.c: the vps.data parser.
 *
 * Invariants on every input the parser accepts: each entry passes the
 * shared validators, names and ports are unique, and the writer's text
 * parses back to the same text (format is a fixed point).
 */
#include <string.h>

#include <glib.h>

#include "fuzz.h"
#include "names.h"
#include "vpsdata.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vps_data d = VPSDATA_INIT, again = VPSDATA_INIT;
	GError	*err = NULL;
	char	*text, *text2;
	size_t	 len, len2, i;

	if (!vpsdata_parse((const char *)data, size, "fuzz", &d, &err)) {
		FUZZ_ASSERT(err != NULL && strncmp(err->message, "fuzz:", 5) == 0);
		g_error_free(err);
		vpsdata_clear(&d);
		return 0;
	}
	for (i = 0; i < d.n; i++) {
		FUZZ_ASSERT(vps_name_valid(d.v[i].name, NULL));
		FUZZ_ASSERT(vps_owner_valid(d.v[i].owner, NULL));
		FUZZ_ASSERT(vpsdata_find(&d, d.v[i].name) == &d.v[i]);
		FUZZ_ASSERT(vpsdata_find_port(&d, d.v[i].spice_port) == &d.v[i]);
	}
	vpsdata_sort(&d);
	text = vpsdata_format(&d, &len);
	FUZZ_ASSERT(vpsdata_parse(text, len, "again", &again, NULL));
	FUZZ_ASSERT(again.n == d.n);
	text2 = vpsdata_format(&again, &len2);
	FUZZ_ASSERT(len == len2 && memcmp(text, text2, len) == 0);
	g_free(text);
	g_free(text2);
	vpsdata_clear(&again);
	vpsdata_clear(&d);
	return 0;
}
