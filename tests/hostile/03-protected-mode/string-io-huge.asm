; string-io-huge: with paging on (--entry paged), where nothing past RAM is
; mapped, rep outsb with a count of 0xffffffff starting 16 bytes before the end
; of RAM. The 16 bytes go out; the 17th is a page fault, and with no IDT a
; triple fault. Then nothing else: not a byte from past RAM.
;! needs: paged-protected-mode
;! run: --timeout 10 --entry paged GUEST
;! status: 1
;! says: END-OF-RAM-16-B.vmm: the guest shut down (KVM_EXIT_SHUTDOWN)
%include "stage.inc"

	cld
	mov esi, marker
	mov edi, GUEST_MEM_SIZE - 16
	mov ecx, 16
	rep movsb                       ; the marker into the last 16 bytes of RAM
	mov esi, GUEST_MEM_SIZE - 16
	mov ecx, 0xffffffff
	mov dx, PORT_CONSOLE
	rep outsb
	finish                          ; never reached

marker: db "END-OF-RAM-16-B."
