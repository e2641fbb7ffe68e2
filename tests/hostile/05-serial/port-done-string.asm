; port-done-string: the finishing write made with rep outsb, three bytes. The
; first ends the run, as a machine that powers off stops there, whether KVM
; hands the VMM one byte per exit or all three in one.
;! run: --timeout 10 GUEST
;! status: 5
;! says: vmm: the guest finished with status 5
%include "stage.inc"

	mov esi, statuses
	mov ecx, 3
	mov dx, PORT_DONE
	cld
	rep outsb
	jmp $

statuses: db 5, 6, 7
