#!/usr/bin/env bash
# Boot tests of every CPU under the VMM, in Bochs, one PASS/FAIL line per
# assertion on the serial log:
#  - 2 and 4 CPUs: each CPU, by APIC id, enters VMX root operation and
#    launches, the launch is sealed, and the guest self-test then runs a
#    check on every application processor through EFI MP services (which
#    wakes each with INIT-SIPI-SIPI, emulated by the VMM);
#  - 4 CPUs: guest/initsipi.efi sends INIT-SIPI-SIPI itself: a logical-
#    destination INIT that the VMM forwards (the AP's INIT exit), then
#    with and without delays, a second SIPI, and repeated INITs, to one
#    AP, then with the shorthand "all excluding self": every AP arrives
#    once; no INIT or SIPI line at info level (none waits on the UART);
#  - 4 CPUs with test_fail_cpu = 3: the launch fails on APIC id 3 and every
#    CPU already started leaves VMX operation again (all or nothing).
set -u
cd "$(dirname "$0")/../.."
TEST_STEM=bochs-smp
. tests/boot/lib.sh
. tests/boot/checks.sh
[ -f build/esp/EFI/BOOT/BOOTX64.EFI ] || { fail build "build/esp is not built (make all)"; exit 1; }

for cpus in 2 4; do
	boot "$cpus" "$(esp_with_cfg tests/boot/smp-selftest.cfg)" \
		'selftest\] selftest done|VMM halted|boot\] refused' --cpus "$cpus"
	check_smp_selftest "$log" "$cpus-" "$cpus"
	[ $fails -eq 0 ] || { echo "--- last 20 lines of $log"; tail -n 20 "$log" | sed 's/^/    /'; }
done
# The guest sends INIT-SIPI-SIPI to an application processor itself, then
# to all of them at once (shorthand "all excluding self").
boot initsipi "$(esp_with_cfg tests/boot/initsipi.cfg)" 'initsipi done|VMM halted' --cpus 4
check_initsipi "$log" ""

# Rollback: the VMM refuses APIC id 3 (test_fail_cpu); the CPUs already
# started (0, 1, 2) must leave VMX operation and the firmware go on without us.
boot rollback "$(esp_with_cfg tests/boot/smp-rollback.cfg)" \
	'BdsDxe: starting Boot000[02]|VMM halted' --cpus 4
expect "$log" rollback-bsp-launched '^\[INFO cpu0 vmx\] VMLAUNCH: guest continues at'
expect "$log" rollback-injected '^\[ERROR cpu3 vmx\] APIC id 3: refusing to start \(test_fail_cpu'
expect "$log" rollback-reported '^\[ERROR cpu0 boot\] CPU 3 \(APIC id 3\) failed to start the VMM: .*rolling back all CPUs'
expect "$log" rollback-ap1-left '^\[INFO cpu1 vmx\] CPU index 1 \(APIC id 1\) leaves VMX operation \(rollback\)'
expect "$log" rollback-ap2-left '^\[INFO cpu2 vmx\] CPU index 2 \(APIC id 2\) leaves VMX operation \(rollback\)'
expect "$log" rollback-bsp-left '^\[INFO cpu0 vmx\] CPU index 0 \(APIC id 0\) leaves VMX operation \(rollback\)'
expect "$log" rollback-no-hypervisor '^\[INFO cpu0 boot\] rollback complete: CPUID on the boot CPU shows no hypervisor'
expect "$log" rollback-firmware-continues '^\[ERROR cpu0 boot\] not starting the hypervisor; the firmware continues without it'
expect "$log" rollback-loader-option-failed 'BdsDxe: failed to start Boot0001 .*: Unsupported'
expect "$log" rollback-next-boot-option 'BdsDxe: starting Boot000[02]'
if grep -qaE '^\[INFO cpu0 boot\] starting next image' "$log"; then
	echo "FAIL bochs-smp-rollback-no-chainload: the loader started the next image after a rollback"
	fails=$((fails + 1))
else
	echo "PASS bochs-smp-rollback-no-chainload"
fi
[ $fails -eq 0 ] || { echo "--- last 20 lines of $log"; tail -n 20 "$log" | sed 's/^/    /'; }
exit $((fails > 0))
