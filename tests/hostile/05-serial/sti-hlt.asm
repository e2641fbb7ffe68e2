; sti-hlt: HLT with interrupts on, waiting for an interrupt that no device here
; will raise. Something could still wake it, so the watchdog leaves it be; the
; timeout ends it.
;! run: --timeout 1.5 GUEST
;! status: 124
;! says: vmm: the guest was still running after 1.5 s (--timeout)
;! never: halted with interrupts off
%include "stage.inc"

	sti
	hlt
	jmp $ - 1
