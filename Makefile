# The teaching VMM. `make stageNN` builds a stage and makes it the one ./run runs.
#   make                 build every stage
#   make stage02         build stage02-real-mode; ./run then runs it
#   make check           every stage's tests, natively and in an emulated host (below);
#                        its last lines say which lanes ran the KVM tests (tools/lanes)
#   make check-stage02   one stage's tests (in an emulated host too, if /dev/kvm is not usable)
#   make check SANITIZE=1  the same with ASan + UBSan
#   JOBS=N               builds N jobs at a time (default: one per CPU); tests run one by one
#   make fuzz FUZZ_SECONDS=60  every fuzzer for that long each (tests/fuzz); fails on a crash
#   make check-emulated-stage02  one stage's tests in an emulated x86 host whose KVM is
#                        hardware-style (AMD SVM under qemu): for a machine without usable KVM
#   make diffs           diffs/stageNN-*.diff: each stage against the one before
#   make format          clang-format every C file (make check-format: CI's check)
#   make bench           what each stage costs, against a bare VMM and QEMU: build/bench/results.md
#   make book            the book as HTML in build/book/ (make check checks it against the code)
#   make deps            install what is missing (Debian/Ubuntu)
#   make grade-stage02   the graded exercises of chapter 2: PASS or FAIL each, with a hint
#                        (make grade: all of them; make grade EX=02-load-address: one)
#   make clean
SHELL      := /bin/bash
STAGE_DIRS := $(patsubst %/Makefile,%,$(sort $(wildcard stage[0-9][0-9]-*/Makefile)))
STAGES     := $(foreach d,$(STAGE_DIRS),$(firstword $(subst -, ,$(d))))
X86_DIRS   := $(filter-out stage08-%,$(STAGE_DIRS))

# Builds run as many jobs at once as there are CPUs (JOBS=1: one at a time); tests run
# one after another.
JOBS := $(or $(JOBS),$(shell nproc))

# The lanes: each stage's suites run natively (a KVM test without a usable /dev/kvm is
# skipped there), then the x86 suites in the emulated x86 host; stage08's always run in
# its emulated arm64 host. Every suite records its KVM tests in $(LANES), and
# tools/lanes says which lane ran what: under CI=true a KVM test no lane ran fails.
LANES := $(CURDIR)/build/lanes
native_lane = set -o pipefail; LANE_RECORD=$(LANES)/native.txt \
	$(MAKE) -j$(JOBS) --no-print-directory -C $(1) check | tee $(LANES)/$(1).log

all: deps-ok
	@for d in $(STAGE_DIRS); do $(MAKE) -j$(JOBS) --no-print-directory -C $$d || exit 1; done

# stageNN: build it and make it current; check-stageNN: run its tests. Without a usable
# /dev/kvm, also its static build: ./run runs that in an emulated host (see run).
define stage_rules
$(1): deps-ok
	@$$(MAKE) -j$(JOBS) --no-print-directory -C $(2)
	@$(if $(filter $(2),$(X86_DIRS)),tools/kvm-usable || $$(MAKE) -j$(JOBS) -s --no-print-directory -C $(2) STATIC=1 all,:)
	@echo $(2) > .current-stage
	@echo "$(2) is built and current: ./run runs it (./run --help)"
check-$(1): deps-ok test-deps-ok
	@rm -rf $(LANES) && mkdir -p $(LANES)
	@$$(call native_lane,$(2))
	@$(if $(filter stage08-%,$(2)),:,tools/kvm-usable || \
		$$(MAKE) --no-print-directory check-emulated-x86 EMULATED_DIRS=$(2))
	@tools/lanes $(LANES)
check-emulated-$(1): deps-ok test-deps-ok
	@$$(MAKE) --no-print-directory $(if $(filter stage08-%,$(2)),-C $(2) check,check-emulated-x86 EMULATED_DIRS=$(2))
.PHONY: $(1) check-$(1) check-emulated-$(1)
endef
$(foreach d,$(STAGE_DIRS),$(eval $(call stage_rules,$(firstword $(subst -, ,$(d))),$(d))))

# CHECK_DIRS: the stages whose native lane runs (default: all). Only a sanitized pass,
# which proves no lanes, may take fewer (.ci/run).
CHECK_DIRS   ?= $(STAGE_DIRS)
CHECK_LEFT_OUT = $(filter-out $(CHECK_DIRS),$(STAGE_DIRS))
check: deps-ok test-deps-ok
	@$(if $(and $(CHECK_LEFT_OUT),$(if $(SANITIZE),,plain)),echo "make check: CHECK_DIRS \
		leaves out $(CHECK_LEFT_OUT): only make check SANITIZE=1 may" >&2; exit 2)
	@rm -rf $(LANES) && mkdir -p $(LANES)
	@status=0; for d in $(CHECK_DIRS); do start=$$SECONDS; \
		( $(call native_lane,$$d) ) || status=1; echo "== $$d: $$((SECONDS - start)) s"; done; \
	$(if $(and $(SANITIZE),$(if $(strip $(SANITIZE_EMULATED_DIRS)),,none)), \
	echo "emulated x86 lane: none asked for (SANITIZE_EMULATED_DIRS is empty)";, \
	$(MAKE) --no-print-directory check-emulated-x86 \
		$(if $(SANITIZE),EMULATED_DIRS="$(SANITIZE_EMULATED_DIRS)") || status=1;) \
	$(MAKE) --no-print-directory check-fuzz-replay || status=1; \
	$(if $(SANITIZE),echo "book: checked by the plain make check (its commands run the plain builds)";, \
	$(MAKE) --no-print-directory check-book || status=1;) \
	$(if $(SANITIZE),,$(MAKE) --no-print-directory check-tools || status=1;) \
	$(if $(SANITIZE),,$(MAKE) --no-print-directory check-bench || status=1;) \
	$(if $(SANITIZE),CI= )tools/lanes $(LANES) || status=1; \
	if [ $$status = 0 ]; then echo "make check: every stage passed"; \
	else echo "make check: FAILED (see above)"; fi; exit $$status

deps-ok:
	@tools/deps check build
test-deps-ok:
	@tools/deps check test
deps:
	@tools/deps install build test book hosts bench

# The x86 stages' suites again, inside an emulated x86 host (tools/emulated-host) whose
# /dev/kvm is KVM on AMD SVM, as on students' machines: two hosts side by side for the
# stages whose tests run one vCPU, then a host with 2 CPUs for stage07 (see EMULATED_SMP).
# The verdict comes from the suites' own counts (run-suites), not from qemu.
EMULATED_DIRS ?= $(filter-out stage08-%,$(STAGE_DIRS))
# make check SANITIZE=1 runs these stages' sanitized builds there (default: all of them).
# The plain make check is the one that proves every KVM test ran in some lane, so the
# sanitized pass only reports its lanes (CI= tools/lanes) and may cover fewer stages:
# CI covers the last ones, which carry the earlier stages' code (.ci/run).
SANITIZE_EMULATED_DIRS ?= $(EMULATED_DIRS)
# How many CPUs the emulated x86 host has (EMULATED_HOST_SMP): 2 for the stages whose
# tests run vCPU threads that must really run in parallel (stage07-smp: smp-count-nolock
# loses updates only there), in a boot of their own; 1 for the others, whose tests run
# one vCPU. EMULATED_SMP=N: one boot, every stage on N CPUs. (With 2 CPUs the host used
# to hang, until host-init kept two VMs open: see hold_kvm_keys in tools/host-init.c.)
# stage09-linux boots Linux on 2 vCPUs there too: in a 1-CPU host such a boot stopped for
# good twice in about 25 (2026-12-02, the host's own timeouts never fired), always with
# 2 vCPUs or a VMM's threads on the one CPU; none of its boots in a 2-CPU host did.
EMULATED_PARALLEL_DIRS := $(filter stage07-% stage09-%,$(STAGE_DIRS))
EMULATED_DIRS_2 = $(if $(EMULATED_SMP),,$(filter $(EMULATED_PARALLEL_DIRS),$(EMULATED_DIRS)))
EMULATED_DIRS_1 = $(filter-out $(EMULATED_DIRS_2),$(EMULATED_DIRS))
# SANITIZE=1: the ASan + UBSan builds instead, dynamic, each at the path it has here (its
# tests name guests and VMM by it), with the loader and the libraries ldd lists, and
# Capstone, which ldd does not list: --step loads it when it starts (disasm.c).
CAPSTONE_SO    := $(realpath $(shell gcc -print-file-name=libcapstone.so))
EMULATED_CS     = $(if $(CAPSTONE_SO),--file $(CAPSTONE_SO):$(CAPSTONE_SO))
ifdef SANITIZE
EMULATED_BUILD := sanitize
EMULATED_PATH   = $(CURDIR)/$(1)/build/sanitize
EMULATED_LIBS   = $$(for f in $(foreach d,$(1),$(d)/build/sanitize/vmm \
			$(d)/build/sanitize/tests/*); do echo --libs-for $$f; done) $(EMULATED_CS)
else ifdef TSAN
# TSAN=1 (stage07-smp has it): its ThreadSanitizer build, the same way.
EMULATED_BUILD := tsan
EMULATED_PATH   = $(CURDIR)/$(1)/build/tsan
EMULATED_LIBS   = $$(for f in $(foreach d,$(1),$(d)/build/tsan/vmm \
			$(d)/build/tsan/tests/*); do echo --libs-for $$f; done) $(EMULATED_CS)
else
EMULATED_BUILD := static
EMULATED_PATH   = /hosted/$(1)
endif
# GDB for tests/shared/gdb_test inside the host: Debian's gdb-minimal (no Python, whose
# standard library the host has not), unpacked from its package, not installed (it would
# replace gdb here); and a shell, which GDB's `target remote | COMMAND` runs COMMAND with.
HOST_GDB     := build/hosts/gdb/usr/bin/gdb
EMULATED_GDB := --file $(HOST_GDB):/usr/bin/gdb --libs-for $(HOST_GDB) \
		--file /bin/dash:/bin/sh --libs-for /bin/dash
# iasl (Debian's acpica-tools: tools/deps "test") for stage09's acpi_test, which has it
# disassemble the ACPI tables: carried in as it is here (it needs only the C library).
HOST_IASL     := $(shell command -v iasl)
EMULATED_IASL := $(if $(HOST_IASL),--file $(HOST_IASL):/usr/bin/iasl --libs-for $(HOST_IASL))
$(HOST_GDB):
	@mkdir -p build/hosts/gdb
	cd build/hosts/gdb && apt-get download -q gdb-minimal && dpkg-deb -x gdb-minimal_*.deb .
# With two CPUs or more, the 1-CPU stages boot in two hosts side by side (qemu runs one
# emulated CPU on one host CPU), each with every other stage, and make -Otarget prints
# each host's output whole; then the 2-CPU boot, alone. EMULATED_SMP=N: one boot.
EMULATED_HOSTS  ?= $(if $(or $(EMULATED_SMP),$(filter 1,$(JOBS))),1,2)
EMULATED_GROUPS := $(shell seq 1 $(if $(filter 0 1,$(words $(EMULATED_DIRS_1))),$(words $(EMULATED_DIRS_1)),$(EMULATED_HOSTS)))
every_other      = $(foreach i,$(shell seq $(2) $(words $(EMULATED_GROUPS)) $(words $(1))),$(word $(i),$(1)))
check-emulated-x86: deps-ok test-deps-ok build/hosts/run-suites $(HOST_GDB)
	@tools/deps check hosts
	@for d in $(EMULATED_DIRS); do $(MAKE) -j$(JOBS) -s --no-print-directory -C $$d $(if $(SANITIZE)$(TSAN),,STATIC=1) tests || exit 1; done
	@mkdir -p $(LANES)
	@status=0; \
	$(if $(EMULATED_GROUPS),$(MAKE) --no-print-directory -j$(EMULATED_HOSTS) -Otarget \
		$(foreach g,$(EMULATED_GROUPS),emulated-x86-host-$(g)) || status=1;) \
	$(if $(EMULATED_DIRS_2),$(call emulated_boot,$(EMULATED_DIRS_2),2,emulated-x86-2cpus) || status=1;) \
	exit $$status
# One boot: $(1) the stages, $(2) how many CPUs, $(3) the log's name in $(LANES).
emulated_boot = echo "emulated x86_64 host$(if $(SANITIZE), (ASan + UBSan)), $(2) CPU(s): $(1)"; \
	( set -o pipefail; EMULATED_HOST_SMP=$(2) \
		tools/emulated-host x86_64 --timeout 900 --file build/hosts/run-suites:/work/run-suites \
		$(foreach d,$(1),--file $(d)/build/$(EMULATED_BUILD):$(call EMULATED_PATH,$(d))) \
		$(call EMULATED_LIBS,$(1)) $(EMULATED_GDB) $(EMULATED_IASL) -- /work/run-suites $$(for d in $(1); do \
			for t in $$d/build/$(EMULATED_BUILD)/tests/*; do \
				echo $(call EMULATED_PATH,$$d)/tests/$${t\#\#*/}; done; done) \
		2>&1 | tee $(LANES)/$(3).log )
# One of the side-by-side hosts.
define emulated_host_rule
emulated-x86-host-$(1):
	@$$(call emulated_boot,$(2),$(or $(EMULATED_SMP),1),emulated-x86-$(1))
.PHONY: emulated-x86-host-$(1)
endef
$(foreach g,$(EMULATED_GROUPS),$(eval $(call emulated_host_rule,$(g),$(call every_other,$(EMULATED_DIRS_1),$(g)))))
build/hosts/run-suites: tests/lib/run_suites.c
	@mkdir -p $(@D)
	gcc -std=c11 -D_GNU_SOURCE -Wall -Wextra -O2 -static -o $@ $<

# ./run's way to an emulated host (tools/emulated-run, emulated-host --stdio): record and
# replay, ./run's choice, and three boots (a pipe, an exit status, a terminal).
check-tools:
	@echo "== tools: ./run without KVM (tests/tools/emulated_run_test.py)"
	@/usr/bin/python3 tests/tools/emulated_run_test.py

# The fuzzers (tests/fuzz): `make check` replays their corpora as Check tests, plainly or
# with SANITIZE=1; `make fuzz` runs libFuzzer on each for FUZZ_SECONDS, stage06's included.
FUZZ_SECONDS ?= 60
check-fuzz-replay: deps-ok test-deps-ok
	@$(MAKE) -j$(JOBS) --no-print-directory -C stage05-serial -f ../tests/fuzz/fuzz.mk replay
fuzz: deps-ok
	@tools/deps check fuzz
	@$(MAKE) -j$(JOBS) --no-print-directory -Otarget fuzz-stage05 fuzz-stage06
# stage05's three fuzzers one after another, beside stage06's (with JOBS >= 2).
fuzz-stage05:
	@$(MAKE) --no-print-directory -C stage05-serial -f ../tests/fuzz/fuzz.mk fuzz \
		FUZZ_SECONDS=$(FUZZ_SECONDS)
fuzz-stage06:
	@$(MAKE) --no-print-directory -C stage06-virtio fuzz FUZZ_SECONDS=$(FUZZ_SECONDS)
.PHONY: check-fuzz-replay fuzz fuzz-stage05 fuzz-stage06

# make bench: one table of what each stage costs (start-up, CPU time, memory, exits,
# virtio-blk, stage09's Linux boot against QEMU's), each figure a ratio to a reference
# measured in the same run and place: build/bench/results.md and results.svg
# (bench/Makefile says how). Figures only.
# check-bench runs each bench program once, briefly, to prove it works (no timing).
bench: deps-ok
	@tools/deps check bench
	@$(MAKE) --no-print-directory -C bench run
check-bench: deps-ok
	@echo "== bench: each program once (bench/Makefile check)"
	@tools/deps check bench
	@$(MAKE) -j$(JOBS) --no-print-directory -C bench check
.PHONY: bench check-bench

# The book: listings, diffs and outputs come from the code, so drift fails check-book.
book: deps-ok
	@tools/deps check book
	@$(MAKE) --no-print-directory -C book
check-book:
	@$(MAKE) --no-print-directory -C book check

# The graded exercises (exercises/README.md): tools/grade runs their tests against this
# tree. check-exercises proves each fails on the plain tree and passes with its solution
# (exercises/solutions/), in temporary copies; .ci/run runs it.
grade: deps-ok test-deps-ok
	@tools/grade $(EX)
grade-stage%: deps-ok test-deps-ok
	@tools/grade stage$*
check-exercises: deps-ok test-deps-ok
	@tools/check-exercises
.PHONY: grade check-exercises

diffs:
	@tools/diffs

# One format for every C file: the repo's .clang-format. CI checks it; formatters of
# other versions may disagree on a line or two, so make check does not.
check-format:
	@git ls-files '*.c' '*.h' | xargs clang-format --dry-run -Werror && \
		echo "check-format: every C file is as clang-format $$(clang-format --version | \
			grep -o '[0-9][0-9.]*' | head -1) writes it"
format:
	@git ls-files '*.c' '*.h' | xargs clang-format -i

clean:
	@for d in $(STAGE_DIRS); do $(MAKE) --no-print-directory -C $$d clean; done
	rm -rf build diffs .current-stage

.PHONY: all check check-book check-tools check-emulated-x86 book deps deps-ok test-deps-ok diffs check-format format clean
