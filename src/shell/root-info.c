/*
 * root-info.c: info, the VPS's own facts as the member may see them:
 * what status says, then its disk size, MAC addresses, SPICE port and,
 * while it runs, for how long. No path, no other domain, nothing of the
 * host.
 */
#include <config.h>

#include <limits.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "domdoc.h"
#include "fileio.h"
#include "pathnames.h"
#include "root-domain.h"
#include "util.h"

/* The size of the VPS's first disk device (its target), for info. */
static char *
info_disk(virDomainPtr dom, xmlDoc *doc)
{
	xmlNode	*disk = domdoc_find(doc, NULL, XP_DISK);
	g_autofree char *dev = disk != NULL ?
	    domdoc_get(doc, disk, "target[1]/@dev") : NULL;
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

static void
add_mac(const char *addr, void *arg)
{
	GString	*macs = arg;

	g_string_append_printf(macs, "%s%s", macs->len > 0 ? ", " : "", addr);
}

/* The MAC addresses of the VPS's network interfaces, for info. */
static char *
info_macs(xmlDoc *doc)
{
	GString	*macs = g_string_new(NULL);

	(void)domdoc_each(doc, NULL,
	    "/domain/devices/interface/mac[1]/@address", add_mac, macs, NULL);
	if (macs->len == 0)
		g_string_append(macs, "(no network interface)");
	return g_string_free(macs, FALSE);
}

/* The SPICE port of the definition (live while running), for info. */
static char *
info_spice(xmlDoc *doc)
{
	xmlNode	*gfx = domdoc_find(doc, NULL, XP_SPICE);
	g_autofree char *port = gfx != NULL ?
	    domdoc_get(doc, gfx, "@port") : NULL;
	unsigned long long n;

	if (gfx == NULL)
		return g_strdup("(no SPICE display)");
	if (port == NULL || !vps_parse_uint(port, 1, 65535, &n, NULL))
		return g_strdup("(chosen at start)");
	return g_strdup_printf("%llu", n);
}

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
 * port of the definition and, while it runs, for how long.
 */
int
dom_info(struct serve_ctx *s, const struct domain_verb *dv,
    virDomainPtr dom, const char *arg, struct reply *r)
{
	g_autoptr(domdoc) doc = NULL;
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
