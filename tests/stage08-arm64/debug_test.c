/*
 * --step and --gdb on arm64 (debug.h): the step trace of known guests (the
 * instruction sequence, the registers each changed, the exits between the
 * steps, the end), its limits (--step=N, --step-from=LABEL), a step with the
 * MMU on; and GDB's packets answered by the stub itself (gdb_answer()) on a
 * vCPU of the test's making that never runs: registers as GDB's aarch64 target
 * description lays them out, memory through the guest's stage-1 translation,
 * the BRK of a Z0 that GDB never reads, Z1 against KVM's count of breakpoints.
 */
#include "guest_fixture.h"
#include "kvm_check.h"
#include "run_vmm.h"
#include "vmm.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *step_output(const char *const args[])
{
	static char out[65536];

	int status = run_vmm_argv(NULL, out, sizeof(out), args);
	ck_assert_msg(status == 0, "exit status %d; output:\n%s", status, out);
	return out;
}

/* `first` comes before `second` in out, both there. */
static void assert_in_order(const char *out, const char *first, const char *second)
{
	const char *a = strstr(out, first), *b = strstr(out, second);

	ck_assert_msg(a && b && a < b, "expected \"%s\" before \"%s\" in:\n%s", first, second, out);
}

/* poweroff.bin, every instruction: guest-asm/08-arm64/poweroff.S, 8 of them. */
START_TEST(step_traces_every_instruction_and_what_it_changed)
{
	const char *out =
	    step_output((const char *const[]){"--step", guest_path("poweroff.bin"), NULL});

	assert_contains(out, "step: every instruction, vCPU 0\nstart:\n");
	/* PC, the instruction word, Capstone's A64, the register it wrote */
	assert_contains(out, "40000000  18000120  ldr w0, #0x40000024            x0=0x84000000\n");
	assert_contains(out, "40000004  d4000002  hvc #0                         x0=0x");
	assert_contains(out, "40000008  58000141  ldr x1, #0x40000030            x1=0x40100000\n");
	assert_contains(out, "4000000c  b9000020  str w0, [x1]\n"); /* RAM: no register, no exit */
	/* the MMIO exit comes before the line of the instruction that made it */
	assert_in_order(out, "movz x1, #0x901, lsl #16       x1=0x9010000\n",
			"vCPU 0: exit KVM_EXIT_MMIO write addr=0x9010000 len=8");
	assert_in_order(out, "vCPU 0: exit KVM_EXIT_MMIO write addr=0x9010000 len=8",
			"40000014  f9000020  str x0, [x1]\n");
	/* SYSTEM_OFF never completes: its line comes last, without changes */
	assert_in_order(out, "40000018  18000080  ldr w0, #0x40000028            x0=0x84000008\n",
			"4000001c  d4000002  hvc #0\n"
			"step: the run ended at this instruction (the guest finished)\n"
			"step: 8 instructions\n");
}
END_TEST

START_TEST(step_n_shows_n_instructions_then_runs_on)
{
	const char *out =
	    step_output((const char *const[]){"--step=3", guest_path("compute.bin"), NULL});

	/* mov x0, #0 (x0 was 0 already): Capstone names the instruction as encoded, movz */
	assert_contains(out, "40000000  d2800000  movz x0, #0\n");
	assert_contains(out, "40000004  d2800021  movz x1, #0x1                  x1=0x1\n");
	assert_contains(out, "step: 3 instructions shown (--step=3); the guest runs on\n");
	ck_assert_ptr_null(strstr(out, "4000000c  "));
	/* and it ran on, its exits traced as before (between the console's letters) */
	assert_contains(out, "guest reported 2880067194370816120 (0x27f80ddaa1ba7878)\n");
	assert_contains(out, "vmm: the guest powered off (PSCI SYSTEM_OFF)\n");
}
END_TEST

/* A label of compute.elf; the stack pointer, a branch taken, the flags. */
START_TEST(step_from_a_label_starts_there)
{
	const char *out = step_output((const char *const[]){"--step-from=print_decimal", "--step=2",
							    guest_path("compute.bin"), NULL});

	assert_contains(out, "step: reached print_decimal\nprint_decimal:\n");
	/* stp x29, x30, [sp, #-48]! from the top of the stack, GUEST_STACK_TOP */
	assert_contains(out, "stp x29, x30, [sp, #-0x30]!    sp=0x401fffd0\n");
	assert_contains(out, "step: 2 instructions shown");

	out = step_output(
	    (const char *const[]){"--step-from=step", "--step=5", guest_path("compute.bin"), NULL});
	/* subs x2, x2, #1 with x2 = 90: no flag changes (N, Z, C, V were 0, C is set) */
	assert_contains(out, "subs x2, x2, #1                x2=0x59 nzcv=0x2\n");
	assert_contains(out, "b.ne #0x4000000c               pc=0x4000000c\n"); /* taken */
}
END_TEST

/* smp-hello turns its MMU on first: the code is read through its translation. */
START_TEST(step_reads_code_through_the_guests_translation)
{
	const char *out = step_output((const char *const[]){
	    "--cpus", "1", "--step-from=uart_on", "--step=3", guest_path("smp-hello.bin"), NULL});

	assert_contains(out, "step: reached uart_on\nuart_on:\n");
	ck_assert_ptr_null(strstr(out, "(not in guest memory)"));
	ck_assert_ptr_null(strstr(out, "(bad)"));
	assert_contains(out, "step: 3 instructions shown");
}
END_TEST

START_TEST(bad_debug_options_exit_2)
{
	expect_vmm(2, "--step=0: a number of instructions above 0", "--step=0");
	expect_vmm(2, "--step and --gdb: one or the other", "--step", "--gdb");
	expect_vmm(2, "see --step, --step=N", "--gdb=70000");
	expect_vmm(1, "--step-from=nowhere: not a label of", "--step-from=nowhere",
		   guest_path("poweroff.bin"));
}
END_TEST

START_TEST(help_names_the_debug_options)
{
	const char *out = expect_vmm(0, "--step-from=WHERE", "--help");
	assert_contains(out, "--gdb[=PORT]");
	assert_contains(out, "--gdb=stdio");
}
END_TEST

/* ---- GDB's packets, answered by the stub on a vCPU that never runs. */

static int boot_vcpu(struct vcpu *vcpu)
{
	return vm_init_irqchip(vcpu->vm) < 0 ? -1 : vcpu_set_el1h(vcpu);
}

struct stub {
	struct fixture f;
	struct debugger dbg;
};

static void stub_start(struct stub *s, const char *guest)
{
	memset(&s->dbg, 0, sizeof(s->dbg));
	start_guest(&s->f, guest, boot_vcpu);
	s->dbg.gdb = "stdio";
	s->f.vcpu.debug = &s->dbg;
	int slots = kvm_capability(&s->f.vm, KVM_CAP_GUEST_DEBUG_HW_BPS);
	s->dbg.hw_slots = slots > 0 ? (unsigned)slots : 0;
}

static const char *ask(struct stub *s, const char *packet)
{
	const char *reply = gdb_answer(&s->f.vcpu, &s->dbg, packet);
	ck_assert_ptr_nonnull(reply);
	return reply;
}

static void stub_finish(struct stub *s)
{
	gdb_finish(&s->f.vcpu, &s->dbg, RUN_FINISHED);
	finish(&s->f);
}

START_TEST(registers_come_in_gdbs_aarch64_layout)
{
	struct stub s;

	stub_start(&s, "poweroff.bin");
	const char *xml = ask(&s, "qXfer:features:read:target.xml:0,fff");
	ck_assert_int_eq(xml[0], 'l'); /* all of it, in one piece */
	assert_contains(xml, "<architecture>aarch64</architecture>");
	assert_contains(xml, "<feature name=\"org.gnu.gdb.aarch64.core\">");
	assert_contains(xml, "<reg name=\"x30\" bitsize=\"64\" type=\"int\" regnum=\"30\"/>");
	assert_contains(xml, "<reg name=\"cpsr\" bitsize=\"32\" type=\"int\" regnum=\"33\"/>");
	/* x0-x30, sp, pc (8 bytes each), cpsr (4): 2 hex digits a byte */
	ck_assert_uint_eq(strlen(ask(&s, "g")), 2 * (33 * 8 + 4));
	/* 0x1f sp (SP_EL1 at EL1h), 0x20 pc, 0x21 cpsr: little-endian bytes */
	ck_assert_str_eq(ask(&s, "p1f"), "0000204000000000");
	ck_assert_str_eq(ask(&s, "p20"), "0000004000000000");
	ck_assert_str_eq(ask(&s, "p21"), "c5030000"); /* EL1h, DAIF masked */
	ck_assert_str_eq(ask(&s, "P5=efbeadde00000000"), "OK");
	ck_assert_str_eq(ask(&s, "p5"), "efbeadde00000000");
	uint64_t x5;
	ck_assert_int_eq(vcpu_get_reg(&s.f.vcpu, REG_X(5), &x5), 0);
	ck_assert_uint_eq(x5, 0xdeadbeef);
	ck_assert_str_eq(ask(&s, "p22"), "E00"); /* no register 34 */
	stub_finish(&s);
}
END_TEST

/* poweroff.bin's first two instructions: ldr w0, =PSCI_VERSION; hvc #0 */
#define FIRST_INSNS "20010018020000d4"

START_TEST(z0_writes_a_brk_that_gdb_never_reads)
{
	struct stub s;
	uint32_t word;

	stub_start(&s, "poweroff.bin");
	ck_assert_str_eq(ask(&s, "m40000000,8"), FIRST_INSNS);
	ck_assert_str_eq(ask(&s, "Z0,40000004,4"), "OK");
	memcpy(&word, guest_ptr(&s.f.vm, GUEST_LOAD_ADDR + 4, 4), 4);
	ck_assert_uint_eq(word, BRK_0); /* in guest memory, */
	ck_assert_str_eq(ask(&s, "m40000000,8"), FIRST_INSNS); /* not to GDB */
	ck_assert_str_eq(ask(&s, "Z0,40000002,4"), "E01"); /* not an instruction's address */
	ck_assert_str_eq(ask(&s, "Z0,80000000,4"), "E01"); /* not in guest memory */
	ck_assert_str_eq(ask(&s, "z0,40000004,4"), "OK");
	memcpy(&word, guest_ptr(&s.f.vm, GUEST_LOAD_ADDR + 4, 4), 4);
	ck_assert_uint_eq(word, 0xd4000002); /* hvc #0 again */
	stub_finish(&s);
}
END_TEST

START_TEST(z1_takes_the_breakpoints_kvm_has_and_refuses_one_more)
{
	struct stub s;
	char packet[64];

	stub_start(&s, "poweroff.bin");
	ck_assert_uint_gt(s.dbg.hw_slots, 0); /* the architecture has 2 to 16 */
	for (unsigned i = 0; i < s.dbg.hw_slots; i++) {
		snprintf(packet, sizeof(packet), "Z1,%x,4", GUEST_LOAD_ADDR + 4 * i);
		ck_assert_str_eq(ask(&s, packet), "OK");
	}
	snprintf(packet, sizeof(packet), "Z1,%x,4", GUEST_LOAD_ADDR + 4 * s.dbg.hw_slots);
	ck_assert_str_eq(ask(&s, packet), "E01");
	ck_assert_str_eq(ask(&s, "z1,40000000,4"), "OK");
	ck_assert_str_eq(ask(&s, packet), "OK"); /* a register free again */
	stub_finish(&s);
}
END_TEST

/*
 * The MMU on, with tables of the test's making (Arm ARM, D8.2: 4 KiB granule,
 * T0SZ = 32, the walk starts at level 1): virtual 0 is a 2 MiB block at RAM's
 * start, through a level-2 table; virtual 0x40000000 a 1 GiB block at itself.
 */
#define L1_TABLE (GUEST_MEM_BASE + 0x100000)
#define L2_TABLE (GUEST_MEM_BASE + 0x101000)
#define DESC_BLOCK 0x401ull /* valid, block (0b01), AF */
#define DESC_TABLE_NEXT 0x3ull /* valid, table (0b11) */

START_TEST(memory_goes_through_the_guests_translation)
{
	struct stub s;
	uint64_t l1[2] = {L2_TABLE | DESC_TABLE_NEXT, GUEST_MEM_BASE | DESC_BLOCK};
	uint64_t l2 = GUEST_MEM_BASE | DESC_BLOCK;

	stub_start(&s, "poweroff.bin");
	memcpy(guest_ptr(&s.f.vm, L1_TABLE, sizeof(l1)), l1, sizeof(l1));
	memcpy(guest_ptr(&s.f.vm, L2_TABLE, sizeof(l2)), &l2, sizeof(l2));
	ck_assert_str_eq(ask(&s, "m0,8"), "E14"); /* MMU off: 0 is physical 0, not RAM */
	ck_assert_int_eq(vcpu_set_reg(&s.f.vcpu, SYS_REG(3, 0, 2, 0, 2), 32), 0); /* TCR_EL1 */
	ck_assert_int_eq(vcpu_set_reg(&s.f.vcpu, SYS_REG(3, 0, 2, 0, 0), L1_TABLE), 0); /* TTBR0 */
	uint64_t sctlr;
	ck_assert_int_eq(vcpu_get_reg(&s.f.vcpu, REG_SCTLR_EL1, &sctlr), 0);
	ck_assert_int_eq(vcpu_set_reg(&s.f.vcpu, REG_SCTLR_EL1, sctlr | 1), 0); /* M */
	ck_assert_str_eq(ask(&s, "m0,8"), FIRST_INSNS); /* through the level-2 block */
	ck_assert_str_eq(ask(&s, "m40000000,8"), FIRST_INSNS); /* the level-1 block */
	ck_assert_str_eq(ask(&s, "m80000000,8"), "E14"); /* L1[2]: invalid */
	ck_assert_str_eq(ask(&s, "m100000000,8"), "E14"); /* above 32 bits: no TTBR0 address */
	ck_assert_str_eq(ask(&s, "M4,4:1f2003d5"), "OK"); /* a nop over the hvc, at virtual 4 */
	uint32_t word;
	memcpy(&word, guest_ptr(&s.f.vm, GUEST_LOAD_ADDR + 4, 4), 4);
	ck_assert_uint_eq(word, 0xd503201f);
	stub_finish(&s);
}
END_TEST

/* ---- --gdb=stdio end to end: a GDB session's packets, written by the test, on stdin. */

/* Appends "$data#cs" to the session. */
static void packet(char *session, size_t size, const char *data)
{
	unsigned sum = 0;

	for (const char *c = data; *c; c++)
		sum += (unsigned char)*c;
	size_t n = strlen(session);
	snprintf(session + n, size - n, "$%s#%02x", data, sum & 0xff);
}

/* The reply to the n-th packet (0 first): the n-th "$...#" in what the VMM printed. */
static const char *reply(const char *out, unsigned n, char *buf, size_t size)
{
	const char *p = out;

	for (unsigned i = 0; p && i <= n; i++) {
		p = strchr(p, '$');
		if (p && i < n)
			p++;
	}
	ck_assert_msg(p != NULL, "no reply %u in:\n%s", n, out);
	const char *end = strchr(p, '#');
	ck_assert_ptr_nonnull(end);
	snprintf(buf, size, "%.*s", (int)(end - p - 1), p + 1);
	return buf;
}

/*
 * What `gdb -batch` does with "break *0x40000008", "continue", "p $x0", "stepi",
 * "x/wx 0x40100000", "continue", on poweroff.bin: break (Z0, or Z1 for hbreak),
 * continue to it, read x0 and pc, step twice, read the word the guest stored,
 * continue to the end. Acks off first, as GDB does.
 */
static void gdb_session(const char *z)
{
	static char out[16384];
	char in[1024] = "", buf[256], x0[32];

	packet(in, sizeof(in), "QStartNoAckMode");
	strcat(in, "+"); /* the ack of the stub's "OK" */
	const char *const ask[] = {z, "c", "p0", "p20", "s", "s", "p20", "m40100000,4", "c"};
	for (size_t i = 0; i < sizeof(ask) / sizeof(ask[0]); i++)
		packet(in, sizeof(in), ask[i]);
	/* --timeout: should the breakpoint not stop it, the guest runs into an exception loop */
	int status = run_vmm_input(in, out, sizeof(out), "--timeout", "60", "--gdb=stdio",
				   guest_path("poweroff.bin"));
	ck_assert_msg(status == 0, "exit status %d:\n%s", status, out);
	ck_assert_str_eq(reply(out, 0, buf, sizeof(buf)), "OK"); /* QStartNoAckMode */
	ck_assert_str_eq(reply(out, 1, buf, sizeof(buf)), "OK"); /* the breakpoint */
	ck_assert_str_eq(reply(out, 2, buf, sizeof(buf)), "T05"); /* stopped at it: SIGTRAP */
	snprintf(x0, sizeof(x0), "%s", reply(out, 3, buf, sizeof(buf))); /* PSCI's version */
	ck_assert_str_eq(reply(out, 4, buf, sizeof(buf)), "0800004000000000"); /* pc */
	ck_assert_str_eq(reply(out, 5, buf, sizeof(buf)), "T05"); /* ldr x1, =VERSION_ADDR */
	ck_assert_str_eq(reply(out, 6, buf, sizeof(buf)), "T05"); /* str w0, [x1] */
	ck_assert_str_eq(reply(out, 7, buf, sizeof(buf)), "1000004000000000"); /* pc */
	x0[8] = '\0'; /* w0's 4 bytes, as stored */
	ck_assert_str_eq(reply(out, 8, buf, sizeof(buf)), x0);
	ck_assert_str_eq(reply(out, 9, buf, sizeof(buf)), "W00"); /* to the end */
}

START_TEST(gdb_breaks_continues_reads_steps_and_runs_to_the_end)
{
	gdb_session("Z0,40000008,4"); /* a BRK in guest memory */
}
END_TEST

START_TEST(gdb_stops_at_a_hardware_breakpoint)
{
	gdb_session("Z1,40000008,4"); /* DBGBVR0_EL1 */
}
END_TEST

/*
 * Debian's GDB itself (gdb-minimal for arm64: in the emulated host, carried in by
 * emulated-check.sh), in batch mode, on compute.bin and its labels (compute.elf):
 * break at a label, continue, read registers, step, a hardware breakpoint at
 * another label, read memory, continue to the end. Asserts what GDB printed.
 */
START_TEST(gdb_itself_breaks_steps_reads_and_runs_to_the_end)
{
	static char out[65536];
	char elf[4096], target[8192];
	const char *guest = guest_path("compute.bin");

	symbols_elf_path(guest, elf, sizeof(elf));
	snprintf(target, sizeof(target), "target remote | %s --cpus 1 --timeout 60 --gdb=stdio %s",
		 VMM_BINARY, guest);
	int status = run_program(
	    "gdb", out, sizeof(out), "-nx", "-batch", "-ex", "set confirm off", "-ex",
	    "set pagination off", elf, "-ex", target, "-ex", "break step", "-ex", "continue", "-ex",
	    "print/x $pc", "-ex", "print $x2", "-ex", "stepi", "-ex", "print/x $pc", "-ex",
	    "print $x3", "-ex", "delete", "-ex", "hbreak power_off", "-ex", "continue", "-ex",
	    "x/gx 0x40100000", "-ex", "print/x $x19", "-ex", "continue");

	ck_assert_msg(status == 0, "gdb exit status %d; it printed:\n%s", status, out);
	assert_contains(out, "Breakpoint 1 at 0x4000000c");
	assert_contains(out, "Breakpoint 1, 0x000000004000000c in step ()");
	assert_contains(out, "$1 = 0x4000000c\n");
	assert_contains(out, "$2 = 90\n"); /* x2 = N, the loop's first time round */
	assert_contains(out, "$3 = 0x40000010\n"); /* one instruction on */
	assert_contains(out, "$4 = 1\n"); /* add x3, x0, x1: fib(0) + fib(1) */
	assert_contains(out, "Hardware assisted breakpoint 2 at 0x400001bc");
	assert_contains(out, "in power_off ()");
	/* RESULT_ADDR: fib(90), stored by the guest; x19 holds it too */
	assert_contains(out, "0x40100000:\t0x27f80ddaa1ba7878\n");
	assert_contains(out, "$5 = 0x27f80ddaa1ba7878\n");
	assert_contains(out, "[Inferior 1 (Remote target) exited normally]");
}
END_TEST

int main(void)
{
	Suite *s = suite_create(TEST_STAGE "/debug");
	TCase *step = tcase_create("step");
	TCase *packets = tcase_create("gdb-packets");

	tcase_set_timeout(step, 120);
	tcase_set_timeout(packets, 120); /* two of them run the VMM */
	suite_add_tcase(s, step);
	tcase_add_kvm_test(step, step_traces_every_instruction_and_what_it_changed);
	tcase_add_kvm_test(step, step_n_shows_n_instructions_then_runs_on);
	tcase_add_kvm_test(step, step_from_a_label_starts_there);
	tcase_add_kvm_test(step, step_reads_code_through_the_guests_translation);
	tcase_add_kvm_test(step, bad_debug_options_exit_2);
	tcase_add_test(step, help_names_the_debug_options);
	suite_add_tcase(s, packets);
	tcase_add_kvm_test(packets, registers_come_in_gdbs_aarch64_layout);
	tcase_add_kvm_test(packets, z0_writes_a_brk_that_gdb_never_reads);
	tcase_add_kvm_test(packets, z1_takes_the_breakpoints_kvm_has_and_refuses_one_more);
	tcase_add_kvm_test(packets, memory_goes_through_the_guests_translation);
	tcase_add_kvm_test(packets, gdb_breaks_continues_reads_steps_and_runs_to_the_end);
	tcase_add_kvm_test(packets, gdb_stops_at_a_hardware_breakpoint);
	tcase_add_kvm_test(packets, gdb_itself_breaks_steps_reads_and_runs_to_the_end);
	return run_suite(s);
}
