; cli-hlt: HLT with interrupts off, and no --timeout. With the interrupt
; controllers in the kernel the vCPU sleeps inside KVM_RUN, and nothing here can
; wake it. The VMM's watchdog finds it halted so, within a second or two, and
; stops the run with a sentence, status 1.
;! run: GUEST
;! status: 1
;! says: vmm: the guest halted with interrupts off (KVM_EXIT_HLT): nothing can wake it
;! says: vCPU state at KVM_EXIT_HLT:
%include "stage.inc"

	cli
	hlt
