; option-timeout-zero: no time at all, and a negative one, are no timeouts.
;! run: --timeout -0 GUEST
;! status: 2
;! says: vmm: --timeout '-0' is not a number of seconds above 0
;! kvm: no
%include "stage.inc"

	jmp $
