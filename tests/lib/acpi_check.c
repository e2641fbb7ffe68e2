/* stage09's ACPI tables under test: see acpi_check.h. */
#include "acpi_check.h"
#include "run_vmm.h"
#include "vmm.h"

#include <check.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct acpi_config acpi_test_config(unsigned cpus)
{
	return (struct acpi_config){.cpus = cpus,
				    .lapic_base = LAPIC_BASE,
				    .ioapic_base = 0xfec00000, /* KVM's in-kernel I/O APIC */
				    .com1_port = COM1_BASE,
				    .com1_ports = COM1_PORTS,
				    .com1_irq = COM1_IRQ,
				    .virtio_base = VIRTIO_MMIO_BASE,
				    .virtio_size = VIRTIO_MMIO_SIZE,
				    .virtio_irq = DISK_IRQ,
				    .sleep_control_port = TEST_SLEEP_CONTROL_PORT,
				    .sleep_status_port = TEST_SLEEP_STATUS_PORT,
				    .reset_port = TEST_RESET_PORT,
				    .oem_id = "TVMM",
				    .oem_table_id = "TVMMACPI",
				    .hypervisor_id = "KVMTVMM"};
}

const char *iasl_missing(void)
{
	const char *path = getenv("PATH");
	char candidate[4096];

	while (path && *path) {
		size_t length = strcspn(path, ":");
		snprintf(candidate, sizeof(candidate), "%.*s/iasl", (int)length, path);
		if (access(candidate, X_OK) == 0)
			return NULL;
		path += length + (path[length] == ':');
	}
	return "iasl is missing: apt-get install acpica-tools (or: make deps)";
}

/* Where the comment at `from` ends, or NULL if there is none there. */
static const char *comment_end(const char *from)
{
	if (from[0] == '/' && from[1] == '/')
		return from + strcspn(from, "\n");
	if (from[0] == '/' && from[1] == '*') {
		const char *end = strstr(from + 2, "*/");
		return end ? end + 2 : from + strlen(from);
	}
	return NULL;
}

/* Drops the comments, with the space before each, and runs of white space. */
static void plain(char *text)
{
	char *to = text;

	for (const char *from = text; *from;) {
		const char *end = comment_end(from);
		if (end) {
			from = end;
			if (to != text && to[-1] == ' ')
				to--;
		} else if (isspace((unsigned char)*from)) {
			while (isspace((unsigned char)*from))
				from++;
			if (to != text && to[-1] != ' ')
				*to++ = ' ';
		} else {
			*to++ = *from++;
		}
	}
	*to = '\0';
}

char *iasl_disassemble(const uint8_t *table, const char *name)
{
	static char log[16384];
	char dir[] = "/tmp/acpi-test-XXXXXX", dat[64], prefix[64], dsl[64];
	uint32_t length = (uint32_t)table[4] | (uint32_t)table[5] << 8 | (uint32_t)table[6] << 16 |
			  (uint32_t)table[7] << 24;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(dat, sizeof(dat), "%s/%s.dat", dir, name);
	snprintf(prefix, sizeof(prefix), "%s/%s", dir, name);
	snprintf(dsl, sizeof(dsl), "%s/%s.dsl", dir, name);
	FILE *f = fopen(dat, "wb");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(table, 1, length, f), length);
	fclose(f);
	int status = run_program("iasl", log, sizeof(log), "-p", prefix, "-d", dat);
	ck_assert_msg(status == 0, "iasl -d %s: status %d: %s", name, status, log);
	ck_assert_msg(strstr(log, "Binary file appears to be a valid ACPI table"), "%s", log);
	ck_assert_msg(!strcasestr(log, "error") && !strcasestr(log, "warning"), "%s", log);
	f = fopen(dsl, "r");
	ck_assert_msg(f, "%s: %s", dsl, strerror(errno));
	char *text = calloc(1, 65536);
	ck_assert_ptr_nonnull(text);
	text[fread(text, 1, 65535, f)] = '\0';
	fclose(f);
	ck_assert_msg(!strstr(text, "Incorrect"), "%s", text);
	unlink(dat);
	unlink(dsl);
	rmdir(dir);
	plain(text);
	return text;
}

void assert_disassembly_has(const char *disassembly, const char *what)
{
	ck_assert_msg(strstr(disassembly, what),
		      "'%s' is not in the disassembly, which begins: %.2000s", what, disassembly);
}
