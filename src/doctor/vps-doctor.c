/*
 * vps-doctor: the checklist of a vpshost host. One line per check, OK,
 * WARN or FAIL, and for each that is not OK what to do about it; or one
 * JSON document for monitoring. Exit 0 if nothing failed (warnings
 * allowed), 1 if a check failed, 2 on bad usage. It changes nothing: the
 * only thing it starts is a transient, paused probe domain, which libvirtd
 * destroys with our connection even if we are killed.
 */
#include <config.h>

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "doctor.h"
#include "log.h"
#include "pathnames.h"
#include "toolopts.h"
#include "util.h"
#include "virtutil.h"

#define RUN_OUTPUT_MAX	(64u << 10)

struct options {
	const char *config;
	const char *sudoers;
	const char *sshd_config;
	bool	 json;
};

static const char *const status_names[] = { "OK", "WARN", "FAIL" };

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: vps-doctor [-c FILE] [--json] [--sudoers FILE]\n"
	    "                  [--sshd-config FILE]\n"
	    "\n"
	    "Checks that this host can run vpshost: vps.conf, vps.data,\n"
	    "libvirt, KVM, the CPU, network, storage, ISO library, each\n"
	    "[host NAME], sudo and sshd rules, member accounts, SPICE ports,\n"
	    "LDAP. Changes nothing.\n"
	    "\n"
	    "  -c, --config FILE      configuration file (default %s)\n"
	    "  -j, --json             one JSON document instead of lines\n"
	    "      --sudoers FILE     the sudoers file sudo reads (default %s)\n"
	    "      --sshd-config FILE sshd's configuration (default %s)\n"
	    "  -h, --help             this text\n"
	    "  -V, --version          the version\n"
	    "\n"
	    "Exit status: 0 no check failed, 1 a check failed, 2 usage.\n",
	    VPS_CONFIG_PATH, SUDOERS_MAIN, SSHD_CONFIG);
}

static const struct toolopt doctor_opts[] = {
	{ "json", 'j', TOOLOPT_FLAG, offsetof(struct options, json) },
	{ "sudoers", 0, TOOLOPT_ARG, offsetof(struct options, sudoers) },
	{ "sshd-config", 0, TOOLOPT_ARG,
	    offsetof(struct options, sshd_config) },
	{ NULL, 0, 0, 0 },
};
static const struct toolopts tool = { usage, doctor_opts };

static void
parse_args(int argc, char **argv, struct options *o)
{
	memset(o, 0, sizeof(*o));
	o->sudoers = SUDOERS_MAIN;
	o->sshd_config = SSHD_CONFIG;
	if (toolopts_parse(&tool, argc, argv, &o->config, o) != argc)
		toolopts_usage_error(&tool, NULL);
}

static void
result_free(gpointer p)
{
	struct doctor_result *r = p;

	g_free(r->check);
	g_free(r->host);
	g_free(r->message);
	g_free(r->fix);
	g_free(r);
}

void
doctor_add(struct doctor *d, const char *check, int status, const char *fix,
    const char *fmt, ...)
{
	struct doctor_result *r = g_new0(struct doctor_result, 1);
	g_autofree char *msg = NULL;
	va_list	 ap;

	va_start(ap, fmt);
	msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	r->check = g_strdup(check);
	r->host = g_strdup(d->host);
	r->status = status;
	r->message = vps_one_line(msg);
	r->fix = status != DOCTOR_OK && fix != NULL ? vps_one_line(fix) : NULL;
	g_ptr_array_add(d->results, r);
}

int
doctor_run(const char *const *argv, char **out, GError **err)
{
	g_autoptr(GError) serr = NULL;
	g_autofree char *text = NULL, *etext = NULL;
	int	 wstatus;

	/* Untranslated output, and no PATH of the caller's. */
	static const char *const envp[] = { "PATH=/usr/sbin:/usr/bin:/sbin:/bin",
	    "LC_ALL=C", NULL };

	*out = NULL;
	if (!g_spawn_sync(NULL, (char **)argv, (char **)envp,
	    G_SPAWN_STDIN_FROM_DEV_NULL, NULL, NULL, &text, &etext, &wstatus,
	    &serr)) {
		g_set_error(err, VPS_ERROR, VPS_ERROR_FAILED,
		    "cannot run %s: %s", argv[0], serr->message);
		return -1;
	}
	if (!WIFEXITED(wstatus)) {
		g_set_error(err, VPS_ERROR, VPS_ERROR_FAILED,
		    "%s was killed by signal %d", argv[0], WTERMSIG(wstatus));
		return -1;
	}
	*out = g_strconcat(text, etext, NULL);
	if (strlen(*out) > RUN_OUTPUT_MAX)
		(*out)[RUN_OUTPUT_MAX] = '\0';
	return WEXITSTATUS(wstatus);
}

/* The directory of this program: sudoers-gen is beside it. */
static char *
tool_dir(const char *argv0)
{
	g_autofree char *self = g_file_read_link(PROC_SELF_EXE, NULL);

	if (self != NULL)
		return g_path_get_dirname(self);
	return g_path_get_dirname(argv0);
}

/* Every check, in the order a new admin would fix things. */
static void
run_checks(struct doctor *d)
{
	doctor_check_config(d);
	if (d->cfg == NULL)
		return;
	doctor_check_data(d);
	doctor_check_libvirt(d);
	doctor_check_kvm(d);
	doctor_check_cpu(d);
	doctor_check_network(d);
	doctor_check_storage(d);
	doctor_check_snapshots(d);
	doctor_check_iso(d);
	doctor_check_hosts(d);
	doctor_check_sudoers(d);
	doctor_check_sshd(d);
	doctor_check_shells(d);
	doctor_check_ports(d);
	doctor_check_ldap(d);
}

static void
print_text(const struct doctor *d)
{
	guint	 i;

	for (i = 0; i < d->results->len; i++) {
		const struct doctor_result *r = d->results->pdata[i];
		g_autofree char *check = r->host != NULL ?
		    g_strdup_printf("%s@%s", r->check, r->host) : NULL;

		printf("%-4s  %-15s %s\n", status_names[r->status],
		    check != NULL ? check : r->check, r->message);
		if (r->fix != NULL)
			printf("      %-15s fix: %s\n", "", r->fix);
	}
}

static void
print_json(const struct doctor *d, const unsigned counts[3])
{
	g_autoptr(GString) out = g_string_new("{\"checks\":[");
	guint	 i;

	for (i = 0; i < d->results->len; i++) {
		const struct doctor_result *r = d->results->pdata[i];

		g_string_append(out, i > 0 ? ",\n{\"check\":" : "\n{\"check\":");
		vps_json_string(out, r->check);
		if (r->host != NULL) {
			g_string_append(out, ",\"host\":");
			vps_json_string(out, r->host);
		}
		g_string_append(out, ",\"status\":");
		vps_json_string(out, status_names[r->status]);
		g_string_append(out, ",\"message\":");
		vps_json_string(out, r->message);
		g_string_append(out, ",\"fix\":");
		if (r->fix != NULL)
			vps_json_string(out, r->fix);
		else
			g_string_append(out, "null");
		g_string_append_c(out, '}');
	}
	g_string_append_printf(out, "],\n\"ok\":%u,\"warn\":%u,\"fail\":%u}\n",
	    counts[DOCTOR_OK], counts[DOCTOR_WARN], counts[DOCTOR_FAIL]);
	fputs(out->str, stdout);
}

int
main(int argc, char **argv)
{
	struct options o;
	struct doctor d;
	unsigned counts[3] = { 0, 0, 0 };
	g_autofree char *tooldir = NULL;
	guint	 i;

	vlog_init("vps-doctor", false);
	virt_init();
	signal(SIGPIPE, SIG_IGN);
	parse_args(argc, argv, &o);
	tooldir = tool_dir(argv[0]);
	memset(&d, 0, sizeof(d));
	d.config_path = o.config;
	d.sudoers_main = o.sudoers;
	d.sshd_config = o.sshd_config;
	d.tooldir = tooldir;
	d.results = g_ptr_array_new_with_free_func(result_free);
	run_checks(&d);
	for (i = 0; i < d.results->len; i++)
		counts[((struct doctor_result *)d.results->pdata[i])->status]++;
	if (o.json)
		print_json(&d, counts);
	else {
		print_text(&d);
		printf("%u OK, %u WARN, %u FAIL\n", counts[DOCTOR_OK],
		    counts[DOCTOR_WARN], counts[DOCTOR_FAIL]);
	}
	if (d.conn != NULL)
		virConnectClose(d.conn);
	vpsdata_clear(&d.data);
	config_free(d.cfg);
	g_ptr_array_unref(d.results);
	if (fflush(stdout) != 0)
		return VPS_EXIT_FAIL;
	return counts[DOCTOR_FAIL] > 0 ? VPS_EXIT_FAIL : VPS_EXIT_OK;
}
