/*
 * driver.c: replays a fuzz target's seed corpus without libFuzzer.
 *
 * Usage: fuzz-NAME [FILE|DIR...]; with no argument, the corpus directory
 * compiled in as CORPUS_DIR.  Prints TAP, one result per input; a crash
 * or a failed invariant aborts the whole run, which the test harness
 * reports as an error naming the input on stderr.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <string.h>

#include <glib.h>

#include "fuzz.h"

static unsigned	 ntests;

static int
run_file(const char *path)
{
	gchar	*buf = NULL;
	gsize	 len = 0;
	GError	*err = NULL;

	if (!g_file_get_contents(path, &buf, &len, &err)) {
		printf("not ok %u - %s: %s\n", ++ntests, path, err->message);
		g_error_free(err);
		return 1;
	}
	char	*base = g_path_get_basename(path);

	fprintf(stderr, "# input %s\n", path);
	LLVMFuzzerTestOneInput((const uint8_t *)buf, len);
	g_free(buf);
	printf("ok %u - %s\n", ++ntests, base);
	g_free(base);
	return 0;
}

static int
cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The files of dir in name order, so the output is stable. */
static int
run_dir(const char *dir)
{
	GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
	struct dirent *de;
	DIR	*d;
	int	 rc = 0;
	guint	 i;

	if ((d = opendir(dir)) == NULL) {
		printf("not ok %u - %s: %s\n", ++ntests, dir, strerror(errno));
		g_ptr_array_free(names, TRUE);
		return 1;
	}
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.')
			g_ptr_array_add(names, g_build_filename(dir,
			    de->d_name, NULL));
	closedir(d);
	qsort(names->pdata, names->len, sizeof(char *), cmp_names);
	for (i = 0; i < names->len; i++)
		rc |= run_file(g_ptr_array_index(names, i));
	g_ptr_array_free(names, TRUE);
	return rc;
}

static int
run_path(const char *path)
{
	struct stat st;

	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		return run_dir(path);
	return run_file(path);
}

int
main(int argc, char **argv)
{
	int	 i, rc = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 2)
		rc = run_path(CORPUS_DIR);
	for (i = 1; i < argc; i++)
		rc |= run_path(argv[i]);
	if (ntests == 0)
		printf("not ok 1 - no input in the corpus\n"), ntests = 1, rc = 1;
	printf("1..%u\n", ntests);
	return rc;
}
