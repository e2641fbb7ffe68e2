; smp-count: every CPU adds 1 to a shared counter 100000 times with lock xadd;
; the boot CPU checks that the total is exact and reports it (count.inc).
%include "count.inc"
