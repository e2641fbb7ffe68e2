; gdb-labels: the guest of tests/shared/gdb_test in every x86 stage, built with its
; labels (GUEST.elf) for `break there` and `hbreak later`. Its bytes mean the same
; in 16-, 32- and 64-bit code. Port 0xf4 ends the run where it is PORT_DONE
; (stage05 on, status 0); elsewhere nobody answers it and HLT ends the run.
org 0x7c00                      ; GUEST_LOAD_ADDR in every x86 stage

start:
	mov al, 0
	mov bl, 7
there:
	mov cl, 9
later:
	out 0xf4, al
	hlt
