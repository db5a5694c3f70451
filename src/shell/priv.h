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

/* The member we run for; NULL (with a message printed) if refused. */
const char *priv_member(void);
/* Loads the compiled-in configuration and vps.data; NULL if refused. */
struct vps_config *priv_load(struct vps_data *d);

/* --list: prints SUDO_USER's VPS names; returns the exit status. */
int	 priv_list(void);
/*
 * --serve VPS: executes SERVE_PATH with VPS (and the environment sudo
 * made); returns only on failure, with the exit status.
 */
int	 priv_exec_serve(const char *vps);

#endif
