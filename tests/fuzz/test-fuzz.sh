#!/bin/bash
# Short fuzz run for make test (docs/fuzzing.md): for each harness, a
# replay of its seed corpus (tests/fuzz/corpus/<harness>/), then
# FUZZ_SECONDS of fuzzing (default 25) from those seeds. Prints
#   PASS fuzz-<harness>-seeds | FAIL fuzz-<harness>-seeds: why
#   PASS fuzz-<harness>       | FAIL fuzz-<harness>: why
#   PASS fuzz-exit-findings   | FAIL fuzz-exit-findings: kinds
# A crashing input is kept under build/fuzz/crashes/ and its path printed.
# The exit harness runs with FUZZ_EXIT_FINDINGS: a VMM halt on what an OS
# may do, or a VMM access to a physical address it does not own, does not
# stop the run; each kind is printed once (with its input, kept under
# build/fuzz/findings/exit/) and fails fuzz-exit-findings. A harness's
# dictionary, tests/fuzz/<harness>.dict, is used when there is one.
# make fuzz runs the same with FUZZ_SECONDS=600 and keeps the grown corpus
# in build/fuzz/corpus/<harness>/ (FUZZ_KEEP_CORPUS=1).
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
FUZZ_DIR=$BUILD/fuzz
SECONDS_EACH=${FUZZ_SECONDS:-25}
HARNESSES=${FUZZ_HARNESSES:-exit config}
mkdir -p "$FUZZ_DIR/crashes" "$FUZZ_DIR/logs"

# The first "INVARIANT BROKEN" or sanitizer line of a libFuzzer log.
why() {
	grep -m1 -E 'INVARIANT BROKEN|ERROR: (AddressSanitizer|UndefinedBehaviorSanitizer|libFuzzer)|runtime error' "$1" |
		sed -e 's/^==== INVARIANT BROKEN: //' -e 's/^==[0-9]*==//' | cut -c1-200
}

# The input libFuzzer saved for a crash, leak or timeout.
artifact() {
	sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$1" | tail -n1
}

# The exit harness's findings in its logs, one line per kind:
# "kind<TAB>what<TAB>input".
findings() {
	cat "$@" 2>/dev/null |
		sed -n 's/^==== FINDING \[\([^]]*\)\]: \(.*\); input \(.*\)$/\1\t\2\t\3/p' |
		sort -u -t "$(printf '\t')" -k1,1
}

report_findings() {
	local list kinds
	list=$(findings "$@")
	if [ -z "$list" ]; then
		echo "PASS fuzz-exit-findings"
		return
	fi
	kinds=$(cut -f1 <<<"$list" | paste -sd ' ' -)
	echo "FAIL fuzz-exit-findings: $(wc -l <<<"$list") kinds: $kinds (reproduce each with build/fuzz/fuzz_exit <input>)"
	while IFS=$'\t' read -r kind what input; do
		echo "    $kind: $input"
		echo "      $(cut -c1-240 <<<"$what")"
	done <<<"$list"
}

for h in $HARNESSES; do
	unset FUZZ_EXIT_FINDINGS
	dict=()
	[ -f "tests/fuzz/$h.dict" ] && dict=(-dict="tests/fuzz/$h.dict")
	if [ "$h" = exit ]; then
		export FUZZ_EXIT_FINDINGS=$FUZZ_DIR/findings/exit
		rm -rf "$FUZZ_EXIT_FINDINGS"
		mkdir -p "$FUZZ_EXIT_FINDINGS"
	fi
	bin=$FUZZ_DIR/fuzz_$h
	seeds=tests/fuzz/corpus/$h
	log=$FUZZ_DIR/logs/$h
	if [ ! -x "$bin" ]; then
		echo "FAIL fuzz-$h-seeds: $bin not built (make fuzz-build)"
		echo "FAIL fuzz-$h: $bin not built (make fuzz-build)"
		[ "$h" = exit ] && echo "FAIL fuzz-exit-findings: $bin not built (make fuzz-build)"
		continue
	fi
	if [ -z "$(ls -A "$seeds" 2>/dev/null)" ]; then
		echo "FAIL fuzz-$h-seeds: no seed inputs in $seeds"
	elif "$bin" -runs=0 "$seeds" >"$log.seeds" 2>&1; then
		echo "PASS fuzz-$h-seeds"
	else
		echo "FAIL fuzz-$h-seeds: $(why "$log.seeds") (log $log.seeds)"
	fi

	corpus=$FUZZ_DIR/corpus/$h
	if [ "${FUZZ_KEEP_CORPUS:-0}" != 1 ]; then
		corpus=$FUZZ_DIR/corpus-short/$h
		rm -rf "$corpus"
	fi
	mkdir -p "$corpus"
	if "$bin" -max_total_time="$SECONDS_EACH" -timeout=10 -rss_limit_mb=2048 \
		-artifact_prefix="$FUZZ_DIR/crashes/$h-" -print_final_stats=1 "${dict[@]}" \
		"$corpus" "$seeds" >"$log" 2>&1; then
		runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
		echo "PASS fuzz-$h (${runs:-?} inputs in ${SECONDS_EACH}s)"
	else
		echo "FAIL fuzz-$h: $(why "$log"); input $(artifact "$log"), reproduce with $bin $(artifact "$log") (log $log)"
	fi
	if [ "$h" = exit ]; then
		report_findings "$log.seeds" "$log"
	fi
done
