/*
 * The AML encoder (aml.h): bytes of the ACPI specification's section 20.2, "AML
 * Grammar Definition", and of section 6.4, "Resource Data Types for ACPI".
 */
#include "aml.h"

#include <string.h>

void aml_init(struct aml *aml, uint8_t *buf, size_t size)
{
	aml->buf = buf;
	aml->size = size;
	aml->len = 0;
	aml->failed = false;
}

/* book:begin aml-writer */
/* The one place that writes: count bytes at `at`, moving what is there after them. */
static void insert(struct aml *aml, size_t at, const void *bytes, size_t count)
{
	if (aml->failed || count > aml->size - aml->len) {
		aml->failed = true;
		return;
	}
	memmove(aml->buf + at + count, aml->buf + at, aml->len - at);
	memcpy(aml->buf + at, bytes, count);
	aml->len += count;
}
/* book:end aml-writer */

void aml_bytes(struct aml *aml, const void *bytes, size_t count)
{
	insert(aml, aml->len, bytes, count);
}

void aml_byte(struct aml *aml, uint8_t value)
{
	aml_bytes(aml, &value, 1);
}

/* AML's integers, and every multi-byte field of a descriptor, are little-endian. */
static void little_endian(struct aml *aml, uint64_t value, size_t bytes)
{
	for (size_t i = 0; i < bytes; i++)
		aml_byte(aml, (uint8_t)(value >> (8 * i)));
}

void aml_word(struct aml *aml, uint16_t value)
{
	little_endian(aml, value, 2);
}

void aml_dword(struct aml *aml, uint32_t value)
{
	little_endian(aml, value, 4);
}

void aml_qword(struct aml *aml, uint64_t value)
{
	little_endian(aml, value, 8);
}

/* book:begin pkglength */
/*
 * 20.2.4 "Package Length Encoding". The value counts the PkgLength's own bytes
 * too. Up to 63 it fits in the lead byte's bits 5:0. Beyond, bits 7:6 of the
 * lead byte say how many bytes follow (1-3), its bits 3:0 are the value's low 4
 * bits, and each following byte holds the next 8 bits.
 */
size_t aml_pkglength(uint8_t out[4], size_t contents)
{
	for (size_t bytes = 1; bytes <= 4; bytes++) {
		size_t value = contents + bytes;
		size_t limit = bytes == 1 ? 0x3f : ((size_t)1 << (4 + 8 * (bytes - 1))) - 1;

		if (value > limit)
			continue;
		if (bytes == 1) {
			out[0] = (uint8_t)value;
			return 1;
		}
		out[0] = (uint8_t)((bytes - 1) << 6 | (value & 0x0f));
		for (size_t i = 1; i < bytes; i++)
			out[i] = (uint8_t)(value >> (4 + 8 * (i - 1)));
		return bytes;
	}
	return 0; /* over AML_PKGLENGTH_MAX */
}
/* book:end pkglength */

/* 20.2.2 "Name Objects Encoding": LeadNameChar is 'A'-'Z' or '_'; then digits too. */
static bool name_char(char c, bool lead)
{
	return (c >= 'A' && c <= 'Z') || c == '_' || (!lead && c >= '0' && c <= '9');
}

/* One NameSeg of `length` characters (1-4) from name, padded with '_'. */
static void nameseg_of(struct aml *aml, const char *name, size_t length)
{
	char seg[AML_NAMESEG_SIZE] = {'_', '_', '_', '_'};

	if (length < 1 || length > AML_NAMESEG_SIZE) {
		aml->failed = true;
		return;
	}
	for (size_t i = 0; i < length; i++) {
		if (!name_char(name[i], i == 0)) {
			aml->failed = true;
			return;
		}
		seg[i] = name[i];
	}
	aml_bytes(aml, seg, sizeof(seg));
}

void aml_nameseg(struct aml *aml, const char *name)
{
	nameseg_of(aml, name, strlen(name));
}

/*
 * NameString: an optional RootChar ('\') or ParentPrefixChars ('^'), then one
 * NameSeg, or DualNamePrefix and two, or MultiNamePrefix, a count and that many;
 * or NullName (a zero byte) when there is no segment at all.
 */
void aml_namestring(struct aml *aml, const char *path)
{
	size_t segs = 1;

	if (*path == AML_ROOT_CHAR)
		aml_byte(aml, (uint8_t)*path++);
	else
		while (*path == AML_PARENT_PREFIX_CHAR)
			aml_byte(aml, (uint8_t)*path++);
	if (*path == '\0') {
		aml_byte(aml, AML_ZERO_OP); /* NullName */
		return;
	}
	for (const char *c = path; *c; c++)
		segs += *c == '.';
	if (segs == 2)
		aml_byte(aml, AML_DUAL_NAME_PREFIX);
	else if (segs > 2) {
		if (segs > UINT8_MAX)
			aml->failed = true;
		aml_byte(aml, AML_MULTI_NAME_PREFIX);
		aml_byte(aml, (uint8_t)segs);
	}
	while (segs--) {
		size_t length = strcspn(path, ".");

		nameseg_of(aml, path, length);
		path += length + (path[length] == '.');
	}
}

void aml_name(struct aml *aml, const char *path)
{
	aml_byte(aml, AML_NAME_OP);
	aml_namestring(aml, path);
}

/* 20.2.3 "Data Objects Encoding": ZeroOp, OneOp, or a prefix and 1, 2, 4 or 8 bytes. */
void aml_integer(struct aml *aml, uint64_t value)
{
	if (value == 0) {
		aml_byte(aml, AML_ZERO_OP);
	} else if (value == 1) {
		aml_byte(aml, AML_ONE_OP);
	} else if (value <= UINT8_MAX) {
		aml_byte(aml, AML_BYTE_PREFIX);
		aml_byte(aml, (uint8_t)value);
	} else if (value <= UINT16_MAX) {
		aml_byte(aml, AML_WORD_PREFIX);
		aml_word(aml, (uint16_t)value);
	} else if (value <= UINT32_MAX) {
		aml_byte(aml, AML_DWORD_PREFIX);
		aml_dword(aml, (uint32_t)value);
	} else {
		aml_byte(aml, AML_QWORD_PREFIX);
		aml_qword(aml, value);
	}
}

/* String: StringPrefix, ASCII characters (1-0x7f), a zero byte. */
void aml_string(struct aml *aml, const char *string)
{
	for (const char *c = string; *c; c++)
		if ((uint8_t)*c > 0x7f)
			aml->failed = true;
	aml_byte(aml, AML_STRING_PREFIX);
	aml_bytes(aml, string, strlen(string) + 1);
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* book:begin eisaid */
/*
 * A PNP id such as "PNP0501" (the ASL macro "EISAID (EISA ID String To
 * Integer Conversion Macro)"): three letters of 5 bits each ('A' is 1), then four hex
 * digits, 16 bits: 32 bits in all, stored most significant byte first. So
 * "PNP0501" is the bytes 41 d0 05 01, which an AML integer holds as 0x0105d041.
 */
uint32_t aml_eisaid_value(const char *id)
{
	uint32_t big_endian = 0;

	if (strlen(id) != 7)
		return 0;
	for (int i = 0; i < 3; i++) {
		if (id[i] < 'A' || id[i] > 'Z')
			return 0;
		big_endian |= (uint32_t)(id[i] - 'A' + 1) << (26 - 5 * i);
	}
	for (int i = 3; i < 7; i++) {
		int digit = hex_digit(id[i]);
		if (digit < 0)
			return 0;
		big_endian |= (uint32_t)digit << (4 * (6 - i));
	}
	return __builtin_bswap32(big_endian);
}
/* book:end eisaid */

void aml_eisaid(struct aml *aml, const char *id)
{
	uint32_t value = aml_eisaid_value(id);

	if (value == 0)
		aml->failed = true;
	aml_byte(aml, AML_DWORD_PREFIX); /* always a DWord, however small the value */
	aml_dword(aml, value);
}

/* book:begin scope-device */
/* DefScope := ScopeOp PkgLength NameString TermList */
size_t aml_scope_begin(struct aml *aml, const char *path)
{
	aml_byte(aml, AML_SCOPE_OP);
	size_t start = aml->len;
	aml_namestring(aml, path);
	return start;
}

/* DefDevice := ExtOpPrefix DeviceOp PkgLength NameString TermList */
size_t aml_device_begin(struct aml *aml, const char *path)
{
	aml_byte(aml, AML_EXT_OP_PREFIX);
	aml_byte(aml, AML_DEVICE_OP);
	size_t start = aml->len;
	aml_namestring(aml, path);
	return start;
}

/* Puts the PkgLength of everything written since start in front of it. */
void aml_end(struct aml *aml, size_t start)
{
	uint8_t pkglength[4];
	size_t bytes;

	if (aml->failed)
		return;
	bytes = aml_pkglength(pkglength, aml->len - start);
	if (bytes == 0)
		aml->failed = true;
	insert(aml, start, pkglength, bytes);
}
/* book:end scope-device */

/* DefPackage := PackageOp PkgLength NumElements PackageElementList */
size_t aml_package_begin(struct aml *aml, uint8_t elements)
{
	aml_byte(aml, AML_PACKAGE_OP);
	size_t start = aml->len;
	aml_byte(aml, elements);
	return start;
}

/* DefBuffer := BufferOp PkgLength BufferSize ByteList, BufferSize an integer. */
size_t aml_buffer_begin(struct aml *aml)
{
	aml_byte(aml, AML_BUFFER_OP);
	return aml->len;
}

void aml_buffer_end(struct aml *aml, size_t start)
{
	uint8_t size[9];
	struct aml integer;

	if (aml->failed)
		return;
	aml_init(&integer, size, sizeof(size));
	aml_integer(&integer, aml->len - start);
	insert(aml, start, size, integer.len);
	aml_end(aml, start);
}

/* book:begin resources */
size_t aml_resources_begin(struct aml *aml)
{
	return aml_buffer_begin(aml);
}

/*
 * 6.4.2.9 "End Tag": its second byte makes the bytes of the descriptors and
 * the tag sum to zero (a zero there would also do: "treated as if the checksum
 * operation succeeded").
 */
void aml_resources_end(struct aml *aml, size_t start)
{
	uint8_t sum = 0;

	aml_byte(aml, AML_END_TAG);
	if (aml->failed)
		return;
	for (size_t i = start; i < aml->len; i++)
		sum = (uint8_t)(sum + aml->buf[i]);
	aml_byte(aml, (uint8_t)-sum);
	aml_buffer_end(aml, start);
}

/* 6.4.2.5 "I/O Port Descriptor": decodes 16 bits, minimum = maximum base, aligned to 1. */
void aml_io(struct aml *aml, uint16_t base, uint8_t length)
{
	aml_byte(aml, AML_IO_DESCRIPTOR);
	aml_byte(aml, AML_IO_DECODE16);
	aml_word(aml, base); /* the lowest base the range may have */
	aml_word(aml, base); /* the highest: the same, so it cannot move */
	aml_byte(aml, 1); /* base alignment */
	aml_byte(aml, length);
}

/* 6.4.2.1 "IRQ Descriptor", the 2-byte form: a mask of IRQs 0-15, ISA's defaults. */
void aml_irq_noflags(struct aml *aml, uint8_t irq)
{
	if (irq >= AML_LEGACY_IRQS)
		aml->failed = true;
	aml_byte(aml, AML_IRQ_NOFLAGS_DESCRIPTOR);
	aml_word(aml, irq < AML_LEGACY_IRQS ? (uint16_t)(1u << irq) : 0);
}

/* 6.4.3.4 "32-Bit Fixed Memory Range Descriptor" */
void aml_memory32_fixed(struct aml *aml, uint32_t base, uint32_t size)
{
	aml_byte(aml, AML_MEMORY32_FIXED_DESCRIPTOR);
	aml_word(aml, AML_MEMORY32_FIXED_LENGTH);
	aml_byte(aml, AML_MEMORY_READ_WRITE);
	aml_dword(aml, base);
	aml_dword(aml, size);
}

/* 6.4.3.6 "Extended Interrupt Descriptor": here one interrupt, no resource source. */
void aml_interrupt(struct aml *aml, uint8_t flags, uint32_t gsi)
{
	aml_byte(aml, AML_EXTENDED_INTERRUPT_DESCRIPTOR);
	aml_word(aml, 2 + 4); /* the flags, the table's length, one DWORD */
	aml_byte(aml, flags);
	aml_byte(aml, 1); /* interrupt table length */
	aml_dword(aml, gsi);
}
/* book:end resources */
