/*
 * stage08-arm64's interrupt controller: a GIC in the kernel, created as a device
 * (KVM_CREATE_DEVICE), v3 where KVM has one; placed where the memory map says;
 * initialized once the vCPUs exist; and the limit it puts on their number.
 */
#include "kvm_check.h"
#include "vmm.h"

#include <errno.h>
#include <sys/ioctl.h>
#include <unistd.h>

START_TEST(the_vm_has_an_in_kernel_gic)
{
	struct vm vm;

	vm_init(&vm);
	ck_assert_msg(kvm_open(&vm, "/dev/kvm") == 0 && vm_create(&vm) == 0, "%s", vm.error);
	ck_assert_int_ge(vm.gic_fd, 0);
	ck_assert_msg(vm.gic_type == KVM_DEV_TYPE_ARM_VGIC_V3 ||
			  vm.gic_type == KVM_DEV_TYPE_ARM_VGIC_V2,
		      "type %u", vm.gic_type);
	/* Its distributor is where vm_create() put it: KVM reads the address back. */
	uint64_t address = 0;
	struct kvm_device_attr attr = {
	    .group = KVM_DEV_ARM_VGIC_GRP_ADDR,
	    .attr = vm.gic_type == KVM_DEV_TYPE_ARM_VGIC_V3 ? KVM_VGIC_V3_ADDR_TYPE_DIST
							    : KVM_VGIC_V2_ADDR_TYPE_DIST,
	    .addr = (uintptr_t)&address,
	};
	ck_assert_int_eq(ioctl(vm.gic_fd, KVM_GET_DEVICE_ATTR, &attr), 0);
	ck_assert_uint_eq(address, GICD_BASE);
	vm_destroy(&vm);
}
END_TEST

/* A GICv2 serves at most 8 CPUs; a GICv3 many more: KVM says so for the VM. */
START_TEST(the_gic_sets_the_vcpu_limit)
{
	struct vm vm;

	vm_init(&vm);
	ck_assert_msg(kvm_open(&vm, "/dev/kvm") == 0 && vm_create(&vm) == 0, "%s", vm.error);
	if (vm.gic_type == KVM_DEV_TYPE_ARM_VGIC_V2)
		ck_assert_uint_eq(kvm_max_vcpus(&vm), 8);
	else
		ck_assert_uint_ge(kvm_max_vcpus(&vm), VCPUS_MAX);
	vm_destroy(&vm);
}
END_TEST

/*
 * Once the vCPUs exist and the GIC is initialized, an SPI's line can be moved,
 * up and down, with the number IRQ_LINE_SPI makes.
 */
START_TEST(an_spi_line_moves_once_the_gic_is_initialized)
{
	struct vm vm;
	struct vcpu vcpus[2] = {{.fd = -1}, {.fd = -1}};

	vm_init(&vm);
	ck_assert_msg(kvm_open(&vm, "/dev/kvm") == 0 && vm_create(&vm) == 0 &&
			  vcpus_create(&vm, vcpus, 2) == 0,
		      "%s", vm.error);
	for (uint32_t level = 1; level <= 2; level++) {
		struct kvm_irq_level irq = {.irq = IRQ_LINE_SPI(UART_IRQ), .level = 2 - level};
		ck_assert_msg(ioctl(vm.vm_fd, KVM_IRQ_LINE, &irq) == 0, "KVM_IRQ_LINE: %d", errno);
	}
	/* An INTID below 32 is no SPI: KVM refuses it. */
	struct kvm_irq_level ppi = {.irq = IRQ_LINE_SPI(0) - 1, .level = 1};
	ck_assert_int_eq(ioctl(vm.vm_fd, KVM_IRQ_LINE, &ppi), -1);
	for (int i = 0; i < 2; i++)
		vcpu_destroy(&vcpus[i]);
	vm_destroy(&vm);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("the GIC");
	TCase *tc = tcase_create("vgic");

	tcase_add_kvm_test(tc, the_vm_has_an_in_kernel_gic);
	tcase_add_kvm_test(tc, the_gic_sets_the_vcpu_limit);
	tcase_add_kvm_test(tc, an_spi_line_moves_once_the_gic_is_initialized);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
