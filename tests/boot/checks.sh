# The assertions on a guest self-test or INIT/SIPI boot that more than one
# boot test makes (sourced after tests/boot/lib.sh; each adds PASS/FAIL
# lines through lib.sh's expect and refuse).

# skip_ok CHECK LINE LOG: empty when the guest's "SKIP CHECK: why" LINE is
# justified by what the guest itself found on the CPU, otherwise why not.
# Only the checks listed here may be skipped.
skip_ok() {
	local mask
	case $1 in
	xsetbv-avx512-partial-gp) # guest/attack/xsetbv.c
		# XCR0 bits 5-7 (opmask, ZMM_Hi256, Hi16_ZMM): AVX-512 state.
		mask=$(sed -nE 's/.*XCR0 supported = ([0-9a-f]+)$/\1/p' <<<"$2")
		if [ -z "$mask" ]; then
			echo "no 'XCR0 supported = <hex>' in: $2"
		elif [ $((0x$mask & 0xe0)) -eq $((0xe0)) ]; then
			echo "the CPU supports AVX-512 state (XCR0 supported = $mask): the check should have run"
		fi ;;
	xsetbv-osxsave-off-ud|xsetbv-reserved-gp|xsetbv-no-x87-gp|xsetbv-bad-index-gp|xsetbv-valid)
		# guest/selftest.c: no XSAVE, and XSETBV then raised #UD.
		grep -qaE '\] PASS xsetbv-no-xsave-ud$' "$3" ||
			echo "skipped for want of XSAVE, but no 'PASS xsetbv-no-xsave-ud' (XSETBV #UD without XSAVE)" ;;
	insn-breakpoint-fires-after-exit) # guest/selftest.c
		# Bochs 3.0 with more than one CPU does not deliver the #DB, bare
		# too: the multi-CPU configuration (smp-selftest.cfg) asks for the
		# skip with the no-insn-breakpoint option; the one-CPU boots, which
		# run without it, must pass it.
		[[ $2 == *'the no-insn-breakpoint option was given'* ]] ||
			echo "skipped, but not for the no-insn-breakpoint option: $2" ;;
	*) echo "the guest skipped it, and nothing the CPU lacks excuses that: $2" ;;
	esac
}

# expect_check LOG PREFIX STAGE CHECK: the guest program's "PASS CHECK"
# line (case PREFIX+CHECK), or its "SKIP CHECK: why" line where skip_ok
# accepts it (case PREFIX+CHECK-skip-justified).
expect_check() {
	local log=$1 p=$2 stage=$3 check=$4 skip_line why
	skip_line=$(grep -aE "^\[INFO cpu0 $stage\] SKIP $check: " "$log" | head -n 1)
	if [ -n "$skip_line" ] && ! grep -qaE "^\[INFO cpu0 $stage\] PASS $check\$" "$log"; then
		why=$(skip_ok "$check" "$skip_line" "$log")
		if [ -z "$why" ]; then
			pass "$p$check-skip-justified"
		else
			fail "$p$check" "skipped: $why"
		fi
	else
		expect "$log" "$p$check" "^\[INFO cpu0 $stage\] PASS $check\$"
	fi
}

# expect_plan LOG PREFIX STAGE: the guest program logged its plan whole
# ("plan: N checks", then the N names on "plan:" lines: guest/guest_check.c),
# case PREFIX+plan, and each plain name of it passed or was skipped where
# skip_ok accepts it (expect_check). A name ending in '*' stands for any
# number of checks, none included: their own tests count them. Sets
# PLAN_CHECKS to the number of plain names.
expect_plan() {
	local log=$1 p=$2 stage=$3 count check
	local -a names
	count=$(sed -nE "s/^\[INFO cpu0 $stage\] plan: ([0-9]+) checks\$/\1/p" "$log" | head -n 1)
	mapfile -t names < <(sed -nE "s/^\[INFO cpu0 $stage\] plan: //p" "$log" |
		grep -vE '^[0-9]+ checks$' | tr ' ' '\n' | sed '/^$/d')
	PLAN_CHECKS=0
	if [ -z "$count" ]; then
		fail "${p}plan" "no '[INFO cpu0 $stage] plan: N checks' line"
		return
	elif [ "$count" -eq 0 ] || [ "${#names[@]}" -ne "$count" ]; then
		fail "${p}plan" "the plan says $count checks and names ${#names[@]}"
		return
	fi
	pass "${p}plan"
	for check in "${names[@]}"; do
		[[ $check == *'*' ]] && continue
		expect_check "$log" "$p" "$stage" "$check"
		PLAN_CHECKS=$((PLAN_CHECKS + 1))
	done
}

# check_selftest_checks LOG PREFIX: every self-test check passed (or was
# skipped for a reason skip_ok accepts), none failed, and the summary says
# fail=0.
check_selftest_checks() {
	local log=$1 p=$2
	expect_plan "$log" "${p}guest-" selftest
	refuse "$log" "${p}no-guest-failure" '\] FAIL '
	expect "$log" "${p}summary" '^\[INFO cpu0 selftest\] summary: pass=[0-9]+ fail=0( skip=[0-9]+)?$'
}

# check_smp_selftest LOG PREFIX CPUS: a self-test boot on CPUS CPUs at
# log_level = info (tests/boot/smp-selftest.cfg): each CPU, by APIC id,
# entered VMX root operation and launched, the launch was sealed, and the
# self-test ran its check on every application processor (EFI MP
# services: INIT-SIPI-SIPI, emulated by the VMM). Nothing on an AP's
# start-up path waits on the polled UART (INIT and SIPI are logged at debug
# level only: vmm/exit/exit_init_sipi.c), and no VMM error or warning.
check_smp_selftest() {
	local log=$1 p=$2 cpus=$3 id re
	expect "$log" "${p}cpu-count" "^\[INFO cpu0 boot\] $cpus CPU\(s\), $cpus enabled"
	for ((id = 0; id < cpus; id++)); do
		expect "$log" "${p}vmx-root-apic$id" "^\[INFO cpu$id vmx\] VMX root mode entered \(APIC id $id,"
		expect "$log" "${p}launch-apic$id" "^\[INFO cpu$id vmx\] VMLAUNCH: guest continues at"
	done
	for ((id = 1; id < cpus; id++)); do
		expect "$log" "${p}ap-runs-apic$id" "^\[INFO cpu0 boot\] CPU [0-9]+ \(APIC id $id\) runs under the VMM"
	done
	expect "$log" "${p}sealed" '^\[INFO cpu0 hcall\] launch sealed'
	expect "$log" "${p}guest-resumed" "^\[INFO cpu0 boot\] guest resumed in VMX non-root operation"
	for ((id = 1; id < cpus; id++)); do
		expect "$log" "${p}ap-check-apic$id" "^\[INFO cpu0 selftest\] PASS ap-signature-apic$id\$"
	done
	refuse "$log" "${p}ap-start-not-logged" '^\[INFO cpu[0-9]+ init\] '
	expect "$log" "${p}selftest-summary" '^\[INFO cpu0 selftest\] summary: pass=[0-9]+ fail=0( skip=[0-9]+)?$'
	re='^\[(ERROR|WARN) cpu[0-9]+ (vmx|exit|fatal|dump|init|apic|core)\]|\] FAIL '
	refuse "$log" "${p}no-error" "$re"
}

# check_initsipi LOG PREFIX: guest/initsipi.efi's boot: every check of its
# plan passed.
check_initsipi() {
	local log=$1 p=$2
	expect_plan "$log" "${p}initsipi-" initsipi
	expect "$log" "${p}initsipi-summary" "^\[INFO cpu0 initsipi\] summary: pass=$PLAN_CHECKS fail=0\$"
	if grep -qa '^\[ERROR cpu0 initsipi\] FAIL ' "$log"; then
		echo "--- the guest's reasons in $log"
		grep -a '^\[ERROR cpu0 initsipi\] FAIL ' "$log" | sed 's/^/    /'
	fi
}
