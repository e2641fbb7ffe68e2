/*
 * The ACPI tables (acpi.h): RSDP, XSDT, FADT, MADT and DSDT, laid one after the
 * other in the caller's buffer, each 16-byte aligned:
 *
 *   gpa + 0    RSDP   "RSD PTR ": the XSDT's address
 *   ...        XSDT   the FADT's and the MADT's addresses
 *   ...        FADT   hardware-reduced; the DSDT's address; the sleep registers
 *   ...        MADT   one local APIC per vCPU, the I/O APIC
 *   ...        DSDT   AML (aml.c): \_S5, \_SB.COM1, \_SB.VIO0
 *
 * The structures below are the specification's tables, field for field
 * (packed: the tables have no padding; x86 and arm64 are little-endian, as ACPI is).
 */
#include "acpi.h"
#include "aml.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define ACPI_TABLE_ALIGN 16 /* the RSDP's (5.2.5.1 "Finding the RSDP on IA-PC Systems") */
#define ACPI_CREATOR_ID "TVMM" /* the teaching VMM made these tables */
#define ACPI_CREATOR_REVISION 1
#define ACPI_OEM_REVISION 1

/* book:begin header */
/* 5.2.6 "System Description Table Header": the first 36 bytes of every table but the RSDP. */
struct acpi_header {
	char signature[4];
	uint32_t length; /* of the whole table, this header included */
	uint8_t revision;
	uint8_t checksum; /* makes the bytes of the whole table sum to 0 */
	char oem_id[6];
	char oem_table_id[8];
	uint32_t oem_revision;
	char creator_id[4];
	uint32_t creator_revision;
} __attribute__((packed));
/* book:end header */
_Static_assert(sizeof(struct acpi_header) == 36, "5.2.6: the header is 36 bytes");

/* book:begin rsdp */
/* 5.2.5.3 "Root System Description Pointer (RSDP) Structure", revision 2. */
struct acpi_rsdp {
	char signature[8]; /* "RSD PTR " */
	uint8_t checksum; /* of the first 20 bytes (the ACPI 1.0 structure) */
	char oem_id[6];
	uint8_t revision; /* 2: the XSDT's address follows */
	uint32_t rsdt_address; /* the 32-bit RSDT: none here */
	uint32_t length; /* of this structure */
	uint64_t xsdt_address;
	uint8_t extended_checksum; /* of all 36 bytes */
	uint8_t reserved[3];
} __attribute__((packed));
/* book:end rsdp */
_Static_assert(sizeof(struct acpi_rsdp) == 36, "5.2.5.3: the RSDP is 36 bytes");
#define ACPI_RSDP_REVISION 2
#define ACPI_RSDP_V1_LENGTH 20 /* what the first checksum covers */

/* 5.2.8 "Extended System Description Table (XSDT)": the header, then 64-bit addresses. */
#define ACPI_XSDT_REVISION 1
#define ACPI_XSDT_ENTRIES 2 /* the FADT, the MADT (the DSDT is the FADT's) */

/* 5.2.3.2 "Generic Address Structure (GAS)": where a register is. */
struct acpi_gas {
	uint8_t space_id; /* ACPI_GAS_SYSTEM_IO: a port */
	uint8_t bit_width;
	uint8_t bit_offset;
	uint8_t access_size; /* ACPI_GAS_ACCESS_BYTE: one-byte accesses */
	uint64_t address;
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_gas) == 12, "5.2.3.2: a GAS is 12 bytes");
#define ACPI_GAS_SYSTEM_IO 1
#define ACPI_GAS_ACCESS_BYTE 1

/* book:begin fadt */
/*
 * 5.2.9 "Fixed ACPI Description Table (FADT)", revision 6. On a hardware-reduced
 * machine (5.2.9.1 "FADT Flags": HW_REDUCED_ACPI) most fields are ignored and 0:
 * the legacy PM registers, SMI command port, P_LVL latencies, and the SCI.
 */
struct acpi_fadt {
	struct acpi_header header; /* "FACP" */
	uint32_t firmware_ctrl; /* the FACS: none on a hardware-reduced machine */
	uint32_t dsdt; /* 32-bit: 0, X_DSDT is used */
	uint8_t reserved0;
	uint8_t preferred_pm_profile;
	uint16_t sci_int;
	uint32_t smi_cmd;
	uint8_t acpi_enable, acpi_disable, s4bios_req, pstate_cnt;
	uint32_t pm1a_evt_blk, pm1b_evt_blk, pm1a_cnt_blk, pm1b_cnt_blk;
	uint32_t pm2_cnt_blk, pm_tmr_blk, gpe0_blk, gpe1_blk;
	uint8_t pm1_evt_len, pm1_cnt_len, pm2_cnt_len, pm_tmr_len;
	uint8_t gpe0_blk_len, gpe1_blk_len, gpe1_base, cst_cnt;
	uint16_t p_lvl2_lat, p_lvl3_lat, flush_size, flush_stride;
	uint8_t duty_offset, duty_width, day_alrm, mon_alrm, century;
	uint16_t iapc_boot_arch; /* ACPI_FADT_BOOT_* */
	uint8_t reserved1;
	uint32_t flags; /* ACPI_FADT_HW_REDUCED_ACPI, ACPI_FADT_RESET_REG_SUP */
	struct acpi_gas reset_reg; /* where reboot writes reset_value */
	uint8_t reset_value;
	uint16_t arm_boot_arch;
	uint8_t fadt_minor_version;
	uint64_t x_firmware_ctrl;
	uint64_t x_dsdt;
	struct acpi_gas x_pm1a_evt_blk, x_pm1b_evt_blk, x_pm1a_cnt_blk, x_pm1b_cnt_blk;
	struct acpi_gas x_pm2_cnt_blk, x_pm_tmr_blk, x_gpe0_blk, x_gpe1_blk;
	struct acpi_gas sleep_control_reg; /* where poweroff writes SLP_TYP | SLP_EN */
	struct acpi_gas sleep_status_reg;
	char hypervisor_vendor_identity[8];
} __attribute__((packed));
/* book:end fadt */
_Static_assert(sizeof(struct acpi_fadt) == 276, "5.2.9: the FADT of ACPI 6 is 276 bytes");
_Static_assert(offsetof(struct acpi_fadt, flags) == 112 &&
		   offsetof(struct acpi_fadt, x_dsdt) == 140,
	       "5.2.9: the FADT's Flags at 112, X_DSDT at 140");
_Static_assert(offsetof(struct acpi_fadt, sleep_control_reg) == 244,
	       "5.2.9: SLEEP_CONTROL_REG at 244");
#define ACPI_FADT_REVISION 6
#define ACPI_FADT_MINOR_REVISION 3 /* ACPI 6.3 */
/* "Fixed ACPI Description Table Fixed Feature Flags" */
#define ACPI_FADT_RESET_REG_SUP (1u << 10) /* RESET_REG says how to reset the machine */
#define ACPI_FADT_HW_REDUCED_ACPI (1u << 20)
/*
 * "IA-PC Boot Architecture Flags". Clear bits say as much as set ones: no
 * LEGACY_DEVICES (bit 0) and no 8042 (bit 1), so the kernel probes no keyboard
 * controller. Set: no VGA to probe, and no CMOS real-time clock (kvm-clock
 * gives the time of day), so that the kernel reads no port nobody answers.
 */
#define ACPI_FADT_BOOT_VGA_NOT_PRESENT (1u << 2)
#define ACPI_FADT_BOOT_CMOS_RTC_NOT_PRESENT (1u << 5)

/* book:begin madt */
/* 5.2.12 "Multiple APIC Description Table (MADT)": the header, then entries. */
struct acpi_madt {
	struct acpi_header header; /* "APIC" */
	uint32_t local_apic_address;
	uint32_t flags; /* ACPI_MADT_PCAT_COMPAT */
} __attribute__((packed));
#define ACPI_MADT_REVISION 5
/* "Multiple APIC Flags": the machine also has 8259 PICs (KVM's in-kernel irqchip does). */
#define ACPI_MADT_PCAT_COMPAT 1

/* 5.2.12.2 "Processor Local APIC Structure" */
struct acpi_madt_local_apic {
	uint8_t type; /* ACPI_MADT_LOCAL_APIC */
	uint8_t length;
	uint8_t processor_uid;
	uint8_t apic_id;
	uint32_t flags; /* ACPI_MADT_LAPIC_ENABLED */
} __attribute__((packed));
#define ACPI_MADT_LOCAL_APIC 0
#define ACPI_MADT_LAPIC_ENABLED 1 /* "Local APIC Flags": the processor is usable */

/* 5.2.12.3 "I/O APIC Structure" */
struct acpi_madt_ioapic {
	uint8_t type; /* ACPI_MADT_IOAPIC */
	uint8_t length;
	uint8_t ioapic_id;
	uint8_t reserved;
	uint32_t ioapic_address;
	uint32_t gsi_base; /* the GSI of its pin 0 */
} __attribute__((packed));
#define ACPI_MADT_IOAPIC 1
#define ACPI_IOAPIC_ID 0
/* book:end madt */
_Static_assert(sizeof(struct acpi_madt_local_apic) == 8 && sizeof(struct acpi_madt_ioapic) == 12,
	       "5.2.12: the entries' lengths");

/* 5.2.11.1 "Differentiated System Description Table (DSDT)": revision 2, 64-bit integers. */
#define ACPI_DSDT_REVISION 2

/* A table being written: the buffer, the error, the values. */
struct builder {
	struct aml out; /* aml.h's writer: nothing past the buffer's end */
	uint64_t gpa;
	const struct acpi_config *config;
	char *error;
	size_t error_size;
};

static int fail(struct builder *b, const char *format, ...)
{
	va_list args;

	va_start(args, format);
	vsnprintf(b->error, b->error_size, format, args);
	va_end(args);
	return -1;
}

/* The byte that makes the bytes of bytes[0..length) sum to 0, once stored among them. */
static uint8_t checksum(const uint8_t *bytes, size_t length)
{
	uint8_t sum = 0;

	for (size_t i = 0; i < length; i++)
		sum = (uint8_t)(sum + bytes[i]);
	return (uint8_t)-sum;
}

/* An OEM field: the string, padded with spaces. */
static void fill(char *field, size_t size, const char *string)
{
	memset(field, ' ', size);
	memcpy(field, string, strnlen(string, size));
}

/* The address of the table after one of `length` bytes at `table`: the next aligned one. */
static uint64_t after(uint64_t table, size_t length)
{
	return (table + length + ACPI_TABLE_ALIGN - 1) & ~(uint64_t)(ACPI_TABLE_ALIGN - 1);
}

/* Pads the output with zeros up to the table at guest address gpa. */
static void table_at(struct builder *b, uint64_t gpa)
{
	while (b->gpa + b->out.len < gpa && !b->out.failed)
		aml_byte(&b->out, 0);
}

/* Writes a table's header (its length and checksum are set by finish_table()). */
static size_t start_table(struct builder *b, const char *signature, uint8_t revision)
{
	struct acpi_header header = {.revision = revision,
				     .oem_revision = ACPI_OEM_REVISION,
				     .creator_revision = ACPI_CREATOR_REVISION};
	size_t start = b->out.len;

	memcpy(header.signature, signature, sizeof(header.signature));
	fill(header.oem_id, sizeof(header.oem_id), b->config->oem_id);
	fill(header.oem_table_id, sizeof(header.oem_table_id), b->config->oem_table_id);
	memcpy(header.creator_id, ACPI_CREATOR_ID, sizeof(header.creator_id));
	aml_bytes(&b->out, &header, sizeof(header));
	return start;
}

/* Sets the length and the checksum of the table written since start. */
static void finish_table(struct builder *b, size_t start)
{
	uint8_t *table = b->out.buf + start;
	uint32_t length = (uint32_t)(b->out.len - start);

	if (b->out.failed)
		return;
	memcpy(table + offsetof(struct acpi_header, length), &length, sizeof(length));
	table[offsetof(struct acpi_header, checksum)] = 0;
	table[offsetof(struct acpi_header, checksum)] = checksum(table, length);
}

/* book:begin write-rsdp */
static void write_rsdp(struct builder *b, uint64_t xsdt)
{
	struct acpi_rsdp rsdp = {
	    .revision = ACPI_RSDP_REVISION, .length = sizeof(rsdp), .xsdt_address = xsdt};

	memcpy(rsdp.signature, "RSD PTR ", sizeof(rsdp.signature));
	fill(rsdp.oem_id, sizeof(rsdp.oem_id), b->config->oem_id);
	rsdp.checksum = checksum((const uint8_t *)&rsdp, ACPI_RSDP_V1_LENGTH);
	rsdp.extended_checksum = checksum((const uint8_t *)&rsdp, sizeof(rsdp));
	aml_bytes(&b->out, &rsdp, sizeof(rsdp));
}
/* book:end write-rsdp */

static void write_xsdt(struct builder *b, const uint64_t entries[ACPI_XSDT_ENTRIES])
{
	size_t start = start_table(b, "XSDT", ACPI_XSDT_REVISION);

	for (int i = 0; i < ACPI_XSDT_ENTRIES; i++)
		aml_qword(&b->out, entries[i]);
	finish_table(b, start);
}

/* A one-byte register at a port, as a GAS. */
static struct acpi_gas port_register(uint16_t port)
{
	return (struct acpi_gas){.space_id = ACPI_GAS_SYSTEM_IO,
				 .bit_width = 8,
				 .access_size = ACPI_GAS_ACCESS_BYTE,
				 .address = port};
}

/* book:begin write-fadt */
static void write_fadt(struct builder *b, uint64_t dsdt)
{
	const struct acpi_config *c = b->config;
	struct acpi_fadt fadt = {
	    .iapc_boot_arch = ACPI_FADT_BOOT_VGA_NOT_PRESENT | ACPI_FADT_BOOT_CMOS_RTC_NOT_PRESENT,
	    .flags = ACPI_FADT_HW_REDUCED_ACPI | ACPI_FADT_RESET_REG_SUP,
	    .reset_reg = port_register(c->reset_port),
	    .reset_value = ACPI_RESET_VALUE,
	    .fadt_minor_version = ACPI_FADT_MINOR_REVISION,
	    .x_dsdt = dsdt,
	    .sleep_control_reg = port_register(c->sleep_control_port),
	    .sleep_status_reg = port_register(c->sleep_status_port),
	};
	size_t start = b->out.len;

	if (c->hypervisor_id)
		memcpy(fadt.hypervisor_vendor_identity, c->hypervisor_id,
		       strnlen(c->hypervisor_id, sizeof(fadt.hypervisor_vendor_identity)));
	start_table(b, "FACP", ACPI_FADT_REVISION);
	aml_bytes(&b->out, (const uint8_t *)&fadt + sizeof(fadt.header),
		  sizeof(fadt) - sizeof(fadt.header));
	finish_table(b, start);
}
/* book:end write-fadt */

/* book:begin write-madt */
/*
 * No Interrupt Source Override entries (5.2.12.5 "Interrupt Source Override
 * Structure"): without one, ISA IRQ n is GSI n, edge-triggered and active-high,
 * and that is what this VM wires. KVM_CREATE_IRQCHIP's default routing sends GSI
 * n to I/O APIC pin n (and GSIs 0-15 to the 8259s' inputs too), and KVM_IRQ_LINE
 * for COM1's IRQ 4 or the disk's IRQ 5 moves that GSI. A PC's firmware usually
 * says "IRQ 0 is GSI 2", because its timer is wired to I/O APIC pin 2; KVM's
 * in-kernel PIT raises GSI 0, pin 0 under the default routing, so that override
 * would be wrong here. (Linux on a hardware-reduced machine uses neither the PIT
 * as its timer nor the 8259s: every interrupt comes through the I/O APIC.)
 */
static void write_madt(struct builder *b)
{
	const struct acpi_config *c = b->config;
	size_t start = start_table(b, "APIC", ACPI_MADT_REVISION);
	struct acpi_madt_ioapic ioapic = {.type = ACPI_MADT_IOAPIC,
					  .length = sizeof(ioapic),
					  .ioapic_id = ACPI_IOAPIC_ID,
					  .ioapic_address = c->ioapic_base,
					  .gsi_base = 0};

	aml_dword(&b->out, c->lapic_base);
	aml_dword(&b->out, ACPI_MADT_PCAT_COMPAT);
	for (unsigned cpu = 0; cpu < c->cpus; cpu++) {
		struct acpi_madt_local_apic lapic = {.type = ACPI_MADT_LOCAL_APIC,
						     .length = sizeof(lapic),
						     .processor_uid = (uint8_t)cpu,
						     .apic_id = (uint8_t)cpu,
						     .flags = ACPI_MADT_LAPIC_ENABLED};
		aml_bytes(&b->out, &lapic, sizeof(lapic));
	}
	aml_bytes(&b->out, &ioapic, sizeof(ioapic));
	finish_table(b, start);
}
/* book:end write-madt */

/* book:begin dsdt */
/* \_S5: the sleep type that means "soft off" (7.4.2 "\_Sx (System States)"). */
static void dsdt_s5(struct aml *aml)
{
	aml_name(aml, "_S5");
	size_t s5 = aml_package_begin(aml, 2);
	aml_integer(aml, ACPI_S5_SLP_TYP); /* PM1a's SLP_TYP; the sleep control register's */
	aml_integer(aml, 0); /* PM1b's: there is no PM1b */
	aml_end(aml, s5);
}

/* COM1: a 16550A at its ports and ISA IRQ, found by Linux's 8250_pnp driver. */
static void dsdt_com1(struct aml *aml, const struct acpi_config *c)
{
	size_t device = aml_device_begin(aml, "COM1");
	aml_name(aml, "_HID");
	aml_eisaid(aml, "PNP0501"); /* a 16550A-compatible serial port */
	aml_name(aml, "_UID");
	aml_integer(aml, 0);
	aml_name(aml, "_CRS");
	size_t crs = aml_resources_begin(aml);
	aml_io(aml, c->com1_port, c->com1_ports);
	aml_irq_noflags(aml, c->com1_irq);
	aml_resources_end(aml, crs);
	aml_end(aml, device);
}

/*
 * The disk: a virtio-mmio window, found by Linux's virtio_mmio driver by this
 * _HID. Its interrupt is edge-triggered. disk.c holds the line up while the
 * device's InterruptStatus is not 0 (KVM_IRQ_LINE), but with --ioeventfd
 * KVM_IRQFD pulses it, up then down at once. An edge-triggered I/O APIC pin
 * takes both: each interrupt after the driver's acknowledgement is a new rising
 * edge. A level-triggered one would lose a pulse that comes while the previous
 * interrupt is still being served (its Remote IRR set, the line down again
 * before the end of interrupt).
 */
static void dsdt_virtio(struct aml *aml, const struct acpi_config *c)
{
	size_t device = aml_device_begin(aml, "VIO0");
	aml_name(aml, "_HID");
	aml_string(aml, "LNRO0005"); /* virtio-mmio's ACPI id */
	aml_name(aml, "_UID");
	aml_integer(aml, 0);
	aml_name(aml, "_CRS");
	size_t crs = aml_resources_begin(aml);
	aml_memory32_fixed(aml, (uint32_t)c->virtio_base, c->virtio_size);
	aml_interrupt(aml, AML_INTERRUPT_CONSUMER | AML_INTERRUPT_EDGE, c->virtio_irq);
	aml_resources_end(aml, crs);
	aml_end(aml, device);
}

static void write_dsdt(struct builder *b)
{
	size_t start = start_table(b, "DSDT", ACPI_DSDT_REVISION);

	dsdt_s5(&b->out);
	size_t sb = aml_scope_begin(&b->out, "\\_SB"); /* the system bus: devices go there */
	dsdt_com1(&b->out, b->config);
	dsdt_virtio(&b->out, b->config);
	aml_end(&b->out, sb);
	finish_table(b, start);
}
/* book:end dsdt */

/* One sentence for the first value the tables cannot hold, or 0. */
static int check_config(struct builder *b, uint64_t gpa, const struct acpi_config *c)
{
	if (gpa % ACPI_TABLE_ALIGN)
		return fail(b, "the ACPI tables' address 0x%llx is not %d-byte aligned",
			    (unsigned long long)gpa, ACPI_TABLE_ALIGN);
	if (c->cpus < 1 || c->cpus > ACPI_MAX_CPUS)
		return fail(b, "the MADT holds 1 to %d vCPUs, not %u", ACPI_MAX_CPUS, c->cpus);
	if (c->com1_irq >= AML_LEGACY_IRQS)
		return fail(b, "COM1's IRQ %u is not an ISA IRQ (0-15)", c->com1_irq);
	if (c->virtio_irq >= ACPI_IOAPIC_PINS)
		return fail(b, "the disk's IRQ %u is not an I/O APIC pin (0-%d)", c->virtio_irq,
			    ACPI_IOAPIC_PINS - 1);
	if (c->virtio_base + c->virtio_size > (uint64_t)UINT32_MAX + 1 ||
	    c->virtio_base + c->virtio_size < c->virtio_base)
		return fail(b, "the disk's window 0x%llx+0x%x is not below 4 GiB",
			    (unsigned long long)c->virtio_base, c->virtio_size);
	if (!c->oem_id || !c->oem_table_id || strlen(c->oem_id) > 6 ||
	    strlen(c->oem_table_id) > 8 || (c->hypervisor_id && strlen(c->hypervisor_id) > 8))
		return fail(b, "the ACPI OEM ids must be at most 6 and 8 characters");
	return 0;
}

/* book:begin acpi-build */
int acpi_build(uint8_t *buf, size_t size, uint64_t gpa, const struct acpi_config *config,
	       struct acpi_tables *out, char *error, size_t error_size)
{
	struct builder b = {.gpa = gpa, .config = config, .error = error, .error_size = error_size};
	struct acpi_tables t = {.rsdp = gpa};

	if (check_config(&b, gpa, config) < 0)
		return -1;
	/* Where each table goes: all their sizes are known but the DSDT's, which is last. */
	t.xsdt = after(t.rsdp, sizeof(struct acpi_rsdp));
	t.fadt = after(t.xsdt, sizeof(struct acpi_header) + ACPI_XSDT_ENTRIES * sizeof(uint64_t));
	t.madt = after(t.fadt, sizeof(struct acpi_fadt));
	t.dsdt = after(t.madt, sizeof(struct acpi_madt) +
				   config->cpus * sizeof(struct acpi_madt_local_apic) +
				   sizeof(struct acpi_madt_ioapic));
	aml_init(&b.out, buf, size);
	write_rsdp(&b, t.xsdt);
	table_at(&b, t.xsdt);
	write_xsdt(&b, (uint64_t[ACPI_XSDT_ENTRIES]){t.fadt, t.madt});
	table_at(&b, t.fadt);
	write_fadt(&b, t.dsdt);
	table_at(&b, t.madt);
	write_madt(&b);
	table_at(&b, t.dsdt);
	write_dsdt(&b);
	if (b.out.failed)
		return fail(&b, "the ACPI tables do not fit in the %zu bytes at 0x%llx", size,
			    (unsigned long long)gpa);
	t.length = b.out.len;
	*out = t;
	return 0;
}
/* book:end acpi-build */

bool acpi_sleep_is_poweroff(uint8_t value)
{
	return (value & ACPI_SLP_EN) &&
	       (value & ACPI_SLP_TYP_MASK) >> ACPI_SLP_TYP_SHIFT == ACPI_S5_SLP_TYP;
}
