/*
 * root-domain.h: the server's verbs, one function each (named in their
 * row of VPS_VERBS, verbs.h), on one libvirt domain through the libvirt
 * API; what their files (root-domain.c: lookup, replies, power and
 * status; root-media.c: the CD-ROM and boot order; root-info.c: info;
 * root-console.c: SPICE tickets; root-install.c: install) share.
 */
#ifndef VPS_ROOT_DOMAIN_H
#define VPS_ROOT_DOMAIN_H

#include <glib.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include "domdoc.h"
#include "proto.h"
#include "verbs.h"
#include "vpsconf.h"

G_DEFINE_AUTOPTR_CLEANUP_FUNC(virDomain, virDomainFree)

struct owner_check;

struct serve_ctx {
	const struct vps_config *cfg;
	const char *member;		/* SUDO_USER, validated */
	const char *vps;		/* owned by member, validated */
	/*
	 * The hypervisor of the VPS in vps.data: its name ("": the local
	 * one) and libvirt URI (config_uri_for), which conn is opened with.
	 */
	char	 host[VPS_HOST_MAX + 1];
	const char *uri;
	virConnectPtr conn;		/* NULL until connected */
	struct owner_check *owner;	/* asked before every request */
	/* The domain the server began with: it acts on no other. */
	unsigned char uuid[VIR_UUID_BUFLEN];
	bool	 uuid_known;
	/*
	 * The member's side (stdin, read through in) and, once serial has
	 * answered ok, the console stream to relay (serial_relay).
	 */
	struct proto_reader in;
	virStreamPtr console;
};

/* The reply being built for one request. */
struct reply {
	GString	*out;			/* data lines, formatted */
	guint	 nlines;
	int	 code;			/* 0, 1 or 2 */
	char	 msg[PROTO_LINE_MAX];	/* the error text when code != 0 */
};

void	 reply_line(struct reply *r, const char *fmt, ...)
	    G_GNUC_PRINTF(2, 3);
/* Sets the error of the reply; returns code, for "return reply_fail()". */
int	 reply_fail(struct reply *r, int code, const char *fmt, ...)
	    G_GNUC_PRINTF(3, 4);

struct domain_verb;

/*
 * A verb's handler: dv is its row, dom the member's domain (NULL for
 * verbs that do not need one), arg the validated argument ("" if none).
 * Returns 0 or the reply's error code.
 */
typedef int (*domain_fn)(struct serve_ctx *s, const struct domain_verb *dv,
    virDomainPtr dom, const char *arg, struct reply *r);

/* The helper's columns of a request's row of VPS_VERBS (verbs.h). */
struct domain_verb {
	enum proto_verb verb;
	unsigned flags;			/* VERB_* */
	domain_fn fn;
};

/*
 * Every handler named in VPS_VERBS, declared from its row; each is
 * defined in the root-*.c file of its kind.
 */
#define DOMAIN_FN_DECL(ID, SIDE, NAME, MIN, MAX, ARG, FLAGS, MENU_FN, \
	    SERVE_FN, USAGE, HELP) \
	VERB_SENT_##SIDE(int SERVE_FN(struct serve_ctx *, \
	    const struct domain_verb *, virDomainPtr, const char *, \
	    struct reply *);)
VPS_VERBS(DOMAIN_FN_DECL)

/* The handler row of verb v, or NULL. */
const struct domain_verb *domain_verb(enum proto_verb v);

/*
 * Runs the handler of dv on dom (NULL unless dv has VERB_DOMAIN): for a
 * VERB_RUNNING verb only once the domain is seen to run ("X is not
 * running", and "; start it first" unless the verb would have changed
 * the VPS). Returns 0 or the reply's error code.
 */
int	 domain_verb_run(struct serve_ctx *s, const struct domain_verb *dv,
	    virDomainPtr dom, const char *arg, struct reply *r);

/*
 * Ends the console ticket of the running domain: its SPICE password
 * becomes a random one, already expired, that nobody is told; connected
 * clients keep their session. Returns 0 or the reply's error code.
 */
int	 domain_ticket_end(struct serve_ctx *s, virDomainPtr dom,
	    struct reply *r);

/*
 * The member's domain over s->conn (virDomainFree it): the first lookup
 * goes by name and remembers the domain's UUID; every later one goes by
 * that UUID, and a domain that is gone, or now has another name, is
 * refused ("deleted or replaced; log in again"): an admin deleted the
 * VPS, maybe created another of the name, while the server ran. NULL
 * with the reply's error set.
 */
virDomainPtr domain_lookup(struct serve_ctx *s, struct reply *r);

/*
 * Takes the host of the VPS from its line e of vps.data: s->host and
 * s->uri (config_uri_for). False, with err naming the VPS and its host,
 * if vps.conf has no [host NAME] for it: the VPS is refused.
 */
bool	 serve_set_host(struct serve_ctx *s, const struct vps_entry *e,
	    GError **err);
/*
 * The same for a watcher, which has no line of vps.data: reads vps.data
 * and takes the host of s->vps there; false with err if the file cannot
 * be read or has no such VPS.
 */
bool	 serve_find_host(struct serve_ctx *s, GError **err);

/* The text of libvirt's last error, for messages. */
const char *domain_errmsg(void);

/*
 * The domain's XML (virDomainGetXMLDesc with flags), parsed; free it with
 * domdoc_free. NULL with the reply's error set.
 */
xmlDoc	*domain_xml(struct serve_ctx *s, virDomainPtr dom, unsigned flags,
	    struct reply *r);

/* A size as info and snapshots show it: "1.5 GiB (N bytes)". */
char	*info_size(unsigned long long bytes);

/* The devices the verbs look at, as XPath (domdoc.h). */
#define XP_CDROM	"/domain/devices/disk[@device='cdrom']"
#define XP_DISK		"/domain/devices/disk[@device='disk']"
#define XP_SPICE	"/domain/devices/graphics[@type='spice']"
#define XP_FILE		"source[1]/@file"	/* of a disk */

/*
 * Relays s->console and the member's frames (frames.h) until either side
 * ends it, then frees the stream. False if the member's side is gone.
 */
bool	 serial_relay(struct serve_ctx *s);

/*
 * Whether the domain may start as far as snapshots go: not while a
 * revert of a VPS whose disk is a pool volume is unfinished (snappool.h;
 * root-snapshot.c); verb names the caller's verb. Returns 0 or the
 * reply's error code.
 */
int	 snapshot_start_check(struct serve_ctx *s, virDomainPtr dom,
	    const char *verb, struct reply *r);

/*
 * Whether the domain may start with what its CD-ROM holds (start's
 * check). Returns 0 or the reply's error code.
 */
int	 media_start_check(struct serve_ctx *s, virDomainPtr dom,
	    struct reply *r);

/*
 * The library ISO iso (a valid name) in the cdrom of the member's
 * domain, booting first (as attach_iso); what names the verb in
 * messages. Returns 0 or the reply's error code (2: no such ISO).
 */
int	 media_insert(struct serve_ctx *s, const char *iso, const char *what,
	    struct reply *r);
/*
 * Empties the cdrom (as detach_iso), but only while the persistent
 * definition's cdrom holds the library ISO iso: *ejected says whether it
 * did. The tray of the running domain is opened even if the guest locked
 * it: the watcher ejects after the guest's reboot or stop, when what
 * the guest thought of the medium is over. Returns 0 or the reply's
 * error code.
 */
int	 media_eject(struct serve_ctx *s, const char *iso, bool *ejected,
	    struct reply *r);

#endif
