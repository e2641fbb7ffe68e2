; spin-exits: a runaway guest that exits to the VMM all the time, writing to a
; port nobody answers: the timeout must also fire while the VMM handles an exit
; (immediate_exit), and the port is reported once, not once per write.
; (1 s, not less: the port must be reached, and a loaded machine may take 0.2 s to start.)
;! run: --timeout 1 GUEST
;! status: 124
;! says: vmm: the guest was still running after 1 s (--timeout)
;! once: the guest wrote to I/O port 0x99, where this VMM has no device
%include "stage.inc"

NO_DEVICE equ 0x99

.again:
	out NO_DEVICE, al
	jmp .again
