/*
 * frames.c: the frames of a serial console session (frames.h). Both
 * sides read them from the other, and on the root side every byte is
 * hostile: a type other than the two, or a length over the limit, ends
 * the stream; nothing is allocated.
 */
#include <config.h>

#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <glib.h>

#include "fileio.h"
#include "frames.h"

void
frames_init(struct frames *f)
{
	memset(f, 0, sizeof(*f));
}

ssize_t
frames_feed(struct frames *f, const char *buf, size_t len,
    void (*data)(void *arg, const char *bytes, size_t n), void *arg)
{
	size_t	 i = 0, n;

	while (i < len && !f->ended) {
		if (f->nhdr < FRAME_HDR) {
			f->hdr[f->nhdr++] = (unsigned char)buf[i++];
			if (f->nhdr < FRAME_HDR)
				continue;
			f->left = (size_t)f->hdr[1] << 8 | f->hdr[2];
			if ((f->hdr[0] == FRAME_DATA &&
			    (f->left == 0 || f->left > FRAME_DATA_MAX)) ||
			    (f->hdr[0] == FRAME_END && f->left > FRAME_END_MAX) ||
			    (f->hdr[0] != FRAME_DATA && f->hdr[0] != FRAME_END))
				return -1;
		} else {
			n = MIN(f->left, len - i);
			if (f->hdr[0] == FRAME_DATA)
				data(arg, buf + i, n);
			else {
				memcpy(f->reason + f->nreason, buf + i, n);
				f->nreason += n;
			}
			f->left -= n;
			i += n;
		}
		if (f->nhdr == FRAME_HDR && f->left == 0) {
			if (f->hdr[0] == FRAME_END) {
				f->reason[f->nreason] = '\0';
				f->ended = true;
			}
			f->nhdr = 0;
		}
	}
	return (ssize_t)i;
}

bool
frames_write(int fd, int type, const char *buf, size_t len)
{
	char	 frame[FRAME_HDR + FRAME_DATA_MAX];
	size_t	 n;

	if (type == FRAME_END) {
		n = buf != NULL ? MIN(len, FRAME_END_MAX) : 0;
		frame[0] = FRAME_END;
		frame[1] = (char)(n >> 8);
		frame[2] = (char)(n & 0xff);
		if (n > 0)
			memcpy(frame + FRAME_HDR, buf, n);
		return vps_write_all(fd, frame, FRAME_HDR + n);
	}
	while (len > 0) {
		n = MIN(len, FRAME_DATA_MAX);
		frame[0] = FRAME_DATA;
		frame[1] = (char)(n >> 8);
		frame[2] = (char)(n & 0xff);
		memcpy(frame + FRAME_HDR, buf, n);
		if (!vps_write_all(fd, frame, FRAME_HDR + n))
			return false;
		buf += n;
		len -= n;
	}
	return true;
}

ssize_t
frames_read(struct proto_reader *r, char *out, size_t size)
{
	size_t	 n;

	if (r->start < r->end) {
		n = MIN(size, r->end - r->start);
		memcpy(out, r->buf + r->start, n);
		r->start += n;
		return (ssize_t)n;
	}
	return read(r->fd, out, size);
}

bool
frames_pending(const struct proto_reader *r)
{
	return r->start < r->end;
}
