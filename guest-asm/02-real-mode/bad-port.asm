; bad-port: a broken guest. It writes to a port no device answers; the VMM
; must stop it with a clear diagnostic (port, registers, code at CS:IP) and
; exit non-zero, not crash or carry on.
bits 16
org 0x7c00

start:
	mov ax, 0x1234          ; a value the diagnostic will show in rax
	out 0x99, al
	hlt
