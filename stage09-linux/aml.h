/*
 * A small AML (ACPI Machine Language) encoder: exactly what this VMM's DSDT
 * needs, written as bytes into a buffer of the caller's.
 *
 * AML is the byte code of ACPI's namespace: the kernel's ACPI interpreter reads
 * it to learn which devices exist and which ports, memory and interrupts each
 * one uses. The grammar is the ACPI specification's section 20.2, "AML Grammar
 * Definition"; the resource descriptors inside a _CRS buffer are section 6.4,
 * "Resource Data Types for ACPI". Plain C: no KVM, no guest memory.
 *
 * The writer never writes past its buffer: a write that does not fit sets
 * `failed` and is dropped, as is every write after it. So a caller writes a
 * whole table and checks once, at the end.
 *
 * Scope, Device, Package and Buffer hold a PkgLength (the length of what
 * follows) before their contents, which is known only once they are written:
 * aml_*_begin() returns where the contents start, and aml_end() (or
 * aml_buffer_end()) puts the length in front of them.
 */
#ifndef AML_H
#define AML_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct aml {
	uint8_t *buf;
	size_t size; /* the buffer's capacity */
	size_t len; /* the bytes written so far */
	bool failed; /* a write did not fit, or a name or id was invalid: the output is unusable */
};

/* 20.2.4 "Package Length Encoding": at most 4 bytes, for at most 2^28 - 1. */
#define AML_PKGLENGTH_MAX 0x0fffffff

/*
 * Opcodes of 20.2 "AML Grammar Definition" (20.2.3 "Data Objects Encoding",
 * 20.2.5 "Term Objects Encoding", 20.2.2 "Name Objects Encoding").
 */
#define AML_ZERO_OP 0x00
#define AML_ONE_OP 0x01
#define AML_NAME_OP 0x08
#define AML_BYTE_PREFIX 0x0a
#define AML_WORD_PREFIX 0x0b
#define AML_DWORD_PREFIX 0x0c
#define AML_STRING_PREFIX 0x0d
#define AML_QWORD_PREFIX 0x0e
#define AML_SCOPE_OP 0x10
#define AML_BUFFER_OP 0x11
#define AML_PACKAGE_OP 0x12
#define AML_DUAL_NAME_PREFIX 0x2e /* two NameSegs follow */
#define AML_MULTI_NAME_PREFIX 0x2f /* a count of NameSegs follows, then the NameSegs */
#define AML_EXT_OP_PREFIX 0x5b
#define AML_DEVICE_OP 0x82 /* after AML_EXT_OP_PREFIX */
#define AML_ROOT_CHAR '\\'
#define AML_PARENT_PREFIX_CHAR '^'
#define AML_NAMESEG_SIZE 4

/*
 * Resource descriptors, 6.4 "Resource Data Types for ACPI". A small one's first
 * byte is its name in bits 6:3 and its length in bits 2:0 (6.4.2 "Small Resource
 * Data Type"); a large one's is bit 7 set and its name, then a 16-bit length
 * (6.4.3 "Large Resource Data Type"). The lengths count the bytes after the header.
 */
#define AML_SMALL_RESOURCE(name, length) ((uint8_t)((name) << 3 | (length)))
#define AML_IRQ_NOFLAGS_DESCRIPTOR AML_SMALL_RESOURCE(0x04, 2) /* 6.4.2.1 "IRQ Descriptor" */
#define AML_IO_DESCRIPTOR AML_SMALL_RESOURCE(0x08, 7) /* 6.4.2.5 "I/O Port Descriptor" */
#define AML_IO_DECODE16 0x01 /* its information byte: the device decodes 16 address bits */
#define AML_END_TAG AML_SMALL_RESOURCE(0x0f, 1) /* 6.4.2.9 "End Tag" */
#define AML_MEMORY32_FIXED_DESCRIPTOR 0x86 /* 6.4.3.4 "32-Bit Fixed Memory Range Descriptor" */
#define AML_MEMORY32_FIXED_LENGTH 9
#define AML_MEMORY_READ_WRITE 0x01 /* its information byte: writeable (else read-only) */
#define AML_EXTENDED_INTERRUPT_DESCRIPTOR 0x89 /* 6.4.3.6 "Extended Interrupt Descriptor" */
/* Its interrupt vector flags (byte 3): */
#define AML_INTERRUPT_CONSUMER 0x01 /* the device consumes the interrupt (else produces it) */
#define AML_INTERRUPT_EDGE 0x02 /* edge-triggered (else level-triggered) */
#define AML_INTERRUPT_ACTIVE_LOW 0x04 /* active-low or falling edge (else high / rising) */
#define AML_INTERRUPT_SHARED 0x08 /* shared with other devices (else exclusive) */
#define AML_INTERRUPT_WAKE 0x10 /* can wake the system */
#define AML_LEGACY_IRQS 16 /* an IRQ descriptor's mask names IRQs 0-15 */

void aml_init(struct aml *aml, uint8_t *buf, size_t size);

/* Raw bytes, and little-endian integers: what AML and the descriptors are made of. */
void aml_bytes(struct aml *aml, const void *bytes, size_t count);
void aml_byte(struct aml *aml, uint8_t value);
void aml_word(struct aml *aml, uint16_t value);
void aml_dword(struct aml *aml, uint32_t value);
void aml_qword(struct aml *aml, uint64_t value);

/*
 * The PkgLength of contents of `contents` bytes, into out: its value counts its
 * own bytes too. Returns how many bytes (1-4), or 0 if too long for AML.
 */
size_t aml_pkglength(uint8_t out[4], size_t contents);

/* A NameSeg ("COM1", "_S5": padded with '_' to 4 characters). */
void aml_nameseg(struct aml *aml, const char *name);
/* A NameString: "\_SB.COM1", "^_S5", "VIO0"... (NameSegs separated by '.'). */
void aml_namestring(struct aml *aml, const char *path);
/* Name (PATH, ...): the object that follows is its value. */
void aml_name(struct aml *aml, const char *path);

/* The shortest integer encoding: Zero, One, or the smallest prefixed one. */
void aml_integer(struct aml *aml, uint64_t value);
void aml_string(struct aml *aml, const char *string);
/* EisaId ("PNP0501"): a PNP id compressed into 32 bits, as a DWord integer. */
void aml_eisaid(struct aml *aml, const char *id);
/* The 32-bit value of a PNP id, or 0 (no valid id's value) if it is not one. */
uint32_t aml_eisaid_value(const char *id);

/* Scope (PATH) {...}, Device (PATH) {...}, Package (COUNT) {...}: close with aml_end(). */
size_t aml_scope_begin(struct aml *aml, const char *path);
size_t aml_device_begin(struct aml *aml, const char *path);
size_t aml_package_begin(struct aml *aml, uint8_t elements);
void aml_end(struct aml *aml, size_t start);
/* Buffer () {...}: its size is counted at the end, by aml_buffer_end(). */
size_t aml_buffer_begin(struct aml *aml);
void aml_buffer_end(struct aml *aml, size_t start);

/* ResourceTemplate () {...}: a buffer of descriptors, closed by an End Tag. */
size_t aml_resources_begin(struct aml *aml);
void aml_resources_end(struct aml *aml, size_t start);
/* IO (Decode16, base, base, 1, length): a port range that cannot move. */
void aml_io(struct aml *aml, uint16_t base, uint8_t length);
/* IRQNoFlags () {irq}: an ISA IRQ (0-15), edge-triggered, active-high, exclusive. */
void aml_irq_noflags(struct aml *aml, uint8_t irq);
/* Memory32Fixed (ReadWrite, base, size). */
void aml_memory32_fixed(struct aml *aml, uint32_t base, uint32_t size);
/* Interrupt (...) {gsi}: flags are AML_INTERRUPT_*. */
void aml_interrupt(struct aml *aml, uint8_t flags, uint32_t gsi);

#endif
