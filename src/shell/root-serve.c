/*
 * root-serve.c: the server of "virsh-menu --serve VPS" (PKGLIBEXECDIR/
 * virsh-menu-serve VPS, which virsh-menu --serve executes), run as root
 * under sudo for the member SUDO_USER.
 *
 * It makes the checks of root-entry.c (root, SUDO_USER, the compiled-in
 * configuration, vps.data), refuses unless SUDO_USER owns VPS there (at
 * the start, and before every request once vps.data changed: root-owner.c),
 * then answers the line protocol of proto.c on stdin/stdout over one
 * libvirt connection, opened at the start (to learn the domain's UUID:
 * it acts on that domain only) or else at the first request that needs
 * it, and again when libvirtd went away, and logs every request to
 * syslog.
 */
#include <config.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "root-domain.h"
#include "log.h"
#include "names.h"
#include "root-owner.h"
#include "root-entry.h"
#include "util.h"
#include "vpsdata.h"

/* libvirt prints its errors to stderr unless told otherwise. */
static void
quiet_errors(void *data, virErrorPtr e)
{
}

/* Opens the connection if there is none. */
static bool
serve_connect(struct serve_ctx *s, struct reply *r)
{
	if (s->conn != NULL)
		return true;
	if ((s->conn = virConnectOpen(s->uri)) == NULL) {
		if (s->host[0] != '\0')
			reply_fail(r, 1, "host %s unreachable: %s", s->host,
			    domain_errmsg());
		else
			reply_fail(r, 1, "cannot connect to libvirt: %s",
			    domain_errmsg());
		return false;
	}
	return true;
}

static void
serve_disconnect(struct serve_ctx *s)
{
	if (s->conn != NULL)
		virConnectClose(s->conn);
	s->conn = NULL;
}

/*
 * Runs verb once: on the member's domain, looked up over the connection
 * (opened now if there is none), or without libvirt if it needs none.
 */
static int
serve_once(struct serve_ctx *s, const struct domain_verb *dv,
    const char *arg, struct reply *r)
{
	g_autoptr(virDomain) dom = NULL;

	if (!(dv->flags & VERB_DOMAIN))	/* isos: no libvirt at all */
		return domain_verb_run(s, dv, NULL, arg, r);
	if (!serve_connect(s, r))
		return r->code;
	if ((dom = domain_lookup(s, r)) == NULL)
		return r->code;
	return domain_verb_run(s, dv, dom, arg, r);
}

/*
 * Runs one request. When it failed because the connection is dead
 * (libvirtd was restarted), the connection is opened again and the
 * request tried once more.
 */
static void
serve_request(struct serve_ctx *s, const struct proto_req *req,
    struct reply *r)
{
	const struct domain_verb *dv = domain_verb(req->verb);

	if (dv == NULL) {
		reply_fail(r, 2, "unknown request");
		return;
	}
	if (serve_once(s, dv, req->arg, r) == 0 || s->conn == NULL ||
	    virConnectIsAlive(s->conn) == 1)
		return;
	serve_disconnect(s);
	g_string_truncate(r->out, 0);
	r->nlines = 0;
	r->code = 0;
	serve_once(s, dv, req->arg, r);
}

/*
 * Whether the member still owns the VPS: an admin may have removed or
 * reassigned it in vps.data since the helper started. If not, or if
 * vps.data cannot be read, the request is refused (the reply says why).
 * A VPS now on another host is served from there.
 */
static bool
serve_owned(struct serve_ctx *s, struct reply *r)
{
	g_autoptr(GError) err = NULL;

	switch (owner_check(s->owner, &err)) {
	case 1:
		break;
	case 0:
		reply_fail(r, 1, "%s: VPS no longer yours", s->vps);
		return false;
	default:
		vlog_audit("member=%s vps=%s action=check result=%s",
		    s->member, s->vps, err->message);
		reply_fail(r, 1, "%s: cannot check that the VPS is still "
		    "yours: vps.data is unreadable or invalid", s->vps);
		return false;
	}
	/* An admin moved the VPS: the next request goes to its new host. */
	if (strcmp(s->owner->entry.host, s->host) == 0)
		return true;
	serve_disconnect(s);
	if (serve_set_host(s, &s->owner->entry, &err))
		return true;
	vlog_audit("member=%s vps=%s action=check result=%s", s->member,
	    s->vps, err->message);
	reply_fail(r, 1, "%s", err->message);
	return false;
}

/* Sends the reply; false if the member's side has gone. */
static bool
serve_send(struct reply *r)
{
	char	 status[PROTO_LINE_MAX + 2];
	bool	 ok;

	proto_format_status(status, sizeof(status), r->code, r->msg);
	g_string_append(r->out, status);
	ok = fwrite(r->out->str, 1, r->out->len, stdout) == r->out->len &&
	    fflush(stdout) == 0;
	explicit_bzero(r->out->str, r->out->len);
	g_string_truncate(r->out, 0);
	return ok;
}

/* Handles one request line (len < 0: a PROTO_READ_LONG line). */
static bool
serve_line(struct serve_ctx *s, const char *line, ssize_t len)
{
	struct proto_req req;
	struct reply r;
	g_autoptr(GError) err = NULL;
	const char *why;
	bool	 ok;

	memset(&r, 0, sizeof(r));
	r.out = g_string_new(NULL);
	if (len < 0 || !proto_parse_request(line, (size_t)len, &req, &err)) {
		why = err != NULL ? err->message : "request too long";
		reply_fail(&r, 2, "invalid request: %s", why);
		vlog_audit("member=%s vps=%s action=invalid result=%s",
		    s->member, s->vps, why);
	} else {
		if (serve_owned(s, &r))
			serve_request(s, &req, &r);
		vlog_audit("member=%s vps=%s action=%s%s%s result=%s",
		    s->member, s->vps, proto_verb_name(req.verb),
		    req.arg[0] ? " " : "", req.arg,
		    r.code == 0 ? "ok" : r.msg);
	}
	ok = serve_send(&r);
	g_string_free(r.out, TRUE);
	if (s->console != NULL && ok)	/* serial answered ok */
		ok = serial_relay(s);
	else if (s->console != NULL) {
		(void)virStreamAbort(s->console);
		virStreamFree(s->console);
		s->console = NULL;
	}
	return ok;
}

/*
 * Looks the domain up once at the start, so that its UUID is the one of
 * the VPS the member logged in to (domain_lookup). If libvirtd or the
 * domain is not there yet, the first request that finds it remembers it.
 */
static void
serve_remember(struct serve_ctx *s)
{
	struct reply r;
	virDomainPtr dom;

	memset(&r, 0, sizeof(r));
	if (serve_connect(s, &r) && (dom = domain_lookup(s, &r)) != NULL)
		virDomainFree(dom);
}

static int
serve_loop(struct serve_ctx *s)
{
	char	 line[PROTO_LINE_MAX + 1];
	ssize_t	 len;

	proto_reader_init(&s->in, 0);
	for (;;) {
		len = proto_read_line(&s->in, line, sizeof(line), NULL);
		if (len == PROTO_READ_EOF)
			return 0;
		if (len == PROTO_READ_ERROR)
			return 1;
		if (!serve_line(s, line, len))
			return 1;
	}
}

static int
serve_main(const char *vps)
{
	g_autoptr(GError) err = NULL;
	struct owner_check owner;
	struct serve_ctx s;
	struct vps_config *cfg;
	int	 rc = 1;

	memset(&s, 0, sizeof(s));
	if ((s.member = priv_member()) == NULL)
		return 1;
	if (!vps_name_valid(vps, &err)) {
		vlog_err("refused: invalid VPS name: %s", err->message);
		return 2;
	}
	if ((cfg = priv_config()) == NULL)
		return 1;
	s.cfg = cfg;
	owner_init(&owner, cfg->data, s.member, vps);
	if ((rc = owner_check(&owner, &err)) != 1) {
		if (rc == -1)
			vlog_err("refused: %s", err->message);
		else
			vlog_err("refused: %s does not own a VPS named %s",
			    s.member, vps);
		rc = 1;
		vlog_audit("member=%s vps=%s action=serve result=refused",
		    s.member, vps);
		goto out;
	}
	s.vps = vps;
	if (!serve_set_host(&s, &owner.entry, &err)) {
		vlog_err("refused: %s", err->message);
		vlog_audit("member=%s vps=%s action=serve result=refused: %s",
		    s.member, vps, err->message);
		rc = 1;
		goto out;
	}
	s.owner = &owner;
	signal(SIGPIPE, SIG_IGN);
	virSetErrorFunc(NULL, quiet_errors);
	/* Before any connection: serial's stream needs the event loop. */
	if (virEventRegisterDefaultImpl() < 0) {
		vlog_err("cannot set up libvirt's event loop: %s",
		    domain_errmsg());
		goto out;
	}
	vlog_audit("member=%s vps=%s action=serve result=ok", s.member, vps);
	serve_remember(&s);
	rc = serve_loop(&s);
	serve_disconnect(&s);
out:
	config_free(cfg);
	return rc;
}

int
main(int argc, char **argv)
{
	vps_limit_memory(VPS_SERVE_AS_MAX);
	vlog_init("virsh-menu", true);
	if (argc != 2) {
		vlog_err("usage: %s VPS (started by virsh-menu --serve)",
		    SERVE_PATH);
		return 2;
	}
	return serve_main(argv[1]);
}
