/*
 * Exercise 05-irq-hello (hard): a line sent by interrupt, one byte per THRE interrupt.
 * Write guest-asm/05-serial/irq-hello.asm: it sends through COM1 the NUL-terminated
 * line the test put at address 0x20000, not by polling LSR but from its IRQ 4
 * handler: with IER's ETBEI set, the UART interrupts whenever THR is empty, and the
 * handler sends the next byte each time IIR says THRE. Between interrupts the vCPU
 * sleeps in HLT. After the last byte the guest finishes through port 0xf4 with
 * status 0. The test checks the line, the interrupt line's rising edges (one per byte
 * at least) and the IDT entry of the vector the PIC gives IRQ 4; it runs two lines.
 * order: 3
 * hint: irq-echo.asm has the PIC, the IDT and the sleep loop; enable ETBEI (IER bit 1) instead of
 * ERBFI; reading IIR acknowledges THRE and writing THR raises it again; at the NUL, turn ETBEI
 * off and tell the main loop to finish
 */
#include "guest_fixture.h"
#include "kvm_check.h"

#include <string.h>
#include <sys/ioctl.h>

#define GUEST "irq-hello.bin"
#define LINE_ADDR 0x20000 /* physical: the line the guest sends */
#define COM1_IRQ_INPUT 4 /* the master PIC's input COM1 is wired to */
#define IDT_ENTRY_64 16 /* bytes per IDT entry in IA-32e mode (SDM vol. 3A, "64-Bit Mode IDT") */
#define GATE_PRESENT 0x80 /* byte 5 of a gate descriptor: P (SDM vol. 3A, "IDT Descriptors") */

/* Rising edges of COM1's interrupt line, counted between the UART and the VMM's callback. */
static void (*vmm_set_irq)(void *ctx, int level);
static unsigned rising_edges;
static int last_level;

static void count_edges(void *ctx, int level)
{
	if (level && !last_level)
		rising_edges++;
	last_level = level;
	vmm_set_irq(ctx, level);
}

/* The vector the master 8259 gives IRQ 4, as the guest programmed it (ICW2). */
static unsigned com1_vector(struct fixture *f)
{
	struct kvm_irqchip chip = {.chip_id = KVM_IRQCHIP_PIC_MASTER};

	ck_assert_msg(ioctl(f->vm.vm_fd, KVM_GET_IRQCHIP, &chip) == 0, "KVM_GET_IRQCHIP failed");
	return chip.chip.pic.irq_base + COM1_IRQ_INPUT;
}

/* Fails unless the guest's IDT has a present gate for `vector`. */
static void expect_a_gate_for(struct fixture *f, unsigned vector)
{
	struct kvm_sregs sregs = sregs_of(f);

	ck_assert_msg(sregs.idt.limit >= vector * IDT_ENTRY_64 + IDT_ENTRY_64 - 1,
		      "IDTR's limit is 0x%x: no IDT entry for vector 0x%x, IRQ 4's",
		      sregs.idt.limit, vector);
	uint8_t *gate = guest_ptr(&f->vm, sregs.idt.base + vector * IDT_ENTRY_64, IDT_ENTRY_64);
	ck_assert_msg(gate && (gate[5] & GATE_PRESENT),
		      "the IDT entry of vector 0x%x (IRQ 4) is not present", vector);
}

static void expect_sent_by_interrupt(const char *line)
{
	struct fixture f;

	start_guest(&f, GUEST, vcpu_set_long_mode);
	char *at = guest_ptr(&f.vm, LINE_ADDR, strlen(line) + 1);
	ck_assert_ptr_nonnull(at);
	memcpy(at, line, strlen(line) + 1);
	vmm_set_irq = f.vm.com1.uart.host.set_irq;
	f.vm.com1.uart.host.set_irq = count_edges;
	rising_edges = 0;
	last_level = f.vm.com1.uart.irq_level;
	ck_assert_msg(run_to_end(&f) == RUN_FINISHED,
		      "the guest did not finish through port 0xf4: %s", f.vm.error);
	ck_assert_msg(f.vm.status == 0, "the guest finished with status %u, not 0", f.vm.status);
	ck_assert_str_eq(output_of(&f.vm, &f.c), line);
	ck_assert_msg(rising_edges >= strlen(line),
		      "COM1's interrupt line rose %u times for %zu bytes: send each byte when "
		      "the THRE interrupt comes",
		      rising_edges, strlen(line));
	expect_a_gate_for(&f, com1_vector(&f));
	finish(&f);
}

START_TEST(sends_a_line_by_interrupt)
{
	expect_sent_by_interrupt("Interrupts!\n");
}
END_TEST

START_TEST(sends_another_line_by_interrupt)
{
	expect_sent_by_interrupt("THR is empty, send the next one\n");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("exercise 05-irq-hello");
	TCase *tc = tcase_create("irq-hello");

	tcase_set_timeout(tc, 30);
	tcase_add_kvm_test(tc, sends_a_line_by_interrupt);
	tcase_add_kvm_test(tc, sends_another_line_by_interrupt);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
