/*
 * --gdb=stdio with the real GDB: `gdb -batch` connects with
 * `target remote | VMM --gdb=stdio GUEST`, breaks, continues, reads a register,
 * steps, reads memory and continues to the end, on a guest of a few bytes that
 * mean the same in every x86 mode; with the stage's default guest and its
 * GUEST.elf, `break start` finds the label by name; with gdb-labels (built in
 * every x86 stage from tests/shared/guests), `break there` and `hbreak later`
 * stop at those labels. The test asserts what GDB printed. (Not a label of the
 * default guests further on: in the emulated host, single-stepping over the
 * default guests' `rep outsb` was seen to lose the step.)
 * In the emulated hosts GDB is carried in (the top Makefile: EMULATED_GDB).
 *
 * And the breakpoint packets (Z0/Z1, z0/z1) answered by the stub itself, on a
 * vCPU of the test's making that never runs: the int3 in guest memory that GDB
 * never reads, the four debug registers and the fifth breakpoint refused.
 */
#include "guest_memory.h"
#include "kvm_check.h"
#include "run_vmm.h"
#include "vmm.h"

#include <fcntl.h>
#include <linux/kvm.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

static char gdb_out[65536];

/* Runs gdb with args (NULL-terminated), no shell of ours; its stdout and stderr, together. */
static int run_gdb(const char *const args[])
{
	int out[2];
	size_t used = 0;
	ssize_t n;

	ck_assert_int_eq(pipe2(out, O_CLOEXEC), 0);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		int null = open("/dev/null", O_RDONLY);
		dup2(null, STDIN_FILENO);
		dup2(out[1], STDOUT_FILENO);
		dup2(out[1], STDERR_FILENO);
		execvp("gdb", (char *const *)args);
		fprintf(stderr, "gdb is missing: apt-get install gdb (or: make deps)\n");
		_exit(127);
	}
	close(out[1]);
	while ((n = read(out[0], gdb_out + used, sizeof(gdb_out) - 1 - used)) > 0)
		used += (size_t)n;
	gdb_out[used] = '\0';
	close(out[0]);
	int status;
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFEXITED(status), "gdb did not exit normally; it printed:\n%s", gdb_out);
	return WEXITSTATUS(status);
}

/*
 * mov al, 0 / mov bl, 7 / out 0xf4, al / hlt: the same bytes and meaning in
 * 16-, 32- and 64-bit code (as in debug_test). Port 0xf4 ends the run where it is
 * PORT_DONE (stage05 on, status 0); elsewhere HLT does.
 */
static const uint8_t gdb_guest[] = {0xb0, 0x00, 0xb3, 0x07, 0xe6, 0xf4, 0xf4};
#define MOV_BL_OFFSET 2

START_TEST(gdb_breaks_steps_reads_and_runs_to_the_end)
{
	char path[32], target[8192], brk[128], expect[256], mem[128];
	unsigned at = GUEST_LOAD_ADDR + MOV_BL_OFFSET;

	guest_file_of(path, gdb_guest, sizeof(gdb_guest));
	snprintf(target, sizeof(target), "target remote | %s --gdb=stdio %s", VMM_BINARY, path);
	snprintf(brk, sizeof(brk), "break *0x%x", at);
	snprintf(mem, sizeof(mem), "x/2xb 0x%x", GUEST_LOAD_ADDR);

	int status = run_gdb((const char *const[]){"gdb",
						   "-nx",
						   "-batch",
						   "-ex",
						   "set confirm off",
						   "-ex",
						   "set pagination off",
						   "-ex",
						   target,
						   "-ex",
						   "echo --- connected\\n",
						   "-ex",
						   brk,
						   "-ex",
						   "continue",
						   "-ex",
						   "print/x $pc",
						   "-ex",
						   "stepi",
						   "-ex",
						   "print/x $pc",
						   "-ex",
						   "print/x $bl",
						   "-ex",
						   mem,
						   "-ex",
						   "delete",
						   "-ex",
						   "continue",
						   NULL});
	unlink(path);

	ck_assert_msg(status == 0, "gdb exit status %d; it printed:\n%s", status, gdb_out);
	assert_contains(gdb_out, "--- connected");
	assert_contains(gdb_out, "Breakpoint 1, 0x");
	snprintf(expect, sizeof(expect), "$1 = 0x%x\n", at);
	assert_contains(gdb_out, expect);
	snprintf(expect, sizeof(expect), "$2 = 0x%x\n", at + 2); /* one instruction later */
	assert_contains(gdb_out, expect);
	assert_contains(gdb_out, "$3 = 0x7\n"); /* what `mov bl, 7` did */
	snprintf(expect, sizeof(expect), "0x%x:\t0xb0\t0x00", GUEST_LOAD_ADDR);
	assert_contains(gdb_out, expect);
	assert_contains(gdb_out, "[Inferior 1 (Remote target) exited normally]");
}
END_TEST

/* With symbols: `break LABEL` by name, from GUEST.elf. */
START_TEST(gdb_breaks_at_a_label_by_name)
{
	static struct symbols syms;
	char elf[4096], why[256], target[8192], expect[160];
	const char *guest = guest_path(default_flat_guest());
	uint64_t start;

	symbols_elf_path(guest, elf, sizeof(elf));
	ck_assert_msg(symbols_load(&syms, elf, why, sizeof(why)) == 0, "%s", why);
	ck_assert(symbols_find(&syms, "start", &start)); /* every guest's first instruction */
	snprintf(target, sizeof(target), "target remote | %s --gdb=stdio %s", VMM_BINARY, guest);

	int status = run_gdb((const char *const[]){
	    "gdb", "-nx", "-batch", "-ex", "set confirm off", "-ex", "set pagination off", elf,
	    "-ex", target, "-ex", "break start", "-ex", "print/x $pc", "-ex", "kill", NULL});

	ck_assert_msg(status == 0, "gdb exit status %d; it printed:\n%s", status, gdb_out);
	snprintf(expect, sizeof(expect), "Breakpoint 1 at 0x%llx", (unsigned long long)start);
	assert_contains(gdb_out, expect);
	snprintf(expect, sizeof(expect), "$1 = 0x%llx\n", (unsigned long long)start);
	assert_contains(gdb_out, expect);
	assert_contains(gdb_out, " in start ()"); /* where GDB says the vCPU stopped */
}
END_TEST

/* gdb-labels.bin: `break there` (Z0), `hbreak later` (Z1), each stop, then the end. */
START_TEST(gdb_stops_at_labels_with_break_and_hbreak)
{
	static struct symbols syms;
	char elf[4096], why[256], target[8192], expect[160];
	const char *guest = guest_path("gdb-labels.bin");
	uint64_t there, later;

	symbols_elf_path(guest, elf, sizeof(elf));
	ck_assert_msg(symbols_load(&syms, elf, why, sizeof(why)) == 0, "%s", why);
	ck_assert(symbols_find(&syms, "there", &there));
	ck_assert(symbols_find(&syms, "later", &later));
	snprintf(target, sizeof(target), "target remote | %s --gdb=stdio %s", VMM_BINARY, guest);

	int status = run_gdb((const char *const[]){"gdb",
						   "-nx",
						   "-batch",
						   "-ex",
						   "set confirm off",
						   "-ex",
						   "set pagination off",
						   elf,
						   "-ex",
						   target,
						   "-ex",
						   "break there",
						   "-ex",
						   "hbreak later",
						   "-ex",
						   "continue",
						   "-ex",
						   "print/x $pc",
						   "-ex",
						   "print/x $bl",
						   "-ex",
						   "echo --- on to later\\n",
						   "-ex",
						   "continue",
						   "-ex",
						   "print/x $pc",
						   "-ex",
						   "print/x $cl",
						   "-ex",
						   "continue",
						   NULL});

	ck_assert_msg(status == 0, "gdb exit status %d; it printed:\n%s", status, gdb_out);
	snprintf(expect, sizeof(expect), "Breakpoint 1 at 0x%llx", (unsigned long long)there);
	assert_contains(gdb_out, expect);
	snprintf(expect, sizeof(expect), "Hardware assisted breakpoint 2 at 0x%llx",
		 (unsigned long long)later);
	assert_contains(gdb_out, expect);
	assert_contains(gdb_out, "Breakpoint 1, 0x"); /* stopped at `there`... */
	assert_contains(gdb_out, " in there ()");
	snprintf(expect, sizeof(expect), "$1 = 0x%llx\n", (unsigned long long)there);
	assert_contains(gdb_out, expect);
	assert_contains(gdb_out, "$2 = 0x7\n"); /* `mov bl, 7` ran, and `mov cl, 9` not yet */
	const char *on = strstr(gdb_out, "--- on to later");
	ck_assert_msg(on != NULL, "gdb printed:\n%s", gdb_out);
	assert_contains(on, "Breakpoint 2, 0x"); /* ...then at `later`, with hbreak */
	assert_contains(on, " in later ()");
	snprintf(expect, sizeof(expect), "$3 = 0x%llx\n", (unsigned long long)later);
	assert_contains(on, expect);
	assert_contains(on, "$4 = 0x9\n");
	assert_contains(on, "[Inferior 1 (Remote target) exited normally]");
}
END_TEST

/* ---- The breakpoint packets, answered by the stub on a vCPU that never runs. */

/* A vCPU in its reset state (paging off: linear addresses are physical), gdb_guest at
   GUEST_LOAD_ADDR, and the debugger as --gdb sets it up; vm->log kept in memory. */
struct stub {
	struct vm vm;
	struct vcpu vcpu;
	struct debugger dbg;
	char *log;
	size_t log_len;
	uint8_t *code; /* gdb_guest in guest memory */
};

static void stub_open(struct stub *s, enum kvm_stops at_int3)
{
	memset(s, 0, sizeof(*s));
	vm_init(&s->vm);
	s->vcpu.fd = -1;
	s->vm.log = open_memstream(&s->log, &s->log_len);
	ck_assert_msg(kvm_open(&s->vm, "/dev/kvm") == 0, "%s", s->vm.error);
	ck_assert_msg(vm_create(&s->vm) == 0, "%s", s->vm.error);
	ck_assert_msg(vcpu_create(&s->vm, &s->vcpu) == 0, "%s", s->vm.error);
	s->code = guest_ptr(&s->vm, GUEST_LOAD_ADDR, sizeof(gdb_guest));
	ck_assert_ptr_nonnull(s->code);
	memcpy(s->code, gdb_guest, sizeof(gdb_guest));
	s->dbg.gdb = "stdio";
	s->dbg.stops_at_int3 = at_int3; /* as if breakpoints_probe() had seen it */
	s->dbg.stops_at_dr = STOPS_YES;
	s->vcpu.debug = &s->dbg;
}

static const char *stub_log(struct stub *s)
{
	fflush(s->vm.log);
	return s->log ? s->log : "";
}

static void stub_close(struct stub *s)
{
	gdb_finish(&s->vcpu, &s->dbg, RUN_FINISHED);
	fclose(s->vm.log);
	free(s->log);
	vcpu_destroy(&s->vcpu);
	vm_destroy(&s->vm);
}

/* The stub's reply to "FORMAT" with one address in it. */
static const char *answer(struct stub *s, const char *format, unsigned address)
{
	char packet[64];

	snprintf(packet, sizeof(packet), format, address);
	const char *reply = gdb_answer(&s->vcpu, &s->dbg, packet);
	ck_assert_msg(reply != NULL, "%s", s->vm.error);
	return reply;
}

START_TEST(z0_writes_an_int3_that_gdb_never_reads)
{
	struct stub s;
	unsigned at = GUEST_LOAD_ADDR + MOV_BL_OFFSET;

	stub_open(&s, STOPS_YES); /* a KVM that stops at int3 */
	ck_assert_str_eq(answer(&s, "Z0,%x,1", at), "OK");
	ck_assert_uint_eq(s.code[MOV_BL_OFFSET], INT3); /* in guest memory... */
	ck_assert_str_eq(answer(&s, "m%x,4", GUEST_LOAD_ADDR), "b000b307"); /* ...not for GDB */
	/* GDB writes over it: the new byte is what the int3 hides, and the int3 stays */
	ck_assert_str_eq(answer(&s, "M%x,1:b1", at), "OK");
	ck_assert_uint_eq(s.code[MOV_BL_OFFSET], INT3);
	ck_assert_str_eq(answer(&s, "m%x,4", GUEST_LOAD_ADDR), "b000b107");
	ck_assert_str_eq(answer(&s, "z0,%x,1", at), "OK");
	ck_assert_uint_eq(s.code[MOV_BL_OFFSET], 0xb1); /* removed: the byte is back */
	ck_assert_str_eq(answer(&s, "z0,%x,1", at), "OK"); /* twice: nothing to do */
	ck_assert_uint_eq(s.dbg.sw_count, 0);
	ck_assert_str_eq(stub_log(&s), "");
	stub_close(&s);
}
END_TEST

START_TEST(z0_outside_guest_memory_is_refused)
{
	struct stub s;

	stub_open(&s, STOPS_YES);
	ck_assert_str_eq(answer(&s, "Z0,%x,1", 0xe0000000), "E01");
	assert_contains(stub_log(&s), "vmm: gdb: break at 0xe0000000: not in guest memory\n");
	ck_assert_uint_eq(s.dbg.sw_count, 0);
	stub_close(&s);
}
END_TEST

START_TEST(z1_takes_the_four_debug_registers_and_refuses_a_fifth)
{
	struct stub s;

	stub_open(&s, STOPS_YES);
	for (unsigned i = 0; i < 4; i++)
		ck_assert_str_eq(answer(&s, "Z1,%x,1", GUEST_LOAD_ADDR + i), "OK");
	ck_assert_str_eq(answer(&s, "Z1,%x,1", GUEST_LOAD_ADDR + 4), "E01");
	assert_contains(
	    stub_log(&s),
	    "vmm: gdb: hbreak at 0x7c04: the 4 debug registers DR0-DR3 are all taken\n");
	ck_assert_mem_eq(s.code, gdb_guest, sizeof(gdb_guest)); /* nothing written */
	/* KVM takes the four: KVM_SET_GUEST_DEBUG with DR0-DR3 and their enable bits */
	ck_assert_msg(debug_resume(&s.vcpu, false) == 0, "%s", s.vm.error);
	ck_assert_uint_eq(s.dbg.control, KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_USE_HW_BP);
	ck_assert_str_eq(answer(&s, "z1,%x,1", GUEST_LOAD_ADDR + 1), "OK");
	ck_assert_str_eq(answer(&s, "Z1,%x,1", GUEST_LOAD_ADDR + 4), "OK"); /* one was free */
	ck_assert_uint_eq(s.dbg.hw_count, 4);
	stub_close(&s);
}
END_TEST

/* The vCPU about to execute the instruction at `linear` (CS's base 0, paging off). */
static void stop_at(struct stub *s, unsigned linear)
{
	struct kvm_sregs sregs;
	struct kvm_regs regs;

	ck_assert_int_eq(vcpu_get_sregs(&s->vcpu, &sregs), 0);
	ck_assert_int_eq(vcpu_get_regs(&s->vcpu, &regs), 0);
	sregs.cs.base = 0;
	regs.rip = linear;
	ck_assert_int_eq(ioctl(s->vcpu.fd, KVM_SET_SREGS, &sregs), 0);
	ck_assert_int_eq(ioctl(s->vcpu.fd, KVM_SET_REGS, &regs), 0);
}

/* Going on from a breakpoint: its instruction is stepped with the breakpoint out of the
   way, the int3 back after it; from elsewhere, KVM stops at the int3s and DR0-DR3. */
START_TEST(going_on_from_a_breakpoint_steps_off_it_first)
{
	struct stub s;
	unsigned at = GUEST_LOAD_ADDR + MOV_BL_OFFSET;

	stub_open(&s, STOPS_YES);
	ck_assert_str_eq(answer(&s, "Z0,%x,1", at), "OK");
	ck_assert_str_eq(answer(&s, "Z1,%x,1", GUEST_LOAD_ADDR + 4), "OK");
	stop_at(&s, at);
	ck_assert_msg(debug_resume(&s.vcpu, false) == 0, "%s", s.vm.error);
	ck_assert_uint_eq(s.dbg.control, KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_SINGLESTEP);
	ck_assert_uint_eq(s.code[MOV_BL_OFFSET], 0xb3); /* the guest's own byte, for one step */
	breakpoint_put_back(&s.vcpu); /* what the next stop does first */
	ck_assert_uint_eq(s.code[MOV_BL_OFFSET], INT3);
	stop_at(&s, GUEST_LOAD_ADDR); /* not at a breakpoint: on at full speed */
	ck_assert_msg(debug_resume(&s.vcpu, false) == 0, "%s", s.vm.error);
	ck_assert_uint_eq(s.dbg.control,
			  KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_USE_SW_BP | KVM_GUESTDBG_USE_HW_BP);
	ck_assert_uint_eq(s.code[MOV_BL_OFFSET], INT3);
	ck_assert_str_eq(answer(&s, "D", 0), "");
	ck_assert_uint_eq(s.code[MOV_BL_OFFSET], 0xb3); /* GDB detached: the guest as it was */
	stub_close(&s);
}
END_TEST

/* Where KVM was not seen to stop at int3: nothing is written, the VMM steps to it. */
START_TEST(where_kvm_does_not_stop_at_int3_break_is_reached_by_stepping)
{
	struct stub s;

	stub_open(&s, STOPS_NOT);
	ck_assert_str_eq(answer(&s, "Z0,%x,1", GUEST_LOAD_ADDR + MOV_BL_OFFSET), "OK");
	ck_assert_str_eq(answer(&s, "Z0,%x,1", GUEST_LOAD_ADDR + 4), "OK");
	ck_assert_mem_eq(s.code, gdb_guest, sizeof(gdb_guest));
	ck_assert_uint_eq(occurrences(stub_log(&s), "did not stop at an int3"), 1); /* said once */
	assert_contains(stub_log(&s), "software breakpoints are reached by single-stepping");
	ck_assert_msg(debug_resume(&s.vcpu, false) == 0, "%s", s.vm.error);
	ck_assert_uint_eq(s.dbg.control, KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_SINGLESTEP);
	stub_close(&s);
}
END_TEST

/* The probe runs on a VM of its own: it decides, and GDB's guest is untouched. */
START_TEST(the_probe_decides_each_kind_on_a_vm_of_its_own)
{
	struct stub s;

	stub_open(&s, STOPS_UNKNOWN);
	s.dbg.stops_at_dr = STOPS_UNKNOWN;
	breakpoints_probe(&s.vm, &s.dbg);
	ck_assert_int_ne(s.dbg.stops_at_int3, STOPS_UNKNOWN);
	ck_assert_int_ne(s.dbg.stops_at_dr, STOPS_UNKNOWN);
	ck_assert_mem_eq(s.code, gdb_guest, sizeof(gdb_guest));
	stub_close(&s);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("debugging a guest: GDB");
	TCase *tc = tcase_create("--gdb=stdio");

	tcase_set_timeout(tc, 120);
	tcase_add_kvm_test(tc, gdb_breaks_steps_reads_and_runs_to_the_end);
	tcase_add_kvm_test(tc, gdb_breaks_at_a_label_by_name);
	tcase_add_kvm_test(tc, gdb_stops_at_labels_with_break_and_hbreak);
	suite_add_tcase(s, tc);
	TCase *packets = tcase_create("Z0, Z1");
	tcase_add_kvm_test(packets, z0_writes_an_int3_that_gdb_never_reads);
	tcase_add_kvm_test(packets, z0_outside_guest_memory_is_refused);
	tcase_add_kvm_test(packets, z1_takes_the_four_debug_registers_and_refuses_a_fifth);
	tcase_add_kvm_test(packets, going_on_from_a_breakpoint_steps_off_it_first);
	tcase_add_kvm_test(packets, where_kvm_does_not_stop_at_int3_break_is_reached_by_stepping);
	tcase_add_kvm_test(packets, the_probe_decides_each_kind_on_a_vm_of_its_own);
	suite_add_tcase(s, packets);
	return run_suite(s);
}
