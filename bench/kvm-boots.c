/*
 * bench/kvm-boots: exit status 0 when this machine's KVM runs guest code fast enough
 * to boot Linux in the bench's time, 1 (and why, on stderr) when it does not. The
 * probe is the one stage09's boot test uses (tests/lib/kvm_speed.c): a guest loop,
 * timed. The Makefile asks it only once tools/kvm-usable has said /dev/kvm opens.
 */
#include "kvm_speed.h"

#include <stdio.h>

int main(void)
{
	const char *why = kvm_too_slow_to_boot();

	if (why) {
		fprintf(stderr, "kvm-boots: %s\n", why);
		return 1;
	}
	return 0;
}
