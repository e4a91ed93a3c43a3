#!/usr/bin/env bash
# Boot test: Bochs (Intel CPU model with EPT and unrestricted guest) + OVMF
# boots build/esp; the loader starts the VMM, the firmware resumes as the
# guest and the loader starts the guest self-test (tests/boot/selftest.cfg).
# Asserts on the serial log, one PASS/FAIL line per assertion.
set -u
cd "$(dirname "$0")/../.."
TEST_STEM=bochs-selftest
. tests/boot/lib.sh
. tests/boot/checks.sh
[ -f build/esp/EFI/BOOT/BOOTX64.EFI ] || { fail build "build/esp is not built (make all)"; exit 1; }

log=build/test-logs/bochs-selftest.serial.txt
# Until the last line expected below, the loader's after the self-test's
# "selftest done" (or a failure).
run_bochs "$log" run "$(esp_with_cfg tests/boot/selftest.cfg)" \
	'boot\] next image .*selftest\.efi returned|VMM halted|\] FAIL '
expect "$log" cpu-checks '^\[INFO cpu0 boot\] CPU checks passed'
expect "$log" vmx-root '^\[INFO cpu0 vmx\] VMX root mode entered'
expect "$log" ept-built '^\[INFO cpu0 ept\] EPT built: .* not present'
expect "$log" guest-resumed "^\[INFO cpu0 boot\] guest resumed in VMX non-root operation: CPUID reports 'PillboxVMM'"
expect "$log" selftest-started '^\[INFO cpu0 boot\] starting next image \\EFI\\pillbox\\selftest.efi'
# Every check the self-test makes must pass, and all of them must have run.
check_selftest_checks "$log" ""
expect "$log" ept-sink '^\[WARN cpu0 ept\] guest read of VMM page .*: mapped to the sink page'
refuse "$log" no-vmm-error '^\[ERROR cpu[0-9]+ (vmx|exit|fatal|dump|ept|core)\]'
expect "$log" loader-continues '^\[INFO cpu0 boot\] next image .*selftest.efi returned \(EFI status 0\)'
[ $fails -eq 0 ] || { echo "--- last 30 lines of $log"; tail -n 30 "$log"; }
exit $((fails > 0))
