# The graded exercises of one stage (exercises/STAGE/NAME_test.c), built on top of the
# stage's own Makefile, whose objects, flags and test support they take, as its tests do:
#   make -C stage02-real-mode -f ../exercises/exercises.mk build/exercises/load-address_test
# builds the stage (its VMM and guests: a reader's new guest too) and that exercise's
# test. STATIC=1 builds into build/static/, for the emulated host. tools/grade runs them.
# stage08-arm64 builds into its OUT (build/aarch64/ off arm64), as its own tests.
include Makefile

EXERCISE_SRC := ../exercises/$(STAGE)
EXERCISE_OUT := $(or $(OUT),$(BUILD))

# Each exercise test is one Check binary, linked like the stage's own tests (with
# no_disasm.c where the stage has --step, whose step.o wants a disassembler).
$(EXERCISE_OUT)/exercises/%_test: $(EXERCISE_SRC)/%_test.c $(OBJS) $(TEST_LIB_OBJS) | need-check
	@mkdir -p $(@D)
	$(CC) $(TEST_CFLAGS) -I../exercises/lib $(LDFLAGS) -o $@ $< $(TEST_LIB_OBJS) $(OBJS) $(CHECK_FLAGS) \
		$(if $(wildcard step.c),../tests/lib/no_disasm.c)

# A guest whose source is gone (renamed, deleted) must not pass for a reader's work:
# the grader removes such binaries before it builds.
STALE_GUESTS := $(filter-out $(GUEST_BINS),$(wildcard $(BUILD)/guests/*.bin))
forget-stale-guests:
	$(if $(STALE_GUESTS),rm -f $(STALE_GUESTS) $(STALE_GUESTS:.bin=.elf) $(STALE_GUESTS:.bin=.map))
.PHONY: forget-stale-guests
