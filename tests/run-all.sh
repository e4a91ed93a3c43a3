#!/usr/bin/env bash
# Runs every test and prints one closing line "N passed, N failed" (test
# cases), which CI parses; exit 0 only when nothing failed. `make test`
# calls it after building everything; it builds nothing itself.
#   unit tests  the cmocka binaries of UNIT_TESTS (make print-unit-tests),
#               counted from cmocka's summary; a crash, a hang (timeout)
#               or a binary that is missing counts as 1 failed case;
#   scripts     every executable tests/*/test-*.sh: first those outside
#               tests/boot/ (quick: fuzz smoke runs, docs checks), then the
#               boot tests, one at a time (slow emulator runs), counted from their "PASS <stem>-<case>" /
#               "FAIL <stem>-<case>: why" lines, <stem> being the script's
#               name without "test-" and ".sh" (test-qemu-refusal.sh:
#               "PASS qemu-refusal-no-vmx"); other PASS/FAIL lines, e.g. a
#               guest's own results in an echoed serial log, are not
#               counted. A script that exits non-zero without a FAIL line,
#               or reports nothing, counts as 1 failed case.
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
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP

# The closing line is the only "<n> passed, <n> failed" line CI may see:
# the same phrase in a test's own output is shown as "<n> passed / <n>
# failed" (the counting reads the unmodified output).
show() {
	sed -E 's/([0-9]+) passed, ([0-9]+) failed/\1 passed \/ \2 failed/g'
}

# ---- unit tests ---------------------------------------------------------
echo "==== unit tests ===="
unit_list=$(make --no-print-directory -s print-unit-tests 2>/dev/null | grep -E '^[^[:space:]]*test_[^[:space:]]*$')
if [ -z "$unit_list" ]; then
	unit_list=$(for f in build/tests/unit/test_*; do
		[ -f "$f" ] && [ -x "$f" ] && echo "$f"
	done)
fi
if [ -z "$unit_list" ]; then
	echo "no unit test binaries found (make print-unit-tests gave none, build/tests/unit/ is empty)"
	failed=$((failed + 1))
	problems+=("unit tests: none found")
fi

for t in $unit_list; do
	name=${t##*/}
	echo "---- $name"
	if [ ! -x "$t" ]; then
		echo "FAILED $name: $t is missing or not executable (not built?)"
		failed=$((failed + 1))
		problems+=("$name: missing")
		continue
	fi
	out="$tmp/$name.out"
	# cmocka's own text format on stdout whatever CI sets
	CMOCKA_MESSAGE_OUTPUT=stdout timeout -k 10 "${UNIT_TEST_TIMEOUT:-300}" "$t" \
		</dev/null >"$out" 2>&1
	rc=$?
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
		continue
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
done

# ---- boot tests ---------------------------------------------------------
echo "==== test scripts ===="
boot_scripts=()
other_scripts=()
for s in tests/*/test-*.sh; do
	[ -f "$s" ] && [ -x "$s" ] || continue
	case $s in
	tests/boot/*) boot_scripts+=("$s") ;;
	*) other_scripts+=("$s") ;;
	esac
done
if [ "${SKIP_BOOT_TESTS:-}" = 1 ]; then
	echo "skipped (SKIP_BOOT_TESTS=1): ${#boot_scripts[@]} script(s)"
	for s in "${boot_scripts[@]}"; do
		echo "  skipped $s"
	done
	skipped=$((skipped + ${#boot_scripts[@]}))
	boot_scripts=()
fi
if [ $((${#boot_scripts[@]} + ${#other_scripts[@]})) -eq 0 ]; then
	echo "no executable tests/*/test-*.sh"
else
	for s in "${other_scripts[@]}" "${boot_scripts[@]}"; do
		name=${s##*/}
		echo "---- $name"
		out="$tmp/$name.out"
		"$s" </dev/null 2>&1 | tee "$out" | show
		rc=${PIPESTATUS[0]}
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
	done
fi

# ---- summary ------------------------------------------------------------
echo "==== summary ===="
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
