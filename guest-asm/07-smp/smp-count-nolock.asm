; smp-count-nolock: smp-count without the lock prefix. Where the vCPUs' threads
; really run at the same time, updates get lost, and the total comes out short
; (exit status 1); on one CPU, or when they happen to take turns, it is exact.
%define COUNT_WITHOUT_LOCK
%include "count.inc"
