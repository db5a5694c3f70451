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

/*
 * The capacity of the VPS's first disk device (its target), for info:
 * true with *bytes set; false with *text "(no disk)" or "(unknown)".
 */
static bool
info_disk(virDomainPtr dom, xmlDoc *doc, unsigned long long *bytes,
    const char **text)
{
	xmlNode	*disk = domdoc_find(doc, NULL, XP_DISK);
	g_autofree char *dev = disk != NULL ?
	    domdoc_get(doc, disk, "target[1]/@dev") : NULL;
	virDomainBlockInfo bi;

	*text = disk == NULL ? "(no disk)" : "(unknown)";
	if (dev == NULL || virDomainGetBlockInfo(dom, dev, &bi, 0) < 0)
		return false;
	*bytes = bi.capacity;
	return true;
}

char *
info_size(unsigned long long bytes)
{
	static const char *const units[] = { "KiB", "MiB", "GiB", "TiB" };
	double	 size;
	size_t	 u;

	/* Not g_format_size: its blank is U+00A0, not ASCII. */
	size = (double)bytes / 1024;
	for (u = 0; u + 1 < G_N_ELEMENTS(units) && size >= 1024; u++)
		size /= 1024;
	return g_strdup_printf("%.1f %s (%llu bytes)", size, units[u], bytes);
}

static void
add_mac(const char *addr, void *arg)
{
	g_ptr_array_add(arg, g_strdup(addr));
}

/* The MAC addresses of the VPS's network interfaces, for info. */
static GPtrArray *
info_macs(xmlDoc *doc)
{
	GPtrArray *macs = g_ptr_array_new_with_free_func(g_free);

	(void)domdoc_each(doc, NULL,
	    "/domain/devices/interface/mac[1]/@address", add_mac, macs, NULL);
	return macs;
}

/*
 * The SPICE port of the definition (live while running), for info:
 * true with *port set; false with *text saying why there is none.
 */
static bool
info_spice(xmlDoc *doc, unsigned long long *port, const char **text)
{
	xmlNode	*gfx = domdoc_find(doc, NULL, XP_SPICE);
	g_autofree char *p = gfx != NULL ?
	    domdoc_get(doc, gfx, "@port") : NULL;

	*text = gfx == NULL ? "(no SPICE display)" : "(chosen at start)";
	return p != NULL && vps_parse_uint(p, 1, 65535, port, NULL);
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
 * port of the definition and, while it runs, for how long; with the
 * argument kv (VERB_KV) as key=value lines (proto.c).
 */
int
dom_info(struct serve_ctx *s, const struct domain_verb *dv,
    virDomainPtr dom, const char *arg, struct reply *r)
{
	g_autoptr(domdoc) doc = NULL;
	g_autoptr(GPtrArray) macs = NULL;
	g_autofree char *size = NULL, *maclist = NULL;
	unsigned long long bytes, port, up;
	const char *disktext, *spicetext;
	bool	 kv = strcmp(arg, "kv") == 0, hasdisk, hasport, hasup;
	guint	 i;
	int	 active;

	if (dom_status(s, dv, dom, arg, r) != 0)
		return r->code;
	if ((active = virDomainIsActive(dom)) < 0)
		return reply_fail(r, 1, "info: %s", domain_errmsg());
	if ((doc = domain_xml(s, dom, 0, r)) == NULL)
		return r->code;
	hasdisk = info_disk(dom, doc, &bytes, &disktext);
	macs = info_macs(doc);
	hasport = info_spice(doc, &port, &spicetext);
	hasup = active && qemu_uptime(s, dom, &up);
	if (kv) {
		if (hasdisk)
			reply_line(r, "disk_bytes=%llu", bytes);
		for (i = 0; i < macs->len; i++)
			reply_line(r, "mac=%s",
			    (const char *)g_ptr_array_index(macs, i));
		if (hasport)
			reply_line(r, "spice_port=%llu", port);
		if (hasup)
			reply_line(r, "uptime_seconds=%llu", up);
		return 0;
	}
	size = hasdisk ? info_size(bytes) : g_strdup(disktext);
	g_ptr_array_add(macs, NULL);
	maclist = g_strjoinv(", ", (char **)macs->pdata);
	reply_line(r, "%-15s %s", "Disk size:", size);
	reply_line(r, "%-15s %s", "MAC:", maclist[0] != '\0' ? maclist :
	    "(no network interface)");
	if (hasport)
		reply_line(r, "%-15s %llu", "SPICE port:", port);
	else
		reply_line(r, "%-15s %s", "SPICE port:", spicetext);
	if (!active)
		return 0;
	if (hasup)
		reply_line(r, "%-15s %llu day%s, %02llu:%02llu:%02llu",
		    "Uptime:", up / 86400, up / 86400 == 1 ? "" : "s",
		    up / 3600 % 24, up / 60 % 60, up % 60);
	else
		reply_line(r, "%-15s %s", "Uptime:", "(unknown)");
	return 0;
}
