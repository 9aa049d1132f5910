// SPDX-License-Identifier: GPL-2.0
/* Answering one seccomp user notification (see notify.h). */
#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <unistd.h>

#include "seccomp/notify.h"
#include "view/reader.h"
#include "view/sysinfo.h"

#if defined(__x86_64__)
#define NATIVE_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define NATIVE_ARCH AUDIT_ARCH_AARCH64
#else
#error "kava's seccomp listener knows x86_64 and arm64"
#endif

int seccomp_is_native_sysinfo(const struct seccomp_notif *req)
{
	/* x32 (same arch, __X32_SYSCALL_BIT in nr) and compat tasks lay struct sysinfo out
	 * otherwise: the kernel answers them */
	return req->data.arch == NATIVE_ARCH && req->data.nr == SYS_sysinfo;
}

int seccomp_wants_answer(struct seccomp_ctx *ctx, const struct seccomp_notif *req,
			 struct sysinfo *si)
{
	struct sysinfo_inputs in;
	struct kava_owner owner;

	if (!seccomp_is_native_sysinfo(req) || !req->data.args[0])
		return 0;	/* a NULL buffer: the kernel's own EFAULT */
	if (view_reader_resolve(ctx->st, ctx->cgroup2_mount, (pid_t)req->pid, &owner) < 0 ||
	    owner.slot == KAVA_NO_SLOT)
		return 0;
	if (view_sysinfo_inputs(ctx->src, &owner, (pid_t)req->pid, &in) < 0)
		return 0;	/* disabled or removed meanwhile: the host's answer, as the view */
	sysinfo_compose(&in, si);
	return 1;
}

void seccomp_decide(struct seccomp_ctx *ctx, const struct seccomp_notif *req, int mem_fd,
		    struct seccomp_notif_resp *resp)
{
	struct sysinfo si;

	memset(resp, 0, sizeof(*resp));
	resp->id = req->id;
	if (!seccomp_wants_answer(ctx, req, &si)) {
		resp->flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
		ctx->continued++;
		return;
	}
	/* do_sysinfo() then copy_to_user(): the result is 0 or -EFAULT */
	if (pwrite(mem_fd, &si, sizeof(si), (off_t)req->data.args[0]) != (ssize_t)sizeof(si))
		resp->error = -EFAULT;
	ctx->answered++;
}

int seccomp_answer(struct seccomp_ctx *ctx, int notify_fd, const struct seccomp_notif *req)
{
	struct seccomp_notif_resp resp;
	char path[64];
	int mem_fd = -1;

	if (seccomp_is_native_sysinfo(req)) {
		/*
		 * seccomp_unotify(2): open the memory first, then check the
		 * request is still live, so the fd cannot be another process's
		 * that got the pid meanwhile.
		 */
		snprintf(path, sizeof(path), "/proc/%u/mem", req->pid);
		mem_fd = open(path, O_RDWR | O_CLOEXEC);
		if (ioctl(notify_fd, SECCOMP_IOCTL_NOTIF_ID_VALID, &req->id) < 0) {
			if (mem_fd >= 0)
				close(mem_fd);
			ctx->gone++;
			return -ENOENT;
		}
	}
	if (seccomp_is_native_sysinfo(req) && mem_fd < 0) {
		/* no access to its memory (it is exiting): let the kernel answer */
		memset(&resp, 0, sizeof(resp));
		resp.id = req->id;
		resp.flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
		ctx->continued++;
	} else {
		seccomp_decide(ctx, req, mem_fd, &resp);
	}
	if (mem_fd >= 0)
		close(mem_fd);
	if (ioctl(notify_fd, SECCOMP_IOCTL_NOTIF_SEND, &resp) < 0) {
		ctx->gone++;	/* ENOENT: it died or a signal interrupted the call (restarted anew) */
		return -ENOENT;
	}
	return 0;
}
