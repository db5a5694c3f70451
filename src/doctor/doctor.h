/*
 * doctor.h: the checks of vps-doctor(8). Each check looks at the host as
 * it is and adds one or more results; none changes anything (the one
 * domain a check starts is transient, paused and destroyed at once).
 * A check that depends on an earlier one that failed (no valid vps.conf,
 * no libvirt connection) adds nothing: the earlier FAIL says why.
 */
#ifndef VPS_DOCTOR_H
#define VPS_DOCTOR_H

#include <stdbool.h>
#include <stdint.h>
#include <glib.h>
#include <libvirt/libvirt.h>

#include "vpsconf.h"
#include "vpsdata.h"

enum doctor_status { DOCTOR_OK, DOCTOR_WARN, DOCTOR_FAIL };

struct doctor_result {
	char	*check;			/* short id: "kvm", "sudoers", ... */
	char	*host;			/* its [host NAME]; NULL: this host */
	int	 status;		/* enum doctor_status */
	char	*message;		/* what was found, one line */
	char	*fix;			/* what to do (NULL for OK) */
};

struct doctor {
	const char *config_path;	/* -c FILE, or NULL: compiled-in */
	const char *sudoers_main;	/* the file sudo reads: /etc/sudoers */
	const char *sshd_config;	/* sshd's: /etc/ssh/sshd_config */
	const char *tooldir;		/* where sudoers-gen is (our sbindir) */
	struct vps_config *cfg;		/* NULL if vps.conf is invalid */
	struct vps_data data;		/* meaningful if data_ok */
	bool	 data_ok;
	virConnectPtr conn;		/* NULL if libvirt is unreachable */
	bool	 kvm_ok;		/* a KVM domain starts here */
	bool	 storage_ok;		/* storage_free() answered */
	uint64_t storage_avail;		/* what it said, in bytes */
	const char *host;		/* the [host NAME] the checks now look
					   at, given to each result; NULL:
					   this host */
	GPtrArray *results;		/* of struct doctor_result */
};

/*
 * Adds a result for d->host; fix is for WARN and FAIL (what the admin
 * should do).
 */
void	 doctor_add(struct doctor *d, const char *check, int status,
	    const char *fix, const char *fmt, ...) G_GNUC_PRINTF(5, 6);

/*
 * Runs PROG ARGV with stdin from /dev/null (no shell); *out (g_free) is
 * its stdout and stderr together. Returns its exit status, or -1 with
 * err (and *out NULL) if it could not run or was killed.
 */
int	 doctor_run(const char *const *argv, char **out, GError **err);

/* doctor-host.c: vps.conf, vps.data, libvirt, KVM, CPU, network,
 * storage, snapshots, ISO library. */
void	 doctor_check_config(struct doctor *d);
void	 doctor_check_data(struct doctor *d);
void	 doctor_check_libvirt(struct doctor *d);
void	 doctor_check_kvm(struct doctor *d);
void	 doctor_check_cpu(struct doctor *d);
void	 doctor_check_network(struct doctor *d);
void	 doctor_check_storage(struct doctor *d);
void	 doctor_check_snapshots(struct doctor *d);
void	 doctor_check_iso(struct doctor *d);
/*
 * The network checks on conn (a [host NAME]'s with d->host set): the
 * nwfilter, and the libvirt network of [network] (or, remotely, the
 * bridge as libvirt's interface driver sees it).
 */
void	 doctor_check_network_on(struct doctor *d, virConnectPtr conn);
/* The largest disk in vps.data of the VPS of host ("": this host). */
uint64_t doctor_largest_disk(const struct doctor *d, const char *host);

/*
 * doctor-hosts.c: each [host NAME] of vps.conf: libvirt, KVM, network,
 * storage, and where the VPS of vps.data are defined.
 */
void	 doctor_check_hosts(struct doctor *d);

/* doctor-access.c: sudo, sshd, member accounts, SPICE ports, LDAP. */
void	 doctor_check_sudoers(struct doctor *d);
void	 doctor_check_sshd(struct doctor *d);
void	 doctor_check_shells(struct doctor *d);
void	 doctor_check_ports(struct doctor *d);
void	 doctor_check_ldap(struct doctor *d);

#endif
