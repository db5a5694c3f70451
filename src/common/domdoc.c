/*
 * domdoc.c: domain XML documents through libxml2's tree API and XPath
 * (domdoc.h). One XPath context per query: the documents are small and
 * the queries few, and no context outlives a change of the tree.
 */
#include <config.h>

#include <string.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlsave.h>
#include <libxml/xpath.h>

#include "domdoc.h"
#include "util.h"

#define PARSE_OPTS	(XML_PARSE_NONET | XML_PARSE_NOERROR | \
	XML_PARSE_NOWARNING | XML_PARSE_NOBLANKS | XML_PARSE_NOCDATA)

typedef xmlXPathContext domdoc_xpctx;
typedef xmlXPathObject domdoc_xpobj;
G_DEFINE_AUTOPTR_CLEANUP_FUNC(domdoc_xpctx, xmlXPathFreeContext)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(domdoc_xpobj, xmlXPathFreeObject)

/* libxml2's last error as text, without its trailing newline. */
static char *
xml_error(void)
{
	const xmlError *e = xmlGetLastError();

	if (e == NULL || e->message == NULL)
		return g_strdup("unknown error");
	return g_strchomp(g_strdup(e->message));
}

xmlDoc *
domdoc_parse(const char *xml, size_t len, const char *what, GError **err)
{
	xmlDoc	*doc;

	if (len > DOMDOC_SIZE_MAX) {
		g_set_error(err, VPS_ERROR, VPS_ERROR_FAILED,
		    "%s: XML too large", what);
		return NULL;
	}
	doc = xmlReadMemory(xml, (int)len, NULL, NULL, PARSE_OPTS);
	if (doc == NULL || xmlDocGetRootElement(doc) == NULL) {
		g_autofree char *why = xml_error();

		g_set_error(err, VPS_ERROR, VPS_ERROR_FAILED,
		    "%s: cannot parse XML: %s", what, why);
		xmlFreeDoc(doc);
		return NULL;
	}
	return doc;
}

/* The node set of expr, evaluated at at (or the document). */
static xmlXPathObject *
eval(xmlDoc *doc, xmlNode *at, const char *expr)
{
	g_autoptr(domdoc_xpctx) ctx = xmlXPathNewContext(doc);

	if (ctx == NULL)
		return NULL;
	if (at != NULL)
		return xmlXPathNodeEval(at, (const xmlChar *)expr, ctx);
	return xmlXPathEvalExpression((const xmlChar *)expr, ctx);
}

int
domdoc_select(xmlDoc *doc, xmlNode *at, const char *expr, xmlNode **first)
{
	g_autoptr(domdoc_xpobj) o = eval(doc, at, expr);
	int	 n;

	if (first != NULL)
		*first = NULL;
	if (o == NULL || o->type != XPATH_NODESET)
		return -1;
	n = o->nodesetval != NULL ? o->nodesetval->nodeNr : 0;
	if (n > 0 && first != NULL)
		*first = o->nodesetval->nodeTab[0];
	return n;
}

xmlNode *
domdoc_find(xmlDoc *doc, xmlNode *at, const char *expr)
{
	xmlNode	*n;

	return domdoc_select(doc, at, expr, &n) > 0 ? n : NULL;
}

char *
domdoc_get(xmlDoc *doc, xmlNode *at, const char *expr)
{
	xmlNode	*n = domdoc_find(doc, at, expr);
	xmlChar	*v;
	char	*copy;

	if (n == NULL || (v = xmlNodeGetContent(n)) == NULL)
		return NULL;
	copy = g_strdup((const char *)v);
	xmlFree(v);
	return copy;
}

bool
domdoc_each(xmlDoc *doc, xmlNode *at, const char *expr,
    void (*fn)(const char *, void *), void *arg, GError **err)
{
	g_autoptr(domdoc_xpobj) o = eval(doc, at, expr);
	int	 i;

	if (o == NULL) {
		g_set_error(err, VPS_ERROR, VPS_ERROR_FAILED,
		    "cannot evaluate %s", expr);
		return false;
	}
	for (i = 0; o->nodesetval != NULL && i < o->nodesetval->nodeNr;
	    i++) {
		xmlChar *v = xmlNodeGetContent(o->nodesetval->nodeTab[i]);

		if (v != NULL)
			fn((const char *)v, arg);
		xmlFree(v);
	}
	return true;
}

void
domdoc_remove(xmlDoc *doc, xmlNode *at, const char *expr)
{
	g_autoptr(domdoc_xpobj) o = eval(doc, at, expr);
	xmlNodeSet *set = o != NULL ? o->nodesetval : NULL;
	int	 i;

	if (set == NULL)
		return;
	/*
	 * All unlinked first, then freed: a selected element inside another
	 * is then a tree of its own, not freed twice.
	 */
	for (i = 0; i < set->nodeNr; i++) {
		if (set->nodeTab[i]->type == XML_ELEMENT_NODE)
			xmlUnlinkNode(set->nodeTab[i]);
	}
	for (i = 0; i < set->nodeNr; i++) {
		if (set->nodeTab[i]->type == XML_ELEMENT_NODE)
			xmlFreeNode(set->nodeTab[i]);
		set->nodeTab[i] = NULL;
	}
	set->nodeNr = 0;
}

bool
domdoc_set_prop(xmlNode *n, const char *name, const char *value)
{
	return xmlSetProp(n, (const xmlChar *)name,
	    (const xmlChar *)value) != NULL;
}

/* The buffer's text, copied; the buffer is wiped and freed. */
static char *
buffer_take(xmlBuffer *buf, bool ok)
{
	char	*s = NULL;

	if (ok)
		s = g_strdup((const char *)xmlBufferContent(buf));
	explicit_bzero(buf->content, buf->use);
	xmlBufferFree(buf);
	return s;
}

char *
domdoc_node_xml(xmlDoc *doc, xmlNode *node)
{
	xmlBuffer *buf = xmlBufferCreate();

	if (buf == NULL)
		return NULL;
	return buffer_take(buf, xmlNodeDump(buf, doc, node, 0, 0) > 0);
}

char *
domdoc_format(xmlDoc *doc)
{
	xmlBuffer *buf = xmlBufferCreate();
	xmlSaveCtxt *save;
	bool	 ok = false;

	if (buf == NULL)
		return NULL;
	save = xmlSaveToBuffer(buf, "UTF-8", XML_SAVE_FORMAT |
	    XML_SAVE_NO_DECL);
	if (save != NULL) {
		xmlSaveDoc(save, doc);
		ok = xmlSaveClose(save) != -1;
	}
	return buffer_take(buf, ok);
}

void
domdoc_wipe_secrets(xmlDoc *doc)
{
	g_autoptr(domdoc_xpobj) o = NULL;
	int	 i;

	if (doc == NULL ||
	    (o = eval(doc, NULL, "/domain/devices/graphics/@passwd")) == NULL)
		return;
	for (i = 0; o->nodesetval != NULL && i < o->nodesetval->nodeNr;
	    i++) {
		xmlNode *t;

		for (t = o->nodesetval->nodeTab[i]->children; t != NULL;
		    t = t->next)
			if (t->content != NULL)
				explicit_bzero(t->content,
				    strlen((char *)t->content));
	}
}

void
domdoc_free(xmlDoc *doc)
{
	if (doc == NULL)
		return;
	domdoc_wipe_secrets(doc);
	xmlFreeDoc(doc);
}
