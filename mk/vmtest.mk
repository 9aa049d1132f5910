# make vmtest: boot Debian's 6.12 and 6.1 cloud kernels under qemu (TCG) with
# a busybox initramfs holding kava, and run tests/vm/*/*.sh inside, on a pure
# cgroup v2 host with BPF LSM active, with the unit tests and the accounting
# suite (tests/integration/accounting.sh, cli_errors.sh). See tests/vm/run.sh
# for its knobs (KAVA_VM_CACHE, KAVA_VM_KERNELS, KAVA_VM_INTEGRATION,
# KAVA_VM_ONLY, VERBOSE). make vmtest-full runs every tests/integration/*.sh
# in each VM (slow: TCG).
#
# It also boots the system VM (tests/vm/system/run.sh, mk/vmsystem.mk): one
# boot of a Debian 12 systemd host with LXC and podman, kava installed, every
# scenario of tests/vm/system/scenarios in it (lockdown raised at runtime for
# the last one); its image is built on first use (mmdebstrap) and cached.
# It runs beside the rest (below). KAVA_VMSYSTEM=0 leaves it out.
#
# make check runs the VM suites too (tests/run.sh runs $(EXTRA_SUITES)); each
# prints one "# SKIP" line when qemu, mmdebstrap or a package is unavailable.
# KAVA_VMTEST=0 leaves both out of make check.

.PHONY: vmtest vmtest-full vmtest-nobuild vmtest-clean

KAVA_VMTEST ?= 1
KAVA_VMSYSTEM ?= 1
# The system VM runs in the background (tests/run.sh BACKGROUND_SUITES) from
# the start of make check or make vmtest, beside the host suites and the
# kernel VMs, and is reported last: its image build (mmdebstrap, mostly
# dpkg and downloads) and the waits of its scenarios overlap them; alone
# after them it would add its whole length to the run. It builds the
# Debian package for 20-deb itself, beside the image (KAVA_VMSYSTEM_DEB_BUILD).
VM_SUITES := tests/vm/run.sh
VM_BG_SUITES := $(if $(filter-out 0,$(KAVA_VMSYSTEM)),tests/vm/system/run.sh)
ifneq ($(KAVA_VMTEST),0)
EXTRA_SUITES += $(VM_SUITES)
BACKGROUND_SUITES += $(VM_BG_SUITES)
export EXTRA_SUITES BACKGROUND_SUITES
export KAVA_VMSYSTEM_DEB_BUILD ?= 1
endif

# the kava binary, the helper programs and the unit tests the VM runs;
# vmtest-full also runs the host integration tests (tests/integration/*.sh) in
# each VM; vmtest-nobuild runs with whatever is built (a VM boot check while
# kava does not link)
VMTEST = ONLY=extra EXTRA_SUITES="$(VM_SUITES)" BACKGROUND_SUITES="$(VM_BG_SUITES)" \
	KAVA_VMSYSTEM_DEB_BUILD=$${KAVA_VMSYSTEM_DEB_BUILD:-1} $(RUN_TESTS)
vmtest-full: export KAVA_VM_INTEGRATION = all
vmtest vmtest-full: all $(HELPER_BINS) $(TEST_BINS)
	@$(VMTEST)

vmtest-nobuild:
	@$(VMTEST)

vmtest-clean:
	rm -rf $(BUILD)/vm $${KAVA_VM_CACHE:-tests/vm/cache}
