# The virtio model of stage06 (virtio.h, virtqueue.c, virtio_mmio.c, virtio_blk.c), built
# and tested without KVM, until the stage's own Makefile takes these rules in.
# From stage06-virtio/:
#   make -f virtio.mk check                 the Check suites
#   make -f virtio.mk check SANITIZE=1      the same with ASan + UBSan
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
VIRTIO_SRCS := virtqueue.c virtio_mmio.c virtio_blk.c
VIRTIO_HDRS := virtio.h virtqueue.h virtio_mmio.h virtio_blk.h
VIRTIO_OBJS := $(patsubst %.c,$(BUILD)/%.o,$(VIRTIO_SRCS))
TEST_LIB    := ../tests/lib/kvm_check.c ../tests/lib/virtio_driver.c
TEST_LIB_H  := ../tests/lib/kvm_check.h ../tests/lib/virtio_driver.h
TEST_BINS   := $(patsubst $(TESTS)/%.c,$(BUILD)/tests/%,$(wildcard $(TESTS)/*.c))
CHECK_FLAGS  = $(shell pkg-config --cflags --libs check)
# kvm_check.c wants the stage's guests; these suites have none.
TEST_CFLAGS  = $(CFLAGS) -I. -I../tests/lib -DGUEST_DIR='"$(CURDIR)/$(BUILD)"'

tests: $(TEST_BINS)

$(BUILD)/%.o: %.c $(VIRTIO_HDRS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -c -o $@ $<

$(BUILD)/tests/%: $(TESTS)/%.c $(VIRTIO_OBJS) $(TEST_LIB) $(TEST_LIB_H)
	@mkdir -p $(@D)
	$(CC) $(TEST_CFLAGS) $(LDFLAGS) -o $@ $< $(TEST_LIB) $(VIRTIO_OBJS) $(CHECK_FLAGS)

check: tests
	@status=0; for t in $(TEST_BINS); do echo "== stage06-virtio: $${t##*/}"; ./$$t || status=1; \
	done; exit $$status

clean:
	rm -rf build/virtio build/virtio-sanitize

.PHONY: tests check clean
