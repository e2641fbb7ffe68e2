/*
 * The serial port: the PL011 model (pl011.c) wired to the VM and to the host.
 *
 * The guest's side: MMIO exits in the page at PL011_BASE become pl011_read()
 * and pl011_write() calls, and the chip's interrupt output becomes KVM_IRQ_LINE
 * on SPI UART_IRQ of the GIC. The host's side: what the guest transmits goes to
 * vm->console (stdout), and what arrives on the input file descriptor (stdin)
 * is received.
 *
 * Two threads use the chip: the vCPU thread on each exit, and an input thread
 * that waits for host input. The model is not thread-safe, so every call into
 * it is made with uart0.lock held; its callbacks run inside those calls.
 */
#include "vmm.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

/* book:begin host-callbacks */
/* The UART sent a byte down the serial line: it appears on our stdout. */
static void uart_transmit(void *ctx, uint8_t byte)
{
	struct vm *vm = ctx;

	fputc(byte, vm->console);
	fflush(vm->console); /* a person is watching: each byte when it is sent */
}

/*
 * The UART's interrupt output changed level. KVM_IRQ_LINE sets the GIC's input
 * for SPI UART_IRQ to that level: on arm64 its number says the kind of
 * interrupt as well as which (IRQ_LINE_SPI). An SPI is level-sensitive after
 * reset: the GIC holds it pending while the line is high, if the guest enabled it.
 */
static void uart_set_irq(void *ctx, int level)
{
	struct vm *vm = ctx;
	struct kvm_irq_level irq = {.irq = IRQ_LINE_SPI(UART_IRQ), .level = (uint32_t)level};

	if (ioctl(vm->vm_fd, KVM_IRQ_LINE, &irq) < 0)
		fprintf(vm->log, "vmm: KVM_IRQ_LINE %d for the UART: %s\n", level, strerror(errno));
}
/* book:end host-callbacks */

void serial_init(struct vm *vm)
{
	struct serial *s = &vm->uart0;
	struct pl011_host host = {.transmit = uart_transmit, .set_irq = uart_set_irq, .ctx = vm};

	pl011_init(&s->uart, &host);
	pthread_mutex_init(&s->lock, NULL);
	pthread_cond_init(&s->room, NULL);
	s->input_fd = -1;
	s->wake[0] = s->wake[1] = -1;
}

/* book:begin refill */
/*
 * Moves host input into the UART while it has room: a FIFO of 32 bytes holds
 * little, so the rest waits in our ring and follows as the guest reads. We send
 * only while the guest asserts RTS ("request to send", UARTCR bit 11), as a
 * terminal with hardware flow control does: a driver sets RTS once the UART is
 * programmed, so input typed before then is not lost. Called with the lock held.
 */
static void refill(struct serial *s)
{
	if (s->input_count == 0 || !pl011_rts(&s->uart))
		return;
	while (s->input_count && pl011_receive(&s->uart, s->input[s->input_head])) {
		s->input_head = (s->input_head + 1) % SERIAL_INPUT_MAX;
		s->input_count--;
	}
	pthread_cond_signal(&s->room);
}
/* book:end refill */

/* book:begin uart-mmio */
bool serial_owns(uint64_t addr)
{
	return addr >= PL011_BASE && addr - PL011_BASE < PL011_SIZE;
}

/*
 * A guest access to the UART's page. Its registers are 32 bits wide: an access
 * must start at one and stay within it (a byte store to UARTDR is fine). Returns
 * false for one that starts in the middle of a register, or at an offset where
 * there is none (or a write to a register that is read-only): devices.c reports
 * it once per address, and otherwise treats it as an access to no device.
 */
bool serial_mmio(struct vm *vm, uint64_t addr, uint8_t *data, unsigned len, bool is_write)
{
	struct serial *s = &vm->uart0;
	uint32_t offset = (uint32_t)(addr - PL011_BASE), value = 0;
	bool known;

	if (offset % 4 != 0 || len > 4)
		return false;
	pthread_mutex_lock(&s->lock);
	if (is_write) {
		memcpy(&value, data, len);
		known = pl011_write(&s->uart, offset, value);
	} else {
		known = pl011_read(&s->uart, offset, &value);
		memcpy(data, &value, len); /* little-endian: the low bytes first */
	}
	refill(s); /* a read of UARTDR made room; a write to UARTCR may have raised RTS */
	pthread_mutex_unlock(&s->lock);
	return known;
}
/* book:end uart-mmio */

/* book:begin feed */
/*
 * Queues host input for the guest. When the ring is full, waits until the guest
 * has read enough of it: input is never dropped. Returns false if the input
 * thread is being stopped. Never call it from the vCPU thread with more than
 * SERIAL_INPUT_MAX bytes: only the vCPU thread makes room.
 */
bool serial_feed(struct vm *vm, const uint8_t *bytes, size_t len)
{
	struct serial *s = &vm->uart0;

	pthread_mutex_lock(&s->lock);
	for (size_t i = 0; i < len && !s->stopping; i++) {
		while (s->input_count == SERIAL_INPUT_MAX && !s->stopping)
			pthread_cond_wait(&s->room, &s->lock);
		if (s->stopping)
			break;
		s->input[(s->input_head + s->input_count) % SERIAL_INPUT_MAX] = bytes[i];
		s->input_count++;
		refill(s);
	}
	bool ok = !s->stopping;
	pthread_mutex_unlock(&s->lock);
	return ok;
}
/* book:end feed */

/* book:begin input-thread */
/* Waits for input or for the wake pipe; true when there is input to read. */
static bool wait_for_input(struct serial *s)
{
	struct pollfd fds[2] = {{.fd = s->input_fd, .events = POLLIN},
				{.fd = s->wake[0], .events = POLLIN}};

	while (poll(fds, 2, -1) < 0)
		if (errno != EINTR)
			return false;
	return !fds[1].revents;
}

/*
 * The input thread: blocks in poll() until there is input, hands it to the UART,
 * and at the end of the input (or a read error such as EIO from a terminal that
 * hung up) sends one EOT and ends. EOT is the byte Ctrl-D gives on a terminal in
 * non-canonical mode: a guest ends on 0x04 whichever way its input came.
 */
static void *input_thread(void *arg)
{
	struct vm *vm = arg;
	struct serial *s = &vm->uart0;
	uint8_t buffer[256];

	while (wait_for_input(s)) {
		ssize_t n = read(s->input_fd, buffer, sizeof(buffer));
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0) {
			serial_feed(vm, &(const uint8_t){ASCII_EOT}, 1);
			break;
		}
		if (!serial_feed(vm, buffer, (size_t)n))
			break;
	}
	return NULL;
}
/* book:end input-thread */

/* Starts the input thread on fd (the VMM's stdin, or a test's pipe); the caller keeps fd. */
int serial_start_input(struct vm *vm, int fd)
{
	struct serial *s = &vm->uart0;
	sigset_t all, old;

	if (pipe2(s->wake, O_CLOEXEC) < 0)
		return vm_fail_errno(vm, "pipe for the input thread");
	s->input_fd = fd;
	/* Signals are for the vCPU thread (--timeout) and the process: the thread takes none. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	int err = pthread_create(&s->thread, NULL, input_thread, vm);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err) {
		s->input_fd = -1;
		return vm_fail(vm, "the input thread: %s", strerror(err));
	}
	return 0;
}

/* book:begin stop-input */
/* Ends the input thread: wakes it wherever it waits (poll or a full ring) and joins it. */
void serial_stop_input(struct vm *vm)
{
	struct serial *s = &vm->uart0;

	if (s->input_fd >= 0) {
		pthread_mutex_lock(&s->lock);
		s->stopping = true;
		pthread_cond_signal(&s->room);
		pthread_mutex_unlock(&s->lock);
		while (write(s->wake[1], "", 1) < 0 && errno == EINTR)
			;
		pthread_join(s->thread, NULL);
		s->input_fd = -1;
	}
	for (int i = 0; i < 2; i++)
		if (s->wake[i] >= 0)
			close(s->wake[i]);
	s->wake[0] = s->wake[1] = -1;
}
/* book:end stop-input */
