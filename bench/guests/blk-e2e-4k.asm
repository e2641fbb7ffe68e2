; 4 KiB requests: see blk-e2e.inc.
REQUEST_BYTES equ 4096
%include "blk-e2e.inc"
