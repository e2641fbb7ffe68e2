; string-io-end-of-ram: rep insb and rep outsb that run off the end of RAM. The
; last 16 bytes of RAM take all ones from a port nobody answers, and the 16
; past them go to no memory (MMIO writes, dropped). Then those 32 bytes go out
; to the console: the 16 from RAM, as written, and 16 from past RAM (MMIO reads,
; all ones; how KVM splits the MMIO accesses is its choice).
; Then the largest count real mode has (0xffff) over the last 64 KiB of RAM.
;! run: --timeout 10 GUEST
;! status: 0
;! says: the guest wrote to guest physical 0x100000, where there is no memory
;! says: \xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff
;! says: guest reported 4294967295 (0xffffffff)\n
;! says: guest reported 255 (0xff)\n
%include "stage.inc"

PAST_RAM_SEG equ 0xffff         ; 0xffff:0x0000 is linear 0xffff0, 16 bytes before the end
LAST_64K_SEG equ 0xf000         ; 0xf000:0x0000 is linear 0xf0000
NO_DEVICE equ 0x99

	cld
	mov ax, PAST_RAM_SEG
	mov es, ax
	mov ds, ax
	mov dx, NO_DEVICE
	xor di, di
	mov cx, 32
	rep insb                        ; 16 bytes into RAM, 16 past it
	mov eax, [0xc]                  ; the last 4 bytes of RAM: 0xffffffff
	out PORT_REPORT, eax
	mov dx, PORT_CONSOLE
	xor si, si
	mov cx, 32
	rep outsb                       ; 32 bytes of 0xff to the console

	mov ax, LAST_64K_SEG
	mov es, ax
	mov byte [es:0xffff], 0         ; the last byte of RAM, made 0 to see it change
	mov dx, NO_DEVICE
	xor di, di
	mov cx, 0xffff
	rep insb                        ; 0xf0000 to 0xffffe: all ones
	mov ax, [es:0xfffe]             ; 0xfffe written, 0xffff not: 0x00ff
	out PORT_REPORT, ax
	finish
