/*
 * The guest's devices: which guest physical address belongs to whom. There are
 * no I/O ports on arm64: run.c hands every MMIO exit here.
 */
#include "vmm.h"

#include <string.h>

#define NO_DEVICE "no memory and no device"
#define NOT_A_REGISTER "no PL011 register for that access (each is 32 bits, at a multiple of 4)"

/* book:begin report */
/* MMIO data travels in kvm_run as the bytes of the access: little-endian, as the guest is. */
static uint64_t mmio_value(const uint8_t *data, unsigned len)
{
	uint64_t value = 0;

	memcpy(&value, data, len);
	return value;
}

/*
 * The report register (x86: PORT_REPORT): a value written there is printed and
 * remembered; it reads back. An access must start at the register.
 */
static bool is_report(uint64_t addr)
{
	return addr == REPORT_ADDR;
}

static enum after_exit report_mmio(struct vm *vm, uint8_t *data, unsigned len, bool is_write)
{
	pthread_mutex_lock(&vm->lock);
	if (is_write) {
		vm->last_report = mmio_value(data, len);
		vm->reports++;
		fprintf(vm->console, "guest reported %llu (0x%llx)\n",
			(unsigned long long)vm->last_report, (unsigned long long)vm->last_report);
		fflush(vm->console);
	} else {
		memcpy(data, &vm->last_report, len);
	}
	pthread_mutex_unlock(&vm->lock);
	return RESUME_GUEST;
}
/* book:end report */

/* book:begin mmio */
/*
 * A load or store to a guest physical address where there is no memory and no
 * device (what: no device, or not one of a device's registers): as on x86,
 * reads give all ones, writes are dropped, and we say so once per address (for
 * the first few).
 */
static enum after_exit unknown_mmio(struct vm *vm, uint64_t addr, uint8_t *data, unsigned len,
				    bool is_write, const char *what)
{
	if (!is_write)
		memset(data, 0xff, len);
	pthread_mutex_lock(&vm->lock); /* the list is the VM's: every vCPU may get here */
	for (unsigned i = 0; i < vm->mmio_reports && i < MMIO_REPORTED_MAX; i++)
		if (vm->mmio_reported[i] == addr) {
			pthread_mutex_unlock(&vm->lock);
			return RESUME_GUEST;
		}
	if (vm->mmio_reports < MMIO_REPORTED_MAX) {
		vm->mmio_reported[vm->mmio_reports++] = addr;
		fprintf(vm->log,
			"vmm: the guest %s guest physical 0x%llx, where there is %s: reads give "
			"all ones, writes are dropped (said once per address)\n",
			is_write ? "wrote to" : "read from", (unsigned long long)addr, what);
	} else if (vm->mmio_reports == MMIO_REPORTED_MAX) {
		vm->mmio_reports++; /* said once: from now on, nothing more */
		fprintf(vm->log, "vmm: the guest reached %d such addresses: no more are reported\n",
			MMIO_REPORTED_MAX + 1);
	}
	pthread_mutex_unlock(&vm->lock);
	return RESUME_GUEST;
}

/*
 * A load or store to a guest physical address with no memory slot: KVM asks us
 * to play the device there: the UART, the report register, the disk. The GIC's
 * registers never come here: the GIC is in the kernel.
 */
enum after_exit mmio_access(struct vm *vm, uint64_t addr, uint8_t *data, unsigned len,
			    bool is_write)
{
	if (serial_owns(addr))
		return serial_mmio(vm, addr, data, len, is_write)
			   ? RESUME_GUEST
			   : unknown_mmio(vm, addr, data, len, is_write, NOT_A_REGISTER);
	if (is_report(addr))
		return report_mmio(vm, data, len, is_write);
	if (disk_owns(vm, addr))
		return disk_mmio(vm, addr, data, len, is_write);
	return unknown_mmio(vm, addr, data, len, is_write, NO_DEVICE);
}
/* book:end mmio */
