// SPDX-License-Identifier: GPL-2.0
/* kava doctor's sysinfo(2) line: lockdown mode, listening sockets, the verdict. */
#include "../../common/unit.h"
#include "seccomp/probe.h"

static void lockdown(void **state)
{
	char m[32];

	(void)state;
	lockdown_mode("none [integrity] confidentiality\n", m, sizeof(m));
	assert_string_equal(m, "integrity");
	lockdown_mode("[none] integrity confidentiality\n", m, sizeof(m));
	assert_string_equal(m, "none");
	lockdown_mode("", m, sizeof(m));
	assert_string_equal(m, "");
	lockdown_mode(NULL, m, sizeof(m));
	assert_string_equal(m, "");
}

static void listening(void **state)
{
	const char *t =
		"Num       RefCount Protocol Flags    Type St Inode Path\n"
		"0000000000000000: 00000002 00000000 00010000 0001 01 20001 /run/kava/seccomp.sock\n"
		"0000000000000000: 00000003 00000000 00000000 0001 03 20002 /run/kava/seccomp-lxc.sock\n"
		"0000000000000000: 00000002 00000000 00010000 0005 01 20003 /run/other.sock\n";

	(void)state;
	assert_true(unix_listening(t, "/run/kava/seccomp.sock"));
	assert_false(unix_listening(t, "/run/kava/seccomp-lxc.sock"));	/* connected, not listening */
	assert_true(unix_listening(t, "/run/other.sock"));
	assert_false(unix_listening(t, "/run/kava"));
	assert_false(unix_listening(NULL, "/run/kava/seccomp.sock"));
}

static void verdicts(void **state)
{
	struct sysinfo_paths p = { .bpf = SYSINFO_BPF_REFUSED, .lockdown = "integrity" };
	char out[1024];

	(void)state;
	sysinfo_paths_describe(&p, out, sizeof(out));
	assert_non_null(strstr(out, "none, containers read the host's figures"));
	assert_non_null(strstr(out, "lockdown is 'integrity'"));
	p.listening[0] = "/run/kava/seccomp.sock";
	sysinfo_paths_describe(&p, out, sizeof(out));
	assert_true(!strncmp(out, "seccomp listener at /run/kava/seccomp.sock", 42));
	assert_non_null(strstr(out, "BPF rewrite refused"));
	p.bpf = SYSINFO_BPF_ATTACHED;
	sysinfo_paths_describe(&p, out, sizeof(out));
	assert_true(!strncmp(out, "BPF rewrite", 11));
	assert_non_null(strstr(out, "seccomp listener also at /run/kava/seccomp.sock"));
	p.bpf = SYSINFO_BPF_UNKNOWN;
	p.listening[0] = NULL;
	sysinfo_paths_describe(&p, out, sizeof(out));
	assert_non_null(strstr(out, "not loaded"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(lockdown),
		cmocka_unit_test(listening),
		cmocka_unit_test(verdicts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
