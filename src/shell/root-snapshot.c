/*
 * root-snapshot.c: snapshot, snapshots, revert, forget (snapshot.h).
 */
#include <config.h>

#include "root-domain.h"

int
dom_snapshot(struct serve_ctx *s, const struct domain_verb *dv,
    virDomainPtr dom, const char *arg, struct reply *r)
{
	return reply_fail(r, 1, "snapshot: not yet");
}

int
dom_snapshots(struct serve_ctx *s, const struct domain_verb *dv,
    virDomainPtr dom, const char *arg, struct reply *r)
{
	return reply_fail(r, 1, "snapshots: not yet");
}

int
dom_snapnames(struct serve_ctx *s, const struct domain_verb *dv,
    virDomainPtr dom, const char *arg, struct reply *r)
{
	return 0;
}

int
dom_revert(struct serve_ctx *s, const struct domain_verb *dv,
    virDomainPtr dom, const char *arg, struct reply *r)
{
	return reply_fail(r, 1, "revert: not yet");
}

int
dom_forget(struct serve_ctx *s, const struct domain_verb *dv,
    virDomainPtr dom, const char *arg, struct reply *r)
{
	return reply_fail(r, 1, "forget: not yet");
}
