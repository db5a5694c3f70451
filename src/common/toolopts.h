/*
 * toolopts.h: the command line of the admin tools, read with
 * getopt_long(3). Every tool shares -c/--config FILE, -h/--help (the
 * usage on stdout, exit 0) and -V/--version (exit 0); an unknown option
 * or a missing argument prints the usage on stderr and exits 2. A tool's
 * own options are rows of a table, each setting one field of the tool's
 * options structure:
 *
 *	static const struct toolopt opts[] = {
 *		{ "dry-run", 'n', TOOLOPT_FLAG, offsetof(struct options,
 *		    dry_run) },
 *		{ NULL, 0, 0, 0 },
 *	};
 *	static const struct toolopts tool = { usage, opts };
 *	...
 *	first = toolopts_parse(&tool, argc, argv, &o->config, o);
 */
#ifndef VPS_TOOLOPTS_H
#define VPS_TOOLOPTS_H

#include <stddef.h>
#include <stdio.h>
#include <glib.h>

#define TOOLOPTS_MAX	12	/* a tool's own options */

enum toolopt_kind {
	TOOLOPT_FLAG,		/* sets a bool to true */
	TOOLOPT_ARG,		/* sets a const char * to its argument */
};

struct toolopt {
	const char *name;	/* the long option; NULL ends the table */
	int	 letter;	/* the short option, or 0: long only; never
				   'c', 'h' or 'V' */
	int	 kind;		/* enum toolopt_kind */
	size_t	 off;		/* of the field in the tool's options */
};

struct toolopts {
	void	(*usage)(FILE *);	/* the tool's usage text */
	const struct toolopt *opts;	/* the tool's own options */
};

/*
 * Reads the options of argv into opts (the tool's structure that the
 * rows' offsets point into) and -c's argument into *config; returns the
 * index of the first operand. Exits for --help, --version and a bad
 * option. Call after vlog_init(): --version prints the program name
 * given there.
 */
int	 toolopts_parse(const struct toolopts *t, int argc, char **argv,
	    const char **config, void *opts);

/*
 * Prints the usage on stderr and exits 2; with unexpected, first says
 * "TOOL: unexpected argument: UNEXPECTED".
 */
G_NORETURN void toolopts_usage_error(const struct toolopts *t,
	    const char *unexpected);

#endif
