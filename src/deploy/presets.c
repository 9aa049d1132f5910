// SPDX-License-Identifier: GPL-2.0
/*
 * Where each container runtime puts its containers' cgroups (relative to
 * the cgroup2 mount), for `auto = preset:NAME` and `--auto-preset NAME`.
 * Supervisor processes that share a naming scheme with containers (podman's
 * and CRI-O's conmon) are excluded: they are not containers. A pattern
 * written ">PATTERN" is inner (conf_outer()): a subgroup of an outer match
 * that holds the container's tasks and limits instead of it.
 */
#include <stddef.h>

#include "deploy/conf.h"

static const char *const docker[] = {
	"system.slice/docker-*.scope",          /* systemd cgroup driver */
	"docker/*",                             /* cgroupfs driver */
	NULL,
};

/*
 * runc runs a podman container's tasks in its scope; crun (systemd driver,
 * its run.oci.systemd.subgroup default) in the scope's "container" subgroup,
 * where it also writes the limits (memory.max, cpu.max): the scope itself
 * has none, so it would show the host's figures.
 */
static const char *const podman[] = {
	"machine.slice/libpod-*.scope",         /* rootful, systemd driver */
	"!machine.slice/libpod-conmon-*.scope",
	">machine.slice/libpod-*.scope/container",
	"user.slice/**/libpod-*.scope",         /* rootless: user@UID.service/user.slice/... */
	"!user.slice/**/libpod-conmon-*.scope",
	">user.slice/**/libpod-*.scope/container",
	"libpod_parent/libpod-*",               /* cgroupfs driver */
	"!libpod_parent/libpod-conmon-*",
	NULL,
};

static const char *const containerd[] = {
	"kubepods.slice/**/cri-containerd-*.scope",
	"system.slice/cri-containerd-*.scope",  /* nerdctl / ctr with the systemd driver */
	NULL,
};

static const char *const crio[] = {
	"kubepods.slice/**/crio-*.scope",
	"!kubepods.slice/**/crio-conmon-*.scope",
	NULL,
};

static const char *const kubernetes[] = {
	"kubepods.slice/**/cri-containerd-*.scope",
	"kubepods.slice/**/crio-*.scope",
	"!kubepods.slice/**/crio-conmon-*.scope",
	"kubepods/pod*/*",                      /* cgroupfs driver: guaranteed pods */
	"kubepods/*/pod*/*",                    /* burstable and besteffort */
	NULL,
};

static const char *const lxc[] = {
	"**/lxc.payload.*",                     /* at the root (privileged) or nested */
	NULL,
};

static const char *const nspawn[] = {
	"machine.slice/systemd-nspawn@*.service",
	NULL,
};

const struct conf_preset conf_presets[] = {
	{ "docker", "Docker (systemd and cgroupfs drivers)", docker },
	{ "podman", "podman, rootful and rootless (not conmon)", podman },
	{ "containerd", "containerd's CRI plugin under Kubernetes, nerdctl", containerd },
	{ "crio", "CRI-O under Kubernetes (not conmon)", crio },
	{ "kubernetes", "containerd or CRI-O pods, systemd or cgroupfs driver", kubernetes },
	{ "lxc", "LXC (lxc.payload.NAME)", lxc },
	{ "nspawn", "systemd-nspawn@NAME.service (machinectl start)", nspawn },
	{ NULL, NULL, NULL },
};
