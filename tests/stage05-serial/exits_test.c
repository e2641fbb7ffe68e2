/*
 * stage05-serial: exit handling a reader can trust. Every exit reason has a
 * name; the ones that end the run say why in one sentence; ports and memory
 * with nothing behind them read all ones and are reported once, not in a
 * flood. Driven with exits of the test's own making: no /dev/kvm needed.
 */
#include "guest_fixture.h"
#include "kvm_check.h"

#include <stdlib.h>
#include <string.h>

/* A fake exit whose VMM remarks (vm->log) are kept in memory too. */
struct logged {
	struct fake_exit f;
	char *log;
	size_t log_len;
};

static struct kvm_run *logged_io(struct logged *l, uint8_t direction, uint16_t port, uint8_t size,
				 uint32_t count)
{
	struct kvm_run *run = fake_io(&l->f, direction, port, size, count);

	l->log = NULL;
	l->f.vm.log = open_memstream(&l->log, &l->log_len);
	ck_assert_ptr_nonnull(l->f.vm.log);
	return run;
}

/* The same exit again, as the guest would make it. */
static enum exit_action again(struct logged *l, uint8_t direction, uint16_t port)
{
	struct kvm_run *run = l->f.vcpu.run;

	run->exit_reason = KVM_EXIT_IO;
	run->io.direction = direction;
	run->io.port = port;
	return vcpu_handle_exit(&l->f.vcpu);
}

static const char *log_of(struct logged *l)
{
	fflush(l->f.vm.log);
	return l->log ? l->log : "";
}

static void logged_finish(struct logged *l)
{
	fclose(l->f.vm.log);
	free(l->log);
	fake_finish(&l->f);
}

static unsigned count_lines(const char *text)
{
	unsigned n = 0;

	for (; *text; text++)
		n += *text == '\n';
	return n;
}

/* An exit of any reason, for the handlers that only read kvm_run. */
static struct kvm_run *fake_exit_of(struct fake_exit *f, uint32_t reason)
{
	struct kvm_run *run = fake_io(f, KVM_EXIT_IO_OUT, 0, 1, 1);

	run->exit_reason = reason;
	return run;
}

START_TEST(every_exit_reason_in_the_headers_has_a_name)
{
	for (uint32_t reason = 0; reason <= KVM_EXIT_NOTIFY; reason++)
		ck_assert_msg(strncmp(exit_reason_name(reason), "KVM_EXIT_", 9) == 0,
			      "exit reason %u has no name", reason);
	ck_assert_str_eq(exit_reason_name(KVM_EXIT_MMIO), "KVM_EXIT_MMIO");
	ck_assert_str_eq(exit_reason_name(1000), "an exit reason unknown to these headers");
}
END_TEST

START_TEST(exit_port_ends_the_run_with_the_byte_written)
{
	struct fake_exit f;
	struct kvm_run *run = fake_io(&f, KVM_EXIT_IO_OUT, PORT_EXIT, 1, 1);

	f.page[run->io.data_offset] = 42;
	ck_assert_int_eq(vcpu_handle_exit(&f.vcpu), EXIT_DONE);
	ck_assert(f.vm.exited);
	ck_assert_uint_eq(f.vm.exit_status, 42);
	fake_finish(&f);
}
END_TEST

START_TEST(unknown_port_reads_all_ones_and_is_reported_once)
{
	struct logged l;
	struct kvm_run *run = logged_io(&l, KVM_EXIT_IO_IN, 0x2fd, 4, 2);
	uint8_t *data = l.f.page + run->io.data_offset;

	ck_assert_int_eq(vcpu_handle_exit(&l.f.vcpu), EXIT_CONTINUE);
	for (int i = 0; i < 8; i++)
		ck_assert_uint_eq(data[i], 0xff);
	ck_assert_uint_eq(data[8], 0);
	ck_assert_str_eq(log_of(&l), "vmm: the guest read from I/O port 0x2fd, where this VMM has "
				     "no device: reads give all ones, writes are dropped (said "
				     "once per port)\n");
	for (int i = 0; i < 100; i++) {
		ck_assert_int_eq(again(&l, KVM_EXIT_IO_IN, 0x2fd), EXIT_CONTINUE);
		ck_assert_int_eq(again(&l, KVM_EXIT_IO_OUT, 0x2fd), EXIT_CONTINUE);
	}
	ck_assert_uint_eq(count_lines(log_of(&l)), 1);
	ck_assert_int_eq(again(&l, KVM_EXIT_IO_OUT, 0x2fe), EXIT_CONTINUE);
	ck_assert_int_eq(again(&l, KVM_EXIT_IO_OUT, 0xffff), EXIT_CONTINUE);
	ck_assert_uint_eq(count_lines(log_of(&l)), 3);
	ck_assert_ptr_nonnull(strstr(log_of(&l), "wrote to I/O port 0xffff"));
	logged_finish(&l);
}
END_TEST

static struct kvm_run *mmio(struct logged *l, uint64_t addr, uint32_t len, bool write)
{
	struct kvm_run *run = l->f.vcpu.run;

	run->exit_reason = KVM_EXIT_MMIO;
	run->mmio.phys_addr = addr;
	run->mmio.len = len;
	run->mmio.is_write = write;
	memset(run->mmio.data, 0x11, sizeof(run->mmio.data));
	return run;
}

START_TEST(unknown_mmio_reads_all_ones_and_is_reported_once)
{
	struct logged l;

	logged_io(&l, KVM_EXIT_IO_IN, 0, 1, 1);
	struct kvm_run *run = mmio(&l, 0xfee00000, 4, false);
	ck_assert_int_eq(vcpu_handle_exit(&l.f.vcpu), EXIT_CONTINUE);
	ck_assert_mem_eq(run->mmio.data, "\xff\xff\xff\xff\x11", 5);
	ck_assert_str_eq(log_of(&l), "vmm: the guest read from guest physical 0xfee00000, where "
				     "there is no memory and no device: reads give all ones, "
				     "writes are dropped (said once per address)\n");
	mmio(&l, 0xfee00000, 8, true);
	ck_assert_int_eq(vcpu_handle_exit(&l.f.vcpu), EXIT_CONTINUE);
	ck_assert_mem_eq(run->mmio.data, "\x11\x11\x11\x11\x11\x11\x11\x11", 8); /* untouched */
	ck_assert_uint_eq(count_lines(log_of(&l)), 1);
	logged_finish(&l);
}
END_TEST

/* The first MMIO_REPORTED_MAX addresses are named, then one line says no more will be. */
START_TEST(many_mmio_addresses_are_not_a_flood)
{
	struct logged l;

	logged_io(&l, KVM_EXIT_IO_IN, 0, 1, 1);
	for (int round = 0; round < 3; round++)
		for (uint64_t i = 0; i < 1000; i++) {
			mmio(&l, 0x10000000 + 4 * i, 4, false);
			ck_assert_int_eq(vcpu_handle_exit(&l.f.vcpu), EXIT_CONTINUE);
			ck_assert_uint_eq(l.f.vcpu.run->mmio.data[0], 0xff);
		}
	ck_assert_uint_eq(count_lines(log_of(&l)), MMIO_REPORTED_MAX + 1);
	ck_assert_ptr_nonnull(strstr(log_of(&l), "no more are reported"));
	logged_finish(&l);
}
END_TEST

START_TEST(mmio_longer_than_its_data_is_refused)
{
	struct logged l;

	logged_io(&l, KVM_EXIT_IO_IN, 0, 1, 1);
	mmio(&l, 0x300000, 9, false);
	ck_assert_int_eq(vcpu_handle_exit(&l.f.vcpu), EXIT_FAILED);
	ck_assert_ptr_nonnull(strstr(l.f.vm.error, "length 9"));
	logged_finish(&l);
}
END_TEST

START_TEST(internal_error_names_its_suberror_and_data)
{
	struct fake_exit f;
	struct kvm_run *run = fake_exit_of(&f, KVM_EXIT_INTERNAL_ERROR);

	run->internal.suberror = KVM_INTERNAL_ERROR_EMULATION;
	run->internal.ndata = 2;
	run->internal.data[0] = 0x1;
	run->internal.data[1] = 0xcc;
	ck_assert_int_eq(vcpu_handle_exit(&f.vcpu), EXIT_FAILED);
	ck_assert_str_eq(f.vm.error, "KVM_EXIT_INTERNAL_ERROR, suberror 1: KVM had to emulate an "
				     "instruction and could not; data: 0x1 0xcc");
	run->internal.suberror = 99;
	run->internal.ndata = 1000; /* more than there is room for: 16 at most are shown */
	ck_assert_int_eq(vcpu_handle_exit(&f.vcpu), EXIT_FAILED);
	ck_assert_ptr_nonnull(strstr(f.vm.error, "suberror 99: a suberror unknown"));
	fake_finish(&f);
}
END_TEST

START_TEST(fail_entry_gives_the_hardware_reason)
{
	struct fake_exit f;
	struct kvm_run *run = fake_exit_of(&f, KVM_EXIT_FAIL_ENTRY);

	run->fail_entry.hardware_entry_failure_reason = 0x80000021;
	run->fail_entry.cpu = 1;
	ck_assert_int_eq(vcpu_handle_exit(&f.vcpu), EXIT_FAILED);
	ck_assert_ptr_nonnull(strstr(f.vm.error, "KVM_EXIT_FAIL_ENTRY"));
	ck_assert_ptr_nonnull(strstr(f.vm.error, "reason 0x80000021 on host CPU 1"));
	fake_finish(&f);
}
END_TEST

START_TEST(shutdown_unknown_and_system_event_each_say_why)
{
	struct fake_exit f;
	struct kvm_run *run = fake_exit_of(&f, KVM_EXIT_SHUTDOWN);

	ck_assert_int_eq(vcpu_handle_exit(&f.vcpu), EXIT_FAILED);
	ck_assert_ptr_nonnull(strstr(f.vm.error, "triple fault"));
	run->exit_reason = KVM_EXIT_UNKNOWN;
	run->hw.hardware_exit_reason = 0x7b;
	ck_assert_int_eq(vcpu_handle_exit(&f.vcpu), EXIT_FAILED);
	ck_assert_str_eq(f.vm.error, "KVM_EXIT_UNKNOWN: hardware exit reason 0x7b");
	run->exit_reason = KVM_EXIT_SYSTEM_EVENT;
	run->system_event.type = KVM_SYSTEM_EVENT_RESET;
	ck_assert_int_eq(vcpu_handle_exit(&f.vcpu), EXIT_FAILED);
	ck_assert_ptr_nonnull(strstr(f.vm.error, "KVM_EXIT_SYSTEM_EVENT of type 2"));
	fake_finish(&f);
}
END_TEST

/* Every reason this VMM does not handle stops the run with its name; none crashes. */
START_TEST(exits_never_asked_for_are_named)
{
	struct fake_exit f;
	struct kvm_run *run = fake_exit_of(&f, KVM_EXIT_IRQ_WINDOW_OPEN);

	ck_assert_int_eq(vcpu_handle_exit(&f.vcpu), EXIT_FAILED);
	ck_assert_str_eq(f.vm.error, "unexpected exit KVM_EXIT_IRQ_WINDOW_OPEN (7): this VMM "
				     "never asks for it");
	for (uint32_t reason = 0; reason <= KVM_EXIT_NOTIFY + 10; reason++) {
		if (reason == KVM_EXIT_IO || reason == KVM_EXIT_MMIO || reason == KVM_EXIT_HLT)
			continue;
		run->exit_reason = reason;
		ck_assert_int_eq(vcpu_handle_exit(&f.vcpu), EXIT_FAILED);
		ck_assert_uint_gt(strlen(f.vm.error), 0);
	}
	fake_finish(&f);
}
END_TEST

START_TEST(trace_shows_where_an_mmio_access_went)
{
	struct logged l;
	char *text = NULL;
	size_t len = 0;

	logged_io(&l, KVM_EXIT_IO_IN, 0, 1, 1);
	mmio(&l, 0x200000, 4, true);
	FILE *out = open_memstream(&text, &len);
	trace_exit(out, &l.f.vcpu);
	fclose(out);
	ck_assert_str_eq(text, "exit KVM_EXIT_MMIO write addr=0x200000 len=4\n");
	free(text);
	logged_finish(&l);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("stage05-serial exit handling");
	TCase *tc = tcase_create("exits");

	tcase_add_test(tc, every_exit_reason_in_the_headers_has_a_name);
	tcase_add_test(tc, exit_port_ends_the_run_with_the_byte_written);
	tcase_add_test(tc, unknown_port_reads_all_ones_and_is_reported_once);
	tcase_add_test(tc, unknown_mmio_reads_all_ones_and_is_reported_once);
	tcase_add_test(tc, many_mmio_addresses_are_not_a_flood);
	tcase_add_test(tc, mmio_longer_than_its_data_is_refused);
	tcase_add_test(tc, internal_error_names_its_suberror_and_data);
	tcase_add_test(tc, fail_entry_gives_the_hardware_reason);
	tcase_add_test(tc, shutdown_unknown_and_system_event_each_say_why);
	tcase_add_test(tc, exits_never_asked_for_are_named);
	tcase_add_test(tc, trace_shows_where_an_mmio_access_went);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
