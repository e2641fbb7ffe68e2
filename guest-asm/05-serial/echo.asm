; echo: reads lines from the serial port by polling, and writes each back in
; upper case, until EOT (Ctrl-D on a terminal; the VMM sends one at the end of
; a pipe). Each byte is echoed as it arrives, as a serial console does: the
; terminal on the other end does not echo. It proves what it did: the number
; of lines is reported, left in R12 and stored at RESULT_ADDR; the last line
; stays at LINE_ADDR.
bits 64
org 0x7c00
%include "defs.inc"

LINE_ADDR equ 0x10000           ; free RAM above the guest
LINE_MAX  equ 80

; book:begin echo
start:
	call uart_init
	xor r12d, r12d                  ; r12: lines
	xor ebx, ebx                    ; rbx: bytes in this line
.read:
	call uart_getc
	cmp al, ASCII_EOT
	je .end
	call uart_putc                  ; echo the byte as it came
	mov [LINE_ADDR + rbx], al
	inc ebx
	cmp al, 10
	je .line
	cmp ebx, LINE_MAX
	jb .read
.line:                              ; (a line longer than LINE_MAX comes in pieces)
	call put_upper_line
	inc r12
	xor ebx, ebx
	jmp .read
.end:                               ; a last line without its newline counts too
	test ebx, ebx
	jz .done
	mov al, 10
	call uart_putc
	mov [LINE_ADDR + rbx], al
	inc ebx
	call put_upper_line
	inc r12
.done:
	mov [RESULT_ADDR], r12
	mov eax, r12d
	out PORT_REPORT, eax
	xor eax, eax
	out PORT_DONE, al
; book:end echo

; Sends the rbx bytes at LINE_ADDR with a-z made A-Z.
put_upper_line:
	xor esi, esi
.next:
	mov al, [LINE_ADDR + rsi]
	cmp al, 'a'
	jb .put
	cmp al, 'z'
	ja .put
	sub al, 'a' - 'A'
.put:
	call uart_putc
	inc esi
	cmp esi, ebx
	jb .next
	ret

%include "uart.inc"
