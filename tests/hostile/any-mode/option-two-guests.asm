; option-two-guests: two guests on one command line.
;! run: GUEST GUEST
;! status: 2
;! says: vmm: unexpected argument
;! kvm: no
%include "stage.inc"

	finish
