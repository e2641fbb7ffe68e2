; hello: the smallest guest that proves it ran. Prints a line through the
; console port and halts. Loaded and started at 0x7c00 in real mode.
bits 16
org 0x7c00

PORT_CONSOLE equ 0xe9

; book:begin hello
start:
	mov si, message
	mov cx, message_len
.next:
	lodsb                   ; al = [ds:si], si += 1
	out PORT_CONSOLE, al    ; leaves the guest: a KVM_EXIT_IO for the VMM
	loop .next
	hlt                     ; leaves the guest for good: KVM_EXIT_HLT

message: db "Hello from real mode!", 10
message_len equ $ - message
; book:end hello
