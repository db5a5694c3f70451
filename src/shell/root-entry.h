/*
 * root-entry.h: what both privileged entry points check first, and --list.
 *
 * "virsh-menu --list" runs in virsh-menu itself, which links neither
 * libvirt nor libxml2, so that a login pays for loading them in no
 * process. "virsh-menu --serve VPS" replaces itself with the server,
 * PKGLIBEXECDIR/virsh-menu-serve, which links libvirt (root-serve.c).
 */
#ifndef VPS_ROOT_ENTRY_H
#define VPS_ROOT_ENTRY_H

#include "vpsconf.h"
#include "vpsdata.h"

/*
 * The whole environment of the privileged half: nothing of the member's
 * or of sudo's reaches libvirt (TZ, LANG, LC_*, TERM, ...), and libvirt's
 * messages are the same for every member. PATH is PRIV_ENV_PATH.
 */
#define PRIV_ENV_LOCALE	"C"			/* LC_ALL */


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
