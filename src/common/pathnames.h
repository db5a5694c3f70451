/*
 * pathnames.h: every path and file name compiled into the tools, in one
 * place (as OpenSSH's pathnames.h). BINDIR, SYSCONFDIR, RUNSTATEDIR come
 * from configure (Makefile.am); the paths of visudo, sshd and sudo are
 * found by configure (VISUDO, SSHD, SUDO_PATH in config.h).
 *
 * The defaults of vps.conf's keys are in the key table of vpsconf.c and in
 * vps.conf(5); the paths here are the ones no configuration changes.
 */
#ifndef VPS_PATHNAMES_H
#define VPS_PATHNAMES_H

/*
 * vps.conf(5): the configuration every tool reads unless given -c, and
 * the only one virsh-menu --serve reads. A test build may name another.
 */
#ifndef VPS_CONFIG_PATH
#define VPS_CONFIG_PATH		SYSCONFDIR "/vps/vps.conf"
#endif

/*
 * The member's menu: their login shell, sshd's ForceCommand, and the
 * command the sudoers rules allow (sudoers-gen(8), virsh-menu(1)).
 */
#define MENU_PATH		BINDIR "/virsh-menu"

/* The runtime directory of the root side (session records, tickets). */
#define VPS_RUNDIR		RUNSTATEDIR "/vpshost"
#define SLOTS_DIR		VPS_RUNDIR "/sessions"	/* one file a session */
#define TICKET_DIR		VPS_RUNDIR "/tickets"	/* one file a VPS */
#define SNAPSHOT_LOCK_DIR	VPS_RUNDIR "/disks"	/* VPS.lock: its disk */
#define INSTALL_DIR		VPS_RUNDIR "/installs"	/* one file a VPS */

/*
 * The menu's helpers: the protocol server "virsh-menu --serve VPS"
 * executes, and the watchers the server starts: of a console ticket,
 * and of an install (which ejects the ISO).
 */
#define SERVE_PATH		PKGLIBEXECDIR "/virsh-menu-serve"
#define TICKET_PATH		PKGLIBEXECDIR "/virsh-menu-ticket"
#define INSTALL_PATH		PKGLIBEXECDIR "/virsh-menu-install"

/* The PATH of the privileged half's whole environment. */
#define PRIV_ENV_PATH		"/usr/sbin:/usr/bin:/sbin:/bin"

/*
 * Where libvirt's system QEMU driver keeps the pid file NAME.pid of a
 * running domain (libvirt's QEMU driver documentation, "drvqemu").
 */
#define QEMU_STATE_DIR		"/run/libvirt/qemu"

/*
 * File names in [vps] template_dir (vps.conf(5)): the domain template
 * create-vps fills in, and the boot sector of the probe domain.
 */
#define DOMXML_TEMPLATE		"domain.xml"
#define DOMXML_PROBE_IMAGE	"probe.img"

/* The suffix of a raw image of the file backend: DIR/NAME.img. */
#define IMAGE_SUFFIX		".img"

/*
 * The system's files that the tools read or check, never write; sshd -t
 * needs its privilege separation directory, which sudoers-gen creates if
 * it is missing.
 */
#define SUDOERS_MAIN		"/etc/sudoers"
#define SSHD_CONFIG		"/etc/ssh/sshd_config"
#define SSHD_HOST_KEYS		"/etc/ssh/ssh_host_*_key"	/* glob(3) */
#define SSHD_RUNDIR		"/run/sshd"
#define SHELLS_PATH		"/etc/shells"
#define KVM_DEVICE		"/dev/kvm"
#define PROC_TCP		"/proc/net/tcp"
#define PROC_TCP6		"/proc/net/tcp6"

/*
 * Formats of the kernel's and LVM's names (printf(3) formats): a bridge
 * exists if it has this directory; an LV's device; a process's
 * executable; an open descriptor as a path (linkat(2) of an O_TMPFILE).
 */
#define SYSFS_BRIDGE_FMT	"/sys/class/net/%s/bridge"
#define LV_DEVICE_FMT		"/dev/%s/%s"		/* VG, LV */
#define PROC_EXE_FMT		"/proc/%lu/exe"
#define PROC_SELF_EXE		"/proc/self/exe"
#define PROC_SELF_FD_FMT	"/proc/self/fd/%d"

/* Debian's CA bundle: [ldap] ca_file when it is empty. */
#define SYSTEM_CA_FILE		"/etc/ssl/certs/ca-certificates.crt"

#endif
