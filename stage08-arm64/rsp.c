/* GDB's remote serial protocol: packets in and out (rsp.h). */
#include "rsp.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define RSP_ESCAPE '}'
#define RSP_ESCAPE_XOR 0x20
#define RSP_RESENDS 3 /* a packet answered '-' is sent again, up to this many times */

void rsp_init(struct rsp *rsp, int in, int out)
{
	memset(rsp, 0, sizeof(*rsp));
	rsp->in = in;
	rsp->out = out;
}

/* The next byte from the connection, or -1 at its end. */
static int next_byte(struct rsp *rsp)
{
	while (rsp->buf_pos == rsp->buf_len) {
		ssize_t n = read(rsp->in, rsp->buf, sizeof(rsp->buf));
		if (n < 0 && errno == EINTR) /* a timer of the VMM's: read again */
			continue;
		if (n <= 0)
			return -1;
		rsp->buf_len = (size_t)n;
		rsp->buf_pos = 0;
	}
	return rsp->buf[rsp->buf_pos++];
}

static int write_all(int fd, const char *data, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, data, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		data += n;
		len -= (size_t)n;
	}
	return 0;
}

static int hex_digit(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

bool rsp_hex_byte(const char *text, uint8_t *byte)
{
	int high = hex_digit(text[0]), low = high < 0 ? -1 : hex_digit(text[1]);

	if (low < 0)
		return false;
	*byte = (uint8_t)(high << 4 | low);
	return true;
}

/* book:begin rsp-read */
/*
 * The next packet into data (RSP_PACKET_MAX bytes and a '\0'). Acks and bytes
 * between packets are skipped. A wrong checksum is answered '-', and GDB sends
 * the packet again; a packet too long is answered '+' and refused, so that the
 * caller can say so with an error reply instead of GDB sending it forever.
 */
enum rsp_read rsp_read_packet(struct rsp *rsp, char *data, size_t *len)
{
	int c;

	for (;;) {
		do
			c = next_byte(rsp);
		while (c >= 0 && c != '$' && c != RSP_INTERRUPT);
		if (c < 0)
			return RSP_CLOSED;
		if (c == RSP_INTERRUPT)
			return RSP_GOT_INTERRUPT;
		uint8_t sum = 0;
		bool too_long = false, escaped = false;
		*len = 0;
		while ((c = next_byte(rsp)) >= 0 && c != '#') {
			sum += (uint8_t)c;
			if (c == RSP_ESCAPE && !escaped) {
				escaped = true;
				continue;
			}
			if (*len == RSP_PACKET_MAX)
				too_long = true;
			else
				data[(*len)++] = (char)(escaped ? c ^ RSP_ESCAPE_XOR : c);
			escaped = false;
		}
		int high = next_byte(rsp), low = next_byte(rsp);
		if (c < 0 || low < 0)
			return RSP_CLOSED;
		data[*len] = '\0';
		if (hex_digit(high) < 0 || hex_digit(low) < 0 ||
		    (uint8_t)(hex_digit(high) << 4 | hex_digit(low)) != sum) {
			snprintf(rsp->error, sizeof(rsp->error),
				 "a packet whose checksum is not %02x, the sum of its bytes", sum);
			if (!rsp->no_ack && write_all(rsp->out, "-", 1) < 0)
				return RSP_CLOSED;
			return RSP_REFUSED;
		}
		if (!rsp->no_ack && write_all(rsp->out, "+", 1) < 0)
			return RSP_CLOSED;
		if (too_long) {
			snprintf(rsp->error, sizeof(rsp->error),
				 "a packet longer than %d bytes, refused", RSP_PACKET_MAX);
			*len = 0;
			data[0] = '\0';
			return RSP_REFUSED;
		}
		return RSP_PACKET;
	}
}
/* book:end rsp-read */

/* Sends one packet, escaping what must be; waits for GDB's '+' unless acks are off. */
int rsp_send(struct rsp *rsp, const char *data, size_t len)
{
	static char framed[2 * RSP_PACKET_MAX + 4];
	size_t n = 0;
	uint8_t sum = 0;

	if (len > RSP_PACKET_MAX)
		return -1;
	framed[n++] = '$';
	for (size_t i = 0; i < len; i++) {
		char c = data[i];
		if (c == '$' || c == '#' || c == RSP_ESCAPE || c == '*') {
			framed[n++] = RSP_ESCAPE;
			sum += RSP_ESCAPE;
			c ^= RSP_ESCAPE_XOR;
		}
		framed[n++] = c;
		sum += (uint8_t)c;
	}
	n += (size_t)snprintf(framed + n, sizeof(framed) - n, "#%02x", sum);
	for (int attempt = 0; attempt <= RSP_RESENDS; attempt++) {
		if (write_all(rsp->out, framed, n) < 0)
			return -1;
		if (rsp->no_ack)
			return 0;
		int c;
		do
			c = next_byte(rsp);
		while (c >= 0 && c != '+' && c != '-');
		if (c == '+')
			return 0;
		if (c < 0)
			return -1;
	}
	return -1;
}

int rsp_send_str(struct rsp *rsp, const char *text)
{
	return rsp_send(rsp, text, strlen(text));
}
