; switch: turns long mode on by itself, from 32-bit protected mode (./run
; --entry protected), the way a 64-bit kernel's 32-bit entry code does: it asks
; CPUID whether there is long mode at all, builds 4-level page tables, sets
; CR4.PAE, CR3, EFER.LME (with wrmsr) and CR0.PG, and far-jumps to a 64-bit
; code segment of its own GDT. In 64-bit mode it reads EFER back (LMA is now
; set, by the CPU), reports it, leaves it in RAX and at RESULT_ADDR, and prints
; a line.
bits 32
org 0x7c00

PORT_CONSOLE equ 0xe9
PORT_REPORT  equ 0x80
RESULT_ADDR  equ 0x0600
MSR_EFER     equ 0xc0000080     ; SDM vol. 3A, 2.2.1
EFER_LME     equ 1 << 8
CR4_PAE      equ 1 << 5
CR0_PG       equ 1 << 31
CPUID_LM     equ 1 << 29        ; CPUID 0x80000001, EDX: long mode
PRESENT_WRITE equ 0x3           ; PTE_PRESENT | PTE_WRITE
PS           equ 0x80           ; PDE_PS: a 2 MiB page
CODE64       equ gdt.code64 - gdt
DATA         equ gdt.data - gdt

; book:begin switch
start:
	mov eax, 0x80000000         ; CPUID: is there a leaf 0x80000001?
	cpuid
	cmp eax, 0x80000001
	jb no_long_mode
	mov eax, 0x80000001         ; and does it say "long mode"?
	cpuid
	test edx, CPUID_LM
	jz no_long_mode

	mov dword [pml4], pdpt + PRESENT_WRITE  ; virtual 0-2 MiB -> physical 0-2 MiB:
	mov dword [pdpt], pd + PRESENT_WRITE    ; one entry in each of three tables
	mov dword [pd], 0 + PRESENT_WRITE + PS  ; (the tables are below, zeroed)

	mov eax, cr4
	or eax, CR4_PAE             ; 8-byte table entries
	mov cr4, eax
	mov eax, pml4
	mov cr3, eax
	mov ecx, MSR_EFER
	rdmsr
	or eax, EFER_LME            ; paging, when it comes on, is 4-level
	wrmsr
	mov eax, cr0
	or eax, CR0_PG              ; paging on: the CPU sets EFER.LMA...
	mov cr0, eax
	lgdt [gdtr]                 ; ...but CS is still 32-bit code:
	jmp CODE64:long_mode        ; load a 64-bit one

bits 64
long_mode:
	mov ax, DATA
	mov ds, ax
	mov es, ax
	mov ss, ax
	mov ecx, MSR_EFER
	rdmsr                       ; EFER: LME and LMA
; book:end switch
	mov [RESULT_ADDR], rax
	out PORT_REPORT, eax
	mov rsi, message
	mov ecx, message_len
	mov dx, PORT_CONSOLE
	rep outsb
	hlt

bits 32
no_long_mode:
	xor eax, eax
	out PORT_REPORT, eax
	mov esi, refusal
	mov ecx, refusal_len
	mov dx, PORT_CONSOLE
	rep outsb
	hlt

message: db "Long mode, switched on by the guest itself", 10
message_len equ $ - message
refusal: db "CPUID says this CPU has no long mode: staying in protected mode", 10
refusal_len equ $ - refusal

; book:begin gdt
align 8
gdt:
	dq 0
.code64: dq 0x00af9a000000ffff  ; 64-bit code: L = 1, D = 0, present, DPL 0
.data:   dq 0x00cf92000000ffff  ; flat data, as in stage03's boot.asm
gdt_end:
gdtr:
	dw gdt_end - gdt - 1
	dd gdt
; book:end gdt

align 4096, db 0                ; page tables are 4 KiB-aligned
pml4: times 4096 db 0
pdpt: times 4096 db 0
pd:   times 4096 db 0
