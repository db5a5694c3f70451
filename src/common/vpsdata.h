/*
 * vpsdata.h: the vps.data file (vps.data(5)), one VPS a line:
 *
 *	name:owner:vcpus:memory_mib:disk_gib:spice_port[:host]
 *
 * The host field names a [host NAME] group of vps.conf; absent or empty,
 * the VPS runs on the local [vps] uri. A file without any host field is
 * the file of a single host and is written back byte for byte.
 * Any invalid line makes the whole file invalid: every reader fails
 * closed with "FILE:LINE: reason".
 */
#ifndef VPS_VPSDATA_H
#define VPS_VPSDATA_H

#include <stdbool.h>
#include <stddef.h>
#include <glib.h>

#include "names.h"

#define VPSDATA_VCPUS_MIN	1
#define VPSDATA_VCPUS_MAX	256
#define VPSDATA_MEMORY_MIN	64
#define VPSDATA_MEMORY_MAX	4194304
#define VPSDATA_DISK_MIN	1
#define VPSDATA_DISK_MAX	65536
#define VPSDATA_PORT_MIN	1024
#define VPSDATA_PORT_MAX	65535

#define VPSDATA_LINE_MAX	1024		/* bytes, without '\n' */
#define VPSDATA_SIZE_MAX	(16u << 20)	/* bytes of the whole file */
#define VPSDATA_MODE		0640

struct vps_entry {
	char	 name[VPS_NAME_MAX + 1];
	char	 owner[VPS_OWNER_MAX + 1];
	unsigned vcpus;
	unsigned memory_mib;
	unsigned disk_gib;
	unsigned spice_port;		/* 0: not yet assigned */
	char	 host[VPS_HOST_MAX + 1];	/* "": the local [vps] uri */
	unsigned line;			/* line in the file, 0 if none */
};

struct vps_data {
	struct vps_entry *v;
	size_t	 n;
	size_t	 alloc;
	GHashTable *by_name;		/* name -> index + 1 */
	GHashTable *by_port;		/* port -> index + 1 */
};

/* Zero-initialise a struct vps_data before use: VPSDATA_INIT. */
#define VPSDATA_INIT	{ NULL, 0, 0, NULL, NULL }

/* The fields of a line, in the order of the file; host is optional. */
enum vps_field {
	VPS_FIELD_NAME,
	VPS_FIELD_OWNER,
	VPS_FIELD_VCPUS,
	VPS_FIELD_MEMORY,
	VPS_FIELD_DISK,
	VPS_FIELD_PORT,
	VPS_FIELD_HOST,
	VPS_FIELD_COUNT
};

/*
 * The name of a field as vps.data(5) and the messages spell it: "name",
 * "owner", "vcpus", "memory_mib", "disk_gib", "spice_port", "host".
 */
const char *vps_field_name(enum vps_field f);

/* The text of an entry's fields, before they are checked. */
struct vps_entry_text {
	const char *name;
	const char *owner;
	const char *vcpus;
	const char *memory;
	const char *disk;
	const char *port;	/* NULL: unassigned, as in an LDAP entry
				   without vpsSpicePort */
	const char *host;	/* NULL or "": the local host */
};

/*
 * Fills e from the text t. On error (VPS_ERROR_INVALID) *bad is the field
 * that is wrong and err says why ("too large"), without the field's name:
 * each caller names the field in its own terms.
 */
bool	 vpsdata_entry_parse(struct vps_entry *e,
	    const struct vps_entry_text *t, enum vps_field *bad,
	    GError **err);

/* Parses buf[len]; fname is used in error messages. */
bool	 vpsdata_parse(const char *buf, size_t len, const char *fname,
	    struct vps_data *out, GError **err);
/* Reads and parses the file at path. */
bool	 vpsdata_load(const char *path, struct vps_data *out, GError **err);

/*
 * Appends a copy of e; refuses (VPS_ERROR_INVALID) a duplicate name or a
 * duplicate non-zero port.
 */
bool	 vpsdata_add(struct vps_data *d, const struct vps_entry *e,
	    GError **err);
const struct vps_entry *vpsdata_find(const struct vps_data *d,
	    const char *name);
const struct vps_entry *vpsdata_find_port(const struct vps_data *d,
	    unsigned port);
/* Sorts the entries by name (the writer's canonical order). */
void	 vpsdata_sort(struct vps_data *d);
void	 vpsdata_clear(struct vps_data *d);

/*
 * The file text of d, with a header comment; every entry must have a
 * port. Free with g_free().
 */
char	*vpsdata_format(const struct vps_data *d, size_t *len);
/*
 * Takes the lock that serialises read-modify-write cycles of the vps.data
 * at path (the file PATH.lock, see lock.h), and with them create-vps and
 * delete-vps runs (which pick MACs and ports), then removes the temp files
 * of path that a killed writer left (atomic_file_clean_stale). Returns
 * the descriptor for vps_unlock(), or -1 with err set.
 */
int	 vpsdata_lock(const char *path, GError **err);
/*
 * Replaces path atomically with the text of d (mode 0640) unless it
 * already holds exactly that; *changed tells which (may be NULL).
 */
bool	 vpsdata_write(const char *path, const struct vps_data *d,
	    bool *changed, GError **err);

#endif
