/* stage08-arm64: the guests run under KVM on arm64, and each proves its result. */
#include "guest_fixture.h"
#include "kvm_check.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#define RESULT_ADDR (GUEST_MEM_BASE + 0x100000) /* where the guests leave their results */
#define FIB_90 2880067194370816120ull

static uint64_t reg(struct fixture *f, uint64_t id)
{
	uint64_t value;

	ck_assert_msg(vcpu_get_reg(&f->vcpu, id, &value) == 0, "%s", f->vm.error);
	return value;
}

/* The fixture's one vCPU is the boot vCPU: the GIC is ready once it exists, and it starts at EL1h.
 */
static int boot_vcpu(struct vcpu *vcpu)
{
	return vm_init_irqchip(vcpu->vm) < 0 ? -1 : vcpu_set_el1h(vcpu);
}

/* Runs until the next exit that is not the UART's; returns its reason. */
static uint32_t run_past_uart(struct fixture *f)
{
	for (;;) {
		ck_assert_msg(vcpu_run_once(&f->vcpu) == 0, "%s", f->vm.error);
		struct kvm_run *run = f->vcpu.run;
		if (run->exit_reason != KVM_EXIT_MMIO ||
		    run->mmio.phys_addr - PL011_BASE >= PL011_SIZE)
			return run->exit_reason;
		ck_assert_int_eq(vcpu_handle_exit(&f->vcpu), RESUME_GUEST);
	}
}

/* Before KVM_ARM_VCPU_INIT a vCPU has no registers to show and cannot run: ENOEXEC. */
START_TEST(a_vcpu_is_unusable_until_vcpu_init)
{
	struct vm vm;
	uint64_t pc;
	struct kvm_one_reg one = {.id = REG_PC, .addr = (uintptr_t)&pc};
	struct kvm_vcpu_init init;

	vm_init(&vm);
	ck_assert_msg(kvm_open(&vm, "/dev/kvm") == 0 && vm_create(&vm) == 0, "%s", vm.error);
	int fd = ioctl(vm.vm_fd, KVM_CREATE_VCPU, 0);
	ck_assert_int_ge(fd, 0);
	errno = 0;
	ck_assert_int_eq(ioctl(fd, KVM_GET_ONE_REG, &one), -1);
	ck_assert_int_eq(errno, ENOEXEC);
	ck_assert_int_eq(ioctl(fd, KVM_RUN, 0), -1);
	ck_assert_int_eq(errno, ENOEXEC);
	memset(&init, 0, sizeof(init));
	ck_assert_int_eq(ioctl(vm.vm_fd, KVM_ARM_PREFERRED_TARGET, &init), 0);
	ck_assert_int_eq(ioctl(fd, KVM_ARM_VCPU_INIT, &init), 0);
	ck_assert_int_eq(ioctl(fd, KVM_GET_ONE_REG, &one), 0);
	close(fd);
	vm_destroy(&vm);
}
END_TEST

START_TEST(vcpu_starts_at_el1h_at_the_load_address)
{
	struct fixture f;

	start_guest(&f, "hello.bin", boot_vcpu);
	ck_assert_uint_eq(reg(&f, REG_PC), GUEST_LOAD_ADDR);
	ck_assert_uint_eq(reg(&f, REG_PSTATE), PSTATE_M_EL1H | PSTATE_DAIF);
	ck_assert_uint_eq(reg(&f, REG_SP_EL1), GUEST_STACK_TOP);
	ck_assert_uint_eq(reg(&f, REG_SCTLR_EL1) & 1, 0); /* SCTLR_EL1.M: the MMU is off */
	struct kvm_regs regs = regs_of(&f);
	ck_assert_uint_eq(regs.regs.pc, GUEST_LOAD_ADDR);
	ck_assert_uint_eq(regs.sp_el1, GUEST_STACK_TOP);
	finish(&f);
}
END_TEST

START_TEST(hello_first_polls_uartfr_then_stores_H_to_uartdr)
{
	struct fixture f;

	start_guest(&f, "hello.bin", boot_vcpu);
	ck_assert_int_eq(vcpu_run_once(&f.vcpu), 0);
	struct kvm_run *run = f.vcpu.run;
	ck_assert_uint_eq(run->exit_reason, KVM_EXIT_MMIO);
	ck_assert_uint_eq(run->mmio.phys_addr, PL011_BASE + PL011_FR);
	ck_assert_uint_eq(run->mmio.len, 4);
	ck_assert(!run->mmio.is_write);
	ck_assert_int_eq(vcpu_handle_exit(&f.vcpu), RESUME_GUEST);
	ck_assert_int_eq(vcpu_run_once(&f.vcpu), 0);
	ck_assert_uint_eq(run->exit_reason, KVM_EXIT_MMIO);
	ck_assert_uint_eq(run->mmio.phys_addr, PL011_BASE + PL011_DR);
	ck_assert_uint_eq(run->mmio.len, 1);
	ck_assert(run->mmio.is_write);
	ck_assert_uint_eq(run->mmio.data[0], 'H');
	finish(&f);
}
END_TEST

START_TEST(hello_prints_its_line_and_powers_off)
{
	struct fixture f;

	start_guest(&f, "hello.bin", boot_vcpu);
	ck_assert_int_eq(run_to_end(&f), RUN_FINISHED);
	ck_assert_str_eq(output_of(&f.vm, &f.c), "Hello from arm64!\n");
	ck_assert_uint_eq(f.vcpu.run->exit_reason, KVM_EXIT_SYSTEM_EVENT);
	ck_assert_uint_eq(f.vcpu.run->system_event.type, KVM_SYSTEM_EVENT_SHUTDOWN);
	ck_assert_uint_eq(f.vm.mmio_reports, 0);
	finish(&f);
}
END_TEST

/* x0 is checked at the report exit: the PSCI call at the end takes x0 for its function id. */
START_TEST(compute_proves_fib90_in_x0_memory_report_and_output)
{
	struct fixture f;

	start_guest(&f, "compute.bin", boot_vcpu);
	ck_assert_uint_eq(run_past_uart(&f), KVM_EXIT_MMIO);
	struct kvm_run *run = f.vcpu.run;
	ck_assert_uint_eq(run->mmio.phys_addr, REPORT_ADDR);
	ck_assert_uint_eq(run->mmio.len, 8);
	ck_assert(run->mmio.is_write);
	ck_assert_uint_eq(reg(&f, REG_X(0)), FIB_90);
	ck_assert_int_eq(vcpu_handle_exit(&f.vcpu), RESUME_GUEST);
	ck_assert_uint_eq(f.vm.last_report, FIB_90);
	ck_assert_int_eq(run_to_end(&f), RUN_FINISHED);
	ck_assert_uint_eq(f.vm.reports, 1);
	const uint64_t *result = guest_ptr(&f.vm, RESULT_ADDR, sizeof(uint64_t));
	ck_assert_ptr_nonnull(result);
	ck_assert_uint_eq(*result, FIB_90);
	ck_assert_str_eq(output_of(&f.vm, &f.c),
			 "guest reported 2880067194370816120 (0x27f80ddaa1ba7878)\n"
			 "fib(90) = 2880067194370816120\n");
	/* KVM preloads x0 with INTERNAL_FAILURE: what SYSTEM_OFF "returns" if run again. */
	ck_assert_uint_eq(reg(&f, REG_X(0)), (uint64_t)PSCI_RET_INTERNAL_FAILURE);
	finish(&f);
}
END_TEST

/* PSCI_VERSION is answered inside KVM: the report is the first exit, the power-off the next. */
START_TEST(poweroff_asks_the_psci_version_then_powers_off)
{
	struct fixture f;

	start_guest(&f, "poweroff.bin", boot_vcpu);
	ck_assert_int_eq(vcpu_run_once(&f.vcpu), 0);
	ck_assert_uint_eq(f.vcpu.run->exit_reason, KVM_EXIT_MMIO);
	ck_assert_uint_eq(f.vcpu.run->mmio.phys_addr, REPORT_ADDR);
	ck_assert_int_eq(vcpu_handle_exit(&f.vcpu), RESUME_GUEST);
	ck_assert_int_eq(vcpu_run_once(&f.vcpu), 0);
	ck_assert_uint_eq(f.vcpu.run->exit_reason, KVM_EXIT_SYSTEM_EVENT);
	ck_assert_uint_eq(f.vcpu.run->system_event.type, KVM_SYSTEM_EVENT_SHUTDOWN);
	ck_assert_int_eq(vcpu_handle_exit(&f.vcpu), GUEST_FINISHED);
	uint32_t version = (uint32_t)f.vm.last_report;
	ck_assert_msg(version >= 0x2 && version != 0xffffffff, "PSCI version 0x%x", version);
	const uint32_t *stored = guest_ptr(&f.vm, RESULT_ADDR, sizeof(uint32_t));
	ck_assert_uint_eq(*stored, version);
	ck_assert_uint_eq(reg(&f, REG_X(0)), (uint64_t)PSCI_RET_INTERNAL_FAILURE);
	finish(&f);
}
END_TEST

START_TEST(reset_ends_the_run_as_a_reset)
{
	struct fixture f;

	start_guest(&f, "reset.bin", boot_vcpu);
	ck_assert_int_eq(run_to_end(&f), RUN_FINISHED);
	ck_assert_uint_eq(f.vcpu.run->system_event.type, KVM_SYSTEM_EVENT_RESET);
	ck_assert_str_eq(output_of(&f.vm, &f.c), "resetting\n");
	finish(&f);
}
END_TEST

START_TEST(unbacked_addresses_are_mmio_exits_reported_once_each)
{
	struct fixture f;

	start_guest(&f, "unbacked.bin", boot_vcpu);
	ck_assert_int_eq(vcpu_run_once(&f.vcpu), 0);
	ck_assert_uint_eq(f.vcpu.run->exit_reason, KVM_EXIT_MMIO);
	ck_assert_uint_eq(f.vcpu.run->mmio.phys_addr, 0x10000000);
	ck_assert_uint_eq(f.vcpu.run->mmio.len, 4);
	ck_assert(!f.vcpu.run->mmio.is_write);
	ck_assert_int_eq(vcpu_handle_exit(&f.vcpu), RESUME_GUEST);
	ck_assert_int_eq(run_to_end(&f), RUN_FINISHED);
	ck_assert_uint_eq(f.vm.mmio_reports, 2); /* two addresses */
	ck_assert_str_eq(log_of(&f.vm, &f.c),
			 "vmm: the guest read from guest physical 0x10000000, where there is no "
			 "memory and no device: reads give all ones, writes are dropped (said "
			 "once per address)\n"
			 "vmm: the guest wrote to guest physical 0x10000008, where there is no "
			 "memory and no device: reads give all ones, writes are dropped (said "
			 "once per address)\n");
	ck_assert_str_eq(output_of(&f.vm, &f.c), "carried on after touching nothing\n");
	const uint32_t *result = guest_ptr(&f.vm, RESULT_ADDR, sizeof(uint32_t));
	ck_assert_uint_eq(*result, 0xffffffff);
	finish(&f);
}
END_TEST

START_TEST(echo_reads_a_line_from_the_uart_and_writes_it_back)
{
	struct fixture f;
	int fds[2];

	start_guest(&f, "echo.bin", boot_vcpu);
	ck_assert_int_eq(pipe(fds), 0);
	ck_assert_int_eq(write(fds[1], "arm64 here\nrest", 15), 15);
	ck_assert_msg(serial_start_input(&f.vm, fds[0]) == 0, "%s", f.vm.error);
	ck_assert_msg(vcpu_set_timeout(&f.vcpu, 20) == 0, "%s", f.vm.error);
	ck_assert_int_eq(run_to_end(&f), RUN_FINISHED);
	ck_assert_str_eq(output_of(&f.vm, &f.c), "type a line: you typed: arm64 here\n"
						 "guest reported 10 (0xa)\n");
	ck_assert_uint_eq(f.vm.last_report, 10);
	ck_assert_str_eq(guest_ptr(&f.vm, RESULT_ADDR, 11), "arm64 here");
	ck_assert_uint_eq(f.vm.uart0.uart.lcr_h & PL011_LCR_H_FEN, PL011_LCR_H_FEN);
	finish(&f); /* ends the input thread, which reads fds[0]: close it after */
	close(fds[0]);
	close(fds[1]);
}
END_TEST

/* What a load pair from a device becomes: KVM_EXIT_ARM_NISV (or ENOSYS on old kernels). */
START_TEST(pair_load_from_a_device_is_undecodable)
{
	struct fixture f;

	start_guest(&f, "pair.bin", boot_vcpu);
	enum run_outcome outcome = run_to_end(&f);
	if (kvm_capability(&f.vm, KVM_CAP_ARM_NISV_TO_USER)) {
		ck_assert_int_eq(outcome, RUN_GUEST_ERROR);
		ck_assert_uint_eq(f.vcpu.run->exit_reason, KVM_EXIT_ARM_NISV);
		ck_assert_uint_eq(f.vcpu.run->arm_nisv.fault_ipa, PL011_BASE + PL011_FR);
	} else {
		ck_assert_int_eq(outcome, RUN_HOST_ERROR);
	}
	ck_assert_ptr_nonnull(strstr(f.vm.error, "cannot decode"));
	ck_assert_uint_eq(reg(&f, REG_PC), GUEST_LOAD_ADDR + 4); /* on the ldp */
	ck_assert_uint_eq(f.vm.reports, 0);
	finish(&f);
}
END_TEST

/*
 * A load from beyond the guest's physical address space never exits: the abort
 * is the guest's, and with no vector table it loops at VBAR_EL1 + 0x200. Only
 * the timeout ends it; the diagnostic explains.
 */
START_TEST(fault_loops_at_the_vector_until_the_timeout)
{
	struct fixture f;

	start_guest(&f, "fault.bin", boot_vcpu);
	ck_assert_msg(vcpu_set_timeout(&f.vcpu, 1) == 0, "%s", f.vm.error);
	ck_assert_int_eq(run_to_end(&f), RUN_TIMED_OUT);
	ck_assert(f.vcpu.timed_out);
	ck_assert_ptr_nonnull(strstr(f.vm.error, "still running after 1 s (--timeout)"));
	ck_assert_uint_eq(f.vm.reports, 0);
	ck_assert_uint_eq(f.vm.mmio_reports, 0);
	uint64_t vbar = reg(&f, REG_VBAR_EL1);
	ck_assert_uint_eq(reg(&f, REG_PC), vbar + VECTOR_SYNC_EL1H);
	ck_assert_uint_eq(reg(&f, REG_X(0)), 0xbad);
	unsigned ec = (reg(&f, REG_ESR_EL1) >> ESR_EC_SHIFT) & ESR_EC_MASK;
	ck_assert_msg(ec == ESR_EC_IABT_CUR || ec == ESR_EC_DABT_CUR, "EC 0x%x", ec);
	char *dump = dump_of(&f.vcpu);
	ck_assert_ptr_nonnull(strstr(dump, "when the timeout stopped it"));
	ck_assert_ptr_nonnull(strstr(dump, "no vector table"));
	ck_assert_ptr_nonnull(strstr(dump, "x0=0x0000000000000bad"));
	free(dump);
	finish(&f);
}
END_TEST

START_TEST(diagnostic_shows_pc_registers_and_code)
{
	struct fixture f;

	start_guest(&f, "pair.bin", boot_vcpu);
	run_to_end(&f);
	char *dump = dump_of(&f.vcpu);
	ck_assert_ptr_nonnull(strstr(dump, "pc=0x0000000040000004"));
	ck_assert_ptr_nonnull(strstr(dump, "pstate=0x000003c5 (EL1h, DAIF masked)"));
	ck_assert_ptr_nonnull(strstr(dump, "x1=0x0000000009000000"));
	ck_assert_ptr_nonnull(strstr(dump, "esr_el1=UNKNOWN (no exception since reset)"));
	/* ldp w2, w3, [x1, #24] is 0x29430c22, then mov x1, #0x9010000 */
	ck_assert_ptr_nonnull(strstr(dump, "code at 0x40000004: 29430c22 d2a12021"));
	free(dump);
	finish(&f);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("stage08-arm64 guests");
	TCase *guests = tcase_create("guests");
	TCase *faults = tcase_create("faults");

	tcase_set_timeout(guests, 30);
	tcase_add_kvm_test(guests, a_vcpu_is_unusable_until_vcpu_init);
	tcase_add_kvm_test(guests, vcpu_starts_at_el1h_at_the_load_address);
	tcase_add_kvm_test(guests, hello_first_polls_uartfr_then_stores_H_to_uartdr);
	tcase_add_kvm_test(guests, hello_prints_its_line_and_powers_off);
	tcase_add_kvm_test(guests, compute_proves_fib90_in_x0_memory_report_and_output);
	tcase_add_kvm_test(guests, poweroff_asks_the_psci_version_then_powers_off);
	tcase_add_kvm_test(guests, reset_ends_the_run_as_a_reset);
	tcase_add_kvm_test(guests, unbacked_addresses_are_mmio_exits_reported_once_each);
	tcase_add_kvm_test(guests, echo_reads_a_line_from_the_uart_and_writes_it_back);
	suite_add_tcase(s, guests);
	tcase_set_timeout(faults, 30);
	tcase_add_kvm_test(faults, pair_load_from_a_device_is_undecodable);
	tcase_add_kvm_test(faults, fault_loops_at_the_vector_until_the_timeout);
	tcase_add_kvm_test(faults, diagnostic_shows_pc_registers_and_code);
	suite_add_tcase(s, faults);
	return run_suite(s);
}
