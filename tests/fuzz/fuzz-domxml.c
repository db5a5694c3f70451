/*
 * fuzz-domxml.c: the create-vps domain XML builder and the scan of other
 * domains' XML (domxml.c), behind the validation create-vps applies.
 *
 * The input is a list of lines "key=value" (value with C escapes, as
 * g_strcompress reads them, up to a NUL; the last of a key counts):
 *	name owner vcpus memory disk port	the VPS's vps.data fields
 *	conf					one line of vps.conf (they add up)
 *	kvm (1: kvm) uuid mac password iso	what create-vps adds
 * A missing key has a valid default. The fields pass the checks create-vps
 * makes (vpsdata_entry_parse, config_parse, its ISO resolution without
 * the stat, a canonical MAC and a valid UUID; the password, random
 * [A-Za-z0-9] there, may be any printable ASCII here). For inputs that
 * pass, the XML is built from xml/domain.xml and formatted. Invariants:
 * it parses again (no network, no entities, no DTD, no comment, PI or
 * CDATA), has exactly the elements and attribute names of the XML built
 * from harmless values of the same kind (nothing injected or cut; a
 * filterref exactly when [network] filter is set), every value reads
 * back equal to its input, domxml_scan and domxml_disk_sources read back
 * the MAC, port and disk, and after domdoc_wipe_secrets the password is
 * gone. Independently the whole input
 * is scanned as another domain's XML: no crash, and only canonical MACs
 * and ports 1..65535 come back; wiping its secrets leaves no password
 * text.
 */
#include <string.h>

#include <glib.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xpath.h>

#include "domxml.h"
#include "fuzz.h"
#include "names.h"
#include "pathnames.h"
#include "storage.h"
#include "vpsconf.h"
#include "vpsdata.h"

#define TEMPLATE	XML_DIR "/" DOMXML_TEMPLATE
#define PASSWORD_MAX	256
#define REPARSE_OPTS	(XML_PARSE_NONET | XML_PARSE_NOERROR | \
	XML_PARSE_NOWARNING | XML_PARSE_NOBLANKS)

enum { F_NAME, F_OWNER, F_VCPUS, F_MEMORY, F_DISK, F_PORT, F_KVM, F_UUID,
	F_MAC, F_PASSWORD, F_ISO, F_COUNT };

static const char *const keys[F_COUNT] = {
	"name", "owner", "vcpus", "memory", "disk", "port", "kvm", "uuid",
	"mac", "password", "iso",
};

static const char *const defaults[F_COUNT] = {
	"web1", "alice", "2", "1024", "10", "5901", "0",
	"5d3b4e8c-3c1a-4f4e-9d61-2b8f7a1c0e42", "52:54:00:12:ab:cd",
	"AAAAbbbbCCCCdddd1234", NULL,
};

struct input {
	char	*f[F_COUNT];		/* NULL: not given */
	GString	*conf;
};

/*
 * Splits the input into fields; a value ends at a NUL byte (as a C string
 * would) and is unescaped.
 */
static void
input_parse(struct input *in, const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *end = p + size, *nl;
	size_t	 k, len, n;
	char	*line, *eq, *v;

	memset(in, 0, sizeof(*in));
	in->conf = g_string_new(NULL);
	for (; p < end; p = nl + 1) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		line = g_strndup(p, (size_t)(nl - p));
		if ((eq = strchr(line, '=')) == NULL) {
			g_free(line);
			continue;
		}
		*eq++ = '\0';
		/* g_strcompress warns about a trailing lone backslash. */
		for (len = strlen(eq), n = 0; n < len &&
		    eq[len - 1 - n] == '\\'; n++)
			;
		if (n % 2 == 1)
			eq[len - 1] = '\0';
		v = g_strcompress(eq);
		for (k = 0; k < F_COUNT; k++)
			if (strcmp(line, keys[k]) == 0)
				break;
		if (strcmp(line, "conf") == 0) {
			g_string_append(in->conf, v);
			g_string_append_c(in->conf, '\n');
			g_free(v);
		} else if (k < F_COUNT) {
			g_free(in->f[k]);
			in->f[k] = v;
		} else
			g_free(v);
		g_free(line);
	}
}

static void
input_free(struct input *in)
{
	size_t	 k;

	for (k = 0; k < F_COUNT; k++)
		g_free(in->f[k]);
	g_string_free(in->conf, TRUE);
}

static const char *
field(const struct input *in, int k)
{
	return in->f[k] != NULL ? in->f[k] : defaults[k];
}

static xmlDoc *
reparse(const char *xml)
{
	xmlDoc	*doc;

	doc = xmlReadMemory(xml, (int)strlen(xml), NULL, NULL, REPARSE_OPTS);
	FUZZ_ASSERT(doc != NULL && xmlDocGetRootElement(doc) != NULL);
	FUZZ_ASSERT(doc->intSubset == NULL && doc->extSubset == NULL);
	return doc;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * The structure of the tree below node: element names with their sorted
 * attribute names, and a mark for each non-blank text; any other kind of
 * node (comment, PI, CDATA, entity reference) is an invariant failure.
 */
static void
shape(const xmlNode *node, GString *out)
{
	const xmlNode *c;
	const xmlAttr *a;
	GPtrArray *names;
	guint	 i;

	for (c = node; c != NULL; c = c->next) {
		if (c->type == XML_TEXT_NODE) {
			if (!xmlIsBlankNode(c))
				g_string_append(out, "#t");
			continue;
		}
		FUZZ_ASSERT(c->type == XML_ELEMENT_NODE);
		g_string_append_printf(out, "<%s", (const char *)c->name);
		names = g_ptr_array_new();
		for (a = c->properties; a != NULL; a = a->next) {
			const xmlNode *t;

			/* An attribute holds text, nothing else. */
			for (t = a->children; t != NULL; t = t->next)
				FUZZ_ASSERT(t->type == XML_TEXT_NODE);
			g_ptr_array_add(names, (char *)a->name);
		}
		if (names->len > 1)
			qsort(names->pdata, names->len, sizeof(char *),
			    cmp_str);
		for (i = 0; i < names->len; i++)
			g_string_append_printf(out, " %s",
			    (const char *)g_ptr_array_index(names, i));
		g_ptr_array_free(names, TRUE);
		g_string_append_c(out, '>');
		shape(c->children, out);
		g_string_append(out, "</>");
	}
}

static char *
doc_shape(xmlDoc *doc)
{
	GString	*s = g_string_new(NULL);

	shape(doc->children, s);
	return g_string_free(s, FALSE);
}

/* The shape of the XML of harmless values of the same kind as p's. */
static char *
reference_shape(const struct domxml_params *p)
{
	struct domxml_params r = *p;
	GError	*err = NULL;
	xmlDoc	*doc, *again;
	char	*xml, *s;

	r.name = "ref";
	r.uuid = "0f6f1a52-8d0e-4d4c-a0e7-7b1b3a0b9c11";
	r.vcpus = 1;
	r.memory_mib = 256;
	r.disk_path = "/dev/vps/ref";
	r.iso = p->iso != NULL ? "/srv/iso/ref.iso" : NULL;
	r.mac = "52:54:00:00:00:01";
	r.network = p->network != NULL ? "default" : NULL;
	r.bridge = p->bridge != NULL ? "br0" : NULL;
	r.filter = p->filter != NULL ? "clean-traffic" : NULL;
	r.listen = "127.0.0.1";
	r.port = 5900;
	r.password = "x";
	doc = domxml_build(TEMPLATE, &r, &err);
	FUZZ_ASSERT(doc != NULL && err == NULL);
	xml = domdoc_format(doc);
	FUZZ_ASSERT(xml != NULL);
	xmlFreeDoc(doc);
	again = reparse(xml);
	s = doc_shape(again);
	xmlFreeDoc(again);
	g_free(xml);
	return s;
}

/* The value of the one node that expr selects (xmlFree). */
static xmlChar *
value(xmlXPathContext *ctx, const char *expr)
{
	xmlXPathObject *o = xmlXPathEvalExpression((const xmlChar *)expr, ctx);
	xmlChar	*v;

	FUZZ_ASSERT(o != NULL && o->nodesetval != NULL &&
	    o->nodesetval->nodeNr == 1);
	v = xmlNodeGetContent(o->nodesetval->nodeTab[0]);
	FUZZ_ASSERT(v != NULL);
	xmlXPathFreeObject(o);
	return v;
}

static void
check_value(xmlXPathContext *ctx, const char *expr, const char *want)
{
	xmlChar	*v = value(ctx, expr);

	if (strcmp((const char *)v, want) != 0) {
		fprintf(stderr, "%s: got \"%s\", want \"%s\"\n", expr,
		    (const char *)v, want);
		FUZZ_ASSERT(strcmp((const char *)v, want) == 0);
	}
	xmlFree(v);
}

static void
check_uint(xmlXPathContext *ctx, const char *expr, unsigned want)
{
	g_autofree char *text = g_strdup_printf("%u", want);

	check_value(ctx, expr, text);
}

/* Every value of the reparsed XML is the one given. */
static void
check_values(xmlDoc *doc, const struct domxml_params *p, const char *passwd)
{
	xmlXPathContext *ctx = xmlXPathNewContext(doc);
	bool	 block = p->disk_kind == DOMXML_DISK_BLOCK;

	FUZZ_ASSERT(ctx != NULL);
	check_value(ctx, "/domain/@type", p->cpu.kvm ? "kvm" : "qemu");
	if (strcmp(p->cpu.cpu, "host-passthrough") != 0 &&
	    strcmp(p->cpu.cpu, "host-model") != 0)
		check_value(ctx, "/domain/cpu/model", p->cpu.cpu);
	check_value(ctx, "//name", p->name);
	check_value(ctx, "//uuid", p->uuid);
	check_uint(ctx, "//memory", p->memory_mib);
	check_uint(ctx, "//currentMemory", p->memory_mib);
	check_uint(ctx, "//vcpu", p->vcpus);
	check_value(ctx, block ? "//disk[@device='disk']/source/@dev" :
	    "//disk[@device='disk']/source/@file", p->disk_path);
	if (p->iso != NULL)
		check_value(ctx, "//disk[@device='cdrom']/source/@file",
		    p->iso);
	check_value(ctx, "//interface/@type", p->bridge != NULL ? "bridge" :
	    "network");
	check_value(ctx, "//interface/mac/@address", p->mac);
	if (p->bridge != NULL)
		check_value(ctx, "//interface/source/@bridge", p->bridge);
	else
		check_value(ctx, "//interface/source/@network", p->network);
	if (p->filter != NULL)
		check_value(ctx, "//interface/filterref/@filter", p->filter);
	check_value(ctx, "//graphics/@type", "spice");
	check_value(ctx, "//graphics/@autoport", "no");
	check_uint(ctx, "//graphics/@port", p->port);
	check_value(ctx, "//graphics/@listen", p->listen);
	check_value(ctx, "//graphics/listen/@address", p->listen);
	check_value(ctx, "//graphics/@passwd", passwd);
	xmlXPathFreeContext(ctx);
}

/* What create-vps itself reads back: the MAC, the port, the disk. */
static void
check_scan(const char *xml, const struct domxml_params *p)
{
	GHashTable *macs = g_hash_table_new_full(g_str_hash, g_str_equal,
	    g_free, NULL);
	GHashTable *ports = g_hash_table_new(NULL, NULL);
	GPtrArray *disks;

	FUZZ_ASSERT(domxml_scan(xml, macs, ports, NULL));
	FUZZ_ASSERT(g_hash_table_size(macs) == 1 &&
	    g_hash_table_contains(macs, p->mac));
	FUZZ_ASSERT(g_hash_table_size(ports) == 1 &&
	    g_hash_table_contains(ports, GUINT_TO_POINTER(p->port)));
	disks = domxml_disk_sources(xml, NULL);
	FUZZ_ASSERT(disks != NULL && disks->len == 1 &&
	    strcmp(g_ptr_array_index(disks, 0), p->disk_path) == 0);
	g_ptr_array_free(disks, TRUE);
	g_hash_table_destroy(ports);
	g_hash_table_destroy(macs);
}

/* Parses the XML text again and holds it against p. */
static void
check_xml(const char *xml, const struct domxml_params *p, const char *passwd,
    const char *ref)
{
	xmlDoc	*doc = reparse(xml);
	char	*s = doc_shape(doc);

	if (strcmp(s, ref) != 0) {
		fprintf(stderr, "shape:\n%s\nwant:\n%s\n", s, ref);
		FUZZ_ASSERT(strcmp(s, ref) == 0);
	}
	check_values(doc, p, passwd);
	g_free(s);
	xmlFreeDoc(doc);
}

static void
build_and_check(const struct domxml_params *p)
{
	GError	*err = NULL;
	xmlDoc	*doc;
	char	*xml, *wiped, *ref;

	doc = domxml_build(TEMPLATE, p, &err);
	if (doc == NULL) {
		fprintf(stderr, "domxml_build: %s\n", err->message);
		FUZZ_ASSERT(doc != NULL);
	}
	xml = domdoc_format(doc);
	FUZZ_ASSERT(xml != NULL);
	domdoc_wipe_secrets(doc);
	wiped = domdoc_format(doc);
	FUZZ_ASSERT(wiped != NULL);
	xmlFreeDoc(doc);

	ref = reference_shape(p);
	check_xml(xml, p, p->password, ref);
	check_scan(xml, p);
	check_xml(wiped, p, "", ref);
	FUZZ_ASSERT(strstr(wiped, "passwd=\"\"") != NULL);
	g_free(ref);
	g_free(wiped);
	g_free(xml);
}

/* Runs the checks of create-vps; builds and checks the XML if they pass. */
static void
validated_build(const struct input *in)
{
	struct domxml_params p;
	struct vps_entry e;
	struct vps_config *cfg;
	struct vps_entry_text t = { field(in, F_NAME), field(in, F_OWNER),
	    field(in, F_VCPUS), field(in, F_MEMORY), field(in, F_DISK),
	    field(in, F_PORT), NULL };
	enum vps_field bad;
	const char *mac = field(in, F_MAC);
	const char *password = field(in, F_PASSWORD);
	char	 canon[VPS_MAC_LEN + 1];
	char	*iso = NULL, *disk;

	if (!vpsdata_entry_parse(&e, &t, &bad, NULL))
		return;
	if (!g_uuid_string_is_valid(field(in, F_UUID)) ||
	    !domxml_mac_canon(mac, canon) || strcmp(canon, mac) != 0 ||
	    password[0] == '\0' || strlen(password) > PASSWORD_MAX ||
	    !vps_printable_ascii(password))
		return;
	if ((cfg = config_parse(in->conf->str, in->conf->len, "fuzz.conf",
	    NULL)) == NULL)
		return;
	if (in->f[F_ISO] != NULL &&
	    (iso = domxml_iso_path(cfg->iso_dir, in->f[F_ISO], NULL)) == NULL) {
		config_free(cfg);
		return;
	}
	disk = storage_path(cfg, e.name);

	domxml_params_init(&p, cfg, &e);
	p.cpu.kvm = strcmp(field(in, F_KVM), "1") == 0;
	p.cpu.cpu = cfg->cpu;
	p.cpu.disable = (const char *const *)cfg->cpu_disable;
	p.uuid = field(in, F_UUID);
	p.disk_path = disk;
	p.iso = iso;
	p.mac = mac;
	p.password = password;
	build_and_check(&p);

	g_free(disk);
	g_free(iso);
	config_free(cfg);
}

static void
check_scan_key(gpointer key, gpointer val, gpointer arg)
{
	char	 canon[VPS_MAC_LEN + 1];

	(void)val;
	(void)arg;
	FUZZ_ASSERT(domxml_mac_canon(key, canon) && strcmp(canon, key) == 0);
}

static void
check_port_key(gpointer key, gpointer val, gpointer arg)
{
	unsigned port = GPOINTER_TO_UINT(key);

	(void)val;
	(void)arg;
	FUZZ_ASSERT(port >= 1 && port <= 65535);
}

/*
 * domdoc_wipe_secrets on any document: no crash, and no text is left in
 * a SPICE password.
 */
static void
wipe_raw(const char *text)
{
	xmlDoc	*doc = xmlReadMemory(text, (int)strlen(text), NULL, NULL,
	    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	xmlXPathContext *ctx;
	xmlXPathObject *o;
	const xmlNode *t;
	int	 i;

	if (doc == NULL)
		return;
	domdoc_wipe_secrets(doc);
	ctx = xmlXPathNewContext(doc);
	FUZZ_ASSERT(ctx != NULL);
	o = xmlXPathEvalExpression(
	    (const xmlChar *)"/domain/devices/graphics/@passwd", ctx);
	FUZZ_ASSERT(o != NULL);
	for (i = 0; o->nodesetval != NULL && i < o->nodesetval->nodeNr; i++)
		for (t = o->nodesetval->nodeTab[i]->children; t != NULL;
		    t = t->next)
			FUZZ_ASSERT(t->type != XML_TEXT_NODE ||
			    t->content == NULL || t->content[0] == '\0');
	xmlXPathFreeObject(o);
	xmlXPathFreeContext(ctx);
	xmlFreeDoc(doc);
}

/* The input, up to a NUL, as the XML of another domain. */
static void
scan_raw(const char *text)
{
	GHashTable *macs = g_hash_table_new_full(g_str_hash, g_str_equal,
	    g_free, NULL);
	GHashTable *ports = g_hash_table_new(NULL, NULL);
	GPtrArray *disks;
	GError	*err = NULL;
	guint	 i;

	if (domxml_scan(text, macs, ports, &err)) {
		FUZZ_ASSERT(err == NULL);
		g_hash_table_foreach(macs, check_scan_key, NULL);
		g_hash_table_foreach(ports, check_port_key, NULL);
	} else {
		FUZZ_ASSERT(err != NULL);
		g_clear_error(&err);
	}
	if ((disks = domxml_disk_sources(text, &err)) != NULL) {
		FUZZ_ASSERT(err == NULL);
		for (i = 0; i < disks->len; i++)
			FUZZ_ASSERT(g_ptr_array_index(disks, i) != NULL);
		g_ptr_array_free(disks, TRUE);
	} else {
		FUZZ_ASSERT(err != NULL);
		g_clear_error(&err);
	}
	g_hash_table_destroy(ports);
	g_hash_table_destroy(macs);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	*text = g_strndup((const char *)data, size);
	struct input in;

	input_parse(&in, data, size);
	validated_build(&in);
	input_free(&in);
	scan_raw(text);
	wipe_raw(text);
	g_free(text);
	return 0;
}
