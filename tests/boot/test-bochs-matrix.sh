#!/usr/bin/env bash
# Boot test: the CPU-model matrix. Pillbox on the Bochs CPU models newer
# than the default one (corei7_skylake_x, which every other boot test
# uses) and on the older ones that have what it needs, with 1, 2 and 4
# CPUs; one PASS/FAIL line per assertion, "<model>-<n>cpu-<case>":
#   selftest  tests/boot/smp-selftest.cfg: every CPU enters VMX root
#             operation and launches, the self-test passes every check
#             (tests/boot/checks.sh: check_selftest_checks,
#             check_smp_selftest), its AP check on every application
#             processor;
#   initsipi  tests/boot/initsipi.cfg: guest/initsipi.efi's INIT-SIPI-SIPI
#             checks (check_initsipi), x2APIC mode included.
# The models that Pillbox refuses are tests/boot/test-bochs-refusal.sh's;
# the models OVMF cannot start on are listed in docs/testing.md. Which
# model runs what, and why this spread, is docs/testing.md's "CPU-model
# matrix". MATRIX_ROWS="model:program:cpus ..." runs other rows.
set -u
cd "$(dirname "$0")/../.."
TEST_STEM=bochs-matrix
. tests/boot/lib.sh
. tests/boot/checks.sh
[ -f build/esp/EFI/BOOT/BOOTX64.EFI ] || { fail build "build/esp is not built (make all)"; exit 1; }

# model:program:cpus. Every newer model runs the self-test and the
# INIT/SIPI test; 1, 2 and 4 CPUs each on several models (the default
# model's 1, 2 and 4 CPUs are test-bochs-selftest.sh's and
# test-bochs-smp.sh's); the older models that pass the loader's checks run
# the self-test on 2 CPUs.
ROWS=${MATRIX_ROWS:-"
	sapphire_rapids:selftest:4 sapphire_rapids:initsipi:2
	arrow_lake:selftest:1 arrow_lake:initsipi:4
	tigerlake:selftest:2 tigerlake:initsipi:4
	corei7_icelake_u:selftest:4 corei7_icelake_u:initsipi:2
	corei7_haswell_4770:selftest:1 corei7_haswell_4770:initsipi:4
	corei3_cnl:selftest:2
	broadwell_ult:selftest:4
	corei7_ivy_bridge_3770k:selftest:2
	corei7_sandy_bridge_2600k:selftest:1
	corei5_arrandale_m520:selftest:2"}

for row in $ROWS; do
	IFS=: read -r model prog cpus <<<"$row"
	p="$model-${cpus}cpu-"
	before=$fails
	case $prog in
	selftest)
		# One CPU: without no-insn-breakpoint, so the instruction
		# breakpoint is checked on that model too (smp-selftest.cfg).
		cfg=tests/boot/smp-selftest.cfg
		if [ "$cpus" = 1 ]; then
			cfg=$(mktemp /tmp/pillbox-matrix-cfg.XXXXXX)
			grep -v '^args = no-insn-breakpoint$' tests/boot/smp-selftest.cfg >"$cfg"
		fi
		boot "${p%-}" "$(esp_with_cfg "$cfg")" \
			'selftest\] selftest done|VMM halted|boot\] refused' --cpus "$cpus"
		[ "$cfg" = tests/boot/smp-selftest.cfg ] || rm -f "$cfg"
		check_smp_selftest "$log" "$p" "$cpus"
		check_selftest_checks "$log" "$p" ;;
	initsipi)
		p="$model-${cpus}cpu-"
		boot "${p}initsipi" "$(esp_with_cfg tests/boot/initsipi.cfg)" \
			'initsipi done|VMM halted|boot\] refused' --cpus "$cpus"
		expect "$log" "${p}initsipi-cpus" "^\[INFO cpu0 initsipi\] BSP APIC id 0, $((cpus - 1)) enabled AP\(s\)\$"
		check_initsipi "$log" "$p" ;;
	*) fail "$row" "unknown program '$prog' (selftest or initsipi)"; continue ;;
	esac
	if [ $fails -gt $before ]; then
		echo "--- last 20 lines of $log"
		tail -n 20 "$log" | sed 's/^/    /'
	fi
done
exit $((fails > 0))
