/*
 * root-ticket.c: one-time console tickets (root-ticket.h), the helper's
 * side: the VPS's ticket file and its lock, and starting the watcher of a
 * ticket. The record files and the detached start serve the watcher of
 * an install too (root-install.c).
 * The watchers themselves are root-ticket-watch.c and
 * root-install-watch.c.
 */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fileio.h"
#include "lock.h"
#include "random.h"
#include "root-ticket.h"
#include "util.h"

#define WATCH_READY_MS	30000	/* for the watcher to reach libvirt */
#define WATCH_MSG_MAX	256	/* bytes of the watcher's first line */

struct ticket {
	int	 lockfd;
};

/* Opens the existing record file path and takes its lock; -1 if not. */
static int
watch_lock_existing(const char *path, GError **err)
{
	int	 fd, r;

	if ((fd = open(path, O_RDWR | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY)) ==
	    -1) {
		g_set_error(err, VPS_ERROR, VPS_ERROR_FAILED, "%s: %s", path,
		    g_strerror(errno));
		return -1;
	}
	while ((r = flock(fd, LOCK_EX)) == -1 && errno == EINTR)
		;
	if (r == -1) {
		g_set_error(err, VPS_ERROR, VPS_ERROR_FAILED,
		    "cannot lock %s: %s", path, g_strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

int
watch_lock(const char *dir, const char *vps, bool create, GError **err)
{
	g_autofree char *path = g_build_filename(dir, vps, NULL);

	if (!create)
		return watch_lock_existing(path, err);
	if (!vps_root_dir(dir, err))
		return -1;
	return vps_lock(path, false, err);
}

int
ticket_lock(const char *vps, bool create, GError **err)
{
	return watch_lock(TICKET_DIR, vps, create, err);
}

bool
ticket_id_valid(const char *id)
{
	size_t	 i;

	for (i = 0; i < TICKET_ID_LEN; i++) {
		if (!g_ascii_isalnum(id[i]))
			return false;
	}
	return id[i] == '\0';
}

bool
ticket_current(int fd, const char *id)
{
	char	 buf[TICKET_ID_LEN + 2];

	if (pread(fd, buf, sizeof(buf), 0) != TICKET_ID_LEN + 1 ||
	    buf[TICKET_ID_LEN] != '\n')
		return false;
	return memcmp(buf, id, TICKET_ID_LEN) == 0;
}

bool
watch_record(int fd, const char *id, GError **err)
{
	char	 line[TICKET_ID_LEN + 2];
	size_t	 len = id != NULL ? TICKET_ID_LEN + 1 : 0;

	if (id != NULL)
		(void)snprintf(line, sizeof(line), "%s\n", id); /* it fits */
	if (ftruncate(fd, 0) == -1 || (len > 0 &&
	    pwrite(fd, line, len, 0) != (ssize_t)len)) {
		g_set_error(err, VPS_ERROR, VPS_ERROR_FAILED,
		    "cannot record the watcher's id: %s", g_strerror(errno));
		return false;
	}
	return true;
}

/*
 * The child's part of watch_spawn(): stdin and stderr /dev/null, stdout
 * the pipe out, no other descriptor (a lock the helper holds must not
 * live on in the watcher), the signals the helper may ignore or block as
 * they come; then, in a session of its own, a grandchild executes the
 * watcher while the child exits. Async-signal-safe calls only.
 */
static G_NORETURN void
watch_child(const char *path, char *const argv[], int out)
{
	static char path_env[] = "PATH=/usr/sbin:/usr/bin:/sbin:/bin";
	static const int sigs[] = { SIGHUP, SIGINT, SIGTERM, SIGPIPE };
	char	*const envp[] = { path_env, NULL };
	struct sigaction dfl;
	sigset_t none;
	size_t	 i;
	int	 null, fd;

	if ((null = open("/dev/null", O_RDWR)) == -1 || dup2(null, 0) == -1 ||
	    dup2(out, 1) == -1 || dup2(null, 2) == -1 || setsid() == -1)
		_exit(127);
	if (close_range(3, ~0U, 0) == -1) {
		for (fd = 3; fd < 1024; fd++)
			(void)close(fd);
	}
	memset(&dfl, 0, sizeof(dfl));
	dfl.sa_handler = SIG_DFL;
	for (i = 0; i < G_N_ELEMENTS(sigs); i++)
		(void)sigaction(sigs[i], &dfl, NULL);
	sigemptyset(&none);
	(void)sigprocmask(SIG_SETMASK, &none, NULL);
	switch (fork()) {
	case -1:
		_exit(127);
	case 0:
		execve(path, argv, envp);
		_exit(127);
	default:
		_exit(0);
	}
}

/*
 * Starts the watcher with argv, detached: its parent has exited (init
 * reaps it), so it outlives the helper, and it is in a session of its
 * own, which no signal to the member's session reaches. *out is its
 * stdout.
 */
static bool
watch_spawn(const char *path, char *const argv[], int *out, GError **err)
{
	int	 p[2], st = 0;
	pid_t	 pid;

	if (pipe2(p, O_CLOEXEC) == -1) {
		g_set_error(err, VPS_ERROR, VPS_ERROR_FAILED, "pipe: %s",
		    g_strerror(errno));
		return false;
	}
	if ((pid = fork()) == 0)
		watch_child(path, argv, p[1]);
	close(p[1]);
	if (pid != -1) {
		while (waitpid(pid, &st, 0) == -1 && errno == EINTR)
			;
	}
	if (pid == -1 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		g_set_error(err, VPS_ERROR, VPS_ERROR_FAILED,
		    "cannot start %s", path);
		close(p[0]);
		return false;
	}
	*out = p[0];
	return true;
}

/* Reads from fd into buf[size] until a LF, EOF or WATCH_READY_MS. */
static void
watch_read(int fd, char *buf, size_t size)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	gint64	 end = g_get_monotonic_time() +
	    (gint64)WATCH_READY_MS * G_TIME_SPAN_MILLISECOND;
	size_t	 len = 0;
	ssize_t	 n;
	int	 ms, rc;

	memset(buf, 0, size);
	while (len < size - 1 && memchr(buf, '\n', len) == NULL) {
		ms = (int)((end - g_get_monotonic_time()) / 1000);
		if (ms <= 0 || (rc = poll(&pfd, 1, ms)) == 0)
			break;
		if (rc == -1) {
			if (errno == EINTR)
				continue;
			break;
		}
		if ((n = read(fd, buf + len, size - 1 - len)) == 0 ||
		    (n == -1 && errno != EINTR))
			break;
		if (n > 0)
			len += (size_t)n;
	}
	buf[len] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
}

/* Waits for the watcher's "ready"; else err says what it said. */
static bool
watch_wait(const char *path, int fd, GError **err)
{
	char	 line[WATCH_MSG_MAX];

	watch_read(fd, line, sizeof(line));
	if (strcmp(line, "ready") == 0)
		return true;
	g_set_error(err, VPS_ERROR, VPS_ERROR_FAILED, "%s: %s", path,
	    line[0] != '\0' ? line : "no answer");
	return false;
}

bool
watch_launch(const char *path, char *const argv[], GError **err)
{
	int	 out = -1;
	bool	 ok;

	ok = watch_spawn(path, argv, &out, err) && watch_wait(path, out, err);
	if (out != -1)
		close(out);
	return ok;
}

void
watch_answer(const GError *err)
{
	int	 null;

	if (err == NULL)
		printf("ready\n");
	else
		printf("error: %s\n", err->message);
	(void)fflush(stdout);
	if ((null = open("/dev/null", O_WRONLY)) != -1) {
		(void)dup2(null, STDOUT_FILENO);
		close(null);
	}
}

struct ticket *
ticket_begin(const char *member, const char *vps, time_t until,
    GError **err)
{
	char	 id[TICKET_ID_LEN + 1], when[32];
	char	*argv[] = { (char *)"virsh-menu-ticket", (char *)member,
	    (char *)vps, id, when, NULL };
	struct ticket *t;
	int	 fd;

	if (!vps_random_password(id, TICKET_ID_LEN, err))
		return NULL;
	(void)snprintf(when, sizeof(when), "%lld", (long long)until);
	if ((fd = ticket_lock(vps, true, err)) == -1)
		return NULL;
	if (!watch_launch(TICKET_PATH, argv, err) ||
	    !watch_record(fd, id, err)) {
		vps_unlock(fd);
		return NULL;
	}
	t = g_new0(struct ticket, 1);
	t->lockfd = fd;
	return t;
}

void
ticket_end(struct ticket *t)
{
	if (t == NULL)
		return;
	vps_unlock(t->lockfd);
	g_free(t);
}
