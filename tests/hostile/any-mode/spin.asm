; spin: a runaway guest, a loop with no exit. Only --timeout ends it: status 124
; (as timeout(1) gives), a sentence, and the vCPU's state with the code it spins on.
;! run: --timeout 0.3 GUEST
;! status: 124
;! says: vmm: the guest was still running after 0.3 s (--timeout)
;! says: vCPU state at
;! says: code at 0x7c00: eb fe
%include "stage.inc"

	jmp $
