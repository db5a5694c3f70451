/*
 * frames.h: the byte stream of a serial console session, both sides.
 *
 * After the helper's "ok" to a serial request, both directions of the
 * pipe carry frames instead of lines: one type byte, the length as two
 * bytes (most significant first), then that many bytes. FRAME_DATA
 * carries console bytes as they are (up to FRAME_DATA_MAX); FRAME_END
 * ends the stream in its direction, its bytes (up to FRAME_END_MAX) a
 * printable reason or nothing. Each side sends one FRAME_END, and the
 * line protocol resumes once each has sent its own and read the other's:
 * no byte of the stream can then be read as a request or a reply.
 */
#ifndef VPS_FRAMES_H
#define VPS_FRAMES_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "proto.h"

#define FRAME_DATA	'd'
#define FRAME_END	'e'
#define FRAME_HDR	3
#define FRAME_DATA_MAX	4096
#define FRAME_END_MAX	PROTO_LINE_MAX

/* An incremental reader of frames. */
struct frames {
	unsigned char hdr[FRAME_HDR];
	size_t	 nhdr;			/* header bytes read so far */
	size_t	 left;			/* bytes of the frame still to come */
	bool	 ended;			/* FRAME_END read: nothing after it */
	char	 reason[FRAME_END_MAX + 1];
	size_t	 nreason;
};

void	 frames_init(struct frames *f);

/*
 * Reads the frames in buf[len]: data(arg, bytes, n) for the bytes of
 * data frames, in order, possibly in pieces. Returns the number of bytes
 * taken: all of them, or fewer when a FRAME_END completed (f->ended, with
 * its reason in f->reason); -1 for a frame of unknown type or length (the
 * stream is broken).
 */
ssize_t	 frames_feed(struct frames *f, const char *buf, size_t len,
	    void (*data)(void *arg, const char *bytes, size_t n), void *arg);

/*
 * Writes buf[len] to fd as data frames, or, with type FRAME_END, one end
 * frame (reason may be NULL). False on a write error.
 */
bool	 frames_write(int fd, int type, const char *buf, size_t len);

/*
 * Takes up to size bytes from r: what it holds already, else one read(2)
 * of fd. Returns the count, 0 at EOF, -1 on error (EINTR included).
 */
ssize_t	 frames_read(struct proto_reader *r, char *out, size_t size);

/* Whether r holds bytes not yet taken. */
bool	 frames_pending(const struct proto_reader *r);

#endif
