#include "guest_memory.h"
#include "kvm_check.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void memory_only_vm(struct vm *vm, size_t size)
{
	vm_init(vm);
	vm->mem = calloc(1, size);
	ck_assert_ptr_nonnull(vm->mem);
	vm->mem_size = size;
}

const char *guest_file_of(char *path, const void *code, size_t len)
{
	strcpy(path, "/tmp/guest-XXXXXX");
	int fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, code, len), (ssize_t)len);
	close(fd);
	return path;
}

const char *guest_file(char *path, size_t size)
{
	uint8_t *bytes = malloc(size ? size : 1);

	ck_assert_ptr_nonnull(bytes);
	memset(bytes, GUEST_FILE_BYTE, size);
	guest_file_of(path, bytes, size);
	free(bytes);
	return path;
}
