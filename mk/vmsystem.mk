# make vmsystem: boot a real Debian 12 systemd host (mmdebstrap image with
# systemd, lxc, podman/crun/runc and Debian's 6.12 cloud kernel, cached under
# tests/vm/cache/system/ or $KAVA_VM_CACHE/system/) under qemu -accel tcg,
# install this build of kava in it and run tests/vm/system/scenarios/*.sh
# there. See tests/vm/system/run.sh for the knobs (KAVA_BUILD,
# KAVA_VMSYSTEM_SCENARIOS, KAVA_VMSYSTEM_ONLY, KAVA_VMSYSTEM_TIMEOUT, VERBOSE).
# Part of make vmtest and make check (mk/vmtest.mk; KAVA_VMSYSTEM=0 leaves it
# out): one boot. Figures are in README "Tests" and tests/vm/README.md.

# Host packages the system VM harness needs (image build: mmdebstrap, which
# pulls apt, python3, perl; mkfs.ext4 -d and debugfs: e2fsprogs; flock,
# findmnt: util-linux; the initrd: cpio; boot: qemu-system-x86).
VMSYSTEM_DEB_PACKAGES := mmdebstrap qemu-system-x86 e2fsprogs util-linux cpio
# make deps installs them too: make check boots the system VM
DEB_PACKAGES += $(VMSYSTEM_DEB_PACKAGES)

.PHONY: vmsystem vmsystem-nobuild vmsystem-image vmsystem-shell vmsystem-clean vmsystem-deps

# the TAP of the system VM through tests/run.sh ("N passed, N failed, N skipped").
# When the scenario 20-deb is selected, the Debian package is built by
# run.sh beside the image build (KAVA_VMSYSTEM_DEB_BUILD=1: mk/build-deb.sh
# into $(BUILD)/vm-system/deb/); without dpkg-buildpackage that scenario
# skips. vmsystem-nobuild takes $(BUILD)/deb/kava_*.deb (make deb) as it is.
VMSYSTEM = KAVA_BUILD=$${KAVA_BUILD:-$(abspath $(BUILD))} ONLY=extra EXTRA_SUITES=tests/vm/system/run.sh \
	BACKGROUND_SUITES= $(RUN_TESTS)
vmsystem: all $(HELPER_BINS)
	@KAVA_VMSYSTEM_DEB_BUILD=$${KAVA_VMSYSTEM_DEB_BUILD:-1} $(VMSYSTEM)

# the same with whatever is built
vmsystem-nobuild:
	@KAVA_VMSYSTEM_DEB_BUILD=$${KAVA_VMSYSTEM_DEB_BUILD:-0} $(VMSYSTEM)

vmsystem-image:
	@bash tests/vm/system/build-image.sh

# boot the image interactively (root, no password; Ctrl-A X quits)
vmsystem-shell:
	@KAVA_BUILD=$${KAVA_BUILD:-$(abspath $(BUILD))} BUILD=$(BUILD) bash tests/vm/system/run.sh --shell

vmsystem-clean:
	rm -rf $(BUILD)/vm-system $${KAVA_VM_CACHE:-tests/vm/cache}/system

vmsystem-deps:
	$(call install_debs,$(VMSYSTEM_DEB_PACKAGES))
