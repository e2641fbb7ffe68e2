/*
 * stage08-arm64: the same VMM, on arm64: several vCPUs, a serial port, a disk.
 *
 * The VMM gives the guest one slot of memory at GUEST_MEM_BASE, loads a flat
 * binary at GUEST_LOAD_ADDR and starts the boot vCPU there, at EL1 (the
 * kernel's exception level) with the MMU off, and runs it until it powers off
 * with a PSCI call. arm64 has no I/O ports: every device is memory-mapped, and
 * every access to one is a KVM_EXIT_MMIO. The serial port is a PL011 UART
 * (pl011.c, serial.c), whose interrupt reaches the guest through KVM's
 * in-kernel GIC. Its disk is the same virtio-blk device as on x86
 * (virtio_blk.c, virtio_mmio.c, virtqueue.c, byte for byte); disk.c wires it.
 *
 * The other vCPUs start powered off, as an arm64 machine's secondary CPUs do,
 * until the boot vCPU's guest code asks the firmware, PSCI, to turn each on:
 * KVM is that firmware, and the VMM never sets their registers. Every vCPU may
 * touch every device, so each device has a lock; the first vCPU that ends the
 * run stops the others (run.c).
 *
 * Builds for aarch64 only: struct kvm_regs and the register ids are arm64's.
 */
#ifndef VMM_H
#define VMM_H

#include "pl011.h"
#include "virtio_blk.h"
#include "virtio_mmio.h"

#include <linux/kvm.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#ifndef __aarch64__
#error "stage08-arm64 builds for aarch64: on x86, make uses aarch64-linux-gnu-gcc"
#endif

/* book:begin memory-map */
/*
 * The guest's physical address space. x86 has RAM at 0 by history; arm64 has
 * no such history, and each board draws its own map. A real board's CPU starts
 * in boot ROM or flash at address 0, with devices in the low addresses, and its
 * RAM comes above them: here at 1 GiB, as on QEMU's "virt" board (Arm's own
 * reference boards start it at 2 GiB). Anything not listed below is nothing: an
 * access there is an MMIO exit that no device claims.
 */
#define GUEST_MEM_BASE 0x40000000 /* RAM starts at 1 GiB: below it, room for devices */
#define GUEST_MEM_SIZE 0x200000 /* 2 MiB of RAM: plenty for these guests */
#define GUEST_LOAD_ADDR GUEST_MEM_BASE /* the guest's first byte, where vCPU 0 starts */
#define GUEST_MAX_SIZE (GUEST_MEM_SIZE - (GUEST_LOAD_ADDR - GUEST_MEM_BASE))
/* SP_EL1 starts at the top of RAM and the stack grows down (16-byte aligned, as AAPCS64 asks). */
#define GUEST_STACK_TOP (GUEST_MEM_BASE + GUEST_MEM_SIZE)

/*
 * The interrupt controller, a GIC, in the kernel (vm.c): the VMM only says where
 * its registers are, where QEMU's virt board has them. The distributor (GICD) is
 * shared; GICv3 gives each vCPU a redistributor (GICR) of two 64 KiB frames,
 * one after the other; GICv2 has a CPU interface (GICC) instead.
 */
#define GICD_BASE 0x08000000 /* the distributor: 64 KiB */
#define GICC_BASE 0x08010000 /* GICv2 only: the CPU interface, 8 KiB */
#define GICR_BASE 0x080a0000 /* GICv3 only: the redistributors, GICR_SIZE per vCPU */
#define GICR_SIZE 0x20000

#define PL011_BASE 0x09000000 /* the UART, where QEMU's virt board has its PL011 */
#define PL011_SIZE 0x1000 /* one 4 KiB page of registers */
#define REPORT_ADDR 0x09010000 /* this VMM's report register: a guest writes a value there */
#define REPORT_SIZE 8 /*   (the analogue of port 0x80 in the x86 chapters) */

/*
 * The disk: a virtio-mmio register window (virtio 1.2, 4.2.2), where QEMU's virt
 * board has its first one, with no RAM behind it: every access is an MMIO exit.
 */
#define VIRTIO_MMIO_BASE 0x0a000000
#define VIRTIO_MMIO_SIZE 0x1000 /* registers, then the configuration space at 0x100 */
/* book:end memory-map */

/* book:begin irqs */
/*
 * The devices' interrupt lines: shared peripheral interrupts (SPIs) of the GIC,
 * numbered from 0 as KVM_IRQFD's gsi counts them. The GIC's own interrupt ID is
 * 32 more (IDs 0-31 are each CPU's private ones), and KVM_IRQ_LINE wants that ID
 * with the kind of interrupt in the bits above it (IRQ_LINE_SPI).
 */
#define UART_IRQ 1 /* the PL011: INTID 33, as on QEMU's virt board */
#define DISK_IRQ 16 /* the disk: INTID 48, the virt board's first virtio-mmio line */
#define GIC_SPI_BASE 32 /* INTID of SPI 0 */
#define IRQ_LINE_SPI(spi)                                                                          \
	((KVM_ARM_IRQ_TYPE_SPI << KVM_ARM_IRQ_TYPE_SHIFT) | (GIC_SPI_BASE + (spi)))
/* book:end irqs */

#define SIGNAL_STOP SIGUSR2 /* another vCPU ended the run: this one stops too (vm_stop) */

/* book:begin cpus */
/*
 * --cpus: 1 to VCPUS_MAX, and no more than KVM_CAP_MAX_VCPUS (8 with a GICv2).
 * KVM makes each vCPU's MPIDR_EL1, its affinity, from its id: vCPU 0, the first
 * created, is the boot vCPU.
 */
#define VCPUS_DEFAULT 2
#define VCPUS_MAX 16
/* book:end cpus */

_Static_assert(GICR_BASE + VCPUS_MAX * GICR_SIZE <= PL011_BASE &&
		   PL011_BASE + PL011_SIZE <= REPORT_ADDR &&
		   REPORT_ADDR + REPORT_SIZE <= VIRTIO_MMIO_BASE &&
		   VIRTIO_MMIO_BASE + VIRTIO_MMIO_SIZE <= GUEST_MEM_BASE,
	       "the devices do not overlap each other or RAM, for up to VCPUS_MAX vCPUs");
_Static_assert(GUEST_STACK_TOP % 16 == 0, "SP must be 16-byte aligned when it is used");

/* book:begin psci */
/*
 * PSCI, the Power State Coordination Interface (Arm DEN 0022): the calls an OS
 * makes to firmware, here KVM, through "hvc #0" with the function id in w0.
 * KVM answers most of them itself, with no exit to us, CPU_ON included; the two
 * that end the machine come to us as KVM_EXIT_SYSTEM_EVENT.
 */
#define PSCI_FN_VERSION 0x84000000 /* returns the version: major << 16 | minor */
#define PSCI_FN_CPU_OFF 0x84000002 /* this CPU stops, until another turns it on */
#define PSCI_FN64_CPU_ON 0xc4000003 /* start the CPU x1 (its MPIDR) at x2, with x0 = x3 */
#define PSCI_FN_SYSTEM_OFF 0x84000008 /* power the machine off: the guest is done */
#define PSCI_FN_SYSTEM_RESET 0x84000009 /* restart the machine */
/* book:end psci */

/* book:begin pstate */
/*
 * PSTATE, the processor state, as the vCPU starts (the layout of SPSR_EL1 in
 * the Arm ARM, "Process state, PSTATE"). M[3:0] says the exception level and
 * which stack pointer is in use; D, A, I, F mask the four kinds of exception.
 */
#define PSTATE_M_EL1H (0x5u) /* M[3:0] = 0b0101: EL1, using SP_EL1 ("EL1h") */
#define PSTATE_F (1u << 6) /* FIQ masked */
#define PSTATE_I (1u << 7) /* IRQ masked */
#define PSTATE_A (1u << 8) /* SError (asynchronous abort) masked */
#define PSTATE_D (1u << 9) /* debug exceptions masked */
#define PSTATE_DAIF (PSTATE_D | PSTATE_A | PSTATE_I | PSTATE_F)
/* book:end pstate */

/* book:begin reg-ids */
/*
 * KVM_GET_ONE_REG and KVM_SET_ONE_REG name a register with a 64-bit id put
 * together from fields (Documentation/virt/kvm/api.rst, "KVM_SET_ONE_REG"):
 *   KVM_REG_ARM64     bits 63-56: the architecture, arm64
 *   KVM_REG_SIZE_U64  bits 55-52: the size, log2 of its bytes: 3, 8 bytes
 *   KVM_REG_ARM_CORE  bits 31-16: the group: core registers, laid out as struct kvm_regs
 *   the offset        bits 15-0:  where the register is in struct kvm_regs, counted in
 *                                 32-bit words (not bytes)
 */
#define CORE_REG(field)                                                                            \
	(KVM_REG_ARM64 | KVM_REG_SIZE_U64 | KVM_REG_ARM_CORE |                                     \
	 offsetof(struct kvm_regs, field) / sizeof(uint32_t))
#define REG_PC CORE_REG(regs.pc)
#define REG_PSTATE CORE_REG(regs.pstate)
#define REG_SP_EL0 CORE_REG(regs.sp) /* struct kvm_regs's "sp" is SP_EL0 */
#define REG_SP_EL1 CORE_REG(sp_el1) /* the stack pointer of EL1h */
#define REG_ELR_EL1 CORE_REG(elr_el1) /* where an exception taken to EL1 came from */
/* x0-x30 are consecutive 64-bit words: two 32-bit steps each. */
#define REG_X(n) (CORE_REG(regs.regs[0]) + (n) * (sizeof(uint64_t) / sizeof(uint32_t)))

/*
 * System registers take another group, KVM_REG_ARM64_SYSREG, and their
 * encoding in MRS/MSR instructions (op0, op1, CRn, CRm, op2) as the offset.
 */
#define SYS_REG(op0, op1, crn, crm, op2)                                                           \
	(KVM_REG_ARM64 | KVM_REG_SIZE_U64 | KVM_REG_ARM64_SYSREG |                                 \
	 ((uint64_t)(op0) << KVM_REG_ARM64_SYSREG_OP0_SHIFT) |                                     \
	 ((uint64_t)(op1) << KVM_REG_ARM64_SYSREG_OP1_SHIFT) |                                     \
	 ((uint64_t)(crn) << KVM_REG_ARM64_SYSREG_CRN_SHIFT) |                                     \
	 ((uint64_t)(crm) << KVM_REG_ARM64_SYSREG_CRM_SHIFT) |                                     \
	 ((uint64_t)(op2) << KVM_REG_ARM64_SYSREG_OP2_SHIFT))
#define REG_MPIDR_EL1 SYS_REG(3, 0, 0, 0, 5) /* multiprocessor affinity: which CPU this is */
#define REG_SCTLR_EL1 SYS_REG(3, 0, 1, 0, 0) /* system control: MMU, caches, alignment */
#define REG_ESR_EL1 SYS_REG(3, 0, 5, 2, 0) /* exception syndrome: why the last exception */
#define REG_FAR_EL1 SYS_REG(3, 0, 6, 0, 0) /* fault address of the last abort */
#define REG_VBAR_EL1 SYS_REG(3, 0, 12, 0, 0) /* vector base: where exceptions go */
/* book:end reg-ids */

/* MPIDR_EL1's affinity fields Aff0-Aff2 (bits 23:0) and Aff3 (39:32): the rest is flags. */
#define MPIDR_AFFINITY_MASK 0xff00ffffffull

/* ESR_EL1: the exception class, bits 31:26, and for aborts the fault status, bits 5:0. */
#define ESR_EC_SHIFT 26
#define ESR_EC_MASK 0x3fu
#define ESR_EC_UNKNOWN 0x00 /* unknown reason: an undefined instruction, for one */
#define ESR_EC_IABT_LOW 0x20 /* instruction abort from a lower exception level */
#define ESR_EC_IABT_CUR 0x21 /* instruction abort without a change of level */
#define ESR_EC_DABT_LOW 0x24 /* data abort from a lower exception level */
#define ESR_EC_DABT_CUR 0x25 /* data abort without a change of level */
#define ESR_FSC_MASK 0x3fu
/*
 * What KVM puts in a system register the architecture leaves UNKNOWN at
 * reset (ESR_EL1 and FAR_EL1 among them): a value easy to recognise.
 */
#define KVM_UNKNOWN_VALUE 0x1de7ec7edbadc0deull
/* VBAR_EL1 + this: the vector for a synchronous exception from EL1 using SP_EL1. */
#define VECTOR_SYNC_EL1H 0x200

#define VMM_ERROR_MAX 512
#define MMIO_REPORTED_MAX 16 /* unknown MMIO addresses reported one by one, then no more */

/* book:begin serial */
#define SERIAL_INPUT_MAX 4096 /* host input waiting for room in the UART: a ring */
#define ASCII_EOT 0x04 /* "end of transmission": what Ctrl-D types; sent at EOF */

/* The serial port: the PL011 model, and the host side of its serial line. */
struct serial {
	struct pl011 uart; /* the chip: registers, FIFO, interrupt logic (pl011.c) */
	pthread_mutex_t lock; /* held around every call into uart: two threads use it */
	pthread_cond_t room; /* signalled when input leaves the ring for the FIFO */
	uint8_t input[SERIAL_INPUT_MAX]; /* host input the FIFO had no room for yet */
	unsigned input_head, input_count;
	bool stopping; /* the input thread must end */
	int input_fd; /* where input comes from (stdin), -1 when there is no thread */
	int wake[2]; /* a pipe: a byte written to wake[1] wakes the thread's poll() */
	pthread_t thread; /* reads input_fd; valid while input_fd >= 0 */
};
/* book:end serial */

/* book:begin disk */
/* The disk: the virtio-blk model behind its virtio-mmio transport, and its host side. */
struct disk {
	struct virtio_blk blk; /* the device: the image file, requests (virtio_blk.c) */
	struct virtio_mmio mmio; /* its registers and queue (virtio_mmio.c, virtqueue.c) */
	bool present; /* --disk opened an image: the window at VIRTIO_MMIO_BASE answers */
	pthread_mutex_t lock; /* held around every call into mmio: two threads may use it */
	int notify_fd; /* --ioeventfd: KVM signals it on a QueueNotify write; else -1 */
	int irq_fd; /* --ioeventfd: a write to it raises DISK_IRQ (KVM_IRQFD); else -1 */
	int wake[2]; /* a pipe: a byte written to wake[1] ends the thread */
	pthread_t thread; /* serves notify_fd; valid while serving */
	bool serving; /* the thread runs */
	uint64_t notifies; /* queue notifications served by the thread */
};
/* book:end disk */

/* book:begin stats */
#define STATS_REASONS 64 /* exit reasons counted one by one; larger ones share the last */

/* What --stats prints: where the time went. Collected only when vcpu->stats is set. */
struct run_stats {
	uint64_t exits[STATS_REASONS]; /* how many exits of each reason */
	uint64_t in_kvm_run_ns; /* time inside KVM_RUN: the guest, and KVM's own work */
	uint64_t total_ns; /* the whole of vcpu_run() */
};
/* book:end stats */

/* What running the guest came to. */
enum run_outcome {
	RUN_FINISHED, /* the guest finished: PSCI SYSTEM_OFF or SYSTEM_RESET */
	RUN_TIMED_OUT, /* it was still running after vcpu->timeout seconds */
	RUN_GUEST_ERROR, /* the guest did something the VMM cannot go on from */
	RUN_HOST_ERROR, /* a system call failed */
	RUN_STOPPED, /* another vCPU ended the run, and this one was stopped with it */
};

/* book:begin structs */
struct vm {
	int kvm_fd; /* /dev/kvm: the KVM subsystem itself */
	int vm_fd; /* one virtual machine: its memory, its devices */
	int gic_fd; /* the in-kernel GIC (KVM_CREATE_DEVICE) */
	uint32_t gic_type; /* KVM_DEV_TYPE_ARM_VGIC_V3, or _V2 where there is no v3 */
	uint8_t *mem; /* guest physical memory from GUEST_MEM_BASE, as the VMM sees it */
	size_t mem_size;
	FILE *console; /* where the UART's output goes (stdout) */
	FILE *trace; /* one line per VM exit when not NULL (--trace) */
	FILE *log; /* the VMM's own remarks, e.g. unknown addresses (stderr) */
	uint64_t last_report; /* the last value written to REPORT_ADDR */
	unsigned reports; /* how many values were written there */
	uint64_t mmio_reported[MMIO_REPORTED_MAX]; /* unknown MMIO addresses, once reported */
	unsigned mmio_reports;
	struct serial uart0; /* the serial port (serial.c) */
	struct disk disk; /* the virtio-blk disk (disk.c) */
	char error[VMM_ERROR_MAX]; /* why the last call failed, in one sentence */
	struct vcpu *vcpus; /* the VMM's vCPUs, vcpus[0] the boot vCPU, when it runs them */
	unsigned cpus; /* how many vCPUs were created: the next one's id */
	/* The vCPU threads share the VM: this lock guards the fields above that they
	   write (reports, the unknown addresses, error), and these: */
	pthread_mutex_t lock;
	bool stopping; /* a vCPU ended the run: the others are being stopped */
	struct vcpu *stopped_by; /* that first vCPU: its outcome is the run's */
};

struct vcpu {
	struct vm *vm;
	int fd; /* the vCPU: registers, KVM_RUN */
	struct kvm_run *run; /* shared with the kernel: why KVM_RUN returned */
	size_t run_size;
	struct run_stats *stats; /* counts and times exits when not NULL (--stats) */
	double timeout; /* seconds, when a timer was set (--timeout) */
	timer_t timer; /* that timer: it signals this vCPU's thread */
	volatile sig_atomic_t timed_out; /* set by the timer's signal handler */
	struct debugger *debug; /* --step, --gdb: debug.h (NULL: not debugging) */
	unsigned index; /* KVM's vCPU id, and its MPIDR_EL1's affinity: 0 is the boot vCPU */
	pthread_t thread; /* the thread that runs it: the main thread for the boot vCPU */
	bool has_thread; /* that thread runs it: vm_stop() may signal it */
	volatile sig_atomic_t stopped; /* set by the SIGNAL_STOP handler (vm_stop) */
	enum run_outcome outcome; /* what its run came to */
};
/* book:end structs */

/* What to do after handling one exit. */
enum after_exit {
	RESUME_GUEST, /* handled: enter the guest again */
	GUEST_FINISHED, /* the guest has finished */
	STOP_WITH_ERROR, /* stop: vm->error says why */
};

/* kvm.c */
int kvm_open(struct vm *vm, const char *path);
int kvm_check_api_version(struct vm *vm, int version);
int kvm_capability(struct vm *vm, long capability);
unsigned kvm_max_vcpus(struct vm *vm);

/* vm.c */
void vm_init(struct vm *vm);
int vm_create(struct vm *vm);
int vm_create_irqchip(struct vm *vm);
int vm_init_irqchip(struct vm *vm);
int vm_load_guest(struct vm *vm, const char *path);
void *guest_ptr(struct vm *vm, uint64_t gpa, uint64_t len);
void vm_destroy(struct vm *vm);
int vm_fail(struct vm *vm, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int vm_fail_errno(struct vm *vm, const char *what);

/* vcpu.c */
int vcpu_create(struct vm *vm, struct vcpu *vcpu);
int vcpu_set_el1h(struct vcpu *vcpu);
int vcpu_get_reg(struct vcpu *vcpu, uint64_t id, uint64_t *value);
int vcpu_set_reg(struct vcpu *vcpu, uint64_t id, uint64_t value);
int vcpu_get_regs(struct vcpu *vcpu, struct kvm_regs *regs);
int vcpus_create(struct vm *vm, struct vcpu *vcpus, unsigned cpus);
int vcpu_mp_state(struct vcpu *vcpu, uint32_t *state);
void vcpu_destroy(struct vcpu *vcpu);

/* devices.c */
enum after_exit mmio_access(struct vm *vm, uint64_t addr, uint8_t *data, unsigned len,
			    bool is_write);

/* run.c */
int vcpu_run_once(struct vcpu *vcpu);
enum after_exit vcpu_handle_exit(struct vcpu *vcpu);
enum run_outcome vcpu_run(struct vcpu *vcpu);
int vcpu_set_timeout(struct vcpu *vcpu, double seconds);
void vm_stop(struct vm *vm, struct vcpu *by);
enum run_outcome vm_run(struct vm *vm);

/* serial.c */
void serial_init(struct vm *vm);
bool serial_owns(uint64_t addr);
bool serial_mmio(struct vm *vm, uint64_t addr, uint8_t *data, unsigned len, bool is_write);
int serial_start_input(struct vm *vm, int fd);
bool serial_feed(struct vm *vm, const uint8_t *bytes, size_t len);
void serial_stop_input(struct vm *vm);

/* disk.c */
void disk_init(struct vm *vm);
int disk_open(struct vm *vm, const char *arg);
bool disk_owns(const struct vm *vm, uint64_t addr);
enum after_exit disk_mmio(struct vm *vm, uint64_t addr, uint8_t *data, unsigned len, bool is_write);
int disk_use_ioeventfd(struct vm *vm);
void disk_print_stats(FILE *out, struct vm *vm, const struct run_stats *stats);
void disk_close(struct vm *vm);

/* terminal.c */
bool terminal_take(int fd);
void terminal_restore(void);

/* diag.c */
const char *exit_reason_name(uint32_t reason);
const char *system_event_name(uint32_t type);
void trace_exit(FILE *out, const struct vcpu *vcpu);
void diag_dump(struct vcpu *vcpu, FILE *out);
void stats_print(FILE *out, const struct run_stats *stats);

#include "debug.h" /* --step and --gdb, on arm64 */

#endif
