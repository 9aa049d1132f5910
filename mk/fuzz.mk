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
FUZZ_SRCS    := src/policy/parse.c src/common/util.c
FUZZ_CONF_SECONDS ?= 20
FUZZ_CONF_SRCS := src/deploy/conf.c src/deploy/glob.c src/deploy/presets.c src/common/util.c

fuzz-build: $(FUZZ_DIR)/fuzz_policy $(FUZZ_DIR)/fuzz_conf

$(FUZZ_DIR)/fuzz_conf: tests/fuzz/fuzz_conf.c $(FUZZ_CONF_SRCS) src/deploy/conf.h src/deploy/glob.h
	@mkdir -p $(@D)
	$(call msg,FUZZCC,$@)
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $< $(FUZZ_CONF_SRCS)

$(FUZZ_DIR)/fuzz_policy: tests/fuzz/fuzz_policy.c tests/common/fake_dev.h $(FUZZ_SRCS) src/policy/parse.h include/kava_policy.h
	@mkdir -p $(@D)
	$(call msg,FUZZCC,$@)
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $< $(FUZZ_SRCS)

fuzz: $(FUZZ_DIR)/fuzz_policy $(FUZZ_DIR)/fuzz_conf
	@mkdir -p $(FUZZ_DIR)/corpus
	@echo "fuzz: policy parser for $(FUZZ_SECONDS) s"
	$(Q)cd $(FUZZ_DIR) && ./fuzz_policy -max_total_time=$(FUZZ_SECONDS) -max_len=4096 \
	    -dict=$(CURDIR)/tests/fuzz/policy.dict -print_final_stats=1 \
	    corpus $(CURDIR)/tests/fuzz/corpus $(CURDIR)/tests/policies > fuzz.log 2>&1; rc=$$?; \
	    grep -E '^(INFO: seed corpus|#[0-9]+ *DONE|stat::number_of_executed_units|stat::peak_rss)' fuzz.log; \
	    if [ $$rc -ne 0 ]; then tail -40 fuzz.log; echo "fuzz: FAILED (log: $(FUZZ_DIR)/fuzz.log)"; exit 1; fi; \
	    echo "fuzz: no crash in $(FUZZ_SECONDS) s"
	@mkdir -p $(FUZZ_DIR)/conf-corpus
	@echo "fuzz: kava.conf parser for $(FUZZ_CONF_SECONDS) s"
	$(Q)cd $(FUZZ_DIR) && ./fuzz_conf -max_total_time=$(FUZZ_CONF_SECONDS) -max_len=4096 \
	    -print_final_stats=1 conf-corpus $(CURDIR)/tests/fuzz/conf-corpus > fuzz-conf.log 2>&1; rc=$$?; \
	    grep -E '^(INFO: seed corpus|#[0-9]+ *DONE|stat::number_of_executed_units)' fuzz-conf.log; \
	    if [ $$rc -ne 0 ]; then tail -40 fuzz-conf.log; echo "fuzz: FAILED (log: $(FUZZ_DIR)/fuzz-conf.log)"; exit 1; fi; \
	    echo "fuzz: no crash in $(FUZZ_CONF_SECONDS) s"
