/*
 * root-media.c: the CD-ROM of the member's domain: the ISO library
 * (isos), attach_iso, detach_iso, the boot order that goes with them,
 * start's check of what the CD-ROM holds, and the insert and eject that
 * install and its watcher make. Device changes are made from
 * the domain's own XML, edited with libxml2 (domdoc.h), never by pasting
 * strings.
 */
#include <config.h>

#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "domdoc.h"
#include "isolib.h"
#include "lock.h"
#include "root-domain.h"
#include "util.h"
#include "vpsdata.h"

#define XP_OS_BOOT_CDROM	"/domain/os/boot[@dev='cdrom']"
#define XP_OS_BOOT_HD		"/domain/os/boot[@dev='hd']"

/* The <boot order='N'/> of device dev: N, or 0 if it has none. */
static unsigned
boot_order(xmlDoc *doc, xmlNode *dev)
{
	g_autofree char *v = domdoc_get(doc, dev, "boot[1]/@order");
	unsigned long long o;

	if (v == NULL || !vps_parse_uint(v, 1, UINT_MAX, &o, NULL))
		return 0;
	return (unsigned)o;
}

static void
max_order(const char *v, void *arg)
{
	unsigned *max = arg;
	unsigned long long o;

	if (vps_parse_uint(v, 1, UINT_MAX, &o, NULL) && o > *max)
		*max = (unsigned)o;
}

/* A boot order that no device of doc has. */
static unsigned
free_boot_order(xmlDoc *doc)
{
	unsigned max = 0;

	(void)domdoc_each(doc, NULL, "/domain/devices/*/boot[1]/@order",
	    max_order, &max, NULL);
	return max + 1;
}

/*
 * Puts file (NULL: no medium) into the cdrom element disk. libvirt never
 * relabels it (<seclabel model='dac' relabel='no'/> in its <source>, see
 * libvirt's formatdomain documentation): a library ISO stays root's, and
 * whatever the name comes to point at is opened by QEMU as its own user,
 * not handed to it by root. False if out of memory.
 */
static bool
set_cdrom(xmlDoc *doc, xmlNode *disk, const char *file)
{
	xmlNode	*src, *label;

	domdoc_remove(doc, disk, "source | backingStore");
	if (file == NULL)
		return true;
	if ((src = xmlNewChild(disk, NULL, (const xmlChar *)"source",
	    NULL)) == NULL || !domdoc_set_prop(src, "file", file) ||
	    (label = xmlNewChild(src, NULL, (const xmlChar *)"seclabel",
	    NULL)) == NULL)
		return false;
	return domdoc_set_prop(label, "model", "dac") &&
	    domdoc_set_prop(label, "relabel", "no");
}

/*
 * Replaces device dev of the persistent definition by its element in doc,
 * with <boot order='order'/> if it has a <boot> and order is not 0.
 * libvirt swaps the one device under its own lock (virDomainUpdateDevice
 * Flags, VIR_DOMAIN_AFFECT_CONFIG): other changes made meanwhile to the
 * definition, an admin's "virsh edit", stay.
 */
static int
update_config(struct serve_ctx *s, virDomainPtr dom, xmlDoc *doc,
    xmlNode *dev, unsigned order, const char *what, struct reply *r)
{
	xmlNode	*b = domdoc_find(doc, dev, "boot[1]");
	g_autofree char *xml = NULL;
	char	 num[16];

	if (b != NULL && order != 0) {
		(void)snprintf(num, sizeof(num), "%u", order);	/* fits */
		if (!domdoc_set_prop(b, "order", num))
			return reply_fail(r, 1, "%s: out of memory", what);
	}
	if ((xml = domdoc_node_xml(doc, dev)) == NULL)
		return reply_fail(r, 1, "%s: out of memory", what);
	if (virDomainUpdateDeviceFlags(dom, xml, VIR_DOMAIN_AFFECT_CONFIG) < 0)
		return reply_fail(r, 1, "%s: %s", what, domain_errmsg());
	return 0;
}

/*
 * For a domain that orders its boot devices in <os> (<boot dev='cdrom'/>
 * <boot dev='hd'/>), which no device update can change: the definition,
 * read again right now (under the lock), is defined again with the cdrom
 * first or the disk first, if the order must change.
 */
static int
reorder_os_boot(struct serve_ctx *s, virDomainPtr dom, bool cdrom_first,
    const char *what, struct reply *r)
{
	g_autoptr(domdoc) doc = NULL;
	g_autoptr(virDomain) defined = NULL;
	xmlNode	*bc, *bh;
	char	*xml;

	if ((doc = domain_xml(s, dom, VIR_DOMAIN_XML_INACTIVE |
	    VIR_DOMAIN_XML_SECURE, r)) == NULL)
		return r->code;
	if ((bc = domdoc_find(doc, NULL, XP_OS_BOOT_CDROM)) == NULL ||
	    (bh = domdoc_find(doc, NULL, XP_OS_BOOT_HD)) == NULL)
		return 0;
	/* Already in order: the disk's entry after the cdrom's, or not. */
	if (cdrom_first == (domdoc_find(doc, bc,
	    "following-sibling::boot[@dev='hd']") == bh))
		return 0;
	xmlUnlinkNode(cdrom_first ? bc : bh);
	xmlAddPrevSibling(cdrom_first ? bh : bc, cdrom_first ? bc : bh);
	if ((xml = domdoc_format(doc)) == NULL)
		return reply_fail(r, 1, "%s: out of memory", what);
	defined = virDomainDefineXML(s->conn, xml);
	vps_free_secret(xml);		/* holds the SPICE password */
	if (defined == NULL)
		return reply_fail(r, 1, "%s: %s", what, domain_errmsg());
	return 0;
}

/*
 * The persistent definition: file in the cdrom, and the cdrom booting
 * first while it holds one (as create-vps sets it), else the disk; one
 * device update at a time. Per-device boot orders must stay unique after
 * each update, so the device that gives up order 1 first moves aside.
 */
static int
change_media_config(struct serve_ctx *s, virDomainPtr dom, const char *file,
    const char *what, struct reply *r)
{
	g_autoptr(domdoc) doc = NULL;
	xmlNode	*cdrom, *disk, *first, *second;

	if ((doc = domain_xml(s, dom, VIR_DOMAIN_XML_INACTIVE, r)) == NULL)
		return r->code;
	if ((cdrom = domdoc_find(doc, NULL, XP_CDROM)) == NULL)
		return reply_fail(r, 1, "%s: %s has no CD-ROM drive", what,
		    s->vps);
	if (!set_cdrom(doc, cdrom, file))
		return reply_fail(r, 1, "%s: out of memory", what);
	disk = domdoc_find(doc, NULL, XP_DISK);
	if (disk == NULL || (domdoc_find(doc, cdrom, "boot") == NULL &&
	    domdoc_find(doc, disk, "boot") == NULL)) {
		if (update_config(s, dom, doc, cdrom, 0, what, r) != 0 ||
		    disk == NULL)
			return r->code;
		return reorder_os_boot(s, dom, file != NULL, what, r);
	}
	first = file != NULL ? cdrom : disk;
	second = file != NULL ? disk : cdrom;
	if (boot_order(doc, second) == 1 && update_config(s, dom, doc,
	    second, free_boot_order(doc), what, r) != 0)
		return r->code;
	if (update_config(s, dom, doc, first, 1, what, r) != 0)
		return r->code;
	if (second == cdrom || domdoc_find(doc, second, "boot") != NULL)
		(void)update_config(s, dom, doc, second, 2, what, r);
	return r->code;
}

/*
 * The running domain: file in its cdrom, made from the live XML, whose
 * boot order stays what the domain was started with. With force, the
 * tray opens even if the guest locked it (libvirt otherwise asks the
 * guest and gives up after a few seconds).
 */
static int
change_media_live(struct serve_ctx *s, virDomainPtr dom, const char *file,
    bool force, const char *what, struct reply *r)
{
	g_autoptr(domdoc) doc = NULL;
	g_autofree char *xml = NULL;
	xmlNode	*cdrom;

	if ((doc = domain_xml(s, dom, 0, r)) == NULL)
		return r->code;
	if ((cdrom = domdoc_find(doc, NULL, XP_CDROM)) == NULL)
		return reply_fail(r, 1, "%s: %s has no CD-ROM drive", what,
		    s->vps);
	if (!set_cdrom(doc, cdrom, file) ||
	    (xml = domdoc_node_xml(doc, cdrom)) == NULL)
		return reply_fail(r, 1, "%s: out of memory", what);
	if (virDomainUpdateDeviceFlags(dom, xml, VIR_DOMAIN_AFFECT_LIVE |
	    (force ? VIR_DOMAIN_DEVICE_MODIFY_FORCE : 0)) < 0)
		return reply_fail(r, 1, "%s: the definition of %s is changed, "
		    "the running VPS not: %s", what, s->vps, domain_errmsg());
	return 0;
}

/*
 * 1 if the cdrom of the persistent definition holds file, 0 if not, -1
 * with the reply's error set.
 */
static int
cdrom_holds(struct serve_ctx *s, virDomainPtr dom, const char *file,
    struct reply *r)
{
	g_autoptr(domdoc) doc = NULL;
	g_autofree char *cur = NULL;
	xmlNode	*cdrom;

	if ((doc = domain_xml(s, dom, VIR_DOMAIN_XML_INACTIVE, r)) == NULL)
		return -1;
	if ((cdrom = domdoc_find(doc, NULL, XP_CDROM)) == NULL ||
	    (cur = domdoc_get(doc, cdrom, XP_FILE)) == NULL)
		return 0;
	return strcmp(cur, file) == 0;
}

/*
 * Puts file (NULL: no medium) into the cdrom: in the persistent
 * definition (with the boot order), then, when the domain runs, live;
 * with only set, only while the definition's cdrom holds only (else
 * *changed is false and nothing changes); force as change_media_live.
 * Under the lock of create-vps
 * and delete-vps (vpsdata_lock), and only on the domain the server began
 * with, looked up again under the lock: a VPS deleted meanwhile is not
 * defined again.
 */
static int
change_media(struct serve_ctx *s, const char *file, const char *only,
    bool force, bool *changed, const char *what, struct reply *r)
{
	g_autoptr(GError) err = NULL;
	g_autoptr(virDomain) dom = NULL;
	int	 lock, active;

	*changed = false;
	if ((lock = vpsdata_lock(s->cfg->data, &err)) == -1)
		return reply_fail(r, 1, "%s: %s", what, err->message);
	if ((dom = domain_lookup(s, r)) == NULL)
		goto out;
	if (only != NULL && cdrom_holds(s, dom, only, r) != 1)
		goto out;
	if ((active = virDomainIsActive(dom)) < 0)
		reply_fail(r, 1, "%s: %s", what, domain_errmsg());
	else if (change_media_config(s, dom, file, what, r) == 0) {
		*changed = true;
		if (active)
			(void)change_media_live(s, dom, file, force, what, r);
	}
out:
	vps_unlock(lock);
	return r->code;
}

int
media_insert(struct serve_ctx *s, const char *iso, const char *what,
    struct reply *r)
{
	g_autoptr(GError) err = NULL;
	g_autofree char *path = NULL;
	bool	 changed;

	if (!isolib_check(s->cfg->iso_dir, iso, &err)) {
		if (g_error_matches(err, G_FILE_ERROR, G_FILE_ERROR_NOENT))
			return reply_fail(r, 2, "%s: %s: no such ISO in the "
			    "library (see attach_iso)", what, iso);
		return reply_fail(r, 1, "%s: refused: %s", what,
		    err->message);
	}
	path = g_build_filename(s->cfg->iso_dir, iso, NULL);
	return change_media(s, path, NULL, false, &changed, what, r);
}

int
media_eject(struct serve_ctx *s, const char *iso, bool *ejected,
    struct reply *r)
{
	g_autofree char *path = g_build_filename(s->cfg->iso_dir, iso, NULL);

	return change_media(s, NULL, path, true, ejected, "eject", r);
}

/*
 * A library ISO in the cdrom of the definition must still be one that
 * deserves trust (isolib.h), whatever happened to the library since it
 * was attached. A file outside the library is an admin's choice
 * (create-vps ISO with a path). A library ISO attached without
 * <seclabel relabel='no'/> gets it now.
 */
int
media_start_check(struct serve_ctx *s, virDomainPtr dom, struct reply *r)
{
	g_autoptr(domdoc) doc = NULL;
	g_autoptr(GError) err = NULL;
	g_autofree char *file = NULL, *name = NULL;
	xmlNode	*cdrom;
	bool	 changed;

	if ((doc = domain_xml(s, dom, VIR_DOMAIN_XML_INACTIVE, r)) == NULL)
		return r->code;
	if ((cdrom = domdoc_find(doc, NULL, XP_CDROM)) == NULL ||
	    (file = domdoc_get(doc, cdrom, XP_FILE)) == NULL ||
	    (name = isolib_name_of(s->cfg->iso_dir, file)) == NULL)
		return 0;
	if (!isolib_check(s->cfg->iso_dir, name, &err))
		return reply_fail(r, 1, "start: refused: %s (attached to %s); "
		    "detach_iso or attach another ISO, or ask an admin",
		    err->message, s->vps);
	/* Attached by an older version: never to be relabelled from now. */
	if (domdoc_find(doc, cdrom,
	    "source[1]/seclabel[@relabel='no']") == NULL)
		return change_media(s, file, NULL, false, &changed, "start",
		    r);
	return 0;
}

int
dom_isos(struct serve_ctx *s, const struct domain_verb *dv,
    virDomainPtr dom, const char *arg, struct reply *r)
{
	g_autoptr(GPtrArray) isos = NULL;
	g_autoptr(GError) err = NULL;
	guint	 i;

	if ((isos = isolib_list(s->cfg->iso_dir, NULL, &err)) == NULL)
		return reply_fail(r, 1, "%s", err->message);
	for (i = 0; i < isos->len; i++)
		reply_line(r, "%s", (const char *)g_ptr_array_index(isos, i));
	return 0;
}

int
dom_attach_iso(struct serve_ctx *s, const struct domain_verb *dv,
    virDomainPtr dom, const char *arg, struct reply *r)
{
	if (media_insert(s, arg, "attach_iso", r) != 0)
		return r->code;
	reply_line(r, "Successfully inserted media.");
	return 0;
}

int
dom_detach_iso(struct serve_ctx *s, const struct domain_verb *dv,
    virDomainPtr dom, const char *arg, struct reply *r)
{
	g_autoptr(domdoc) doc = NULL;
	g_autofree char *file = NULL;
	xmlNode	*cdrom;
	bool	 changed;

	if ((doc = domain_xml(s, dom, 0, r)) == NULL)
		return r->code;
	if ((cdrom = domdoc_find(doc, NULL, XP_CDROM)) == NULL)
		return reply_fail(r, 1, "detach_iso: %s has no CD-ROM drive",
		    s->vps);
	file = domdoc_get(doc, cdrom, XP_FILE);
	if (file == NULL)
		return reply_fail(r, 1, "detach_iso: no ISO is attached to %s",
		    s->vps);
	if (change_media(s, NULL, NULL, false, &changed, "detach_iso",
	    r) != 0)
		return r->code;
	reply_line(r, "Successfully ejected media.");
	return 0;
}
