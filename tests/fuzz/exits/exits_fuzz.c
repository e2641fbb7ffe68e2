/*
 * A libFuzzer harness for stage05's exit dispatcher (run.c: vcpu_handle_exit,
 * and the --trace line the run loop prints before it, diag.c: trace_exit): the
 * input is a run of exit records, written into a kvm_run page of the harness's
 * own making with any exit reason, port, size, count, data offset, MMIO
 * address and length, as a broken or hostile KVM might hand them over.
 *
 * The kvm_run area is allocated at its exact size for each input, and guest
 * RAM is the harness's own (memory_only_vm's way: no KVM): ASan sees any byte
 * read or written outside either. After each exit it also checks:
 * - kvm_run changed only where the exit allows: the port data of an IN (inside
 *   kvm_run), mmio.data of an MMIO read; nothing at all otherwise;
 * - guest RAM did not change (no exit of this stage writes it);
 * - the answer is one of the three, and a stop leaves a one-line reason.
 *
 * The input, byte by byte: the kvm_run size (in 256-byte units, 1-48), then
 * exits, each a kind byte (% KIND_COUNT) and its fields.
 */
#include "fuzz.h"
#include "vmm.h"

#include <string.h>

#define RAM_SIZE GUEST_MEM_SIZE
#define RUN_UNIT 256
#define RUN_UNITS_MAX 48 /* 12 KiB: three pages, what KVM maps on x86 */

enum kind {
	KIND_IO, /* direction, port, size, count, data offset, then data */
	KIND_IO_NEAR, /* the same with the fields of a real exit: small counts, offset 4096 */
	KIND_MMIO, /* address, length, direction, 8 data bytes */
	KIND_RAW, /* any exit reason, the union's bytes as the input gives them */
	KIND_COUNT
};

/* The ports a guest of this stage talks to, made likely; else any port. */
static uint16_t pick_port(struct input *in)
{
	static const uint16_t known[] = {COM1_BASE,     COM1_BASE + 1, COM1_BASE + 2, COM1_BASE + 3,
					 COM1_BASE + 4, COM1_BASE + 5, COM1_BASE + 6, COM1_BASE + 7,
					 PORT_CONSOLE,  PORT_REPORT,   PORT_DONE};
	uint8_t choice = take8(in);

	if (choice < 0xc0)
		return known[choice % (sizeof(known) / sizeof(known[0]))];
	return take16(in);
}

/* Writes the exit's data bytes into kvm_run, where they fit (KVM would have put them there). */
static void fill_data(struct input *in, uint8_t *run, size_t run_size, uint64_t offset)
{
	unsigned n = take8(in);

	for (unsigned i = 0; i < n && offset < run_size && i < run_size - offset; i++)
		run[offset + i] = take8(in);
}

static void io_exit(struct input *in, struct kvm_run *run, size_t run_size, bool near)
{
	run->exit_reason = KVM_EXIT_IO;
	run->io.direction = take8(in) & 1 ? KVM_EXIT_IO_OUT : KVM_EXIT_IO_IN;
	run->io.port = pick_port(in);
	if (near) {
		static const uint8_t sizes[] = {1, 2, 4};
		run->io.size = sizes[take8(in) % 3];
		run->io.count = 1 + take8(in) % 64;
		run->io.data_offset = 4096 % run_size;
	} else {
		run->io.size = take8(in);
		run->io.count = take32(in);
		run->io.data_offset = take8(in) & 1 ? take64(in) : take16(in);
	}
	fill_data(in, (uint8_t *)run, run_size, run->io.data_offset);
}

static void mmio_exit(struct input *in, struct kvm_run *run)
{
	run->exit_reason = KVM_EXIT_MMIO;
	run->mmio.phys_addr = take8(in) & 1 ? take64(in) : 0xd0000000u + take8(in);
	run->mmio.len = take8(in) & 1 ? take32(in) : 1u << (take8(in) % 4);
	run->mmio.is_write = take8(in) & 1;
	for (unsigned i = 0; i < sizeof(run->mmio.data); i++)
		run->mmio.data[i] = take8(in);
}

/* Any reason, mostly one that exists; the exit's union filled with input bytes. */
static void raw_exit(struct input *in, struct kvm_run *run, size_t run_size)
{
	uint8_t *u = (uint8_t *)&run->hw;

	run->exit_reason = take8(in) < 0xf0 ? take8(in) % 48 : take32(in);
	for (size_t i = 0; i < 256 && offsetof(struct kvm_run, hw) + i < run_size && more(in); i++)
		u[i] = take8(in);
}

/* Where an exit may write kvm_run: [*from, *to). Empty when it may not. */
static void writable(const struct kvm_run *run, size_t run_size, uint64_t *from, uint64_t *to)
{
	*from = *to = 0;
	if (run->exit_reason == KVM_EXIT_IO && run->io.direction == KVM_EXIT_IO_IN &&
	    run->io.data_offset <= run_size) {
		uint64_t bytes = (uint64_t)run->io.size * run->io.count;
		*from = run->io.data_offset;
		*to = bytes < run_size - *from ? *from + bytes : run_size;
	} else if (run->exit_reason == KVM_EXIT_MMIO && !run->mmio.is_write) {
		*from = offsetof(struct kvm_run, mmio.data);
		*to = *from + sizeof(run->mmio.data);
	}
}

struct harness {
	struct vm vm;
	struct vcpu vcpu;
	FILE *devnull;
	uint8_t *ram;
};

/* Once per process: guest RAM (all zeros, and kept so), and /dev/null for the output. */
static struct harness *harness(void)
{
	static struct harness h;

	if (!h.ram) {
		h.ram = calloc(1, RAM_SIZE);
		h.devnull = fopen("/dev/null", "w");
		if (!h.ram || !h.devnull)
			abort();
	}
	return &h;
}

static void check_exit(struct harness *h, const uint8_t *before, size_t run_size,
		       enum after_exit after)
{
	const uint8_t *now = (const uint8_t *)h->vcpu.run;
	uint64_t from, to;

	/* From the record as it came: an IN may write its data over the record itself. */
	writable((const struct kvm_run *)before, run_size, &from, &to);
	for (size_t i = 0; i < run_size; i++)
		INVARIANT(now[i] == before[i] || (i >= from && i < to),
			  "exit %u wrote kvm_run byte %zu, outside [%llu, %llu)",
			  ((const struct kvm_run *)before)->exit_reason, i,
			  (unsigned long long)from, (unsigned long long)to);
	INVARIANT(after == RESUME_GUEST || after == GUEST_FINISHED || after == STOP_WITH_ERROR,
		  "vcpu_handle_exit() returned %d", (int)after);
	if (after == STOP_WITH_ERROR)
		INVARIANT(h->vm.error[0] && !strchr(h->vm.error, '\n') &&
			      memchr(h->vm.error, '\0', sizeof(h->vm.error)),
			  "a stop with reason \"%s\"", h->vm.error);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = {data, size, 0};
	struct harness *h = harness();
	size_t run_size = RUN_UNIT * (1 + take8(&in) % RUN_UNITS_MAX);
	uint8_t *run = calloc(1, run_size), *before = malloc(run_size);
	enum after_exit after = RESUME_GUEST;

	if (!run || !before)
		abort();
	vm_init(&h->vm);
	h->vm.mem = h->ram;
	h->vm.mem_size = RAM_SIZE;
	h->vm.console = h->vm.log = h->vm.trace = h->devnull;
	h->vcpu = (struct vcpu){
	    .vm = &h->vm, .fd = -1, .run = (struct kvm_run *)run, .run_size = run_size};
	while (more(&in) && after == RESUME_GUEST) {
		enum kind kind = (enum kind)(take8(&in) % KIND_COUNT);

		switch (kind) {
		case KIND_IO:
		case KIND_IO_NEAR:
			io_exit(&in, h->vcpu.run, run_size, kind == KIND_IO_NEAR);
			break;
		case KIND_MMIO:
			mmio_exit(&in, h->vcpu.run);
			break;
		case KIND_RAW:
		case KIND_COUNT:
			raw_exit(&in, h->vcpu.run, run_size);
			break;
		}
		trace_exit(h->vm.trace, &h->vcpu); /* as the run loop does with --trace */
		memcpy(before, run, run_size);
		after = vcpu_handle_exit(&h->vcpu);
		check_exit(h, before, run_size, after);
	}
	for (size_t i = 0; i < RAM_SIZE; i += 4096)
		INVARIANT(h->ram[i] == 0, "guest RAM at 0x%zx changed", i);
	free(before);
	free(run);
	return 0;
}

#ifdef FUZZ_REPLAY

static void io(struct seed *s, uint8_t direction_out, uint8_t port_choice, uint8_t size,
	       uint32_t count, uint16_t offset, const char *bytes)
{
	put8(s, KIND_IO);
	put8(s, direction_out);
	put8(s, port_choice);
	if (port_choice >= 0xc0)
		put16(s, 0x1234); /* a port nobody answers */
	put8(s, size);
	put32(s, count);
	put8(s, 0); /* a 16-bit offset */
	put16(s, offset);
	put8(s, (uint8_t)strlen(bytes));
	for (; *bytes; bytes++)
		put8(s, (uint8_t)*bytes);
}

void write_seeds(const char *dir)
{
	struct seed s = {0};

	/* A guest's life: COM1 set up, text out, console, a report, done. */
	put8(&s, RUN_UNITS_MAX - 1);
	io(&s, 1, 3, 1, 1, 4096, "\x83"); /* LCR: DLAB */
	io(&s, 1, 0, 1, 1, 4096, "\x01"); /* DLL */
	io(&s, 1, 3, 1, 1, 4096, "\x03"); /* LCR: 8N1 */
	io(&s, 1, 0, 1, 5, 4096, "hello"); /* THR, a string of 5 */
	io(&s, 0, 5, 1, 1, 4096, ""); /* LSR */
	io(&s, 1, 8, 1, 3, 4096, "abc"); /* the console */
	io(&s, 1, 9, 4, 2, 4096, "\x01\x00\x00\x00\x02\x00\x00\x00"); /* two reports */
	io(&s, 0, 0xc0, 2, 4, 4096, ""); /* IN of 4 words from a port of the input's choosing */
	io(&s, 1, 10, 1, 1, 4096, "\x07"); /* PORT_DONE */
	write_seed(dir, "seed-a-guests-life", &s);

	/* Sizes and counts no instruction makes, and data at and past kvm_run's end. */
	s.size = 0;
	put8(&s, 15); /* 4 KiB of kvm_run */
	io(&s, 0, 0, 3, 1, 100, "");
	io(&s, 0, 0, 0, 1, 100, "");
	io(&s, 0, 5, 1, 0xffffffffu, 4000, "");
	io(&s, 1, 8, 4, 0x40000000u, 0, "");
	io(&s, 0, 8, 1, 96, 4000, "");
	io(&s, 0, 8, 1, 97, 4000, "");
	io(&s, 1, 8, 1, 1, 4096, "");
	io(&s, 1, 8, 1, 0, 4096, "");
	put8(&s, KIND_IO); /* a 64-bit offset that wraps when a byte index is added */
	put8(&s, 1);
	put8(&s, 8);
	put8(&s, 4);
	put32(&s, 1);
	put8(&s, 1);
	put64(&s, UINT64_MAX - 1);
	put8(&s, 0);
	write_seed(dir, "seed-io-bounds", &s);

	/* PORT_DONE with no items, its data offset at kvm_run's very end. */
	s.size = 0;
	put8(&s, 15);
	io(&s, 1, 10, 1, 0, 4096, "");
	write_seed(dir, "seed-done-with-no-items", &s);

	/* MMIO: every length, 8 and more, reads and writes, any address. */
	s.size = 0;
	put8(&s, 47);
	for (unsigned len = 0; len < 12; len++) {
		put8(&s, KIND_MMIO);
		put8(&s, 1);
		put64(&s, 0xfffffffffffffff8ull + len);
		put8(&s, 1);
		put32(&s, len == 11 ? 0xffffffffu : len);
		put8(&s, len & 1);
		for (int i = 0; i < 8; i++)
			put8(&s, (uint8_t)i);
	}
	for (unsigned i = 0; i < 20; i++) { /* past the 16 addresses reported */
		put8(&s, KIND_MMIO);
		put8(&s, 0);
		put8(&s, (uint8_t)i);
		put8(&s, 0);
		put8(&s, 2);
		put8(&s, 0);
		for (int b = 0; b < 8; b++)
			put8(&s, 0);
	}
	write_seed(dir, "seed-mmio", &s);

	/* The exits that end the run, and reasons unknown to the headers. */
	s.size = 0;
	put8(&s, 47);
	static const uint32_t reasons[] = {KVM_EXIT_HLT,
					   KVM_EXIT_SHUTDOWN,
					   KVM_EXIT_FAIL_ENTRY,
					   KVM_EXIT_UNKNOWN,
					   KVM_EXIT_SYSTEM_EVENT,
					   KVM_EXIT_INTERNAL_ERROR,
					   KVM_EXIT_DEBUG,
					   1000,
					   0xffffffffu};
	for (unsigned i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++) {
		struct seed one = s;
		put8(&one, KIND_RAW);
		put8(&one, 0xff);
		put32(&one, reasons[i]);
		for (int b = 0; b < 64; b++)
			put8(&one, (uint8_t)(0xff - b)); /* ndata 0xff: more than the 16 words */
		char name[64];
		snprintf(name, sizeof(name), "seed-stop-%u", reasons[i]);
		write_seed(dir, name, &one);
	}
}

#endif
