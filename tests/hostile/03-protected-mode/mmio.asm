; mmio: loads and stores of 1, 2 and 4 bytes where there is no memory and no
; device (0xd0000000; the last 4 bytes below 4 GiB). Reads give all ones,
; writes are dropped, and each address is reported once, for the first 16;
; then one line says no more will be.
;! run: --timeout 10 GUEST
;! status: 0
;! says: guest reported 255 (0xff)\n
;! says: guest reported 65535 (0xffff)\n
;! says: guest reported 4294967295 (0xffffffff)\n
;! once: the guest read from guest physical 0xd0000000, where there is no memory
;! once: the guest read from guest physical 0xfffffffc,
;! once: the guest wrote to guest physical 0xd0000010,
;! once: the guest reached 17 such addresses: no more are reported
;! never: guest physical 0xd000001e,
%include "stage.inc"

NO_MEMORY equ 0xd0000000

	mov al, [NO_MEMORY]             ; 1 byte: 0xff
	out PORT_REPORT, al
	mov ax, [NO_MEMORY]             ; again: reported once only
	out PORT_REPORT, ax
	mov eax, [0xfffffffc]           ; 4 bytes, the last below 4 GiB
	out PORT_REPORT, eax
	mov ebx, NO_MEMORY + 0x10       ; 16 more addresses, a byte written to each
	mov ecx, 16
.next:
	mov [ebx], cl
	inc ebx
	loop .next
	finish
