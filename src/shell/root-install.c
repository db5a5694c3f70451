/*
 * root-install.c: install ISO.
 */
#include <config.h>

#include "root-domain.h"

int
dom_install(struct serve_ctx *s, const struct domain_verb *dv,
    virDomainPtr dom, const char *arg, struct reply *r)
{
	return reply_fail(r, 1, "install: not yet");
}
