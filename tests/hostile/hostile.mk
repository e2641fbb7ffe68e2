# The hostile-guest suite (tests/hostile/), included at the end of the Makefile of
# every x86 stage from stage02 on: one more test binary, hostile_test, and its guests.
#   tests/hostile/NN-name/     this stage's own cases; stage.inc says how its guests start,
#                              cases.mk which of the shared directories below it takes
#   tests/hostile/any-mode/    the cases every stage takes, written once for any mode
#   tests/hostile/long-mode/   the cases of every stage whose guests start in 64-bit mode
# Each NAME.asm is assembled into $(BUILD)/guests/hostile/NAME.bin, and its `;!` lines
# (how to run it, what the VMM must answer) go to NAME.case beside it, so the emulated
# hosts, which get build/ only, have both.
HOSTILE       := ../tests/hostile
HOSTILE_STAGE := $(HOSTILE)/$(patsubst stage%,%,$(STAGE))
# The stage's cases.mk names the shared directories it takes (HOSTILE_SHARED).
include $(HOSTILE_STAGE)/cases.mk
HOSTILE_DIRS  := $(HOSTILE_STAGE) $(addprefix $(HOSTILE)/,$(HOSTILE_SHARED))
HOSTILE_ASM   := $(wildcard $(addsuffix /*.asm,$(HOSTILE_DIRS)))
HOSTILE_OUT   := $(BUILD)/guests/hostile
HOSTILE_BINS  := $(patsubst %.asm,$(HOSTILE_OUT)/%.bin,$(notdir $(HOSTILE_ASM)))
HOSTILE_CASES := $(HOSTILE_BINS:.bin=.case)
ifneq ($(words $(HOSTILE_BINS)),$(words $(sort $(HOSTILE_BINS))))
$(error tests/hostile: two cases of $(STAGE) have the same name)
endif

TEST_BINS += $(BUILD)/tests/hostile_test
tests: $(BUILD)/tests/hostile_test $(HOSTILE_BINS) $(HOSTILE_CASES)

define hostile_dir_rules
$(HOSTILE_OUT)/%.bin: $(1)/%.asm $(HOSTILE_STAGE)/stage.inc | need-nasm
	@mkdir -p $$(@D)
	nasm -f bin -I $(HOSTILE_STAGE)/ -I $(1)/ -o $$@ $$<
$(HOSTILE_OUT)/%.case: $(1)/%.asm
	@mkdir -p $$(@D)
	sed -n 's/^;! //p' $$< >$$@
endef
$(foreach d,$(HOSTILE_DIRS),$(eval $(call hostile_dir_rules,$(d))))

$(BUILD)/tests/hostile_test: $(BUILD)/tests/%: $(HOSTILE)/%.c $(OBJS) $(TEST_LIB_OBJS) $(HOSTILE_ASM) \
			     $(HOSTILE_STAGE)/cases.mk \
			     | need-check
	@mkdir -p $(@D)
	$(CC) $(TEST_CFLAGS) -DHOSTILE_CASES=$(words $(HOSTILE_ASM)) $(LDFLAGS) -o $@ $< \
		$(TEST_LIB_OBJS) $(OBJS) $(CHECK_FLAGS) $(call DISASM_FOR,$*)
