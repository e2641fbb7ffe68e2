/*
 * The disk as a stage's disk.c wires it, for that stage's disk_test: a private
 * copy of the default image, a VM without KVM whose log is kept in memory, and
 * the tests that read the same in every stage with a disk (its window at
 * VIRTIO_MMIO_BASE, wherever the stage puts it; the default image the build
 * makes; the images the VMM refuses). Compiled with each stage's own vmm.h.
 */
#ifndef DISK_FIXTURE_H
#define DISK_FIXTURE_H

#include "kvm_check.h"
#include "vmm.h"

/*
 * A private copy of the default image, DISK_IMAGE: the VMM locks its image, and
 * tests write theirs. Its name goes to path and is returned; the test unlinks it.
 */
const char *image_copy(char path[32]);

/* A VM without KVM whose log is kept in memory. */
struct logged_vm {
	struct vm vm;
	char *log;
	size_t log_size;
};

void logged_vm_init(struct logged_vm *l);
/* Closes the disk, if one was opened, and frees the rest. */
void logged_vm_end(struct logged_vm *l);

/*
 * Adds to tc the tests every stage with a disk shares: the device in its window,
 * nothing outside it, the default image's contents, and what a person sees when
 * the image cannot be used (those last with tcase_add_kvm_test(): the VMM runs).
 */
void tcase_add_shared_disk_tests(TCase *tc);

#endif
