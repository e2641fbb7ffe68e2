#!/bin/bash
# emulated-check.sh STAGE OUT SUITE...: `make check` where the machine is not arm64.
#
# Boots the emulated arm64 host once (../tools/emulated-host) and runs every
# suite there with OUT/tests/run-suites (tests/lib/run_suites.c). qemu's exit
# status says nothing about the tests, so pass or fail is read from what the
# suites print: each must print Check's summary, "N%: Checks: C, Failures: F,
# Errors: E", and all of them must have F = E = 0. A suite that crashed or
# never ran prints no summary, and that is a failure too.
# EMULATED_GDB_ROOT: a directory put at the host's / (GDB for arm64, its /bin/sh and
# their libraries: ../tools/emulated-host --print-gdb-root), for debug_test's GDB.
set -uo pipefail

stage=$1 out=$2
shift 2
suites=("$@")
log=$(mktemp)
trap 'rm -f "$log"' EXIT

# Two emulated CPUs, so that the vCPU threads really run at the same time (smp-count's
# atomics are tested against a second CPU's stores); EMULATED_HOST_SMP=1 for one.
cpus=${EMULATED_HOST_SMP:-2}
started=$(date +%s%N)
echo "== $stage: ${#suites[@]} suites, in an emulated arm64 host (qemu, $cpus CPUs)"
EMULATED_HOST_SMP=$cpus ../tools/emulated-host arm64 --timeout 600 \
	--file "$out/vmm:/work/vmm" --file build/guests:/work/guests \
	--file "$out/disk.img:/work/disk.img" \
	--file "$out/tests:/work/tests" ${EMULATED_GDB_ROOT:+--file "$EMULATED_GDB_ROOT:/"} \
	-- tests/run-suites "${suites[@]/#/tests/}" | tee "$log"
host_status=${PIPESTATUS[0]}
ms=$((($(date +%s%N) - started) / 1000000))

# Sums each suite's summary; names the suites that printed none.
summary=$(awk -v list="${suites[*]}" '
	BEGIN { n = split(list, names, " ") }
	/^== / { suite = $2; sub(/.*\//, "", suite) }
	/^[0-9]+%: Checks: [0-9]+, Failures: [0-9]+, Errors: [0-9]+/ && suite != "" {
		gsub(/,/, ""); seen[suite] = 1
		checks += $3; failures += $5; errors += $7
	}
	/^SKIP / { skipped++ }
	END {
		for (i = 1; i <= n; i++) if (!(names[i] in seen)) missing = missing " " names[i]
		printf "%d %d %d %d%s\n", checks, failures, errors, skipped, missing
	}' "$log")
read -r checks failures errors skipped missing <<<"$summary"
printf '%s: %d checks in %d suites: %d failures, %d errors, %d skipped (emulated arm64 host, %d CPUs, %d.%d s)\n' \
	"$stage" "$checks" "${#suites[@]}" "$failures" "$errors" "$skipped" "$cpus" $((ms / 1000)) $((ms % 1000 / 100))
if [[ -n $missing ]]; then
	echo "$stage: FAILED: no results from:$missing (emulated host status $host_status)"
	exit 1
fi
if ((failures + errors > 0)); then
	echo "$stage: FAILED"
	exit 1
fi
