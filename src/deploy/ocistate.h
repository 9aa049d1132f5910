/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The OCI runtime spec's JSON an OCI hook reads: the container state on
 * stdin (runtime-spec runtime.md "State": ociVersion, id, status, pid,
 * bundle, annotations) and the root.path of the bundle's config.json.
 * Pure: text in, fields out (json-c).
 */
#ifndef KAVA_DEPLOY_OCISTATE_H
#define KAVA_DEPLOY_OCISTATE_H

#include <stddef.h>
#include <sys/types.h>

#define OCI_ANNOTATION_POLICY "io.kava.policy"   /* a policy file to apply */
#define OCI_ANNOTATION_MOUNT  "io.kava.mount"    /* "false": no view in this container */

struct oci_state {
	char id[256];
	char status[32];
	pid_t pid;
	char bundle[4096];
	char policy[4096];        /* annotation io.kava.policy, or "" */
	int no_mount;             /* annotation io.kava.mount = "false" */
};

/* Parse the state. 0, or -EINVAL with one line in why (no pid, not JSON...). */
int oci_state_parse(const char *text, size_t len, struct oci_state *out, char *why,
		    size_t why_size);

/*
 * root.path of a config.json, made absolute against `bundle` when it is
 * relative (runtime-spec config.md "Root"). 0, or -EINVAL with why.
 */
int oci_config_root(const char *text, size_t len, const char *bundle, char *out, size_t size,
		    char *why, size_t why_size);

#endif
