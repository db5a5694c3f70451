/*
 * toolopts.c: the command line of the admin tools (toolopts.h).
 */
#include <config.h>

#include <getopt.h>
#include <stdbool.h>
#include <stdlib.h>

#include "log.h"
#include "toolopts.h"
#include "util.h"

#define LONG_ONLY	256	/* + row: getopt's value of a long-only row */

struct getopt_tables {
	struct option longopts[TOOLOPTS_MAX + 4];
	char	 shortopts[2 * TOOLOPTS_MAX + 8];
};

/*
 * The tables getopt_long reads, in the order it lists an ambiguous
 * abbreviation's candidates: --config, the tool's own in their order,
 * --help, --version.
 */
static void
tables_build(const struct toolopts *t, struct getopt_tables *g)
{
	static const struct option config_opt =
	    { "config", required_argument, NULL, 'c' };
	static const struct option tail[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const struct toolopt *o;
	size_t	 n = 0, s = 0, i;

	g->longopts[n++] = config_opt;
	g->shortopts[s++] = 'c';
	g->shortopts[s++] = ':';
	for (i = 0; (o = &t->opts[i])->name != NULL; i++) {
		if (i == TOOLOPTS_MAX)
			g_error("toolopts: more than %d options", TOOLOPTS_MAX);
		g->longopts[n].name = o->name;
		g->longopts[n].has_arg = o->kind == TOOLOPT_ARG ?
		    required_argument : no_argument;
		g->longopts[n].flag = NULL;
		g->longopts[n++].val = o->letter != 0 ? o->letter :
		    LONG_ONLY + (int)i;
		if (o->letter != 0)
			g->shortopts[s++] = (char)o->letter;
		if (o->letter != 0 && o->kind == TOOLOPT_ARG)
			g->shortopts[s++] = ':';
	}
	for (i = 0; i < G_N_ELEMENTS(tail); i++)
		g->longopts[n++] = tail[i];
	g->shortopts[s++] = 'h';
	g->shortopts[s++] = 'V';
	g->shortopts[s] = '\0';
}

/* Sets the field of the row that getopt_long's ch names. */
static void
set_option(const struct toolopts *t, int ch, void *opts)
{
	const struct toolopt *o;
	size_t	 i;

	for (i = 0; (o = &t->opts[i])->name != NULL; i++) {
		if (ch != (o->letter != 0 ? o->letter : LONG_ONLY + (int)i))
			continue;
		if (o->kind == TOOLOPT_FLAG)
			*(bool *)(void *)((char *)opts + o->off) = true;
		else
			*(const char **)(void *)((char *)opts + o->off) =
			    optarg;
		return;
	}
	toolopts_usage_error(t, NULL);
}

int
toolopts_parse(const struct toolopts *t, int argc, char **argv,
    const char **config, void *opts)
{
	struct getopt_tables g;
	int	 ch;

	tables_build(t, &g);
	while ((ch = getopt_long(argc, argv, g.shortopts, g.longopts, NULL))
	    != -1) {
		switch (ch) {
		case 'c':
			*config = optarg;
			break;
		case 'h':
			t->usage(stdout);
			exit(VPS_EXIT_OK);
		case 'V':
			printf("%s (vpshost) %s\n", vlog_progname(),
			    PACKAGE_VERSION);
			exit(VPS_EXIT_OK);
		default:
			set_option(t, ch, opts);
			break;
		}
	}
	return optind;
}

void
toolopts_usage_error(const struct toolopts *t, const char *unexpected)
{
	if (unexpected != NULL)
		vlog_err("unexpected argument: %s", unexpected);
	t->usage(stderr);
	exit(VPS_EXIT_USAGE);
}
