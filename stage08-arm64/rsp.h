/*
 * GDB's remote serial protocol, the packet layer: "$data#cs", where cs is the
 * sum of data's bytes modulo 256 in two hex digits; the receiver answers '+'
 * (received) or '-' (send it again). In data, '}' escapes the next byte (XORed
 * with 0x20): how '$', '#', '}' and '*' travel inside a packet. Plain C, no KVM:
 * tests/shared/rsp_test.c drives it through a pipe.
 */
#ifndef RSP_H
#define RSP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RSP_PACKET_MAX 4096 /* the longest packet we take: what qSupported says */
#define RSP_INTERRUPT 0x03 /* GDB's Ctrl-C: one byte outside any packet */

struct rsp {
	int in, out; /* the connection: one socket twice, or stdin and stdout */
	bool no_ack; /* QStartNoAckMode: TCP and pipes lose nothing, so no '+' either way */
	uint8_t buf[512]; /* read ahead from `in` */
	size_t buf_len, buf_pos;
	char error[128]; /* why the last packet was refused, for the VMM's log */
};

enum rsp_read {
	RSP_PACKET, /* a packet, checked and unescaped */
	RSP_REFUSED, /* a bad packet (rsp->error says why): answered '-', or too long */
	RSP_GOT_INTERRUPT, /* Ctrl-C */
	RSP_CLOSED, /* the other end is gone */
};

void rsp_init(struct rsp *rsp, int in, int out);
enum rsp_read rsp_read_packet(struct rsp *rsp, char *data, size_t *len);
int rsp_send(struct rsp *rsp, const char *data, size_t len);
int rsp_send_str(struct rsp *rsp, const char *text);
bool rsp_hex_byte(const char *text, uint8_t *byte);

#endif
