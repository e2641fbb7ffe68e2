/*
 * Exit handling a reader can trust, shared by every x86 stage from stage02 on:
 * every exit reason has a name; the ones that end the run say why in one
 * sentence; port I/O data is taken from kvm_run only where it lies inside it;
 * ports and memory with nothing behind them read all ones and are reported
 * once, not in a flood. Driven with exits of the test's own making: no
 * /dev/kvm needed, and any count or size KVM might send can be tried.
 */
#include "guest_fixture.h"
#include "kvm_check.h"
#include "run_vmm.h"

#include <stdlib.h>
#include <string.h>

/* The same exit again, as the guest would make it. */
static enum after_exit again(struct fake_exit *f, uint8_t direction, uint16_t port)
{
	struct kvm_run *run = f->vcpu.run;

	run->exit_reason = KVM_EXIT_IO;
	run->io.direction = direction;
	run->io.port = port;
	return vcpu_handle_exit(&f->vcpu);
}

static const char *log_of_exit(struct fake_exit *f)
{
	return log_of(&f->vm, &f->c);
}

/* An exit of any reason, for the handlers that only read kvm_run. */
static struct kvm_run *fake_exit_of(struct fake_exit *f, uint32_t reason)
{
	struct kvm_run *run = fake_io(f, KVM_EXIT_IO_OUT, 0, 1, 1);

	run->exit_reason = reason;
	return run;
}

/*
 * How many items one KVM exit carries is KVM's choice, so the string I/O cases
 * with count > 1 are checked here, on a kvm_run of the test's own making.
 */
START_TEST(string_out_of_words_writes_every_byte)
{
	struct fake_exit f;
	struct kvm_run *run = fake_io(&f, KVM_EXIT_IO_OUT, PORT_CONSOLE, 2, 3);

	memcpy(f.page + run->io.data_offset, "abcdef", 6);
	ck_assert_int_eq(vcpu_handle_exit(&f.vcpu), RESUME_GUEST);
	ck_assert_str_eq(output_of(&f.vm, &f.c), "abcdef");
	fake_finish(&f);
}
END_TEST

START_TEST(string_in_of_dwords_fills_every_byte)
{
	struct fake_exit f;
	struct kvm_run *run = fake_io(&f, KVM_EXIT_IO_IN, PORT_CONSOLE, 4, 2);

	ck_assert_int_eq(vcpu_handle_exit(&f.vcpu), RESUME_GUEST);
	for (int i = 0; i < 8; i++)
		ck_assert_uint_eq(f.page[run->io.data_offset + i], 0xe9);
	ck_assert_uint_eq(f.page[run->io.data_offset + 8], 0);
	fake_finish(&f);
}
END_TEST

START_TEST(reports_of_several_items_are_each_recorded)
{
	struct fake_exit f;
	struct kvm_run *run = fake_io(&f, KVM_EXIT_IO_OUT, PORT_REPORT, 4, 2);
	uint32_t values[2] = {7, 0x12345678};

	memcpy(f.page + run->io.data_offset, values, sizeof(values));
	ck_assert_int_eq(vcpu_handle_exit(&f.vcpu), RESUME_GUEST);
	ck_assert_uint_eq(f.vm.reports, 2);
	ck_assert_uint_eq(f.vm.last_report, 0x12345678);
	ck_assert_str_eq(output_of(&f.vm, &f.c),
			 "guest reported 7 (0x7)\nguest reported 305419896 (0x12345678)\n");
	fake_finish(&f);
}
END_TEST

/* A count so large that size * count reaches far past the page: nothing is touched. */
START_TEST(io_data_outside_kvm_run_is_refused)
{
	struct fake_exit f;
	struct kvm_run *run = fake_io(&f, KVM_EXIT_IO_IN, PORT_CONSOLE, 4, 0x40000000);

	ck_assert_int_eq(vcpu_handle_exit(&f.vcpu), STOP_WITH_ERROR);
	ck_assert_str_eq(f.vm.error, "KVM_EXIT_IO: data at offset 1024 (4294967296 bytes) lies "
				     "outside kvm_run");
	ck_assert_uint_eq(f.page[run->io.data_offset], 0);
	run->io.count = 1;
	run->io.data_offset = sizeof(f.page) - 3; /* 4 bytes from here end 1 byte past it */
	ck_assert_int_eq(vcpu_handle_exit(&f.vcpu), STOP_WITH_ERROR);
	assert_contains(f.vm.error, "lies outside kvm_run");
	run->io.data_offset = UINT64_MAX;
	ck_assert_int_eq(vcpu_handle_exit(&f.vcpu), STOP_WITH_ERROR);
	assert_contains(f.vm.error, "lies outside kvm_run");
	fake_finish(&f);
}
END_TEST

START_TEST(io_of_a_size_no_port_has_is_refused)
{
	struct fake_exit f;

	fake_io(&f, KVM_EXIT_IO_OUT, PORT_CONSOLE, 3, 1);
	ck_assert_int_eq(vcpu_handle_exit(&f.vcpu), STOP_WITH_ERROR);
	ck_assert_str_eq(f.vm.error, "KVM_EXIT_IO: size 3 is not a port access size");
	ck_assert_str_eq(output_of(&f.vm, &f.c), "");
	fake_finish(&f);
}
END_TEST

/* Only an IN may write kvm_run: a direction that is neither stops, and nothing is written. */
START_TEST(io_of_neither_direction_is_refused)
{
	struct fake_exit f;
	uint8_t before[sizeof(f.page)];

	fake_io(&f, 0xff, PORT_CONSOLE, 1, 4); /* a port with nothing to read answers all ones */
	memcpy(before, f.page, sizeof(before));
	ck_assert_int_eq(vcpu_handle_exit(&f.vcpu), STOP_WITH_ERROR);
	ck_assert_str_eq(f.vm.error, "KVM_EXIT_IO: direction 255 is neither in nor out");
	ck_assert_mem_eq(f.page, before, sizeof(before));
	fake_finish(&f);
}
END_TEST

/* A device may read the first item: an exit with none, its data at kvm_run's end, stops. */
START_TEST(io_of_no_items_is_refused)
{
	struct fake_exit f;
	struct kvm_run *run = fake_io(&f, KVM_EXIT_IO_OUT, PORT_REPORT, 1, 0);

	run->io.data_offset = sizeof(f.page);
	ck_assert_int_eq(vcpu_handle_exit(&f.vcpu), STOP_WITH_ERROR);
	ck_assert_str_eq(f.vm.error, "KVM_EXIT_IO: a count of 0 items");
	ck_assert_uint_eq(f.vm.reports, 0);
	fake_finish(&f);
}
END_TEST

/* --trace reads the first item only where it lies inside kvm_run, whatever the offset. */
START_TEST(trace_of_io_data_outside_kvm_run_reads_none_of_it)
{
	static const uint64_t offsets[] = {4095, 4096, 4097, UINT64_MAX - 1, UINT64_MAX};
	struct fake_exit f;

	for (size_t i = 0; i < sizeof(offsets) / sizeof(offsets[0]); i++) {
		struct kvm_run *run = fake_io(&f, KVM_EXIT_IO_OUT, PORT_CONSOLE, 4, 1);
		char *line = NULL;
		size_t len = 0;
		FILE *out = open_memstream(&line, &len);

		f.page[4095] = 0x41;
		run->io.data_offset = offsets[i];
		trace_exit(out, &f.vcpu);
		fclose(out);
		/* Later stages may say more before it (which vCPU): the line's end is the point. */
		assert_contains(line, i == 0 ? "out port=0xe9 size=4 count=1 value=0x41\n"
					     : "out port=0xe9 size=4 count=1 value=0x0\n");
		free(line);
		fake_finish(&f);
	}
}
END_TEST

START_TEST(every_exit_reason_in_the_headers_has_a_name)
{
	for (uint32_t reason = 0; reason <= KVM_EXIT_NOTIFY; reason++)
		ck_assert_msg(strncmp(exit_reason_name(reason), "KVM_EXIT_", 9) == 0,
			      "exit reason %u has no name", reason);
	ck_assert_str_eq(exit_reason_name(KVM_EXIT_MMIO), "KVM_EXIT_MMIO");
	ck_assert_str_eq(exit_reason_name(1000), "an exit reason unknown to these headers");
}
END_TEST

START_TEST(unknown_port_reads_all_ones_and_is_reported_once)
{
	struct fake_exit l;
	struct kvm_run *run = fake_io(&l, KVM_EXIT_IO_IN, 0x2fd, 4, 2);
	uint8_t *data = l.page + run->io.data_offset;

	ck_assert_int_eq(vcpu_handle_exit(&l.vcpu), RESUME_GUEST);
	for (int i = 0; i < 8; i++)
		ck_assert_uint_eq(data[i], 0xff);
	ck_assert_uint_eq(data[8], 0);
	ck_assert_str_eq(log_of_exit(&l),
			 "vmm: the guest read from I/O port 0x2fd, where this VMM has "
			 "no device: reads give all ones, writes are dropped (said "
			 "once per port)\n");
	for (int i = 0; i < 100; i++) {
		ck_assert_int_eq(again(&l, KVM_EXIT_IO_IN, 0x2fd), RESUME_GUEST);
		ck_assert_int_eq(again(&l, KVM_EXIT_IO_OUT, 0x2fd), RESUME_GUEST);
	}
	ck_assert_uint_eq(occurrences(log_of_exit(&l), "\n"), 1);
	ck_assert_int_eq(again(&l, KVM_EXIT_IO_OUT, 0x2fe), RESUME_GUEST);
	ck_assert_int_eq(again(&l, KVM_EXIT_IO_OUT, 0xffff), RESUME_GUEST);
	ck_assert_uint_eq(occurrences(log_of_exit(&l), "\n"), 3);
	ck_assert_ptr_nonnull(strstr(log_of_exit(&l), "wrote to I/O port 0xffff"));
	fake_finish(&l);
}
END_TEST

static struct kvm_run *mmio(struct fake_exit *l, uint64_t addr, uint32_t len, bool write)
{
	struct kvm_run *run = l->vcpu.run;

	run->exit_reason = KVM_EXIT_MMIO;
	run->mmio.phys_addr = addr;
	run->mmio.len = len;
	run->mmio.is_write = write;
	memset(run->mmio.data, 0x11, sizeof(run->mmio.data));
	return run;
}

START_TEST(unknown_mmio_reads_all_ones_and_is_reported_once)
{
	struct fake_exit l;

	fake_io(&l, KVM_EXIT_IO_IN, 0, 1, 1);
	struct kvm_run *run = mmio(&l, 0xfee00000, 4, false);
	ck_assert_int_eq(vcpu_handle_exit(&l.vcpu), RESUME_GUEST);
	ck_assert_mem_eq(run->mmio.data, "\xff\xff\xff\xff\x11", 5);
	ck_assert_str_eq(log_of_exit(&l),
			 "vmm: the guest read from guest physical 0xfee00000, where "
			 "there is no memory and no device: reads give all ones, "
			 "writes are dropped (said once per address)\n");
	mmio(&l, 0xfee00000, 8, true);
	ck_assert_int_eq(vcpu_handle_exit(&l.vcpu), RESUME_GUEST);
	ck_assert_mem_eq(run->mmio.data, "\x11\x11\x11\x11\x11\x11\x11\x11", 8); /* untouched */
	ck_assert_uint_eq(occurrences(log_of_exit(&l), "\n"), 1);
	fake_finish(&l);
}
END_TEST

/* The first MMIO_REPORTED_MAX addresses are named, then one line says no more will be. */
START_TEST(many_mmio_addresses_are_not_a_flood)
{
	struct fake_exit l;

	fake_io(&l, KVM_EXIT_IO_IN, 0, 1, 1);
	for (int round = 0; round < 3; round++)
		for (uint64_t i = 0; i < 1000; i++) {
			mmio(&l, 0x10000000 + 4 * i, 4, false);
			ck_assert_int_eq(vcpu_handle_exit(&l.vcpu), RESUME_GUEST);
			ck_assert_uint_eq(l.vcpu.run->mmio.data[0], 0xff);
		}
	ck_assert_uint_eq(occurrences(log_of_exit(&l), "\n"), MMIO_REPORTED_MAX + 1);
	ck_assert_ptr_nonnull(strstr(log_of_exit(&l), "no more are reported"));
	fake_finish(&l);
}
END_TEST

START_TEST(mmio_longer_than_its_data_is_refused)
{
	struct fake_exit l;

	fake_io(&l, KVM_EXIT_IO_IN, 0, 1, 1);
	mmio(&l, 0x300000, 9, false);
	ck_assert_int_eq(vcpu_handle_exit(&l.vcpu), STOP_WITH_ERROR);
	ck_assert_ptr_nonnull(strstr(l.vm.error, "length 9"));
	fake_finish(&l);
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
	ck_assert_int_eq(vcpu_handle_exit(&f.vcpu), STOP_WITH_ERROR);
	ck_assert_str_eq(f.vm.error, "KVM_EXIT_INTERNAL_ERROR, suberror 1: KVM had to emulate an "
				     "instruction and could not; data: 0x1 0xcc");
	run->internal.suberror = 99;
	run->internal.ndata = 1000; /* more than there is room for: 16 at most are shown */
	ck_assert_int_eq(vcpu_handle_exit(&f.vcpu), STOP_WITH_ERROR);
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
	ck_assert_int_eq(vcpu_handle_exit(&f.vcpu), STOP_WITH_ERROR);
	ck_assert_ptr_nonnull(strstr(f.vm.error, "KVM_EXIT_FAIL_ENTRY"));
	ck_assert_ptr_nonnull(strstr(f.vm.error, "reason 0x80000021 on host CPU 1"));
	fake_finish(&f);
}
END_TEST

START_TEST(shutdown_unknown_and_system_event_each_say_why)
{
	struct fake_exit f;
	struct kvm_run *run = fake_exit_of(&f, KVM_EXIT_SHUTDOWN);

	ck_assert_int_eq(vcpu_handle_exit(&f.vcpu), STOP_WITH_ERROR);
	ck_assert_ptr_nonnull(strstr(f.vm.error, "triple fault"));
	run->exit_reason = KVM_EXIT_UNKNOWN;
	run->hw.hardware_exit_reason = 0x7b;
	ck_assert_int_eq(vcpu_handle_exit(&f.vcpu), STOP_WITH_ERROR);
	ck_assert_str_eq(f.vm.error, "KVM_EXIT_UNKNOWN: hardware exit reason 0x7b");
	run->exit_reason = KVM_EXIT_SYSTEM_EVENT;
	run->system_event.type = KVM_SYSTEM_EVENT_RESET;
	ck_assert_int_eq(vcpu_handle_exit(&f.vcpu), STOP_WITH_ERROR);
	ck_assert_ptr_nonnull(strstr(f.vm.error, "KVM_EXIT_SYSTEM_EVENT of type 2"));
	fake_finish(&f);
}
END_TEST

/*
 * Every reason this VMM does not handle stops the run with one sentence that
 * names it; none crashes. (HLT is handled or not depending on the stage: its
 * own tests say which.)
 */
START_TEST(exits_never_asked_for_are_named)
{
	struct fake_exit f;
	struct kvm_run *run = fake_exit_of(&f, KVM_EXIT_IRQ_WINDOW_OPEN);
	char number[32];

	ck_assert_int_eq(vcpu_handle_exit(&f.vcpu), STOP_WITH_ERROR);
	ck_assert_str_eq(f.vm.error, "unexpected exit KVM_EXIT_IRQ_WINDOW_OPEN (7): this VMM "
				     "never asks for it");
	for (uint32_t reason = 0; reason <= KVM_EXIT_NOTIFY + 10; reason++) {
		if (reason == KVM_EXIT_IO || reason == KVM_EXIT_MMIO || reason == KVM_EXIT_HLT)
			continue;
		run->exit_reason = reason;
		ck_assert_int_eq(vcpu_handle_exit(&f.vcpu), STOP_WITH_ERROR);
		if (reason <= KVM_EXIT_NOTIFY) {
			assert_contains(f.vm.error, exit_reason_name(reason));
		} else {
			snprintf(number, sizeof(number), "(%u)", reason);
			assert_contains(f.vm.error, "an exit reason unknown to these headers");
			assert_contains(f.vm.error, number);
		}
	}
	fake_finish(&f);
}
END_TEST

#ifdef VCPUS_MAX /* stage07 on: several vCPUs, and each trace line names its own */
#define TRACE_VCPU "vCPU 0: "
#else
#define TRACE_VCPU ""
#endif

START_TEST(trace_shows_where_port_io_and_mmio_went)
{
	struct fake_exit l;
	struct kvm_run *run = fake_io(&l, KVM_EXIT_IO_OUT, 0x3f8, 2, 1);

	memcpy(l.page + run->io.data_offset, "\x34\x12", 2);
	trace_exit(l.vm.log, &l.vcpu);
	run->io.direction = KVM_EXIT_IO_IN; /* the value of an IN is not known yet */
	trace_exit(l.vm.log, &l.vcpu);
	mmio(&l, 0x200000, 4, true);
	trace_exit(l.vm.log, &l.vcpu);
	ck_assert_str_eq(log_of_exit(&l), TRACE_VCPU
			 "exit KVM_EXIT_IO out port=0x3f8 size=2 count=1 value=0x1234\n" TRACE_VCPU
			 "exit KVM_EXIT_IO in port=0x3f8 size=2 count=1\n" TRACE_VCPU
			 "exit KVM_EXIT_MMIO write addr=0x200000 len=4\n");
	fake_finish(&l);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("exit handling");
	TCase *tc = tcase_create("exits");

	tcase_add_test(tc, string_out_of_words_writes_every_byte);
	tcase_add_test(tc, string_in_of_dwords_fills_every_byte);
	tcase_add_test(tc, reports_of_several_items_are_each_recorded);
	tcase_add_test(tc, io_data_outside_kvm_run_is_refused);
	tcase_add_test(tc, io_of_a_size_no_port_has_is_refused);
	tcase_add_test(tc, io_of_neither_direction_is_refused);
	tcase_add_test(tc, io_of_no_items_is_refused);
	tcase_add_test(tc, trace_of_io_data_outside_kvm_run_reads_none_of_it);
	tcase_add_test(tc, every_exit_reason_in_the_headers_has_a_name);
	tcase_add_test(tc, unknown_port_reads_all_ones_and_is_reported_once);
	tcase_add_test(tc, unknown_mmio_reads_all_ones_and_is_reported_once);
	tcase_add_test(tc, many_mmio_addresses_are_not_a_flood);
	tcase_add_test(tc, mmio_longer_than_its_data_is_refused);
	tcase_add_test(tc, internal_error_names_its_suberror_and_data);
	tcase_add_test(tc, fail_entry_gives_the_hardware_reason);
	tcase_add_test(tc, shutdown_unknown_and_system_event_each_say_why);
	tcase_add_test(tc, exits_never_asked_for_are_named);
	tcase_add_test(tc, trace_shows_where_port_io_and_mmio_went);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
