/*
 * fuzz-vpsconf.c: the vps.conf loader (GKeyFile plus vpshost's key table).
 *
 * Invariants: a rejected file gets an error naming it; an accepted one
 * has a sane SPICE port range and every path and name key set.
 */
#include <string.h>

#include <glib.h>

#include "fuzz.h"
#include "vpsconf.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vps_config *cfg;
	GError	*err = NULL;
	size_t	 i;

	cfg = config_parse((const char *)data, size, "fuzz.conf", &err);
	if (cfg == NULL) {
		FUZZ_ASSERT(err != NULL &&
		    strncmp(err->message, "fuzz.conf", 9) == 0);
		g_error_free(err);
		return 0;
	}
	FUZZ_ASSERT(err == NULL);
	FUZZ_ASSERT(cfg->port_min >= 1024 && cfg->port_min <= cfg->port_max &&
	    cfg->port_max <= 65535);
	FUZZ_ASSERT(cfg->data != NULL && cfg->iso_dir != NULL &&
	    cfg->uri != NULL && cfg->sudoers != NULL);
	FUZZ_ASSERT((cfg->network == NULL) != (cfg->bridge == NULL));
	FUZZ_ASSERT(cfg->nhosts <= VPS_HOSTS_MAX);
	for (i = 0; i < cfg->nhosts; i++) {
		const struct vps_host *h = &cfg->hosts[i];

		FUZZ_ASSERT(h->uri != NULL && h->spice_listen != NULL &&
		    config_host(cfg, h->name) == h);
		FUZZ_ASSERT((h->backend == VPS_BACKEND_POOL) ==
		    (h->pool != NULL));
	}
	config_free(cfg);
	return 0;
}
