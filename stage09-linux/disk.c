/*
 * The disk: the virtio-blk model (virtio_blk.c) behind its virtio-mmio
 * transport (virtio_mmio.c) wired to the VM and to the host.
 *
 * The guest's side: MMIO exits in the window at VIRTIO_MMIO_BASE become
 * virtio_mmio_read() and virtio_mmio_write() calls, and the device's interrupt
 * becomes DISK_IRQ. The host's side: the image file named by --disk.
 *
 * A request reaches the device in one of two ways. Plainly, the guest's write
 * to QueueNotify is an MMIO exit like any other, and the vCPU thread serves the
 * request before the guest runs on. With --ioeventfd, KVM itself recognises that
 * write, signals an eventfd and lets the guest run on at once; a thread of ours
 * serves the request meanwhile and raises the interrupt through another eventfd
 * (KVM_IRQFD), without an exit at all. Two threads then use the device, so every
 * call into it is made with disk.lock held; its callbacks run inside those calls.
 */
#include "vmm.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>

/* book:begin disk-callbacks */
/* The device's one door to guest memory: the VMM's own, bounds-checked guest_ptr(). */
static void *disk_guest_ptr(void *ctx, uint64_t gpa, uint64_t len)
{
	return guest_ptr(ctx, gpa, len);
}

/*
 * The device's interrupt line changed level. Plainly, KVM_IRQ_LINE moves input
 * DISK_IRQ of the in-kernel interrupt controllers, as for COM1. With --ioeventfd,
 * a write to the irqfd makes KVM pulse that input (up, then down): the rising
 * edge is what the 8259 PIC takes, and the thread needs no ioctl to make it.
 */
static void disk_set_irq(void *ctx, int level)
{
	struct vm *vm = ctx;
	struct kvm_irq_level irq = {.irq = DISK_IRQ, .level = (uint32_t)level};
	uint64_t one = 1;

	if (vm->disk.irq_fd >= 0) {
		if (level && write(vm->disk.irq_fd, &one, sizeof(one)) < 0)
			fprintf(vm->log, "vmm: the disk's irqfd: %s\n", strerror(errno));
	} else if (ioctl(vm->vm_fd, KVM_IRQ_LINE, &irq) < 0) {
		fprintf(vm->log, "vmm: KVM_IRQ_LINE %d for the disk: %s\n", level, strerror(errno));
	}
}

/* Something the guest did wrong, said once per kind of fault by the device. */
static void disk_report(void *ctx, const char *sentence)
{
	struct vm *vm = ctx;

	fprintf(vm->log, "vmm: virtio-blk: %s\n", sentence);
}
/* book:end disk-callbacks */

void disk_init(struct vm *vm)
{
	struct disk *d = &vm->disk;

	d->present = d->serving = false;
	pthread_mutex_init(&d->lock, NULL);
	d->notify_fd = d->irq_fd = -1;
	d->wake[0] = d->wake[1] = -1;
	d->notifies = 0;
}

/* Opens the image ("FILE" or "FILE,ro") and puts the device behind its window. */
int disk_open(struct vm *vm, const char *arg)
{
	struct disk *d = &vm->disk;
	struct virtio_host host = {
	    .guest_ptr = disk_guest_ptr, .set_irq = disk_set_irq, .report = disk_report, .ctx = vm};

	if (virtio_blk_open(&d->blk, arg, vm->log, vm->error, sizeof(vm->error)) < 0)
		return -1;
	struct virtio_device device = virtio_blk_device(&d->blk);
	virtio_mmio_init(&d->mmio, &host, &device);
	d->present = true;
	return 0;
}

bool disk_owns(const struct vm *vm, uint64_t addr)
{
	return vm->disk.present && addr >= VIRTIO_MMIO_BASE &&
	       addr - VIRTIO_MMIO_BASE < VIRTIO_MMIO_SIZE;
}

/* book:begin disk-mmio */
/* A guest access to the disk's window: a register, or the configuration space. */
enum after_exit disk_mmio(struct vm *vm, uint64_t addr, uint8_t *data, unsigned len, bool is_write)
{
	struct disk *d = &vm->disk;

	pthread_mutex_lock(&d->lock);
	if (is_write)
		virtio_mmio_write(&d->mmio, addr - VIRTIO_MMIO_BASE, data, len);
	else
		virtio_mmio_read(&d->mmio, addr - VIRTIO_MMIO_BASE, data, len);
	pthread_mutex_unlock(&d->lock);
	return RESUME_GUEST;
}
/* book:end disk-mmio */

/* book:begin disk-thread */
/*
 * The --ioeventfd thread: each time KVM signals that the guest wrote 0 (queue 0,
 * the only one) to QueueNotify, serve the queue. The eventfd counts the writes
 * since we last read it; one pass over the queue serves them all.
 */
static void *disk_thread(void *arg)
{
	struct vm *vm = arg;
	struct disk *d = &vm->disk;
	struct pollfd fds[2] = {{.fd = d->notify_fd, .events = POLLIN},
				{.fd = d->wake[0], .events = POLLIN}};
	uint64_t count;

	for (;;) {
		if (poll(fds, 2, -1) < 0 && errno != EINTR)
			break;
		if (fds[1].revents)
			break;
		if (!(fds[0].revents & POLLIN) || read(d->notify_fd, &count, sizeof(count)) < 0)
			continue;
		pthread_mutex_lock(&d->lock);
		virtio_mmio_notify(&d->mmio, 0);
		d->notifies++;
		pthread_mutex_unlock(&d->lock);
	}
	return NULL;
}
/* book:end disk-thread */

/* book:begin ioeventfd */
/*
 * --ioeventfd: KVM_IOEVENTFD binds an eventfd to a 4-byte write of 0 at
 * QueueNotify; KVM_IRQFD binds another to DISK_IRQ. A write of any other value
 * there (a queue that does not exist) still exits, for the device to refuse.
 */
static int bind_eventfds(struct vm *vm)
{
	struct disk *d = &vm->disk;

	d->notify_fd = eventfd(0, EFD_CLOEXEC);
	d->irq_fd = eventfd(0, EFD_CLOEXEC);
	if (d->notify_fd < 0 || d->irq_fd < 0)
		return vm_fail_errno(vm, "eventfd");
	struct kvm_ioeventfd notify = {
	    .datamatch = 0,
	    .addr = VIRTIO_MMIO_BASE + VIRTIO_MMIO_QUEUE_NOTIFY,
	    .len = 4,
	    .fd = d->notify_fd,
	    .flags = KVM_IOEVENTFD_FLAG_DATAMATCH,
	};
	if (ioctl(vm->vm_fd, KVM_IOEVENTFD, &notify) < 0)
		return vm_fail_errno(vm, "KVM_IOEVENTFD");
	struct kvm_irqfd irqfd = {.fd = (uint32_t)d->irq_fd, .gsi = DISK_IRQ};
	if (ioctl(vm->vm_fd, KVM_IRQFD, &irqfd) < 0)
		return vm_fail_errno(vm, "KVM_IRQFD");
	return 0;
}

/* Call after disk_open() and vm_create(), before the guest runs. */
int disk_use_ioeventfd(struct vm *vm)
{
	struct disk *d = &vm->disk;
	sigset_t all, old;

	if (!d->present)
		return vm_fail(vm, "--ioeventfd needs a disk");
	if (!kvm_capability(vm, KVM_CAP_IOEVENTFD) || !kvm_capability(vm, KVM_CAP_IRQFD))
		return vm_fail(vm, "this KVM has no KVM_CAP_IOEVENTFD or KVM_CAP_IRQFD");
	if (bind_eventfds(vm) < 0)
		return -1; /* what is open, disk_close() closes */
	if (pipe2(d->wake, O_CLOEXEC) < 0)
		return vm_fail_errno(vm, "pipe for the disk's thread");
	/* Signals are for the vCPU thread (--timeout, the watchdog): this thread takes none. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	int err = pthread_create(&d->thread, NULL, disk_thread, vm);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err)
		return vm_fail(vm, "the disk's thread: %s", strerror(err));
	d->serving = true;
	return 0;
}
/* book:end ioeventfd */

/* --stats: what the disk did, and what each request cost in exits. */
void disk_print_stats(FILE *out, struct vm *vm, const struct run_stats *stats)
{
	const struct virtio_blk_stats *s = &vm->disk.blk.stats;
	uint64_t requests =
	    s->reads + s->writes + s->flushes + s->get_ids + s->unsupported + s->failed;
	uint64_t exits = 0;

	if (!vm->disk.present)
		return;
	for (unsigned i = 0; i < STATS_REASONS; i++)
		exits += stats->exits[i];
	fprintf(
	    out,
	    "disk: %llu requests (%llu read, %llu write, %llu flush, %llu GET_ID, %llu failed), "
	    "notified by %s\n",
	    (unsigned long long)requests, (unsigned long long)s->reads,
	    (unsigned long long)s->writes, (unsigned long long)s->flushes,
	    (unsigned long long)s->get_ids, (unsigned long long)(s->failed + s->unsupported),
	    vm->disk.notify_fd >= 0 ? "ioeventfd" : "MMIO exits");
	if (requests)
		fprintf(out,
			"disk: %.1f exits per request (all exits of the run, set-up included)\n",
			(double)exits / (double)requests);
}

/* Ends the thread, if any, then closes the image (which releases its lock). */
void disk_close(struct vm *vm)
{
	struct disk *d = &vm->disk;

	if (d->serving) {
		while (write(d->wake[1], "", 1) < 0 && errno == EINTR)
			;
		pthread_join(d->thread, NULL);
		d->serving = false;
	}
	int *fds[] = {&d->notify_fd, &d->irq_fd, &d->wake[0], &d->wake[1]};
	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++) {
		if (*fds[i] >= 0)
			close(*fds[i]);
		*fds[i] = -1;
	}
	if (d->present)
		virtio_blk_close(&d->blk);
	d->present = false;
}
