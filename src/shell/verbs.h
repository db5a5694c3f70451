/*
 * verbs.h: every verb of virsh-menu, one row each: the member's menu
 * command, the request of the --serve protocol, and the root helper's
 * handler all come from the row.
 *
 * Why an X-macro list and not one array of structs: the member's half
 * (virsh-menu, the member's uid) must never link libvirt, and the root
 * helper (virsh-menu-serve) has no use for the menu's code. A struct
 * array holding both handlers would pull both halves into each binary.
 * So the list below is the table, and each side expands the columns it
 * needs into its own const array, indexed by the same verb id:
 *
 *	member-cmds.c	menu_cmds[]	name, arity, argument kind, usage,
 *					help, menu handler (the MEMBER and
 *					HELPER rows)
 *	proto.h		enum proto_verb	PROTO_<ID> (the HELPER and INTERNAL
 *					rows)
 *	proto.c		proto_verbs[]	name, arity, argument kind: the
 *					request grammar the helper enforces
 *	root-domain.h	dom_*()		the root handlers' declarations
 *	root-domain.c	domain_verbs[]	flags and root handler, by
 *					PROTO_<ID>
 *
 * A handler named only in a column that a side drops is never referred
 * to there: virsh-menu's objects have no symbol of the root-*.c files.
 * Adding a verb is one row here plus its handler (a menu-side one only
 * if cmd_forward does not do).
 *
 * The columns of X(ID, SIDE, NAME, MIN, MAX, ARG, FLAGS, MENU_FN,
 * SERVE_FN, USAGE, HELP):
 *
 *	ID	 the verb's id: PROTO_<ID> for a request
 *	SIDE	 MEMBER: answered by the menu itself, never sent;
 *		 HELPER: a menu command sent to the root helper as the
 *		 request NAME;
 *		 INTERNAL: a request the menu sends on its own (not a
 *		 command the member can type)
 *	NAME	 the word the member types and the protocol's verb
 *	MIN, MAX the number of arguments (words after NAME); for a request,
 *		 MAX 0 means no argument, MIN 1 a required one
 *	ARG	 enum verb_arg: how the first argument is checked (menu and
 *		 helper) and what tab completes it
 *	FLAGS	 VERB_* below
 *	MENU_FN	 the menu's handler (member-cmds.c), NULL for INTERNAL rows
 *	SERVE_FN the helper's handler (a root-*.c file), NULL for MEMBER rows
 *	USAGE	 the arguments' synopsis, for help and usage errors
 *	HELP	 one line for help
 *
 * The order of the rows is the order of help's list.
 */
#ifndef VPS_VERBS_H
#define VPS_VERBS_H

/* What a verb's first argument is: its check, and what tab completes. */
enum verb_arg {
	VERB_ARG_NONE,		/* nothing to check or complete */
	VERB_ARG_ISO,		/* an ISO file name of the library */
	VERB_ARG_VPS,		/* one of the member's VPS */
	VERB_ARG_ONOFF,		/* on / off */
	VERB_ARG_FORCE,		/* force */
	VERB_ARG_FORM,		/* a form the menu makes of the reply
				   (console: vv); never sent */
	VERB_ARG_COMMAND,	/* a menu command (json's); never sent */
	VERB_ARG_SNAP,		/* a snapshot name (vps_snap_name_valid) */
};

/* FLAGS of a row. */
#define VERB_DOMAIN	0x01	/* the helper acts on the member's domain */
#define VERB_RUNNING	0x02	/* ... only while it runs (checked first) */
#define VERB_CHANGES	0x04	/* changes the VPS's power state or config */
#define VERB_ASKS	0x08	/* the menu asks for a missing argument */
#define VERB_KV		0x10	/* the request also takes the argument kv:
				   its facts as key=value lines (proto.c) */
#define VERB_JSON	0x20	/* json COMMAND gives its JSON form */

#define VPS_VERBS(X)							\
	X(STATUS, HELPER, "status", 0, 0, VERB_ARG_NONE,		\
	    VERB_DOMAIN | VERB_KV | VERB_JSON, cmd_forward, dom_status, \
	    "", "state, vCPUs, memory, autostart and ISO")		\
	X(INFO, HELPER, "info", 0, 0, VERB_ARG_NONE,			\
	    VERB_DOMAIN | VERB_KV | VERB_JSON, cmd_forward, dom_info,	\
	    "", "status, disk size, MAC, SPICE port and uptime")	\
	X(START, HELPER, "start", 0, 0, VERB_ARG_NONE,			\
	    VERB_DOMAIN | VERB_CHANGES, cmd_forward, dom_start,		\
	    "", "power on")						\
	X(SHUTDOWN, HELPER, "shutdown", 0, 0, VERB_ARG_NONE,		\
	    VERB_DOMAIN | VERB_RUNNING | VERB_CHANGES,			\
	    cmd_forward, dom_shutdown,					\
	    "", "ask the OS to shut down (ACPI)")			\
	X(REBOOT, HELPER, "reboot", 0, 0, VERB_ARG_NONE,		\
	    VERB_DOMAIN | VERB_RUNNING | VERB_CHANGES,			\
	    cmd_forward, dom_reboot,					\
	    "", "ask the OS to reboot (ACPI)")				\
	X(RESET, HELPER, "reset", 0, 0, VERB_ARG_NONE,			\
	    VERB_DOMAIN | VERB_RUNNING | VERB_CHANGES,			\
	    cmd_forward, dom_reset,					\
	    "", "hard reset, like the reset button")			\
	X(POWEROFF, HELPER, "poweroff", 0, 0, VERB_ARG_NONE,		\
	    VERB_DOMAIN | VERB_RUNNING | VERB_CHANGES,			\
	    cmd_forward, dom_poweroff,					\
	    "", "hard power off, like pulling the plug")		\
	X(AUTOSTART, HELPER, "autostart", 0, 1, VERB_ARG_ONOFF,		\
	    VERB_DOMAIN | VERB_CHANGES, cmd_forward, dom_autostart,	\
	    "[on|off]", "start with the host (no argument: toggle)")	\
	X(ATTACH_ISO, HELPER, "attach_iso", 1, 1, VERB_ARG_ISO,		\
	    VERB_DOMAIN | VERB_CHANGES | VERB_ASKS,			\
	    cmd_attach_iso, dom_attach_iso,				\
	    "[ISO]", "insert an ISO of the library as CD-ROM")		\
	X(DETACH_ISO, HELPER, "detach_iso", 0, 0, VERB_ARG_NONE,	\
	    VERB_DOMAIN | VERB_CHANGES, cmd_forward, dom_detach_iso,	\
	    "", "eject the CD-ROM")					\
	X(CONSOLE, HELPER, "console", 0, 1, VERB_ARG_FORM,		\
	    VERB_DOMAIN | VERB_RUNNING | VERB_JSON, cmd_console,	\
	    dom_console,						\
	    "[vv]", "a one-time SPICE console ticket (vv: as a .vv file)") \
	X(SERIAL, HELPER, "serial", 0, 1, VERB_ARG_FORCE,		\
	    VERB_DOMAIN | VERB_RUNNING, cmd_serial, dom_serial,		\
	    "[force]", "the serial console here (Ctrl-] to come back)") \
	X(SNAPSHOT, HELPER, "snapshot", 0, 1, VERB_ARG_SNAP,		\
	    VERB_DOMAIN | VERB_CHANGES, cmd_forward, dom_snapshot,	\
	    "[NAME]", "keep the disk as it is now (VPS shut off)")	\
	X(SNAPSHOTS, HELPER, "snapshots", 0, 0, VERB_ARG_NONE,		\
	    VERB_DOMAIN, cmd_forward, dom_snapshots,			\
	    "", "the snapshots: name, time, size")			\
	X(REVERT, HELPER, "revert", 1, 2, VERB_ARG_SNAP,		\
	    VERB_DOMAIN | VERB_CHANGES, cmd_revert, dom_revert,		\
	    "NAME [yes]", "put the disk back as it was at snapshot NAME") \
	X(FORGET, HELPER, "forget", 1, 1, VERB_ARG_SNAP,		\
	    VERB_DOMAIN | VERB_CHANGES, cmd_forward, dom_forget,	\
	    "NAME", "delete snapshot NAME")				\
	X(INSTALL, HELPER, "install", 1, 2, VERB_ARG_ISO,		\
	    VERB_DOMAIN | VERB_CHANGES, cmd_install, dom_install,	\
	    "ISO [yes]", "boot an ISO once to install; then the disk")	\
	X(ISOS, INTERNAL, "isos", 0, 0, VERB_ARG_NONE,			\
	    0, NULL, dom_isos,						\
	    "", "the ISO library (attach_iso, completion)")		\
	X(SNAPNAMES, INTERNAL, "snapnames", 0, 0, VERB_ARG_NONE,	\
	    VERB_DOMAIN, NULL, dom_snapnames,				\
	    "", "the snapshots' names (completion)")			\
	X(LIST, MEMBER, "list", 0, 0, VERB_ARG_NONE,			\
	    VERB_JSON, cmd_list, NULL,					\
	    "", "your VPS")						\
	X(USE, MEMBER, "use", 1, MENU_WORDS_MAX - 1, VERB_ARG_VPS,	\
	    VERB_JSON, cmd_use, NULL,					\
	    "VPS [COMMAND [ARGS]]", "select a VPS, or run one command on it") \
	X(JSON, MEMBER, "json", 1, MENU_WORDS_MAX - 1, VERB_ARG_COMMAND, \
	    0, cmd_json, NULL,						\
	    "COMMAND [ARGS]", "list, status, info, console as JSON")	\
	X(HELP, MEMBER, "help", 0, 0, VERB_ARG_NONE,			\
	    0, cmd_help, NULL,						\
	    "", "this list")						\
	X(QUIT, MEMBER, "quit", 0, 0, VERB_ARG_NONE,			\
	    0, cmd_quit, NULL,						\
	    "", "leave (also exit, or Ctrl-D)")				\
	X(EXIT, MEMBER, "exit", 0, 0, VERB_ARG_NONE,			\
	    0, cmd_quit, NULL,						\
	    "", "leave")

/*
 * For the expansions: VERB_SENT_##SIDE(x) is x for a row that is a
 * request and nothing otherwise; VERB_TYPED_##SIDE(x) likewise for a
 * row that is a menu command.
 */
#define VERB_SENT_HELPER(...)	__VA_ARGS__	/* a request */
#define VERB_SENT_INTERNAL(...)	__VA_ARGS__
#define VERB_SENT_MEMBER(...)
#define VERB_TYPED_HELPER(...)	__VA_ARGS__	/* a menu command */
#define VERB_TYPED_MEMBER(...)	__VA_ARGS__
#define VERB_TYPED_INTERNAL(...)

#endif
