; paging: proves that the MMU translates (./run --entry paged). There is no
; RAM at physical 0x300000; the VMM's page table maps virtual 0x300000 to
; physical 0x3000, and all of RAM to itself. The guest writes a value through
; virtual 0x300000 and reads it back through virtual 0x3000: the same memory,
; under two names. It reports what it read, and leaves it in EAX and at
; RESULT_ADDR. Without paging (--entry protected) the same write goes to
; physical 0x300000, where there is no memory: the VMM sees an MMIO exit.
bits 32
org 0x7c00

PORT_CONSOLE equ 0xe9
PORT_REPORT  equ 0x80
RESULT_ADDR  equ 0x0600
REMAP_VIRT   equ 0x300000         ; as in vmm.h
REMAP_PHYS   equ 0x3000           ; as in vmm.h
VALUE        equ 0xc0ffee03

; book:begin paging
start:
	mov dword [REMAP_VIRT], VALUE   ; the write goes through the page table...
	mov eax, [REMAP_PHYS]           ; ...to physical 0x3000: read it back there
	mov [RESULT_ADDR], eax
	out PORT_REPORT, eax
; book:end paging
	mov esi, good
	mov ecx, good_len
	cmp eax, VALUE
	je .print
	mov esi, bad
	mov ecx, bad_len
.print:
	mov dx, PORT_CONSOLE
	rep outsb
	hlt

good: db "paging works: virtual 0x300000 is physical 0x3000", 10
good_len equ $ - good
bad:  db "PAGING FAILED: virtual 0x300000 is not physical 0x3000", 10
bad_len equ $ - bad
