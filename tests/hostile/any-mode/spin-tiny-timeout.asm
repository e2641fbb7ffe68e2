; spin-tiny-timeout: a timeout too small to count in nanoseconds. A timer set to
; zero would be disarmed and never fire; the VMM rounds it up to 1 ns instead.
;! run: --timeout 1e-10 GUEST
;! status: 124
;! says: vmm: the guest was still running after 1e-10 s (--timeout)
%include "stage.inc"

	jmp $
