/* Entering the guest: KVM_RUN. */
#include "vmm.h"

#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>

/* book:begin run-once */
/* Runs the guest until its next exit; vcpu->run->exit_reason says why it stopped. */
int vcpu_run_once(struct vcpu *vcpu)
{
	while (ioctl(vcpu->fd, KVM_RUN, 0) < 0) {
		/* A signal arrived while the guest ran: nothing happened to the guest, go again. */
		if (errno == EINTR || errno == EAGAIN)
			continue;
		return vm_fail_errno(vcpu->vm, "KVM_RUN");
	}
	return 0;
}
/* book:end run-once */
