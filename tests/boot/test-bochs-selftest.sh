#!/usr/bin/env bash
# Boot test: Bochs (Intel CPU model with EPT and unrestricted guest) + OVMF
# boots build/esp; the loader starts the VMM, the firmware resumes as the
# guest and the loader starts the guest self-test (tests/boot/selftest.cfg).
# Asserts on the serial log, one PASS/FAIL line per assertion.
set -u
cd "$(dirname "$0")/../.."
esp=build/esp
model=${BOCHS_MODEL:-corei7_skylake_x}
log=build/test-logs/bochs-selftest.serial.txt
mkdir -p build/test-logs
[ -f "$esp/EFI/BOOT/BOOTX64.EFI" ] || { echo "FAIL bochs-selftest-build: $esp is not built (make all)"; exit 1; }

tests/boot/bochs-run.sh --esp "$esp" --model "$model" --serial "$log" \
	--marker 'selftest done|VMM halted|\] FAIL ' --timeout 300
rc=$?
# The UART gets "\r\n" line ends: compare lines without the CR.
tr -d '\r' < "$log" > "$log.tmp" && mv "$log.tmp" "$log"

fails=0
expect() { # name, extended regex that must occur in the serial log
	if grep -qaE -- "$2" "$log"; then
		echo "PASS bochs-selftest-$1"
	else
		echo "FAIL bochs-selftest-$1: serial log has no line matching /$2/"
		fails=$((fails + 1))
	fi
}
refuse() { # name, regex that must not occur
	if grep -qaE -- "$2" "$log"; then
		echo "FAIL bochs-selftest-$1: serial log has:"; grep -aE -- "$2" "$log" | head -5
		fails=$((fails + 1))
	else
		echo "PASS bochs-selftest-$1"
	fi
}

[ $rc -eq 0 ] || { echo "FAIL bochs-selftest-run: Bochs did not reach the final marker (rc $rc)"; fails=$((fails + 1)); }
expect cpu-checks '^\[INFO cpu0 boot\] CPU checks passed'
expect vmx-root '^\[INFO cpu0 vmx\] VMX root mode entered'
expect ept-built '^\[INFO cpu0 ept\] EPT built: .* not present'
expect guest-resumed "^\[INFO cpu0 boot\] guest resumed in VMX non-root operation: CPUID reports 'PillboxVMM'"
expect selftest-started '^\[INFO cpu0 boot\] starting next image \\EFI\\pillbox\\selftest.efi'
# Every check the self-test makes must pass, and all of them must have run.
for check in cpuid-signature cpuid-version cpuid-hypervisor-bit cpuid-vmx-hidden vmcall-ping \
	vmcall-unknown vmxon-ud xsetbv-osxsave-off-ud xsetbv-reserved-gp xsetbv-no-x87-gp \
	xsetbv-bad-index-gp xsetbv-valid rdmsr-feature-control wrmsr-feature-control-gp \
	rdmsr-vmx-basic-gp cr4-vmxe-hidden cr4-vmxe-set-gp invd-emulated vmm-region-hypercall \
	vmm-region-read-hidden vmm-region-write-ignored exit-stats-read exit-stats-count-cpuid \
	exit-stats-small-buffer exit-stats-bad-cpu log-read log-read-pieces log-read-into-vmm-efault \
	log-read-noncanonical-efault log-read-too-big footprint info-calls-integrity smp-cpu-count; do
	expect "guest-$check" "^\[INFO cpu0 selftest\] PASS $check\$"
done
refuse no-guest-failure '\] FAIL '
expect summary '^\[INFO cpu0 selftest\] summary: pass=[0-9]+ fail=0$'
expect ept-sink '^\[WARN cpu0 ept\] guest read of VMM page .*: mapped to the sink page'
refuse no-vmm-error '^\[ERROR cpu[0-9]+ (vmx|exit|fatal|dump|ept|core)\]'
expect loader-continues '^\[INFO cpu0 boot\] next image .*selftest.efi returned \(EFI status 0\)'
[ $fails -eq 0 ] || { echo "--- last 30 lines of $log"; tail -n 30 "$log"; }
exit $((fails > 0))
