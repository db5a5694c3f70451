/*
 * credfiles.c: which files let this host into a hypervisor's libvirtd,
 * and what is wrong with their owner or mode (credfiles.h).
 */
#include <config.h>

#include <string.h>

#include "credfiles.h"
#include "util.h"

/* libvirt's client files as root, without pkipath (libvirt's pki docs). */
#define PKI_CACERT	"/etc/pki/CA/cacert.pem"
#define PKI_CLIENTKEY	"/etc/pki/libvirt/private/clientkey.pem"
#define PKI_CLIENTCERT	"/etc/pki/libvirt/clientcert.pem"

/* The ssh client's default identities (ssh(1), -i), in HOME/.ssh. */
static const char *const ssh_ids[] = {
	"id_rsa", "id_ecdsa", "id_ecdsa_sk", "id_ed25519", "id_ed25519_sk",
	"id_dsa",
};

void
cred_file_free(gpointer p)
{
	struct cred_file *f = p;

	if (f == NULL)
		return;
	g_free(f->path);
	g_free(f);
}

static void
add(GPtrArray *a, char *path, bool secret, bool optional)
{
	struct cred_file *f = g_new0(struct cred_file, 1);

	f->path = path;
	f->secret = secret;
	f->optional = optional;
	g_ptr_array_add(a, f);
}

/* The transport of scheme DRIVER[+TRANSPORT], of a URI with a host or not. */
static int
transport_of(const char *scheme, bool has_host)
{
	const char *plus = strchr(scheme, '+');

	if (plus == NULL)
		return has_host ? CRED_TLS : CRED_LOCAL;
	plus++;
	if (g_ascii_strcasecmp(plus, "tls") == 0)
		return CRED_TLS;
	if (g_ascii_strcasecmp(plus, "ssh") == 0 ||
	    g_ascii_strcasecmp(plus, "libssh") == 0 ||
	    g_ascii_strcasecmp(plus, "libssh2") == 0)
		return CRED_SSH;
	if (g_ascii_strcasecmp(plus, "tcp") == 0)
		return CRED_TCP;
	return CRED_LOCAL;
}

GPtrArray *
cred_files(const char *uri, const char *home, int *transport, GError **err)
{
	g_autoptr(GUri) u = NULL;
	g_autoptr(GHashTable) params = NULL;
	g_autoptr(GError) why = NULL;
	GPtrArray *files;
	const char *host, *query, *dir, *key;
	size_t	 i;

	if ((u = g_uri_parse(uri, G_URI_FLAGS_NONE, &why)) == NULL) {
		g_set_error(err, VPS_ERROR, VPS_ERROR_INVALID,
		    "uri %s: %s", uri, why->message);
		return NULL;
	}
	query = g_uri_get_query(u);
	if (query != NULL && (params = g_uri_parse_params(query, -1, "&",
	    G_URI_PARAMS_NONE, &why)) == NULL) {
		g_set_error(err, VPS_ERROR, VPS_ERROR_INVALID,
		    "uri %s: its parameters: %s", uri, why->message);
		return NULL;
	}
	host = g_uri_get_host(u);
	*transport = transport_of(g_uri_get_scheme(u),
	    host != NULL && *host != '\0');
	files = g_ptr_array_new_with_free_func(cred_file_free);
	switch (*transport) {
	case CRED_TLS:
		dir = params != NULL ? g_hash_table_lookup(params, "pkipath") :
		    NULL;
		if (dir != NULL && *dir != '\0') {
			add(files, g_build_filename(dir, "clientkey.pem", NULL),
			    true, false);
			add(files, g_build_filename(dir, "clientcert.pem",
			    NULL), false, false);
			add(files, g_build_filename(dir, "cacert.pem", NULL),
			    false, false);
		} else {
			add(files, g_strdup(PKI_CLIENTKEY), true, false);
			add(files, g_strdup(PKI_CLIENTCERT), false, false);
			add(files, g_strdup(PKI_CACERT), false, false);
		}
		break;
	case CRED_SSH:
		key = params != NULL ? g_hash_table_lookup(params, "keyfile") :
		    NULL;
		if (key != NULL && *key != '\0') {
			add(files, g_strdup(key), true, false);
			break;
		}
		for (i = 0; i < G_N_ELEMENTS(ssh_ids); i++)
			add(files, g_build_filename(home, ".ssh", ssh_ids[i],
			    NULL), true, true);
		break;
	default:
		break;
	}
	return files;
}

char *
cred_file_problem(const struct cred_file *f, const struct stat *st)
{
	unsigned mode = (unsigned)(st->st_mode & 07777);

	if (!S_ISREG(st->st_mode))
		return g_strdup_printf("%s is not a regular file", f->path);
	if (st->st_uid != 0)
		return g_strdup_printf("%s is owned by uid %u, not root",
		    f->path, (unsigned)st->st_uid);
	if (f->secret && (mode & 077) != 0)
		return g_strdup_printf("%s (mode %04o) can be %s by others "
		    "than root", f->path, mode, (mode & 044) != 0 ? "read" :
		    "used");
	if (!f->secret && (mode & 022) != 0)
		return g_strdup_printf("%s (mode %04o) can be written by others "
		    "than root", f->path, mode);
	return NULL;
}
