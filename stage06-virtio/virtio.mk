# The virtio model of stage06 (virtio.h, virtqueue.c, virtio_mmio.c, virtio_blk.c), built
# and tested without KVM, until the stage's own Makefile takes these rules in.
# From stage06-virtio/:
#   make -f virtio.mk check                 the Check suites, and the fuzzer's corpus replayed
#   make -f virtio.mk check SANITIZE=1      the same with ASan + UBSan
#   make -f virtio.mk fuzz FUZZ_SECONDS=60  libFuzzer (clang) on the device; fails on a crash
#   make -f virtio.mk bench                 the request path against bare pread/pwrite
CC      := gcc
CFLAGS  := -std=c11 -D_GNU_SOURCE -Wall -Wextra -O2 -g
LDFLAGS :=
BUILD   := build/virtio
ifeq ($(CI),true)
CFLAGS += -Werror
endif
ifdef SANITIZE
CFLAGS  += -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
LDFLAGS += -fsanitize=address,undefined
BUILD   := build/virtio-sanitize
endif

TESTS       := ../tests/stage06-virtio
FUZZ_DIR    := ../tests/fuzz/virtio
CORPUS      := ../tests/fuzz/corpus/virtio
VIRTIO_SRCS := virtqueue.c virtio_mmio.c virtio_blk.c
VIRTIO_HDRS := virtio.h virtqueue.h virtio_mmio.h virtio_blk.h
VIRTIO_OBJS := $(patsubst %.c,$(BUILD)/%.o,$(VIRTIO_SRCS))
TEST_LIB    := ../tests/lib/kvm_check.c ../tests/lib/virtio_driver.c
TEST_LIB_H  := ../tests/lib/kvm_check.h ../tests/lib/virtio_driver.h
TEST_BINS   := $(patsubst $(TESTS)/%.c,$(BUILD)/tests/%,$(wildcard $(TESTS)/*.c)) \
	       $(BUILD)/tests/virtio_fuzz_replay
CHECK_FLAGS  = $(shell pkg-config --cflags --libs check)
# kvm_check.c wants the stage's guests; these suites have none.
TEST_CFLAGS  = $(CFLAGS) -I. -I../tests/lib -DGUEST_DIR='"$(CURDIR)/$(BUILD)"' \
	       -DCORPUS_DIR='"$(abspath $(CORPUS))"'

tests: $(TEST_BINS)

$(BUILD)/%.o: %.c $(VIRTIO_HDRS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -c -o $@ $<

$(BUILD)/tests/%: $(TESTS)/%.c $(VIRTIO_OBJS) $(TEST_LIB) $(TEST_LIB_H)
	@mkdir -p $(@D)
	$(CC) $(TEST_CFLAGS) $(LDFLAGS) -o $@ $< $(TEST_LIB) $(VIRTIO_OBJS) $(CHECK_FLAGS)

# The fuzzer's harness, built as a Check test that replays the corpus kept in tests/
# (and, run with --write-seeds DIR, writes that corpus's hand-made seeds).
$(BUILD)/tests/virtio_fuzz_replay: $(FUZZ_DIR)/virtio_fuzz.c $(VIRTIO_OBJS) $(TEST_LIB) \
				   $(TEST_LIB_H) $(wildcard $(CORPUS)/*)
	@mkdir -p $(@D)
	$(CC) $(TEST_CFLAGS) -DFUZZ_REPLAY $(LDFLAGS) -o $@ $< $(TEST_LIB) $(VIRTIO_OBJS) \
		$(CHECK_FLAGS)

check: tests
	@status=0; for t in $(TEST_BINS); do echo "== stage06-virtio: $${t##*/}"; ./$$t || status=1; \
	done; exit $$status

# libFuzzer: clang, with its own sanitizers, in its own build directory. New inputs go to
# build/virtio-fuzz/corpus; the corpus in tests/ is read, never written.
FUZZ_SECONDS ?= 60
FUZZ_BUILD   := build/virtio-fuzz
FUZZ_CFLAGS  := -std=c11 -D_GNU_SOURCE -Wall -Wextra -O1 -g -fno-omit-frame-pointer \
		-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -I. -I../tests/lib
$(FUZZ_BUILD)/virtio_fuzz: $(FUZZ_DIR)/virtio_fuzz.c $(VIRTIO_SRCS) $(VIRTIO_HDRS) \
			   ../tests/lib/virtio_driver.c ../tests/lib/virtio_driver.h
	@mkdir -p $(@D)
	clang $(FUZZ_CFLAGS) -o $@ $< $(VIRTIO_SRCS) ../tests/lib/virtio_driver.c
fuzz: $(FUZZ_BUILD)/virtio_fuzz
	@mkdir -p $(FUZZ_BUILD)/corpus
	./$(FUZZ_BUILD)/virtio_fuzz -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
		-artifact_prefix=$(FUZZ_BUILD)/ $(FUZZ_BUILD)/corpus $(CORPUS)

# The bench: a program of its own, with the driver of the tests; prints figures, asserts nothing.
$(BUILD)/blk_bench: blk_bench.c $(VIRTIO_OBJS) ../tests/lib/virtio_driver.c \
		    ../tests/lib/virtio_driver.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -I. -I../tests/lib $(LDFLAGS) -o $@ $< ../tests/lib/virtio_driver.c \
		$(VIRTIO_OBJS)
bench: $(BUILD)/blk_bench
	./$(BUILD)/blk_bench $(BENCH_ROUNDS)

clean:
	rm -rf build/virtio build/virtio-sanitize build/virtio-fuzz

.PHONY: tests check fuzz bench clean
