/*
 * poolvol.c: VPS disks as volumes of a libvirt storage pool (poolvol.h).
 */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <libvirt/virterror.h>
#include <libxml/tree.h>

#include "domdoc.h"
#include "pathnames.h"
#include "poolvol.h"
#include "util.h"
#include "virtutil.h"

#define VOLUME_MODE	0600

G_DEFINE_AUTOPTR_CLEANUP_FUNC(virStorageVol, virStorageVolFree)

int
poolvol_kind_of(const char *pool_xml, GError **err)
{
	g_autoptr(domdoc) doc = NULL;
	g_autofree char *type = NULL;

	if ((doc = domdoc_parse(pool_xml, strlen(pool_xml), "the pool's XML",
	    err)) == NULL)
		return -1;
	if ((type = domdoc_get(doc, NULL, "/pool/@type")) == NULL) {
		g_set_error_literal(err, VPS_ERROR, VPS_ERROR_FAILED,
		    "the pool's XML has no type");
		return -1;
	}
	if (strcmp(type, "dir") == 0 || strcmp(type, "fs") == 0 ||
	    strcmp(type, "netfs") == 0)
		return POOLVOL_FILE;
	if (strcmp(type, "logical") == 0)
		return POOLVOL_BLOCK;
	g_set_error(err, VPS_ERROR, VPS_ERROR_FAILED, "its type is %.40s: "
	    "vpshost makes disks in dir, fs, netfs and logical pools only",
	    type);
	return -1;
}

char *
poolvol_target_of(const char *pool_xml, GError **err)
{
	g_autoptr(domdoc) doc = NULL;
	char	*path;

	if ((doc = domdoc_parse(pool_xml, strlen(pool_xml), "the pool's XML",
	    err)) == NULL)
		return NULL;
	if ((path = domdoc_get(doc, NULL, "/pool/target/path")) == NULL ||
	    path[0] != '/') {
		g_free(path);
		g_set_error_literal(err, VPS_ERROR, VPS_ERROR_FAILED,
		    "the pool's XML has no absolute target path");
		return NULL;
	}
	return path;
}

char *
poolvol_name(int kind, const char *vps)
{
	if (kind == POOLVOL_BLOCK)
		return g_strdup(vps);
	return g_strconcat(vps, IMAGE_SUFFIX, NULL);
}

/* Adds <name unit='bytes'>value</name> to parent; false if out of memory. */
static bool
add_bytes(xmlNode *parent, const char *name, uint64_t value)
{
	char	 text[32];
	xmlNode	*n;

	/* 20 digits at most: cannot truncate. */
	(void)snprintf(text, sizeof(text), "%" PRIu64, value);
	if ((n = xmlNewTextChild(parent, NULL, BAD_CAST name,
	    BAD_CAST text)) == NULL)
		return false;
	return domdoc_set_prop(n, "unit", "bytes");
}

/*
 * A file volume is sparse (allocation 0), as the file backend's images
 * are; an LV is allocated in full, as the lvm backend's are. A logical
 * pool knows no volume formats: raw is named for files only.
 */
static bool
fill_volume(xmlNode *vol, int kind, const char *name, uint64_t size,
    unsigned mode)
{
	char	 text[16];
	xmlNode	*target, *n;

	/* 4 digits: cannot truncate. */
	(void)snprintf(text, sizeof(text), "%04o", mode & 07777);
	if (xmlNewTextChild(vol, NULL, BAD_CAST "name", BAD_CAST name) ==
	    NULL || !add_bytes(vol, "capacity", size) ||
	    !add_bytes(vol, "allocation", kind == POOLVOL_BLOCK ? size : 0) ||
	    (target = xmlNewChild(vol, NULL, BAD_CAST "target", NULL)) == NULL)
		return false;
	if (kind == POOLVOL_FILE &&
	    ((n = xmlNewChild(target, NULL, BAD_CAST "format", NULL)) ==
	    NULL || !domdoc_set_prop(n, "type", "raw")))
		return false;
	if ((n = xmlNewChild(target, NULL, BAD_CAST "permissions", NULL)) ==
	    NULL)
		return false;
	return xmlNewTextChild(n, NULL, BAD_CAST "mode", BAD_CAST text) !=
	    NULL;
}

char *
poolvol_xml(int kind, const char *name, uint64_t size, unsigned mode)
{
	g_autoptr(domdoc) doc = xmlNewDoc(BAD_CAST "1.0");
	xmlNode	*vol;

	if (doc == NULL || (vol = xmlNewNode(NULL, BAD_CAST "volume")) == NULL)
		return NULL;
	xmlDocSetRootElement(doc, vol);
	if (!fill_volume(vol, kind, name, size, mode))
		return NULL;
	return domdoc_format(doc);
}

/* Sets err to "WHAT in pool P of host H: libvirt's last error". */
static void
pool_error(GError **err, const struct poolvol_pool *p, const char *what,
    const char *name)
{
	virt_error(err, "%s %s in pool %s of host %s", what, name, p->name,
	    p->host);
}

void
poolvol_close(struct poolvol_pool *p)
{
	if (p->pool != NULL)
		virStoragePoolFree(p->pool);
	g_free(p->name);
	g_free(p->host);
	g_free(p->target);
	memset(p, 0, sizeof(*p));
}

static bool open_pool(virConnectPtr, const char *, const char *,
    const char *, bool, struct poolvol_pool *, GError **);

bool
poolvol_open(virConnectPtr conn, const struct vps_host *h,
    struct poolvol_pool *p, GError **err)
{
	return open_pool(conn, h->name, h->pool, NULL, true, p, err);
}

bool
poolvol_open_current(virConnectPtr conn, const struct vps_host *h,
    struct poolvol_pool *p, GError **err)
{
	return open_pool(conn, h->name, h->pool, NULL, false, p, err);
}

bool
poolvol_open_at(virConnectPtr conn, const char *host, const char *name,
    const char *target, struct poolvol_pool *p, GError **err)
{
	return open_pool(conn, host, name, target, true, p, err);
}

static bool
open_pool(virConnectPtr conn, const char *host, const char *name,
    const char *target, bool refresh, struct poolvol_pool *p, GError **err)
{
	g_autofree char *xml = NULL;
	const char *found;
	int	 active;

	memset(p, 0, sizeof(*p));
	p->host = g_strdup(host);
	if (name != NULL) {
		p->name = g_strdup(name);
		p->pool = virStoragePoolLookupByName(conn, name);
	} else {
		p->name = g_strdup(target);	/* until it is found */
		p->pool = virStoragePoolLookupByTargetPath(conn, target);
	}
	if (p->pool == NULL) {
		virt_error(err, "%s %s of host %s", name != NULL ? "pool" :
		    "no pool with target", p->name, p->host);
		return false;
	}
	if (name == NULL && (found = virStoragePoolGetName(p->pool)) != NULL) {
		g_free(p->name);
		p->name = g_strdup(found);
	}
	if ((active = virStoragePoolIsActive(p->pool)) != 1) {
		if (active == 0)
			g_set_error(err, VPS_ERROR, VPS_ERROR_FAILED, "pool %s "
			    "of host %s is not running (virsh pool-start)",
			    p->name, p->host);
		else
			virt_error(err, "pool %s of host %s", p->name, p->host);
		return false;
	}
	if ((refresh && virStoragePoolRefresh(p->pool, 0) == -1) ||
	    (xml = virStoragePoolGetXMLDesc(p->pool, 0)) == NULL) {
		virt_error(err, "cannot refresh pool %s of host %s", p->name,
		    p->host);
		return false;
	}
	if ((p->kind = poolvol_kind_of(xml, err)) == -1 ||
	    (p->target = poolvol_target_of(xml, err)) == NULL) {
		g_prefix_error(err, "pool %s of host %s: ", p->name, p->host);
		return false;
	}
	return true;
}

char *
poolvol_path(const struct poolvol_pool *p, const char *vps)
{
	g_autofree char *name = poolvol_name(p->kind, vps);

	return g_strdup_printf("%s/%s", p->target, name);
}

bool
poolvol_room(const struct poolvol_pool *p, uint64_t *avail, GError **err)
{
	virStoragePoolInfo info;

	if (virStoragePoolGetInfo(p->pool, &info) == -1) {
		virt_error(err, "cannot read the free room of pool %s of host %s",
		    p->name, p->host);
		return false;
	}
	*avail = info.available;
	return true;
}

/* The ctime libvirt reports for a file volume (g_free), or NULL. */
static char *
vol_stamp(virStorageVolPtr vol)
{
	g_autofree char *xml = virStorageVolGetXMLDesc(vol, 0);
	g_autoptr(domdoc) doc = NULL;

	if (xml == NULL || (doc = domdoc_parse(xml, strlen(xml),
	    "the volume's XML", NULL)) == NULL)
		return NULL;
	return domdoc_get(doc, NULL, "/volume/target/timestamps/ctime");
}

/* Reads path and key of vol into id; with stamp, also its ctime. */
static bool
vol_id(const struct poolvol_pool *p, virStorageVolPtr vol, bool stamp,
    struct poolvol_id *id, GError **err)
{
	const char *key;

	memset(id, 0, sizeof(*id));
	if ((id->path = virStorageVolGetPath(vol)) == NULL ||
	    (key = virStorageVolGetKey(vol)) == NULL) {
		pool_error(err, p, "cannot read volume", virStorageVolGetName(vol));
		poolvol_id_clear(id);
		return false;
	}
	id->key = g_strdup(key);
	if (stamp && p->kind == POOLVOL_FILE &&
	    (id->stamp = vol_stamp(vol)) == NULL) {
		pool_error(err, p, "cannot read the times of volume",
		    virStorageVolGetName(vol));
		poolvol_id_clear(id);
		return false;
	}
	return true;
}

/*
 * Looks up the volume called name: *vol is NULL (and true returned) if
 * there is none.
 */
static bool
vol_lookup(const struct poolvol_pool *p, const char *name,
    virStorageVolPtr *vol, GError **err)
{
	if ((*vol = virStorageVolLookupByName(p->pool, name)) != NULL)
		return true;
	if (virGetLastErrorCode() == VIR_ERR_NO_STORAGE_VOL)
		return true;
	pool_error(err, p, "cannot look up volume", name);
	return false;
}

bool
poolvol_create(const struct poolvol_pool *p, const char *vps, uint64_t size,
    struct poolvol_id *id, GError **err)
{
	g_autofree char *name = poolvol_name(p->kind, vps), *xml = NULL;
	g_autofree char *want = NULL;
	g_autoptr(virStorageVol) vol = NULL;

	memset(id, 0, sizeof(*id));
	if (!vol_lookup(p, name, &vol, err))
		return false;
	if (vol != NULL) {
		g_set_error(err, VPS_ERROR, VPS_ERROR_FAILED, "volume %s "
		    "already exists in pool %s of host %s", name, p->name,
		    p->host);
		return false;
	}
	if ((xml = poolvol_xml(p->kind, name, size, VOLUME_MODE)) == NULL) {
		g_set_error_literal(err, VPS_ERROR, VPS_ERROR_FAILED,
		    "cannot build the volume's XML");
		return false;
	}
	if ((vol = virStorageVolCreateXML(p->pool, xml, 0)) == NULL) {
		pool_error(err, p, "cannot create volume", name);
		return false;
	}
	want = poolvol_path(p, vps);
	if (vol_id(p, vol, true, id, err)) {
		if (strcmp(id->path, want) == 0)
			return true;
		g_set_error(err, VPS_ERROR, VPS_ERROR_FAILED, "volume %s of "
		    "pool %s of host %s is %s, not %s", name, p->name,
		    p->host, id->path, want);
		poolvol_id_clear(id);
	}
	/* Just made, and unknown to anything else: it goes again. */
	if (virStorageVolDelete(vol, 0) == -1)
		g_prefix_error(err, "volume %s is left in pool %s of host %s: ",
		    name, p->name, p->host);
	return false;
}

bool
poolvol_find(const struct poolvol_pool *p, const char *vps,
    struct poolvol_id *id, bool *found, GError **err)
{
	g_autofree char *name = poolvol_name(p->kind, vps);
	g_autoptr(virStorageVol) vol = NULL;

	memset(id, 0, sizeof(*id));
	*found = false;
	if (!vol_lookup(p, name, &vol, err))
		return false;
	if (vol == NULL)
		return true;
	*found = true;
	return vol_id(p, vol, false, id, err);
}

/* Whether the volume now is what was (stamp compared only if was has one). */
static bool
same_volume(const struct poolvol_id *now, const struct poolvol_id *was)
{
	return strcmp(now->path, was->path) == 0 &&
	    strcmp(now->key, was->key) == 0 && (was->stamp == NULL ||
	    (now->stamp != NULL && strcmp(now->stamp, was->stamp) == 0));
}

bool
poolvol_delete(const struct poolvol_pool *p, const char *vps,
    const struct poolvol_id *id, bool *removed, GError **err)
{
	g_autofree char *name = poolvol_name(p->kind, vps);
	g_autoptr(virStorageVol) vol = NULL;
	struct poolvol_id now;
	bool	 same;

	*removed = false;
	if (!vol_lookup(p, name, &vol, err))
		return false;
	if (vol == NULL)
		return true;
	if (!vol_id(p, vol, id->stamp != NULL, &now, err))
		return false;
	same = same_volume(&now, id);
	poolvol_id_clear(&now);
	if (!same)
		return true;
	if (virStorageVolDelete(vol, 0) == -1) {
		pool_error(err, p, "cannot delete volume", name);
		return false;
	}
	*removed = true;
	return true;
}

void
poolvol_id_clear(struct poolvol_id *id)
{
	/* virStorageVolGetPath's string is malloc'd: free() and g_free agree. */
	g_clear_pointer(&id->path, g_free);
	g_clear_pointer(&id->key, g_free);
	g_clear_pointer(&id->stamp, g_free);
}

/* virStreamSendAll's source: the next bytes of the file *opaque. */
static int
upload_read(virStreamPtr st, char *data, size_t nbytes, void *opaque)
{
	int	 fd = *(int *)opaque;
	ssize_t	 n;

	(void)st;
	do
		n = read(fd, data, nbytes);
	while (n == -1 && errno == EINTR);
	return n < 0 ? -1 : (int)n;
}

/* Sends the file fd, size bytes, into the volume vps of p. */
static bool
upload_send(const struct poolvol_pool *p, const char *vps, int fd,
    uint64_t size, GError **err)
{
	g_autofree char *name = poolvol_name(p->kind, vps);
	g_autoptr(virStorageVol) vol = NULL;
	virStreamPtr st;
	bool	 ok = false;

	if (!vol_lookup(p, name, &vol, err))
		return false;
	if (vol == NULL) {
		g_set_error(err, VPS_ERROR, VPS_ERROR_FAILED, "volume %s of "
		    "pool %s of host %s is gone", name, p->name, p->host);
		return false;
	}
	if ((st = virStreamNew(virStoragePoolGetConnect(p->pool), 0)) ==
	    NULL) {
		pool_error(err, p, "cannot upload to volume", name);
		return false;
	}
	if (virStorageVolUpload(vol, st, 0, size, 0) == 0 &&
	    virStreamSendAll(st, upload_read, &fd) == 0 &&
	    virStreamFinish(st) == 0)
		ok = true;
	else {
		pool_error(err, p, "cannot upload to volume", name);
		(void)virStreamAbort(st);
	}
	virStreamFree(st);
	return ok;
}

bool
poolvol_upload(const struct poolvol_pool *p, const char *name,
    const char *path, struct poolvol_id *id, GError **err)
{
	struct stat st;
	bool	 ok, removed;
	int	 fd;

	memset(id, 0, sizeof(*id));
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1 ||
	    fstat(fd, &st) == -1) {
		g_set_error(err, VPS_ERROR, VPS_ERROR_FAILED, "cannot read %s: "
		    "%s", path, g_strerror(errno));
		if (fd != -1)
			close(fd);
		return false;
	}
	if (!S_ISREG(st.st_mode)) {
		g_set_error(err, VPS_ERROR, VPS_ERROR_FAILED, "%s: not a "
		    "regular file", path);
		close(fd);
		return false;
	}
	/*
	 * Writing changes the times: the volume is known by key and path
	 * from here on (see poolvol.h).
	 */
	if ((ok = poolvol_create(p, name, (uint64_t)st.st_size, id, err))) {
		g_clear_pointer(&id->stamp, g_free);
		ok = upload_send(p, name, fd, (uint64_t)st.st_size, err);
	}
	close(fd);
	if (!ok && id->path != NULL)
		(void)poolvol_delete(p, name, id, &removed, NULL);
	if (!ok)
		poolvol_id_clear(id);
	return ok;
}
