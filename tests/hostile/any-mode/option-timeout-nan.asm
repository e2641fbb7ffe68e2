; option-timeout-nan: not a number of seconds (strtod reads "nan" as one).
;! run: --timeout nan GUEST
;! status: 2
;! says: vmm: --timeout 'nan' is not a number of seconds above 0
;! kvm: no
%include "stage.inc"

	jmp $
