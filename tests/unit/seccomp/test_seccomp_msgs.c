// SPDX-License-Identifier: GPL-2.0
/*
 * The runtimes' messages: LXC's seccomp proxy layout (lxc/src/lxc/seccomp.c,
 * seccomp_notify_handler()), the OCI container process state JSON, and which
 * requests kava answers itself.
 */
#include "../../common/unit.h"
#include <fcntl.h>
#include <linux/audit.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include "seccomp/lxc.h"
#include "seccomp/notify.h"
#include "seccomp/oci.h"

/* A message as LXC sends it: header, request, response, cookie. */
static size_t lxc_message(unsigned char *buf, const char *cookie)
{
	struct lxc_proxy_msg msg = { 0 };
	struct seccomp_notif req = { 0 };
	size_t off = 0, clen = cookie ? strlen(cookie) : 0;

	msg.monitor_pid = 100;
	msg.init_pid = 101;
	msg.sizes.seccomp_notif = sizeof(struct seccomp_notif);
	msg.sizes.seccomp_notif_resp = sizeof(struct seccomp_notif_resp);
	msg.sizes.seccomp_data = sizeof(struct seccomp_data);
	msg.cookie_len = clen;
	req.id = 0x1234;
	req.pid = 4242;
	req.data.nr = SYS_sysinfo;
	memcpy(buf, &msg, sizeof(msg));
	off += sizeof(msg);
	memcpy(buf + off, &req, sizeof(req));
	off += sizeof(req);
	memset(buf + off, 0, sizeof(struct seccomp_notif_resp));
	off += sizeof(struct seccomp_notif_resp);
	if (clen)
		memcpy(buf + off, cookie, clen);
	return off + clen;
}

static void lxc_layout(void **state)
{
	unsigned char buf[512];
	struct lxc_proxy_layout lay;
	struct seccomp_notif req;
	size_t n;

	(void)state;
	/* the header is LXC's: 8 + 4 + 4 + 6 (+2) + 8 bytes */
	assert_int_equal(sizeof(struct lxc_proxy_msg), 32);
	n = lxc_message(buf, NULL);
	assert_int_equal(lxc_proxy_parse(buf, n, &req, &lay), 0);
	assert_int_equal(req.id, 0x1234);
	assert_int_equal(req.pid, 4242);
	assert_int_equal(lay.req_off, 32);
	assert_int_equal(lay.resp_off, 32 + sizeof(struct seccomp_notif));
	assert_int_equal(lay.reply_len, n);
	/* with a cookie: the reply leaves it out */
	n = lxc_message(buf, "secret");
	assert_int_equal(lxc_proxy_parse(buf, n, &req, &lay), 0);
	assert_int_equal(lay.reply_len, n - 6);
	/* what LXC never sends */
	assert_int_equal(lxc_proxy_parse(buf, 20, &req, &lay), -EPROTO);
	assert_int_equal(lxc_proxy_parse(buf, n - 1, &req, &lay), -EPROTO);	/* cookie cut */
	buf[0] = 1;	/* __reserved set */
	assert_int_equal(lxc_proxy_parse(buf, n, &req, &lay), -EPROTO);
}

static void oci_state(void **state)
{
	const char *runc = "{\"ociVersion\":\"1.0.2\",\"fds\":[\"seccompFd\"],\"pid\":31337,"
			   "\"metadata\":\"\",\"state\":{\"ociVersion\":\"1.0.2\",\"id\":\"web-1\","
			   "\"status\":\"creating\",\"pid\":31337,\"bundle\":\"/b\"}}";
	char id[16];
	int pid;

	(void)state;
	oci_state_fields(runc, id, sizeof(id), &pid);
	assert_string_equal(id, "web-1");
	assert_int_equal(pid, 31337);
	oci_state_fields("{ \"state\" : { \"id\" : \"a-very-long-container-id\" } }", id,
			 sizeof(id), &pid);
	assert_string_equal(id, "a-very-long-con");	/* cut to fit */
	assert_int_equal(pid, 0);
	oci_state_fields("not json", id, sizeof(id), &pid);
	assert_string_equal(id, "?");
}

/*
 * A handover read as it comes: nothing yet and half a state are "more to
 * come", not a failure (crun's helper connects seconds before it sends);
 * the end is the runtime closing. A descriptor that is no seccomp listener
 * is closed, and without one the handover is refused.
 */
static void oci_handover_as_it_comes(void **state)
{
	const char *json = "{\"ociVersion\":\"1.0.2\",\"fds\":[\"seccompFd\"],\"pid\":77,"
			   "\"state\":{\"id\":\"late-1\",\"pid\":77}}";
	char control[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { .iov_base = (void *)(uintptr_t)json, .iov_len = 10 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control,
			     .msg_controllen = sizeof(control) };
	struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
	struct oci_pending p;
	struct oci_handover h;
	int sv[2], devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);

	(void)state;
	assert_true(devnull >= 0);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	assert_int_equal(fcntl(sv[0], F_SETFL, O_NONBLOCK), 0);
	assert_int_equal(oci_pending_init(&p, sv[0]), 0);
	assert_int_equal(oci_pending_read(&p), 0);		/* connected, nothing sent */
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &devnull, sizeof(int));
	assert_int_equal(sendmsg(sv[1], &mh, 0), 10);		/* half, and a file */
	assert_int_equal(oci_pending_read(&p), 0);
	assert_int_equal(p.h.notify_fd, -1);			/* /dev/null is no listener */
	assert_int_equal(write(sv[1], json + 10, strlen(json) - 10), (ssize_t)(strlen(json) - 10));
	assert_int_equal(oci_pending_read(&p), 0);
	close(sv[1]);
	assert_int_equal(oci_pending_read(&p), 1);		/* closed: done */
	assert_int_equal(oci_pending_finish(&p, &h), -EPROTO);
	assert_string_equal(h.id, "late-1");
	assert_int_equal(h.pid, 77);
	assert_int_equal(h.notify_fd, -1);
	assert_int_equal(fcntl(sv[0], F_GETFD), -1);		/* the connection is closed */
	close(devnull);
}

static void which_calls(void **state)
{
	struct seccomp_notif req = { 0 };

	(void)state;
#if defined(__x86_64__)
	req.data.arch = AUDIT_ARCH_X86_64;
	req.data.nr = SYS_sysinfo;
	assert_true(seccomp_is_native_sysinfo(&req));
	req.data.nr = SYS_uname;
	assert_false(seccomp_is_native_sysinfo(&req));
	/* a 32-bit task: struct sysinfo is laid out otherwise, the kernel answers */
	req.data.arch = AUDIT_ARCH_I386;
	req.data.nr = 116;
	assert_false(seccomp_is_native_sysinfo(&req));
	/* x32: same arch, __X32_SYSCALL_BIT in nr */
	req.data.arch = AUDIT_ARCH_X86_64;
	req.data.nr = SYS_sysinfo | 0x40000000;
	assert_false(seccomp_is_native_sysinfo(&req));
#else
	skip();
#endif
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(lxc_layout),
		cmocka_unit_test(oci_state),
		cmocka_unit_test(oci_handover_as_it_comes),
		cmocka_unit_test(which_calls),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
