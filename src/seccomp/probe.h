/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Which path answers containers' sysinfo(2) on this host, for `kava doctor`:
 * the BPF rewrite (a sys_exit_sysinfo program; needs bpf_probe_write_user,
 * which kernel lockdown refuses), kava's seccomp listener (runtimes hand it
 * their containers' seccomp listeners), or none.
 */
#ifndef KAVA_SECCOMP_PROBE_H
#define KAVA_SECCOMP_PROBE_H

#include <stddef.h>

enum sysinfo_bpf { SYSINFO_BPF_UNKNOWN, SYSINFO_BPF_REFUSED, SYSINFO_BPF_ATTACHED };

struct sysinfo_paths {
	enum sysinfo_bpf bpf;
	char lockdown[32];         /* the bracketed lockdown mode, or "" when unknown */
	const char *listening[4];  /* kava seccomp sockets with a listener, NULL-ended */
};

/* The lockdown mode in /sys/kernel/security/lockdown text ("none [integrity] ..."), pure. */
void lockdown_mode(const char *text, char *out, size_t size);

/* Is a unix socket listening at `path` in /proc/net/unix text? (pure) */
int unix_listening(const char *proc_net_unix, const char *path);

/* The doctor's sysinfo(2) line for these facts (pure). */
void sysinfo_paths_describe(const struct sysinfo_paths *p, char *out, size_t size);

#endif
