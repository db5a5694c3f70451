/*
 * test-config.c: vps.conf defaults, every key, and FILE:LINE errors.
 */
#include <config.h>

#include <stdbool.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <glib.h>

#include "unit.h"
#include "vpsconf.h"
#include "util.h"

static struct vps_config *
parse(const char *text, GError **err)
{
	return config_parse(text, strlen(text), "vps.conf", err);
}

static void
test_defaults(void **state)
{
	g_autoptr(vps_config) c = parse("", NULL);

	assert_non_null(c);
	assert_string_equal(c->data, SYSCONFDIR "/vps/vps.data");
	assert_string_equal(c->iso_dir, "/var/lib/libvirt/images/iso");
	assert_string_equal(c->uri, "qemu:///system");
	assert_int_equal(c->virt_type, VPS_VIRT_AUTO);
	assert_string_equal(c->cpu, "host-passthrough");
	assert_null(c->cpu_disable);
	assert_int_equal(c->backend, VPS_BACKEND_LVM);
	assert_string_equal(c->vg, "vps");
	assert_string_equal(c->dir, "/var/lib/libvirt/images/vps");
	assert_string_equal(c->network, "default");
	assert_null(c->bridge);
	assert_string_equal(c->filter, "clean-traffic");
	assert_int_equal(c->sessions, 4);
	assert_int_equal(c->snap_max, 3);
	assert_int_equal(c->snap_lvm_percent, 20);
	assert_int_equal(c->idle_minutes, 60);
	assert_string_equal(c->listen, "127.0.0.1");
	assert_int_equal(c->port_min, 5900);
	assert_int_equal(c->port_max, 6899);
	assert_int_equal(c->ticket_minutes, 10);
	assert_string_equal(c->sudoers, "/etc/sudoers.d/vps");
	assert_string_equal(c->sshd, "/etc/ssh/sshd_config.d/vps.conf");
	assert_string_equal(c->ldap_uri, "ldap://127.0.0.1");
	assert_string_equal(c->ldap_base, "ou=vps,dc=example,dc=org");
	assert_string_equal(c->member_base, "ou=people,dc=example,dc=org");
	assert_string_equal(c->member_filter, "(objectClass=posixAccount)");
	assert_null(c->bind_dn);
	assert_null(c->bind_password_file);
	assert_int_equal(c->starttls, VPS_STARTTLS_NO);
	assert_null(c->ca_file);
	assert_int_equal(c->page_size, 500);
	assert_int_equal(c->timeout, 10);
	assert_int_equal(c->max_shrink_percent, 20);
}

static void
test_every_key(void **state)
{
	static const char text[] =
	    "# a full file\n"
	    "[vps]\ndata = /srv/vps.data\niso_dir=/srv/iso\n"
	    "members = /srv/members\ntemplate_dir = /srv/tpl\n"
	    "uri = qemu+ssh://h/system\n"
	    "virt_type = qemu\ncpu = Haswell-noTSX-IBRS\n"
	    "cpu_disable = arch-capabilities , vmx,pcid\n"
	    "[storage]\nbackend = file\nvg = data\ndir = /srv/img\n"
	    "lvm_config = global { activation = 0 }\n"
	    "[network]\nbridge = br0\nfilter =\n"
	    "[limits]\nsessions = 1\nidle_minutes = 0\n"
	    "[snapshots]\nmax_per_vps = 0\nlvm_size_percent = 100\n"
	    "[spice]\nlisten = ::1\nport_min = 6000\nport_max = 6000\n"
	    "ticket_minutes = 1440\n"
	    "[access]\nsudoers = /etc/sudoers.d/x\nsshd =\nmin_uid = 500\n"
	    "[ldap]\nuri = ldaps://ldap.example.org\nbase = ou=v,dc=x\n"
	    "member_base = ou=p,dc=x\nmember_filter = (uid=*)\n"
	    "bind_dn = cn=sync,dc=x\nbind_password_file = /etc/vps/pw\n"
	    "starttls = demand\nca_file = /etc/ssl/ca.pem\npage_size = 1\n"
	    "timeout = 3600\nmax_shrink_percent = 0\n";
	g_autoptr(vps_config) c = parse(text, NULL);

	assert_non_null(c);
	assert_string_equal(c->data, "/srv/vps.data");
	assert_string_equal(c->iso_dir, "/srv/iso");
	assert_string_equal(c->members, "/srv/members");
	assert_string_equal(c->template_dir, "/srv/tpl");
	assert_string_equal(c->lvm_config, "global { activation = 0 }");
	assert_int_equal(c->min_uid, 500);
	assert_string_equal(c->uri, "qemu+ssh://h/system");
	assert_int_equal(c->virt_type, VPS_VIRT_QEMU);
	assert_string_equal(c->cpu, "Haswell-noTSX-IBRS");
	assert_int_equal(g_strv_length(c->cpu_disable), 3);
	assert_string_equal(c->cpu_disable[0], "arch-capabilities");
	assert_string_equal(c->cpu_disable[1], "vmx");
	assert_string_equal(c->cpu_disable[2], "pcid");
	assert_int_equal(c->backend, VPS_BACKEND_FILE);
	assert_string_equal(c->vg, "data");
	assert_string_equal(c->dir, "/srv/img");
	assert_null(c->network);
	assert_string_equal(c->bridge, "br0");
	assert_null(c->filter);
	assert_int_equal(c->sessions, 1);
	assert_int_equal(c->idle_minutes, 0);
	assert_int_equal(c->snap_max, 0);
	assert_int_equal(c->snap_lvm_percent, 100);
	assert_string_equal(c->listen, "::1");
	assert_int_equal(c->port_min, 6000);
	assert_int_equal(c->port_max, 6000);
	assert_int_equal(c->ticket_minutes, 1440);
	assert_string_equal(c->sudoers, "/etc/sudoers.d/x");
	assert_null(c->sshd);
	assert_string_equal(c->ldap_uri, "ldaps://ldap.example.org");
	assert_string_equal(c->bind_dn, "cn=sync,dc=x");
	assert_string_equal(c->bind_password_file, "/etc/vps/pw");
	assert_int_equal(c->starttls, VPS_STARTTLS_DEMAND);
	assert_string_equal(c->ca_file, "/etc/ssl/ca.pem");
	assert_int_equal(c->page_size, 1);
	assert_int_equal(c->timeout, 3600);
	assert_int_equal(c->max_shrink_percent, 0);
	assert_string_equal(c->path, "vps.conf");
}

struct bad_case {
	const char *text;
	const char *error;
};

static const struct bad_case bad[] = {
	{ "[vps]\nfoo = 1\n", "vps.conf:2: unknown key 'foo' in [vps]" },
	{ "[vps]\n\n[nope]\n", "vps.conf:3: unknown group '[nope]'" },
	{ "data = /x\n", "vps.conf:1: key 'data' outside of a [group]" },
	{ "[vps]\ndata\n", "vps.conf:2: expected 'key = value'" },
	{ "[vps]\ndata = /a\ndata = /b\n",
	    "vps.conf:3: duplicate key 'data' in [vps] (first on line 2)" },
	{ "[vps]\ndata = relative\n",
	    "vps.conf:2: [vps] data: must be an absolute path" },
	{ "[vps]\ndata = /a/../etc/shadow\n",
	    "vps.conf:2: [vps] data: must not contain '..'" },
	{ "[vps]\ndata =\n", "vps.conf:2: [vps] data: must not be empty" },
	{ "[vps]\nuri = a\\nb\n", "vps.conf:2: [vps] uri: control" },
	/* GLib reads part of a value with an invalid escape: refused. */
	{ "[network]\nnetwork = a\\2b\n",
	    "vps.conf:2: [network] network: Key file contains key" },
	{ "[vps]\nvirt_type = xen\n",
	    "vps.conf:2: [vps] virt_type: must be auto, kvm or qemu" },
	{ "[vps]\ncpu =\n", "vps.conf:2: [vps] cpu: must not be empty" },
	{ "[vps]\ncpu = host passthrough\n",
	    "vps.conf:2: [vps] cpu: not host-passthrough, host-model or a CPU" },
	{ "[vps]\ncpu = -cpu\n", "vps.conf:2: [vps] cpu: not host-passthrough" },
	{ "[vps]\ncpu = Haswell,+vmx\n", "vps.conf:2: [vps] cpu: not host-" },
	{ "[vps]\n\ncpu = "
	    "A1234567890123456789012345678901234567890123456789012345678901234\n",
	    "vps.conf:3: [vps] cpu: CPU model name too long" },
	{ "[vps]\ncpu_disable = vmx,,pcid\n",
	    "vps.conf:2: [vps] cpu_disable: empty CPU feature name" },
	{ "[vps]\ncpu_disable = VMX\n",
	    "vps.conf:2: [vps] cpu_disable: not a CPU feature name" },
	{ "[vps]\ncpu_disable = vmx pcid\n",
	    "vps.conf:2: [vps] cpu_disable: not a CPU feature name" },
	{ "[vps]\ncpu_disable = vmx,pcid,vmx\n",
	    "vps.conf:2: [vps] cpu_disable: a CPU feature is listed twice" },
	{ "[vps]\ncpu_disable = ,\n",
	    "vps.conf:2: [vps] cpu_disable: empty CPU feature name" },
	{ "[network]\nfilter = clean traffic\n",
	    "vps.conf:2: [network] filter: not a libvirt nwfilter name" },
	{ "[limits]\nsessions = 0\n", "vps.conf:2: [limits] sessions: too small" },
	{ "[limits]\nsessions = four\n",
	    "vps.conf:2: [limits] sessions: not a number" },
	{ "[limits]\nidle_minutes = -5\n",
	    "vps.conf:2: [limits] idle_minutes: not a number" },
	{ "[limits]\nidle_minutes = 10081\n",
	    "vps.conf:2: [limits] idle_minutes: too large" },
	{ "[snapshots]\nmax_per_vps = 65\n",
	    "vps.conf:2: [snapshots] max_per_vps: too large" },
	{ "[snapshots]\nlvm_size_percent = 0\n",
	    "vps.conf:2: [snapshots] lvm_size_percent: too small" },
	{ "[snapshots]\nmax = 3\n",
	    "vps.conf:2: unknown key 'max' in [snapshots]" },
	{ "[storage]\nbackend = zfs\n",
	    "vps.conf:2: [storage] backend: must be lvm or file" },
	{ "[storage]\nvg = -x\n", "vps.conf:2: [storage] vg: invalid" },
	{ "[storage]\nvg = a/b\n", "vps.conf:2: [storage] vg: invalid" },
	{ "[network]\nnetwork = n\nbridge = br0\n",
	    "vps.conf:2: [network] set either network or bridge" },
	{ "[network]\nnetwork =\n",
	    "vps.conf:2: [network] network or bridge must be set" },
	{ "[network]\nbridge = a/b\n",
	    "vps.conf:2: [network] bridge: not a network interface" },
	{ "[spice]\nlisten = localhost\n",
	    "vps.conf:2: [spice] listen: not an IPv4 or IPv6 address" },
	{ "[spice]\nport_min = 1023\n",
	    "vps.conf:2: [spice] port_min: too small" },
	{ "[spice]\nport_max = 65536\n",
	    "vps.conf:2: [spice] port_max: too large" },
	{ "[spice]\nport_min = 59x\n",
	    "vps.conf:2: [spice] port_min: not a number" },
	{ "[spice]\nport_min = -1\n",
	    "vps.conf:2: [spice] port_min: not a number" },
	{ "[spice]\nport_min = 7000\nport_max = 6000\n",
	    "vps.conf:2: [spice] port_min 7000 is above port_max 6000" },
	{ "[spice]\nticket_minutes = 0\n",
	    "vps.conf:2: [spice] ticket_minutes: too small" },
	{ "[access]\nsshd = etc/x\n",
	    "vps.conf:2: [access] sshd: must be an absolute path" },
	{ "[ldap]\nuri = http://x\n", "vps.conf:2: [ldap] uri: must start" },
	{ "[ldap]\nstarttls = yes\n",
	    "vps.conf:2: [ldap] starttls: must be no, try or demand" },
	{ "[ldap]\nmember_filter = uid=*\n",
	    "vps.conf:2: [ldap] member_filter: must be an LDAP filter" },
	{ "[ldap]\npage_size = 0\n", "vps.conf:2: [ldap] page_size: too small" },
	{ "[ldap]\nmax_shrink_percent = 101\n",
	    "vps.conf:2: [ldap] max_shrink_percent: too large" },
	{ "[ldap]\ntimeout = 99999999999999999999999\n",
	    "vps.conf:2: [ldap] timeout: too large" },
	{ "[ldap]\nbase = caf\xc3\xa9\n", "vps.conf:2: [ldap] base: control" },
	/* [host NAME] */
	{ "[host]\nuri = x\n", "vps.conf:1: unknown group '[host]'" },
	{ "[hosts hv1]\n", "vps.conf:1: unknown group '[hosts hv1]'" },
	{ "[host ]\n", "vps.conf:1: [host ]: bad host NAME: empty name" },
	{ "[vps]\n[host Hv1]\n",
	    "vps.conf:2: [host Hv1]: bad host NAME: must start" },
	{ "[host hv_1]\n", "vps.conf:1: [host hv_1]: bad host NAME: invalid" },
	{ "[host  hv1]\n", "vps.conf:1: [host  hv1]: bad host NAME: must" },
	{ "[host hv1 ]\n", "vps.conf:1: [host hv1 ]: bad host NAME: invalid" },
	{ "[host abcdefghijklmnopqrstuvwxyz0123456]\n",
	    "vps.conf:1: [host abcdefghijklmnopqrstuvwxyz0123456]: bad host "
	    "NAME: name too long" },
	{ "[host hv1]\nuri = q\nspice_listen = 10.0.0.1\nport = 1\n",
	    "vps.conf:4: unknown key 'port' in [host hv1]" },
	{ "[host hv1]\nuri = q\nspice_listen = 10.0.0.1\nuri = r\n",
	    "vps.conf:4: duplicate key 'uri' in [host hv1] (first on line 2)" },
	{ "[host hv1]\nuri = q\nspice_listen = 10.0.0.1\n"
	    "[host hv1]\nvg = x\n",
	    "vps.conf:4: duplicate group [host hv1] (first on line 1)" },
	{ "[vps]\n[host hv1]\nspice_listen = 10.0.0.1\n",
	    "vps.conf:2: [host hv1]: missing key uri" },
	{ "[host hv1]\nuri = qemu+tls://hv1/system\n",
	    "vps.conf:1: [host hv1]: missing key spice_listen" },
	{ "[host hv1]\nuri =\nspice_listen = 10.0.0.1\n",
	    "vps.conf:2: [host hv1] uri: must not be empty" },
	{ "[host hv1]\nuri = q\nspice_listen = hv1.example.org\n",
	    "vps.conf:3: [host hv1] spice_listen: not an IPv4 or IPv6" },
	{ "[host hv1]\nuri = q\nspice_listen = 10.0.0.1\nbackend = zfs\n",
	    "vps.conf:4: [host hv1] backend: must be lvm, file or pool" },
	{ "[host hv1]\nuri = q\nspice_listen = 10.0.0.1\nbackend = pool\n",
	    "vps.conf:4: [host hv1]: backend = pool needs the key pool" },
	{ "[host hv1]\nuri = q\nspice_listen = 10.0.0.1\npool = vps\n",
	    "vps.conf:4: [host hv1] pool: only for backend = pool" },
	{ "[host hv1]\nuri = q\nspice_listen = 10.0.0.1\nbackend = pool\n"
	    "pool = a/b\n", "vps.conf:5: [host hv1] pool: not a libvirt" },
	{ "[host hv1]\nuri = q\nspice_listen = 10.0.0.1\nbackend = pool\n"
	    "pool = -x\n", "vps.conf:5: [host hv1] pool: must not start" },
	{ "[host hv1]\nuri = q\nspice_listen = 10.0.0.1\nvg = a/b\n",
	    "vps.conf:4: [host hv1] vg: invalid" },
	{ "[host hv1]\nuri = q\nspice_listen = 10.0.0.1\ndir = rel\n",
	    "vps.conf:4: [host hv1] dir: must be an absolute path" },
	/* a bad [host] after a good one: the file is invalid */
	{ "[host hv1]\nuri = q\nspice_listen = 10.0.0.1\n[host hv2]\n"
	    "uri = r\n", "vps.conf:4: [host hv2]: missing key spice_listen" },
	/* a host key outside a [host NAME] group */
	{ "[vps]\nspice_listen = 10.0.0.1\n",
	    "vps.conf:2: unknown key 'spice_listen' in [vps]" },
};

static void
test_bad_values(void **state)
{
	size_t	 i;

	for (i = 0; i < G_N_ELEMENTS(bad); i++) {
		GError	*err = NULL;
		struct vps_config *c = parse(bad[i].text, &err);

		if (c != NULL)
			FAIL_MSG("case %zu accepted", i);
		assert_non_null(err);
		if (strstr(err->message, bad[i].error) == NULL)
			FAIL_MSG("case %zu: \"%s\" lacks \"%s\"", i,
			    err->message, bad[i].error);
		assert_int_equal(vps_exit_status(err), 2);
		g_error_free(err);
	}
}

static void
test_hosts(void **state)
{
	static const char text[] =
	    "[vps]\nuri = qemu:///system\n"
	    "[host hv2]\nuri = qemu+tls://hv2.example.org/system\n"
	    "spice_listen = 10.0.0.2\n"
	    "[storage]\nbackend = file\n"
	    "[host hv1]\nuri = qemu+ssh://root@hv1/system\n"
	    "spice_listen = fd00::1\nbackend = pool\npool = vps-pool\n"
	    "[host h3]\nuri = qemu+tcp://127.0.0.1:16510/system\n"
	    "spice_listen = 127.0.0.1\nbackend = file\ndir = /srv/img\n"
	    "vg = data\n";
	g_autoptr(vps_config) c = parse(text, NULL);
	const struct vps_host *h;

	assert_non_null(c);
	assert_int_equal(c->nhosts, 3);
	/* The order of the file; [storage] is not a host's. */
	assert_string_equal(c->hosts[0].name, "hv2");
	assert_string_equal(c->hosts[1].name, "hv1");
	assert_string_equal(c->hosts[2].name, "h3");
	assert_int_equal(c->backend, VPS_BACKEND_FILE);
	h = config_host(c, "hv2");
	assert_ptr_equal(h, &c->hosts[0]);
	assert_string_equal(h->uri, "qemu+tls://hv2.example.org/system");
	assert_string_equal(h->spice_listen, "10.0.0.2");
	assert_int_equal(h->backend, VPS_BACKEND_LVM);
	assert_string_equal(h->vg, "vps");
	assert_string_equal(h->dir, "/var/lib/libvirt/images/vps");
	assert_null(h->pool);
	assert_int_equal(h->line, 3);
	h = config_host(c, "hv1");
	assert_non_null(h);
	assert_string_equal(h->spice_listen, "fd00::1");
	assert_int_equal(h->backend, VPS_BACKEND_POOL);
	assert_string_equal(h->pool, "vps-pool");
	h = config_host(c, "h3");
	assert_non_null(h);
	assert_int_equal(h->backend, VPS_BACKEND_FILE);
	assert_string_equal(h->dir, "/srv/img");
	assert_string_equal(h->vg, "data");
	/* "" is the local host, which has no group. */
	assert_null(config_host(c, ""));
	assert_null(config_host(c, NULL));
	assert_null(config_host(c, "hv3"));
	assert_null(config_host(c, "HV1"));
}

/*
 * A VPS's host: local ([vps] uri), a known [host NAME] (its uri), or an
 * unknown one, refused with the VPS and the host named.
 */
static void
test_host_of(void **state)
{
	static const char text[] = "[vps]\nuri = qemu:///system\n"
	    "[host hv1]\nuri = qemu+tls://hv1/system\n"
	    "spice_listen = 10.0.0.1\n";
	g_autoptr(vps_config) c = parse(text, NULL);
	struct vps_entry e;
	const struct vps_host *h = (const struct vps_host *)1;
	GError	*err = NULL;

	assert_non_null(c);
	memset(&e, 0, sizeof(e));
	vps_strlcpy(e.name, "web1", sizeof(e.name));
	assert_true(config_host_of(c, &e, &h, NULL));
	assert_null(h);
	assert_string_equal(config_uri_for(c, &e, NULL), "qemu:///system");
	vps_strlcpy(e.host, "hv1", sizeof(e.host));
	assert_true(config_host_of(c, &e, &h, NULL));
	assert_ptr_equal(h, config_host(c, "hv1"));
	assert_string_equal(config_uri_for(c, &e, NULL),
	    "qemu+tls://hv1/system");
	vps_strlcpy(e.host, "hv2", sizeof(e.host));
	assert_false(config_host_of(c, &e, &h, &err));
	assert_null(h);
	assert_string_equal(err->message, "VPS web1 is on host hv2, which "
	    "has no [host hv2] group in vps.conf");
	assert_int_equal(vps_exit_status(err), 2);
	g_clear_error(&err);
	assert_null(config_uri_for(c, &e, &err));
	assert_non_null(strstr(err->message, "VPS web1 is on host hv2"));
	g_clear_error(&err);
}

/* Without [host NAME] there are no hosts, and config_host finds none. */
static void
test_no_hosts(void **state)
{
	g_autoptr(vps_config) c = parse("[vps]\nuri = qemu:///system\n", NULL);

	assert_non_null(c);
	assert_int_equal(c->nhosts, 0);
	assert_null(c->hosts);
	assert_null(config_host(c, "hv1"));
}

/* At most VPS_HOSTS_MAX groups; the next one is named by its line. */
static void
test_host_limit(void **state)
{
	GString	*s = g_string_new(NULL);
	GError	*err = NULL;
	struct vps_config *c;
	unsigned i;

	for (i = 0; i < VPS_HOSTS_MAX; i++)
		g_string_append_printf(s, "[host hv%u]\nuri = qemu+tcp://h%u/"
		    "system\nspice_listen = 10.0.0.1\n", i, i);
	c = parse(s->str, &err);
	assert_non_null(c);
	assert_int_equal(c->nhosts, VPS_HOSTS_MAX);
	assert_string_equal(config_host(c, "hv63")->uri,
	    "qemu+tcp://h63/system");
	config_free(c);
	g_string_append(s, "[host one-more]\n");
	c = parse(s->str, &err);
	assert_null(c);
	assert_non_null(strstr(err->message,
	    "vps.conf:193: more than 64 [host NAME] groups"));
	g_error_free(err);
	g_string_free(s, TRUE);
}

static void
test_nul_and_crlf(void **state)
{
	static const char nul[] = "[vps]\ndata = /a\0b\n";
	GError	*err = NULL;
	struct vps_config *c;

	c = config_parse(nul, sizeof(nul) - 1, "f", &err);
	assert_null(c);
	assert_non_null(strstr(err->message, "NUL byte"));
	g_clear_error(&err);
	/* CRLF files are read as if they had plain newlines. */
	c = parse("[vps]\r\ndata = /srv/d\r\n", &err);
	assert_non_null(c);
	assert_string_equal(c->data, "/srv/d");
	config_free(c);
}

static void
test_load(void **state)
{
	g_autofree char *dir = g_dir_make_tmp("config-XXXXXX", NULL);
	g_autofree char *path = g_build_filename(dir, "vps.conf", NULL);
	GError	*err = NULL;
	struct vps_config *c;

	/* A file named by the user must exist. */
	c = config_load(path, 0, &err);
	assert_null(c);
	assert_int_equal(vps_exit_status(err), 1);
	assert_non_null(strstr(err->message, path));
	g_clear_error(&err);
	assert_true(g_file_set_contents(path, "[spice]\nport_min = 6000\n",
	    -1, NULL));
	c = config_load(path, 0, &err);
	assert_non_null(c);
	assert_int_equal(c->port_min, 6000);
	assert_string_equal(c->path, path);
	config_free(c);
	/*
	 * Group-writable: refused when read as root, unless the caller asks
	 * for any owner (vps-doctor, to report it).
	 */
	assert_int_equal(chmod(path, 0664), 0);
	c = config_load(path, 0, &err);
	if (geteuid() == 0) {
		assert_null(c);
		assert_non_null(strstr(err->message, "writable only by root"));
		g_clear_error(&err);
	} else
		config_free(c);
	c = config_load(path, VPS_CONFIG_ANY_OWNER, &err);
	assert_non_null(c);
	config_free(c);
	unlink(path);
	rmdir(dir);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_defaults),
	cmocka_unit_test(test_every_key),
	cmocka_unit_test(test_bad_values),
	cmocka_unit_test(test_hosts),
	cmocka_unit_test(test_no_hosts),
	cmocka_unit_test(test_host_of),
	cmocka_unit_test(test_host_limit),
	cmocka_unit_test(test_nul_and_crlf),
	cmocka_unit_test(test_load),
};

UNIT_MAIN(tests)
