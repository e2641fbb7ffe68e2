/* stage02-real-mode: the real-mode guests run, and each proves its result. */
#include "guest_fixture.h"
#include "kvm_check.h"
#include "run_vmm.h"

#include <stdlib.h>
#include <string.h>

START_TEST(vcpu_starts_in_real_mode_at_the_load_address)
{
	struct fixture f;

	start_guest(&f, "hello.bin", vcpu_set_real_mode);
	struct kvm_sregs sregs = sregs_of(&f);
	ck_assert_uint_eq(sregs.cr0 & CR0_PE, 0); /* real mode */
	ck_assert_uint_eq(sregs.cs.selector, 0);
	ck_assert_uint_eq(sregs.cs.base, 0);
	ck_assert_uint_eq(sregs.ss.base, 0);
	struct kvm_regs regs = regs_of(&f);
	ck_assert_uint_eq(regs.rip, GUEST_LOAD_ADDR);
	ck_assert_uint_eq(regs.rsp, GUEST_STACK_TOP);
	finish(&f);
}
END_TEST

START_TEST(hello_first_exit_is_an_out_of_H_to_the_console)
{
	struct fixture f;

	start_guest(&f, "hello.bin", vcpu_set_real_mode);
	ck_assert_int_eq(vcpu_run_once(&f.vcpu), 0);
	struct kvm_run *run = f.vcpu.run;
	ck_assert_uint_eq(run->exit_reason, KVM_EXIT_IO);
	ck_assert_uint_eq(run->io.direction, KVM_EXIT_IO_OUT);
	ck_assert_uint_eq(run->io.port, PORT_CONSOLE);
	ck_assert_uint_eq(run->io.size, 1);
	ck_assert_uint_eq(run->io.count, 1);
	ck_assert_uint_eq(*((uint8_t *)run + run->io.data_offset), 'H');
	finish(&f);
}
END_TEST

START_TEST(hello_prints_its_line_and_halts)
{
	struct fixture f;

	start_guest(&f, "hello.bin", vcpu_set_real_mode);
	ck_assert_int_eq(run_to_end(&f), RUN_FINISHED);
	ck_assert_str_eq(output_of(&f.vm, &f.c), "Hello from real mode!\n");
	ck_assert_uint_eq(f.vcpu.run->exit_reason, KVM_EXIT_HLT);
	finish(&f);
}
END_TEST

START_TEST(compute_proves_fib24_in_port_register_and_memory)
{
	struct fixture f;

	start_guest(&f, "compute.bin", vcpu_set_real_mode);
	ck_assert_int_eq(run_to_end(&f), RUN_FINISHED);
	ck_assert_uint_eq(f.vm.reports, 1);
	ck_assert_uint_eq(f.vm.last_report, 46368);
	ck_assert_uint_eq(regs_of(&f).rax & 0xffff, 46368);
	uint16_t *result = guest_ptr(&f.vm, 0x600, 2);
	ck_assert_ptr_nonnull(result);
	ck_assert_uint_eq(*result, 46368);
	ck_assert_ptr_nonnull(strstr(output_of(&f.vm, &f.c), "fib(24) computed\n"));
	finish(&f);
}
END_TEST

/* Steps exit by exit, counting the items of each size that went to the console. */
START_TEST(string_out_moves_every_item_of_sizes_1_2_and_4)
{
	struct fixture f;
	unsigned items[5] = {0};
	enum after_exit action = RESUME_GUEST;

	start_guest(&f, "string-io.bin", vcpu_set_real_mode);
	while (action == RESUME_GUEST) {
		ck_assert_int_eq(vcpu_run_once(&f.vcpu), 0);
		struct kvm_run *run = f.vcpu.run;
		if (run->exit_reason == KVM_EXIT_IO) {
			ck_assert_uint_eq(run->io.port, PORT_CONSOLE);
			ck_assert_uint_le(run->io.size, 4);
			items[run->io.size] += run->io.count;
		}
		action = vcpu_handle_exit(&f.vcpu);
	}
	ck_assert_int_eq(action, GUEST_FINISHED);
	ck_assert_uint_eq(items[1], 17);
	ck_assert_uint_eq(items[2], 9);
	ck_assert_uint_eq(items[4], 5);
	ck_assert_str_eq(output_of(&f.vm, &f.c),
			 "bytes: rep outsb\nwords: rep outsw.\ndwords: rep outsd..\n");
	finish(&f);
}
END_TEST

START_TEST(port_in_reads_0xe9_into_register_and_memory)
{
	struct fixture f;

	start_guest(&f, "port-in.bin", vcpu_set_real_mode);
	ck_assert_int_eq(run_to_end(&f), RUN_FINISHED);
	ck_assert_uint_eq(f.vm.last_report, 9);
	const uint8_t *buffer = guest_ptr(&f.vm, 0x700, 8);
	for (int i = 0; i < 8; i++)
		ck_assert_uint_eq(buffer[i], 0xe9);
	ck_assert_ptr_nonnull(strstr(output_of(&f.vm, &f.c), "IN works"));
	finish(&f);
}
END_TEST

/* Reads of a port and of memory that nobody answers give all ones; the guest goes on. */
START_TEST(no_device_reads_all_ones_and_the_guest_goes_on)
{
	struct fixture f;

	start_guest(&f, "no-device.bin", vcpu_set_real_mode);
	ck_assert_int_eq(run_to_end(&f), RUN_FINISHED);
	ck_assert_str_eq(output_of(&f.vm, &f.c),
			 "guest reported 255 (0xff)\nguest reported 65535 (0xffff)\n");
	ck_assert_str_eq(log_of(&f.vm, &f.c),
			 "vmm: the guest read from I/O port 0x99, where this VMM has no device: "
			 "reads give all ones, writes are dropped (said once per port)\n"
			 "vmm: the guest read from guest physical 0x100000, where there is no "
			 "memory and no device: reads give all ones, writes are dropped (said "
			 "once per address)\n");
	finish(&f);
}
END_TEST

/*
 * A guest that never ends is stopped by --timeout; the dump then says where it
 * was. The timer fires in this thread: vcpu_set_timeout() is called from it.
 */
START_TEST(spin_is_stopped_by_its_timeout_and_the_dump_shows_where)
{
	struct fixture f;

	start_guest(&f, "spin.bin", vcpu_set_real_mode);
	ck_assert_int_eq(vcpu_set_timeout(&f.vcpu, 0.2), 0);
	ck_assert_int_eq(run_to_end(&f), RUN_TIMED_OUT);
	ck_assert_str_eq(f.vm.error, "the guest was still running after 0.2 s (--timeout)");
	char *dump = dump_of(&f.vcpu);
	assert_contains(dump, "rip=0x0000000000007c03");
	assert_contains(dump, "rax=0x0000000000001234");
	assert_contains(dump, "code at 0x7c03: eb fe");
	free(dump);
	finish(&f);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("stage02-real-mode guests");
	TCase *guests = tcase_create("guests");

	tcase_set_timeout(guests, 30);
	tcase_add_kvm_test(guests, vcpu_starts_in_real_mode_at_the_load_address);
	tcase_add_kvm_test(guests, hello_first_exit_is_an_out_of_H_to_the_console);
	tcase_add_kvm_test(guests, hello_prints_its_line_and_halts);
	tcase_add_kvm_test(guests, compute_proves_fib24_in_port_register_and_memory);
	tcase_add_kvm_test(guests, string_out_moves_every_item_of_sizes_1_2_and_4);
	tcase_add_kvm_test(guests, port_in_reads_0xe9_into_register_and_memory);
	tcase_add_kvm_test(guests, no_device_reads_all_ones_and_the_guest_goes_on);
	tcase_add_kvm_test(guests, spin_is_stopped_by_its_timeout_and_the_dump_shows_where);
	suite_add_tcase(s, guests);
	return run_suite(s);
}
