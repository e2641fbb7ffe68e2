/* How fast /dev/kvm runs guest code: for tests that boot an operating system. */
#ifndef KVM_SPEED_H
#define KVM_SPEED_H

/*
 * The slowest a guest loop's iteration (two instructions: dec, jnz) may run for a
 * test that boots Linux to finish in minutes. Measured: 7 ns in the emulated x86
 * host (KVM on AMD SVM under qemu's emulation, where Linux boots in 12-22 s), about
 * 1 ns on hardware virtualization, 1460 ns on a KVM that emulates each guest
 * instruction. The limit sits well apart from both sides.
 */
#define KVM_SPEED_MAX_NS_PER_LOOP 100.0

/*
 * Times a loop in a guest of its own (KVM_RUN on a VM made for it) and returns
 * why this KVM is too slow to boot Linux, or NULL when it is fast enough, or
 * cannot be measured (no usable /dev/kvm: tcase_add_kvm_test() says so).
 */
const char *kvm_too_slow_to_boot(void);

#endif
