; string-io: the string forms of OUT, one instruction moving many items.
; Each rep outs reaches the VMM as KVM_EXIT_IO exits whose count items of
; size bytes lie in kvm_run. (How many items one exit carries is KVM's choice.)
bits 16
org 0x7c00

PORT_CONSOLE equ 0xe9

start:
	cld
	mov dx, PORT_CONSOLE    ; string I/O takes its port from dx
	mov si, bytes
	mov cx, bytes_len
	rep outsb               ; 17 items of 1 byte
	mov si, words
	mov cx, words_len / 2
	rep outsw               ; 9 items of 2 bytes
	mov si, dwords
	mov cx, dwords_len / 4
	rep outsd               ; 5 items of 4 bytes
	hlt

bytes:  db "bytes: rep outsb", 10
bytes_len equ $ - bytes
words:  db "words: rep outsw.", 10
words_len equ $ - words
dwords: db "dwords: rep outsd..", 10
dwords_len equ $ - dwords
%if words_len % 2 || dwords_len % 4
%error "each string must be a whole number of items"
%endif
