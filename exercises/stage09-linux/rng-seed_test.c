/*
 * Exercise 09-rng-seed (hard): random bytes for the kernel, through setup_data.
 * A VM's kernel starts with little entropy: no disk timings, no device noise yet.
 * Boot protocol 2.09 added hdr.setup_data, the guest physical address of a linked
 * list of struct setup_data nodes (next, type, len, then len bytes of data: see
 * <asm/bootparam.h>); a node of type SETUP_RNG_SEED (9) hands the kernel random
 * bytes, which it mixes into its random pool at once. Make linux_load() pass 32
 * bytes from getrandom() that way: one node, in guest memory that nothing else the
 * kernel uses overlaps (the zero page, the command line, the kernel and the room it
 * decompresses into, the initrd, the ACPI tables), linked from the zero page. The
 * test loads Debian's kernel twice and follows the list as the kernel does.
 * order: 3
 * hint: boot.rst, "Details of Header Fields": setup_data; a free spot is right after the
 * command line's CMDLINE_MAX bytes; zero_page_build() must then set zp->hdr.setup_data,
 * after the header copied from the file
 */
#include "kvm_check.h"
#include "linux_loaded.h"

#include <stdlib.h>
#include <string.h>

#define RNG_SEED_TYPE 9 /* SETUP_RNG_SEED */
#define SEED_BYTES 32
#define NODES_MAX 16 /* a longer list is a loop */
#define ZERO_PAGE_SIZE 4096

struct range {
	const char *what;
	uint64_t start, end; /* [start, end) */
};

/* Fails if [start, end) overlaps one of what the kernel uses. */
static void expect_clear_of(const struct boot_params *zp, uint64_t start, uint64_t end)
{
	uint64_t kernel_base = LINUX_KERNEL_ADDR;

	if (zp->hdr.relocatable_kernel && zp->hdr.pref_address > kernel_base)
		kernel_base = zp->hdr.pref_address;
	const struct range used[] = {
	    {"the zero page", ZERO_PAGE_ADDR, ZERO_PAGE_ADDR + ZERO_PAGE_SIZE},
	    {"the command line", CMDLINE_ADDR, CMDLINE_ADDR + CMDLINE_MAX},
	    {"the kernel and the room it decompresses into", LINUX_KERNEL_ADDR,
	     kernel_base + zp->hdr.init_size},
	    {"the initrd", zp->hdr.ramdisk_image,
	     (uint64_t)zp->hdr.ramdisk_image + zp->hdr.ramdisk_size},
	    {"the ACPI tables", ACPI_TABLES_ADDR, ACPI_TABLES_ADDR + ACPI_TABLES_SIZE},
	};
	for (unsigned i = 0; i < sizeof(used) / sizeof(used[0]); i++)
		ck_assert_msg(end <= used[i].start || start >= used[i].end,
			      "the setup_data node at 0x%llx-0x%llx overlaps %s (0x%llx-0x%llx)",
			      (unsigned long long)start, (unsigned long long)end - 1, used[i].what,
			      (unsigned long long)used[i].start,
			      (unsigned long long)used[i].end - 1);
}

/* Follows hdr.setup_data as the kernel does; copies the one RNG seed's bytes to seed. */
static void seed_of(uint64_t mem, uint8_t seed[SEED_BYTES])
{
	struct vm vm;
	const struct boot_params *zp = linux_loaded(&vm, mem, "console=ttyS0");
	unsigned seeds = 0, nodes = 0;

	ck_assert_msg(zp->hdr.version >= 0x0209, "this kernel's boot protocol has no setup_data");
	ck_assert_msg(zp->hdr.setup_data != 0, "the zero page's hdr.setup_data is 0: no list");
	for (uint64_t at = zp->hdr.setup_data; at; nodes++) {
		ck_assert_msg(nodes < NODES_MAX, "the setup_data list goes on past %d nodes",
			      NODES_MAX);
		ck_assert_msg(at < mem && mem - at >= sizeof(struct setup_data),
			      "a setup_data node at 0x%llx, outside the %llu MiB of RAM",
			      (unsigned long long)at, (unsigned long long)(mem / MIB));
		const struct setup_data *node = (const struct setup_data *)(vm.mem + at);
		uint64_t end = at + sizeof(*node) + node->len;
		ck_assert_msg(end <= mem, "the setup_data node at 0x%llx ends past RAM",
			      (unsigned long long)at);
		expect_clear_of(zp, at, end);
		if (node->type == RNG_SEED_TYPE) {
			ck_assert_msg(node->len == SEED_BYTES, "the seed has %u bytes, not %d",
				      node->len, SEED_BYTES);
			memcpy(seed, node->data, SEED_BYTES);
			seeds++;
		}
		at = node->next;
	}
	ck_assert_msg(seeds == 1, "%u nodes of type SETUP_RNG_SEED (9) in the list, not 1", seeds);
	free(vm.mem);
}

START_TEST(the_kernel_finds_32_random_bytes)
{
	uint8_t first[SEED_BYTES], second[SEED_BYTES], zeros[SEED_BYTES] = {0};

	seed_of(256 * MIB, first);
	seed_of(512 * MIB, second);
	ck_assert_msg(memcmp(first, zeros, SEED_BYTES) != 0, "the seed is all zeros");
	ck_assert_msg(memcmp(first, second, SEED_BYTES) != 0,
		      "two boots got the same seed: it must be random");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("exercise 09-rng-seed");
	TCase *tc = tcase_create("rng-seed");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, the_kernel_finds_32_random_bytes);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
