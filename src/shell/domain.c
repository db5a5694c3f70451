/*
 * domain.c: what each server verb does to the member's domain, through
 * the libvirt API over the server's one connection. Device changes are
 * made from the domain's own XML, edited with libxml2, never by pasting
 * strings. Messages follow virsh's ("Domain X started").
 */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "domain.h"
#include "names.h"
#include "random.h"
#include "ticket.h"
#include "util.h"

#define TICKET_LEN	24	/* characters of a console password */

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

/* The *.iso files of iso_dir (regular files, valid names), sorted. */
static GPtrArray *
iso_list(const char *dir, struct reply *r)
{
	GPtrArray *isos;
	GDir	*d;
	GError	*err = NULL;
	const char *name, *why;
	struct stat st;
	int	 dfd;

	if ((d = g_dir_open(dir, 0, &err)) == NULL ||
	    (dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1) {
		reply_fail(r, 1, "cannot read the ISO library: %s",
		    err != NULL ? err->message : g_strerror(errno));
		g_clear_error(&err);
		if (d != NULL)
			g_dir_close(d);
		return NULL;
	}
	isos = g_ptr_array_new_with_free_func(g_free);
	while ((name = g_dir_read_name(d)) != NULL) {
		if (!vps_iso_name_valid(name, &why) ||
		    fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == -1 ||
		    !S_ISREG(st.st_mode))
			continue;
		g_ptr_array_add(isos, g_strdup(name));
	}
	close(dfd);
	g_dir_close(d);
	g_ptr_array_sort(isos, (GCompareFunc)g_ascii_strcasecmp);
	return isos;
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

/*
 * Makes the cdrom boot first (cdrom_first) or the disk: per-device
 * <boot order='N'/> as create-vps writes it, or else the order of
 * <os><boot dev='cdrom'/><boot dev='hd'/>.
 */
static void
set_boot_first(xmlDocPtr doc, xmlNodePtr cdrom, bool cdrom_first)
{
	xmlNodePtr disk = find_device(doc, "disk", "device", "disk");
	xmlNodePtr cb = child(cdrom, "boot"), db = NULL, os, n, bc = NULL,
	    bh = NULL;

	if (disk != NULL)
		db = child(disk, "boot");
	if (cb != NULL || db != NULL) {
		if (cb != NULL)
			xmlSetProp(cb, (const xmlChar *)"order",
			    (const xmlChar *)(cdrom_first ? "1" : "2"));
		if (db != NULL)
			xmlSetProp(db, (const xmlChar *)"order",
			    (const xmlChar *)(cdrom_first ? "2" : "1"));
		return;
	}
	if ((os = child(xmlDocGetRootElement(doc), "os")) == NULL)
		return;
	for (n = os->children; n != NULL; n = n->next) {
		if (node_is(n, "boot") && attr_is(n, "dev", "cdrom"))
			bc = n;
		else if (node_is(n, "boot") && attr_is(n, "dev", "hd"))
			bh = n;
	}
	if (bc == NULL || bh == NULL)
		return;
	if (cdrom_first && comes_after(bc, bh)) {
		xmlUnlinkNode(bc);
		xmlAddPrevSibling(bh, bc);
	} else if (!cdrom_first && comes_after(bh, bc)) {
		xmlUnlinkNode(bh);
		xmlAddPrevSibling(bc, bh);
	}
}

/* The cdrom of doc with file (NULL: no medium) as its source, or NULL. */
static xmlNodePtr
set_cdrom(xmlDocPtr doc, const char *file)
{
	xmlNodePtr disk, n, next;

	if ((disk = find_device(doc, "disk", "device", "cdrom")) == NULL)
		return NULL;
	for (n = disk->children; n != NULL; n = next) {
		next = n->next;
		if (node_is(n, "source") || node_is(n, "backingStore")) {
			xmlUnlinkNode(n);
			xmlFreeNode(n);
		}
	}
	if (file != NULL) {
		n = xmlNewChild(disk, NULL, (const xmlChar *)"source", NULL);
		xmlNewProp(n, (const xmlChar *)"file", (const xmlChar *)file);
	}
	return disk;
}

/*
 * The persistent definition: file in the cdrom, and the cdrom booting
 * first while it holds one (as create-vps sets it), else the disk.
 * Defined again from its own XML with the secrets (the SPICE password).
 */
static int
change_media_config(struct serve_ctx *s, virDomainPtr dom, const char *file,
    const char *what, struct reply *r)
{
	g_autoptr(xmlDoc) doc = NULL;
	g_autoptr(virDomain) defined = NULL;
	xmlNodePtr disk;
	xmlChar	*xml = NULL;
	int	 len = 0;

	if ((doc = domain_xml(s, dom, VIR_DOMAIN_XML_INACTIVE |
	    VIR_DOMAIN_XML_SECURE, r)) == NULL)
		return r->code;
	if ((disk = set_cdrom(doc, file)) == NULL)
		return reply_fail(r, 1, "%s: %s has no CD-ROM drive", what,
		    s->vps);
	set_boot_first(doc, disk, file != NULL);
	xmlDocDumpMemory(doc, &xml, &len);
	if (xml == NULL)
		return reply_fail(r, 1, "%s: out of memory", what);
	defined = virDomainDefineXML(s->conn, (const char *)xml);
	explicit_bzero(xml, (size_t)len);
	xmlFree(xml);
	if (defined == NULL)
		return reply_fail(r, 1, "%s: %s", what, domain_errmsg());
	return 0;
}

/*
 * Puts file (NULL: no medium) into the cdrom: in the persistent
 * definition (with the boot order), then, when the domain runs, live.
 * The live change is made from the live XML, whose boot order stays
 * what the domain was started with.
 */
static int
change_media(struct serve_ctx *s, virDomainPtr dom, const char *file,
    const char *what, struct reply *r)
{
	g_autoptr(xmlDoc) doc = NULL;
	g_autofree char *xml = NULL;
	xmlNodePtr disk;
	int	 active;

	if ((active = virDomainIsActive(dom)) < 0)
		return reply_fail(r, 1, "%s: %s", what, domain_errmsg());
	if (change_media_config(s, dom, file, what, r) != 0)
		return r->code;
	if (!active)
		return 0;
	if ((doc = domain_xml(s, dom, 0, r)) == NULL)
		return r->code;
	if ((disk = set_cdrom(doc, file)) == NULL)
		return reply_fail(r, 1, "%s: %s has no CD-ROM drive", what,
		    s->vps);
	if ((xml = node_string(doc, disk)) == NULL)
		return reply_fail(r, 1, "%s: out of memory", what);
	if (virDomainUpdateDeviceFlags(dom, xml, VIR_DOMAIN_AFFECT_LIVE) < 0)
		return reply_fail(r, 1, "%s: the definition of %s is changed, "
		    "the running VPS not: %s", what, s->vps, domain_errmsg());
	return 0;
}

/* ---- the verbs */

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
		return reply_fail(r, 1, "status: %s", domain_errmsg());
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

static int
dom_start(struct serve_ctx *s, const struct domain_verb *dv,
    virDomainPtr dom, const char *arg, struct reply *r)
{
	int	 active = virDomainIsActive(dom);

	if (active < 0)
		return reply_fail(r, 1, "start: %s", domain_errmsg());
	if (active)
		return reply_fail(r, 1, "start: %s is already running", s->vps);
	if (virDomainCreate(dom) < 0)
		return reply_fail(r, 1, "start: %s", domain_errmsg());
	reply_line(r, "Domain %s started", s->vps);
	return 0;
}

/*
 * shutdown, reboot, reset, poweroff: the row's libvirt call on the
 * running domain, and the row's message.
 */
static int
dom_power(struct serve_ctx *s, const struct domain_verb *dv,
    virDomainPtr dom, const char *arg, struct reply *r)
{
	const char *what = proto_verb_name(dv->verb);

	if (require_running(s, dom, r, what, "") != 1)
		return r->code;
	if (dv->power(dom) < 0)
		return reply_fail(r, 1, "%s: %s", what, domain_errmsg());
	reply_line(r, "Domain %s %s", s->vps, dv->done);
	return 0;
}

static int
power_shutdown(virDomainPtr dom)
{
	return virDomainShutdownFlags(dom, VIR_DOMAIN_SHUTDOWN_ACPI_POWER_BTN);
}

static int
power_reboot(virDomainPtr dom)
{
	return virDomainReboot(dom, VIR_DOMAIN_REBOOT_ACPI_POWER_BTN);
}

static int
power_reset(virDomainPtr dom)
{
	return virDomainReset(dom, 0);
}

static int
power_poweroff(virDomainPtr dom)
{
	return virDomainDestroy(dom);
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
	guint	 i;

	if ((isos = iso_list(s->cfg->iso_dir, r)) == NULL)
		return r->code;
	for (i = 0; i < isos->len; i++)
		reply_line(r, "%s", (const char *)g_ptr_array_index(isos, i));
	return 0;
}

static int
dom_attach_iso(struct serve_ctx *s, const struct domain_verb *dv,
    virDomainPtr dom, const char *arg, struct reply *r)
{
	g_autoptr(GPtrArray) isos = NULL;
	g_autofree char *path = NULL;
	guint	 i;

	if ((isos = iso_list(s->cfg->iso_dir, r)) == NULL)
		return r->code;
	for (i = 0; i < isos->len; i++) {
		if (strcmp(arg, g_ptr_array_index(isos, i)) == 0)
			break;
	}
	if (i == isos->len)
		return reply_fail(r, 2, "attach_iso: %s: no such ISO in the "
		    "library (see attach_iso)", arg);
	path = g_build_filename(s->cfg->iso_dir, arg, NULL);
	if (change_media(s, dom, path, "attach_iso", r) != 0)
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
	if (change_media(s, dom, NULL, "detach_iso", r) != 0)
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
	xmlSetProp(gfx, (const xmlChar *)"passwd", (const xmlChar *)passwd);
	xmlSetProp(gfx, (const xmlChar *)"passwdValidTo",
	    (const xmlChar *)validto);
	xmlSetProp(gfx, (const xmlChar *)"connected", (const xmlChar *)"keep");
	if ((xml = node_string(doc, gfx)) == NULL)
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
	const char *errstr;
	xmlNodePtr gfx;
	xmlChar	*p;
	time_t	 until;
	bool	 ok;

	if (require_running(s, dom, r, "console", "; start it first") != 1)
		return r->code;
	if ((doc = domain_xml(s, dom, 0, r)) == NULL)
		return r->code;
	if ((gfx = find_device(doc, "graphics", "type", "spice")) == NULL)
		return reply_fail(r, 1, "console: %s has no SPICE display",
		    s->vps);
	p = xmlGetProp(gfx, (const xmlChar *)"port");
	ok = p != NULL && vps_parse_uint((const char *)p, 1, 65535, &port,
	    &errstr);
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

static const struct domain_verb domain_verbs[] = {
	{ PROTO_STATUS, true, dom_status, NULL, NULL },
	{ PROTO_START, true, dom_start, NULL, NULL },
	{ PROTO_SHUTDOWN, true, dom_power, power_shutdown,
	    "is being shutdown" },
	{ PROTO_REBOOT, true, dom_power, power_reboot, "is being rebooted" },
	{ PROTO_RESET, true, dom_power, power_reset, "was reset" },
	{ PROTO_POWEROFF, true, dom_power, power_poweroff, "destroyed" },
	{ PROTO_AUTOSTART, true, dom_autostart, NULL, NULL },
	{ PROTO_ATTACH_ISO, true, dom_attach_iso, NULL, NULL },
	{ PROTO_DETACH_ISO, true, dom_detach_iso, NULL, NULL },
	{ PROTO_CONSOLE, true, dom_console, NULL, NULL },
	{ PROTO_ISOS, false, dom_isos, NULL, NULL },
};

const struct domain_verb *
domain_verb(enum proto_verb v)
{
	size_t	 i;

	for (i = 0; i < G_N_ELEMENTS(domain_verbs); i++) {
		if (domain_verbs[i].verb == v)
			return &domain_verbs[i];
	}
	return NULL;
}
