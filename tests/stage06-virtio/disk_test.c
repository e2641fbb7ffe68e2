/*
 * The disk as the VMM wires it (disk.c): its window in guest physical address
 * space, the page tables that map it, the default image the build makes, and
 * what a person sees when the image cannot be used: all but the page tables as
 * in every stage with a disk (tests/lib/disk_fixture.c). The device itself (the
 * transport, the virtqueue, virtio-blk) has suites of its own.
 */
#include "disk_fixture.h"
#include "guest_memory.h"
#include "kvm_check.h"
#include "run_vmm.h"
#include "vmm.h"

#include <stdlib.h>
#include <unistd.h>

#define PD_INDEX(va) (((uint64_t)(va) >> 21) & 0x1ff)
#define PDPT_INDEX(va) (((uint64_t)(va) >> 30) & 0x1ff)

/* The guest reaches the registers through the VMM's page tables: mapped, and uncached. */
START_TEST(the_page_tables_map_the_window_to_itself_uncached)
{
	struct vm vm;

	memory_only_vm(&vm, GUEST_MEM_SIZE);
	ck_assert_int_eq(paging64_build(&vm), 0);
	uint64_t *pdpt = (uint64_t *)(vm.mem + PDPT_ADDR);
	uint64_t *pd_devices = (uint64_t *)(vm.mem + PD_DEVICES_ADDR);
	uint64_t page = VIRTIO_MMIO_BASE & ~(uint64_t)(PAGE_SIZE_2M - 1);

	ck_assert_uint_eq(pdpt[PDPT_INDEX(VIRTIO_MMIO_BASE)],
			  PD_DEVICES_ADDR | PTE_PRESENT | PTE_WRITE);
	ck_assert_uint_eq(pd_devices[PD_INDEX(VIRTIO_MMIO_BASE)],
			  page | PTE_PRESENT | PTE_WRITE | PTE_PCD | PDE_PS);
	/* RAM keeps its own directory, cached as before. */
	ck_assert_uint_eq(pdpt[0], PD_ADDR | PTE_PRESENT | PTE_WRITE);
	free(vm.mem);
}
END_TEST

START_TEST(stats_say_what_the_disk_did)
{
	struct logged_vm l;
	struct run_stats stats = {0};
	char path[32], *out;
	size_t size;

	logged_vm_init(&l);
	ck_assert_int_eq(disk_open(&l.vm, image_copy(path)), 0);
	FILE *f = open_memstream(&out, &size);
	disk_print_stats(f, &l.vm, &stats);
	fclose(f);
	assert_contains(out, "disk: 0 requests");
	assert_contains(out, "notified by MMIO exits");
	free(out);
	logged_vm_end(&l);
	unlink(path);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("the disk, as the VMM wires it");
	TCase *tc = tcase_create("disk");

	tcase_set_timeout(tc, 60);
	tcase_add_shared_disk_tests(tc); /* the window, the default image, bad images */
	tcase_add_test(tc, the_page_tables_map_the_window_to_itself_uncached);
	tcase_add_test(tc, stats_say_what_the_disk_did);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
