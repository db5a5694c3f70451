/*
 * member-ui.h: the interactive menu (libedit on a terminal, plain bounded lines
 * otherwise).
 */
#ifndef VPS_MEMBER_UI_H
#define VPS_MEMBER_UI_H

#include "member-menu.h"

/* Runs the menu until quit, exit or EOF; returns the exit status. */
int	 ui_interactive(struct menu_ctx *ctx);
/* Asks a question at the terminal; NULL when cancelled. g_free it. */
char	*ui_ask(struct menu_ctx *ctx, const char *prompt);

#endif
