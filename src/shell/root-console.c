/*
 * root-console.c: console, a one-time SPICE ticket: a fresh random
 * password on the running VPS's SPICE display, valid for [spice]
 * ticket_minutes and, once a client used it, a few seconds more; its
 * watcher (root-ticket.c, root-ticket-watch.c) ends it.
 */
#include <config.h>

#include <string.h>
#include <time.h>

#include "domdoc.h"
#include "random.h"
#include "root-domain.h"
#include "root-ticket.h"
#include "util.h"

#define TICKET_LEN	24	/* characters of a console password */

/*
 * The ticket's facts, as key=value lines (proto.c): the menu renders
 * them, with the tunnel line, which only the member's side can write
 * (the port of sshd the member came through is in the member's
 * SSH_CONNECTION, which sudo does not pass on). spice_address is where
 * the tunnel leads: the loopback for a VPS of this host, its host's
 * spice_listen for another, the address sudoers-gen's PermitOpen names.
 */
static void
console_reply(struct serve_ctx *s, struct reply *r, unsigned port,
    const char *passwd, time_t until)
{
	const struct vps_host *h;
	char	 expiry[64];
	struct tm tm;

	localtime_r(&until, &tm);
	if (strftime(expiry, sizeof(expiry), "%Y-%m-%d %H:%M:%S %Z", &tm) == 0)
		expiry[0] = '\0';	/* contents undefined otherwise */
	reply_line(r, "port=%u", port);
	reply_line(r, "password=%s", passwd);
	reply_line(r, "expires=%lld", (long long)until);
	reply_line(r, "expires_text=%s", expiry);
	reply_line(r, "ticket_minutes=%u", s->cfg->ticket_minutes);
	reply_line(r, "window_seconds=%u", TICKET_WINDOW_SEC);
	h = config_host(s->cfg, s->host);
	reply_line(r, "spice_address=%s", h != NULL ? h->spice_listen :
	    "127.0.0.1");
}

/*
 * Sets passwd and passwdValidTo on the live SPICE display; connected
 * clients keep their session.
 */
static int
console_set(struct serve_ctx *s, virDomainPtr dom, xmlDoc *doc,
    xmlNode *gfx, const char *passwd, time_t until, struct reply *r)
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
	if (!domdoc_set_prop(gfx, "passwd", passwd) ||
	    !domdoc_set_prop(gfx, "passwdValidTo", validto) ||
	    !domdoc_set_prop(gfx, "connected", "keep") ||
	    (xml = domdoc_node_xml(doc, gfx)) == NULL)
		return reply_fail(r, 1, "console: out of memory");
	rc = virDomainUpdateDeviceFlags(dom, xml, VIR_DOMAIN_AFFECT_LIVE);
	vps_free_secret(xml);
	if (rc < 0)
		return reply_fail(r, 1, "console: %s", domain_errmsg());
	return 0;
}

int
dom_console(struct serve_ctx *s, const struct domain_verb *dv,
    virDomainPtr dom, const char *arg, struct reply *r)
{
	g_autoptr(domdoc) doc = NULL;
	g_autoptr(GError) err = NULL;
	g_autofree char *p = NULL;
	char	 passwd[TICKET_LEN + 1];
	struct ticket *t;
	unsigned long long port;
	xmlNode	*gfx;
	time_t	 until;

	if ((doc = domain_xml(s, dom, 0, r)) == NULL)
		return r->code;
	if ((gfx = domdoc_find(doc, NULL, XP_SPICE)) == NULL)
		return reply_fail(r, 1, "console: %s has no SPICE display",
		    s->vps);
	p = domdoc_get(doc, gfx, "@port");
	if (p == NULL || !vps_parse_uint(p, 1, 65535, &port, NULL))
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
	g_autoptr(domdoc) doc = NULL;
	g_autoptr(GError) err = NULL;
	char	 passwd[TICKET_LEN + 1];
	xmlNode	*gfx;

	if ((doc = domain_xml(s, dom, 0, r)) == NULL)
		return r->code;
	if ((gfx = domdoc_find(doc, NULL, XP_SPICE)) == NULL)
		return reply_fail(r, 1, "%s has no SPICE display", s->vps);
	if (!vps_random_password(passwd, TICKET_LEN, &err))
		return reply_fail(r, 1, "%s", err->message);
	/* Expired a second ago: no client can use it, also in that second. */
	(void)console_set(s, dom, doc, gfx, passwd, time(NULL) - 1, r);
	explicit_bzero(passwd, sizeof(passwd));
	return r->code;
}
