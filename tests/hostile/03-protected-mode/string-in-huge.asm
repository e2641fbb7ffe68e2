; string-in-huge: with paging on (--entry paged), rep insb with a count of
; 0xffffffff into the last 16 bytes of RAM, from a port nobody answers: the
; 17th byte is a page fault, and with no IDT a triple fault.
;! needs: paged-protected-mode
;! run: --timeout 10 --entry paged GUEST
;! status: 1
;! once: the guest read from I/O port 0x99,
;! says: vmm: the guest shut down (KVM_EXIT_SHUTDOWN)
%include "stage.inc"

	cld
	mov edi, GUEST_MEM_SIZE - 16
	mov ecx, 0xffffffff
	mov dx, 0x99
	rep insb
	finish                          ; never reached
