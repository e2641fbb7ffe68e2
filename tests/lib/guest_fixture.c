#include "guest_fixture.h"
#include "kvm_check.h"

#include <stdlib.h>
#include <string.h>

static void capture(struct vm *vm, struct captured *c)
{
	memset(c, 0, sizeof(*c));
	vm->console = open_memstream(&c->output, &c->output_len);
	vm->log = open_memstream(&c->log, &c->log_len);
	ck_assert_ptr_nonnull(vm->console);
	ck_assert_ptr_nonnull(vm->log);
}

static void release(struct vm *vm, struct captured *c)
{
	fclose(vm->console);
	fclose(vm->log);
	free(c->output);
	free(c->log);
}

const char *output_of(struct vm *vm, struct captured *c)
{
	fflush(vm->console);
	return c->output ? c->output : "";
}

const char *log_of(struct vm *vm, struct captured *c)
{
	fflush(vm->log);
	return c->log ? c->log : "";
}

void start_guest(struct fixture *f, const char *guest, entry_setup setup)
{
	memset(f, 0, sizeof(*f));
	vm_init(&f->vm);
	f->vcpu.fd = -1;
	capture(&f->vm, &f->c);
	ck_assert_msg(kvm_open(&f->vm, "/dev/kvm") == 0, "%s", f->vm.error);
	ck_assert_msg(vm_create(&f->vm) == 0, "%s", f->vm.error);
	ck_assert_msg(vm_load_guest(&f->vm, guest_path(guest)) == 0, "%s", f->vm.error);
	ck_assert_msg(vcpu_create(&f->vm, &f->vcpu) == 0, "%s", f->vm.error);
	ck_assert_msg(setup(&f->vcpu) == 0, "%s", f->vm.error);
}

enum run_outcome run_to_end(struct fixture *f)
{
	enum run_outcome outcome = vcpu_run(&f->vcpu);

	fflush(f->vm.console);
	fflush(f->vm.log);
	return outcome;
}

struct kvm_regs regs_of(struct fixture *f)
{
	struct kvm_regs regs;

	ck_assert_msg(vcpu_get_regs(&f->vcpu, &regs) == 0, "%s", f->vm.error);
	return regs;
}

#ifdef __x86_64__
struct kvm_sregs sregs_of(struct fixture *f)
{
	struct kvm_sregs sregs;

	ck_assert_msg(vcpu_get_sregs(&f->vcpu, &sregs) == 0, "%s", f->vm.error);
	return sregs;
}
#endif

void finish(struct fixture *f)
{
	vcpu_destroy(&f->vcpu);
	vm_destroy(&f->vm);
	release(&f->vm, &f->c);
}

char *dump_of(struct vcpu *vcpu)
{
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	ck_assert_ptr_nonnull(out);
	diag_dump(vcpu, out);
	fclose(out);
	return text;
}

struct kvm_run *fake_io(struct fake_exit *f, uint8_t direction, uint16_t port, uint8_t size,
			uint32_t count)
{
	memset(f, 0, sizeof(*f));
	vm_init(&f->vm);
	capture(&f->vm, &f->c);
	f->vcpu.vm = &f->vm;
	f->vcpu.run = (struct kvm_run *)f->page;
	f->vcpu.run_size = sizeof(f->page);
	struct kvm_run *run = f->vcpu.run;
	run->exit_reason = KVM_EXIT_IO;
	run->io.direction = direction;
	run->io.port = port;
	run->io.size = size;
	run->io.count = count;
	run->io.data_offset = 1024;
	return run;
}

void fake_finish(struct fake_exit *f)
{
	release(&f->vm, &f->c);
}
