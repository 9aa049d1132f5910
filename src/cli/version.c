// SPDX-License-Identifier: GPL-2.0
/* kava version */
#include <stdio.h>

#include "cli/cli.h"
#include "common/version.h"
#include "kava.h"

int cmd_version(int argc, char **argv)
{
	switch (cli_no_options("version", argc, argv)) {
	case -1:
		return 2;
	case 1:
		printf("usage: kava version\n\nPrint kava's version and its BPF ABI version.\n");
		return 0;
	}
	printf("kava %s (bpf abi %d)\n", KAVA_VERSION, KAVA_ABI_VERSION);
	return 0;
}
