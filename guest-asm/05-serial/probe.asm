; probe: looks for devices that are not there, as an operating system does at
; boot. It writes COM2's scratch register and reads it back (a UART would give
; the byte back), then reads and writes guest physical memory above RAM, after
; mapping it with one more 2 MiB page. Nothing answers: reads give all ones.
; It proves it: both values read are reported, left in RBX and R12 and stored
; at RESULT_ADDR and RESULT_ADDR + 8.
bits 64
org 0x7c00
%include "defs.inc"

COM2     equ 0x2f8              ; the PC's second serial port: not in this VM
NO_RAM   equ 0x200000           ; guest physical 2 MiB: just past the end of RAM
PTE_P    equ 0x01               ; page-table entry bits, as in stage05-serial/vmm.h
PTE_W    equ 0x02
PDE_PS   equ 0x80
ADDR_MASK equ ~0xfff            ; an entry's table address: all but the low 12 bits

; book:begin probe
start:
	mov dx, COM2 + UART_SCR
	mov al, 0x5a
	out dx, al
	in al, dx                       ; no UART: 0xff, not 0x5a
	in al, dx                       ; the same port again: the VMM says nothing new
	movzx ebx, al

	mov rax, cr3                    ; walk our page tables to the page directory
	mov rax, [rax]                  ; PML4[0] -> the PDPT
	and rax, ADDR_MASK
	mov rax, [rax]                  ; PDPT[0] -> the page directory
	and rax, ADDR_MASK
	mov qword [rax + 8], NO_RAM | PTE_P | PTE_W | PDE_PS ; PD[1]: 2-4 MiB -> 2-4 MiB
	invlpg [NO_RAM]
	mov r12d, [NO_RAM]              ; no memory slot there: KVM_EXIT_MMIO
	mov [NO_RAM], r12d              ; a write: dropped
	mov r12d, [NO_RAM]              ; the same address again

	mov [RESULT_ADDR], rbx
	mov [RESULT_ADDR + 8], r12
	mov eax, ebx
	out PORT_REPORT, eax
	mov eax, r12d
	out PORT_REPORT, eax
	xor eax, eax
	out PORT_DONE, al
; book:end probe
