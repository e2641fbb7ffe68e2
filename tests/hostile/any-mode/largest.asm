; largest: the largest guest that fits, ending at the last byte of guest memory.
; It loads, and spins until its timeout.
;! run: --timeout 0.3 GUEST
;! status: 124
;! says: vmm: the guest was still running after 0.3 s (--timeout)
%include "stage.inc"

	jmp $
	times GUEST_MAX_SIZE - ($ - $$) db 0x90
