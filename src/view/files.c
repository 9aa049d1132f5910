// SPDX-License-Identifier: GPL-2.0
/* The virtual files kava serves, laid out like LXCFS's tree. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "view/files.h"

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
	{ VF_KAVA_METRICS, "kava/metrics", NULL },
	{ VF_KAVA_RUNQ, "kava/runq", NULL },
};

const char *const view_dirs[] = {
	"", "proc", "proc/pressure", "sys", "sys/devices", "sys/devices/system",
	VIEW_CPU_DIR, "kava", NULL,	/* new entries last: inode numbers stay */
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

/* The files lscpu, hwloc and the JVM read; cluster_* are left out (x86 has none). */
const struct topology_file topology_files[TOPOLOGY_FILE_COUNT] = {
	{ "core_id", TOPO_CPU_ID },
	{ "physical_package_id", TOPO_ZERO },
	{ "die_id", TOPO_ZERO },
	{ "thread_siblings", TOPO_SELF_MASK },
	{ "thread_siblings_list", TOPO_SELF_LIST },
	{ "core_cpus", TOPO_SELF_MASK },
	{ "core_cpus_list", TOPO_SELF_LIST },
	{ "core_siblings", TOPO_ALL_MASK },
	{ "core_siblings_list", TOPO_ALL_LIST },
	{ "package_cpus", TOPO_ALL_MASK },
	{ "package_cpus_list", TOPO_ALL_LIST },
	{ "die_cpus", TOPO_ALL_MASK },
	{ "die_cpus_list", TOPO_ALL_LIST },
};

enum cpu_path_kind view_cpu_path(const char *path, int *cpu, const struct topology_file **file)
{
	size_t n = strlen(VIEW_CPU_DIR "/cpu");
	char *end;
	long v;
	int i;

	if (strncmp(path, VIEW_CPU_DIR "/cpu", n) || path[n] < '0' || path[n] > '9')
		return CPU_PATH_NONE;
	v = strtol(path + n, &end, 10);
	if (v < 0 || v >= KAVA_MAX_CPUS || (path[n] == '0' && end != path + n + 1))
		return CPU_PATH_NONE;	/* "cpu01" is not a CPU */
	*cpu = (int)v;
	if (!*end)
		return CPU_PATH_DIR;
	if (strncmp(end, "/topology", 9))
		return CPU_PATH_NONE;
	end += 9;
	if (!*end)
		return CPU_PATH_TOPOLOGY_DIR;
	if (*end++ != '/')
		return CPU_PATH_NONE;
	for (i = 0; i < TOPOLOGY_FILE_COUNT; i++) {
		if (!strcmp(end, topology_files[i].name)) {
			*file = &topology_files[i];
			return CPU_PATH_TOPOLOGY_FILE;
		}
	}
	return CPU_PATH_NONE;
}

void view_topology_host_path(int cpu, const struct topology_file *file, char *out, size_t size)
{
	snprintf(out, size, "/sys/devices/system/cpu/cpu%d/topology/%s", cpu, file->name);
}

#define INO_DIRS 1u
#define INO_FILES 100u
#define INO_CPUS 1000u
#define INO_PER_CPU 16u
_Static_assert(INO_FILES + VF_COUNT <= INO_CPUS, "view files overlap the CPU inodes");
_Static_assert(2 + TOPOLOGY_FILE_COUNT <= INO_PER_CPU, "topology files overflow a CPU's inodes");

uint64_t view_ino_count(void)
{
	return INO_CPUS + INO_PER_CPU * (uint64_t)KAVA_MAX_CPUS;
}

uint64_t view_ino_of(const char *path)
{
	const struct topology_file *tf = NULL;
	const struct view_file *vf;
	int i, cpu;

	for (i = 0; view_dirs[i]; i++)
		if (!strcmp(view_dirs[i], path))
			return INO_DIRS + (uint64_t)i;
	if ((vf = view_file_by_path(path)) != NULL)
		return INO_FILES + (uint64_t)(vf - view_files);
	switch (view_cpu_path(path, &cpu, &tf)) {
	case CPU_PATH_DIR:
		return INO_CPUS + INO_PER_CPU * (uint64_t)cpu;
	case CPU_PATH_TOPOLOGY_DIR:
		return INO_CPUS + INO_PER_CPU * (uint64_t)cpu + 1;
	case CPU_PATH_TOPOLOGY_FILE:
		return INO_CPUS + INO_PER_CPU * (uint64_t)cpu + 2 + (uint64_t)(tf - topology_files);
	default:
		return 0;
	}
}

int view_path_of(uint64_t ino, char *out, size_t size)
{
	uint64_t n;
	int w;

	if (ino >= INO_CPUS && ino < INO_CPUS + INO_PER_CPU * KAVA_MAX_CPUS) {
		uint64_t cpu = (ino - INO_CPUS) / INO_PER_CPU, part = (ino - INO_CPUS) % INO_PER_CPU;

		if (part == 0)
			w = snprintf(out, size, VIEW_CPU_DIR "/cpu%llu", (unsigned long long)cpu);
		else if (part == 1)
			w = snprintf(out, size, VIEW_CPU_DIR "/cpu%llu/topology", (unsigned long long)cpu);
		else if (part - 2 < TOPOLOGY_FILE_COUNT)
			w = snprintf(out, size, VIEW_CPU_DIR "/cpu%llu/topology/%s",
				     (unsigned long long)cpu, topology_files[part - 2].name);
		else
			return -ENOENT;
		return w < 0 || (size_t)w >= size ? -ENAMETOOLONG : 0;
	}
	if (ino >= INO_FILES && ino < INO_FILES + VF_COUNT) {
		w = snprintf(out, size, "%s", view_files[ino - INO_FILES].path);
		return w < 0 || (size_t)w >= size ? -ENAMETOOLONG : 0;
	}
	for (n = 0; view_dirs[n]; n++) {
		if (ino == INO_DIRS + n) {
			w = snprintf(out, size, "%s", view_dirs[n]);
			return w < 0 || (size_t)w >= size ? -ENAMETOOLONG : 0;
		}
	}
	return -ENOENT;
}
