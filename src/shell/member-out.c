/*
 * member-out.c: the menu's renderings of the helper's key=value replies:
 * JSON, the console's tunnel line and its remote-viewer file.
 */
#include <config.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "member-out.h"
#include "names.h"
#include "util.h"

#define STATUS_KEYS \
	{ "name", "name", OUT_STR, true }, \
	{ "state", "state", OUT_STR, true }, \
	{ "vcpus", "vcpus", OUT_UINT, true }, \
	{ "max_memory_kib", "max_memory_kib", OUT_UINT, true }, \
	{ "autostart", "autostart", OUT_BOOL, true }, \
	{ "cdrom", "cdrom", OUT_BOOL, true }, \
	{ "iso", "iso", OUT_STR, false }

const struct out_key out_status_keys[] = { STATUS_KEYS };
const size_t out_status_nkeys = G_N_ELEMENTS(out_status_keys);

const struct out_key out_info_keys[] = {
	STATUS_KEYS,
	{ "disk_bytes", "disk_bytes", OUT_UINT, false },
	{ "mac", "macs", OUT_LIST, false },
	{ "spice_port", "spice_port", OUT_UINT, false },
	{ "uptime_seconds", "uptime_seconds", OUT_UINT, false },
};
const size_t out_info_nkeys = G_N_ELEMENTS(out_info_keys);

const struct out_key out_console_keys[] = {
	{ "port", "port", OUT_UINT, true },
	{ "password", "password", OUT_STR, true },
	{ "expires", "expires", OUT_UINT, true },
	{ "expires_text", "expires_text", OUT_STR, true },
	{ "ticket_minutes", "ticket_minutes", OUT_UINT, true },
	{ "window_seconds", "window_seconds", OUT_UINT, true },
	{ "spice_address", "spice_address", OUT_STR, true },
};
const size_t out_console_nkeys = G_N_ELEMENTS(out_console_keys);

const struct out_key *
out_keys(enum proto_verb v, size_t *nkeys)
{
	switch (v) {
	case PROTO_STATUS:
		*nkeys = out_status_nkeys;
		return out_status_keys;
	case PROTO_INFO:
		*nkeys = out_info_nkeys;
		return out_info_keys;
	case PROTO_CONSOLE:
		*nkeys = out_console_nkeys;
		return out_console_keys;
	default:
		*nkeys = 0;
		return NULL;
	}
}

static bool
value_valid(enum out_kind kind, const char *v)
{
	unsigned long long n;

	switch (kind) {
	case OUT_UINT:
		return vps_parse_uint(v, 0, G_MAXUINT64, &n, NULL);
	case OUT_BOOL:
		return strcmp(v, "true") == 0 || strcmp(v, "false") == 0;
	case OUT_STR:
	case OUT_LIST:
		break;
	}
	return true;
}

bool
out_parse(const struct out_key *keys, size_t nkeys, GPtrArray *lines,
    struct out_facts *f, GError **err)
{
	guint	 i;
	size_t	 k;

	memset(f, 0, sizeof(*f));
	if (nkeys > OUT_KEYS_MAX) {
		g_set_error(err, VPS_ERROR, VPS_ERROR_FAILED,
		    "too many keys");
		return false;
	}
	f->keys = keys;
	f->nkeys = nkeys;
	for (k = 0; k < nkeys; k++)
		f->vals[k] = g_ptr_array_new_with_free_func(g_free);
	for (i = 0; i < lines->len; i++) {
		const char *line = g_ptr_array_index(lines, i);
		const char *eq = strchr(line, '=');
		size_t	 klen = eq != NULL ? (size_t)(eq - line) : 0;

		for (k = 0; eq != NULL && k < nkeys; k++) {
			if (klen == strlen(keys[k].key) &&
			    strncmp(line, keys[k].key, klen) == 0)
				break;
		}
		if (eq == NULL || k == nkeys) {
			g_set_error(err, VPS_ERROR, VPS_ERROR_FAILED,
			    "reply line %u: not KEY=VALUE of a known key", i + 1);
			return false;
		}
		if (keys[k].kind != OUT_LIST && f->vals[k]->len > 0) {
			g_set_error(err, VPS_ERROR, VPS_ERROR_FAILED,
			    "reply line %u: %s given twice", i + 1,
			    keys[k].key);
			return false;
		}
		if (!value_valid(keys[k].kind, eq + 1)) {
			g_set_error(err, VPS_ERROR, VPS_ERROR_FAILED,
			    "reply line %u: invalid value of %s", i + 1,
			    keys[k].key);
			return false;
		}
		g_ptr_array_add(f->vals[k], g_strdup(eq + 1));
	}
	for (k = 0; k < nkeys; k++) {
		if (keys[k].required && f->vals[k]->len == 0) {
			g_set_error(err, VPS_ERROR, VPS_ERROR_FAILED,
			    "reply lacks %s", keys[k].key);
			return false;
		}
	}
	return true;
}

void
out_facts_clear(struct out_facts *f)
{
	size_t	 k;

	for (k = 0; k < OUT_KEYS_MAX; k++) {
		if (f->vals[k] != NULL)
			g_ptr_array_free(f->vals[k], TRUE);
	}
	memset(f, 0, sizeof(*f));
}

const char *
out_get(const struct out_facts *f, const char *key)
{
	size_t	 k;

	for (k = 0; k < f->nkeys; k++) {
		if (strcmp(f->keys[k].key, key) == 0)
			return f->vals[k]->len > 0 ?
			    g_ptr_array_index(f->vals[k], 0) : NULL;
	}
	return NULL;
}

unsigned long long
out_uint(const struct out_facts *f, const char *key)
{
	const char *v = out_get(f, key);
	unsigned long long n;

	if (v == NULL || !vps_parse_uint(v, 0, G_MAXUINT64, &n, NULL))
		return 0;
	return n;
}

void
out_json_facts(GString *out, const struct out_facts *f, const char *sep)
{
	size_t	 k;
	guint	 i;

	for (k = 0; k < f->nkeys; k++) {
		const struct out_key *key = &f->keys[k];
		GPtrArray *v = f->vals[k];

		g_string_append(out, k == 0 ? sep : ", ");
		vps_json_string(out, key->json);
		g_string_append(out, ": ");
		if (key->kind == OUT_LIST) {
			g_string_append_c(out, '[');
			for (i = 0; i < v->len; i++) {
				if (i > 0)
					g_string_append(out, ", ");
				vps_json_string(out, g_ptr_array_index(v, i));
			}
			g_string_append_c(out, ']');
		} else if (v->len == 0)
			g_string_append(out, "null");
		else if (key->kind == OUT_STR)
			vps_json_string(out, g_ptr_array_index(v, 0));
		else	/* checked: digits, true or false */
			g_string_append(out, g_ptr_array_index(v, 0));
	}
}

/* A numeric address: IPv4, or IPv6 with an optional %zone. */
static bool
addr_parse(const char *s, char *out, size_t size)
{
	unsigned char buf[sizeof(struct in6_addr)];
	char	 addr[INET6_ADDRSTRLEN], text[INET6_ADDRSTRLEN];
	const char *zone = strchr(s, '%');
	size_t	 alen = zone != NULL ? (size_t)(zone - s) : strlen(s);
	int	 af;

	if (alen == 0 || alen >= sizeof(addr))
		return false;
	memcpy(addr, s, alen);
	addr[alen] = '\0';
	if (inet_pton(AF_INET, addr, buf) == 1 && zone == NULL)
		af = AF_INET;
	else if (inet_pton(AF_INET6, addr, buf) == 1)
		af = AF_INET6;
	else
		return false;
	/* An interface name (IF_NAMESIZE), as getnameinfo writes it. */
	if (zone != NULL && (zone[1] == '\0' || strlen(zone + 1) > 15 ||
	    strspn(zone + 1, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") != strlen(zone + 1)))
		return false;
	if (inet_ntop(af, buf, text, sizeof(text)) == NULL)
		return false;
	return snprintf(out, size, "%s%s", text, zone != NULL ? zone : "") <
	    (int)size;
}

bool
out_ssh_connection(const char *env, struct out_sshd *sshd)
{
	g_auto(GStrv) f = NULL;
	unsigned long long port;

	memset(sshd, 0, sizeof(*sshd));
	if (env == NULL || strlen(env) > 256)
		return false;
	f = g_strsplit(env, " ", 0);
	if (g_strv_length(f) != 4 ||
	    !addr_parse(f[0], sshd->addr, sizeof(sshd->addr)) ||
	    !vps_parse_uint(f[1], 1, 65535, &port, NULL) ||
	    !vps_parse_uint(f[3], 1, 65535, &port, NULL) ||
	    !addr_parse(f[2], sshd->addr, sizeof(sshd->addr))) {
		memset(sshd, 0, sizeof(*sshd));
		return false;
	}
	sshd->port = (unsigned)port;
	return true;
}

char *
out_tunnel(unsigned port, const char *addr, const char *member,
    const struct out_sshd *sshd)
{
	g_autofree char *p = NULL;
	char	 a[64];		/* as struct out_sshd's addr */
	bool	 v6;

	/* It goes into a command line the member may paste: checked. */
	if (addr == NULL || !addr_parse(addr, a, sizeof(a)))
		return NULL;
	v6 = strchr(a, ':') != NULL;
	p = sshd != NULL && sshd->port != 22 ?
	    g_strdup_printf("-p %u ", sshd->port) : g_strdup("");
	return g_strdup_printf("ssh %s-N -L %u:%s%s%s:%u %s@HOST", p, port,
	    v6 ? "[" : "", a, v6 ? "]" : "", port, member);
}

char *
out_host_note(const struct out_sshd *sshd)
{
	if (sshd == NULL)
		return g_strdup("  (HOST: the name you give ssh for this host, "
		    "which sshd does not pass on;\n"
		    "  no valid SSH_CONNECTION: add -p PORT if its sshd is not "
		    "on port 22)\n");
	return g_strdup_printf("  (HOST: the name you give ssh for this host, "
	    "which sshd does not pass on;\n"
	    "  this connection came to %s port %u)\n", sshd->addr,
	    sshd->port);
}

char *
out_vv(const char *vps, unsigned port, const char *password, GError **err)
{
	g_autoptr(GError) bad = NULL;

	if (password[0] == '\0' || strspn(password, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") != strlen(password)) {
		g_set_error(err, VPS_ERROR, VPS_ERROR_FAILED,
		    "the password is not alphanumeric");
		return NULL;
	}
	if (!vps_name_valid(vps, &bad)) {
		g_set_error_literal(err, VPS_ERROR, VPS_ERROR_FAILED,
		    bad->message);
		return NULL;
	}
	/* The keys of virt-viewer's [virt-viewer] group, remote-viewer(1). */
	return g_strdup_printf("[virt-viewer]\n"
	    "type=spice\n"
	    "host=127.0.0.1\n"
	    "port=%u\n"
	    "password=%s\n"
	    "delete-this-file=1\n"
	    "title=%s\n", port, password, vps);
}
