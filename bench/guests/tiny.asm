; tiny: the guest the start-up bench (startup.c) runs in every VMM, the same file for
; all: its first exit prints one byte, then it finishes. Its bytes mean the same in
; real, protected and long mode (no operand sizes, no addresses), so each stage runs it
; in the mode it starts in. A stage loads it at 0x7c00 and starts at its first byte.
; QEMU runs it as its BIOS (-bios: a multiple of 64 KiB, mapped below 4 GiB and 1 MiB),
; where the CPU starts 16 bytes from the end: there, a jump to the first byte.
bits 16

PORT_CONSOLE equ 0xe9 ; the stages' console port; QEMU: isa-debugcon there
PORT_DONE    equ 0xf4 ; stage05 on: the guest is done; QEMU: isa-debug-exit there;
                      ; stages 02-04 have no device there: they say so once, on stderr

start:
	mov al, 'k'
	out PORT_CONSOLE, al            ; the first exit: the VMM prints 'k'
	mov al, 0
	out PORT_DONE, al               ; the end for stage05 on, the bare VMM and QEMU
	hlt                             ; the end for stages 02-04
	jmp start

	times 0x10000 - 16 - ($ - $$) db 0
reset_vector:                           ; F000:FFF0 under QEMU
	jmp start
	times 0x10000 - ($ - $$) db 0
