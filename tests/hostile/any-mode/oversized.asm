; oversized: one byte more than fits between the load address and the end of
; guest memory. Refused, with both sizes said.
;! run: --timeout 10 GUEST
;! status: 1
;! says: bytes is too large: at most
%include "stage.inc"

	times GUEST_MAX_SIZE + 1 db 0x90
