// SPDX-License-Identifier: GPL-2.0
/* The virtual files kava serves, laid out like LXCFS's tree. */
#include <stdlib.h>
#include <string.h>

#include "view_files.h"

const struct view_file view_files[VF_COUNT] = {
	{ VF_MEMINFO, "proc/meminfo", "/proc/meminfo" },
	{ VF_CPUINFO, "proc/cpuinfo", "/proc/cpuinfo" },
	{ VF_STAT, "proc/stat", "/proc/stat" },
	{ VF_UPTIME, "proc/uptime", "/proc/uptime" },
	{ VF_LOADAVG, "proc/loadavg", "/proc/loadavg" },
	{ VF_DISKSTATS, "proc/diskstats", "/proc/diskstats" },
	{ VF_SWAPS, "proc/swaps", "/proc/swaps" },
	{ VF_PRESSURE_CPU, "proc/pressure/cpu", "/proc/pressure/cpu" },
	{ VF_PRESSURE_MEMORY, "proc/pressure/memory", "/proc/pressure/memory" },
	{ VF_PRESSURE_IO, "proc/pressure/io", "/proc/pressure/io" },
	{ VF_CPU_ONLINE, VIEW_CPU_DIR "/online", "/sys/devices/system/cpu/online" },
	{ VF_CPU_POSSIBLE, VIEW_CPU_DIR "/possible", "/sys/devices/system/cpu/possible" },
	{ VF_CPU_PRESENT, VIEW_CPU_DIR "/present", "/sys/devices/system/cpu/present" },
};

const char *const view_dirs[] = {
	"", "proc", "proc/pressure", "sys", "sys/devices", "sys/devices/system",
	VIEW_CPU_DIR, NULL,
};

const struct view_file *view_file_by_path(const char *path)
{
	int i;

	for (i = 0; i < VF_COUNT; i++)
		if (!strcmp(view_files[i].path, path))
			return &view_files[i];
	return NULL;
}

int view_is_dir(const char *path)
{
	int i;

	for (i = 0; view_dirs[i]; i++)
		if (!strcmp(view_dirs[i], path))
			return 1;
	return 0;
}

int view_cpu_dir_index(const char *path)
{
	size_t n = strlen(VIEW_CPU_DIR "/cpu");
	char *end;
	long v;

	if (strncmp(path, VIEW_CPU_DIR "/cpu", n) || !path[n] || path[n] < '0' || path[n] > '9')
		return -1;
	v = strtol(path + n, &end, 10);
	if (*end || v < 0 || v > 65535)
		return -1;
	return (int)v;
}
