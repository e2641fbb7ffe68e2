#include "gdt_decode.h"
#include "kvm_check.h"

/* The layout: SDM vol. 3A, 3.4.5 "Segment Descriptors", Figure 3-8, byte by byte. */
struct kvm_segment gdt_decode(struct vm *vm, uint64_t gdt_base, unsigned selector)
{
	const uint8_t *d = guest_ptr(vm, gdt_base + selector, 8);
	ck_assert_ptr_nonnull(d);
	uint32_t limit = d[0] | d[1] << 8 | (d[6] & 0xf) << 16;
	struct kvm_segment seg = {
	    .base = d[2] | d[3] << 8 | d[4] << 16 | (uint32_t)d[7] << 24,
	    .limit = d[6] & 0x80 ? limit << 12 | 0xfff : limit,
	    .selector = selector,
	    .type = d[5] & 0xf,
	    .s = d[5] >> 4 & 1,
	    .dpl = d[5] >> 5 & 3,
	    .present = d[5] >> 7,
	    .avl = d[6] >> 4 & 1,
	    .l = d[6] >> 5 & 1,
	    .db = d[6] >> 6 & 1,
	    .g = d[6] >> 7,
	};
	return seg;
}
