/*
 * virsh-menu: the member's login shell, and its privileged half.
 *
 *	virsh-menu                 the interactive menu (also as a login
 *	                           shell, argv[0] "-virsh-menu")
 *	virsh-menu -c "CMD ARGS"   one menu command, its exit status
 *	virsh-menu --list          root under sudo: SUDO_USER's VPS
 *	virsh-menu --serve VPS     root under sudo: the protocol server
 *
 * The menu runs as the member (getuid(), never $USER) and reaches
 * libvirt only through "sudo -n BINDIR/virsh-menu --serve VPS", which
 * executes the server PKGLIBEXECDIR/virsh-menu-serve (root-serve.c): this
 * program links no libvirt, so a login does not wait for it to load.
 */
#include <config.h>

#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "member-menu.h"
#include "pathnames.h"
#include "root-entry.h"
#include "member-session.h"
#include "member-ui.h"
#include "util.h"

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: virsh-menu [-c COMMAND]\n"
	    "       virsh-menu --list\n"
	    "       virsh-menu --serve VPS\n"
	    "\n"
	    "The menu with which a member manages their own VPS.\n"
	    "\n"
	    "  -c COMMAND     run one menu command and exit with its status\n"
	    "  --list         (root, under sudo) SUDO_USER's VPS\n"
	    "  --serve VPS    (root, under sudo) the privileged helper\n"
	    "  -h, --help     this text\n"
	    "  -V, --version  the version\n");
}

/* Who the member is, and which VPS they have. */
static bool
menu_start(struct menu_ctx *ctx)
{
	g_autoptr(GError) err = NULL;
	struct passwd *pw;

	menu_ctx_init(ctx);
	if ((pw = getpwuid(getuid())) == NULL ||
	    !vps_strlcpy(ctx->member, pw->pw_name, sizeof(ctx->member))) {
		vlog_err("cannot find the account of uid %u", (unsigned)getuid());
		return false;
	}
	if ((ctx->vps = session_list(&err)) == NULL) {
		/* A session over the limit: --list has said so. */
		if (!g_error_matches(err, SESSION_ERROR, SESSION_ERROR_LIMIT))
			vlog_err("cannot list your VPS: %s", err->message);
		return false;
	}
	ctx->selected = ctx->vps[0];
	return true;
}

/* One menu command, or the interactive menu when cmd is NULL. */
static int
run_menu(const char *cmd)
{
	struct menu_ctx ctx;
	int	 rc = 1;

	if (menu_start(&ctx))
		rc = cmd == NULL ? ui_interactive(&ctx) :
		    menu_run_line(&ctx, cmd, strlen(cmd));
	menu_ctx_clear(&ctx);
	return rc;
}

/*
 * -c COMMAND runs COMMAND. sshd runs its forced command through the
 * login shell as "-c BINDIR/virsh-menu", or, when the login shell is
 * another, BINDIR/virsh-menu without arguments: in both cases the
 * member's command, if any, is in SSH_ORIGINAL_COMMAND (sshd sets it
 * only for a forced command), and without one the menu is interactive.
 */
static const char *
forced_command(void)
{
	return getenv("SSH_ORIGINAL_COMMAND");
}

int
main(int argc, char **argv)
{
	vps_limit_memory(VPS_MENU_AS_MAX);
	vlog_init("virsh-menu", false);
	if (argc == 2 && strcmp(argv[1], "--list") == 0) {
		vlog_init("virsh-menu", true);
		return priv_list();
	}
	if (argc == 3 && strcmp(argv[1], "--serve") == 0) {
		vlog_init("virsh-menu", true);
		return priv_exec_serve(argv[2]);
	}
	if (argc == 2 && (strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "--help") == 0)) {
		usage(stdout);
		return 0;
	}
	if (argc == 2 && (strcmp(argv[1], "-V") == 0 ||
	    strcmp(argv[1], "--version") == 0)) {
		printf("virsh-menu (vpshost) %s\n", PACKAGE_VERSION);
		return 0;
	}
	if (argc == 3 && strcmp(argv[1], "-c") == 0)
		return run_menu(strcmp(argv[2], MENU_PATH) == 0 ?
		    forced_command() : argv[2]);
	if (argc > 1) {
		usage(stderr);
		return 2;
	}
	return run_menu(forced_command());
}
