/*
 * vpsdata-stress: drives vpsdata_write() and vpsdata_load() from several
 * processes at once, for tests/e2e/atomic-replace.sh.
 *
 *	vpsdata-stress write PATH ITERATIONS
 *	vpsdata-stress read PATH SECONDS
 *
 * The writer alternates between two data sets of very different sizes
 * (SMALL and LARGE entries). A reader must always parse a valid file that
 * is exactly one of the two: anything else means it saw a partial file.
 */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <glib.h>

#include "util.h"
#include "vpsdata.h"

#define SMALL	3
#define LARGE	3000

static void
make_set(struct vps_data *d, unsigned n)
{
	unsigned i;

	for (i = 0; i < n; i++) {
		struct vps_entry e = { .vcpus = 1 + i % 8,
		    .memory_mib = 512, .disk_gib = 10,
		    .spice_port = 5900 + i };

		/* n is small: both fit their VPS_*_MAX buffers. */
		(void)snprintf(e.name, sizeof(e.name), "vps%u", i);
		(void)snprintf(e.owner, sizeof(e.owner), "member%u", i / 2);
		if (!vpsdata_add(d, &e, NULL))
			abort();
	}
}

/* True if d is exactly one of the two sets the writer produces. */
static bool
is_whole(const struct vps_data *d)
{
	const struct vps_entry *last;
	char	 name[VPS_NAME_MAX + 1];

	if (d->n != SMALL && d->n != LARGE)
		return false;
	(void)snprintf(name, sizeof(name), "vps%zu", d->n - 1); /* fits */
	last = vpsdata_find(d, name);
	return last != NULL && last->spice_port == 5900 + d->n - 1 &&
	    strcmp(last->owner, d->n == SMALL ? "member1" : "member1499") == 0;
}

static int
do_write(const char *path, unsigned long long iterations)
{
	struct vps_data small = VPSDATA_INIT, large = VPSDATA_INIT;
	unsigned long long i;
	GError	*err = NULL;

	make_set(&small, SMALL);
	make_set(&large, LARGE);
	for (i = 0; i < iterations; i++) {
		if (!vpsdata_write(path, i % 2 ? &large : &small, NULL,
		    &err)) {
			fprintf(stderr, "write %llu: %s\n", i, err->message);
			return 1;
		}
	}
	vpsdata_clear(&small);
	vpsdata_clear(&large);
	printf("writes=%llu\n", iterations);
	return 0;
}

static int
do_read(const char *path, unsigned long long seconds)
{
	gint64	 end = g_get_monotonic_time() + (gint64)seconds * 1000000;
	unsigned long long reads = 0, small = 0, large = 0;
	GError	*err = NULL;

	while (g_get_monotonic_time() < end) {
		struct vps_data d = VPSDATA_INIT;

		if (!vpsdata_load(path, &d, &err)) {
			fprintf(stderr, "read %llu: %s\n", reads, err->message);
			return 1;
		}
		if (!is_whole(&d)) {
			fprintf(stderr, "read %llu: partial file (%zu "
			    "entries)\n", reads, d.n);
			return 1;
		}
		reads++;
		if (d.n == SMALL)
			small++;
		else
			large++;
		vpsdata_clear(&d);
	}
	printf("reads=%llu small=%llu large=%llu\n", reads, small, large);
	return 0;
}

int
main(int argc, char **argv)
{
	unsigned long long n;

	if (argc != 4 || !vps_parse_uint(argv[3], 1, 1000000, &n, NULL)) {
		fprintf(stderr, "usage: vpsdata-stress write|read PATH N\n");
		return 2;
	}
	if (strcmp(argv[1], "write") == 0)
		return do_write(argv[2], n);
	if (strcmp(argv[1], "read") == 0)
		return do_read(argv[2], n);
	fprintf(stderr, "usage: vpsdata-stress write|read PATH N\n");
	return 2;
}
