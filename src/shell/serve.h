/*
 * serve.h: the privileged half of virsh-menu, run as root under sudo
 * for a member (SUDO_USER). It reads only the compiled-in configuration.
 */
#ifndef VPS_SERVE_H
#define VPS_SERVE_H

/* --list: prints SUDO_USER's VPS names; returns the exit status. */
int	 serve_list(void);
/* --serve VPS: answers requests on stdin; returns the exit status. */
int	 serve_main(const char *vps);

#endif
