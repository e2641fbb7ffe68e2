#!/bin/bash
# build/vmm where the machine is not arm64 (the Makefile copies this file there).
#
# An arm64 VMM needs arm64 KVM. This script runs the real one, the static
# aarch64 binary build/aarch64/vmm, inside an emulated arm64 host: qemu boots
# an arm64 Linux at EL2, whose /dev/kvm is real KVM (../tools/emulated-host).
# ../tools/emulated-run does it as if the VMM ran here: it hands on the VMM's
# own options, copies the files named on the command line (the guest, --input
# FILE) into the host at the same paths, because the host sees no file of ours,
# and the input from a pipe, read to its end first (a terminal it cannot carry).
# Everything the VMM prints, stdout and stderr, comes out on stdout.
# Exit status: the VMM's, or 125 if the emulated host itself failed.
set -euo pipefail

build=$(cd "$(dirname "$(readlink -f "$0")")" && pwd) # stage08-arm64/build
top=$(cd "$build/../.." && pwd)
vmm=$build/aarch64/vmm
if [[ ! -x $vmm ]]; then
	echo "vmm: $vmm is missing: type 'make stage08' at the top" >&2
	exit 2
fi
# EMULATED_NOTICE=0 leaves out the line that says so (the book's run blocks: their
# output is the same on every machine), as ./run does for the x86 stages.
why="no arm64 KVM here"
[ "${EMULATED_NOTICE:-}" = 0 ] && why=""
exec "$top/tools/emulated-run" --arch arm64 --guests "$build/guests" \
	${why:+--why "$why"} "$vmm" "$@"
