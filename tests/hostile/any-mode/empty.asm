; empty: a guest of no bytes (what a failed assembly may leave behind). The VMM
; refuses it before running anything.
;! run: --timeout 10 GUEST
;! status: 1
;! says: .bin: the file is empty (did the assembler fail?)
%include "stage.inc"
