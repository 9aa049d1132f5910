# make fuzz: run the policy parser's libFuzzer target (clang -fsanitize=fuzzer,
# from Debian's libclang-rt-14-dev) for FUZZ_SECONDS, with ASan and UBSan.
# Seeds: tests/fuzz/corpus and the example policies in tests/policies; inputs
# it finds go to $(BUILD)/fuzz/corpus. A crash leaves crash-* in $(BUILD)/fuzz
# and fails the target. `make bench` runs `make fuzz FUZZ_SECONDS=60`.
# Then kava.conf's parser and pattern matcher (fuzz_conf) for FUZZ_CONF_SECONDS,
# seeded from tests/fuzz/conf-corpus.

.PHONY: fuzz fuzz-build

FUZZ_SECONDS ?= 60
FUZZ_CC      ?= clang
FUZZ_DIR     := $(BUILD)/fuzz
FUZZ_CFLAGS  := -std=gnu11 -g -O1 -Wall -Wextra -Werror -D_GNU_SOURCE -Iinclude -Isrc \
                -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
FUZZ_CONF_SECONDS ?= 20
# per target: the sources it links and the headers it depends on
FUZZ_policy_SRCS := src/policy/parse.c src/common/util.c
FUZZ_policy_DEPS := tests/common/fake_dev.h src/policy/parse.h include/kava_policy.h
FUZZ_conf_SRCS   := src/deploy/conf.c src/deploy/glob.c src/deploy/presets.c src/common/util.c
FUZZ_conf_DEPS   := src/deploy/conf.h src/deploy/glob.h
FUZZERS          := policy conf

define fuzz_build_rule
$(FUZZ_DIR)/fuzz_$(1): tests/fuzz/fuzz_$(1).c $(FUZZ_$(1)_SRCS) $(FUZZ_$(1)_DEPS)
	@mkdir -p $$(@D)
	$$(call msg,FUZZCC,$$@)
	$$(Q)$$(FUZZ_CC) $$(FUZZ_CFLAGS) -o $$@ $$< $(FUZZ_$(1)_SRCS)
endef
$(foreach f,$(FUZZERS),$(eval $(call fuzz_build_rule,$(f))))

fuzz-build: $(addprefix $(FUZZ_DIR)/fuzz_,$(FUZZERS))

# fuzz_run TARGET,WHAT,SECONDS,CORPUS,LOG,OPTIONS AND SEED DIRS: one libFuzzer
# run in $(FUZZ_DIR); a crash prints the log's tail and fails
define fuzz_run
	@mkdir -p $(FUZZ_DIR)/$(4)
	@echo "fuzz: $(2) for $(3) s"
	$(Q)cd $(FUZZ_DIR) && ./fuzz_$(1) -max_total_time=$(3) -max_len=4096 -print_final_stats=1 \
	    $(6) > $(5) 2>&1; rc=$$?; \
	    grep -E '^(INFO: seed corpus|#[0-9]+ *DONE|stat::number_of_executed_units|stat::peak_rss)' $(5); \
	    if [ $$rc -ne 0 ]; then tail -40 $(5); echo "fuzz: FAILED (log: $(FUZZ_DIR)/$(5))"; exit 1; fi; \
	    echo "fuzz: no crash in $(3) s"
endef

fuzz: fuzz-build
	$(call fuzz_run,policy,policy parser,$(FUZZ_SECONDS),corpus,fuzz.log,\
	    -dict=$(CURDIR)/tests/fuzz/policy.dict corpus $(CURDIR)/tests/fuzz/corpus $(CURDIR)/tests/policies)
	$(call fuzz_run,conf,kava.conf parser,$(FUZZ_CONF_SECONDS),conf-corpus,fuzz-conf.log,\
	    conf-corpus $(CURDIR)/tests/fuzz/conf-corpus)
