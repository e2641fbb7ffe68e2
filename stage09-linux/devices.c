/*
 * The guest's devices: which I/O port and which guest physical address belongs
 * to whom. run.c hands every port and MMIO exit here.
 */
#include "acpi.h"
#include "vmm.h"

#include <string.h>

/* book:begin unknown-port */
/*
 * A port nobody answers. On a PC, reading a port where no device sits gives all
 * ones (the ISA bus's data lines float high) and a write goes nowhere. Software
 * counts on that to probe: is there a serial port at 0x2f8? Read it and see.
 * So an unknown port is no error: we say so once per port and let the guest go on.
 */
static enum after_exit unknown_port(struct vm *vm, uint16_t port, bool write, uint8_t *data,
				    unsigned bytes)
{
	uint8_t bit = (uint8_t)(1u << (port % 8));

	if (!write)
		memset(data, 0xff, bytes);
	pthread_mutex_lock(&vm->lock); /* port_reported is the VM's: every vCPU may get here */
	bool reported = vm->port_reported[port / 8] & bit;
	vm->port_reported[port / 8] |= bit;
	pthread_mutex_unlock(&vm->lock);
	if (!reported)
		fprintf(vm->log,
			"vmm: the guest %s I/O port 0x%x, where this VMM has no device: reads "
			"give all ones, writes are dropped (said once per port)\n",
			write ? "wrote to" : "read from", port);
	return RESUME_GUEST;
}
/* book:end unknown-port */

static bool is_com1(uint16_t port)
{
	return port >= COM1_BASE && port < COM1_BASE + COM1_PORTS;
}

/* book:begin port-out */
/* x86 and the host are both little-endian: an item's bytes are its value as they are. */
static uint32_t item_value(const uint8_t *item, unsigned size)
{
	uint32_t value = 0;

	memcpy(&value, item, size);
	return value;
}

/* The guest has finished with this status, unless another vCPU finished first. */
static enum after_exit guest_finished(struct vm *vm, uint8_t status)
{
	pthread_mutex_lock(&vm->lock); /* the first vCPU to finish sets the status */
	if (!vm->stopping)
		vm->status = status;
	pthread_mutex_unlock(&vm->lock);
	return GUEST_FINISHED;
}

enum after_exit port_out(struct vm *vm, uint16_t port, const uint8_t *data, unsigned size,
			 unsigned count)
{
	if (is_com1(port))
		return serial_out(vm, port, data, size, count);
	switch (port) {
	case PORT_CONSOLE:
		fwrite(data, size, count, vm->console);
		fflush(vm->console);
		return RESUME_GUEST;
	case PORT_REPORT:
		pthread_mutex_lock(&vm->lock);
		for (unsigned i = 0; i < count; i++) {
			vm->last_report = item_value(data + i * size, size);
			vm->reports++;
			fprintf(vm->console, "guest reported %llu (0x%llx)\n",
				(unsigned long long)vm->last_report,
				(unsigned long long)vm->last_report);
		}
		fflush(vm->console);
		pthread_mutex_unlock(&vm->lock);
		return RESUME_GUEST;
	case PORT_DONE:
		/* The first item ends the run, as a machine that powers off stops: the rest of a
		   rep outs never happens, however many items KVM put in this one exit. */
		return guest_finished(vm, data[0]);
	case PORT_SLEEP_CONTROL:
		/* Linux's poweroff. Other sleep states: the DSDT offers none, so none come. */
		if (!acpi_sleep_is_poweroff(data[0]))
			return RESUME_GUEST;
		fprintf(vm->log, "vmm: the guest powered off (ACPI sleep state S5)\n");
		return guest_finished(vm, 0);
	case PORT_SLEEP_STATUS:
		return RESUME_GUEST; /* the kernel clears WAK_STS before it sleeps: nothing to do */
	case PORT_RESET:
		/* Linux's reboot, and its panic=-1. A VMM with no firmware to start again from
		   ends the run instead, with status 1: something asked to start over. */
		if (data[0] != ACPI_RESET_VALUE)
			return RESUME_GUEST;
		fprintf(vm->log, "vmm: the guest reset the machine (ACPI reset register): this "
				 "VMM does not restart it\n");
		return guest_finished(vm, 1);
	}
	return unknown_port(vm, port, true, NULL, size * count);
}
/* book:end port-out */

enum after_exit port_in(struct vm *vm, uint16_t port, uint8_t *data, unsigned size, unsigned count)
{
	if (is_com1(port))
		return serial_in(vm, port, data, size, count);
	if (port == PORT_CONSOLE) {
		memset(data, PORT_CONSOLE, (size_t)size * count);
		return RESUME_GUEST;
	}
	if (port == PORT_SLEEP_CONTROL || port == PORT_SLEEP_STATUS) {
		memset(data, 0, (size_t)size * count); /* not asleep, not waking */
		return RESUME_GUEST;
	}
	if (port == PORT_CPUS) {
		memset(data, 0, (size_t)size * count);
		for (unsigned i = 0; i < count; i++)
			data[i * size] = (uint8_t)vm->cpus; /* at most VCPUS_MAX: a byte holds it */
		return RESUME_GUEST;
	}
	return unknown_port(vm, port, false, data, size * count);
}

/* book:begin mmio */
/*
 * A load or store to a guest physical address with no memory slot: KVM asks us
 * to play the device there. In the disk's window, the disk answers. Elsewhere we
 * have no device, so, as for ports, reads give all ones, writes are dropped, and
 * we say so once per address (for the first few).
 */
enum after_exit mmio_access(struct vm *vm, uint64_t addr, uint8_t *data, unsigned len,
			    bool is_write)
{
	if (disk_owns(vm, addr))
		return disk_mmio(vm, addr, data, len, is_write);
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
			"vmm: the guest %s guest physical 0x%llx, where there is no memory and "
			"no device: reads give all ones, writes are dropped (said once per "
			"address)\n",
			is_write ? "wrote to" : "read from", (unsigned long long)addr);
	} else if (vm->mmio_reports == MMIO_REPORTED_MAX) {
		vm->mmio_reports++; /* said once: from now on, nothing more */
		fprintf(vm->log, "vmm: the guest reached %d such addresses: no more are reported\n",
			MMIO_REPORTED_MAX + 1);
	}
	pthread_mutex_unlock(&vm->lock);
	return RESUME_GUEST;
}
/* book:end mmio */
