/*
 * names.h: one validator per kind of name that crosses a trust boundary
 * (vps.data, LDAP values, the --serve protocol, ISO names, menu input).
 * Each returns true, or false with err (VPS_ERROR_INVALID, may be NULL)
 * saying why in a few words ("empty name"), for the caller to prefix
 * with what the name was.
 */
#ifndef VPS_NAMES_H
#define VPS_NAMES_H

#include <stdbool.h>
#include <stddef.h>
#include <glib.h>

#define VPS_NAME_MAX	32	/* ^[a-z][a-z0-9_-]{0,31}$ */
#define VPS_OWNER_MAX	32	/* ^[a-z_][a-z0-9_-]{0,31}$ */
#define VPS_ISO_MAX	128
#define VPS_HOST_MAX	32	/* ^[a-z][a-z0-9-]{0,31}$ */

/* A VPS name: the libvirt domain name and the LV name. */
bool	 vps_name_valid(const char *s, GError **err);
/* A member (POSIX user) name. */
bool	 vps_owner_valid(const char *s, GError **err);
/*
 * A hypervisor's name: vps.data's host field, [host NAME] of vps.conf,
 * LDAP's vpsHost. No '_': it may become part of a DNS name.
 */
bool	 vps_host_name_valid(const char *s, GError **err);
/* A file name in the ISO library: [A-Za-z0-9._+-], ends in ".iso". */
bool	 vps_iso_name_valid(const char *s, GError **err);
/* An LVM volume group name (lvm(8): [A-Za-z0-9+_.-], no leading '-'). */
#define VPS_SNAP_NAME_MAX	32	/* ^[a-z0-9][a-z0-9-]{0,31}$ */
bool	 vps_snap_name_valid(const char *s, GError **err);
bool	 vps_vg_name_valid(const char *s, GError **err);
/*
 * A CPU of [vps] cpu: host-passthrough, host-model, or a CPU model name as
 * libvirt spells them (letters, digits, '-', '_', '.'; e.g.
 * Haswell-noTSX-IBRS, qemu64). Whether libvirt knows the model is checked
 * where libvirt is at hand (vps-doctor, create-vps).
 */
#define VPS_CPU_MAX	64
bool	 vps_cpu_valid(const char *s, GError **err);
/*
 * A CPU feature name as libvirt spells them (lower-case letters, digits,
 * '-', '_', '.'; e.g. arch-capabilities, vmx, pcid).
 */
bool	 vps_cpu_feature_valid(const char *s, GError **err);
/* True if every byte is printable ASCII (0x20..0x7e). */
bool	 vps_printable_ascii(const char *s);
/*
 * Copies s into dst[size] for display, replacing every byte outside
 * printable ASCII with '?': names from libvirt or the file system never
 * put an escape sequence on a member's terminal.
 */
void	 vps_sanitize_display(const char *s, char *dst, size_t size);

#endif
