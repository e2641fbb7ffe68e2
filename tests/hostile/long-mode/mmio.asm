; mmio: in long mode only what the page tables map can be reached, and the
; VMM's map ends with RAM. So the guest maps virtual 0x200000 to physical
; 0xe0000000, where there is no memory and no device (stage06 on has its disk at
; 0xd0000000), with a 2 MiB page in the VMM's page directory (it lies in guest memory, the guest's to change). Then
; loads and stores of 1, 2, 4 and 8 bytes there: reads give all ones, writes
; are dropped, and each address is reported once, for the first 16; then one
; line says no more will be.
;! run: --timeout 10 GUEST
;! status: 0
;! says: guest reported 255 (0xff)\n
;! says: guest reported 65535 (0xffff)\n
;! says: guest reported 4294967295 (0xffffffff)\nguest reported 4294967295 (0xffffffff)\n
;! once: the guest read from guest physical 0xe0000000, where there is no memory
;! once: the guest read from guest physical 0xe0000008,
;! once: the guest wrote to guest physical 0xe0000010,
;! once: the guest reached 17 such addresses: no more are reported
;! never: guest physical 0xe000001e,
%include "stage.inc"

PD_ADDR equ 0x3000              ; as in vmm.h: the page directory, 2 MiB pages
PTE_PRESENT equ 1
PTE_WRITE equ 2
PDE_PS equ 0x80
VIRT equ 0x200000               ; PD entry 1: the first 2 MiB past RAM
NO_MEMORY equ 0xe0000000

	mov rax, NO_MEMORY | PTE_PRESENT | PTE_WRITE | PDE_PS
	mov [PD_ADDR + 8], rax
	invlpg [VIRT]
	mov al, [VIRT]                  ; 1 byte: 0xff
	out PORT_REPORT, al
	mov ax, [VIRT]                  ; again: reported once only
	out PORT_REPORT, ax
	mov rax, [VIRT + 8]             ; 8 bytes: reported as two halves
	out PORT_REPORT, eax
	shr rax, 32
	out PORT_REPORT, eax
	mov ebx, VIRT + 0x10            ; 16 more addresses, a byte written to each
	mov ecx, 16
.next:
	mov [rbx], cl
	inc rbx
	loop .next
	finish
