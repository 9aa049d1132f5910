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
 * One handover being received from a connected runtime, read as it arrives
 * (never waited for: crun's helper connects when the container starts and
 * sends the listener only once the container's filter exists, seconds later
 * on a loaded host, and other containers must not wait meanwhile).
 */
struct oci_pending {
	int conn;                  /* the runtime's connection, non-blocking */
	char *json;                /* what it sent so far */
	size_t len;
	struct oci_handover h;     /* the listener as soon as it came, -1 before */
};

/* Start receiving on `conn` (taken: finish closes it). 0 or -ENOMEM. */
int oci_pending_init(struct oci_pending *p, int conn);

/*
 * Read what has arrived; descriptors other than a seccomp listener are
 * closed. 0: more may come (the runtime has not closed); 1: done (closed,
 * failed, or the state is as long as kava takes).
 */
int oci_pending_read(struct oci_pending *p);

/*
 * The handover in `h` (id and pid from the state), the connection closed
 * and the buffer freed. 0 when a listener came, -EPROTO otherwise.
 */
int oci_pending_finish(struct oci_pending *p, struct oci_handover *h);

/* The container id (state.id) and pid from the state JSON (pure; "?" and 0 if absent). */
void oci_state_fields(const char *json, char *id, size_t id_size, int *pid);

/* Is `fd` a seccomp listener ("anon_inode:seccomp notify")? */
int oci_is_seccomp_listener(int fd);

#endif
