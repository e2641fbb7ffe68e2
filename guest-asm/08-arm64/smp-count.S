// smp-count: every CPU adds 1 to a shared counter 100000 times, atomically
// (LDAXR/STLXR); the boot CPU prints the total and reports it (count.inc).
	.include "count.inc"
