; 64 KiB requests (the whole default disk): see blk-e2e.inc.
REQUEST_BYTES equ 65536
%include "blk-e2e.inc"
