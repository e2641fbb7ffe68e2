# The teaching VMM. `make stageNN` builds a stage and makes it the one ./run runs.
#   make                 build every stage
#   make stage02         build stage02-real-mode; ./run then runs it
#   make check           every stage's tests      make check-stage02   one stage's
#   make check SANITIZE=1  the same, built with ASan + UBSan
#   make diffs           diffs/stageNN-*.diff: each stage against the one before
#   make book            the book as HTML in build/book/ (make check checks it against the code)
#   make deps            install what is missing (Debian/Ubuntu)
#   make clean
STAGE_DIRS := $(patsubst %/Makefile,%,$(sort $(wildcard stage[0-9][0-9]-*/Makefile)))
STAGES     := $(foreach d,$(STAGE_DIRS),$(firstword $(subst -, ,$(d))))

all: deps-ok
	@for d in $(STAGE_DIRS); do $(MAKE) --no-print-directory -C $$d || exit 1; done

# stageNN: build it and make it current; check-stageNN: run its tests.
define stage_rules
$(1): deps-ok
	@$$(MAKE) --no-print-directory -C $(2)
	@echo $(2) > .current-stage
	@echo "$(2) is built and current: ./run runs it (./run --help)"
check-$(1): deps-ok test-deps-ok
	@$$(MAKE) --no-print-directory -C $(2) check
.PHONY: $(1) check-$(1)
endef
$(foreach d,$(STAGE_DIRS),$(eval $(call stage_rules,$(firstword $(subst -, ,$(d))),$(d))))

check: deps-ok test-deps-ok
	@status=0; for s in $(STAGES); do $(MAKE) --no-print-directory check-$$s || status=1; done; \
	$(if $(SANITIZE),echo "book: checked by the plain make check (its commands run the plain builds)";, \
	$(MAKE) --no-print-directory check-book || status=1;) \
	if [ $$status = 0 ]; then echo "make check: every stage passed"; \
	else echo "make check: FAILED (see above)"; fi; exit $$status

deps-ok:
	@tools/deps check build
test-deps-ok:
	@tools/deps check test
deps:
	@tools/deps install build test book

# The book: listings, diffs and outputs come from the code, so drift fails check-book.
book: deps-ok
	@tools/deps check book
	@$(MAKE) --no-print-directory -C book
check-book:
	@$(MAKE) --no-print-directory -C book check

diffs:
	@tools/diffs

clean:
	@for d in $(STAGE_DIRS); do $(MAKE) --no-print-directory -C $$d clean; done
	rm -rf build diffs .current-stage

.PHONY: all check check-book book deps deps-ok test-deps-ok diffs clean
