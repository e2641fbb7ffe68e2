; fault: waits for one byte of input, then executes an invalid instruction with
; no IDT to handle it: #UD, then a triple fault, KVM_EXIT_SHUTDOWN. The VMM ends
; with a diagnostic, and must leave the terminal as it found it.
bits 64
org 0x7c00
%include "defs.inc"

start:
	call uart_init
	call uart_getc
	ud2

%include "uart.inc"
