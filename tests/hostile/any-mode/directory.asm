; directory: a directory given as the guest.
;! run: --timeout 10 GUESTS
;! status: 1
;! says: /hostile: not a regular file
%include "stage.inc"
