/*
 * GDB's remote protocol, the packet layer (rsp.c), through two pipes and no KVM:
 * checksums, acks, escapes, Ctrl-C, and bad packets that leave the session going.
 */
#include "kvm_check.h"
#include "rsp.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* GDB's side of the connection: to_vmm[1] writes what the VMM reads; from_vmm[0] the rest. */
struct link {
	int to_vmm[2], from_vmm[2];
	struct rsp rsp;
	char packet[RSP_PACKET_MAX + 1];
	size_t len;
};

static void link_open(struct link *l)
{
	ck_assert_int_eq(pipe2(l->to_vmm, O_CLOEXEC), 0);
	ck_assert_int_eq(pipe2(l->from_vmm, O_CLOEXEC | O_NONBLOCK), 0);
	rsp_init(&l->rsp, l->to_vmm[0], l->from_vmm[1]);
}

static void link_close(struct link *l)
{
	close(l->to_vmm[0]);
	close(l->to_vmm[1]);
	close(l->from_vmm[0]);
	close(l->from_vmm[1]);
}

static void gdb_writes(struct link *l, const char *bytes)
{
	ck_assert_int_eq(write(l->to_vmm[1], bytes, strlen(bytes)), (ssize_t)strlen(bytes));
}

/* What the VMM wrote so far, as a string. */
static const char *vmm_wrote(struct link *l)
{
	static char out[2 * RSP_PACKET_MAX];
	ssize_t n = read(l->from_vmm[0], out, sizeof(out) - 1);

	out[n > 0 ? n : 0] = '\0';
	return out;
}

START_TEST(a_packet_is_checked_and_acked)
{
	struct link l;

	link_open(&l);
	gdb_writes(&l, "+$qC#b4");
	ck_assert_int_eq(rsp_read_packet(&l.rsp, l.packet, &l.len), RSP_PACKET);
	ck_assert_str_eq(l.packet, "qC");
	ck_assert_uint_eq(l.len, 2);
	ck_assert_str_eq(vmm_wrote(&l), "+");
	link_close(&l);
}
END_TEST

START_TEST(a_wrong_checksum_is_answered_minus_and_the_session_goes_on)
{
	struct link l;

	link_open(&l);
	gdb_writes(&l, "$qC#00$qC#b4");
	ck_assert_int_eq(rsp_read_packet(&l.rsp, l.packet, &l.len), RSP_REFUSED);
	ck_assert_str_eq(l.rsp.error, "a packet whose checksum is not b4, the sum of its bytes");
	ck_assert_int_eq(rsp_read_packet(&l.rsp, l.packet, &l.len), RSP_PACKET);
	ck_assert_str_eq(l.packet, "qC");
	ck_assert_str_eq(vmm_wrote(&l), "-+");
	link_close(&l);
}
END_TEST

START_TEST(a_packet_too_long_is_refused_once_and_the_session_goes_on)
{
	static char big[RSP_PACKET_MAX + 64];
	struct link l;
	uint8_t sum = 0;

	link_open(&l);
	big[0] = '$';
	for (size_t i = 1; i <= RSP_PACKET_MAX + 1; i++) {
		big[i] = 'a';
		sum += 'a';
	}
	snprintf(big + RSP_PACKET_MAX + 2, 8, "#%02x", sum);
	gdb_writes(&l, big);
	gdb_writes(&l, "$?#3f");
	ck_assert_int_eq(rsp_read_packet(&l.rsp, l.packet, &l.len), RSP_REFUSED);
	ck_assert_str_eq(l.rsp.error, "a packet longer than 4096 bytes, refused");
	ck_assert_uint_eq(l.len, 0);
	ck_assert_int_eq(rsp_read_packet(&l.rsp, l.packet, &l.len), RSP_PACKET);
	ck_assert_str_eq(l.packet, "?");
	ck_assert_str_eq(vmm_wrote(&l), "++"); /* acked: GDB must not send it again forever */
	link_close(&l);
}
END_TEST

/* '}' then the byte XOR 0x20: how '#', '$', '}' and '*' travel inside a packet. */
START_TEST(escaped_bytes_are_unescaped_and_escaped)
{
	struct link l;

	link_open(&l);
	gdb_writes(&l, "$X}\x03}]#b2"); /* X#} */
	ck_assert_int_eq(rsp_read_packet(&l.rsp, l.packet, &l.len), RSP_PACKET);
	ck_assert_str_eq(l.packet, "X#}");
	ck_assert_str_eq(vmm_wrote(&l), "+");
	l.rsp.no_ack = true;
	ck_assert_int_eq(rsp_send_str(&l.rsp, "a#b"), 0);
	ck_assert_str_eq(vmm_wrote(&l), "$a}\x03"
					"b#43");
	link_close(&l);
}
END_TEST

START_TEST(ctrl_c_and_the_end_of_the_connection)
{
	struct link l;

	link_open(&l);
	gdb_writes(&l, "\x03");
	ck_assert_int_eq(rsp_read_packet(&l.rsp, l.packet, &l.len), RSP_GOT_INTERRUPT);
	close(l.to_vmm[1]);
	l.to_vmm[1] = open("/dev/null", O_WRONLY);
	ck_assert_int_eq(rsp_read_packet(&l.rsp, l.packet, &l.len), RSP_CLOSED);
	link_close(&l);
}
END_TEST

/* A reply waits for GDB's '+'; a '-' makes it go again. */
START_TEST(a_reply_is_sent_again_after_minus)
{
	struct link l;

	link_open(&l);
	gdb_writes(&l, "-+");
	ck_assert_int_eq(rsp_send_str(&l.rsp, "OK"), 0);
	ck_assert_str_eq(vmm_wrote(&l), "$OK#9a$OK#9a");
	link_close(&l);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("GDB's remote protocol: packets");
	TCase *tc = tcase_create("rsp");

	tcase_add_test(tc, a_packet_is_checked_and_acked);
	tcase_add_test(tc, a_wrong_checksum_is_answered_minus_and_the_session_goes_on);
	tcase_add_test(tc, a_packet_too_long_is_refused_once_and_the_session_goes_on);
	tcase_add_test(tc, escaped_bytes_are_unescaped_and_escaped);
	tcase_add_test(tc, ctrl_c_and_the_end_of_the_connection);
	tcase_add_test(tc, a_reply_is_sent_again_after_minus);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
