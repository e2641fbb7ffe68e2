/*
 * stage08-arm64's exit handling, driven with kvm_run records of the test's own
 * making: every MMIO case, system events, the exits it does not handle, and the
 * register ids. No /dev/kvm needed.
 */
#include "kvm_check.h"
#include "vmm.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A VM with no KVM behind it, its output and the VMM's notes kept in memory. */
struct fake {
	struct vm vm;
	struct vcpu vcpu;
	uint64_t page[512]; /* the kvm_run record: 4 KiB, aligned as the kernel's is */
	char *output, *notes;
	size_t output_len, notes_len;
};

static struct fake f;

static void setup(void)
{
	memset(&f, 0, sizeof(f));
	vm_init(&f.vm);
	f.vm.console = open_memstream(&f.output, &f.output_len);
	f.vm.log = open_memstream(&f.notes, &f.notes_len);
	ck_assert_ptr_nonnull(f.vm.console);
	ck_assert_ptr_nonnull(f.vm.log);
	f.vcpu.vm = &f.vm;
	f.vcpu.fd = -1;
	f.vcpu.run = (struct kvm_run *)f.page;
	f.vcpu.run_size = sizeof(f.page);
}

static void teardown(void)
{
	fclose(f.vm.console);
	fclose(f.vm.log);
	free(f.output);
	free(f.notes);
}

/* An MMIO exit; for a read, data is what the buffer held before (it must be overwritten). */
static struct kvm_run *mmio(uint64_t addr, uint32_t len, bool is_write, uint64_t data)
{
	struct kvm_run *run = f.vcpu.run;

	run->exit_reason = KVM_EXIT_MMIO;
	run->mmio.phys_addr = addr;
	run->mmio.len = len;
	run->mmio.is_write = is_write;
	memcpy(run->mmio.data, &data, sizeof(run->mmio.data)); /* aarch64 is little-endian */
	return run;
}

static uint64_t mmio_data(void)
{
	uint64_t value;

	memcpy(&value, f.vcpu.run->mmio.data, sizeof(value));
	return value;
}

static const char *notes(void)
{
	fflush(f.vm.log);
	return f.notes ? f.notes : "";
}

static const char *output(void)
{
	fflush(f.vm.console);
	return f.output ? f.output : "";
}

static unsigned count_lines(const char *text)
{
	unsigned n = 0;

	for (; *text; text++)
		n += *text == '\n';
	return n;
}

START_TEST(a_byte_stored_to_uartdr_is_printed)
{
	mmio(PL011_BASE + PL011_DR, 1, true, 'H');
	ck_assert_int_eq(vcpu_handle_exit(&f.vcpu), RESUME_GUEST);
	mmio(PL011_BASE + PL011_DR, 4, true, 0x100 | 'i'); /* a 32-bit store: its low byte */
	ck_assert_int_eq(vcpu_handle_exit(&f.vcpu), RESUME_GUEST);
	ck_assert_str_eq(output(), "Hi");
	ck_assert_str_eq(notes(), "");
}
END_TEST

START_TEST(a_load_from_uartfr_gets_the_flags_in_every_byte_it_asked_for)
{
	mmio(PL011_BASE + PL011_FR, 4, false, UINT64_MAX);
	ck_assert_int_eq(vcpu_handle_exit(&f.vcpu), RESUME_GUEST);
	ck_assert_uint_eq(mmio_data() & 0xffffffff, PL011_FR_TXFE | PL011_FR_RXFE);
	ck_assert_uint_eq(mmio_data() >> 32, 0xffffffff); /* beyond len: untouched */
	mmio(PL011_BASE + PL011_FR, 1, false, 0);
	ck_assert_int_eq(vcpu_handle_exit(&f.vcpu), RESUME_GUEST);
	ck_assert_uint_eq(mmio_data(), PL011_FR_TXFE | PL011_FR_RXFE);
}
END_TEST

/* Host input waits in the ring until the guest asserts RTS, then follows as it reads. */
START_TEST(host_input_arrives_once_the_guest_asserts_rts)
{
	ck_assert(serial_feed(&f.vm, (const uint8_t *)"ok", 2));
	mmio(PL011_BASE + PL011_FR, 4, false, 0);
	ck_assert_int_eq(vcpu_handle_exit(&f.vcpu), RESUME_GUEST);
	ck_assert_uint_eq(mmio_data(), PL011_FR_TXFE | PL011_FR_RXFE); /* no RTS: nothing yet */
	mmio(PL011_BASE + PL011_CR, 4, true, PL011_CR_RESET | PL011_CR_UARTEN | PL011_CR_RTS);
	ck_assert_int_eq(vcpu_handle_exit(&f.vcpu), RESUME_GUEST);
	mmio(PL011_BASE + PL011_FR, 4, false, 0);
	ck_assert_int_eq(vcpu_handle_exit(&f.vcpu), RESUME_GUEST);
	/* FIFOs off after reset: one byte taken, the receiver is full. */
	ck_assert_uint_eq(mmio_data(), PL011_FR_TXFE | PL011_FR_RXFF);
	mmio(PL011_BASE + PL011_DR, 4, false, 0);
	ck_assert_int_eq(vcpu_handle_exit(&f.vcpu), RESUME_GUEST);
	ck_assert_uint_eq(mmio_data(), 'o');
	mmio(PL011_BASE + PL011_DR, 4, false, 0);
	ck_assert_int_eq(vcpu_handle_exit(&f.vcpu), RESUME_GUEST);
	ck_assert_uint_eq(mmio_data(), 'k');
	mmio(PL011_BASE + PL011_FR, 4, false, 0);
	ck_assert_int_eq(vcpu_handle_exit(&f.vcpu), RESUME_GUEST);
	ck_assert_uint_eq(mmio_data(), PL011_FR_TXFE | PL011_FR_RXFE);
}
END_TEST

/* With RTS dropped, what is left in the ring stays there: the FIFO gets no more. */
START_TEST(dropping_rts_holds_the_rest_back)
{
	mmio(PL011_BASE + PL011_CR, 4, true, PL011_CR_RESET | PL011_CR_UARTEN | PL011_CR_RTS);
	ck_assert_int_eq(vcpu_handle_exit(&f.vcpu), RESUME_GUEST);
	ck_assert(serial_feed(&f.vm, (const uint8_t *)"ab", 2));
	mmio(PL011_BASE + PL011_CR, 4, true, PL011_CR_RESET | PL011_CR_UARTEN); /* RTS off */
	ck_assert_int_eq(vcpu_handle_exit(&f.vcpu), RESUME_GUEST);
	mmio(PL011_BASE + PL011_DR, 4, false, 0);
	ck_assert_int_eq(vcpu_handle_exit(&f.vcpu), RESUME_GUEST);
	ck_assert_uint_eq(mmio_data(), 'a'); /* it was in the one-byte FIFO already */
	mmio(PL011_BASE + PL011_FR, 4, false, 0);
	ck_assert_int_eq(vcpu_handle_exit(&f.vcpu), RESUME_GUEST);
	ck_assert_uint_eq(mmio_data(), PL011_FR_TXFE | PL011_FR_RXFE); /* 'b' waits */
	ck_assert_uint_eq(f.vm.uart0.input_count, 1);
}
END_TEST

START_TEST(mmio_lengths_over_8_are_refused)
{
	mmio(PL011_BASE, 9, true, 'x');
	ck_assert_int_eq(vcpu_handle_exit(&f.vcpu), STOP_WITH_ERROR);
	ck_assert_ptr_nonnull(strstr(f.vm.error, "length 9 is more than 8 bytes"));
	mmio(0x10000000, 0xffffffff, false, 0);
	ck_assert_int_eq(vcpu_handle_exit(&f.vcpu), STOP_WITH_ERROR);
	ck_assert_str_eq(output(), "");
}
END_TEST

START_TEST(a_read_from_nothing_gives_all_ones_and_is_reported_once)
{
	mmio(0x10000000, 8, false, 0);
	ck_assert_int_eq(vcpu_handle_exit(&f.vcpu), RESUME_GUEST);
	ck_assert_uint_eq(mmio_data(), UINT64_MAX);
	mmio(0x10000000, 4, false, 0);
	ck_assert_int_eq(vcpu_handle_exit(&f.vcpu), RESUME_GUEST);
	ck_assert_uint_eq(mmio_data(), 0xffffffff); /* beyond len: untouched */
	ck_assert_str_eq(notes(), "vmm: the guest read from guest physical 0x10000000, where there "
				  "is no memory and no device: reads give all ones, writes are "
				  "dropped (said once per address)\n");
	ck_assert_uint_eq(f.vm.mmio_reports, 1);
}
END_TEST

START_TEST(a_write_to_nothing_is_reported)
{
	mmio(0x10000008, 4, true, 0x1234);
	ck_assert_int_eq(vcpu_handle_exit(&f.vcpu), RESUME_GUEST);
	ck_assert_str_eq(notes(), "vmm: the guest wrote to guest physical 0x10000008, where there "
				  "is no memory and no device: reads give all ones, writes are "
				  "dropped (said once per address)\n");
}
END_TEST

START_TEST(only_the_first_addresses_are_reported)
{
	for (unsigned i = 0; i < MMIO_REPORTED_MAX + 4; i++) {
		mmio(0x20000000 + 8 * i, 8, false, 0);
		ck_assert_int_eq(vcpu_handle_exit(&f.vcpu), RESUME_GUEST);
	}
	mmio(0x20000000, 8, false, 0); /* the first again */
	ck_assert_int_eq(vcpu_handle_exit(&f.vcpu), RESUME_GUEST);
	ck_assert_uint_eq(count_lines(notes()), MMIO_REPORTED_MAX + 1); /* and "no more" */
	ck_assert_ptr_nonnull(strstr(notes(), "no more are reported"));
}
END_TEST

START_TEST(uart_accesses_that_are_not_a_whole_register_are_reported)
{
	mmio(PL011_BASE + 1, 1, true, 'x');
	ck_assert_int_eq(vcpu_handle_exit(&f.vcpu), RESUME_GUEST);
	mmio(PL011_BASE + PL011_FR, 8, false, 0);
	ck_assert_int_eq(vcpu_handle_exit(&f.vcpu), RESUME_GUEST);
	ck_assert_uint_eq(mmio_data(), UINT64_MAX);
	ck_assert_str_eq(output(), "");
	ck_assert_ptr_nonnull(strstr(notes(),
				     "wrote to guest physical 0x9000001, where there is no "
				     "PL011 register for that access"));
	ck_assert_ptr_nonnull(strstr(notes(), "read from guest physical 0x9000018, where there is "
					      "no PL011 register for that access"));
}
END_TEST

START_TEST(uart_registers_that_do_not_exist_or_are_read_only_are_reported)
{
	mmio(PL011_BASE + PL011_FR, 4, true, 0);
	ck_assert_int_eq(vcpu_handle_exit(&f.vcpu), RESUME_GUEST);
	mmio(PL011_BASE + 0x800, 4, false, 0);
	ck_assert_int_eq(vcpu_handle_exit(&f.vcpu), RESUME_GUEST);
	ck_assert_uint_eq(mmio_data(), 0xffffffff);
	ck_assert_ptr_nonnull(strstr(notes(),
				     "wrote to guest physical 0x9000018, where there is no "
				     "PL011 register"));
	ck_assert_ptr_nonnull(strstr(notes(), "read from guest physical 0x9000800, where there is "
					      "no PL011 register"));
}
END_TEST

START_TEST(an_access_across_the_end_of_the_uart_is_no_register)
{
	mmio(PL011_BASE + PL011_SIZE - 4, 8, false, 0);
	ck_assert_int_eq(vcpu_handle_exit(&f.vcpu), RESUME_GUEST);
	ck_assert_uint_eq(mmio_data(), UINT64_MAX);
	ck_assert_ptr_nonnull(strstr(notes(), "0x9000ffc, where there is no PL011 register"));
	mmio(UINT64_MAX - 3, 8, false, 0); /* wraps around the address space */
	ck_assert_int_eq(vcpu_handle_exit(&f.vcpu), RESUME_GUEST);
	ck_assert_uint_eq(f.vm.mmio_reports, 2);
}
END_TEST

START_TEST(the_report_register_records_and_prints_the_value)
{
	mmio(REPORT_ADDR, 8, true, 2880067194370816120ull);
	ck_assert_int_eq(vcpu_handle_exit(&f.vcpu), RESUME_GUEST);
	ck_assert_uint_eq(f.vm.reports, 1);
	ck_assert_uint_eq(f.vm.last_report, 2880067194370816120ull);
	ck_assert_str_eq(output(), "guest reported 2880067194370816120 (0x27f80ddaa1ba7878)\n");
	mmio(REPORT_ADDR, 8, false, 0);
	ck_assert_int_eq(vcpu_handle_exit(&f.vcpu), RESUME_GUEST);
	ck_assert_uint_eq(mmio_data(), 2880067194370816120ull); /* it reads back */
	mmio(REPORT_ADDR + 4, 4, true, 1);
	ck_assert_int_eq(vcpu_handle_exit(&f.vcpu), RESUME_GUEST);
	ck_assert_uint_eq(f.vm.reports, 1);
	ck_assert_ptr_nonnull(
	    strstr(notes(), "guest physical 0x9010004, where there is no memory"));
}
END_TEST

static enum after_exit system_event(uint32_t type)
{
	f.vcpu.run->exit_reason = KVM_EXIT_SYSTEM_EVENT;
	f.vcpu.run->system_event.type = type;
	return vcpu_handle_exit(&f.vcpu);
}

START_TEST(power_off_and_reset_end_the_run_other_events_fail)
{
	ck_assert_int_eq(system_event(KVM_SYSTEM_EVENT_SHUTDOWN), GUEST_FINISHED);
	ck_assert_int_eq(system_event(KVM_SYSTEM_EVENT_RESET), GUEST_FINISHED);
	ck_assert_int_eq(system_event(KVM_SYSTEM_EVENT_CRASH), STOP_WITH_ERROR);
	ck_assert_ptr_nonnull(strstr(f.vm.error, "KVM_SYSTEM_EVENT_CRASH (3)"));
	ck_assert_int_eq(system_event(99), STOP_WITH_ERROR);
	ck_assert_ptr_nonnull(strstr(f.vm.error, "unknown"));
}
END_TEST

START_TEST(an_unexpected_exit_is_named)
{
	f.vcpu.run->exit_reason = KVM_EXIT_HLT;
	ck_assert_int_eq(vcpu_handle_exit(&f.vcpu), STOP_WITH_ERROR);
	ck_assert_str_eq(f.vm.error,
			 "unexpected exit KVM_EXIT_HLT (5): this VMM never asks for it");
	f.vcpu.run->exit_reason = KVM_EXIT_IO; /* arm64 has no port I/O */
	ck_assert_int_eq(vcpu_handle_exit(&f.vcpu), STOP_WITH_ERROR);
	ck_assert_str_eq(f.vm.error, "unexpected exit KVM_EXIT_IO (2): this VMM never asks for it");
}
END_TEST

START_TEST(an_undecodable_access_names_its_address)
{
	f.vcpu.run->exit_reason = KVM_EXIT_ARM_NISV;
	f.vcpu.run->arm_nisv.fault_ipa = 0x09000018;
	ck_assert_int_eq(vcpu_handle_exit(&f.vcpu), STOP_WITH_ERROR);
	ck_assert_ptr_nonnull(strstr(f.vm.error, "0x09000018"));
	ck_assert_ptr_nonnull(strstr(f.vm.error, "KVM_EXIT_ARM_NISV"));
}
END_TEST

START_TEST(every_exit_reason_has_its_name)
{
	ck_assert_str_eq(exit_reason_name(KVM_EXIT_MMIO), "KVM_EXIT_MMIO");
	ck_assert_str_eq(exit_reason_name(KVM_EXIT_SYSTEM_EVENT), "KVM_EXIT_SYSTEM_EVENT");
	ck_assert_str_eq(exit_reason_name(KVM_EXIT_ARM_NISV), "KVM_EXIT_ARM_NISV");
	ck_assert_str_eq(exit_reason_name(KVM_EXIT_NOTIFY), "KVM_EXIT_NOTIFY");
	for (uint32_t reason = 0; reason <= KVM_EXIT_NOTIFY; reason++)
		ck_assert_msg(strncmp(exit_reason_name(reason), "KVM_EXIT_", 9) == 0,
			      "exit %u has no name", reason);
	ck_assert_ptr_nonnull(strstr(exit_reason_name(1000), "unknown"));
	ck_assert_str_eq(system_event_name(KVM_SYSTEM_EVENT_RESET), "KVM_SYSTEM_EVENT_RESET");
}
END_TEST

START_TEST(the_trace_shows_the_access)
{
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	trace_exit(out, &f.vcpu); /* after setup: exit reason 0 */
	trace_exit(out, &(struct vcpu){.run = mmio(PL011_BASE, 1, true, 'H')});
	trace_exit(out, &(struct vcpu){.run = mmio(REPORT_ADDR, 8, true, 0x1122334455667788)});
	trace_exit(out, &(struct vcpu){.run = mmio(PL011_BASE + PL011_FR, 4, false, 0)});
	f.vcpu.run->exit_reason = KVM_EXIT_SYSTEM_EVENT;
	f.vcpu.run->system_event.type = KVM_SYSTEM_EVENT_SHUTDOWN;
	trace_exit(out, &f.vcpu);
	fclose(out);
	ck_assert_str_eq(text, "vCPU 0: exit KVM_EXIT_UNKNOWN\n"
			       "vCPU 0: exit KVM_EXIT_MMIO write addr=0x9000000 len=1 value=0x48\n"
			       "vCPU 0: exit KVM_EXIT_MMIO write addr=0x9010000 len=8 "
			       "value=0x1122334455667788\n"
			       "vCPU 0: exit KVM_EXIT_MMIO read addr=0x9000018 len=4\n"
			       "vCPU 0: exit KVM_EXIT_SYSTEM_EVENT KVM_SYSTEM_EVENT_SHUTDOWN\n");
	free(text);
}
END_TEST

/* The ids KVM documents, worked out by hand: api.rst, "KVM_SET_ONE_REG", arm64. */
START_TEST(register_ids_are_put_together_as_kvm_documents)
{
	/* 0x6030 0000 0010 ...: arm64, 64 bits, core group; then the offset in 32-bit words. */
	ck_assert_uint_eq(REG_X(0), 0x6030000000100000);
	ck_assert_uint_eq(REG_X(1), 0x6030000000100002);
	ck_assert_uint_eq(REG_X(30), 0x603000000010003c);
	ck_assert_uint_eq(REG_SP_EL0, 0x603000000010003e);
	ck_assert_uint_eq(REG_PC, 0x6030000000100040);
	ck_assert_uint_eq(REG_PSTATE, 0x6030000000100042);
	ck_assert_uint_eq(REG_SP_EL1, 0x6030000000100044);
	ck_assert_uint_eq(REG_ELR_EL1, 0x6030000000100046);
	/* The same, from the kernel header's own helper. */
	ck_assert_uint_eq(REG_PC, KVM_REG_ARM64 | KVM_REG_SIZE_U64 | KVM_REG_ARM_CORE |
				      KVM_REG_ARM_CORE_REG(regs.pc));
	/* System registers: 0x6030 0000 0013, then op0:op1:CRn:CRm:op2. */
	ck_assert_uint_eq(REG_ESR_EL1, 0x603000000013c290);
	ck_assert_uint_eq(REG_ESR_EL1, ARM64_SYS_REG(3, 0, 5, 2, 0));
	ck_assert_uint_eq(REG_FAR_EL1, ARM64_SYS_REG(3, 0, 6, 0, 0));
	ck_assert_uint_eq(REG_VBAR_EL1, ARM64_SYS_REG(3, 0, 12, 0, 0));
	ck_assert_uint_eq(REG_SCTLR_EL1, ARM64_SYS_REG(3, 0, 1, 0, 0));
	ck_assert_uint_eq(REG_MPIDR_EL1, ARM64_SYS_REG(3, 0, 0, 0, 5));
}
END_TEST

START_TEST(pstate_el1h_with_daif_masked_is_0x3c5)
{
	ck_assert_uint_eq(PSTATE_M_EL1H | PSTATE_DAIF, 0x3c5);
	ck_assert_uint_eq(PSTATE_M_EL1H | PSTATE_DAIF,
			  PSR_MODE_EL1h | PSR_D_BIT | PSR_A_BIT | PSR_I_BIT | PSR_F_BIT);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("stage08-arm64 exit handling");
	TCase *mmio_tc = tcase_create("MMIO");
	TCase *other = tcase_create("other exits");

	tcase_add_checked_fixture(mmio_tc, setup, teardown);
	tcase_add_test(mmio_tc, a_byte_stored_to_uartdr_is_printed);
	tcase_add_test(mmio_tc, a_load_from_uartfr_gets_the_flags_in_every_byte_it_asked_for);
	tcase_add_test(mmio_tc, host_input_arrives_once_the_guest_asserts_rts);
	tcase_add_test(mmio_tc, dropping_rts_holds_the_rest_back);
	tcase_add_test(mmio_tc, mmio_lengths_over_8_are_refused);
	tcase_add_test(mmio_tc, a_read_from_nothing_gives_all_ones_and_is_reported_once);
	tcase_add_test(mmio_tc, a_write_to_nothing_is_reported);
	tcase_add_test(mmio_tc, only_the_first_addresses_are_reported);
	tcase_add_test(mmio_tc, uart_accesses_that_are_not_a_whole_register_are_reported);
	tcase_add_test(mmio_tc, uart_registers_that_do_not_exist_or_are_read_only_are_reported);
	tcase_add_test(mmio_tc, an_access_across_the_end_of_the_uart_is_no_register);
	tcase_add_test(mmio_tc, the_report_register_records_and_prints_the_value);
	suite_add_tcase(s, mmio_tc);
	tcase_add_checked_fixture(other, setup, teardown);
	tcase_add_test(other, power_off_and_reset_end_the_run_other_events_fail);
	tcase_add_test(other, an_unexpected_exit_is_named);
	tcase_add_test(other, an_undecodable_access_names_its_address);
	tcase_add_test(other, every_exit_reason_has_its_name);
	tcase_add_test(other, the_trace_shows_the_access);
	tcase_add_test(other, register_ids_are_put_together_as_kvm_documents);
	tcase_add_test(other, pstate_el1h_with_daif_masked_is_0x3c5);
	suite_add_tcase(s, other);
	return run_suite(s);
}
