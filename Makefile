# kava — one entry point: build, deps, check, bench, vmtest, fuzz, install.
#
# Sources are picked up by wildcard: bpf/*.bpf.c become skeletons in build/,
# src/*/**.c (every subsystem folder; src/main.c apart) form build/libkava.a,
# which both the kava binary and every tests/unit/*/test_*.c link against.
# Header dependencies come from the compiler (-MMD -MP, build/**/*.d).

CC        ?= cc
CLANG     ?= clang
BPFTOOL   ?= bpftool
PREFIX    ?= /usr/local
BUILD     ?= build
SANITIZE  ?= 0
V         ?= 0
ifeq ($(V),0)
Q         := @
msg        = @printf '  %-8s %s\n' $(1) $(2);
else
Q         :=
msg        =
endif

ARCH      := $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')
PKGS      := libbpf fuse3 libsystemd json-c libmicrohttpd ncursesw
# A missing library or pkg-config stops here with the reason, not later with
# a compiler error about a header (make deps, clean and vmlinux do not need them).
ifneq ($(filter-out deps clean vmlinux,$(or $(MAKECMDGOALS),all)),)
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS))
ifneq ($(.SHELLSTATUS),0)
$(error pkg-config found no $(PKGS) (see above): run 'make deps' as root)
endif
PKG_LIBS   := $(shell pkg-config --libs $(PKGS))
endif

# CFLAGS, CPPFLAGS and LDFLAGS may come from the environment or the command
# line (dpkg-buildflags: -O2 -g, hardening, -D_FORTIFY_SOURCE=2); kava's own
# flags are appended with override so a command-line CFLAGS cannot drop them.
CFLAGS    ?= -O2 -g
override CFLAGS += -std=gnu11 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
             -Wmissing-prototypes -D_GNU_SOURCE -Iinclude -Isrc -I$(BUILD) \
             $(PKG_CFLAGS) -DFUSE_USE_VERSION=35
override LDLIBS += $(PKG_LIBS) -lelf -lz -lm
ifeq ($(SANITIZE),1)
override CFLAGS += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
override LDFLAGS += -fsanitize=address,undefined
endif

BPF_CFLAGS := -g -O2 -target bpf -mcpu=v3 -D__TARGET_ARCH_$(ARCH) -Iinclude -I. \
              -Wall -Werror -Wno-unused-function

BPF_SRCS   := $(wildcard bpf/*.bpf.c)
BPF_OBJS   := $(patsubst bpf/%.bpf.c,$(BUILD)/%.bpf.o,$(BPF_SRCS))
SKELS      := $(patsubst bpf/%.bpf.c,$(BUILD)/%.skel.h,$(BPF_SRCS))
LIB_SRCS   := $(wildcard src/*/*.c src/*/*/*.c)
LIB_OBJS   := $(patsubst src/%.c,$(BUILD)/obj/%.o,$(LIB_SRCS))
# unit tests mirror src/ (tests/unit/<subsystem>/test_*.c); binaries are flat
TEST_SRCS  := $(wildcard tests/unit/*/test_*.c)
TEST_BINS  := $(addprefix $(BUILD)/tests/,$(basename $(notdir $(TEST_SRCS))))
HELPER_SRCS := $(wildcard tests/helpers/*.c)
HELPER_BINS := $(patsubst tests/helpers/%.c,$(BUILD)/helpers/%,$(HELPER_SRCS))

.PHONY: all deps check check-host check-unit check-integration regen bench soak vmtest fuzz \
        install clean vmlinux lint demo
.DELETE_ON_ERROR:
.SECONDARY:

all: $(BUILD)/kava

$(BUILD)/%.bpf.o: bpf/%.bpf.c vmlinux.h
	@mkdir -p $(@D)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -MMD -MP -c $< -o $@
	$(Q)llvm-strip -g $@

# Keep BTF (needed for CO-RE and for bpftool's named fields); strip DWARF only.
$(BUILD)/%.skel.h: $(BUILD)/%.bpf.o
	$(call msg,SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name $*_bpf > $@

# every object waits for the skeletons (their first build has no .d yet)
$(BUILD)/obj/%.o: src/%.c | $(SKELS)
	@mkdir -p $(@D)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/libkava.a: $(LIB_OBJS)
	@rm -f $@
	$(call msg,AR,$@)
	$(Q)ar rcs $@ $^

$(BUILD)/kava: $(BUILD)/obj/main.o $(BUILD)/libkava.a
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

define unit_test_rule
$(BUILD)/tests/$(basename $(notdir $(1))): $(1) $(BUILD)/libkava.a
	@mkdir -p $$(@D)
	$$(call msg,CC,$$@)
	$$(Q)$$(CC) $$(CPPFLAGS) $$(CFLAGS) -MMD -MP $$(LDFLAGS) -o $$@ $$< $(BUILD)/libkava.a $$(LDLIBS) -lcmocka
endef
$(foreach t,$(TEST_SRCS),$(eval $(call unit_test_rule,$(t))))

$(BUILD)/helpers/%: tests/helpers/%.c
	@mkdir -p $(@D)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -MMD -MP $(LDFLAGS) -o $@ $< $(HELPER_LIBS) -lpthread

# the workloads bench's "bare" condition: empty programs on kava's tracepoints
$(BUILD)/helpers/kava-bare: HELPER_LIBS = $(shell pkg-config --libs libbpf)
$(BUILD)/bench/bare.bpf.o: tests/bench/bare.bpf.c vmlinux.h
	@mkdir -p $(@D)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

# FUSE's floor for make bench (tests/bench/view.bench), with kava's serving threads
$(BUILD)/helpers/kava-fusefloor: $(BUILD)/libkava.a
$(BUILD)/helpers/kava-fusefloor: HELPER_LIBS = $(BUILD)/libkava.a $(shell pkg-config --libs fuse3)

vmlinux:
	$(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c > vmlinux.h

# Every Debian package kava needs to build, test and benchmark. Idempotent.
DEB_PACKAGES := make gcc clang llvm libbpf-dev bpftool libelf-dev zlib1g-dev \
                pkg-config libfuse3-dev fuse3 libsystemd-dev libcmocka-dev \
                libclang-rt-14-dev lxcfs procps python3 util-linux \
                qemu-system-x86 busybox-static cpio kmod linux-perf jq \
                clang-tidy cppcheck runc scdoc bash-completion sysstat libjson-c-dev crun \
                python3-yaml libmicrohttpd-dev libncurses-dev prometheus tmux curl \
                dpkg-dev debhelper lintian fakeroot rt-tests redis-server redis-tools docker.io

# install_debs PACKAGES: recipe lines that apt-get install those of PACKAGES
# not installed yet (dpkg-query prints nothing for an unknown package: it counts
# as missing). Root only. make deps, and make vmsystem-deps (mk/vmsystem.mk).
define install_debs
	@if [ "$$(id -u)" != 0 ]; then echo "make $@: must run as root (apt-get)"; exit 1; fi
	@missing=$$(for p in $(1); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "installing:" $$missing; \
	  DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	else echo "make $@: all packages present"; fi
endef

deps:
	$(call install_debs,$(DEB_PACKAGES))
	@# lxcfs and redis-server are only benchmark workloads (make bench starts
	@# its own), prometheus serves only the metrics tests and docker.io only
	@# docker.sh (they start their own): none may run as a service. With
	@# systemd running: disabled and stopped; without: disabled, and the init
	@# scripts stopped (not running is fine).
	@if [ -d /run/systemd/system ]; then \
	  systemctl disable --now --quiet lxcfs prometheus redis-server docker.socket docker containerd; \
	else systemctl disable --quiet lxcfs prometheus redis-server docker.socket docker containerd && \
	  { [ ! -x /etc/init.d/prometheus ] || /etc/init.d/prometheus stop >/dev/null; } && \
	  { [ ! -x /etc/init.d/redis-server ] || /etc/init.d/redis-server stop >/dev/null; } && \
	  { [ ! -x /etc/init.d/docker ] || /etc/init.d/docker stop >/dev/null; }; fi

# tests/run.sh: ONLY=unit, integration, host (both), extra ($(EXTRA_SUITES): the
# VMs, mk/vmtest.mk) or all. make check is all of it, as CI runs it; make
# check-host leaves out the VMs (minutes of qemu TCG).
RUN_TESTS = BUILD=$(BUILD) bash tests/run.sh

check: all man $(TEST_BINS) $(HELPER_BINS)
	@$(RUN_TESTS)

check-host: all man $(TEST_BINS) $(HELPER_BINS)
	@ONLY=host $(RUN_TESTS)

check-unit: all $(TEST_BINS)
	@ONLY=unit $(RUN_TESTS)

check-integration: all man $(HELPER_BINS)
	@ONLY=integration $(RUN_TESTS)

# Rewrite the golden files (tests/fixtures/render/*.golden) from the renderers
# as they are, on purpose only: tests/run.sh refuses REGEN. Review the diff.
GOLDEN_BINS = $(addprefix $(BUILD)/tests/,$(basename $(notdir $(shell grep -l unit_golden $(TEST_SRCS)))))
regen: $(GOLDEN_BINS)
	@for t in $(GOLDEN_BINS); do REGEN=1 CMOCKA_MESSAGE_OUTPUT=TAP $$t >/dev/null || exit 1; done
	@git diff --stat -- tests/fixtures/render; git status --short -- tests/fixtures/render

bench: all $(HELPER_BINS) $(BUILD)/bench/bare.bpf.o
	@BUILD=$(BUILD) bash tests/bench/run.sh

# the soak of issue 11 alone (make bench runs it too); SOAK_* knobs in tests/bench/soak.bench
soak: all $(HELPER_BINS)
	@BUILD=$(BUILD) ONLY=soak bash tests/bench/run.sh

demo: all $(HELPER_BINS)
	@BUILD=$(BUILD) bash tests/demo.sh

lint: all
	@BUILD=$(BUILD) CFLAGS='$(CFLAGS)' bash mk/lint.sh $(LIB_SRCS) src/main.c

# Where `make install` puts things (DESTDIR stages; a package sets PREFIX=/usr).
# The LXC include and the OCI hooks.d file go where LXC, podman and CRI-O
# look for them, whatever PREFIX is; every installed file naming the binary
# names $(BINDIR)/kava.
BINDIR      ?= $(PREFIX)/bin
SYSCONFDIR  ?= /etc
UNITDIR     ?= $(PREFIX)/lib/systemd/system
DOCDIR      ?= $(PREFIX)/share/doc/kava
LXCCONFDIR  ?= /usr/share/lxc/config/common.conf.d
OCIHOOKSDIR ?= /usr/share/containers/oci/hooks.d
SUBST_BIN    = sed -e 's|/usr/local/bin/kava|$(BINDIR)/kava|g' \
                   -e 's|/usr/local/share/doc/kava|$(DOCDIR)|g'

install: all install-docs
	install -D -m 0755 $(BUILD)/kava $(DESTDIR)$(BINDIR)/kava
	install -d $(DESTDIR)$(UNITDIR) $(DESTDIR)$(LXCCONFDIR) $(DESTDIR)$(OCIHOOKSDIR) \
	    $(DESTDIR)$(SYSCONFDIR)/kava $(DESTDIR)$(DOCDIR)
	$(SUBST_BIN) deploy/kava.service > $(DESTDIR)$(UNITDIR)/kava.service
	$(SUBST_BIN) deploy/lxc/00-kava.conf > $(DESTDIR)$(LXCCONFDIR)/00-kava.conf
	$(SUBST_BIN) deploy/oci/kava-hook.json > $(DESTDIR)$(OCIHOOKSDIR)/kava-hook.json
	install -m 0644 deploy/kava.conf.example $(DESTDIR)$(SYSCONFDIR)/kava/kava.conf.example
	install -m 0644 README.md $(DESTDIR)$(DOCDIR)/README.md
	chmod 0644 $(DESTDIR)$(UNITDIR)/kava.service $(DESTDIR)$(LXCCONFDIR)/00-kava.conf \
	    $(DESTDIR)$(OCIHOOKSDIR)/kava-hook.json

clean:
	rm -rf $(BUILD)

-include $(wildcard mk/*.mk)
# (-type f: build/vm-system holds make-install trees with hooks.d and conf.d directories)
-include $(if $(wildcard $(BUILD)),$(shell find $(BUILD) -name '*.d' -type f))
