/*
 * credfiles.h: the files that let this host into the libvirtd of a
 * [host NAME] (vps-doctor(8), check "credentials"). Whoever can read the
 * client key of qemu+tls or the ssh key of qemu+ssh can run anything on
 * that hypervisor as root: it must be root's alone, and what decides
 * whom the host trusts (the CA certificate, the client certificate) must
 * be writable by root only.
 *
 * Which files libvirt's client uses follows from the URI:
 *   DRIVER+tls://HOST/... (and DRIVER://HOST/..., TLS being libvirt's
 *       default transport when a host is given): as root,
 *       /etc/pki/libvirt/private/clientkey.pem,
 *       /etc/pki/libvirt/clientcert.pem and /etc/pki/CA/cacert.pem, or
 *       clientkey.pem, clientcert.pem and cacert.pem in the directory of
 *       the URI's pkipath parameter;
 *   DRIVER+ssh, +libssh, +libssh2: the URI's keyfile parameter, or the
 *       ssh client's default identities in HOME/.ssh (those that exist);
 *   DRIVER+tcp: no credentials of its own (no encryption; SASL at most);
 *   DRIVER+unix, DRIVER+ext, or no host: a local socket or a program.
 * Pure logic (no file is read), for the unit tests.
 */
#ifndef VPS_CREDFILES_H
#define VPS_CREDFILES_H

#include <stdbool.h>
#include <sys/stat.h>
#include <glib.h>

enum cred_transport {
	CRED_TLS,
	CRED_SSH,
	CRED_TCP,			/* no credentials, no encryption */
	CRED_LOCAL,			/* unix socket, ext, no host */
};

struct cred_file {
	char	*path;
	bool	 secret;		/* a private key: root only */
	bool	 optional;		/* a default that may not exist */
};

/* Frees a GPtrArray's struct cred_file. */
void	 cred_file_free(gpointer p);

/*
 * The transport of uri, in *transport, and the files its client reads
 * (a GPtrArray of struct cred_file; empty for tcp and local). home is
 * the home directory of the user the tools run as (root). NULL, with
 * err (VPS_ERROR_INVALID), if uri is not a URI.
 */
GPtrArray *cred_files(const char *uri, const char *home, int *transport,
	    GError **err);

/*
 * What is wrong with a file f as st describes it (from lstat), or NULL
 * (g_free the result): a credential must be a regular file owned by
 * root; a secret one must have no permission for group or others, any
 * other none to write for them.
 */
char	*cred_file_problem(const struct cred_file *f, const struct stat *st);

#endif
