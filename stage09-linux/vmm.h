/*
 * stage09-linux: the VMM boots Linux, the kernel Debian ships, unmodified.
 *
 * Everything from stage07-smp is here: guest memory in one slot at guest
 * physical 0, several vCPUs on threads, COM1 (uart.c, serial.c) and the
 * virtio-blk disk (virtio_blk.c, disk.c). What is new is what a real kernel
 * needs to start and to find its hardware: the Linux boot protocol (linux.c: the
 * bzImage, the zero page, the command line, the initrd, the e820 memory map),
 * a CPUID that says "KVM" (vcpu.c), and ACPI tables (acpi.c, aml.c) that name
 * the CPUs, the interrupt controllers, COM1, the disk, and a register through
 * which the kernel powers the machine off.
 *
 * Given a flat binary instead, it runs it as stage07 did: loaded at
 * GUEST_LOAD_ADDR, started in 64-bit long mode, finished through PORT_DONE.
 * The other vCPUs start as a PC's do, waiting for INIT and start-up IPIs from
 * the boot vCPU, which Linux sends them as any guest would.
 */
#ifndef VMM_H
#define VMM_H

#include "uart.h"
#include "virtio_blk.h"
#include "virtio_mmio.h"

#include <asm/bootparam.h>
#include <linux/kvm.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

/* book:begin memory-map */
/* Guest physical memory: one slot, starting at guest physical address 0. */
#define GUEST_MEM_SIZE 0x200000 /* 2 MiB: what one 2 MiB page maps */
/* Where the guest binary is loaded and starts: where a PC BIOS loads a boot sector. */
#define GUEST_LOAD_ADDR 0x7c00
#define GUEST_MAX_SIZE (GUEST_MEM_SIZE - GUEST_LOAD_ADDR)
/* The stack grows down from just below the guest. */
#define GUEST_STACK_TOP GUEST_LOAD_ADDR
/*
 * What the VMM itself puts in guest memory, all of it below the stack: a guest
 * is loaded above GUEST_LOAD_ADDR, so no guest can be loaded over these.
 */
#define GDT_ADDR 0x0800 /* the GDT: GDT_ENTRIES descriptors of 8 bytes */
#define PML4_ADDR 0x1000 /* 4-level paging: the PML4 table (CR3) */
#define PDPT_ADDR 0x2000 /* 4-level paging: the page-directory-pointer table */
#define PD_ADDR 0x3000 /* 4-level paging: the page directory, 2 MiB pages */
#define PD_DEVICES_ADDR 0x4000 /* 4-level paging: the page directory for the devices */
#define VMM_AREA_END 0x5000 /* the stack may grow down to here: 11 KiB */
/* book:end memory-map */

/* book:begin linux-memory-map */
/*
 * Booting Linux (linux.c) instead of a flat guest: RAM is --mem MiB, and the VMM
 * puts these in it for the kernel, then starts vCPU 0 at the kernel's entry point.
 */
#define LINUX_MEM_DEFAULT 256 /* MiB of RAM, --mem's default */
#define LINUX_MEM_MIN 16 /* MiB: the kernel then says how much it needs */
#define LINUX_MEM_MAX 1024 /* MiB: paging.c's one page directory maps 1 GiB */
#define ZERO_PAGE_ADDR 0x10000 /* struct boot_params, 4 KiB: what the kernel gets */
#define CMDLINE_ADDR 0x20000 /* the kernel's command line */
#define CMDLINE_MAX 0x1000 /* its room, with the NUL; the kernel may take less */
/* The ACPI tables: in the BIOS area, where the kernel also looks for the RSDP. */
#define ACPI_TABLES_ADDR 0xe0000
#define ACPI_TABLES_SIZE 0x20000 /* up to 1 MiB */
#define LINUX_KERNEL_ADDR 0x100000 /* the protected-mode kernel: at 1 MiB */
/* book:end linux-memory-map */

_Static_assert(GDT_ADDR >= 0x500 && VMM_AREA_END <= GUEST_STACK_TOP,
	       "the VMM's structures lie between the real-mode IVT/BIOS data and the stack");

/* book:begin tss */
/*
 * KVM_SET_TSS_ADDR: on an Intel processor without "unrestricted guest", KVM runs
 * real-mode code in virtual-8086 mode, which needs a task-state segment of its own:
 * three pages of guest physical address space that KVM fills itself. They lie
 * below 4 GiB, away from RAM and every device: here, where QEMU puts them.
 */
#define TSS_ADDR 0xfffbd000
/* book:end tss */

/* book:begin ports */
/* The guest's devices: I/O ports, each handled in devices.c. */
/* OUT: bytes to our stdout. IN: reads 0xe9, as in Bochs and QEMU, so a guest can tell
   the console is there. */
#define PORT_CONSOLE 0xe9
#define PORT_REPORT 0x80 /* OUT: a value the guest reports (a PC's POST-code port) */
#define PORT_DONE 0xf4 /* OUT: the guest has finished; the byte is the VMM's exit status */
/* IN: how many vCPUs the VM has (--cpus), as QEMU's fw_cfg tells firmware: none is
   started but the boot vCPU, and the guest must know how many to wait for. */
#define PORT_CPUS 0xf5

/* COM1, the PC's first serial port: a 16550A UART (uart.c) and its host side (serial.c). */
#define COM1_BASE 0x3f8 /* its registers, UART_RBR to UART_SCR: 0x3f8-0x3ff */
#define COM1_PORTS 8
#define COM1_IRQ 4 /* its interrupt line: input 4 of the first 8259 PIC */

/*
 * The disk: a virtio-mmio register window (virtio 1.2, 4.2.2) in guest physical
 * address space, where there is no RAM, so that every access to it is an MMIO
 * exit: in the hole below 4 GiB where a PC keeps device memory (Firecracker puts
 * its first device here too). Its interrupt is the PIC input after COM1's.
 */
#define VIRTIO_MMIO_BASE 0xd0000000
#define VIRTIO_MMIO_SIZE 0x1000 /* registers, then the configuration space at 0x100 */
#define DISK_IRQ 5 /* input 5 of the first 8259 PIC */

/*
 * Each vCPU's local APIC (in the kernel, with KVM_CREATE_IRQCHIP): its registers
 * are 4 KiB at the same guest physical address on every CPU, each CPU reaching
 * its own (SDM vol. 3A, "Local APIC Register Address Map"). Through its ICR the
 * boot CPU sends the others INIT and start-up IPIs.
 */
#define LAPIC_BASE 0xfee00000 /* the IA32_APIC_BASE MSR's value after reset */
#define LAPIC_SIZE 0x1000

/*
 * ACPI's sleep registers, which the FADT points the kernel at (acpi.c): writing
 * S5's sleep type to the control register is how Linux's poweroff turns off a
 * machine with hardware-reduced ACPI. Ports no PC device uses (QEMU's ICH9
 * chipset has its power management registers here too).
 */
#define PORT_SLEEP_CONTROL 0x600
#define PORT_SLEEP_STATUS 0x601
/* ACPI's reset register (the FADT's): where a PC's chipset has its reset control. */
#define PORT_RESET 0xcf9
/* The I/O APIC of KVM's in-kernel irqchip: where the PC has it (82093AA). */
#define IOAPIC_BASE 0xfec00000
/* book:end ports */

#define RFLAGS_RESERVED_1 (1u << 1) /* RFLAGS bit 1 always reads as 1 (SDM vol. 1, 3.4.3) */
#define RFLAGS_IF (1u << 9) /* IF: external interrupts are taken (SDM vol. 1, 3.4.3.3) */
#define SIGNAL_WAKE SIGUSR1 /* interrupts KVM_RUN and does nothing else (vcpu_watch) */
#define SIGNAL_STOP SIGUSR2 /* another vCPU ended the run: this one stops too (vm_stop) */

/* book:begin cpus */
/*
 * --cpus: 1 to VCPUS_MAX, and no more than KVM_CAP_MAX_VCPUS. KVM's vCPU id is
 * also the local APIC's ID: vCPU 0, the first created, is the boot vCPU.
 */
#define VCPUS_DEFAULT 2
#define VCPUS_MAX 16
/* book:end cpus */

/* book:begin bits */
/*
 * Architectural bits, named and placed as in the Intel SDM, vol. 3A. Sections are
 * cited by number and title: the numbers move between editions of the SDM (paging
 * is chapter 4 in most, 5 in the newest), the titles do not.
 */
/* CR0: SDM vol. 3A, 2.5 "Control Registers" */
#define CR0_PE (1u << 0) /* Protection Enable: clear in real mode */
#define CR0_ET (1u << 4) /* Extension Type: reserved, hard-wired to 1 (P6 and later) */
#define CR0_PG (1u << 31) /* Paging: translate linear addresses through CR3's tables */
/* CR4: 2.5 "Control Registers" */
#define CR4_PAE (1u << 5) /* Physical Address Extension: 64-bit table entries */

/* The EFER MSR (0xc0000080): 2.2.1 "Extended Feature Enable Register" */
#define EFER_LME (1u << 8) /* Long Mode Enable: paging turned on will be 4-level */
#define EFER_LMA (1u << 10) /* Long Mode Active: set by the CPU when PG goes on with LME */

/* A segment descriptor: 3.4.5 "Segment Descriptors", Figure 3-8 (a 64-bit entry) */
#define DESC_TYPE_SHIFT 40 /* bits 43:40: the type, SEG_TYPE_* below */
#define DESC_S (1ull << 44) /* S: 1 = code or data segment, 0 = system */
#define DESC_DPL_SHIFT 45 /* bits 46:45: descriptor privilege level */
#define DESC_P (1ull << 47) /* P: present */
#define DESC_AVL (1ull << 52) /* AVL: free for system software */
#define DESC_L (1ull << 53) /* L: 64-bit code segment */
#define DESC_DB (1ull << 54) /* D/B: 1 = 32-bit operands, addresses and stack */
#define DESC_G (1ull << 55) /* G: the limit counts 4 KiB units, not bytes */

/* Its type field: 3.4.5.1 "Code- and Data-Segment Descriptor Types", Table 3-1 */
#define SEG_TYPE_ACCESSED 0x1 /* A: the CPU sets it when it loads the segment */
#define SEG_TYPE_WRITE 0x2 /* data segment: writable */
#define SEG_TYPE_READ 0x2 /* code segment: readable */
#define SEG_TYPE_CODE 0x8 /* executable: a code segment, else a data segment */

/* Paging-structure entries, 8 bytes each: 4.5 "4-Level Paging and 5-Level Paging" */
#define PTE_PRESENT (1u << 0) /* P: the entry maps a page (or a page table) */
#define PTE_WRITE (1u << 1) /* R/W: writes allowed */
#define PTE_ACCESSED (1u << 5) /* A: set by the CPU when it uses the entry (4.8) */
#define PTE_DIRTY (1u << 6) /* D: set by the CPU when it writes the page (4.8) */
#define PTE_PCD (1u << 4) /* PCD: page-level cache disable, for device registers */
#define PDE_PS (1u << 7) /* PS, in a page-directory entry: it maps a 2 MiB page itself */
/* book:end bits */

#define PAGE_SIZE 4096
/* The large page of 4-level paging: what a page-directory entry with PDE_PS maps */
#define PAGE_SIZE_2M 0x200000
_Static_assert(GUEST_MEM_SIZE % PAGE_SIZE_2M == 0, "2 MiB pages map guest RAM exactly");
_Static_assert(VIRTIO_MMIO_BASE >= 0x40000000 &&
		   VIRTIO_MMIO_BASE % PAGE_SIZE_2M + VIRTIO_MMIO_SIZE <= PAGE_SIZE_2M,
	       "paging.c maps the window with one 2 MiB page, in its own GiB");
_Static_assert(LAPIC_BASE >> 30 == VIRTIO_MMIO_BASE >> 30 &&
		   LAPIC_BASE % PAGE_SIZE_2M + LAPIC_SIZE <= PAGE_SIZE_2M,
	       "paging.c maps the local APIC with one 2 MiB page, in the disk's GiB");

/* The GDT the VMM writes at GDT_ADDR: which descriptor is where. */
enum gdt_index {
	GDT_NULL, /* entry 0 is never used: selector 0 means "no segment" */
	GDT_DATA, /* flat data: base 0, limit 4 GiB */
	GDT_CODE64, /* 64-bit code: base and limit ignored */
	GDT_ENTRIES
};
/* A selector names a descriptor: its index * 8, with TI = 0 (the GDT) and RPL = 0 (3.4.2). */
#define SELECTOR(index) ((index)*8)

#define VMM_ERROR_MAX 512
#define MMIO_REPORTED_MAX 16 /* unknown MMIO addresses reported one by one, then no more */

/* book:begin serial */
#define SERIAL_INPUT_MAX 4096 /* host input waiting for room in the UART: a ring */
#define ASCII_EOT 0x04 /* "end of transmission": what Ctrl-D types; sent at EOF */

/* COM1: the UART model, and the host side of its serial line. */
struct serial {
	struct uart uart; /* the chip: registers, FIFO, interrupt logic (uart.c) */
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
	RUN_FINISHED, /* the guest finished: it wrote vm->status to PORT_DONE */
	RUN_TIMED_OUT, /* it was still running after vcpu->timeout seconds */
	RUN_GUEST_ERROR, /* the guest did something the VMM cannot go on from */
	RUN_HOST_ERROR, /* a system call failed */
	RUN_STOPPED, /* another vCPU ended the run, and this one was stopped with it */
};

/* book:begin structs */
struct vm {
	int kvm_fd; /* /dev/kvm: the KVM subsystem itself */
	int vm_fd; /* one virtual machine: its memory, its devices */
	uint8_t *mem; /* guest physical memory, as the VMM sees it */
	size_t mem_size;
	FILE *console; /* where PORT_CONSOLE output goes (stdout) */
	FILE *trace; /* one line per VM exit when not NULL (--trace) */
	FILE *log; /* the VMM's own remarks, e.g. unknown ports (stderr) */
	uint64_t last_report; /* the last value written to PORT_REPORT */
	unsigned reports; /* how many values were written there */
	uint8_t port_reported[65536 / 8]; /* one bit per unknown port, once reported */
	uint64_t mmio_reported[MMIO_REPORTED_MAX]; /* unknown MMIO addresses, once reported */
	unsigned mmio_reports;
	uint8_t status; /* what the guest wrote to PORT_DONE: the VMM's exit status */
	struct serial com1; /* the serial port (serial.c) */
	struct disk disk; /* the virtio-blk disk (disk.c) */
	char error[VMM_ERROR_MAX]; /* why the last call failed, in one sentence */
	struct vcpu *vcpus; /* the VMM's vCPUs, vcpus[0] the boot vCPU, when it runs them */
	unsigned cpus; /* how many vCPUs were created: the next one's id */
	/* The vCPU threads share the VM: this lock guards the fields above that they
	   write (status, reports, the unknown ports and addresses, error), and these: */
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
	timer_t watchdog; /* wakes the vCPU's thread every second (vcpu_watch) */
	bool watching; /* the watchdog timer exists */
	unsigned index; /* KVM's vCPU id, and its local APIC's ID: 0 is the boot vCPU */
	pthread_t thread; /* the thread that runs it: the main thread for the boot vCPU */
	bool has_thread; /* that thread runs it: vm_stop() may signal it */
	volatile sig_atomic_t stopped; /* set by the SIGNAL_STOP handler (vm_stop) */
	enum run_outcome outcome; /* what its run came to */
};
/* book:end structs */

/* book:begin linux-boot */
/* A bzImage, as linux_parse() found it. */
struct bzimage {
	struct setup_header hdr; /* the kernel's setup header (boot.rst) */
	size_t header_size; /* how much of it the file has: older kernels have less */
	size_t setup_size; /* the real-mode setup, header included, that we skip */
	size_t kernel_size; /* the protected-mode kernel after it, which we load */
};

/* What to boot, and where it starts. */
struct linux_boot {
	const char *kernel; /* a bzImage */
	const char *initrd; /* the initial RAM disk, or NULL */
	const char *cmdline; /* the kernel's command line */
	uint64_t entry; /* set by linux_load(): the kernel's 64-bit entry point */
};
/* book:end linux-boot */

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
struct kvm_cpuid2 *kvm_supported_cpuid(struct vm *vm);

/* vm.c */
void vm_init(struct vm *vm);
int vm_create(struct vm *vm);
int vm_load_guest(struct vm *vm, const char *path);
int vm_read_whole(struct vm *vm, int fd, const char *path, uint8_t *dest, size_t size);
void *guest_ptr(struct vm *vm, uint64_t gpa, uint64_t len);
void vm_destroy(struct vm *vm);
int vm_fail(struct vm *vm, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int vm_fail_errno(struct vm *vm, const char *what);

/* vcpu.c */
int vcpu_create(struct vm *vm, struct vcpu *vcpu);
int vcpu_set_long_mode(struct vcpu *vcpu);
int vcpu_set_cpuid(struct vcpu *vcpu);
int vcpu_get_regs(struct vcpu *vcpu, struct kvm_regs *regs);
int vcpu_get_sregs(struct vcpu *vcpu, struct kvm_sregs *sregs);
int vcpus_create(struct vm *vm, struct vcpu *vcpus, unsigned cpus);
int vcpu_mp_state(struct vcpu *vcpu, uint32_t *state);
void vcpu_destroy(struct vcpu *vcpu);

/* linux.c */
int linux_parse(struct vm *vm, const uint8_t *image, size_t size, struct bzimage *out);
int linux_load(struct vm *vm, struct linux_boot *boot, uint64_t rsdp);
int linux_start(struct vcpu *vcpu, const struct linux_boot *boot);

/* linux.c: the ACPI tables (acpi.c) for this VM */
int acpi_write(struct vm *vm, unsigned cpus, uint64_t *rsdp);

/* gdt.c */
uint64_t segment_descriptor(const struct kvm_segment *seg);
int gdt_write(struct vm *vm);
int gdt_load_flat(struct vm *vm, struct kvm_sregs *sregs, enum gdt_index code);

/* paging.c */
int paging64_build(struct vm *vm);

/* devices.c */
enum after_exit port_out(struct vm *vm, uint16_t port, const uint8_t *data, unsigned size,
			 unsigned count);
enum after_exit port_in(struct vm *vm, uint16_t port, uint8_t *data, unsigned size, unsigned count);
enum after_exit mmio_access(struct vm *vm, uint64_t addr, uint8_t *data, unsigned len,
			    bool is_write);

/* run.c */
int vcpu_run_once(struct vcpu *vcpu);
enum after_exit vcpu_handle_exit(struct vcpu *vcpu);
enum run_outcome vcpu_run(struct vcpu *vcpu);
int vcpu_set_timeout(struct vcpu *vcpu, double seconds);
int vcpu_watch(struct vcpu *vcpu);
void vm_stop(struct vm *vm, struct vcpu *by);
enum run_outcome vm_run(struct vm *vm);

/* serial.c */
void serial_init(struct vm *vm);
enum after_exit serial_out(struct vm *vm, uint16_t port, const uint8_t *data, unsigned size,
			   unsigned count);
enum after_exit serial_in(struct vm *vm, uint16_t port, uint8_t *data, unsigned size,
			  unsigned count);
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
void trace_exit(FILE *out, const struct vcpu *vcpu);
void diag_dump(struct vcpu *vcpu, FILE *out);
void stats_print(FILE *out, const struct run_stats *stats);

#include "debug.h" /* --step and --gdb, the same in every x86 stage */

#endif
