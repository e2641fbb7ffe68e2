; hello: a 32-bit protected-mode guest (./run --entry protected, the default).
; The VMM starts it with every segment register already loaded from its GDT.
; The guest loads them again itself, from the GDT in guest memory: CS with a
; far jump, the others with mov. Were the VMM's GDT not what it told KVM, this
; is where the guest would fault. Then it prints a line and reports CR0, which
; it also leaves in EAX and at RESULT_ADDR.
bits 32
org 0x7c00

PORT_CONSOLE  equ 0xe9
PORT_REPORT   equ 0x80
RESULT_ADDR   equ 0x0600          ; a free dword below the guest
CODE_SELECTOR equ 0x08            ; SELECTOR(GDT_CODE32) in vmm.h
DATA_SELECTOR equ 0x10            ; SELECTOR(GDT_DATA)

; book:begin hello
start:
	jmp CODE_SELECTOR:.reloaded     ; far jump: CS = GDT entry 1
.reloaded:
	mov ax, DATA_SELECTOR           ; DS, ES, SS = GDT entry 2
	mov ds, ax
	mov es, ax
	mov ss, ax

	mov esi, message                ; 32-bit registers and addresses
	mov ecx, message_len
	mov dx, PORT_CONSOLE
	rep outsb

	mov eax, cr0                    ; bit 0, PE, says: protected mode
	mov [RESULT_ADDR], eax
	out PORT_REPORT, eax            ; a 4-byte port write
	hlt

message: db "Hello from protected mode!", 10
message_len equ $ - message
; book:end hello
