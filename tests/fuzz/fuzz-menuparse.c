/*
 * fuzz-menuparse.c: the menu's line parser (menu_split), which every line
 * the member types or sends over ssh goes through, and the command
 * lookup after it.
 *
 * Invariants: an accepted line has at most MENU_WORDS_MAX words, each
 * non-empty, printable, without a blank and at most MENU_WORD_MAX bytes,
 * and the words joined by one space are the line with its blanks
 * collapsed; a rejected line says why; a command found is the table row
 * of that name.
 */
#include <config.h>

#include <string.h>

#include <glib.h>

#include "fuzz.h"
#include "member-menu.h"

/* line[len] with every run of blanks made one space, trimmed. */
static char *
collapse(const uint8_t *line, size_t len)
{
	GString	*s = g_string_new(NULL);
	size_t	 i;
	bool	 blank = false;

	for (i = 0; i < len; i++) {
		if (line[i] == ' ' || line[i] == '\t') {
			blank = true;
			continue;
		}
		if (blank && s->len > 0)
			g_string_append_c(s, ' ');
		blank = false;
		g_string_append_c(s, (char)line[i]);
	}
	return g_string_free(s, FALSE);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct menu_words w;
	const struct menu_cmd *cmd;
	g_autoptr(GError) err = NULL;
	char	*joined, *want;
	int	 i;

	if (!menu_split((const char *)data, size, &w, &err)) {
		FUZZ_ASSERT(err != NULL && err->message[0] != '\0');
		return 0;
	}
	FUZZ_ASSERT(size <= MENU_LINE_MAX);
	FUZZ_ASSERT(w.argc >= 0 && w.argc <= MENU_WORDS_MAX &&
	    w.argv[w.argc] == NULL);
	for (i = 0; i < w.argc; i++) {
		size_t	 n = strlen(w.argv[i]);

		FUZZ_ASSERT(n > 0 && n <= MENU_WORD_MAX);
		FUZZ_ASSERT(strpbrk(w.argv[i], " \t") == NULL &&
		    vps_printable_ascii(w.argv[i]));
	}
	joined = g_strjoinv(" ", w.argv);
	want = collapse(data, size);
	FUZZ_ASSERT(strcmp(joined, want) == 0);
	g_free(joined);
	g_free(want);
	if (w.argc > 0 && (cmd = menu_find(w.argv[0])) != NULL) {
		FUZZ_ASSERT(strcmp(cmd->name, w.argv[0]) == 0);
		FUZZ_ASSERT(cmd >= menu_cmds && cmd < menu_cmds + menu_ncmds);
		(void)menu_check_args(cmd, w.argc - 1);
	}
	return 0;
}
