/*
 * priv.h: what both privileged entry points check first, and --list.
 *
 * "virsh-menu --list" runs in virsh-menu itself, which links neither
 * libvirt nor libxml2, so that a login pays for loading them in no
 * process. "virsh-menu --serve VPS" replaces itself with the server,
 * PKGLIBEXECDIR/virsh-menu-serve, which links libvirt (serve.c).
 */
#ifndef VPS_PRIV_H
#define VPS_PRIV_H

#include "vpsconf.h"
#include "vpsdata.h"

#define SERVE_PATH	PKGLIBEXECDIR "/virsh-menu-serve"

/*
 * The whole environment of the privileged half: nothing of the member's
 * or of sudo's reaches libvirt (TZ, LANG, LC_*, TERM, ...), and libvirt's
 * messages are the same for every member.
 */
#define PRIV_ENV_PATH	"/usr/sbin:/usr/bin:/sbin:/bin"
#define PRIV_ENV_LOCALE	"C"			/* LC_ALL */

/*
 * The exit status of --list when the member has [limits] sessions menu
 * sessions open already; --list has said so on stderr (the member's).
 */
#define PRIV_EXIT_LIMIT	3

/* The member we run for; NULL (with a message printed) if refused. */
const char *priv_member(void);
/* Loads the compiled-in configuration; NULL if refused. */
struct vps_config *priv_config(void);
/* Loads the compiled-in configuration and vps.data; NULL if refused. */
struct vps_config *priv_load(struct vps_data *d);

/*
 * --list: counts the menu session that runs it against [limits] sessions
 * (PRIV_EXIT_LIMIT when full) and prints SUDO_USER's VPS names; returns
 * the exit status.
 */
int	 priv_list(void);
/*
 * --serve VPS: executes SERVE_PATH with VPS in an environment of only
 * PATH, LC_ALL and SUDO_USER; returns only on failure, with the exit
 * status.
 */
int	 priv_exec_serve(const char *vps);

#endif
