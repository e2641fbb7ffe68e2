#!/bin/sh
# bench/blk-e2e.sh BUILD: stage06's disk seen from a guest. Runs the blk-e2e guests
# (1000 reads of 4 KiB, then of 64 KiB, polled) with --stats, plainly (a QueueNotify
# is an MMIO exit) and with --ioeventfd (KVM signals an eventfd instead), and prints
# what --stats says: exits per request, and the guest-visible MiB/s over the run.
# Where KVM is: natively; otherwise in the emulated x86_64 host, one boot a run, whose
# absolute figures are those of an emulated CPU: the exits per request, and the ratio
# between the two ways, are the lesson.
set -eu
cd "$(dirname "$0")"
build=${1:-build}
top=..
if [ "${EMULATED:-}" != 1 ] && "$top/tools/kvm-usable"; then
	where="this machine's /dev/kvm"
	vmm() { "$top/stage06-virtio/build/vmm" "$@"; }
else
	where="the emulated x86_64 host"
	make -s --no-print-directory -C "$top/stage06-virtio" STATIC=1 all
	vmm() { "$top/tools/emulated-run" "$top/stage06-virtio/build/static/vmm" "$@"; }
fi
image=$top/stage06-virtio/build/disk.img
echo "blk-e2e: stage06's virtio-blk from a guest, on $where (1000 reads each, polled)"
printf '%-8s %-11s %10s %14s %10s\n' request notify exits/req "time (s)" MiB/s
for size in 4k 64k; do
	bytes=$((${size%k} * 1024))
	for mode in plain ioeventfd; do
		flag=
		[ $mode = plain ] || flag=--ioeventfd
		out=$(vmm --stats $flag --disk "$image,ro" "$build/guests/blk-e2e-$size.bin" 2>&1) || {
			echo "$out" >&2
			exit 1
		}
		echo "$out" | awk -v size=$size -v mode=$mode -v bytes=$bytes '
			/^exits: / { exits = $2 }
			/^time: / { time = $2 }
			/^disk: [0-9]+ requests/ { requests = $2 }
			END {
				printf "%-8s %-11s %10.2f %14.4f %10.1f\n", size, mode,
					exits / requests, time, requests * bytes / 1048576 / time
			}'
	done
done
