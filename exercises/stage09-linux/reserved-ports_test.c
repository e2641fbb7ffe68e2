/*
 * Exercise 09-reserved-ports (medium): the DSDT claims the VMM's own ports.
 * Linux gives I/O ports to the drivers it loads; ports that belong to the platform
 * must be claimed first, so that no driver is given them. Here those are the ACPI
 * sleep control and status registers and the reset register (the FADT points at
 * them, but does not reserve them). Firmware claims such ports with a "motherboard
 * resources" device: _HID EisaId ("PNP0C02"), whose _CRS lists them, and which
 * Linux's PnP "system" driver reserves. Add one to the DSDT, in \_SB, any name, with
 * the ports of the acpi_config. The test builds the tables with the stage's ports
 * and with others, and reads the DSDT back with `iasl -d`.
 * order: 2
 * hint: write_dsdt() in acpi.c: a device as dsdt_com1() makes one, with aml_eisaid() for its
 * _HID and one aml_io() per port (or per run of ports) in its resource template
 */
#include "acpi_check.h"
#include "kvm_check.h"
#include "vmm.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TABLES_GPA 0xe0000

static uint8_t tables[8192];

/* The stage's devices, as its tests describe them, with the three ports given. */
static char *dsdt_with_ports(uint16_t control, uint16_t status, uint16_t reset)
{
	struct acpi_config config = acpi_test_config(2);
	struct acpi_tables built;
	char error[256] = "";

	config.sleep_control_port = control;
	config.sleep_status_port = status;
	config.reset_port = reset;
	memset(tables, 0, sizeof(tables));
	ck_assert_msg(acpi_build(tables, sizeof(tables), TABLES_GPA, &config, &built, error,
				 sizeof(error)) == 0,
		      "acpi_build: %s", error);
	return iasl_disassemble(tables + (built.dsdt - TABLES_GPA), "dsdt");
}

/* The text of the Device (...) { ... } that holds `at`, cut out of the disassembly (malloc'd). */
static char *device_around(const char *disassembly, const char *at)
{
	const char *start = NULL;

	for (const char *d = strstr(disassembly, "Device ("); d && d < at;
	     d = strstr(d + 1, "Device ("))
		start = d;
	ck_assert_msg(start, "no Device (...) holds %.40s", at);
	const char *end = strchr(start, '{');
	ck_assert_ptr_nonnull(end);
	for (int depth = 0; *end; end++) {
		depth += (*end == '{') - (*end == '}');
		if (depth == 0)
			break;
	}
	return strndup(start, (size_t)(end + 1 - start));
}

/* True when an IO (Decode16, min, max, alignment, length, ) of the device holds port. */
static bool claims(const char *device, uint16_t port)
{
	unsigned min, max, alignment, length;

	for (const char *io = strstr(device, "IO (Decode16,"); io;
	     io = strstr(io + 1, "IO (Decode16,"))
		if (sscanf(io, "IO (Decode16, 0x%x, 0x%x, 0x%x, 0x%x,", &min, &max, &alignment,
			   &length) == 4 &&
		    min == max && port >= min && port < min + length)
			return true;
	return false;
}

static void expect_ports_claimed(uint16_t control, uint16_t status, uint16_t reset)
{
	char *dsdt = dsdt_with_ports(control, status, reset);
	const char *hid = strstr(dsdt, "Name (_HID, EisaId (\"PNP0C02\"))");

	ck_assert_msg(hid, "no device with _HID EisaId (\"PNP0C02\") in the DSDT: %.2000s", dsdt);
	const char *sb = strstr(dsdt, "Scope (\\_SB) {");
	ck_assert_msg(sb && sb < hid, "the PNP0C02 device is not in \\_SB: %.2000s", dsdt);
	char *device = device_around(dsdt, hid);
	ck_assert_msg(strstr(device, "Name (_CRS, ResourceTemplate ()"),
		      "the PNP0C02 device has no _CRS resource template: %s", device);
	uint16_t ports[] = {control, status, reset};
	for (unsigned i = 0; i < 3; i++)
		ck_assert_msg(claims(device, ports[i]),
			      "port 0x%x (%s) is in no IO (Decode16, ...) of the device: %s",
			      ports[i],
			      i == 0   ? "sleep control"
			      : i == 1 ? "sleep status"
				       : "reset",
			      device);
	assert_disassembly_has(dsdt, "Device (COM1)");
	assert_disassembly_has(dsdt, "Name (_HID, \"LNRO0005\")");
	free(device);
	free(dsdt);
}

START_TEST(the_stage_ports_are_claimed)
{
	expect_ports_claimed(PORT_SLEEP_CONTROL, PORT_SLEEP_STATUS, PORT_RESET); /* vmm.h */
}
END_TEST

START_TEST(other_ports_are_claimed_as_the_config_gives_them)
{
	expect_ports_claimed(0x0b00, 0x0b08, 0x0092);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("exercise 09-reserved-ports");
	TCase *tc = tcase_create("reserved-ports");
	const char *no_iasl = iasl_missing();

	tcase_set_timeout(tc, 60);
	tcase_add_test_needing(tc, the_stage_ports_are_claimed, no_iasl);
	tcase_add_test_needing(tc, other_ports_are_claimed_as_the_config_gives_them, no_iasl);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
