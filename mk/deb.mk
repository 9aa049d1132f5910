# make deb: kava's Debian package (debian/, dpkg-buildpackage -b -us -uc)
# built by mk/build-deb.sh from a copy of the tracked files, into
# $(BUILD)/deb/: kava_VERSION_ARCH.deb, the dbgsym package, .changes,
# .buildinfo and build.log. tests/integration/package.sh builds it the same
# way and runs lintian on it; the system VM installs $(BUILD)/deb/kava_*.deb.

.PHONY: deb

deb:
	@bash mk/build-deb.sh $(BUILD)/deb
