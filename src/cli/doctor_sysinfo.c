// SPDX-License-Identifier: GPL-2.0
/* kava doctor: which path answers containers' sysinfo(2) here, and why. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "common/util.h"
#include "sched/state.h"
#include "seccomp/probe.h"

void doctor_sysinfo(const char *const *sockets, int n)
{
	struct sysinfo_paths p = { 0 };
	char path[PATH_MAX], line[1024], *text = NULL;
	int i, k = 0;

	snprintf(path, sizeof(path), "%s/links/kava_sysinfo_exit", kava_pin_dir());
	if (access(path, F_OK) == 0) {
		p.bpf = SYSINFO_BPF_ATTACHED;
	} else {
		/* loaded without it: the kernel refused the program (kava run said so) */
		snprintf(path, sizeof(path), "%s/kava_config", kava_pin_dir());
		p.bpf = access(path, F_OK) == 0 ? SYSINFO_BPF_REFUSED : SYSINFO_BPF_UNKNOWN;
	}
	if (read_file("/sys/kernel/security/lockdown", &text, NULL) == 0)
		lockdown_mode(text, p.lockdown, sizeof(p.lockdown));
	free(text);
	text = NULL;
	if (read_file("/proc/net/unix", &text, NULL) == 0)
		for (i = 0; i < n && k < 3; i++)
			if (unix_listening(text, sockets[i]))
				p.listening[k++] = sockets[i];
	free(text);
	sysinfo_paths_describe(&p, line, sizeof(line));
	printf("sysinfo(2):  %s\n", line);
}
