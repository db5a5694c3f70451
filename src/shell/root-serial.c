/*
 * root-serial.c: serial, the VPS's serial console through libvirt's
 * console stream (virDomainOpenConsole; nothing else is opened as root),
 * relayed to the member's side as frames (frames.h) until the member
 * escapes, the VPS stops, or another session takes the console over.
 *
 * The relay runs libvirt's default event loop (registered by the server
 * before it connects) in this thread: the stream is non-blocking, bytes
 * for the guest wait in a bounded buffer, and the member's side is not
 * read while the buffer is full, so a member who types faster than the
 * guest reads holds only their own session up.
 */
#include <config.h>

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "frames.h"
#include "log.h"
#include "root-domain.h"
#include "util.h"

#define TO_GUEST_MAX	((size_t)64 * 1024)	/* bytes waiting for the guest */

struct relay {
	struct serve_ctx *s;
	virStreamPtr st;
	struct frames in;		/* from the member's side */
	int	 watch;			/* of stdin, or -1 */
	char	 to_guest[TO_GUEST_MAX];
	size_t	 nto_guest;
	unsigned long long bytes_in, bytes_out;
	bool	 quit;
	bool	 member_gone;		/* EOF, error or a broken frame */
	bool	 guest_eof;		/* the console closed (VPS stopped) */
	bool	 stream_error;		/* taken over, or libvirt failed */
};

int
dom_serial(struct serve_ctx *s, const struct domain_verb *dv,
    virDomainPtr dom, const char *arg, struct reply *r)
{
	bool	 force = strcmp(arg, "force") == 0;
	virStreamPtr st;

	if ((st = virStreamNew(s->conn, VIR_STREAM_NONBLOCK)) == NULL)
		return reply_fail(r, 1, "serial: %s", domain_errmsg());
	if (virDomainOpenConsole(dom, NULL, st,
	    force ? VIR_DOMAIN_CONSOLE_FORCE : 0) < 0) {
		reply_fail(r, 1, "serial: %s%s", domain_errmsg(), force ? "" :
		    " (\"serial force\" takes over an earlier session)");
		virStreamFree(st);
		return r->code;
	}
	s->console = st;
	return 0;
}

static void
relay_stop(struct relay *rl)
{
	rl->quit = true;
}

/* Hands what waits for the guest to the stream, as far as it takes it. */
static void
relay_flush(struct relay *rl)
{
	int	 n;

	while (rl->nto_guest > 0) {
		n = virStreamSend(rl->st, rl->to_guest, rl->nto_guest);
		if (n == -2)
			break;
		if (n < 0) {
			rl->stream_error = true;
			relay_stop(rl);
			return;
		}
		memmove(rl->to_guest, rl->to_guest + n,
		    rl->nto_guest - (size_t)n);
		rl->nto_guest -= (size_t)n;
	}
	(void)virStreamEventUpdateCallback(rl->st, VIR_STREAM_EVENT_READABLE |
	    VIR_STREAM_EVENT_ERROR | VIR_STREAM_EVENT_HANGUP |
	    (rl->nto_guest > 0 ? VIR_STREAM_EVENT_WRITABLE : 0));
	if (rl->watch != -1)
		virEventUpdateHandle(rl->watch, rl->nto_guest < TO_GUEST_MAX ?
		    VIR_EVENT_HANDLE_READABLE : 0);
}

static void
to_guest(void *arg, const char *bytes, size_t n)
{
	struct relay *rl = arg;

	/* frames_feed is given no more than there is room for. */
	memcpy(rl->to_guest + rl->nto_guest, bytes, n);
	rl->nto_guest += n;
	rl->bytes_in += n;
}

/*
 * The member's frames: what the reader holds, then one read of stdin,
 * no more than the buffer for the guest has room for.
 */
static void
on_member(int watch, int fd, int events, void *opaque)
{
	struct relay *rl = opaque;
	char	 buf[FRAME_HDR + FRAME_DATA_MAX];
	size_t	 room;
	ssize_t	 n;

	do {
		room = MIN(sizeof(buf), TO_GUEST_MAX - rl->nto_guest);
		if (room == 0)
			break;
		n = frames_read(&rl->s->in, buf, room);
		if (n == -1 && (errno == EINTR || errno == EAGAIN))
			return;
		if (n <= 0 || frames_feed(&rl->in, buf, (size_t)n, to_guest,
		    rl) != n) {
			/* EOF, an error, a broken frame, or bytes after END */
			if (!rl->in.ended || n <= 0)
				rl->member_gone = true;
			relay_stop(rl);
			break;
		}
		if (rl->in.ended) {
			relay_stop(rl);
			break;
		}
	} while (frames_pending(&rl->s->in));
	relay_flush(rl);
}

/* The guest's bytes, as they come, to the member's side. */
static void
on_stream(virStreamPtr st, int events, void *opaque)
{
	struct relay *rl = opaque;
	char	 buf[FRAME_DATA_MAX];
	int	 n;

	if (events & VIR_STREAM_EVENT_WRITABLE)
		relay_flush(rl);
	while (!rl->quit && (events & (VIR_STREAM_EVENT_READABLE |
	    VIR_STREAM_EVENT_HANGUP | VIR_STREAM_EVENT_ERROR))) {
		n = virStreamRecv(st, buf, sizeof(buf));
		if (n == -2)
			return;
		if (n <= 0) {
			if (n == 0)
				rl->guest_eof = true;
			else
				rl->stream_error = true;
			relay_stop(rl);
			return;
		}
		if (!frames_write(STDOUT_FILENO, FRAME_DATA, buf, (size_t)n)) {
			rl->member_gone = true;
			relay_stop(rl);
			return;
		}
		rl->bytes_out += (unsigned long long)n;
	}
}

/* Whether the domain is shut off (0), runs (1), or cannot be told (-1). */
static int
relay_domain_active(struct relay *rl)
{
	virDomainPtr dom;
	int	 active;

	if ((dom = virDomainLookupByUUID(rl->s->conn, rl->s->uuid)) == NULL)
		return -1;
	active = virDomainIsActive(dom);
	virDomainFree(dom);
	return active;
}

/*
 * Why the stream ended, for the member; "" when they asked for it. The
 * console of a VPS that is being stopped closes a moment before libvirt
 * counts it as shut off, so that is looked at for up to three seconds.
 * libvirt ends a console taken over by "serial force" either as an
 * error or as an end of stream: the two are not told apart.
 */
static const char *
relay_reason(struct relay *rl)
{
	int	 i;

	if (rl->in.ended)
		return "";
	for (i = 0; i < 30; i++) {
		if (relay_domain_active(rl) == 0)
			return "the VPS is not running any more";
		g_usleep(G_USEC_PER_SEC / 10);
	}
	return "the console was taken over by another session (serial "
	    "force) or closed by libvirt";
}

/* Reads the member's frames up to their FRAME_END, discarding data. */
static void
discard(void *arg, const char *bytes, size_t n)
{
}

static bool
relay_drain(struct relay *rl)
{
	char	 buf[FRAME_HDR + FRAME_DATA_MAX];
	ssize_t	 n;

	while (!rl->in.ended) {
		n = frames_read(&rl->s->in, buf, sizeof(buf));
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0 || frames_feed(&rl->in, buf, (size_t)n, discard,
		    NULL) != n)
			return false;
	}
	return true;
}

bool
serial_relay(struct serve_ctx *s)
{
	struct relay *rl = g_new0(struct relay, 1);
	const char *reason;
	bool	 ok;

	rl->s = s;
	rl->st = s->console;
	s->console = NULL;
	frames_init(&rl->in);
	rl->watch = virEventAddHandle(STDIN_FILENO, VIR_EVENT_HANDLE_READABLE,
	    on_member, rl, NULL);
	if (rl->watch == -1 || virStreamEventAddCallback(rl->st,
	    VIR_STREAM_EVENT_READABLE | VIR_STREAM_EVENT_ERROR |
	    VIR_STREAM_EVENT_HANGUP, on_stream, rl, NULL) < 0) {
		rl->stream_error = true;
		relay_stop(rl);
	} else if (frames_pending(&s->in))
		on_member(rl->watch, STDIN_FILENO, 0, rl);
	while (!rl->quit) {
		if (virEventRunDefaultImpl() < 0) {
			rl->stream_error = true;
			break;
		}
	}
	if (rl->watch != -1)
		virEventRemoveHandle(rl->watch);
	(void)virStreamEventRemoveCallback(rl->st);
	if (rl->guest_eof)
		(void)virStreamFinish(rl->st);
	else
		(void)virStreamAbort(rl->st);
	virStreamFree(rl->st);
	reason = rl->member_gone ? "" : relay_reason(rl);
	vlog_audit("member=%s vps=%s action=serial-end result=%s "
	    "to_guest=%llu to_member=%llu", s->member, s->vps,
	    rl->member_gone ? "member gone" : reason[0] != '\0' ? reason :
	    "escaped", rl->bytes_in, rl->bytes_out);
	ok = !rl->member_gone &&
	    frames_write(STDOUT_FILENO, FRAME_END, reason, strlen(reason)) &&
	    relay_drain(rl);
	g_free(rl);
	return ok;
}
