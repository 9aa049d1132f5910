# make vmtest: boot Debian's 6.12 and 6.1 cloud kernels under qemu (TCG) with
# a busybox initramfs holding kava, and run tests/vm/*/*.sh inside, on a pure
# cgroup v2 host with BPF LSM active, with the unit tests and the accounting
# suite (tests/integration/accounting.sh, cli_errors.sh). See tests/vm/run.sh
# for its knobs (KAVA_VM_CACHE, KAVA_VM_KERNELS, KAVA_VM_INTEGRATION,
# KAVA_VM_ONLY, VERBOSE). make vmtest-full runs every tests/integration/*.sh
# in each VM (slow: TCG).
#
# make check runs the VM suite too (tests/run.sh runs $(EXTRA_SUITES)); the
# suite prints one "# SKIP" line when qemu or a kernel package is unavailable.
# KAVA_VMTEST=0 leaves it out of make check.

.PHONY: vmtest vmtest-full vmtest-nobuild vmtest-clean

KAVA_VMTEST ?= 1
ifneq ($(KAVA_VMTEST),0)
EXTRA_SUITES += tests/vm/run.sh
export EXTRA_SUITES
endif

# the kava binary, the helper programs and the unit tests the VM runs;
# vmtest-full also runs the host integration tests (tests/integration/*.sh) in
# each VM; vmtest-nobuild runs with whatever is built (a VM boot check while
# kava does not link)
VMTEST = ONLY=extra EXTRA_SUITES=tests/vm/run.sh $(RUN_TESTS)
vmtest-full: export KAVA_VM_INTEGRATION = all
vmtest vmtest-full: all $(HELPER_BINS) $(TEST_BINS)
	@$(VMTEST)

vmtest-nobuild:
	@$(VMTEST)

vmtest-clean:
	rm -rf $(BUILD)/vm $${KAVA_VM_CACHE:-tests/vm/cache}
