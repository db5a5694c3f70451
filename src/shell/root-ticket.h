/*
 * root-ticket.h: one-time console tickets.
 *
 * "console" sets a fresh SPICE password on the running VPS (root-domain.c).
 * For each such ticket the helper starts a watcher, TICKET_PATH
 * (root-ticket-watch.c): a process of its own, detached from the member's
 * session, so that a one-shot "ssh member@host console" is watched as
 * well as the interactive menu. The watcher follows libvirt's graphics
 * events of the VPS; TICKET_WINDOW_SEC after the first SPICE client has
 * authenticated with the ticket (QEMU's SPICE_INITIALIZED, once per
 * channel; a wrong password gives no such event), it replaces the
 * password with a random one, already expired, that nobody is told,
 * keeping connected clients. It ends then, when the ticket expires
 * unused, when a newer ticket replaces it, or when the VPS stops.
 *
 * The VPS's ticket file, TICKET_DIR/VPS, holds the id of the current
 * ticket. Its flock(2) serialises issuing a ticket and ending one, so a
 * watcher never ends a newer ticket than its own, and tells an older
 * watcher that it is done.
 *
 * The watcher of an install (INSTALL_PATH, root-install-watch.c) is
 * started and recorded the same way, in INSTALL_DIR: the watch_*
 * functions take the directory or the program.
 */
#ifndef VPS_ROOT_TICKET_H
#define VPS_ROOT_TICKET_H

#include <stdbool.h>
#include <time.h>
#include <glib.h>

#include "pathnames.h"
#include "util.h"

#define TICKET_WINDOW_SEC 5	/* for the first client's other channels */
#define TICKET_ID_LEN	16	/* characters of a ticket id: [A-Za-z0-9] */

struct ticket;

/*
 * Starts issuing a ticket for vps, valid until until: takes the VPS's
 * ticket lock, starts the watcher of the new ticket and waits until it
 * watches, then records the new id (which ends the previous ticket's
 * watcher). The caller sets the password and calls ticket_end(). NULL
 * with err set if no watcher could be started: set no password then.
 */
struct ticket *ticket_begin(const char *member, const char *vps,
	    time_t until, GError **err);
/* Releases the ticket lock. NULL is fine. */
void	 ticket_end(struct ticket *t);

/*
 * Takes the ticket lock of vps, waiting for it; with create, TICKET_DIR
 * and the file are made if missing (the helper); else a missing file is
 * an error (a watcher: its ticket is gone). The descriptor for
 * ticket_current() and vps_unlock(), or -1 with err set.
 */
int	 ticket_lock(const char *vps, bool create, GError **err);
/* ticket_lock() for the record files in dir (TICKET_DIR, INSTALL_DIR). */
int	 watch_lock(const char *dir, const char *vps, bool create,
	    GError **err);
/*
 * Makes id (of the form of a ticket id) the current one of the locked
 * record file fd; NULL: none is current, which ends the watcher that was.
 */
bool	 watch_record(int fd, const char *id, GError **err);
/*
 * Starts the watcher path with argv, detached: its parent has exited
 * and it runs in a session of its own, with /dev/null for stdin and
 * stderr, no other descriptor of ours, and only PATH in its
 * environment. Waits until it says "ready" on stdout (it watches), or
 * sets err to what it said instead.
 */
bool	 watch_launch(const char *path, char *const argv[], GError **err);
/*
 * The watcher's side of watch_launch(): "ready", or "error: " and what
 * err says, on stdout, which is /dev/null after that.
 */
void	 watch_answer(const GError *err);
/* True if the ticket file (locked fd) holds id: the ticket is current. */
bool	 ticket_current(int fd, const char *id);
/* True if id has the form of a ticket id. */
bool	 ticket_id_valid(const char *id);

#endif
