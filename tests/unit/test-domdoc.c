/*
 * test-domdoc.c: the one way domain XML is read and edited: selection by
 * XPath (absolute and relative), values, removal of nested elements,
 * element and document text, and SPICE passwords wiped before the tree
 * is freed.
 */
#include <config.h>

#include <string.h>
#include <glib.h>
#include <libxml/tree.h>

#include "unit.h"
#include "domdoc.h"

#define DOMAIN_XML \
	"<domain type='kvm'><name>web1</name>" \
	"<os><boot dev='cdrom'/><boot dev='hd'/></os>" \
	"<devices>" \
	"<disk type='file' device='disk'><source file='/d/web1.img'/>" \
	"<target dev='vda'/><boot order='1'/></disk>" \
	"<disk type='file' device='cdrom'><source file='/iso/a.iso'>" \
	"<seclabel model='dac' relabel='no'/></source>" \
	"<backingStore type='file'><backingStore/></backingStore>" \
	"<target dev='sda'/><boot order='2'/></disk>" \
	"<interface type='network'><mac address='52:54:00:00:00:01'/></interface>" \
	"<interface type='network'><mac address='52:54:00:00:00:02'/></interface>" \
	"<graphics type='spice' port='5901' passwd='s3cr3t-pass'/>" \
	"</devices></domain>"

static xmlDoc *
parse(void)
{
	g_autoptr(GError) err = NULL;
	xmlDoc	*doc = domdoc_parse(DOMAIN_XML, strlen(DOMAIN_XML), "test",
	    &err);

	if (doc == NULL)
		FAIL_MSG("parse: %s", err->message);
	return doc;
}

static void
test_parse_errors(void **state)
{
	g_autoptr(GError) err = NULL;
	static const char *const bad[] = {
		"", "<domain>", "<domain></dom>", "not xml",
		"<!DOCTYPE d SYSTEM 'http://example.org/d.dtd'><d/>x",
	};
	size_t	 i;

	(void)state;
	for (i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_clear_error(&err);
		assert_null(domdoc_parse(bad[i], strlen(bad[i]), "bad", &err));
		assert_non_null(err);
		assert_non_null(strstr(err->message, "bad: cannot parse XML"));
	}
	g_clear_error(&err);
	assert_null(domdoc_parse("<a/>", DOMDOC_SIZE_MAX + 1, "big", &err));
	assert_string_equal(err->message, "big: XML too large");
}

static void
test_select(void **state)
{
	g_autoptr(domdoc) doc = parse();
	xmlNode	*n, *cdrom;
	g_autofree char *file = NULL, *dev = NULL, *none = NULL;

	(void)state;
	assert_int_equal(domdoc_select(doc, NULL, "/domain/devices/disk", &n),
	    2);
	assert_string_equal((const char *)n->name, "disk");
	assert_int_equal(domdoc_select(doc, NULL, "/domain/nothing", &n), 0);
	assert_null(n);
	assert_int_equal(domdoc_select(doc, NULL, "/domain/[", &n), -1);
	assert_int_equal(domdoc_select(doc, NULL, "count(/domain)", NULL), -1);
	cdrom = domdoc_find(doc, NULL, "/domain/devices/disk[@device='cdrom']");
	assert_non_null(cdrom);
	file = domdoc_get(doc, cdrom, "source[1]/@file");
	assert_string_equal(file, "/iso/a.iso");
	dev = domdoc_get(doc, cdrom, "target/@dev");
	assert_string_equal(dev, "sda");
	none = domdoc_get(doc, cdrom, "source/@dev");
	assert_null(none);
	/* Relative to the cdrom: its boot, not the disk's. */
	assert_int_equal(domdoc_select(doc, cdrom, "boot[@order='2']", NULL),
	    1);
	assert_int_equal(domdoc_select(doc, cdrom, "boot[@order='1']", NULL),
	    0);
	/* Sibling order, as the boot order check reads it. */
	n = domdoc_find(doc, NULL, "/domain/os/boot[@dev='cdrom']");
	assert_true(domdoc_find(doc, n, "following-sibling::boot[@dev='hd']")
	    == domdoc_find(doc, NULL, "/domain/os/boot[@dev='hd']"));
}

static void
add(const char *v, void *arg)
{
	g_string_append_printf(arg, "%s;", v);
}

static void
test_each(void **state)
{
	g_autoptr(domdoc) doc = parse();
	g_autoptr(GError) err = NULL;
	g_autoptr(GString) got = g_string_new(NULL);

	(void)state;
	assert_true(domdoc_each(doc, NULL,
	    "/domain/devices/interface/mac/@address", add, got, &err));
	assert_string_equal(got->str, "52:54:00:00:00:01;52:54:00:00:00:02;");
	g_string_truncate(got, 0);
	assert_true(domdoc_each(doc, NULL, "/domain/devices/*/boot/@order",
	    add, got, &err));
	assert_string_equal(got->str, "1;2;");
	assert_false(domdoc_each(doc, NULL, "][", add, got, &err));
	assert_string_equal(err->message, "cannot evaluate ][");
}

static void
test_remove_and_text(void **state)
{
	g_autoptr(domdoc) doc = parse();
	g_autofree char *xml = NULL;
	xmlNode	*cdrom;

	(void)state;
	cdrom = domdoc_find(doc, NULL, "/domain/devices/disk[@device='cdrom']");
	/* Nested backingStore elements: each selected, each freed once. */
	domdoc_remove(doc, cdrom, "source | .//backingStore");
	xml = domdoc_node_xml(doc, cdrom);
	assert_string_equal(xml, "<disk type=\"file\" device=\"cdrom\">"
	    "<target dev=\"sda\"/><boot order=\"2\"/></disk>");
	/* Attributes are not elements: left alone. */
	domdoc_remove(doc, cdrom, "@device");
	assert_non_null(domdoc_find(doc, NULL,
	    "/domain/devices/disk[@device='cdrom']"));
	assert_true(domdoc_set_prop(cdrom, "device", "a<b'\"&"));
	g_free(xml);
	xml = domdoc_node_xml(doc, cdrom);
	assert_non_null(strstr(xml, "device=\"a&lt;b'&quot;&amp;\""));
}

static void
test_format_and_wipe(void **state)
{
	g_autoptr(domdoc) doc = parse();
	g_autofree char *before = NULL, *after = NULL;

	(void)state;
	before = domdoc_format(doc);
	assert_non_null(strstr(before, "s3cr3t-pass"));
	assert_null(strstr(before, "<?xml"));
	domdoc_wipe_secrets(doc);
	after = domdoc_format(doc);
	assert_null(strstr(after, "s3cr3t-pass"));
	assert_non_null(strstr(after, "<name>web1</name>"));
	domdoc_free(NULL);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_parse_errors),
	cmocka_unit_test(test_select),
	cmocka_unit_test(test_each),
	cmocka_unit_test(test_remove_and_text),
	cmocka_unit_test(test_format_and_wipe),
};

UNIT_MAIN(tests)
