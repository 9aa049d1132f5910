/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The OCI runtime side (runtime-spec config-linux.md, "seccomp",
 * listenerPath): after installing a filter with SCMP_ACT_NOTIFY rules the
 * runtime (runc 1.1+, crun) connects to listenerPath, sends the container
 * process state as JSON ({"ociVersion", "fds": ["seccompFd"], "pid",
 * "metadata", "state": {"id", ...}}) with the listener as SCM_RIGHTS, and
 * closes the connection.
 */
#ifndef KAVA_SECCOMP_OCI_H
#define KAVA_SECCOMP_OCI_H

#include <stddef.h>

struct oci_handover {
	int notify_fd;             /* the container's seccomp listener */
	int pid;                   /* the container process, as the runtime saw it */
	char id[128];              /* the container id, for the log */
};

/*
 * Read one handover from a connected runtime (waits at most a few seconds).
 * Descriptors other than a seccomp listener are closed. Returns 0 or -EPROTO.
 */
int oci_receive(int conn, struct oci_handover *h);

/* The container id (state.id) and pid from the state JSON (pure; "?" and 0 if absent). */
void oci_state_fields(const char *json, char *id, size_t id_size, int *pid);

/* Is `fd` a seccomp listener ("anon_inode:seccomp notify")? */
int oci_is_seccomp_listener(int fd);

#endif
