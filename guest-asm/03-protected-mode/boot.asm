; boot: switches from real mode to protected mode by itself, as a boot loader
; does (./run --entry real). It brings its own GDT, loads GDTR with lgdt, sets
; CR0.PE, and far-jumps to 32-bit code: the jump loads CS from the new GDT. Then
; it loads the data segments, prints a line and reports CR0, which it also
; leaves in EAX and at RESULT_ADDR.
bits 16
org 0x7c00

PORT_CONSOLE  equ 0xe9
PORT_REPORT   equ 0x80
RESULT_ADDR   equ 0x0600
CR0_PE        equ 1 << 0
CODE_SELECTOR equ gdt.code - gdt  ; 0x08
DATA_SELECTOR equ gdt.data - gdt  ; 0x10

; book:begin switch
start:
	cli                             ; no interrupts: there is no IDT for them yet
	lgdt [gdtr]                     ; GDTR = base and limit of the GDT below
	mov eax, cr0
	or eax, CR0_PE
	mov cr0, eax                    ; protected mode, but CS is still the old one...
	jmp CODE_SELECTOR:protected     ; ...until a far jump loads it from the GDT

bits 32
protected:
	mov ax, DATA_SELECTOR
	mov ds, ax
	mov es, ax
	mov fs, ax
	mov gs, ax
	mov ss, ax
	mov esp, 0x7c00
; book:end switch

	mov esi, message
	mov ecx, message_len
	mov dx, PORT_CONSOLE
	rep outsb
	mov eax, cr0
	mov [RESULT_ADDR], eax
	out PORT_REPORT, eax
	hlt

message: db "Protected mode, switched on by the guest itself", 10
message_len equ $ - message

; book:begin gdt
; Flat segments, base 0, limit 0xfffff pages (4 GiB). The access byte is 0x9a
; for code (present, DPL 0, code, readable), 0x92 for data (present, DPL 0,
; data, writable); the flags nibble 0xc is G = 1, D/B = 1 (32-bit).
align 8
gdt:
	dq 0                            ; the null descriptor
.code:	dq 0x00cf9a000000ffff
.data:	dq 0x00cf92000000ffff
gdt_end:

gdtr:
	dw gdt_end - gdt - 1            ; limit: size - 1
	dd gdt                          ; base: a linear address
; book:end gdt
