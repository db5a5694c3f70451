/*
 * domdoc.h: a libvirt domain XML document, read and edited with libxml2's
 * tree API and XPath (the one way the project reads domain XML: create-vps
 * and delete-vps on a definition or the template, the menu's helper on a
 * running domain). Every value is an attribute value or a text node: a
 * hostile value cannot become markup (libxml2 escapes it when written).
 *
 * XPath expressions are compiled-in constants; at is the context node of a
 * relative expression (NULL: the document).
 */
#ifndef VPS_DOMDOC_H
#define VPS_DOMDOC_H

#include <stdbool.h>
#include <glib.h>
#include <libxml/tree.h>

/*
 * Parses xml[len] (at most DOMDOC_SIZE_MAX bytes); what names it in the
 * error. Free with domdoc_free.
 */
#define DOMDOC_SIZE_MAX	(4 << 20)
xmlDoc	*domdoc_parse(const char *xml, size_t len, const char *what,
	    GError **err);

/*
 * The number of nodes expr selects (-1 for an invalid expression), and
 * the first of them in *first (NULL if none) when first is not NULL.
 */
int	 domdoc_select(xmlDoc *doc, xmlNode *at, const char *expr,
	    xmlNode **first);
/* The first node expr selects, or NULL. */
xmlNode	*domdoc_find(xmlDoc *doc, xmlNode *at, const char *expr);
/*
 * The text of the first node expr selects (an attribute's value), to
 * g_free, or NULL if it selects none.
 */
char	*domdoc_get(xmlDoc *doc, xmlNode *at, const char *expr);
/*
 * Calls fn with the text of every node expr selects, in document order;
 * false only for an invalid expression or when out of memory.
 */
bool	 domdoc_each(xmlDoc *doc, xmlNode *at, const char *expr,
	    void (*fn)(const char *, void *), void *arg, GError **err);
/* Unlinks and frees every node expr selects. */
void	 domdoc_remove(xmlDoc *doc, xmlNode *at, const char *expr);

/* Sets attribute name of element n; false if out of memory. */
bool	 domdoc_set_prop(xmlNode *n, const char *name, const char *value);

/*
 * The XML text of one element (as virDomainUpdateDeviceFlags takes it),
 * or of the whole document, to g_free (after explicit_bzero if it holds a
 * password); NULL if out of memory. libxml2's buffer is wiped.
 */
char	*domdoc_node_xml(xmlDoc *doc, xmlNode *node);
/* The whole document: indented, without an XML declaration. */
char	*domdoc_format(xmlDoc *doc);

/*
 * Overwrites the SPICE passwords of doc (graphics/@passwd) in place, so
 * that none lingers in freed memory; domdoc_free does it and frees doc
 * (NULL is fine).
 */
void	 domdoc_wipe_secrets(xmlDoc *doc);
void	 domdoc_free(xmlDoc *doc);

typedef xmlDoc domdoc;
G_DEFINE_AUTOPTR_CLEANUP_FUNC(domdoc, domdoc_free)

#endif
