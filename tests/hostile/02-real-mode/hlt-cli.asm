; hlt-cli: in this stage HLT ends the run, interrupts on or off: status 0.
;! run: --timeout 10 GUEST
;! status: 0
;! never: vmm:
%include "stage.inc"

	cli
	hlt
