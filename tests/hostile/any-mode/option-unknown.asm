; option-unknown: an option the VMM does not have. Refused with status 2, the
; usage status, before anything runs.
;! run: --frobnicate GUEST
;! status: 2
;! says: vmm: unexpected argument '--frobnicate' (see ./run --help)
;! kvm: no
%include "stage.inc"

	finish
