/*
 * domain.c: what each server verb does to the member's domain, through
 * the libvirt API over the server's one connection. Device changes are
 * made from the domain's own XML, edited with libxml2, never by pasting
 * strings. Messages follow virsh's ("Domain X started").
 */
#include <config.h>

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "domain.h"
#include "fileio.h"
#include "isolib.h"
#include "lock.h"
#include "names.h"
#include "random.h"
#include "ticket.h"
#include "util.h"
#include "vpsdata.h"

#define TICKET_LEN	24	/* characters of a console password */
#define DOMAIN_GONE	"%s: the VPS was deleted or replaced; log in again"

G_DEFINE_AUTOPTR_CLEANUP_FUNC(xmlDoc, xmlFreeDoc)

void
reply_line(struct reply *r, const char *fmt, ...)
{
	char	 text[PROTO_LINE_MAX], line[PROTO_LINE_MAX + 2];
	va_list	 ap;

	if (r->nlines >= PROTO_REPLY_MAX)
		return;
	va_start(ap, fmt);
	/* Cut to one protocol line, as the protocol requires. */
	(void)vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	proto_format_data(line, sizeof(line), text);
	g_string_append(r->out, line);
	r->nlines++;
	explicit_bzero(text, sizeof(text));
	explicit_bzero(line, sizeof(line));
}

int
reply_fail(struct reply *r, int code, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	(void)vsnprintf(r->msg, sizeof(r->msg), fmt, ap);	/* cut to fit */
	va_end(ap);
	r->code = code;
	return code;
}

/*
 * libvirt's last error as one printable line: QEMU's reason for not
 * starting is often several lines of its log (a CPU it cannot run, KVM
 * it cannot open), and the member should read all of it.
 */
const char *
domain_errmsg(void)
{
	static char buf[PROTO_LINE_MAX];
	const char *m = virGetLastErrorMessage();
	g_autofree char *line = vps_one_line(m != NULL ? m :
	    "unknown libvirt error");

	(void)g_strlcpy(buf, line, sizeof(buf));	/* cut to fit */
	return buf;
}

/*
 * Whether the error of a lookup by UUID says that there is no such
 * domain (as opposed to a dead connection, which serve.c retries).
 */
static bool
no_such_domain(void)
{
	virErrorPtr e = virGetLastError();

	return e != NULL && e->code == VIR_ERR_NO_DOMAIN;
}

virDomainPtr
domain_lookup(struct serve_ctx *s, struct reply *r)
{
	virDomainPtr dom;
	const char *name;

	if (!s->uuid_known) {
		if ((dom = virDomainLookupByName(s->conn, s->vps)) == NULL) {
			reply_fail(r, 1, "%s: %s", s->vps, domain_errmsg());
			return NULL;
		}
		if (virDomainGetUUID(dom, s->uuid) < 0) {
			reply_fail(r, 1, "%s: %s", s->vps, domain_errmsg());
			virDomainFree(dom);
			return NULL;
		}
		s->uuid_known = true;
		return dom;
	}
	if ((dom = virDomainLookupByUUID(s->conn, s->uuid)) == NULL) {
		if (no_such_domain())
			reply_fail(r, 1, DOMAIN_GONE, s->vps);
		else
			reply_fail(r, 1, "%s: %s", s->vps, domain_errmsg());
		return NULL;
	}
	if ((name = virDomainGetName(dom)) == NULL ||
	    strcmp(name, s->vps) != 0) {
		reply_fail(r, 1, DOMAIN_GONE, s->vps);
		virDomainFree(dom);
		return NULL;
	}
	return dom;
}

/* ---- the domain's XML */

static xmlDocPtr
domain_xml(struct serve_ctx *s, virDomainPtr dom, unsigned flags,
    struct reply *r)
{
	xmlDocPtr doc;
	char	*xml;

	if ((xml = virDomainGetXMLDesc(dom, flags)) == NULL) {
		reply_fail(r, 1, "cannot read the definition of %s: %s",
		    s->vps, domain_errmsg());
		return NULL;
	}
	doc = xmlReadMemory(xml, (int)strlen(xml), "domain.xml", NULL,
	    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	explicit_bzero(xml, strlen(xml));	/* may hold a SPICE password */
	free(xml);
	if (doc == NULL || xmlDocGetRootElement(doc) == NULL) {
		reply_fail(r, 1, "cannot parse the definition of %s", s->vps);
		xmlFreeDoc(doc);
		return NULL;
	}
	return doc;
}

static bool
node_is(xmlNodePtr n, const char *name)
{
	return n->type == XML_ELEMENT_NODE &&
	    xmlStrcmp(n->name, (const xmlChar *)name) == 0;
}

/* True if element n has attribute attr equal to value. */
static bool
attr_is(xmlNodePtr n, const char *attr, const char *value)
{
	xmlChar	*v = xmlGetProp(n, (const xmlChar *)attr);
	bool	 eq = v != NULL && xmlStrcmp(v, (const xmlChar *)value) == 0;

	xmlFree(v);
	return eq;
}

/* Sets attribute name of element n; false if out of memory. */
static bool
set_prop(xmlNodePtr n, const char *name, const char *value)
{
	return xmlSetProp(n, (const xmlChar *)name,
	    (const xmlChar *)value) != NULL;
}

/* The first <devices>/<elem attr='value'> of the domain, or NULL. */
static xmlNodePtr
find_device(xmlDocPtr doc, const char *elem, const char *attr,
    const char *value)
{
	xmlNodePtr devs, d;

	for (devs = xmlDocGetRootElement(doc)->children; devs != NULL;
	    devs = devs->next) {
		if (!node_is(devs, "devices"))
			continue;
		for (d = devs->children; d != NULL; d = d->next) {
			if (node_is(d, elem) && attr_is(d, attr, value))
				return d;
		}
	}
	return NULL;
}

/* The file of the cdrom's <source>, or NULL if it has none. */
static char *
cdrom_file(xmlNodePtr disk)
{
	xmlNodePtr n;
	xmlChar	*f;
	char	*file = NULL;

	for (n = disk->children; n != NULL; n = n->next) {
		if (!node_is(n, "source"))
			continue;
		if ((f = xmlGetProp(n, (const xmlChar *)"file")) != NULL) {
			file = g_strdup((const char *)f);
			xmlFree(f);
		}
		break;
	}
	return file;
}

/* The XML text of one element, for virDomainUpdateDeviceFlags. */
static char *
node_string(xmlDocPtr doc, xmlNodePtr node)
{
	xmlBufferPtr buf = xmlBufferCreate();
	char	*s = NULL;

	if (buf == NULL)
		return NULL;
	if (xmlNodeDump(buf, doc, node, 0, 0) > 0)
		s = g_strdup((const char *)xmlBufferContent(buf));
	explicit_bzero(buf->content, buf->use);
	xmlBufferFree(buf);
	return s;
}

/* ---- helpers of the verbs */

/* 1 if running, 0 if not (with the reply's error set), -1 on error. */
static int
require_running(struct serve_ctx *s, virDomainPtr dom, struct reply *r,
    const char *what, const char *hint)
{
	int	 active = virDomainIsActive(dom);

	if (active < 0) {
		reply_fail(r, 1, "%s: %s", what, domain_errmsg());
		return -1;
	}
	if (active == 0)
		reply_fail(r, 1, "%s: %s is not running%s", what, s->vps, hint);
	return active;
}

static const char *
state_name(unsigned char state)
{
	static const char *const names[] = {
		[VIR_DOMAIN_NOSTATE] = "no state",
		[VIR_DOMAIN_RUNNING] = "running",
		[VIR_DOMAIN_BLOCKED] = "idle",
		[VIR_DOMAIN_PAUSED] = "paused",
		[VIR_DOMAIN_SHUTDOWN] = "in shutdown",
		[VIR_DOMAIN_SHUTOFF] = "shut off",
		[VIR_DOMAIN_CRASHED] = "crashed",
		[VIR_DOMAIN_PMSUSPENDED] = "pmsuspended",
	};

	if (state >= G_N_ELEMENTS(names) || names[state] == NULL)
		return "unknown";
	return names[state];
}

/* The first child element of n called name, or NULL. */
static xmlNodePtr
child(xmlNodePtr n, const char *name)
{
	for (n = n->children; n != NULL; n = n->next) {
		if (node_is(n, name))
			return n;
	}
	return NULL;
}

/* True if sibling a comes after sibling b. */
static bool
comes_after(const xmlNode *a, xmlNodePtr b)
{
	for (; b != NULL; b = b->next) {
		if (b == a)
			return true;
	}
	return false;
}

/* The <boot order='N'/> of device n: N, or 0 if it has none. */
static unsigned
boot_order(xmlNodePtr n)
{
	xmlNodePtr b = child(n, "boot");
	xmlChar	*v;
	unsigned long long o = 0;

	if (b == NULL || (v = xmlGetProp(b, (const xmlChar *)"order")) == NULL)
		return 0;
	if (!vps_parse_uint((const char *)v, 1, UINT_MAX, &o, NULL))
		o = 0;
	xmlFree(v);
	return (unsigned)o;
}

/* A boot order that no device of doc has. */
static unsigned
free_boot_order(xmlDocPtr doc)
{
	xmlNodePtr devs, d;
	unsigned max = 0;

	for (devs = xmlDocGetRootElement(doc)->children; devs != NULL;
	    devs = devs->next) {
		if (!node_is(devs, "devices"))
			continue;
		for (d = devs->children; d != NULL; d = d->next) {
			if (d->type == XML_ELEMENT_NODE)
				max = MAX(max, boot_order(d));
		}
	}
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
set_cdrom(xmlNodePtr disk, const char *file)
{
	xmlNodePtr n, next, src, label;

	for (n = disk->children; n != NULL; n = next) {
		next = n->next;
		if (node_is(n, "source") || node_is(n, "backingStore")) {
			xmlUnlinkNode(n);
			xmlFreeNode(n);
		}
	}
	if (file == NULL)
		return true;
	if ((src = xmlNewChild(disk, NULL, (const xmlChar *)"source",
	    NULL)) == NULL || !set_prop(src, "file", file) ||
	    (label = xmlNewChild(src, NULL, (const xmlChar *)"seclabel",
	    NULL)) == NULL)
		return false;
	return set_prop(label, "model", "dac") &&
	    set_prop(label, "relabel", "no");
}

/*
 * Replaces device dev of the persistent definition by its element in doc,
 * with <boot order='order'/> if it has a <boot> and order is not 0.
 * libvirt swaps the one device under its own lock (virDomainUpdateDevice
 * Flags, VIR_DOMAIN_AFFECT_CONFIG): other changes made meanwhile to the
 * definition, an admin's "virsh edit", stay.
 */
static int
update_config(struct serve_ctx *s, virDomainPtr dom, xmlDocPtr doc,
    xmlNodePtr dev, unsigned order, const char *what, struct reply *r)
{
	xmlNodePtr b = child(dev, "boot");
	g_autofree char *xml = NULL;
	char	 num[16];

	if (b != NULL && order != 0) {
		(void)snprintf(num, sizeof(num), "%u", order);	/* fits */
		if (!set_prop(b, "order", num))
			return reply_fail(r, 1, "%s: out of memory", what);
	}
	if ((xml = node_string(doc, dev)) == NULL)
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
	g_autoptr(xmlDoc) doc = NULL;
	g_autoptr(virDomain) defined = NULL;
	xmlNodePtr os, n, bc = NULL, bh = NULL;
	xmlChar	*xml = NULL;
	int	 len = 0;

	if ((doc = domain_xml(s, dom, VIR_DOMAIN_XML_INACTIVE |
	    VIR_DOMAIN_XML_SECURE, r)) == NULL)
		return r->code;
	if ((os = child(xmlDocGetRootElement(doc), "os")) == NULL)
		return 0;
	for (n = os->children; n != NULL; n = n->next) {
		if (node_is(n, "boot") && attr_is(n, "dev", "cdrom"))
			bc = n;
		else if (node_is(n, "boot") && attr_is(n, "dev", "hd"))
			bh = n;
	}
	if (bc == NULL || bh == NULL || cdrom_first == comes_after(bh, bc))
		return 0;
	xmlUnlinkNode(cdrom_first ? bc : bh);
	xmlAddPrevSibling(cdrom_first ? bh : bc, cdrom_first ? bc : bh);
	xmlDocDumpMemory(doc, &xml, &len);
	if (xml == NULL)
		return reply_fail(r, 1, "%s: out of memory", what);
	defined = virDomainDefineXML(s->conn, (const char *)xml);
	explicit_bzero(xml, (size_t)len);	/* holds the SPICE password */
	xmlFree(xml);
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
	g_autoptr(xmlDoc) doc = NULL;
	xmlNodePtr cdrom, disk, first, second;

	if ((doc = domain_xml(s, dom, VIR_DOMAIN_XML_INACTIVE, r)) == NULL)
		return r->code;
	if ((cdrom = find_device(doc, "disk", "device", "cdrom")) == NULL)
		return reply_fail(r, 1, "%s: %s has no CD-ROM drive", what,
		    s->vps);
	if (!set_cdrom(cdrom, file))
		return reply_fail(r, 1, "%s: out of memory", what);
	disk = find_device(doc, "disk", "device", "disk");
	if (disk == NULL || (child(cdrom, "boot") == NULL &&
	    child(disk, "boot") == NULL)) {
		if (update_config(s, dom, doc, cdrom, 0, what, r) != 0 ||
		    disk == NULL)
			return r->code;
		return reorder_os_boot(s, dom, file != NULL, what, r);
	}
	first = file != NULL ? cdrom : disk;
	second = file != NULL ? disk : cdrom;
	if (boot_order(second) == 1 && update_config(s, dom, doc, second,
	    free_boot_order(doc), what, r) != 0)
		return r->code;
	if (update_config(s, dom, doc, first, 1, what, r) != 0)
		return r->code;
	if (second == cdrom || child(second, "boot") != NULL)
		(void)update_config(s, dom, doc, second, 2, what, r);
	return r->code;
}

/*
 * The running domain: file in its cdrom, made from the live XML, whose
 * boot order stays what the domain was started with.
 */
static int
change_media_live(struct serve_ctx *s, virDomainPtr dom, const char *file,
    const char *what, struct reply *r)
{
	g_autoptr(xmlDoc) doc = NULL;
	g_autofree char *xml = NULL;
	xmlNodePtr disk;

	if ((doc = domain_xml(s, dom, 0, r)) == NULL)
		return r->code;
	if ((disk = find_device(doc, "disk", "device", "cdrom")) == NULL)
		return reply_fail(r, 1, "%s: %s has no CD-ROM drive", what,
		    s->vps);
	if (!set_cdrom(disk, file) || (xml = node_string(doc, disk)) == NULL)
		return reply_fail(r, 1, "%s: out of memory", what);
	if (virDomainUpdateDeviceFlags(dom, xml, VIR_DOMAIN_AFFECT_LIVE) < 0)
		return reply_fail(r, 1, "%s: the definition of %s is changed, "
		    "the running VPS not: %s", what, s->vps, domain_errmsg());
	return 0;
}

/*
 * Puts file (NULL: no medium) into the cdrom: in the persistent
 * definition (with the boot order), then, when the domain runs, live.
 * Under the lock of create-vps and delete-vps (vpsdata_lock), and only
 * on the domain the server began with, looked up again under the lock:
 * a VPS deleted meanwhile is not defined again.
 */
static int
change_media(struct serve_ctx *s, const char *file, const char *what,
    struct reply *r)
{
	g_autoptr(GError) err = NULL;
	g_autoptr(virDomain) dom = NULL;
	int	 lock, active;

	if ((lock = vpsdata_lock(s->cfg->data, &err)) == -1)
		return reply_fail(r, 1, "%s: %s", what, err->message);
	if ((dom = domain_lookup(s, r)) == NULL)
		goto out;
	if ((active = virDomainIsActive(dom)) < 0)
		reply_fail(r, 1, "%s: %s", what, domain_errmsg());
	else if (change_media_config(s, dom, file, what, r) == 0 && active)
		(void)change_media_live(s, dom, file, what, r);
out:
	vps_unlock(lock);
	return r->code;
}

/* ---- the verbs */

/* status, which is also the first lines of info. */
static int
dom_status(struct serve_ctx *s, const struct domain_verb *dv,
    virDomainPtr dom, const char *arg, struct reply *r)
{
	g_autoptr(xmlDoc) doc = NULL;
	g_autofree char *iso = NULL, *base = NULL;
	virDomainInfo info;
	xmlNodePtr disk;
	int	 autostart;

	if (virDomainGetInfo(dom, &info) < 0 ||
	    virDomainGetAutostart(dom, &autostart) < 0)
		return reply_fail(r, 1, "%s: %s", proto_verb_name(dv->verb),
		    domain_errmsg());
	if ((doc = domain_xml(s, dom, 0, r)) == NULL)
		return r->code;
	if ((disk = find_device(doc, "disk", "device", "cdrom")) != NULL &&
	    (iso = cdrom_file(disk)) != NULL)
		base = g_path_get_basename(iso);
	reply_line(r, "%-15s %s", "Name:", s->vps);
	reply_line(r, "%-15s %s", "State:", state_name(info.state));
	reply_line(r, "%-15s %u", "CPU(s):", info.nrVirtCpu);
	reply_line(r, "%-15s %lu KiB", "Max memory:", info.maxMem);
	reply_line(r, "%-15s %s", "Autostart:",
	    autostart ? "enable" : "disable");
	reply_line(r, "%-15s %s", "ISO:", disk == NULL ? "(no CD-ROM drive)" :
	    base != NULL ? base : "(none)");
	return 0;
}

/* The attribute attr of element n, as a string to g_free, or NULL. */
static char *
prop(xmlNodePtr n, const char *attr)
{
	xmlChar	*v = xmlGetProp(n, (const xmlChar *)attr);
	char	*copy = v != NULL ? g_strdup((const char *)v) : NULL;

	xmlFree(v);
	return copy;
}

/* The size of the VPS's first disk device (its target), for info. */
static char *
info_disk(virDomainPtr dom, xmlDocPtr doc)
{
	xmlNodePtr disk = find_device(doc, "disk", "device", "disk");
	xmlNodePtr target = disk != NULL ? child(disk, "target") : NULL;
	g_autofree char *dev = target != NULL ? prop(target, "dev") : NULL;
	static const char *const units[] = { "KiB", "MiB", "GiB", "TiB" };
	virDomainBlockInfo bi;
	double	 size;
	size_t	 u;

	if (disk == NULL)
		return g_strdup("(no disk)");
	if (dev == NULL || virDomainGetBlockInfo(dom, dev, &bi, 0) < 0)
		return g_strdup("(unknown)");
	/* Not g_format_size: its blank is U+00A0, not ASCII. */
	size = (double)bi.capacity / 1024;
	for (u = 0; u + 1 < G_N_ELEMENTS(units) && size >= 1024; u++)
		size /= 1024;
	return g_strdup_printf("%.1f %s (%llu bytes)", size, units[u],
	    bi.capacity);
}

/* The MAC addresses of the VPS's network interfaces, for info. */
static char *
info_macs(xmlDocPtr doc)
{
	GString	*macs = g_string_new(NULL);
	xmlNodePtr devs, d, mac;

	for (devs = xmlDocGetRootElement(doc)->children; devs != NULL;
	    devs = devs->next) {
		if (!node_is(devs, "devices"))
			continue;
		for (d = devs->children; d != NULL; d = d->next) {
			g_autofree char *addr = NULL;

			if (!node_is(d, "interface") ||
			    (mac = child(d, "mac")) == NULL ||
			    (addr = prop(mac, "address")) == NULL)
				continue;
			g_string_append_printf(macs, "%s%s",
			    macs->len > 0 ? ", " : "", addr);
		}
	}
	if (macs->len == 0)
		g_string_append(macs, "(no network interface)");
	return g_string_free(macs, FALSE);
}

/* The SPICE port of the definition (live while running), for info. */
static char *
info_spice(xmlDocPtr doc)
{
	xmlNodePtr gfx = find_device(doc, "graphics", "type", "spice");
	g_autofree char *port = gfx != NULL ? prop(gfx, "port") : NULL;
	unsigned long long n;

	if (gfx == NULL)
		return g_strdup("(no SPICE display)");
	if (port == NULL || !vps_parse_uint(port, 1, 65535, &n, NULL))
		return g_strdup("(chosen at start)");
	return g_strdup_printf("%llu", n);
}

/*
 * Where libvirt's system QEMU driver keeps the pid file NAME.pid of a
 * running domain (libvirt's QEMU driver documentation, "drvqemu").
 */
#define QEMU_STATE_DIR	"/run/libvirt/qemu"
#define PROC_MAX	65536	/* bytes of /proc/PID/stat or cmdline */

/* True if QEMU's argv (cmdline[len], NUL-separated) has -uuid uuid. */
static bool
qemu_has_uuid(const char *cmdline, size_t len, const char *uuid)
{
	const char *a, *end = cmdline + len;

	for (a = cmdline; a < end; a += strlen(a) + 1) {
		if (strcmp(a, "-uuid") == 0 && a + strlen(a) + 1 < end)
			return strcmp(a + strlen(a) + 1, uuid) == 0;
	}
	return false;
}

/*
 * Seconds since the QEMU process of the running domain started: libvirt
 * has no start time of a domain, so its pid file names the process,
 * whose /proc/PID/stat has its start in clock ticks since boot (proc(5),
 * field 22). The process counts only if its argv has the domain's UUID
 * (read after stat: a pid reused meanwhile is not taken for it). False
 * if any of it is missing: another driver or URI, another process.
 */
static bool
qemu_uptime(struct serve_ctx *s, virDomainPtr dom, unsigned long long *secs)
{
	g_autofree char *pidfile = NULL, *pidtext = NULL, *path = NULL,
	    *stattext = NULL, *cmdline = NULL;
	g_auto(GStrv) fields = NULL;
	char	 uuid[VIR_UUID_STRING_BUFLEN];
	unsigned long long pid, start;
	const char *p;
	struct timespec now;
	size_t	 len;
	long	 hz = sysconf(_SC_CLK_TCK);

	pidfile = g_strdup_printf("%s/%s.pid", QEMU_STATE_DIR, s->vps);
	if (!vps_read_trusted_file(pidfile, 32, &pidtext, &len, NULL))
		return false;
	g_strchomp(pidtext);
	if (!vps_parse_uint(pidtext, 2, INT_MAX, &pid, NULL))
		return false;
	path = g_strdup_printf("/proc/%llu/stat", pid);
	if (!vps_read_file(path, PROC_MAX, &stattext, &len, NULL) ||
	    (p = strrchr(stattext, ')')) == NULL)
		return false;
	fields = g_strsplit(p + 1, " ", 0);	/* "", state, ppid, ... */
	if (g_strv_length(fields) < 21 ||
	    !vps_parse_uint(fields[20], 0, ULLONG_MAX, &start, NULL))
		return false;
	g_free(path);
	path = g_strdup_printf("/proc/%llu/cmdline", pid);
	if (!vps_read_file(path, PROC_MAX, &cmdline, &len, NULL) ||
	    virDomainGetUUIDString(dom, uuid) < 0 ||
	    !qemu_has_uuid(cmdline, len, uuid) || hz <= 0 ||
	    clock_gettime(CLOCK_BOOTTIME, &now) < 0 ||
	    (unsigned long long)now.tv_sec < start / (unsigned long long)hz)
		return false;
	*secs = (unsigned long long)now.tv_sec - start / (unsigned long long)hz;
	return true;
}

/*
 * info: what status says, then the disk size, MAC addresses and SPICE
 * port of the definition and, while it runs, for how long. Only the
 * VPS's own facts: no path, no other domain, nothing of the host.
 */
static int
dom_info(struct serve_ctx *s, const struct domain_verb *dv,
    virDomainPtr dom, const char *arg, struct reply *r)
{
	g_autoptr(xmlDoc) doc = NULL;
	g_autofree char *disk = NULL, *macs = NULL, *spice = NULL;
	unsigned long long up;
	int	 active;

	if (dom_status(s, dv, dom, arg, r) != 0)
		return r->code;
	if ((active = virDomainIsActive(dom)) < 0)
		return reply_fail(r, 1, "info: %s", domain_errmsg());
	if ((doc = domain_xml(s, dom, 0, r)) == NULL)
		return r->code;
	disk = info_disk(dom, doc);
	macs = info_macs(doc);
	spice = info_spice(doc);
	reply_line(r, "%-15s %s", "Disk size:", disk);
	reply_line(r, "%-15s %s", "MAC:", macs);
	reply_line(r, "%-15s %s", "SPICE port:", spice);
	if (!active)
		return 0;
	if (qemu_uptime(s, dom, &up))
		reply_line(r, "%-15s %llu day%s, %02llu:%02llu:%02llu",
		    "Uptime:", up / 86400, up / 86400 == 1 ? "" : "s",
		    up / 3600 % 24, up / 60 % 60, up % 60);
	else
		reply_line(r, "%-15s %s", "Uptime:", "(unknown)");
	return 0;
}

/* Whether the cdrom disk's <source> has <seclabel relabel='no'/>. */
static bool
source_norelabel(xmlNodePtr disk)
{
	xmlNodePtr src = child(disk, "source"), n;

	for (n = src != NULL ? src->children : NULL; n != NULL; n = n->next) {
		if (node_is(n, "seclabel") && attr_is(n, "relabel", "no"))
			return true;
	}
	return false;
}

/*
 * Whether the cdrom of the definition may be started with: a library ISO
 * in it must still be one that deserves trust (isolib.h), whatever
 * happened to the library since it was attached. A file outside the
 * library is an admin's choice (create-vps ISO with a path). A library
 * ISO attached without <seclabel relabel='no'/> gets it now.
 */
static int
start_iso_ok(struct serve_ctx *s, virDomainPtr dom, struct reply *r)
{
	g_autoptr(xmlDoc) doc = NULL;
	g_autoptr(GError) err = NULL;
	g_autofree char *file = NULL, *name = NULL;
	xmlNodePtr disk;

	if ((doc = domain_xml(s, dom, VIR_DOMAIN_XML_INACTIVE, r)) == NULL)
		return r->code;
	if ((disk = find_device(doc, "disk", "device", "cdrom")) == NULL ||
	    (file = cdrom_file(disk)) == NULL ||
	    (name = isolib_name_of(s->cfg->iso_dir, file)) == NULL)
		return 0;
	if (!isolib_check(s->cfg->iso_dir, name, &err))
		return reply_fail(r, 1, "start: refused: %s (attached to %s); "
		    "detach_iso or attach another ISO, or ask an admin",
		    err->message, s->vps);
	/* Attached by an older version: never to be relabelled from now. */
	if (!source_norelabel(disk))
		return change_media(s, file, "start", r);
	return 0;
}

static int
dom_start(struct serve_ctx *s, const struct domain_verb *dv,
    virDomainPtr dom, const char *arg, struct reply *r)
{
	int	 active = virDomainIsActive(dom);

	if (active < 0)
		return reply_fail(r, 1, "start: %s", domain_errmsg());
	if (active)
		return reply_fail(r, 1, "start: %s is already running", s->vps);
	if (start_iso_ok(s, dom, r) != 0)
		return r->code;
	if (virDomainCreate(dom) < 0)
		return reply_fail(r, 1, "start: %s", domain_errmsg());
	reply_line(r, "Domain %s started", s->vps);
	return 0;
}

/*
 * shutdown, reboot, reset, poweroff on the running domain: rc is what
 * the libvirt call returned, done what happened.
 */
static int
power_done(struct serve_ctx *s, const struct domain_verb *dv, int rc,
    const char *done, struct reply *r)
{
	if (rc < 0)
		return reply_fail(r, 1, "%s: %s", proto_verb_name(dv->verb),
		    domain_errmsg());
	reply_line(r, "Domain %s %s", s->vps, done);
	return 0;
}

static int
dom_shutdown(struct serve_ctx *s, const struct domain_verb *dv,
    virDomainPtr dom, const char *arg, struct reply *r)
{
	return power_done(s, dv, virDomainShutdownFlags(dom,
	    VIR_DOMAIN_SHUTDOWN_ACPI_POWER_BTN), "is being shutdown", r);
}

static int
dom_reboot(struct serve_ctx *s, const struct domain_verb *dv,
    virDomainPtr dom, const char *arg, struct reply *r)
{
	return power_done(s, dv, virDomainReboot(dom,
	    VIR_DOMAIN_REBOOT_ACPI_POWER_BTN), "is being rebooted", r);
}

static int
dom_reset(struct serve_ctx *s, const struct domain_verb *dv,
    virDomainPtr dom, const char *arg, struct reply *r)
{
	return power_done(s, dv, virDomainReset(dom, 0), "was reset", r);
}

static int
dom_poweroff(struct serve_ctx *s, const struct domain_verb *dv,
    virDomainPtr dom, const char *arg, struct reply *r)
{
	return power_done(s, dv, virDomainDestroy(dom), "destroyed", r);
}

static int
dom_autostart(struct serve_ctx *s, const struct domain_verb *dv,
    virDomainPtr dom, const char *arg, struct reply *r)
{
	int	 cur, want;

	if (virDomainGetAutostart(dom, &cur) < 0)
		return reply_fail(r, 1, "autostart: %s", domain_errmsg());
	want = arg[0] == '\0' ? !cur : strcmp(arg, "on") == 0;
	if (virDomainSetAutostart(dom, want) < 0)
		return reply_fail(r, 1, "autostart: %s", domain_errmsg());
	reply_line(r, "Domain %s %s as autostarted", s->vps,
	    want ? "marked" : "unmarked");
	return 0;
}

static int
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

static int
dom_attach_iso(struct serve_ctx *s, const struct domain_verb *dv,
    virDomainPtr dom, const char *arg, struct reply *r)
{
	g_autoptr(GError) err = NULL;
	g_autofree char *path = NULL;

	if (!isolib_check(s->cfg->iso_dir, arg, &err)) {
		if (g_error_matches(err, G_FILE_ERROR, G_FILE_ERROR_NOENT))
			return reply_fail(r, 2, "attach_iso: %s: no such ISO "
			    "in the library (see attach_iso)", arg);
		return reply_fail(r, 1, "attach_iso: refused: %s",
		    err->message);
	}
	path = g_build_filename(s->cfg->iso_dir, arg, NULL);
	if (change_media(s, path, "attach_iso", r) != 0)
		return r->code;
	reply_line(r, "Successfully inserted media.");
	return 0;
}

static int
dom_detach_iso(struct serve_ctx *s, const struct domain_verb *dv,
    virDomainPtr dom, const char *arg, struct reply *r)
{
	g_autoptr(xmlDoc) doc = NULL;
	g_autofree char *file = NULL;
	xmlNodePtr disk;

	if ((doc = domain_xml(s, dom, 0, r)) == NULL)
		return r->code;
	if ((disk = find_device(doc, "disk", "device", "cdrom")) == NULL)
		return reply_fail(r, 1, "detach_iso: %s has no CD-ROM drive",
		    s->vps);
	file = cdrom_file(disk);
	if (file == NULL)
		return reply_fail(r, 1, "detach_iso: no ISO is attached to %s",
		    s->vps);
	if (change_media(s, NULL, "detach_iso", r) != 0)
		return r->code;
	reply_line(r, "Successfully ejected media.");
	return 0;
}

/* Prints the ticket: where to connect, with what, until when. */
static void
console_reply(struct serve_ctx *s, struct reply *r, unsigned port,
    const char *passwd, time_t until)
{
	char	 expiry[64];
	struct tm tm;

	localtime_r(&until, &tm);
	if (strftime(expiry, sizeof(expiry), "%Y-%m-%d %H:%M:%S %Z", &tm) == 0)
		expiry[0] = '\0';	/* contents undefined otherwise */
	reply_line(r, "Console ticket for %s (one-time password, unused it "
	    "expires in %u minute%s):", s->vps, s->cfg->ticket_minutes,
	    s->cfg->ticket_minutes == 1 ? "" : "s");
	reply_line(r, "  host:     127.0.0.1");
	reply_line(r, "  port:     %u", port);
	reply_line(r, "  password: %s", passwd);
	reply_line(r, "  expires:  %s", expiry);
	reply_line(r, "One-time: %u seconds after the first SPICE client has "
	    "connected with this", TICKET_WINDOW_SEC);
	reply_line(r, "password (time to open all of its channels), it admits "
	    "no new connection;");
	reply_line(r, "that client keeps its session. Unused, it expires at "
	    "%s.", expiry);
	reply_line(r, "A new ticket ends this one.");
	reply_line(r, "Open the tunnel:  ssh -N -L %u:127.0.0.1:%u %s@%s",
	    port, port, s->member, g_get_host_name());
	reply_line(r, "Then connect to:  spice://127.0.0.1:%u", port);
}

/*
 * Sets passwd and passwdValidTo on the live SPICE display; connected
 * clients keep their session.
 */
static int
console_set(struct serve_ctx *s, virDomainPtr dom, xmlDocPtr doc,
    xmlNodePtr gfx, const char *passwd, time_t until, struct reply *r)
{
	char	 validto[32];
	struct tm tm;
	char	*xml;
	int	 rc;

	gmtime_r(&until, &tm);
	if (strftime(validto, sizeof(validto), "%Y-%m-%dT%H:%M:%S", &tm) == 0)
		return reply_fail(r, 1, "console: cannot format %lld as a time",
		    (long long)until);
	/* All three or no update: without passwd, libvirt sets none. */
	if (!set_prop(gfx, "passwd", passwd) ||
	    !set_prop(gfx, "passwdValidTo", validto) ||
	    !set_prop(gfx, "connected", "keep") ||
	    (xml = node_string(doc, gfx)) == NULL)
		return reply_fail(r, 1, "console: out of memory");
	rc = virDomainUpdateDeviceFlags(dom, xml, VIR_DOMAIN_AFFECT_LIVE);
	vps_free_secret(xml);
	if (rc < 0)
		return reply_fail(r, 1, "console: %s", domain_errmsg());
	return 0;
}

static int
dom_console(struct serve_ctx *s, const struct domain_verb *dv,
    virDomainPtr dom, const char *arg, struct reply *r)
{
	g_autoptr(xmlDoc) doc = NULL;
	g_autoptr(GError) err = NULL;
	char	 passwd[TICKET_LEN + 1];
	struct ticket *t;
	unsigned long long port;
	xmlNodePtr gfx;
	xmlChar	*p;
	time_t	 until;
	bool	 ok;

	if ((doc = domain_xml(s, dom, 0, r)) == NULL)
		return r->code;
	if ((gfx = find_device(doc, "graphics", "type", "spice")) == NULL)
		return reply_fail(r, 1, "console: %s has no SPICE display",
		    s->vps);
	p = xmlGetProp(gfx, (const xmlChar *)"port");
	ok = p != NULL && vps_parse_uint((const char *)p, 1, 65535, &port,
	    NULL);
	xmlFree(p);
	if (!ok)
		return reply_fail(r, 1, "console: %s has no SPICE port",
		    s->vps);
	if (!vps_random_password(passwd, TICKET_LEN, &err))
		return reply_fail(r, 1, "console: %s", err->message);
	until = time(NULL) + (time_t)s->cfg->ticket_minutes * 60;
	if ((t = ticket_begin(s->member, s->vps, until, &err)) == NULL)
		reply_fail(r, 1, "console: cannot watch the ticket: %s",
		    err->message);
	else if (console_set(s, dom, doc, gfx, passwd, until, r) == 0)
		console_reply(s, r, (unsigned)port, passwd, until);
	ticket_end(t);
	explicit_bzero(passwd, sizeof(passwd));
	return r->code;
}

int
domain_ticket_end(struct serve_ctx *s, virDomainPtr dom, struct reply *r)
{
	g_autoptr(xmlDoc) doc = NULL;
	g_autoptr(GError) err = NULL;
	char	 passwd[TICKET_LEN + 1];
	xmlNodePtr gfx;

	if ((doc = domain_xml(s, dom, 0, r)) == NULL)
		return r->code;
	if ((gfx = find_device(doc, "graphics", "type", "spice")) == NULL)
		return reply_fail(r, 1, "%s has no SPICE display", s->vps);
	if (!vps_random_password(passwd, TICKET_LEN, &err))
		return reply_fail(r, 1, "%s", err->message);
	/* Expired a second ago: no client can use it, also in that second. */
	(void)console_set(s, dom, doc, gfx, passwd, time(NULL) - 1, r);
	explicit_bzero(passwd, sizeof(passwd));
	return r->code;
}

/*
 * The helper's columns of the HELPER and INTERNAL rows of VPS_VERBS
 * (verbs.h), by request.
 */
#define SERVE_ROW(ID, SIDE, NAME, MIN, MAX, ARG, FLAGS, MENU_FN, SERVE_FN, \
	    USAGE, HELP) \
	VERB_SENT_##SIDE([PROTO_##ID] = { PROTO_##ID, FLAGS, SERVE_FN },)

static const struct domain_verb domain_verbs[PROTO_NVERBS] = {
	VPS_VERBS(SERVE_ROW)
};

const struct domain_verb *
domain_verb(enum proto_verb v)
{
	if ((unsigned)v >= G_N_ELEMENTS(domain_verbs) ||
	    domain_verbs[v].fn == NULL)
		return NULL;
	return &domain_verbs[v];
}

int
domain_verb_run(struct serve_ctx *s, const struct domain_verb *dv,
    virDomainPtr dom, const char *arg, struct reply *r)
{
	if ((dv->flags & VERB_RUNNING) &&
	    require_running(s, dom, r, proto_verb_name(dv->verb),
	    (dv->flags & VERB_CHANGES) ? "" : "; start it first") != 1)
		return r->code;
	return dv->fn(s, dv, dom, arg, r);
}
