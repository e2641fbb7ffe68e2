// smp-count-nolock: smp-count with a plain load, add and store. Where the vCPUs'
// threads really run at the same time, updates get lost and the total comes out
// short; on one CPU, or when they happen to take turns, it is exact.
	.set	COUNT_WITHOUT_LOCK, 1
	.include "count.inc"
