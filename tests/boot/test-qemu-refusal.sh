#!/usr/bin/env bash
# Boots the ESP in QEMU (TCG, no VT-x) with OVMF on two CPUs the loader
# must refuse, and checks that it says why and that the firmware goes on
# to its next boot option:
#   not-intel  the default QEMU CPU (vendor AuthenticAMD under TCG):
#              "[ERROR cpu0 boot] refused: not an Intel CPU"
#   no-vmx     -cpu qemu64,vendor=GenuineIntel,-vmx:
#              "[ERROR cpu0 boot] refused: the CPU reports no VMX"
# "Goes on" means OVMF's boot manager, after the refusal, prints
#   BdsDxe: failed to start Boot#### ...: <status>   (the loader's option)
#   BdsDxe: loading Boot$$$$ ... / BdsDxe: starting Boot$$$$ ...
# for a different option (with the default OVMF set-up the EFI shell).
# QEMU is stopped (by its own process id) as soon as these lines are in
# the serial log; the timeout is only the backstop.
#
#   test-qemu-refusal.sh [--esp DIR] [--timeout SECONDS]
# Prints one "PASS qemu-refusal-<case>" or "FAIL qemu-refusal-<case>: why"
# line per case. Exit: 0 both passed, 1 otherwise, 64 bad usage.
# KEEP_QEMU_WORK=1 keeps the work folder (serial logs, disk image).
set -u

esp=build/esp
timeout=120
while [ $# -gt 0 ]; do
	case "$1" in
	--esp) esp=$(realpath -m -- "${2:?--esp needs a folder}"); shift ;;
	--timeout) timeout=${2:?--timeout needs seconds}; shift ;;
	*) echo "test-qemu-refusal.sh: unknown argument $1" >&2; exit 64 ;;
	esac
	shift
done
cd "$(dirname "$0")/../.." || exit 2
TEST_STEM=qemu-refusal
. tests/boot/qemu-lib.sh

CASES="not-intel no-vmx"
LOADER_ID="[ERROR cpu0 boot]"

fail_all() {
	for c in $CASES; do
		fail "$c" "$1"
	done
	exit 1
}

# ---- prerequisites ------------------------------------------------------
for tool in qemu-system-x86_64 mkfs.vfat mmd mcopy; do
	command -v "$tool" >/dev/null 2>&1 ||
		fail_all "$tool not found (make deps installs qemu-system-x86, dosfstools, mtools)"
done
[ -d "$esp" ] || fail_all "ESP folder '$esp' not found (make all builds it)"
[ -f "$esp/EFI/BOOT/BOOTX64.EFI" ] || fail_all "no loader at $esp/EFI/BOOT/BOOTX64.EFI"

# Firmware: split code (read-only) + a private copy of the variable store;
# else the unified image as -bios.
if [ -f "$OVMF_CODE" ] && [ -f "$OVMF_VARS" ]; then
	firmware=pflash
elif [ -f "$OVMF_BIOS" ]; then
	firmware=bios
else
	fail_all "no OVMF firmware in /usr/share/OVMF or /usr/share/ovmf (apt-get install ovmf)"
fi

qemu_work pillbox-qemu || fail_all "mktemp failed"

# ---- the ESP as a FAT disk image ------------------------------------------
# Sparse; FAT16 (mkfs.vfat picks it for this size), big enough for any ESP
# contents with room to spare.
esp_kib=$(du -sk "$esp" | cut -f1)
img_kib=$((esp_kib * 2 + 32768))
[ "$img_kib" -ge 65536 ] || img_kib=65536
img="$work/esp.img"
export MTOOLS_SKIP_CHECK=1
if ! mkfs.vfat -C -n PILLBOX "$img" "$img_kib" >"$work/mkfs.log" 2>&1; then
	fail_all "mkfs.vfat failed: $(tail -n 1 "$work/mkfs.log")"
fi
shopt -s nullglob dotglob
entries=("$esp"/*)
shopt -u nullglob dotglob
if ! mcopy -s -Q -i "$img" "${entries[@]}" ::/ >"$work/mcopy.log" 2>&1; then
	fail_all "mcopy of $esp into the FAT image failed: $(tail -n 1 "$work/mcopy.log")"
fi

# ---- one QEMU run -------------------------------------------------------
# check_log SERIAL EXPECTED: did the loader refuse with EXPECTED (after its
# "[ERROR cpu0 boot] " prefix) and the firmware then go on to another boot
# option? Prints "ok" or a reason. Exit: 0 yes, 1 no and the firmware has
# moved on already (the answer is final), 2 not yet.
check_log() {
	clean_log "$1" | awk -v want="$LOADER_ID $2" -v id="$LOADER_ID" "$BDS_AWK"'
	# The firmware has moved on (the answer is final): before the expected
	# refusal, any BdsDxe line once the loader ran; after it, only the
	# next option being loaded (below) or the shell.
	!refused && loader_ran && index($0, "BdsDxe: ") { moved_on = 1 }
	index($0, "UEFI Interactive Shell") { moved_on = 1 }
	index($0, " cpu0 boot] ") { loader_ran = 1 }
	{
		if (!refused) {
			if (index($0, "BdsDxe: starting Boot"))
				current = bootnum(substr($0, index($0, "BdsDxe: starting Boot")))
			if (index($0, want)) {
				refused = 1
				loader_opt = current
				moved_on = 0
			} else if (other == "" && index($0, id " refused:")) {
				other = substr($0, index($0, id " refused:"))
			}
			next
		}
		p = index($0, "BdsDxe: failed to start Boot")
		if (p && !returned) {
			s = substr($0, p)
			if (loader_opt == "" || bootnum(s) == loader_opt) {
				returned = 1
				n = split(s, parts, ": ")
				status = parts[n]
			}
			next
		}
		b = bootnum(bds($0))
		if (returned && !next_opt && b != "" && b != loader_opt)
			next_opt = 1
		# (a line still being written has no option number yet)
		if (b != "")
			moved_on = 1
	}
	END {
		final = moved_on ? 1 : 2
		if (!refused) {
			if (other != "")
				print "the loader refused for another reason: \"" other "\""
			else if (loader_ran)
				print "no \"" want "\" line in the serial log"
			else
				print "the loader did not run (no \"cpu0 boot\" log line)"
			exit final
		}
		if (loader_opt == "") {
			print "no \"BdsDxe: starting Boot####\" before the refusal (was the loader started by the boot manager?)"
			exit final
		}
		if (!returned) {
			print "after the refusal no \"BdsDxe: failed to start Boot" loader_opt "\": the loader did not return an error to the firmware"
			exit final
		}
		if (!next_opt) {
			print "the loader returned (" status ") but the firmware did not go on to another boot option"
			exit final
		}
		print "ok"
	}'
}

# check_final SERIAL EXPECTED: check_log, exit 0 once its answer is final.
check_final() {
	check_log "$@"
	[ $? -ne 2 ]
}

# run_case NAME EXPECTED [QEMU CPU ARGS...]
run_case() {
	local name=$1 expected=$2
	shift 2
	local dir="$work/$name"
	local serial="$dir/serial.txt"

	mkdir -p "$dir"
	cp --sparse=always "$img" "$dir/esp.img"
	if [ "$firmware" = pflash ]; then
		qemu_pflash "$dir" "$OVMF_CODE" "$OVMF_VARS"
	else
		qemu_fw=(-bios "$OVMF_BIOS")
	fi
	qemu_start "$dir" "$serial" -machine q35 -accel tcg -m 512 "$@" "${qemu_fw[@]}" \
		-drive "file=$dir/esp.img,format=raw,if=virtio"
	if qemu_wait "$timeout" check_final "$serial" "$expected" && [ "$result" = ok ]; then
		pass "$name"
		return 0
	fi
	fail "$name" "$result${qemu_note:+ ($qemu_note)}"
	show_serial "$serial" "$name"
	return 1
}

run_case not-intel "refused: not an Intel CPU"
run_case no-vmx "refused: the CPU reports no VMX" \
	-cpu qemu64,vendor=GenuineIntel,-vmx
exit $((fails > 0))
