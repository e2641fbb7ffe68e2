; option-timeout-huge: more seconds than a double can hold (strtod gives inf).
;! run: --timeout 1e400 GUEST
;! status: 2
;! says: vmm: --timeout '1e400' is not a number of seconds above 0
;! kvm: no
%include "stage.inc"

	jmp $
