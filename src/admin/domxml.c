/*
 * domxml.c: the domain XML of a VPS through libxml2's tree API.
 *
 * Every value goes into the tree as a text node or an attribute value,
 * never into markup: libxml2 escapes it when the tree is written out, so
 * no value, however hostile, can add an element or an attribute.
 */
#include <config.h>

#include <stdlib.h>
#include <string.h>
#include <libxml/tree.h>

#include "domdoc.h"
#include "domxml.h"
#include "fileio.h"
#include "names.h"
#include "util.h"
#include "vpsconf.h"
#include "vpsdata.h"

/*
 * The one node of the template that expr selects: a template without it,
 * or with two, is an error, so that a value never lands in the wrong place.
 */
static xmlNode *
one(xmlDoc *doc, const char *expr, const char *path, GError **err)
{
	xmlNode	*n;

	if (domdoc_select(doc, NULL, expr, &n) != 1) {
		g_set_error(err, VPS_ERROR, VPS_ERROR_FAILED,
		    "template %s: expected exactly one %s", path, expr);
		return NULL;
	}
	return n;
}

/* Replaces the content of node with text, taken literally. */
static void
set_text(xmlNode *node, const char *text)
{
	xmlNodeSetContent(node, NULL);
	xmlNodeAddContent(node, (const xmlChar *)text);
}

static void
set_uint(xmlNode *node, unsigned v)
{
	char	 buf[16];

	g_snprintf(buf, sizeof(buf), "%u", v);
	set_text(node, buf);
}

static void
set_prop(xmlNode *node, const char *name, const char *value)
{
	(void)domdoc_set_prop(node, name, value);	/* see domxml_build */
}

static void
set_prop_uint(xmlNode *node, const char *name, unsigned v)
{
	char	 buf[16];

	g_snprintf(buf, sizeof(buf), "%u", v);
	set_prop(node, name, buf);
}

/* Drops every attribute of node and gives it exactly name=value. */
static void
set_only_prop(xmlNode *node, const char *name, const char *value)
{
	xmlFreePropList(node->properties);
	node->properties = NULL;
	set_prop(node, name, value);
}

/* Removes every comment below node (the template's notes). */
static void
drop_comments(xmlNode *node)
{
	xmlNode	*c, *next;

	for (c = node->children; c != NULL; c = next) {
		next = c->next;
		if (c->type == XML_COMMENT_NODE) {
			xmlUnlinkNode(c);
			xmlFreeNode(c);
		} else if (c->type == XML_ELEMENT_NODE)
			drop_comments(c);
	}
}

/*
 * The <cpu> element for c, or NULL where QEMU's default CPU is meant (TCG
 * with host-passthrough or host-model). Features are disabled by name;
 * libvirt refuses a name it does not know when the domain is defined.
 */
static xmlNode *
cpu_node(const struct domxml_cpu *c)
{
	bool	 passthrough = g_strcmp0(c->cpu, "host-passthrough") == 0;
	bool	 hostmodel = g_strcmp0(c->cpu, "host-model") == 0;
	xmlNode	*cpu, *f;
	size_t	 i;

	if (c->cpu == NULL || (!c->kvm && (passthrough || hostmodel)))
		return NULL;
	cpu = xmlNewNode(NULL, (const xmlChar *)"cpu");
	if (passthrough) {
		set_prop(cpu, "mode", "host-passthrough");
		set_prop(cpu, "check", "none");
		set_prop(cpu, "migratable", "on");
	} else if (hostmodel) {
		set_prop(cpu, "mode", "host-model");
		set_prop(cpu, "check", "partial");
	} else {
		set_prop(cpu, "mode", "custom");
		set_prop(cpu, "match", "exact");
		set_prop(cpu, "check", "partial");
		f = xmlNewChild(cpu, NULL, (const xmlChar *)"model", NULL);
		set_prop(f, "fallback", "forbid");
		set_text(f, c->cpu);
	}
	for (i = 0; c->disable != NULL && c->disable[i] != NULL; i++) {
		f = xmlNewChild(cpu, NULL, (const xmlChar *)"feature", NULL);
		set_prop(f, "policy", "disable");
		set_prop(f, "name", c->disable[i]);
	}
	return cpu;
}

/* Puts the CPU of c in place of the template's <cpu/>. */
static bool
fill_cpu(xmlDoc *doc, const char *path, const struct domxml_cpu *c,
    GError **err)
{
	xmlNode	*old, *cpu;

	if ((old = one(doc, "/domain/cpu", path, err)) == NULL)
		return false;
	if ((cpu = cpu_node(c)) != NULL)
		xmlAddPrevSibling(old, cpu);
	xmlUnlinkNode(old);
	xmlFreeNode(old);
	return true;
}

static bool
fill_general(xmlDoc *doc, const char *path,
    const struct domxml_params *p, GError **err)
{
	xmlNode	*n;

	if ((n = one(doc, "/domain", path, err)) == NULL)
		return false;
	set_prop(n, "type", p->cpu.kvm ? "kvm" : "qemu");
	if ((n = one(doc, "/domain/name", path, err)) == NULL)
		return false;
	set_text(n, p->name);
	if ((n = one(doc, "/domain/uuid", path, err)) == NULL)
		return false;
	set_text(n, p->uuid);
	if ((n = one(doc, "/domain/memory", path, err)) == NULL)
		return false;
	set_uint(n, p->memory_mib);
	if ((n = one(doc, "/domain/currentMemory", path, err)) == NULL)
		return false;
	set_uint(n, p->memory_mib);
	if ((n = one(doc, "/domain/vcpu", path, err)) == NULL)
		return false;
	set_uint(n, p->vcpus);
	return fill_cpu(doc, path, &p->cpu, err);
}

static xmlNode *
add_text(xmlNode *parent, const char *name, const char *text)
{
	return xmlNewTextChild(parent, NULL, (const xmlChar *)name,
	    (const xmlChar *)text);
}

static xmlNode *
add_node(xmlNode *parent, const char *name, const char *attr,
    const char *value)
{
	xmlNode	*n = xmlNewChild(parent, NULL, (const xmlChar *)name, NULL);

	if (attr != NULL)
		set_prop(n, attr, value);
	return n;
}

/* The probe's devices: its boot disk, the pvpanic port, nothing else. */
static void
probe_devices(xmlNode *dom, const char *image)
{
	xmlNode	*devs = add_node(dom, "devices", NULL, NULL);
	xmlNode	*disk, *src, *n;

	disk = add_node(devs, "disk", "type", "file");
	set_prop(disk, "device", "disk");
	n = add_node(disk, "driver", "name", "qemu");
	set_prop(n, "type", "raw");
	src = add_node(disk, "source", "file", image);
	n = add_node(src, "seclabel", "model", "dac");
	set_prop(n, "relabel", "no");
	n = add_node(disk, "target", "dev", "vda");
	set_prop(n, "bus", "virtio");
	add_node(disk, "readonly", NULL, NULL);
	n = add_node(devs, "panic", "model", "isa");
	n = add_node(n, "address", "type", "isa");
	set_prop(n, "iobase", "0x505");
	add_node(devs, "memballoon", "model", "none");
}

xmlDoc *
domxml_probe(const char *name, const struct domxml_cpu *c, const char *image)
{
	xmlDoc	*doc = xmlNewDoc((const xmlChar *)"1.0");
	xmlNode	*dom, *os, *n, *cpu;

	dom = xmlNewNode(NULL, (const xmlChar *)"domain");
	xmlDocSetRootElement(doc, dom);
	set_prop(dom, "type", c->kvm ? "kvm" : "qemu");
	add_text(dom, "name", name);
	n = add_text(dom, "memory", "160");
	set_prop(n, "unit", "MiB");
	add_text(dom, "vcpu", "1");
	os = add_node(dom, "os", NULL, NULL);
	n = add_text(os, "type", "hvm");
	set_prop(n, "arch", "x86_64");
	set_prop(n, "machine", "q35");
	add_node(os, "boot", "dev", "hd");
	if ((cpu = cpu_node(c)) != NULL)
		xmlAddChild(dom, cpu);
	add_text(dom, "on_poweroff", "destroy");
	add_text(dom, "on_reboot", "destroy");
	add_text(dom, "on_crash", "preserve");
	probe_devices(dom, image);
	return doc;
}

char *
domxml_data_path(const char *dir, const char *file)
{
	return g_build_filename(dir, file, NULL);
}

/* The system disk, and the cdrom with its ISO and the boot order. */
static bool
fill_disks(xmlDoc *doc, const char *path,
    const struct domxml_params *p, GError **err)
{
	xmlNode	*disk, *drv, *src, *boot, *target, *cdboot;
	bool	 block = p->disk_kind == DOMXML_DISK_BLOCK;

	if ((disk = one(doc, "/domain/devices/disk[@device='disk']", path,
	    err)) == NULL ||
	    (drv = one(doc, "/domain/devices/disk[@device='disk']/driver",
	    path, err)) == NULL ||
	    (src = one(doc, "/domain/devices/disk[@device='disk']/source",
	    path, err)) == NULL ||
	    (boot = one(doc, "/domain/devices/disk[@device='disk']/boot",
	    path, err)) == NULL ||
	    one(doc, "/domain/devices/disk[@device='cdrom']", path,
	    err) == NULL ||
	    (target = one(doc, "/domain/devices/disk[@device='cdrom']/target",
	    path, err)) == NULL ||
	    (cdboot = one(doc, "/domain/devices/disk[@device='cdrom']/boot",
	    path, err)) == NULL)
		return false;
	set_prop(disk, "type", block ? "block" : "file");
	if (block) {
		/* The LV is the guest's alone: no host page cache. */
		set_prop(drv, "cache", "none");
		set_prop(drv, "io", "native");
	}
	set_only_prop(src, block ? "dev" : "file", p->disk_path);
	if (p->iso != NULL) {
		xmlNode *isrc = xmlNewNode(NULL, (const xmlChar *)"source");
		/*
		 * Never relabelled (seclabel in libvirt's formatdomain): a
		 * library ISO stays root's, QEMU reads it as its own user.
		 */
		xmlNode *label = xmlNewChild(isrc, NULL,
		    (const xmlChar *)"seclabel", NULL);

		if (label == NULL) {
			xmlFreeNode(isrc);
			g_set_error(err, VPS_ERROR, VPS_ERROR_FAILED,
			    "%s: out of memory", path);
			return false;
		}
		set_prop(isrc, "file", p->iso);
		set_prop(label, "model", "dac");
		set_prop(label, "relabel", "no");
		xmlAddPrevSibling(target, isrc);
	}
	set_prop(cdboot, "order", p->iso != NULL ? "1" : "2");
	set_prop(boot, "order", p->iso != NULL ? "2" : "1");
	return true;
}

/*
 * The interface: its MAC, its network or bridge, and the nwfilter that
 * keeps the VPS to that MAC and to the IP address libvirt learns from its
 * first packets. The filter gets no parameters: libvirt binds $MAC to the
 * interface's MAC by itself and learns $IP (CTRL_IP_LEARNING any, see
 * libvirt's formatnwfilter documentation). An interface takes one
 * filterref: a template that has its own (with parameters, say) needs
 * [network] filter empty.
 */
static bool
fill_network(xmlDoc *doc, const char *path,
    const struct domxml_params *p, GError **err)
{
	xmlNode	*ifc, *mac, *src;
	bool	 bridge = p->bridge != NULL;

	if ((ifc = one(doc, "/domain/devices/interface", path, err)) == NULL ||
	    (mac = one(doc, "/domain/devices/interface/mac", path,
	    err)) == NULL ||
	    (src = one(doc, "/domain/devices/interface/source", path,
	    err)) == NULL)
		return false;
	if (p->filter != NULL && domdoc_select(doc, NULL,
	    "/domain/devices/interface/filterref", NULL) != 0) {
		g_set_error(err, VPS_ERROR, VPS_ERROR_FAILED,
		    "template %s: its interface has a filterref already; "
		    "set [network] filter empty to keep it", path);
		return false;
	}
	set_prop(ifc, "type", bridge ? "bridge" : "network");
	set_only_prop(mac, "address", p->mac);
	set_only_prop(src, bridge ? "bridge" : "network",
	    bridge ? p->bridge : p->network);
	if (p->filter != NULL)
		add_node(ifc, "filterref", "filter", p->filter);
	return true;
}

static bool
fill_spice(xmlDoc *doc, const char *path,
    const struct domxml_params *p, GError **err)
{
	xmlNode	*g, *l;

	if ((g = one(doc, "/domain/devices/graphics[@type='spice']", path,
	    err)) == NULL ||
	    (l = one(doc, "/domain/devices/graphics[@type='spice']"
	    "/listen[@type='address']", path, err)) == NULL)
		return false;
	set_prop(g, "autoport", "no");
	set_prop_uint(g, "port", p->port);
	set_prop(g, "listen", p->listen);
	set_prop(g, "passwd", p->password);
	set_prop(l, "address", p->listen);
	return true;
}

void
domxml_params_init(struct domxml_params *p, const struct vps_config *cfg,
    const struct vps_entry *e)
{
	memset(p, 0, sizeof(*p));
	p->name = e->name;
	p->vcpus = e->vcpus;
	p->memory_mib = e->memory_mib;
	p->disk_kind = cfg->backend == VPS_BACKEND_LVM ? DOMXML_DISK_BLOCK :
	    DOMXML_DISK_FILE;
	p->network = cfg->network;
	p->bridge = cfg->bridge;
	p->filter = cfg->filter;
	p->listen = cfg->listen;
	p->port = e->spice_port;
}

xmlDoc *
domxml_build(const char *path, const struct domxml_params *p, GError **err)
{
	g_autofree char *text = NULL;
	xmlDoc	*doc;
	size_t	 len;

	/* The template becomes a domain that root's libvirt runs. */
	if (!vps_read_trusted_file(path, DOMDOC_SIZE_MAX, &text, &len, err)) {
		g_prefix_error(err, "cannot read template: ");
		return NULL;
	}
	if ((doc = domdoc_parse(text, len, path, err)) == NULL) {
		g_prefix_error(err, "cannot read template: ");
		return NULL;
	}
	drop_comments((xmlNode *)doc);
	if (!fill_general(doc, path, p, err) ||
	    !fill_disks(doc, path, p, err) ||
	    !fill_network(doc, path, p, err) ||
	    !fill_spice(doc, path, p, err)) {
		domdoc_free(doc);
		return NULL;
	}
	return doc;
}

bool
domxml_mac_canon(const char *s, char out[VPS_MAC_LEN + 1])
{
	unsigned char b[6];
	int	 i, d;

	for (i = 0; i < 6; i++) {
		if (i > 0 && *s++ != ':')
			return false;
		b[i] = 0;
		for (d = 0; d < 2 && g_ascii_isxdigit(*s); d++)
			b[i] = (unsigned char)(b[i] << 4 |
			    g_ascii_xdigit_value(*s++));
		if (d == 0)
			return false;
	}
	if (*s != '\0')
		return false;
	g_snprintf(out, VPS_MAC_LEN + 1, "%02x:%02x:%02x:%02x:%02x:%02x",
	    b[0], b[1], b[2], b[3], b[4], b[5]);
	return true;
}

static void
add_mac(const char *v, void *arg)
{
	char	 mac[VPS_MAC_LEN + 1];

	if (domxml_mac_canon(v, mac))
		g_hash_table_add(arg, g_strdup(mac));
}

static void
add_port(const char *v, void *arg)
{
	unsigned long long port;

	if (vps_parse_uint(v, 1, 65535, &port, NULL))
		g_hash_table_add(arg, GUINT_TO_POINTER((unsigned)port));
}

static void
add_string(const char *v, void *arg)
{
	g_ptr_array_add(arg, g_strdup(v));
}

bool
domxml_scan(const char *xml, GHashTable *macs, GHashTable *ports,
    GError **err)
{
	g_autoptr(domdoc) doc = domdoc_parse(xml, strlen(xml), "domain", err);

	if (doc == NULL)
		return false;
	if (macs != NULL && !domdoc_each(doc, NULL,
	    "/domain/devices/interface/mac/@address", add_mac, macs, err))
		return false;
	if (ports != NULL && !domdoc_each(doc, NULL,
	    "/domain/devices/graphics/@port | "
	    "/domain/devices/graphics/@tlsPort | "
	    "/domain/devices/graphics/@websocket", add_port, ports, err))
		return false;
	return true;
}

GPtrArray *
domxml_disk_sources(const char *xml, GError **err)
{
	g_autoptr(domdoc) doc = domdoc_parse(xml, strlen(xml), "domain", err);
	GPtrArray *a;

	if (doc == NULL)
		return NULL;
	a = g_ptr_array_new_with_free_func(g_free);
	if (!domdoc_each(doc, NULL, "/domain/devices/disk[@device='disk']/source/@dev"
	    " | /domain/devices/disk[@device='disk']/source/@file", add_string,
	    a, err)) {
		g_ptr_array_free(a, TRUE);
		return NULL;
	}
	return a;
}

char *
domxml_iso_path(const char *iso_dir, const char *iso, GError **err)
{
	char	*path;

	if (iso[0] == '/')
		path = g_strdup(iso);
	else if (!vps_iso_name_valid(iso, err))
		return NULL;
	else
		path = g_build_filename(iso_dir, iso, NULL);
	if (!vps_printable_ascii(path)) {
		g_free(path);
		(void)vps_invalid(err, "not printable ASCII");
		return NULL;
	}
	return path;
}
