/*
 * The ACPI tables: how the guest's kernel learns which hardware this VM has.
 *
 * A PC's firmware leaves tables in memory; the kernel finds the first one, the
 * RSDP, and follows addresses from table to table. Ours are those of a
 * hardware-reduced ACPI machine, as microVMs have: no PM timer, no fixed event
 * registers, no SCI; only what Linux needs to find its CPUs, interrupts and
 * devices, and a sleep register to power off through.
 *
 *   RSDP --> XSDT --+--> FADT --> DSDT   (AML: COM1, the virtio-mmio disk, \_S5)
 *                   +--> MADT            (the local APICs, the I/O APIC)
 *
 * Plain C: no KVM, no guest memory. acpi_build() writes the tables into a
 * buffer of the caller's, which the caller copies to guest physical address
 * `gpa`; every address inside the tables is computed from gpa. Tables and
 * fields follow the ACPI Specification 6.3 (chapter 5, "ACPI Software
 * Programming Model"), cited by title.
 */
#ifndef ACPI_H
#define ACPI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* book:begin acpi-config */
/* What the tables describe: the VM's own constants (vmm.h), passed in. */
struct acpi_config {
	unsigned cpus; /* local APICs with ids 0..cpus-1, all enabled (1-ACPI_MAX_CPUS) */
	uint32_t lapic_base; /* where each vCPU's local APIC is (LAPIC_BASE) */
	uint32_t ioapic_base; /* where KVM's in-kernel I/O APIC is: 0xfec00000 */
	uint16_t com1_port; /* COM1's first port (COM1_BASE) */
	uint8_t com1_ports; /* its number of ports (COM1_PORTS) */
	uint8_t com1_irq; /* its ISA IRQ, 0-15 (COM1_IRQ) */
	uint64_t virtio_base; /* the virtio-mmio disk's window: below 4 GiB */
	uint32_t virtio_size;
	uint8_t virtio_irq; /* its GSI, an I/O APIC pin (DISK_IRQ) */
	uint16_t sleep_control_port; /* the FADT's sleep control register: a port of the VMM */
	uint16_t sleep_status_port; /* and its sleep status register */
	uint16_t reset_port; /* the FADT's reset register: ACPI_RESET_VALUE written there */
	const char *oem_id; /* up to 6 characters, in every table */
	const char *oem_table_id; /* up to 8 */
	const char *hypervisor_id; /* up to 8, in the FADT; or NULL */
};
/* book:end acpi-config */

/* Where acpi_build() put each table (guest physical addresses), and what it used. */
struct acpi_tables {
	uint64_t rsdp; /* for boot_params.acpi_rsdp_addr */
	uint64_t xsdt, fadt, madt, dsdt;
	size_t length; /* bytes of the buffer used, from its start */
};

/*
 * Writes the tables into buf (size bytes), to be copied to guest physical
 * address gpa: the RSDP first, at gpa itself (16-byte aligned, as the kernel's
 * search of the BIOS area 0xe0000-0xfffff wants it), then the others. Returns 0,
 * or -1 with one sentence in error (a value out of range, or a buffer too small:
 * nothing is written past buf + size).
 */
int acpi_build(uint8_t *buf, size_t size, uint64_t gpa, const struct acpi_config *config,
	       struct acpi_tables *out, char *error, size_t error_size);

#define ACPI_MAX_CPUS 255 /* the MADT's local APIC entry has an 8-bit id; 0xff is broadcast */
#define ACPI_IOAPIC_PINS 24 /* KVM's in-kernel I/O APIC (82093AA): GSIs 0-23 */

/* book:begin sleep */
/*
 * The sleep control register (4.8.3.7 "Sleep Control Register"): the kernel
 * writes the sleep type of the state it enters (SLP_TYP, bits 4:2) with SLP_EN
 * (bit 5) set. Which SLP_TYP means S5, "soft off", is the platform's choice: the
 * DSDT's \_S5 object says it. Ours is ACPI_S5_SLP_TYP.
 */
#define ACPI_SLP_TYP_SHIFT 2
#define ACPI_SLP_TYP_MASK 0x1c
#define ACPI_SLP_EN 0x20
#define ACPI_S5_SLP_TYP 5
/* The sleep status register (4.8.3.8 "Sleep Status Register"): WAK_STS, bit 7. */
#define ACPI_WAK_STS 0x80

/*
 * The reset register (4.8.3.6 "Reset Register"): the kernel's reboot writes
 * RESET_VALUE there. Ours is what a PC's chipset takes at its reset control port
 * 0xcf9: 0x06, "full reset".
 */
#define ACPI_RESET_VALUE 0x06

/* True when the byte written to the sleep control register asks for S5: power off. */
bool acpi_sleep_is_poweroff(uint8_t value);
/* book:end sleep */

#endif
