/*
 * Guest memory without KVM, for tests of what the VMM writes there and loads
 * into it. Compiled with each stage's own vmm.h.
 */
#ifndef GUEST_MEMORY_H
#define GUEST_MEMORY_H

#include "vmm.h"

/* What guest_file() fills a guest with: 0x90, NOP on x86. */
#define GUEST_FILE_BYTE 0x90

/* A VM with `size` bytes of zeroed memory but no KVM behind it; free(vm->mem) after. */
void memory_only_vm(struct vm *vm, size_t size);

/*
 * A temporary guest file of `size` bytes, each GUEST_FILE_BYTE; its name goes to
 * path (room for 18 bytes) and is returned. The test unlinks it.
 */
const char *guest_file(char *path, size_t size);

/*
 * A temporary guest file holding `code`, for guests of a few instructions written
 * in the test itself; its name goes to path (room for 18 bytes) and is returned.
 */
const char *guest_file_of(char *path, const void *code, size_t len);

#endif
