; device: a character device given as the guest; /dev/zero would never end.
;! run: --timeout 10 /dev/zero
;! status: 1
;! says: guest /dev/zero: not a regular file
%include "stage.inc"
