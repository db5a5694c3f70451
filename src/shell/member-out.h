/*
 * member-out.h: what the menu makes of the helper's key=value replies
 * (proto.c): JSON (RFC 8259) for json COMMAND, the console's text with
 * the ssh tunnel line from the member's SSH_CONNECTION, and the
 * remote-viewer file of console vv. Pure: no I/O, unit-tested.
 */
#ifndef VPS_MEMBER_OUT_H
#define VPS_MEMBER_OUT_H

#include <stdbool.h>
#include <stddef.h>
#include <glib.h>

#include "proto.h"

/* What a key's value is, and how JSON shows it. */
enum out_kind {
	OUT_STR,	/* text: a JSON string */
	OUT_UINT,	/* a decimal number: a JSON number */
	OUT_BOOL,	/* true or false: a JSON boolean */
	OUT_LIST,	/* text, the key repeated: a JSON array of strings */
};

/* One key a reply may carry. */
struct out_key {
	const char *key;	/* in the reply */
	const char *json;	/* in the JSON object */
	enum out_kind kind;
	bool	 required;	/* else absent: JSON null (a list: []) */
};

#define OUT_KEYS_MAX	16

/* The keys of status kv, info kv (status's first) and console. */
extern const struct out_key out_status_keys[];
extern const size_t out_status_nkeys;
extern const struct out_key out_info_keys[];
extern const size_t out_info_nkeys;
extern const struct out_key out_console_keys[];
extern const size_t out_console_nkeys;

/*
 * The keys of the key=value reply of request v (status and info asked
 * with kv, console), or NULL for a request that has none.
 */
const struct out_key *out_keys(enum proto_verb v, size_t *nkeys);

/* A parsed reply: the values of each key, in the order of the keys. */
struct out_facts {
	const struct out_key *keys;
	size_t	 nkeys;
	GPtrArray *vals[OUT_KEYS_MAX];	/* of char *; empty: absent */
};

/*
 * Parses the data lines of a reply against keys[nkeys]: every line is
 * KEY=VALUE with a known key, once (a list: any number of times), a
 * value of its kind, every required key present. Anything else is
 * refused with err saying which line and why: the helper spoke out of
 * protocol. Free f with out_facts_clear, also after a failure.
 */
bool	 out_parse(const struct out_key *keys, size_t nkeys, GPtrArray *lines,
	    struct out_facts *f, GError **err);
void	 out_facts_clear(struct out_facts *f);
/* The value of key (the first of a list), or NULL if absent. */
const char *out_get(const struct out_facts *f, const char *key);
/* The number of an OUT_UINT key that out_parse checked; 0 if absent. */
unsigned long long out_uint(const struct out_facts *f, const char *key);

/*
 * Appends the members of f's JSON object (no braces), each "json": value,
 * separated by ", ", every key of f's list, absent ones as null (a list
 * as []); sep is put before the first.
 */
void	 out_json_facts(GString *out, const struct out_facts *f,
	    const char *sep);

/* The address and port of sshd that a session came through. */
struct out_sshd {
	char	 addr[64];	/* numeric, canonical; IPv6 maybe %zone */
	unsigned port;
};

/*
 * Parses SSH_CONNECTION (sshd(8): "client-address client-port
 * server-address server-port", single blanks) into the server's half.
 * False for NULL or anything else: the member's environment, so never
 * trusted to be what sshd set.
 */
bool	 out_ssh_connection(const char *env, struct out_sshd *sshd);

/*
 * The tunnel command for SPICE port port at address addr (where the VPS's
 * host listens: 127.0.0.1, or a [host NAME]'s spice_listen): "ssh [-p
 * PORT] -N -L port:ADDR:port MEMBER@HOST", an IPv6 ADDR in brackets, -p
 * when sshd (NULL: unknown) is not on port 22. HOST is a placeholder:
 * sshd never learns the name the client was given. NULL if addr is not a
 * numeric address.
 */
char	*out_tunnel(unsigned port, const char *addr, const char *member,
	    const struct out_sshd *sshd);
/* Two lines (LF-terminated) saying what to put for HOST. */
char	*out_host_note(const struct out_sshd *sshd);

/*
 * The remote-viewer(1) connection file of a console ticket: SPICE at
 * 127.0.0.1:port (the tunnel's local end), the password, deleted once
 * read. NULL with err set if the password or title could change the
 * file's meaning (anything but [A-Za-z0-9] for the password, a VPS name
 * for the title).
 */
char	*out_vv(const char *vps, unsigned port, const char *password,
	    GError **err);

#endif
