/*
 * test-domxml.c: the domain XML of both storage backends against golden
 * files (tests/unit/golden/domain-*.xml), validated with libvirt's own
 * schema (virt-xml-validate); hostile values stay values; the scan of a
 * domain's MACs (canonical), ports and disks.
 * VPS_UPDATE_GOLDEN=1 rewrites the golden files from the current output.
 */
#include <config.h>

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <glib.h>
#include <libxml/parser.h>
#include <libxml/xpath.h>

#include "unit.h"
#include "domxml.h"
#include "pathnames.h"
#include "util.h"
#include "vpsconf.h"
#include "vpsdata.h"

#define TEMPLATE	XML_DIR "/" DOMXML_TEMPLATE
#define VALIDATOR	"virt-xml-validate"

static const struct domxml_params lvm_params = {
	.cpu = { .kvm = true, .cpu = "host-passthrough", .disable = NULL },
	.name = "web1",
	.uuid = "5d3b4e8c-3c1a-4f4e-9d61-2b8f7a1c0e42",
	.vcpus = 2,
	.memory_mib = 1024,
	.disk_kind = DOMXML_DISK_BLOCK,
	.disk_path = "/dev/vps/web1",
	.iso = NULL,
	.mac = "52:54:00:12:ab:cd",
	.network = "default",
	.bridge = NULL,
	.filter = "clean-traffic",
	.listen = "127.0.0.1",
	.port = 5901,
	.password = "AAAAbbbbCCCCdddd1234",
};

static const struct domxml_params file_params = {
	.cpu = { .kvm = false, .cpu = "host-passthrough", .disable = NULL },
	.name = "db-2",
	.uuid = "0f6f1a52-8d0e-4d4c-a0e7-7b1b3a0b9c11",
	.vcpus = 1,
	.memory_mib = 256,
	.disk_kind = DOMXML_DISK_FILE,
	.disk_path = "/var/lib/libvirt/images/vps/db-2.img",
	.iso = "/var/lib/libvirt/images/iso/debian-12.iso",
	.mac = "52:54:00:00:00:01",
	.network = NULL,
	.bridge = "br0",
	.filter = NULL,
	.listen = "::1",
	.port = 6899,
	.password = "zzzzYYYYxxxxWWWW9876",
};

static char *
build(const struct domxml_params *p)
{
	g_autoptr(GError) err = NULL;
	xmlDoc	*doc = domxml_build(TEMPLATE, p, &err);
	char	*xml;

	if (doc == NULL)
		FAIL_MSG("domxml_build: %s", err->message);
	xml = domdoc_format(doc);
	domdoc_wipe_secrets(doc);
	xmlFreeDoc(doc);
	assert_non_null(xml);
	return xml;
}

/* libvirt's schema check of the XML text, through a temp file. */
static void
validate(const char *xml)
{
	g_autoptr(GError) err = NULL;
	g_autofree char *path = NULL, *out = NULL, *errout = NULL;
	const char *argv[] = { VALIDATOR, NULL, "domain", NULL };
	int	 fd, status;

	fd = g_file_open_tmp("test-domxml-XXXXXX.xml", &path, &err);
	assert_true(fd != -1);
	close(fd);
	assert_true(g_file_set_contents(path, xml, -1, NULL));
	argv[1] = path;
	if (!g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH,
	    NULL, NULL, &out, &errout, &status, &err)) {
		unlink(path);
		FAIL_MSG("cannot run %s: %s", VALIDATOR, err->message);
	}
	unlink(path);
	if (!g_spawn_check_wait_status(status, NULL))
		FAIL_MSG("%s refuses the XML: %s%s", VALIDATOR, out, errout);
}

static void
test_lvm_golden(void **state)
{
	g_autofree char *xml = build(&lvm_params);

	compare_golden("domain-lvm.xml", xml);
	validate(xml);
}

static void
test_file_golden(void **state)
{
	g_autofree char *xml = build(&file_params);

	compare_golden("domain-file.xml", xml);
	validate(xml);
}

/*
 * domxml_params_init takes from vps.conf and the vps.data entry exactly
 * what the golden parameters hold, and leaves what a run of create-vps
 * chooses unset.
 */
static void
params_from_config(const char *conf, const struct vps_entry *e,
    const struct domxml_params *want)
{
	g_autoptr(GError) err = NULL;
	g_autoptr(vps_config) cfg = config_parse(conf, strlen(conf),
	    "test.conf", &err);
	struct domxml_params p;

	if (cfg == NULL)
		FAIL_MSG("config_parse: %s", err->message);
	domxml_params_init(&p, cfg, e);
	assert_string_equal(p.name, want->name);
	assert_int_equal(p.vcpus, want->vcpus);
	assert_int_equal(p.memory_mib, want->memory_mib);
	assert_int_equal(p.disk_kind, want->disk_kind);
	assert_int_equal(p.port, want->port);
	assert_string_equal(p.listen, want->listen);
	assert_true(g_strcmp0(p.network, want->network) == 0);
	assert_true(g_strcmp0(p.bridge, want->bridge) == 0);
	assert_true(g_strcmp0(p.filter, want->filter) == 0);
	assert_null(p.cpu.cpu);
	assert_null(p.uuid);
	assert_null(p.disk_path);
	assert_null(p.iso);
	assert_null(p.mac);
	assert_null(p.password);
}

static void
test_params_init(void **state)
{
	static const struct vps_entry web1 = { .name = "web1",
	    .owner = "alice", .vcpus = 2, .memory_mib = 1024, .disk_gib = 10,
	    .spice_port = 5901 };
	static const struct vps_entry db2 = { .name = "db-2",
	    .owner = "bob", .vcpus = 1, .memory_mib = 256, .disk_gib = 1,
	    .spice_port = 6899 };

	params_from_config("", &web1, &lvm_params);
	params_from_config("[storage]\nbackend = file\n"
	    "[network]\nbridge = br0\nfilter =\n"
	    "[spice]\nlisten = ::1\n", &db2, &file_params);
}

/* The value of the one node expr selects in xml, or NULL if not one. */
static char *
value_of(const char *xml, const char *expr)
{
	xmlDoc	*doc = xmlReadMemory(xml, (int)strlen(xml), NULL, NULL,
	    XML_PARSE_NONET);
	xmlXPathContext *ctx;
	xmlXPathObject *o;
	char	*v = NULL;

	assert_non_null(doc);
	ctx = xmlXPathNewContext(doc);
	o = xmlXPathEvalExpression((const xmlChar *)expr, ctx);
	if (o != NULL && o->nodesetval != NULL &&
	    o->nodesetval->nodeNr == 1) {
		xmlChar *c = xmlNodeGetContent(o->nodesetval->nodeTab[0]);

		v = g_strdup((const char *)c);
		xmlFree(c);
	}
	xmlXPathFreeObject(o);
	xmlXPathFreeContext(ctx);
	xmlFreeDoc(doc);
	return v;
}

/* The value of expr in xml is want (the caller's line in a failure). */
#define assert_value_of(xml, expr, want) do {				\
	g_autofree char *v_ = value_of((xml), (expr));			\
									\
	assert_string_equal(v_, (want));				\
} while (0)

static int
count_of(const char *xml, const char *expr)
{
	xmlDoc	*doc = xmlReadMemory(xml, (int)strlen(xml), NULL, NULL,
	    XML_PARSE_NONET);
	xmlXPathContext *ctx = xmlXPathNewContext(doc);
	xmlXPathObject *o;
	int	 n;

	o = xmlXPathEvalExpression((const xmlChar *)expr, ctx);
	assert_non_null(o);
	n = o->nodesetval != NULL ? o->nodesetval->nodeNr : 0;
	xmlXPathFreeObject(o);
	xmlXPathFreeContext(ctx);
	xmlFreeDoc(doc);
	return n;
}

/*
 * Values that would break out of an attribute or an element if they were
 * pasted into the text: they must come back exactly, and add nothing.
 */
static const char *const hostile[] = {
	"a'b\"c<d>e&f",
	"\"/><disk type='file' device='disk'><source file='/etc/shadow'/>",
	"]]><!-- x --><!ENTITY e SYSTEM 'file:///etc/passwd'>&e;",
	"&lt;&amp;&#x41;",
};

static void
check_hostile(const char *value)
{
	struct domxml_params p = file_params;
	g_autofree char *xml = NULL, *v = NULL;

	p.name = value;
	p.disk_path = value;
	p.iso = value;
	p.network = value;
	p.bridge = NULL;
	p.filter = value;
	p.listen = value;
	p.password = value;
	xml = build(&p);
	assert_value_of(xml, "/domain/name", value);
	assert_value_of(xml, "/domain/devices/disk[@device='disk']/source/@file",
	    value);
	assert_value_of(xml, "/domain/devices/disk[@device='cdrom']/source/@file",
	    value);
	assert_value_of(xml, "/domain/devices/interface/source/@network",
	    value);
	assert_value_of(xml, "/domain/devices/interface/filterref/@filter",
	    value);
	v = value_of(xml, "/domain/devices/graphics/@passwd");
	assert_string_equal(v, value);
	/* Exactly the template's elements: two disks, one graphics... */
	assert_int_equal(count_of(xml, "//disk"), 2);
	assert_int_equal(count_of(xml, "//source"), 3);
	assert_int_equal(count_of(xml, "//comment()"), 0);
	assert_int_equal(count_of(xml, "//graphics/@*"), 5);
	assert_int_equal(count_of(xml, "//filterref"), 1);
	assert_int_equal(count_of(xml, "//filterref/@* | //filterref/*"), 1);
}

static void
test_hostile(void **state)
{
	size_t	 i;

	for (i = 0; i < G_N_ELEMENTS(hostile); i++)
		check_hostile(hostile[i]);
}

static void
test_boot_order(void **state)
{
	struct domxml_params p = lvm_params;
	g_autofree char *xml = NULL, *v = NULL;

	xml = build(&p);
	v = value_of(xml, "/domain/devices/disk[@device='disk']/boot/@order");
	assert_string_equal(v, "1");
	assert_int_equal(count_of(xml,
	    "/domain/devices/disk[@device='cdrom']/source"), 0);
	g_free(xml);
	g_free(v);
	p.iso = "/srv/iso/x.iso";
	xml = build(&p);
	assert_value_of(xml, "/domain/devices/disk[@device='cdrom']/boot/@order",
	    "1");
	v = value_of(xml, "/domain/devices/disk[@device='disk']/boot/@order");
	assert_string_equal(v, "2");
	/* libvirt never relabels the ISO: it stays root's. */
	assert_int_equal(count_of(xml, "/domain/devices/disk[@device='cdrom']"
	    "/source/seclabel[@model='dac'][@relabel='no']"), 1);
}

static void
test_domain_type(void **state)
{
	g_autofree char *kvm = build(&lvm_params);
	g_autofree char *tcg = build(&file_params);

	assert_int_equal(count_of(kvm, "/domain[@type='kvm']/cpu"), 1);
	assert_int_equal(count_of(tcg, "/domain[@type='qemu']"), 1);
	assert_int_equal(count_of(tcg, "/domain/cpu"), 0);
}

/* [vps] cpu and cpu_disable: each mode, under KVM and under TCG. */
static void
test_cpu(void **state)
{
	static const char *const off[] = { "arch-capabilities", "vmx", NULL };
	struct domxml_params p = lvm_params;
	g_autofree char *model = NULL, *hostmodel = NULL, *tcgmodel = NULL;
	g_autofree char *passoff = NULL, *tcgoff = NULL;

	p.cpu.cpu = "Haswell-noTSX";
	p.cpu.disable = off;
	model = build(&p);
	assert_int_equal(count_of(model, "/domain/cpu[@mode='custom']"
	    "[@match='exact'][@check='partial']"), 1);
	assert_value_of(model, "/domain/cpu/model", "Haswell-noTSX");
	assert_value_of(model, "/domain/cpu/model/@fallback", "forbid");
	assert_int_equal(count_of(model, "/domain/cpu/feature"
	    "[@policy='disable']"), 2);
	assert_int_equal(count_of(model, "/domain/cpu/feature"
	    "[@name='arch-capabilities']"), 1);
	p.cpu.kvm = false;
	tcgmodel = build(&p);
	assert_int_equal(count_of(tcgmodel, "/domain[@type='qemu']/cpu/model"),
	    1);
	p.cpu.cpu = "host-passthrough";
	tcgoff = build(&p);
	assert_int_equal(count_of(tcgoff, "/domain/cpu"), 0);
	p.cpu.kvm = true;
	passoff = build(&p);
	assert_int_equal(count_of(passoff, "/domain/cpu[@mode="
	    "'host-passthrough']/feature[@name='vmx']"), 1);
	p.cpu.cpu = "host-model";
	p.cpu.disable = NULL;
	hostmodel = build(&p);
	assert_int_equal(count_of(hostmodel, "/domain/cpu[@mode='host-model']"),
	    1);
	assert_int_equal(count_of(hostmodel, "/domain/cpu/*"), 0);
}

/* The probe domain: its boot sector, pvpanic, no network, no display. */
static void
test_probe(void **state)
{
	static const char *const off[] = { "arch-capabilities", NULL };
	struct domxml_cpu c = { true, "host-passthrough", off };
	xmlDoc	*doc = domxml_probe("vpshost-Probe-1", &c,
	    "/usr/share/vpshost/probe.img");
	g_autofree char *xml = domdoc_format(doc);

	xmlFreeDoc(doc);
	assert_non_null(xml);
	assert_int_equal(count_of(xml, "/domain[@type='kvm']"), 1);
	assert_value_of(xml, "/domain/name", "vpshost-Probe-1");
	assert_int_equal(count_of(xml, "//interface | //graphics"), 0);
	assert_value_of(xml, "/domain/devices/disk[@device='disk']/source/@file",
	    "/usr/share/vpshost/probe.img");
	assert_int_equal(count_of(xml, "//disk/readonly"), 1);
	assert_int_equal(count_of(xml, "//disk/source/seclabel"
	    "[@relabel='no']"), 1);
	assert_int_equal(count_of(xml, "/domain/devices/panic[@model='isa']"
	    "/address[@iobase='0x505']"), 1);
	assert_value_of(xml, "/domain/on_crash", "preserve");
	assert_value_of(xml, "/domain/on_reboot", "destroy");
	assert_int_equal(count_of(xml, "/domain/cpu[@mode='host-passthrough']"
	    "/feature[@name='arch-capabilities']"), 1);
	c.kvm = false;
	doc = domxml_probe("vpshost-Probe-2", &c, "/x/probe.img");
	g_free(xml);
	xml = domdoc_format(doc);
	xmlFreeDoc(doc);
	assert_int_equal(count_of(xml, "/domain[@type='qemu']"), 1);
	assert_int_equal(count_of(xml, "/domain/cpu"), 0);
}

/* The password is gone from the tree once wiped. */
static void
test_wipe(void **state)
{
	xmlDoc	*doc = domxml_build(TEMPLATE, &lvm_params, NULL);
	g_autofree char *xml = NULL;

	assert_non_null(doc);
	domdoc_wipe_secrets(doc);
	xml = domdoc_format(doc);
	xmlFreeDoc(doc);
	assert_null(strstr(xml, lvm_params.password));
}

/*
 * [network] filter: a filterref without parameters on the interface
 * (libvirt binds MAC and learns IP), none when the key is empty.
 */
static void
test_filter(void **state)
{
	struct domxml_params p = lvm_params;
	g_autofree char *with = NULL, *without = NULL;

	with = build(&p);
	assert_value_of(with, "/domain/devices/interface/filterref/@filter",
	    "clean-traffic");
	assert_int_equal(count_of(with, "//filterref"), 1);
	assert_int_equal(count_of(with, "//filterref/*"), 0);
	p.filter = NULL;
	without = build(&p);
	assert_int_equal(count_of(without, "//filterref"), 0);
}

/* Writes a template with one filterref on its interface; g_free. */
static char *
filterref_template(void)
{
	g_autofree char *tmpl = NULL;
	GString	*s;
	char	*path, *at;
	int	 fd;

	assert_true(g_file_get_contents(TEMPLATE, &tmpl, NULL, NULL));
	assert_non_null(at = strstr(tmpl, "<model type='virtio'/>"));
	s = g_string_new_len(tmpl, at - tmpl);
	g_string_append(s, "<filterref filter='own'><parameter name='IP' "
	    "value='10.0.0.1'/></filterref>");
	g_string_append(s, at);
	fd = g_file_open_tmp("test-domxml-XXXXXX.xml", &path, NULL);
	assert_true(fd != -1);
	close(fd);
	assert_true(g_file_set_contents(path, s->str, -1, NULL));
	g_string_free(s, TRUE);
	return path;
}

/*
 * A template's own filterref is kept when [network] filter is empty and
 * refused when it is set: an interface takes one filterref.
 */
static void
test_template_filterref(void **state)
{
	g_autoptr(GError) err = NULL;
	g_autofree char *path = filterref_template(), *xml = NULL;
	struct domxml_params p = lvm_params;
	xmlDoc	*doc;

	assert_null(domxml_build(path, &p, &err));
	assert_non_null(strstr(err->message, "filterref"));
	p.filter = NULL;
	doc = domxml_build(path, &p, NULL);
	unlink(path);
	assert_non_null(doc);
	xml = domdoc_format(doc);
	domdoc_wipe_secrets(doc);
	xmlFreeDoc(doc);
	assert_value_of(xml, "/domain/devices/interface/filterref/@filter",
	    "own");
	assert_int_equal(count_of(xml, "//filterref/parameter"), 1);
}

static void
test_bad_template(void **state)
{
	g_autoptr(GError) err = NULL;
	g_autofree char *path = NULL;
	int	 fd;

	assert_null(domxml_build("/nonexistent/domain.xml", &lvm_params,
	    &err));
	assert_non_null(strstr(err->message, "/nonexistent/domain.xml"));
	g_clear_error(&err);
	fd = g_file_open_tmp("test-domxml-XXXXXX.xml", &path, NULL);
	assert_true(fd != -1);
	close(fd);
	/* Two interfaces: the MAC would have no single place. */
	assert_true(g_file_set_contents(path, "<domain><name/><uuid/>"
	    "<memory/><currentMemory/><vcpu/><devices><interface/>"
	    "<interface/></devices></domain>", -1, NULL));
	assert_null(domxml_build(path, &lvm_params, &err));
	unlink(path);
	assert_non_null(strstr(err->message, "expected exactly one"));
}

static const char scan_xml[] =
    "<domain type='qemu'><name>x</name><devices>"
    "<disk type='block' device='disk'><source dev='/dev/vg/x'/></disk>"
    "<disk type='file' device='disk'><source file='/srv/x2.img'/></disk>"
    "<disk type='file' device='cdrom'><source file='/srv/a.iso'/></disk>"
    "<interface type='network'><mac address='52:54:00:AA:bb:01'/></interface>"
    "<interface type='bridge'><mac address='52:54:00:aa:bb:02'/></interface>"
    "<graphics type='spice' port='5901' tlsPort='5902'/>"
    "<graphics type='vnc' port='-1' websocket='5700'/>"
    "</devices></domain>";

static void
test_scan(void **state)
{
	g_autoptr(GHashTable) macs = g_hash_table_new_full(g_str_hash,
	    g_str_equal, g_free, NULL);
	g_autoptr(GHashTable) ports = g_hash_table_new(NULL, NULL);
	g_autoptr(GPtrArray) disks = NULL;

	assert_true(domxml_scan(scan_xml, macs, ports, NULL));
	assert_int_equal(g_hash_table_size(macs), 2);
	assert_true(g_hash_table_contains(macs, "52:54:00:aa:bb:01"));
	assert_true(g_hash_table_contains(macs, "52:54:00:aa:bb:02"));
	assert_int_equal(g_hash_table_size(ports), 3);
	assert_true(g_hash_table_contains(ports, GUINT_TO_POINTER(5901)));
	assert_true(g_hash_table_contains(ports, GUINT_TO_POINTER(5902)));
	assert_true(g_hash_table_contains(ports, GUINT_TO_POINTER(5700)));
	disks = domxml_disk_sources(scan_xml, NULL);
	assert_non_null(disks);
	assert_int_equal(disks->len, 2);
	assert_string_equal(g_ptr_array_index(disks, 0), "/dev/vg/x");
	assert_string_equal(g_ptr_array_index(disks, 1), "/srv/x2.img");
}

static const struct {
	const char *in;
	const char *want;		/* NULL: no MAC */
} mac_cases[] = {
	{ "52:54:00:12:ab:cd", "52:54:00:12:ab:cd" },
	{ "52:54:00:AA:Bb:0F", "52:54:00:aa:bb:0f" },
	{ "52:54:0:a:B:1", "52:54:00:0a:0b:01" },
	{ "", NULL },
	{ "not a mac", NULL },
	{ "52:54:00:12:ab", NULL },
	{ "52:54:00:12:ab:cd:ef", NULL },
	{ "52:54:00:12:ab:cd ", NULL },
	{ " 52:54:00:12:ab:cd", NULL },
	{ "52-54-00-12-ab-cd", NULL },
	{ "52:54:00:12:abc:d", NULL },
	{ "52:54:00:12::cd", NULL },
	{ "52:54:00:12:ab:cg", NULL },
	{ "0x2:54:00:12:ab:cd", NULL },
};

static void
test_mac_canon(void **state)
{
	char	 out[VPS_MAC_LEN + 1];
	size_t	 i;

	for (i = 0; i < G_N_ELEMENTS(mac_cases); i++) {
		bool	 ok = domxml_mac_canon(mac_cases[i].in, out);

		if (mac_cases[i].want == NULL)
			assert_false(ok);
		else {
			assert_true(ok);
			assert_string_equal(out, mac_cases[i].want);
		}
	}
}

/* The cdrom source create-vps takes: a library name or an absolute path. */
static const struct {
	const char *in;
	const char *want;	/* NULL: refused */
} iso_cases[] = {
	{ "debian-12.iso", "/srv/iso/debian-12.iso" },
	{ "/opt/images/x.iso", "/opt/images/x.iso" },
	{ "/anything/goes", "/anything/goes" },	/* the admin's own path */
	{ "../x.iso", NULL },
	{ "a/b.iso", NULL },
	{ "x.img", NULL },
	{ "", NULL },
	{ "/tmp/a\033[2J.iso", NULL },
	{ "/tmp/\n.iso", NULL },
};

static void
test_iso_path(void **state)
{
	size_t	 i;

	for (i = 0; i < G_N_ELEMENTS(iso_cases); i++) {
		g_autoptr(GError) err = NULL;
		g_autofree char *path = domxml_iso_path("/srv/iso",
		    iso_cases[i].in, &err);

		if (iso_cases[i].want == NULL) {
			assert_null(path);
			assert_true(g_error_matches(err, VPS_ERROR,
			    VPS_ERROR_INVALID));
		} else {
			assert_string_equal(path, iso_cases[i].want);
			assert_null(err);
		}
	}
}

/*
 * MACs come back canonical, so that a MAC written another way still
 * collides; a value that is no MAC (found by fuzz-domxml) is skipped.
 */
static void
test_scan_macs(void **state)
{
	g_autoptr(GHashTable) macs = g_hash_table_new_full(g_str_hash,
	    g_str_equal, g_free, NULL);

	assert_true(domxml_scan("<domain><devices>"
	    "<interface><mac address='52:54:0:A:b:1'/></interface>"
	    "<interface><mac address='not a mac'/></interface>"
	    "<interface><mac address=''/></interface>"
	    "<interface><mac address='52:54:00:aa:bb:cc:dd'/></interface>"
	    "</devices></domain>", macs, NULL, NULL));
	assert_int_equal(g_hash_table_size(macs), 1);
	assert_true(g_hash_table_contains(macs, "52:54:00:0a:0b:01"));
}

static void
test_scan_invalid(void **state)
{
	g_autoptr(GError) err = NULL;

	assert_false(domxml_scan("<domain><devices>", NULL, NULL, &err));
	assert_non_null(err);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_lvm_golden),
	cmocka_unit_test(test_file_golden),
	cmocka_unit_test(test_params_init),
	cmocka_unit_test(test_hostile),
	cmocka_unit_test(test_boot_order),
	cmocka_unit_test(test_domain_type),
	cmocka_unit_test(test_cpu),
	cmocka_unit_test(test_probe),
	cmocka_unit_test(test_filter),
	cmocka_unit_test(test_template_filterref),
	cmocka_unit_test(test_wipe),
	cmocka_unit_test(test_bad_template),
	cmocka_unit_test(test_scan),
	cmocka_unit_test(test_mac_canon),
	cmocka_unit_test(test_iso_path),
	cmocka_unit_test(test_scan_macs),
	cmocka_unit_test(test_scan_invalid),
};

UNIT_MAIN(tests)
