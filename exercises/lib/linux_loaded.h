/*
 * Chapter 9's exercises: Debian's kernel and initrd, as stage09 builds them,
 * loaded by the reader's linux_load() into guest memory with no KVM behind it:
 * what the kernel finds there at its entry point.
 */
#ifndef EXERCISE_LINUX_LOADED_H
#define EXERCISE_LINUX_LOADED_H

#include "guest_memory.h"
#include "kvm_check.h"
#include "vmm.h"

#include <check.h>
#include <stdio.h>

#define MIB (1ull << 20)

/* linux_load() of build/guests/vmlinuz and initrd.img into a VM of mem bytes; free(vm->mem) after.
 */
static inline struct boot_params *linux_loaded(struct vm *vm, size_t mem, const char *cmdline)
{
	char kernel[4096], initrd[4096];

	snprintf(kernel, sizeof(kernel), "%s", guest_path("vmlinuz"));
	snprintf(initrd, sizeof(initrd), "%s", guest_path("initrd.img"));
	memory_only_vm(vm, mem);
	struct linux_boot boot = {.kernel = kernel, .initrd = initrd, .cmdline = cmdline};
	ck_assert_msg(linux_load(vm, &boot, ACPI_TABLES_ADDR) == 0, "linux_load: %s", vm->error);
	return (struct boot_params *)(vm->mem + ZERO_PAGE_ADDR);
}

#endif
