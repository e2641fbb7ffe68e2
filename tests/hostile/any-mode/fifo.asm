; fifo: a FIFO nobody writes to, given as the guest. Opening it to read would
; wait for a writer for ever; the VMM must refuse it at once instead.
;! run: --timeout 10 FIFO
;! status: 1
;! says: : not a regular file
%include "stage.inc"
