/*
 * virtutil.c: libvirt connection, errors and the scan of all domains.
 */
#include <config.h>

#include <stdarg.h>
#include <stdlib.h>
#include <libvirt/virterror.h>

#include "domxml.h"
#include "util.h"
#include "virtutil.h"

static void
quiet(void *data, virErrorPtr e)
{
}

void
virt_init(void)
{
	virSetErrorFunc(NULL, quiet);
}

void
virt_error(GError **err, const char *fmt, ...)
{
	g_autofree char *what = NULL;
	va_list	 ap;

	va_start(ap, fmt);
	what = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	g_set_error(err, VPS_ERROR, VPS_ERROR_FAILED, "%s: %s", what,
	    virGetLastErrorMessage());
}

virConnectPtr
virt_connect(const char *uri, GError **err)
{
	virConnectPtr conn;

	if ((conn = virConnectOpen(uri)) == NULL)
		virt_error(err, "cannot connect to %s", uri);
	return conn;
}

bool
virt_lookup(virConnectPtr conn, const char *name, virDomainPtr *dom,
    GError **err)
{
	if ((*dom = virDomainLookupByName(conn, name)) != NULL)
		return true;
	if (virGetLastErrorCode() == VIR_ERR_NO_DOMAIN)
		return true;
	virt_error(err, "cannot look up domain %s", name);
	return false;
}

/*
 * One domain's XML into the tables. A domain that went away meanwhile
 * has nothing left to collide with.
 */
static bool
scan_one(virDomainPtr dom, unsigned flags, GHashTable *macs,
    GHashTable *ports, GError **err)
{
	g_autofree char *xml = virDomainGetXMLDesc(dom, flags);

	if (xml == NULL) {
		if (virGetLastErrorCode() == VIR_ERR_NO_DOMAIN)
			return true;
		virt_error(err, "cannot read the XML of domain %s",
		    virDomainGetName(dom));
		return false;
	}
	return domxml_scan(xml, macs, ports, err);
}

bool
virt_scan(virConnectPtr conn, GHashTable *macs, GHashTable *ports,
    GError **err)
{
	virDomainPtr *doms = NULL;
	bool	 ok = true;
	int	 n, i;

	if ((n = virConnectListAllDomains(conn, &doms, 0)) < 0) {
		virt_error(err, "cannot list domains");
		return false;
	}
	for (i = 0; i < n; i++) {
		if (ok)
			ok = scan_one(doms[i], 0, macs, ports, err);
		if (ok && virDomainIsActive(doms[i]) == 1 &&
		    virDomainIsPersistent(doms[i]) == 1)
			ok = scan_one(doms[i], VIR_DOMAIN_XML_INACTIVE, macs,
			    ports, err);
		virDomainFree(doms[i]);
	}
	free(doms);
	return ok;
}
