// SPDX-License-Identifier: GPL-2.0
/* Which path answers containers' sysinfo(2) (see probe.h). */
#include <stdio.h>
#include <string.h>

#include "seccomp/probe.h"

void lockdown_mode(const char *text, char *out, size_t size)
{
	const char *open = text ? strchr(text, '[') : NULL;
	const char *close = open ? strchr(open, ']') : NULL;

	if (!open || !close || (size_t)(close - open - 1) >= size) {
		snprintf(out, size, "%s", "");
		return;
	}
	snprintf(out, size, "%.*s", (int)(close - open - 1), open + 1);
}

int unix_listening(const char *text, const char *path)
{
	const char *line = text ? strchr(text, '\n') : NULL;	/* past the header */

	while (line && *++line) {
		char p[512] = "";
		unsigned int type = 0, st = 0;

		/* Num RefCount Protocol Flags Type St Inode Path */
		if (sscanf(line, "%*s %*s %*s %*s %x %x %*s %511s", &type, &st, p) == 3 &&
		    st == 1 /* SS_UNCONNECTED: a listening socket */ && !strcmp(p, path))
			return 1;
		line = strchr(line, '\n');
	}
	return 0;
}

void sysinfo_paths_describe(const struct sysinfo_paths *p, char *out, size_t size)
{
	char socks[600] = "", bpf[160];
	size_t used = 0;
	int i;

	for (i = 0; i < 4 && p->listening[i]; i++)
		used += (size_t)snprintf(socks + used, sizeof(socks) - used, "%s%s", i ? ", " : "",
					 p->listening[i]);
	if (p->bpf == SYSINFO_BPF_REFUSED && p->lockdown[0])
		snprintf(bpf, sizeof(bpf), "BPF rewrite refused (bpf_probe_write_user; kernel "
			 "lockdown is '%s')", p->lockdown);
	else if (p->bpf == SYSINFO_BPF_REFUSED)
		snprintf(bpf, sizeof(bpf), "BPF rewrite refused (bpf_probe_write_user; lockdown "
			 "mode unknown, securityfs not mounted)");
	else
		snprintf(bpf, sizeof(bpf), "kava's BPF programs are not loaded");

	if (p->bpf == SYSINFO_BPF_ATTACHED)
		snprintf(out, size, "BPF rewrite (sys_exit_sysinfo attached)%s%s",
			 socks[0] ? "; seccomp listener also at " : "", socks);
	else if (socks[0])
		snprintf(out, size, "seccomp listener at %s, for containers whose runtime hands it "
			 "their seccomp listener; %s", socks, bpf);
	else
		snprintf(out, size, "none, containers read the host's figures: %s, and no kava "
			 "seccomp listener listens ('kava run --seccomp-listener PATH')", bpf);
}
