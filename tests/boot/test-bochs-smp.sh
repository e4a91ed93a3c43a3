#!/usr/bin/env bash
# Boot test: the VMM starts on every CPU (EFI MP services), with 2 and 4
# CPUs in Bochs. Asserts on the serial log that each CPU, by APIC id,
# entered VMX root operation and launched, that the launch was sealed and
# that the firmware continues as the guest. One PASS/FAIL line each.
set -u
cd "$(dirname "$0")/../.."
model=${BOCHS_MODEL:-corei7_skylake_x}
[ -f build/esp/EFI/BOOT/BOOTX64.EFI ] || { echo "FAIL bochs-smp-build: build/esp is not built (make all)"; exit 1; }
mkdir -p build/test-logs
fails=0

expect() { # log, name, regex
	if grep -qaE -- "$3" "$1"; then
		echo "PASS bochs-smp-$2"
	else
		echo "FAIL bochs-smp-$2: serial log has no line matching /$3/"
		fails=$((fails + 1))
	fi
}

for cpus in 2 4; do
	esp=$(mktemp -d /tmp/pillbox-smp-esp.XXXXXX)
	cp -r build/esp/. "$esp/"
	cp tests/boot/smp-launch.cfg "$esp/EFI/BOOT/pillbox.cfg"
	log=build/test-logs/bochs-smp-$cpus.serial.txt
	tests/boot/bochs-run.sh --esp "$esp" --cpus "$cpus" --model "$model" --serial "$log" \
		--marker 'returning to the firmware|VMM halted|refused' --timeout 300
	rc=$?
	rm -rf "$esp"
	tr -d '\r' < "$log" > "$log.tmp" && mv "$log.tmp" "$log"
	[ $rc -eq 0 ] || { echo "FAIL bochs-smp-$cpus-run: no final marker (rc $rc)"; fails=$((fails + 1)); }
	expect "$log" "$cpus-cpu-count" "^\[INFO cpu0 boot\] $cpus CPU\(s\), $cpus enabled"
	for ((id = 0; id < cpus; id++)); do
		expect "$log" "$cpus-vmx-root-apic$id" "^\[INFO cpu$id vmx\] VMX root mode entered \(APIC id $id,"
		expect "$log" "$cpus-launch-apic$id" "^\[INFO cpu$id vmx\] VMLAUNCH: guest continues at"
	done
	for ((id = 1; id < cpus; id++)); do
		expect "$log" "$cpus-ap-runs-apic$id" "^\[INFO cpu0 boot\] CPU [0-9]+ \(APIC id $id\) runs under the VMM"
	done
	expect "$log" "$cpus-sealed" '^\[INFO cpu0 hcall\] launch sealed'
	expect "$log" "$cpus-guest-resumed" "^\[INFO cpu0 boot\] guest resumed in VMX non-root operation"
	if grep -qaE '^\[ERROR ' "$log"; then
		echo "FAIL bochs-smp-$cpus-no-error:"; grep -aE '^\[ERROR ' "$log" | head -5
		fails=$((fails + 1))
	else
		echo "PASS bochs-smp-$cpus-no-error"
	fi
	[ $fails -eq 0 ] || { echo "--- last 20 lines of $log"; tail -n 20 "$log" | sed 's/^/    /'; }
done
# Rollback: the VMM refuses APIC id 1 (test_fail_cpu); the boot CPU, already
# started, must leave VMX operation and the firmware go on without us.
esp=$(mktemp -d /tmp/pillbox-smp-esp.XXXXXX)
cp -r build/esp/. "$esp/"
cp tests/boot/smp-rollback.cfg "$esp/EFI/BOOT/pillbox.cfg"
log=build/test-logs/bochs-smp-rollback.serial.txt
tests/boot/bochs-run.sh --esp "$esp" --cpus 2 --model "$model" --serial "$log" \
	--marker 'BdsDxe: starting Boot000[02]|VMM halted' --timeout 300
rc=$?
rm -rf "$esp"
tr -d '\r' < "$log" > "$log.tmp" && mv "$log.tmp" "$log"
[ $rc -eq 0 ] || { echo "FAIL bochs-smp-rollback-run: no final marker (rc $rc)"; fails=$((fails + 1)); }
expect "$log" rollback-bsp-launched '^\[INFO cpu0 vmx\] VMLAUNCH: guest continues at'
expect "$log" rollback-injected '^\[ERROR cpu1 vmx\] APIC id 1: refusing to start \(test_fail_cpu'
expect "$log" rollback-reported '^\[ERROR cpu0 boot\] CPU 1 \(APIC id 1\) failed to start the VMM: .*rolling back all CPUs'
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
