#!/usr/bin/env bash
# Boot test of the refusals, in Bochs: the loader on a CPU model that lacks
# what Pillbox needs, with the shipped pillbox.cfg (boot/pillbox.cfg.example).
#   not-intel              an AMD CPU (Ryzen 7 1700)
#   no-vmx                 an Intel x86-64 CPU without VMX (Celeron 336, Prescott)
#   no-ept                 VMX without EPT (Core 2 Duo T9600, Penryn)
#   no-unrestricted-guest  VMX with EPT, without unrestricted guest (Core i5 750,
#                          Lynnfield)
# For each: exactly one "[ERROR cpu0 boot] refused: ..." line with that
# reason, then the loader gives up and returns an error ("BdsDxe: failed to
# start Boot####: Unsupported"), OVMF goes on to its next boot option, the
# EFI shell, which starts ("UEFI Interactive Shell"); nothing of the VMM was
# set up (no VMM region, core, VMX root mode; IA32_FEATURE_CONTROL left as
# it was) and nothing crashed (no CPU exception, no "VMM halted").
set -u
cd "$(dirname "$0")/../.."
TEST_STEM=bochs-refusal
. tests/boot/lib.sh
[ -f build/esp/EFI/BOOT/BOOTX64.EFI ] || { fail build "build/esp is not built (make all)"; exit 1; }

# case;Bochs CPU model;the reason the refusal line gives (after "refused: ");
# a name its list of missing capabilities must not have (empty: none; the
# item "EPT" is ": EPT, ...", not "EPT 2 MiB pages").
MATRIX=(
	'not-intel;ryzen;not an Intel CPU \(vendor .AuthenticAMD.\);'
	'no-vmx;p4_prescott_celeron_336;the CPU reports no VMX \(CPUID\.1:ECX\.VMX = 0\);'
	'no-ept;core2_penryn_t9600;missing VMX capabilit(y|ies): (.*, )?EPT(,|$);'
	'no-unrestricted-guest;corei5_lynnfield_750;missing VMX capabilit(y|ies): (.*, )?unrestricted guest(,|$);EPT'
)
LOADER='^\[ERROR cpu0 boot\] '
SHELL_BANNER='UEFI Interactive Shell'

for row in "${MATRIX[@]}"; do
	IFS=';' read -r name cpu reason absent <<<"$row"
	model=$cpu
	boot "$name" "$(esp_with_cfg boot/pillbox.cfg.example)" \
		"$SHELL_BANNER|VMM halted|X64 Exception|guest resumed"
	expect "$log" "$name-reason" "${LOADER}refused: $reason"
	n=$(grep -caE "${LOADER}refused:" "$log")
	if [ "$n" = 1 ]; then
		pass "$name-one-line"
	else
		fail "$name-one-line" "$n \"refused:\" lines, not 1"
		grep -aE "${LOADER}refused:" "$log" | head -n 5 | sed 's/^/    /'
	fi
	if [ -n "$absent" ]; then
		refuse "$log" "$name-not-$absent" "${LOADER}refused: missing VMX .*(: |, )$absent(,|$)"
	fi
	expect "$log" "$name-loader-returns" \
		"${LOADER}not starting the hypervisor; the firmware continues without it$"
	expect_after "$log" "$name-option-failed" "${LOADER}refused:" \
		'BdsDxe: failed to start Boot[0-9A-F]+ .*: Unsupported$'
	expect_after "$log" "$name-next-option" 'BdsDxe: failed to start Boot' \
		'BdsDxe: starting Boot[0-9A-F]+ "EFI Internal Shell"'
	expect_after "$log" "$name-shell-runs" 'BdsDxe: starting Boot[0-9A-F]+ "EFI Internal Shell"' \
		"$SHELL_BANNER"
	refuse "$log" "$name-nothing-set-up" \
		'IA32_FEATURE_CONTROL was unlocked|CPU checks passed|VMM region|\[INFO cpu[0-9]+ (core|ept|vmx)\]|guest resumed|starting next image'
	refuse "$log" "$name-no-crash" \
		'VMM halted|X64 Exception|^\[ERROR cpu[0-9]+ (vmx|exit|fatal|dump|ept|core)\]'
	[ $fails -eq 0 ] || { echo "--- last 20 lines of $log"; tail -n 20 "$log" | sed 's/^/    /'; }
done
exit $((fails > 0))
