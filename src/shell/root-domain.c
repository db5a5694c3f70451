/*
 * root-domain.c: the server's verbs on the member's domain through the
 * libvirt API over the server's one connection: looking the domain up,
 * its XML, the replies, status and the power verbs, and the table that
 * dispatches every verb (the CD-ROM's are in root-media.c, info in
 * root-info.c, console tickets in root-console.c). Messages follow
 * virsh's ("Domain X started").
 */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "domdoc.h"
#include "lock.h"
#include "root-domain.h"
#include "snapshot.h"
#include "util.h"

#define DOMAIN_GONE	"%s: the VPS was deleted or replaced; log in again"

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

bool
serve_set_host(struct serve_ctx *s, const struct vps_entry *e, GError **err)
{
	const char *uri;

	if ((uri = config_uri_for(s->cfg, e, err)) == NULL)
		return false;
	vps_strlcpy(s->host, e->host, sizeof(s->host));
	s->uri = uri;
	return true;
}

bool
serve_find_host(struct serve_ctx *s, GError **err)
{
	struct vps_data d = VPSDATA_INIT;
	const struct vps_entry *e;
	bool	 ok = false;

	if (!vpsdata_load(s->cfg->data, &d, err))
		return false;
	if ((e = vpsdata_find(&d, s->vps)) == NULL)
		g_set_error(err, VPS_ERROR, VPS_ERROR_FAILED,
		    "%s: no such VPS in %s", s->vps, s->cfg->data);
	else
		ok = serve_set_host(s, e, err);
	vpsdata_clear(&d);
	return ok;
}

/*
 * Whether the error of a lookup by UUID says that there is no such
 * domain (as opposed to a dead connection, which root-serve.c retries).
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

xmlDoc *
domain_xml(struct serve_ctx *s, virDomainPtr dom, unsigned flags,
    struct reply *r)
{
	xmlDoc	*doc;
	char	*xml;
	size_t	 len;

	if ((xml = virDomainGetXMLDesc(dom, flags)) == NULL) {
		reply_fail(r, 1, "cannot read the definition of %s: %s",
		    s->vps, domain_errmsg());
		return NULL;
	}
	len = strlen(xml);
	doc = domdoc_parse(xml, len, s->vps, NULL);
	explicit_bzero(xml, len);	/* may hold a SPICE password */
	free(xml);
	if (doc == NULL)
		reply_fail(r, 1, "cannot parse the definition of %s", s->vps);
	return doc;
}

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

/*
 * status, which is also the first lines of info; with the argument kv
 * (VERB_KV) its facts as key=value lines (proto.c).
 */
int
dom_status(struct serve_ctx *s, const struct domain_verb *dv,
    virDomainPtr dom, const char *arg, struct reply *r)
{
	g_autoptr(domdoc) doc = NULL;
	g_autofree char *iso = NULL, *base = NULL;
	virDomainInfo info;
	xmlNode	*cdrom;
	int	 autostart;

	if (virDomainGetInfo(dom, &info) < 0 ||
	    virDomainGetAutostart(dom, &autostart) < 0)
		return reply_fail(r, 1, "%s: %s", proto_verb_name(dv->verb),
		    domain_errmsg());
	if ((doc = domain_xml(s, dom, 0, r)) == NULL)
		return r->code;
	if ((cdrom = domdoc_find(doc, NULL, XP_CDROM)) != NULL &&
	    (iso = domdoc_get(doc, cdrom, XP_FILE)) != NULL)
		base = g_path_get_basename(iso);
	if (strcmp(arg, "kv") == 0) {
		reply_line(r, "name=%s", s->vps);
		reply_line(r, "state=%s", state_name(info.state));
		reply_line(r, "vcpus=%u", info.nrVirtCpu);
		reply_line(r, "max_memory_kib=%lu", info.maxMem);
		reply_line(r, "autostart=%s", autostart ? "true" : "false");
		reply_line(r, "cdrom=%s", cdrom != NULL ? "true" : "false");
		if (base != NULL)
			reply_line(r, "iso=%s", base);
		return 0;
	}
	reply_line(r, "%-15s %s", "Name:", s->vps);
	reply_line(r, "%-15s %s", "State:", state_name(info.state));
	reply_line(r, "%-15s %u", "CPU(s):", info.nrVirtCpu);
	reply_line(r, "%-15s %lu KiB", "Max memory:", info.maxMem);
	reply_line(r, "%-15s %s", "Autostart:",
	    autostart ? "enable" : "disable");
	reply_line(r, "%-15s %s", "ISO:", cdrom == NULL ?
	    "(no CD-ROM drive)" : base != NULL ? base : "(none)");
	return 0;
}

static int
start_locked(struct serve_ctx *s, virDomainPtr dom, struct reply *r)
{
	int	 active = virDomainIsActive(dom);

	if (active < 0)
		return reply_fail(r, 1, "start: %s", domain_errmsg());
	if (active)
		return reply_fail(r, 1, "start: %s is already running", s->vps);
	if (snapshot_start_check(s, dom, "start", r) != 0 ||
	    media_start_check(s, dom, r) != 0)
		return r->code;
	if (virDomainCreate(dom) < 0)
		return reply_fail(r, 1, "start: %s", domain_errmsg());
	reply_line(r, "Domain %s started", s->vps);
	return 0;
}

/* Not while a snapshot or a revert copies the disk (root-snapshot.c). */
int
dom_start(struct serve_ctx *s, const struct domain_verb *dv,
    virDomainPtr dom, const char *arg, struct reply *r)
{
	g_autoptr(GError) err = NULL;
	int	 fd, rc;

	if ((fd = snapshot_lock(s->vps, &err)) == -1)
		return reply_fail(r, 1, "start: %s", err->message);
	rc = start_locked(s, dom, r);
	vps_unlock(fd);
	return rc;
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

int
dom_shutdown(struct serve_ctx *s, const struct domain_verb *dv,
    virDomainPtr dom, const char *arg, struct reply *r)
{
	return power_done(s, dv, virDomainShutdownFlags(dom,
	    VIR_DOMAIN_SHUTDOWN_ACPI_POWER_BTN), "is being shutdown", r);
}

int
dom_reboot(struct serve_ctx *s, const struct domain_verb *dv,
    virDomainPtr dom, const char *arg, struct reply *r)
{
	return power_done(s, dv, virDomainReboot(dom,
	    VIR_DOMAIN_REBOOT_ACPI_POWER_BTN), "is being rebooted", r);
}

int
dom_reset(struct serve_ctx *s, const struct domain_verb *dv,
    virDomainPtr dom, const char *arg, struct reply *r)
{
	return power_done(s, dv, virDomainReset(dom, 0), "was reset", r);
}

int
dom_poweroff(struct serve_ctx *s, const struct domain_verb *dv,
    virDomainPtr dom, const char *arg, struct reply *r)
{
	return power_done(s, dv, virDomainDestroy(dom), "destroyed", r);
}

int
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
