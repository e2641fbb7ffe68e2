; option-timeout-missing: --timeout last, with no number after it.
;! run: GUEST --timeout
;! status: 2
;! says: vmm: --timeout '' is not a number of seconds above 0
;! kvm: no
%include "stage.inc"

	jmp $
