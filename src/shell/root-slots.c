/*
 * root-slots.c: the records of the menu sessions a member has open
 * (root-slots.h).
 *
 * SLOTS_DIR/MEMBER holds one line "PID START" per open session, START
 * being field 22 of /proc/PID/stat (proc(5)). It is read and rewritten
 * under flock(2) on itself, so that two menus starting at once are
 * counted one after the other. A line that does not parse, or whose
 * process is gone, is dropped: a partial write of a killed --list only
 * loses records, and the file is rewritten in place (pwrite, then
 * ftruncate), never renamed, so that every --list locks the same file.
 */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "root-slots.h"
#include "util.h"

#define SLOTS_ANCESTORS	4		/* sudo may fork a monitor */
#define SLOTS_FILE_MAX	(64u << 10)	/* 1000 records take 30 KiB */
#define PROC_FILE_MAX	4096		/* of /proc/PID/stat and status */

/* Reads /proc/PID/what into buf[size], NUL-terminated; false if gone. */
static bool
proc_read(pid_t pid, const char *what, char *buf, size_t size)
{
	char	 path[64];
	ssize_t	 n;
	size_t	 len = 0;
	int	 fd, c;

	c = snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, what);
	if (c < 0 || (size_t)c >= sizeof(path) ||
	    (fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return false;
	while (len + 1 < size) {
		if ((n = read(fd, buf + len, size - len - 1)) == 0)
			break;
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			close(fd);
			return false;
		}
		len += (size_t)n;
	}
	close(fd);
	buf[len] = '\0';
	return len > 0;
}

/*
 * The parent and the start time of pid, from /proc/PID/stat: fields 4
 * and 22, counted after the command name in parentheses, which may
 * itself hold blanks and parentheses.
 */
static bool
proc_stat(pid_t pid, pid_t *ppid, unsigned long long *start)
{
	char	 buf[PROC_FILE_MAX];
	g_auto(GStrv) f = NULL;
	unsigned long long n;
	char	*p;

	if (!proc_read(pid, "stat", buf, sizeof(buf)) ||
	    (p = strrchr(buf, ')')) == NULL || p[1] != ' ')
		return false;
	p[strcspn(p, "\n")] = '\0';
	f = g_strsplit(p + 2, " ", 0);		/* f[0] is field 3 */
	if (g_strv_length(f) < 20 ||
	    !vps_parse_uint(f[1], 0, G_MAXINT32, &n, NULL) ||
	    !vps_parse_uint(f[19], 0, G_MAXUINT64, start, NULL))
		return false;
	*ppid = (pid_t)n;
	return true;
}

/* True if every uid of pid (real, effective, saved, fs) is uid. */
static bool
proc_uids_are(pid_t pid, uid_t uid)
{
	char	 buf[PROC_FILE_MAX];
	g_auto(GStrv) f = NULL;
	unsigned long long n;
	char	*p;
	int	 i;

	if (!proc_read(pid, "status", buf, sizeof(buf)) ||
	    (p = strstr(buf, "\nUid:")) == NULL)
		return false;
	p += strlen("\nUid:");
	p[strcspn(p, "\n")] = '\0';
	f = g_strsplit_set(g_strstrip(p), " \t", 0);
	if (g_strv_length(f) != 4)
		return false;
	for (i = 0; i < 4; i++) {
		if (!vps_parse_uint(f[i], 0, G_MAXUINT32, &n, NULL) ||
		    n != uid)
			return false;
	}
	return true;
}

bool
slots_proc(pid_t pid, struct slots_proc *out)
{
	pid_t	 ppid;

	out->pid = pid;
	return proc_stat(pid, &ppid, &out->start);
}

bool
slots_session(uid_t uid, struct slots_proc *out)
{
	pid_t	 pid = getppid(), ppid;
	unsigned long long start;
	int	 i;

	for (i = 0; i < SLOTS_ANCESTORS && pid > 1; i++) {
		if (!proc_stat(pid, &ppid, &start))
			return false;
		if (proc_uids_are(pid, uid)) {
			out->pid = pid;
			out->start = start;
			return true;
		}
		pid = ppid;
	}
	return false;
}

/* True if the process of the record still runs. */
static bool
slots_alive(const struct slots_proc *p)
{
	unsigned long long start;
	pid_t	 ppid;

	return proc_stat(p->pid, &ppid, &start) && start == p->start;
}

/* Parses a record "PID START". */
static bool
slots_parse(const char *line, struct slots_proc *p)
{
	g_auto(GStrv) f = g_strsplit(line, " ", 3);
	unsigned long long n;

	if (g_strv_length(f) != 2 ||
	    !vps_parse_uint(f[0], 2, G_MAXINT32, &n, NULL) ||
	    !vps_parse_uint(f[1], 0, G_MAXUINT64, &p->start, NULL))
		return false;
	p->pid = (pid_t)n;
	return true;
}

/*
 * Copies the records of live processes from text (which is cut up) to
 * keep and counts them; *found tells whether self is among them.
 */
static unsigned
slots_prune(char *text, const struct slots_proc *self, GString *keep,
    bool *found)
{
	struct slots_proc p;
	char	*line, *save = NULL;
	unsigned n = 0;

	*found = false;
	for (line = strtok_r(text, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		if (!slots_parse(line, &p) || !slots_alive(&p) ||
		    (*found && p.pid == self->pid && p.start == self->start))
			continue;
		if (p.pid == self->pid && p.start == self->start)
			*found = true;
		g_string_append_printf(keep, "%d %llu\n", (int)p.pid,
		    p.start);
		n++;
	}
	return n;
}

static void
set_errno_error(GError **err, const char *what, const char *path)
{
	g_set_error(err, VPS_ERROR, VPS_ERROR_FAILED, "%s %s: %s", what, path,
	    g_strerror(errno));
}

/*
 * Opens dir, made first (and its parent, 0755) if missing. A directory
 * that is not the caller's, or that others may write to, is refused:
 * whoever can rename in it could hand --list another file.
 */
static int
slots_opendir(const char *dir, GError **err)
{
	g_autofree char *parent = g_path_get_dirname(dir);
	struct stat st;
	int	 fd;

	if (g_mkdir_with_parents(parent, 0755) == -1 ||
	    (mkdir(dir, 0700) == -1 && errno != EEXIST)) {
		set_errno_error(err, "cannot create", dir);
		return -1;
	}
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) == -1) {
		set_errno_error(err, "cannot open", dir);
		return -1;
	}
	if (fstat(fd, &st) == -1 || st.st_uid != geteuid() ||
	    (st.st_mode & 022) != 0) {
		g_set_error(err, VPS_ERROR, VPS_ERROR_FAILED, "%s: not a "
		    "directory that only its owner, uid %u, may change",
		    dir, (unsigned)geteuid());
		close(fd);
		return -1;
	}
	return fd;
}

/* Opens and locks dir/member, created 0600 if missing. */
static int
slots_open(const char *dir, const char *member, GError **err)
{
	g_autofree char *path = g_build_filename(dir, member, NULL);
	struct stat st;
	int	 dfd, fd;

	if ((dfd = slots_opendir(dir, err)) == -1)
		return -1;
	fd = openat(dfd, member, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC,
	    0600);
	close(dfd);
	if (fd == -1) {
		set_errno_error(err, "cannot open", path);
		return -1;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) ||
	    st.st_uid != geteuid() || (st.st_mode & 022) != 0) {
		g_set_error(err, VPS_ERROR, VPS_ERROR_FAILED, "%s: not a "
		    "file that only its owner may change", path);
		close(fd);
		return -1;
	}
	while (flock(fd, LOCK_EX) == -1) {
		if (errno != EINTR) {
			set_errno_error(err, "cannot lock", path);
			close(fd);
			return -1;
		}
	}
	return fd;
}

/* Reads all of fd (at most SLOTS_FILE_MAX bytes) into a string. */
static char *
slots_read(int fd)
{
	char	*buf = g_malloc(SLOTS_FILE_MAX + 1);
	size_t	 len = 0;
	ssize_t	 n;

	while (len < SLOTS_FILE_MAX) {
		n = pread(fd, buf + len, SLOTS_FILE_MAX - len, (off_t)len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;		/* an unreadable rest counts nothing */
		len += (size_t)n;
	}
	buf[len] = '\0';
	return buf;
}

/* Writes text over the content of fd. */
static bool
slots_write(int fd, const GString *text)
{
	size_t	 off = 0;
	ssize_t	 n;

	while (off < text->len) {
		n = pwrite(fd, text->str + off, text->len - off, (off_t)off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		off += (size_t)n;
	}
	return ftruncate(fd, (off_t)text->len) == 0;
}

int
slots_take(const char *dir, const char *member,
    const struct slots_proc *self, unsigned max, unsigned *nopen,
    GError **err)
{
	g_autoptr(GString) keep = g_string_new(NULL);
	g_autofree char *text = NULL;
	bool	 found;
	int	 fd, rc = 1;

	if ((fd = slots_open(dir, member, err)) == -1)
		return -1;
	text = slots_read(fd);
	*nopen = slots_prune(text, self, keep, &found);
	if (!found && *nopen >= max)
		rc = 0;
	else if (!found)
		g_string_append_printf(keep, "%d %llu\n", (int)self->pid,
		    self->start);
	if (!slots_write(fd, keep)) {
		g_set_error(err, VPS_ERROR, VPS_ERROR_FAILED,
		    "cannot write the records in %s: %s", dir,
		    g_strerror(errno));
		rc = -1;
	}
	close(fd);			/* and the lock with it */
	return rc;
}
