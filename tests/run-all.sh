#!/usr/bin/env bash
# Runs every test and prints one closing line "N passed, N failed" (test
# cases), which CI parses; exit 0 only when nothing failed. `make test`
# calls it after building everything; it builds nothing itself.
#   unit tests  the cmocka binaries of UNIT_TESTS (make print-unit-tests),
#               counted from cmocka's summary; a crash, a hang (timeout)
#               or a binary that is missing counts as 1 failed case;
#   scripts     every executable tests/*/test-*.sh: the Bochs boot tests
#               (tests/boot/test-bochs-*.sh), one at a time (slow emulator
#               runs), and the others (fuzz smoke runs, docs checks, QEMU's
#               boot tests), counted from their "PASS <stem>-<case>" /
#               "FAIL <stem>-<case>: why" lines, <stem> being the script's
#               name without "test-" and ".sh" (test-qemu-refusal.sh:
#               "PASS qemu-refusal-no-vmx"); other PASS/FAIL lines, e.g. a
#               guest's own results in an echoed serial log, are not
#               counted. A script that exits non-zero without a FAIL line,
#               or reports nothing, counts as 1 failed case.
# The host part (the unit tests, then every script but Bochs's) runs in the
# background while the Bochs boot tests run, on the machine's other core
# (Bochs uses one); each binary's and script's output goes to its own file
# and is printed whole once it ended (the host part's as soon as all of it
# has), in that order (unit tests, the host part's scripts, the Bochs boot
# tests), with the seconds it took.
# SKIP_BOOT_TESTS=1 skips the scripts of tests/boot/ (", N skipped" is added to the
# closing line). UNIT_TEST_TIMEOUT (seconds, default 300) bounds each unit
# binary. Needs no tty; works as root.
set -u
cd "$(dirname "$0")/.." || exit 2

passed=0
failed=0
skipped=0
problems=()

tmp=$(mktemp -d /tmp/pillbox-tests.XXXXXX) || exit 2

# The closing line is the only "<n> passed, <n> failed" line CI may see:
# the same phrase in a test's own output is shown as "<n> passed / <n>
# failed" (the counting reads the unmodified output).
show() {
	sed -E 's/([0-9]+) passed, ([0-9]+) failed/\1 passed \/ \2 failed/g'
}

# Ends a background part and every process under it (by process id).
kill_tree() {
	local child
	for child in $(ps -o pid= --ppid "$1" 2>/dev/null); do
		kill_tree "$child"
	done
	kill "$1" 2>/dev/null
}
host_pid="" boot_pid=""
stop_parts() {
	[ -z "$host_pid" ] || kill_tree "$host_pid"
	[ -z "$boot_pid" ] || kill_tree "$boot_pid"
}
trap 'rm -rf "$tmp"' EXIT
trap 'stop_parts; exit 130' INT
trap 'stop_parts; exit 143' TERM HUP

unit_list=$(make --no-print-directory -s print-unit-tests 2>/dev/null | grep -E '^[^[:space:]]*test_[^[:space:]]*$')
if [ -z "$unit_list" ]; then
	unit_list=$(for f in build/tests/unit/test_*; do
		[ -f "$f" ] && [ -x "$f" ] && echo "$f"
	done)
fi
# boot_scripts: Bochs's, one at a time in the foreground; other_scripts:
# the rest, in the host part (QEMU's boot tests too: no Bochs, one core).
boot_scripts=()
other_scripts=()
boot_skipped=()
for s in tests/*/test-*.sh; do
	[ -f "$s" ] && [ -x "$s" ] || continue
	case $s in
	tests/boot/*) [ "${SKIP_BOOT_TESTS:-}" != 1 ] || { boot_skipped+=("$s"); continue; } ;;
	esac
	case $s in
	tests/boot/test-bochs-*) boot_scripts+=("$s") ;;
	*) other_scripts+=("$s") ;;
	esac
done
skipped=$((skipped + ${#boot_skipped[@]}))

# run OUT CMD...: runs CMD with its output in OUT; OUT.rc then holds
# "<exit status> <seconds>" (written last: the run has ended when it exists).
run() {
	local out=$1 t0=$SECONDS rc
	shift
	"$@" </dev/null >"$out" 2>&1
	rc=$?
	echo "$rc $((SECONDS - t0))" >"$out.rc.tmp" && mv "$out.rc.tmp" "$out.rc"
}
# The host part, in the background.
(
	for t in $unit_list; do
		[ -x "$t" ] || continue
		# cmocka's own text format on stdout whatever CI sets
		run "$tmp/unit-${t##*/}.out" env CMOCKA_MESSAGE_OUTPUT=stdout \
			timeout -k 10 "${UNIT_TEST_TIMEOUT:-300}" "$t"
	done
	for s in "${other_scripts[@]}"; do
		run "$tmp/script-${s##*/}.out" "$s"
	done
) &
host_pid=$!

# await OUT: waits for run's OUT.rc; sets rc and secs.
await() {
	while [ ! -f "$1.rc" ]; do
		sleep 1
	done
	read -r rc secs <"$1.rc"
}

# unit_result NAME BINARY: prints and counts a unit binary's run.
unit_result() {
	local name=$1 t=$2 out=$tmp/unit-$1.out np nf ns summary why
	echo "---- $name"
	if [ ! -x "$t" ]; then
		echo "FAILED $name: $t is missing or not executable (not built?)"
		failed=$((failed + 1))
		problems+=("$name: missing")
		return
	fi
	await "$out"
	show <"$out"
	# "[  PASSED  ] 3 test(s)." and "[  FAILED  ] 1 test(s), listed below:"
	# (the per-test "[  FAILED  ] name" lines carry no count)
	np=$(sed -nE 's/^\[  PASSED  \] ([0-9]+) test\(s\)\..*/\1/p' "$out" | tail -n 1)
	nf=$(sed -nE 's/^\[  FAILED  \] ([0-9]+) test\(s\).*/\1/p' "$out" | tail -n 1)
	ns=$(sed -nE 's/^\[  SKIPPED \] ([0-9]+) test\(s\).*/\1/p' "$out" | tail -n 1)
	summary=0
	grep -qE '^\[==========\] [0-9]+ test\(s\) run\.' "$out" && summary=1
	if [ "$summary" = 0 ] || { [ -z "$np" ] && [ -z "$nf" ]; }; then
		# crashed, hung or never ran its tests
		case $rc in
		124|137) why="timed out after ${UNIT_TEST_TIMEOUT:-300}s" ;;
		0) why="printed no cmocka summary" ;;
		*) why="ended with status $rc before its summary" ;;
		esac
		[ "$rc" -gt 128 ] && [ "$rc" -ne 137 ] && why="killed by signal $((rc - 128))"
		echo "FAILED $name: $why (counted as 1 failed)"
		failed=$((failed + 1))
		problems+=("$name: $why")
		return
	fi
	np=${np:-0} nf=${nf:-0} ns=${ns:-0}
	if [ "$rc" -ne 0 ] && [ "$nf" -eq 0 ]; then
		# e.g. a sanitizer report (leak) after all cases passed
		echo "FAILED $name: all cases passed but it exited with status $rc (counted as 1 failed)"
		nf=1
		problems+=("$name: exit status $rc after its summary")
	elif [ "$nf" -gt 0 ]; then
		problems+=("$name: $nf of $((np + nf)) cases failed")
	fi
	passed=$((passed + np))
	failed=$((failed + nf))
	skipped=$((skipped + ns))
}

# script_result SCRIPT: prints and counts a test script's run.
script_result() {
	local name=${1##*/} out=$tmp/script-${1##*/}.out stem stem_re np nf other
	echo "---- $name"
	await "$out"
	show <"$out"
	if [ -s "$out.bochs" ]; then
		# tests/boot/bochs-run.sh's BOCHS_TIMES lines: waited, ran.
		awk -v n="$name" -v s="$secs" '{ w += $1; r += $2; b++ }
			END { printf "---- %s: %d s (%d Bochs runs: %d s; %d s waiting for another Bochs)\n", n, s, b, r, w }' "$out.bochs"
	else
		echo "---- $name: ${secs} s"
	fi
	stem=${name#test-}
	stem=${stem%.sh}
	stem_re=$(printf '%s' "$stem" | sed 's/[][\\.*^$+?(){}|/]/\\&/g')
	np=$(grep -cE "^PASS ${stem_re}([-: ]|\$)" "$out")
	nf=$(grep -cE "^FAIL ${stem_re}([-: ]|\$)" "$out")
	other=$(grep -cE '^(PASS|FAIL) ' "$out")
	other=$((other - np - nf))
	[ "$other" -gt 0 ] &&
		echo "note: $other PASS/FAIL line(s) not named '$stem-...' were not counted"
	if [ "$rc" -ne 0 ] && [ "$nf" -eq 0 ]; then
		echo "FAILED $name: exited with status $rc without a FAIL line (counted as 1 failed)"
		nf=1
		problems+=("$name: exit status $rc, no FAIL line")
	elif [ "$np" -eq 0 ] && [ "$nf" -eq 0 ]; then
		echo "FAILED $name: reported no 'PASS $stem-...' or 'FAIL $stem-...' line (counted as 1 failed)"
		nf=1
		problems+=("$name: no results")
	else
		[ "$nf" -gt 0 ] && problems+=("$name: $(grep -E "^FAIL ${stem_re}([-: ]|\$)" "$out" |
			cut -c1-200 | paste -sd ';' -)")
		[ "$rc" -ne 0 ] || [ "$nf" -eq 0 ] ||
			problems+=("$name: FAIL lines but exit status 0")
	fi
	passed=$((passed + np))
	failed=$((failed + nf))
}

# The host part's results, printed once it has ended.
host_printed=0
print_host() {
	local t
	echo "==== unit tests ===="
	if [ -z "$unit_list" ]; then
		echo "no unit test binaries found (make print-unit-tests gave none, build/tests/unit/ is empty)"
		failed=$((failed + 1))
		problems+=("unit tests: none found")
	fi
	for t in $unit_list; do
		unit_result "${t##*/}" "$t"
	done
	echo "==== test scripts ===="
	if [ ${#boot_skipped[@]} -gt 0 ]; then
		echo "skipped (SKIP_BOOT_TESTS=1): ${#boot_skipped[@]} script(s)"
		for s in "${boot_skipped[@]}"; do
			echo "  skipped $s"
		done
	fi
	[ $((${#boot_scripts[@]} + ${#other_scripts[@]} + ${#boot_skipped[@]})) -gt 0 ] ||
		echo "no executable tests/*/test-*.sh"
	for s in "${other_scripts[@]}"; do
		script_result "$s"
	done
	host_printed=1
}

# The boot tests, one at a time, in the foreground; each one's output is
# printed when it has ended and the host part's has been.
next=0
print_boot() {
	while [ "$next" -lt "${#boot_scripts[@]}" ] &&
		[ -f "$tmp/script-${boot_scripts[$next]##*/}.out.rc" ]; do
		script_result "${boot_scripts[$next]}"
		next=$((next + 1))
	done
}
# While a Bochs test runs, the host part's results are printed as soon as
# it has ended. (The test runs as a background job, which ignores SIGINT:
# the traps above end it, by process id, on an interrupt.)
for s in "${boot_scripts[@]}"; do
	BOCHS_TIMES=$tmp/script-${s##*/}.out.bochs run "$tmp/script-${s##*/}.out" "$s" &
	boot_pid=$!
	while kill -0 "$boot_pid" 2>/dev/null; do
		if [ "$host_printed" = 0 ] && ! kill -0 "$host_pid" 2>/dev/null; then
			print_host
			print_boot
		fi
		sleep 1
	done
	wait "$boot_pid"
	boot_pid=""
	if [ "$host_printed" = 0 ] && ! kill -0 "$host_pid" 2>/dev/null; then
		print_host
	fi
	[ "$host_printed" = 0 ] || print_boot
done
wait "$host_pid"
host_pid=""
[ "$host_printed" = 1 ] || print_host
print_boot

# ---- summary ------------------------------------------------------------
echo "==== summary ===="
echo "the tests took $SECONDS s (the build before them not counted)"
if [ ${#problems[@]} -gt 0 ]; then
	for p in "${problems[@]}"; do
		echo "  $p" | show
	done
fi
line="$passed passed, $failed failed"
if [ "${SKIP_BOOT_TESTS:-}" = 1 ] || [ "$skipped" -gt 0 ]; then
	line="$line, $skipped skipped"
fi
echo "$line"
[ "$failed" -eq 0 ]
