# The fuzzers of stage05's UART model, exit dispatcher and guest loader (tests/fuzz/*/),
# run from a stage's directory on top of its Makefile, whose objects and flags they take:
#   make -C stage05-serial -f ../tests/fuzz/fuzz.mk replay       each harness as a Check test,
#                            replaying its corpus (tests/fuzz/corpus/NAME); SANITIZE=1 works
#   make -C stage05-serial -f ../tests/fuzz/fuzz.mk fuzz FUZZ_SECONDS=60
#                            libFuzzer (clang) on each in turn; fails on a crash, leak or timeout
#   make -C stage05-serial -f ../tests/fuzz/fuzz.mk seeds        rewrite the hand-made seeds
# The top Makefile's `make check` runs `replay`, and `make fuzz` runs `fuzz` (and stage06's).
include Makefile

FUZZERS   := uart exits loader
FUZZ_SRC  := ../tests/fuzz
CORPORA   := $(FUZZ_SRC)/corpus
REPLAYS   := $(patsubst %,$(BUILD)/fuzz/%_fuzz_replay,$(FUZZERS))
FUZZ_HDRS := $(FUZZ_SRC)/fuzz.h $(wildcard *.h)

# The replay: each harness with tests/fuzz/replay.c, the stage's objects and kvm_check.
REPLAY_CFLAGS = $(CFLAGS) -I. -I$(FUZZ_SRC) -I../tests/lib -DFUZZ_REPLAY -DTEST_STAGE='"$(STAGE)"' \
		-DGUEST_DIR='"$(CURDIR)/$(BUILD)/guests"'
define replay_rule
$(BUILD)/fuzz/$(1)_fuzz_replay: $(FUZZ_SRC)/$(1)/$(1)_fuzz.c $(FUZZ_SRC)/replay.c $(FUZZ_HDRS) \
				$(OBJS) ../tests/lib/kvm_check.c ../tests/lib/kvm_check.h \
				$(wildcard $(CORPORA)/$(1)/*) | need-check
	@mkdir -p $$(@D)
	$$(CC) $$(REPLAY_CFLAGS) -DTEST_NAME='"$(STAGE)/$(1)_fuzz_replay"' \
		-DCORPUS_DIR='"$(abspath $(CORPORA))/$(1)"' $$(LDFLAGS) -o $$@ $$< \
		$(FUZZ_SRC)/replay.c ../tests/lib/kvm_check.c $$(OBJS) $$(CHECK_FLAGS) \
		$$(call DISASM_FOR,$(1)_fuzz_replay)
endef
$(foreach f,$(FUZZERS),$(eval $(call replay_rule,$(f))))

replay: $(REPLAYS)
	@status=0; for t in $(REPLAYS); do echo "== $(STAGE): fuzz replay $${t##*/}"; ./$$t || status=1; \
	done; exit $$status

seeds: $(REPLAYS)
	@for f in $(FUZZERS); do ./$(BUILD)/fuzz/$${f}_fuzz_replay --write-seeds $(CORPORA)/$$f; done

# libFuzzer: clang, with its own sanitizers, in its own build directory, from the stage's
# sources (all but main.c; no Capstone: tests/lib/no_disasm.c). New inputs go to build/fuzz/NAME/corpus; the corpus in tests/
# is read, never written. A crash, a leak, or an input running over 10 s fails the run.
FUZZ_SECONDS ?= 60
FUZZ_BUILD   := build/fuzz
FUZZ_SRCS    := $(filter-out main.c disasm.c,$(wildcard *.c)) ../tests/lib/no_disasm.c
FUZZ_CFLAGS  := -std=c11 -D_GNU_SOURCE -Wall -Wextra -O1 -g -fno-omit-frame-pointer -pthread \
		-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -I. -I$(FUZZ_SRC)
define fuzzer_rule
$(FUZZ_BUILD)/$(1)_fuzz: $(FUZZ_SRC)/$(1)/$(1)_fuzz.c $(FUZZ_SRCS) $(FUZZ_HDRS)
	@mkdir -p $$(@D)
	clang $(FUZZ_CFLAGS) -o $$@ $$< $(FUZZ_SRCS)
endef
$(foreach f,$(FUZZERS),$(eval $(call fuzzer_rule,$(f))))

fuzz: $(patsubst %,$(FUZZ_BUILD)/%_fuzz,$(FUZZERS))
	@for f in $(FUZZERS); do mkdir -p $(FUZZ_BUILD)/$$f/corpus; \
		echo "== $(STAGE): fuzzing $$f for $(FUZZ_SECONDS) s"; \
		./$(FUZZ_BUILD)/$${f}_fuzz -max_total_time=$(FUZZ_SECONDS) -timeout=10 \
			-print_final_stats=1 -artifact_prefix=$(FUZZ_BUILD)/$$f/ \
			$(FUZZ_BUILD)/$$f/corpus $(CORPORA)/$$f || exit 1; done

.PHONY: replay seeds fuzz
