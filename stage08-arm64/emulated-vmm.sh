#!/bin/bash
# build/vmm where the machine is not arm64 (the Makefile copies this file there).
#
# An arm64 VMM needs arm64 KVM. This script runs the real one, the static
# aarch64 binary build/aarch64/vmm, inside an emulated arm64 host: qemu boots
# an arm64 Linux at EL2, whose /dev/kvm is real KVM (../tools/emulated-host).
# It takes the VMM's own options and hands them on; files named on the command
# line (the guest, --input FILE) are copied into the host first, because the
# host sees no file of ours, and no stdin: pipe input with --input FILE.
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

files=(--file "$vmm:/work/vmm" --file "$build/guests:/work/guests")
args=()
# Copies the file $1 into the host and sets host_path to its name there: the same
# relative path when it has one (the host's working directory is /work, and
# messages then name the file as you did), else /work/host-files/NAME.
host_file() {
	host_path=$1
	if [[ $1 == /* || $1 == *..* || $1 == *:* ]]; then
		host_path=/work/host-files/$(basename "$1")
	fi
	files+=(--file "$1:$host_path")
}
while (($#)); do
	case $1 in
	--input)
		if (($# >= 2)) && [[ -f $2 ]]; then
			host_file "$2"
			args+=(--input "$host_path")
			shift 2
			continue
		fi ;;
	--timeout)
		args+=("$1" "${2-}")
		shift $(($# >= 2 ? 2 : 1))
		continue ;;
	-*) ;;
	*)
		if [[ -f $1 ]]; then
			host_file "$1"
			args+=("$host_path")
			shift
			continue
		fi ;;
	esac
	args+=("$1")
	shift
done

echo "vmm: no arm64 KVM here: running in an emulated arm64 host (qemu, ~3 s)..." >&2
exec "$top/tools/emulated-host" arm64 "${files[@]}" -- vmm "${args[@]}"
