/*
 * Exercise 07-barrier (hard): a barrier in the VMM, which every vCPU thread waits at.
 * Give the VMM a port 0xf6, "the barrier": a vCPU that writes to it (OUT, any byte) does not
 * go back into the guest until every vCPU of the VM has written to it; then all go on, and the
 * barrier is ready for the next round. With --cpus 1 it never waits. A vCPU that waits there
 * is in no KVM_RUN, so the stop signal alone cannot end it: when the run ends (a vCPU
 * finishes, or faults), every vCPU waiting at the barrier must be let go, and the VMM must
 * exit as before. The test runs guests of its own, written here as bytes: each AP
 * counts itself in memory, then goes to the barrier, twice; the boot vCPU reports the counts
 * after each barrier.
 * order: 3
 * hint: one more case in port_out() (devices.c); count arrivals under vm->lock and wait on a
 * pthread condition variable with it, with a generation number so that a new round is told
 * apart from the last; vm_stop() (run.c) sets vm->stopping under the same lock: wake the
 * waiters there, and let a waiter go when it sees stopping
 */
#include "kvm_check.h"
#include "reports.h"
#include "run_vmm.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define LOAD_ADDR 0x7c00 /* where the VMM loads a guest, and the boot vCPU starts (long mode) */
#define AP_START 0x8000 /* where the start-up IPI (vector 8) starts the APs, in real mode */
#define GUEST_BYTES (AP_START - LOAD_ADDR + 64)

/* The boot vCPU first starts the APs: INIT, then one start-up IPI at AP_START (enough for KVM). */
static const uint8_t start_aps[] = {
    0xbf, 0x00, 0x03, 0xe0, 0xfe, /* mov edi, 0xfee00300: the ICR's low half */
    0xc7, 0x07, 0x00, 0x45, 0x0c, 0x00, /* mov dword [rdi], 0xc4500: INIT, all but self */
    0xc7, 0x07, 0x08, 0x46, 0x0c, 0x00, /* mov dword [rdi], 0xc4608: start-up at 0x8000 */
};

/* Then: barrier, report [0x9000]; barrier, report [0x9004]; finish with status 0. */
static const uint8_t boot_twice[] = {
    0xe6, 0xf6, /* out 0xf6, al: the barrier */
    0x8b, 0x04, 0x25, 0x00, 0x90, 0x00, 0x00, /* mov eax, [0x9000]: the APs' first count */
    0xe7, 0x80, /* out 0x80, eax */
    0xe6, 0xf6, /* out 0xf6, al: the barrier again */
    0x8b, 0x04, 0x25, 0x04, 0x90, 0x00, 0x00, /* mov eax, [0x9004]: their second count */
    0xe7, 0x80, /* out 0x80, eax */
    0x31, 0xc0, /* xor eax, eax */
    0xe6, 0xf4, /* out 0xf4, al: finished, status 0 */
};

/* Each AP, in real mode (DS = 0): count in, barrier, count in again, barrier, park. */
static const uint8_t ap_twice[] = {
    0xf0, 0x66, 0xff, 0x06, 0x00, 0x90, /* lock inc dword [0x9000] */
    0xe6, 0xf6, /* out 0xf6, al: the barrier */
    0xf0, 0x66, 0xff, 0x06, 0x04, 0x90, /* lock inc dword [0x9004] */
    0xe6, 0xf6, /* out 0xf6, al: the barrier again */
    0xfa, 0xf4, 0xeb, 0xfd, /* cli; hlt; jmp to the hlt: parked */
};

/* Then: waits until every AP has counted itself in, and finishes; never at the barrier. */
static const uint8_t boot_leaves[] = {
    0xe4, 0xf5, /* in al, 0xf5: how many vCPUs */
    0x0f, 0xb6, 0xc8, /* movzx ecx, al */
    0xff, 0xc9, /* dec ecx: how many APs */
    0xf3, 0x90, /* wait: pause */
    0x39, 0x0c, 0x25, 0x00, 0x90, 0x00, 0x00, /* cmp [0x9000], ecx */
    0x75, 0xf5, /* jne wait */
    0x31, 0xc0, /* xor eax, eax */
    0xe6, 0xf4, /* out 0xf4, al: finished, status 0 */
};

/* Each AP: counts itself in, then waits at the barrier for a boot vCPU that never comes. */
static const uint8_t ap_waits[] = {
    0xf0, 0x66, 0xff, 0x06, 0x00, 0x90, /* lock inc dword [0x9000] */
    0xe6, 0xf6, /* out 0xf6, al: the barrier */
    0xfa, 0xf4, 0xeb, 0xfd, /* cli; hlt; jmp to the hlt */
};

/* Writes the guest (start_aps and boot at LOAD_ADDR, ap at AP_START) to a file; runs the VMM. */
static int run_guest(const uint8_t *boot, size_t boot_len, const uint8_t *ap, size_t ap_len,
		     unsigned cpus, char *out, size_t size)
{
	static uint8_t image[GUEST_BYTES];
	char path[] = "/tmp/barrier-guest-XXXXXX", n[8];
	int fd = mkstemp(path);

	ck_assert_int_ge(fd, 0);
	memset(image, 0x90, sizeof(image)); /* nop */
	memcpy(image, start_aps, sizeof(start_aps));
	memcpy(image + sizeof(start_aps), boot, boot_len);
	memcpy(image + AP_START - LOAD_ADDR, ap, ap_len);
	ck_assert_int_eq(write(fd, image, sizeof(image)), (ssize_t)sizeof(image));
	close(fd);
	snprintf(n, sizeof(n), "%u", cpus);
	int status = run_vmm(out, size, "--cpus", n, "--timeout", "60", path);
	unlink(path);
	ck_assert_msg(!strstr(out, "I/O port 0xf6"),
		      "the VMM has no device at port 0xf6, the barrier: %s", out);
	return status;
}

/* Both barriers hold the boot vCPU until every AP has counted itself in. */
static void expect_held_twice(unsigned cpus)
{
	char out[4096];
	unsigned long long reported[REPORTS_MAX];

	int status = run_guest(boot_twice, sizeof(boot_twice), ap_twice, sizeof(ap_twice), cpus,
			       out, sizeof(out));
	ck_assert_msg(status == 0, "on %u vCPUs the VMM exited with %d, not 0: %s", cpus, status,
		      out);
	ck_assert_msg(reports_in(out, reported) == 2, "want two reports; the run said \"%s\"", out);
	ck_assert_msg(reported[0] == cpus - 1 && reported[1] == cpus - 1,
		      "on %u vCPUs the boot vCPU passed the barriers when %llu, then %llu, of the "
		      "%u APs had come: it must wait for all",
		      cpus, reported[0], reported[1], cpus - 1);
}

START_TEST(one_cpu_never_waits)
{
	expect_held_twice(1);
}
END_TEST

START_TEST(three_cpus_meet_twice)
{
	expect_held_twice(3);
}
END_TEST

/* The run ends while APs wait at the barrier: the VMM stops them and exits with the status. */
START_TEST(the_end_lets_waiting_cpus_go)
{
	char out[4096];

	int status = run_guest(boot_leaves, sizeof(boot_leaves), ap_waits, sizeof(ap_waits), 3, out,
			       sizeof(out));
	ck_assert_msg(status == 0, "the VMM exited with %d, not 0: %s", status, out);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("exercise 07-barrier");
	TCase *tc = tcase_create("barrier");

	tcase_set_timeout(tc, 60);
	tcase_add_kvm_test(tc, one_cpu_never_waits);
	tcase_add_kvm_test(tc, three_cpus_meet_twice);
	tcase_add_kvm_test(tc, the_end_lets_waiting_cpus_go);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
