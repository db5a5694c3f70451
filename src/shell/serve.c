/*
 * serve.c: the server of "virsh-menu --serve VPS" (PKGLIBEXECDIR/
 * virsh-menu-serve VPS, which virsh-menu --serve executes), run as root
 * under sudo for the member SUDO_USER.
 *
 * It makes the checks of priv.c (root, SUDO_USER, the compiled-in
 * configuration, vps.data), refuses unless SUDO_USER owns VPS there,
 * then answers the line protocol of proto.c on stdin/stdout over one
 * libvirt connection, opened at the first request that needs it and
 * again when libvirtd went away, and logs every request to syslog.
 */
#include <config.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "domain.h"
#include "log.h"
#include "names.h"
#include "priv.h"
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
	if ((s->conn = virConnectOpen(s->cfg->uri)) == NULL) {
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

	if (!dv->needs_domain)		/* isos: no libvirt at all */
		return dv->fn(s, dv, NULL, arg, r);
	if (!serve_connect(s, r))
		return r->code;
	if ((dom = virDomainLookupByName(s->conn, s->vps)) == NULL)
		return reply_fail(r, 1, "%s: %s", s->vps, domain_errmsg());
	return dv->fn(s, dv, dom, arg, r);
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
	const char *why = "request too long";
	bool	 ok;

	memset(&r, 0, sizeof(r));
	r.out = g_string_new(NULL);
	if (len < 0 || !proto_parse_request(line, (size_t)len, &req, &why)) {
		reply_fail(&r, 2, "invalid request: %s", why);
		vlog_audit("member=%s vps=%s action=invalid result=%s",
		    s->member, s->vps, why);
	} else {
		serve_request(s, &req, &r);
		vlog_audit("member=%s vps=%s action=%s%s%s result=%s",
		    s->member, s->vps, proto_verb_name(req.verb),
		    req.arg[0] ? " " : "", req.arg,
		    r.code == 0 ? "ok" : r.msg);
	}
	ok = serve_send(&r);
	g_string_free(r.out, TRUE);
	return ok;
}

static int
serve_loop(struct serve_ctx *s)
{
	struct proto_reader rd;
	char	 line[PROTO_LINE_MAX + 1];
	ssize_t	 len;

	proto_reader_init(&rd, 0);
	for (;;) {
		len = proto_read_line(&rd, line, sizeof(line), NULL);
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
	struct vps_data d = VPSDATA_INIT;
	struct serve_ctx s;
	struct vps_config *cfg;
	const struct vps_entry *e;
	const char *why;
	int	 rc = 1;

	memset(&s, 0, sizeof(s));
	if ((s.member = priv_member()) == NULL)
		return 1;
	if (!vps_name_valid(vps, &why)) {
		vlog_err("refused: invalid VPS name: %s", why);
		return 2;
	}
	if ((cfg = priv_load(&d)) == NULL)
		return 1;
	s.cfg = cfg;
	if ((e = vpsdata_find(&d, vps)) == NULL ||
	    strcmp(e->owner, s.member) != 0) {
		vlog_err("refused: %s does not own a VPS named %s", s.member,
		    vps);
		vlog_audit("member=%s vps=%s action=serve result=refused",
		    s.member, vps);
		goto out;
	}
	s.vps = e->name;
	signal(SIGPIPE, SIG_IGN);
	virSetErrorFunc(NULL, quiet_errors);
	vlog_audit("member=%s vps=%s action=serve result=ok", s.member, vps);
	rc = serve_loop(&s);
	serve_disconnect(&s);
out:
	vpsdata_clear(&d);
	config_free(cfg);
	return rc;
}

int
main(int argc, char **argv)
{
	vlog_init("virsh-menu", true);
	if (argc != 2) {
		vlog_err("usage: %s VPS (started by virsh-menu --serve)",
		    SERVE_PATH);
		return 2;
	}
	return serve_main(argv[1]);
}
