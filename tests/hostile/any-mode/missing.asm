; missing: a guest that is not there.
;! run: --timeout 10 /nonexistent/guest.bin
;! status: 1
;! says: guest /nonexistent/guest.bin: No such file or directory
%include "stage.inc"
